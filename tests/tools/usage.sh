#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/tools/usage.sh - --help and --version answer with exit 0; usage
# errors give exit 2 and a message; local setup errors exit 3 and network
# failures exit 1, each naming what failed.
. "${srcdir:-.}/tests/tools/lib.sh"
echo "1..26"
out=$tw_tmp/out
err=$tw_tmp/err

# says FILE TEXT: one test point for the last command's output.
says() {
  if has "$1" "$2"; then ok "  and says '$2'"; else not_ok "  says '$2'"; diag "$1"; fi
}

expect 0 "tlswire --help" --help
says "$out" "Usage: tlswire COMMAND"
says "$out" "2 usage error, 3 local setup error"
expect 0 "tlswire --version" --version
says "$out" "OpenSSL"
expect 0 "tlswire demo --help" demo --help
expect 0 "tlswire client --help" client --help
says "$out" "--verify-hostname"
expect 0 "tlswire server --help" server --help
expect 2 "no command" 
says "$err" "missing command"
expect 2 "unknown command" frobnicate
expect 2 "client without PORT" client 127.0.0.1
says "$err" "expected HOST and PORT"
expect 2 "client with an unknown option" client --bogus 127.0.0.1 1
expect 2 "client --transport with a bad value" client --transport pigeon 127.0.0.1 1
expect 2 "client with an empty ALPN protocol" client --alpn 'h2,,x' 127.0.0.1 1
expect 2 "server without --cert" server 0 --key k.pem
says "$err" "--cert and --key are required"
expect 2 "demo with an argument" demo extra
expect 3 "server with a missing certificate file" server 0 --cert "$tw_tmp/none.pem" --key "$tw_tmp/none.key"
says "$err" "none.pem: no such file"
expect 3 "client with a missing CA file" client --cafile "$tw_tmp/none-ca.pem" 127.0.0.1 1
says "$err" "none-ca.pem: no such file"
expect 1 "client to a closed port" client --insecure 127.0.0.1 1
says "$err" "cannot connect to 127.0.0.1 port 1"
