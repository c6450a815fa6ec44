#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/tools/client.sh - `tlswire client` is secure by default, and every
# bad input gets a message in plain words and its exit code (2 usage, 3 local
# setup, 1 peer): the host name (or IP address) is verified unless
# --insecure; contradictory options; ports; files that are missing, not PEM,
# hold the wrong thing, encrypted without a passphrase, or a key that does
# not match its certificate; sessions saved and resumed across runs.
. "${srcdir:-.}/tests/tools/lib.sh"
echo "1..69"
cd "$tw_tmp" || exit 1
out=$tw_tmp/out
err=$tw_tmp/err

if make_certs; then ok "certificates made"; else not_ok "certificates made"; diag certs.log; exit 1; fi

# says TEXT: the last command said TEXT on stderr.
says() {
  if has "$err" "$1"; then ok "  says '$1'"; else not_ok "  says '$1'"; diag "$err"; fi
}

# --- ports: the same rule and message for both commands --------------------
for p in 99999 65536 abc 12x -1 ''; do
  expect 2 "client port '$p'" client 127.0.0.1 "$p"
done
says "is not a number from 1 to 65535"
expect 2 "client port 0" client 127.0.0.1 0
says "port 0 is out of range (1 to 65535)"
expect 2 "server port 99999" server 99999 --cert leaf.pem --key leaf.key
says "port 99999 is out of range (1 to 65535)"
expect 2 "server port abc" server abc --cert leaf.pem --key leaf.key
says "port 'abc' is not a number from 1 to 65535"

# --- contradictory or incomplete options ------------------------------------
expect 2 "--insecure with --cafile" client --insecure --cafile ca.pem 127.0.0.1 1
says "--insecure and --cafile contradict each other"
expect 2 "--insecure with --verify-hostname" client --insecure --verify-hostname 127.0.0.1 1
says "--insecure and --verify-hostname contradict each other"
expect 2 "--cert without --key" client --cert client.pem 127.0.0.1 1
says "--cert and --key go together"
expect 2 "--pass of an unknown form" client --cert client.pem --key client.key --pass secret 127.0.0.1 1
says "--pass takes file:PATH or env:VAR"
expect 2 "--connect-timeout 0" client --connect-timeout 0 127.0.0.1 1
expect 2 "server --verify-client without --cafile" server 0 --cert leaf.pem --key leaf.key --verify-client
says "--verify-client needs --cafile"
expect 2 "server --idle-timeout abc" server 0 --cert leaf.pem --key leaf.key --idle-timeout abc
expect 2 "server --max-conns 0" server 0 --cert leaf.pem --key leaf.key --max-conns 0
expect 2 "server --sni without a key" server 0 --cert leaf.pem --key leaf.key --sni a.example:leaf.pem

# --- files: each says what is wrong, exit 3 -----------------------------------
printf 'hello\n' >notpem.txt
: >empty.pem
mkdir -p adir
expect 3 "missing certificate" server 0 --cert none.pem --key leaf.key
says "none.pem: no such file"
expect 3 "certificate that is a directory" server 0 --cert adir --key leaf.key
says "adir: is a directory"
expect 3 "certificate that is not PEM" server 0 --cert notpem.txt --key leaf.key
says "notpem.txt: not a PEM file"
expect 3 "empty certificate file" server 0 --cert empty.pem --key leaf.key
says "empty.pem: the file is empty"
expect 3 "a key given as the certificate" server 0 --cert leaf.key --key leaf.key
says "leaf.key: no certificate in it"
expect 3 "a certificate given as the key" server 0 --cert leaf.pem --key leaf.pem
says "leaf.pem: no private key in it"
expect 3 "a key that does not match the certificate" server 0 --cert leaf.pem --key evil.key
says "evil.key: the key does not match the certificate in leaf.pem"
expect 3 "an encrypted key and no passphrase" server 0 --cert leaf.pem --key leaf-enc.key
says "leaf-enc.key: the key is encrypted and no passphrase was given"
printf 'wrong\n' >wrong.txt
expect 3 "an encrypted key and a wrong passphrase" server 0 --cert leaf.pem --key leaf-enc.key --pass file:wrong.txt
says "leaf-enc.key: wrong passphrase"
expect 3 "--pass env: with the variable unset" server 0 --cert leaf.pem --key leaf-enc.key --pass env:TW_NO_SUCH_VAR
says "TW_NO_SUCH_VAR is not set"
expect 3 "missing CA file" client --cafile none-ca.pem 127.0.0.1 1
says "none-ca.pem: no such file"
expect 3 "CA file that is not PEM" client --cafile notpem.txt 127.0.0.1 1
says "notpem.txt: not a PEM file"

# --- host name verification, on by default -----------------------------------
tw_server evil --cert evil.pem --key evil.key
expect 1 "a trusted certificate for evil.example is refused for localhost" client --cafile ca.pem localhost "$port"
says "certificate verify failed (hostname mismatch)"
says "hint: the server's certificate is not for 'localhost'"
expect 1 "... and for 127.0.0.1" client --cafile ca.pem 127.0.0.1 "$port"
says "IP address mismatch"
expect 0 "... accepted with --insecure" client --insecure localhost "$port"
expect 0 "... accepted with --servername evil.example" client --cafile ca.pem --servername evil.example 127.0.0.1 "$port"
expect 1 "an unknown CA is refused" client localhost "$port"
says "hint: give the CA that issued the server's certificate with --cafile"
stop_server

# --- sessions resumed across runs; a client certificate with --pass env: ----
tw_server sess --cert leaf.pem --key leaf.key
expect 0 "--sess-out saves the session" client --cafile ca.pem --sess-out sess.der localhost "$port"
if [ -s sess.der ]; then ok "  sess.der written"; else not_ok "  sess.der written"; fi
expect 0 "--sess-in resumes it in a new run" client --cafile ca.pem --sess-in sess.der localhost "$port"
says "session from sess.der: resumed"
expect 0 "--sess-in with a file that is not a session: a full handshake" client --cafile ca.pem --sess-in notpem.txt localhost "$port"
says "notpem.txt: not a saved tlswire session; running a full handshake"
TW_PASS='correct horse'
export TW_PASS
expect 0 "client -v with an encrypted client key and --pass env:" client -v --cafile ca.pem --cert leaf.pem --key leaf-enc.key --pass env:TW_PASS localhost "$port"
says "tlswire client: handshake done"
stop_server
