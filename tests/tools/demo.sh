#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/tools/demo.sh - `tlswire demo` runs offline and says what happened:
# full handshake, 1 MiB echoed and checked, a resumed second connection.
. "${srcdir:-.}/tests/tools/lib.sh"
echo "1..10"
out=$tw_tmp/out

# demo_run DESC ARGS...
demo_run() {
  desc=$1
  shift
  if tw demo "$@" >"$out" 2>&1; then ok "$desc"; else not_ok "$desc"; fi
  diag "$out"
}

# line TEXT: the demo printed TEXT.
line() {
  if has "$out" "$1"; then ok "  prints '$1'"; else not_ok "  prints '$1'"; fi
}

demo_run "tlswire demo exits 0"
line "connection 1: TLSv1.3 TLS_"
line "ALPN demo/1"
line "1048576 bytes echoed back"
line "matches"
line "session resumed"
line "demo OK"
demo_run "tlswire demo --tls1.2 exits 0" --tls1.2
line "connection 1: TLSv1.2 ECDHE-ECDSA-"
line "session resumed"
