#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/tools/interop.sh - the tlswire program against OpenSSL's own tools,
# on loopback: `tlswire client` against `openssl s_server` (TLS 1.2 and 1.3,
# ALPN, socket and fd transports), `tlswire server` against
# `openssl s_client`, data checked both ways; verification failures (wrong
# CA, host name or IP address mismatch) and an ALPN mismatch fail with exit 1
# and say why.
#
# Certificates are made here, valid for two days: root CA -> intermediate ->
# leaf "localhost", and an unrelated CA. Servers listen on port 0 (the
# kernel picks a free port) and print it; each serves one connection.
. "${srcdir:-.}/tests/tools/lib.sh"
echo "1..48"
cd "$tw_tmp" || exit 1

# --- certificates ---------------------------------------------------------
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
ca_ext="-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >ca.ext
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >leaf.ext
gen_certs() {
  # shellcheck disable=SC2086
  openssl req -x509 $ec $ca_ext -keyout root.key -out root.pem -days 2 \
    -subj "/CN=tlswire test root" &&
    openssl req -new $ec -keyout inter.key -out inter.csr \
      -subj "/CN=tlswire test intermediate" &&
    openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key \
      -CAcreateserial -days 2 -extfile ca.ext -out inter.pem &&
    openssl req -new $ec -keyout leaf.key -out leaf.csr -subj "/CN=localhost" &&
    openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key \
      -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem &&
    openssl req -x509 $ec $ca_ext -keyout other.key -out other.pem -days 2 \
      -subj "/CN=some other CA"
}
if gen_certs >certs.log 2>&1; then
  ok "certificates made with openssl req / x509"
else
  not_ok "certificates made with openssl req / x509"
  diag certs.log
  exit 1
fi

# s_server_start NAME ARGS...: `openssl s_server -rev` (echoes each line
# reversed) for one connection on a free loopback port, in $port.
s_server_start() {
  name=$1
  shift
  bg_start "$name.server" timeout "$TW_TIMEOUT" openssl s_server \
    -accept 127.0.0.1:0 -naccept 1 -rev -cert leaf.pem -key leaf.key \
    -cert_chain inter.pem "$@"
  port=
  wait_for "$name.server" '^ACCEPT' && port=$(port_of "$name.server" '^ACCEPT')
  [ -n "$port" ] || { echo "# s_server did not start"; diag "$name.server"; }
}

# client NAME INPUT ARGS...: tlswire client 127.0.0.1 $port ARGS with INPUT
# on stdin; exit status in $rc, stdout in NAME.out, stderr in NAME.err.
client() {
  name=$1
  input=$2
  shift 2
  printf '%s' "$input" | tw client 127.0.0.1 "$port" "$@" \
    >"$name.out" 2>"$name.err"
  rc=$?
}

# expect_ok DESC: the last client exited 0.
expect_ok() {
  if [ "$rc" -eq 0 ]; then ok "$1"; else not_ok "$1 (exit $rc)"; diag "$name.err" "$name.server"; fi
}

# expect_fail DESC TEXT: the last client exited 1 and said TEXT.
expect_fail() {
  if [ "$rc" -eq 1 ] && has "$name.err" "$2"; then
    ok "$1: exit 1, '$2'"
  else
    not_ok "$1: exit $rc, expected 1 and '$2'"
    diag "$name.err"
  fi
}

# says FILE TEXT
says() {
  if has "$1" "$2"; then ok "  $(basename "$1") has '$2'"; else not_ok "  $(basename "$1") has '$2'"; diag "$1"; fi
}

# --- tlswire client -> openssl s_server -----------------------------------
s_server_start c13 -tls1_3 -alpn tw/1
client c13 'hello tlswire
' --cafile root.pem --servername localhost --verify-hostname \
  --alpn other,tw/1 --tls1.3
expect_ok "client -> s_server, TLS 1.3, ALPN, host name checked"
says c13.out "eriwslt olleh"
says c13.err "(socket transport)"
says c13.err "protocol:    TLSv1.3"
says c13.err "alpn:        tw/1"
says c13.err "verify:      ok, host name localhost matches"
says c13.err "0 subject: CN=localhost"
says c13.err "1 subject: CN=tlswire test intermediate"
says c13.server "ALPN protocols selected: tw/1"

s_server_start c12 -tls1_2 -alpn tw/2
client c12 'line one
line two
' --cafile root.pem --alpn tw/2 --tls1.2 --transport fd
expect_ok "client -> s_server, TLS 1.2, fd transport"
says c12.out "eno enil"
says c12.out "owt enil"
says c12.err "protocol:    TLSv1.2"
says c12.err "alpn:        tw/2"
says c12.err "connected to 127.0.0.1:$port (fd transport)"

s_server_start wrongca
client wrongca 'x
' --cafile other.pem
expect_fail "client with the wrong CA" "certificate verify failed"
says wrongca.err "TLSWIRE_E_SSL"

s_server_start badhost
client badhost 'x
' --cafile root.pem --servername wrong.example --verify-hostname
expect_fail "client --verify-hostname with another name" "certificate verify failed"
says badhost.err "hostname mismatch"

# The host name check takes an IP address too (the leaf has IP:127.0.0.1).
s_server_start badip
client badip 'x
' --cafile root.pem --servername 127.0.0.2 --verify-hostname
expect_fail "client --verify-hostname with another IP address" "certificate verify failed"
says badip.err "IP address mismatch"

# s_server sends one line and, at EOF on its stdin, drops the connection
# without close_notify: a truncated stream is a failure, never a clean end.
bg_start trunc.server sh -c "printf 'bye\\n' | exec timeout $TW_TIMEOUT \
  openssl s_server -accept 127.0.0.1:0 -naccept 1 -cert leaf.pem \
  -key leaf.key -cert_chain inter.pem"
port=
wait_for trunc.server '^ACCEPT' && port=$(port_of trunc.server '^ACCEPT')
mkfifo hold
exec 3<>hold # the client's stdin stays open: the server must end first
tw client 127.0.0.1 "$port" --cafile root.pem <&3 >trunc.out 2>trunc.err
rc=$?
exec 3>&-
name=trunc
expect_fail "s_server drops the connection without close_notify" "Unexpected EOF"
says trunc.out "bye"

# --- openssl s_client -> tlswire server -----------------------------------
# tw_server_start NAME [--many] ARGS...: tlswire server on a free port,
# serving one client (--once) unless --many.
tw_server_start() {
  name=$1
  shift
  once=--once
  [ "${1:-}" = --many ] && { once=; shift; }
  bg_start "$name.server" tw server 0 $once --cert leaf.pem --key leaf.key \
    --chain inter.pem "$@"
  server_pid=$tw_last_pid
  port=
  wait_for "$name.server" '^listening on' &&
    port=$(port_of "$name.server" '^listening on')
  [ -n "$port" ] || { echo "# tlswire server did not start"; diag "$name.server"; }
}

# server_exit: the exit status of the last tlswire server, in $src.
server_exit() {
  wait "$server_pid"
  src=$?
}

# 64 KiB of lines; s_client sends them, then waits until all came back.
i=0
while [ $i -lt 1024 ]; do
  printf 'line %04d of the tlswire interop data, 64 bytes a line ........\n' $i
  i=$((i + 1))
done >data
if [ "$(wc -c <data)" -eq 65536 ]; then ok "64 KiB of test data"; else not_ok "64 KiB of test data"; fi

# s_client_echo NAME FILE ARGS...: openssl s_client sends FILE to the
# tlswire server on $port and closes once all of it came back (NAME.out);
# its exit status in $crc.
s_client_echo() {
  name=$1
  file=$2
  shift 2
  size=$(wc -c <"$file")
  {
    cat "$file"
    i=0
    while [ $i -lt 200 ] && [ "$(wc -c 2>/dev/null <"$name.out")" != "$size" ]; do
      sleep 0.05
      i=$((i + 1))
    done
  } | timeout "$TW_TIMEOUT" openssl s_client -connect "127.0.0.1:$port" \
    -CAfile root.pem -verify_return_error -quiet -no_ign_eof "$@" \
    >"$name.out" 2>"$name.err"
  crc=$?
}

for v in 1_3 1_2; do
  tw_server_start s$v --alpn tw/1,tw/0
  s_client_echo s$v data -tls$v -alpn tw/0 -servername localhost
  server_exit
  if [ "$crc" -eq 0 ] && cmp -s data s$v.out; then
    ok "s_client -> server, TLS ${v%_*}.${v#*_}: 64 KiB echoed back intact"
  else
    not_ok "s_client -> server, TLS ${v%_*}.${v#*_}: 64 KiB echoed back (s_client exit $crc)"
    diag s$v.err s$v.server
  fi
  if [ "$src" -eq 0 ]; then ok "  server --once exits 0"; else not_ok "  server --once exits 0 (exit $src)"; diag s$v.server; fi
  says s$v.server "alpn:        tw/0"
  says s$v.server "65536 bytes echoed"
done
says s1_3.server "server name: localhost"

# Session resumption by OpenSSL's client against a server without --once
# (TLS 1.2: s_client saves the session during the handshake).
tw_server_start resume --many
printf 'resume\n' >resume.in
s_client_echo resume1 resume.in -tls1_2 -sess_out sess.pem
s_client_echo resume2 resume.in -tls1_2 -sess_in sess.pem
i=0
while [ $i -lt 100 ] && [ "$(grep -c 'closed, 7 bytes echoed' resume.server)" != 2 ]; do
  sleep 0.1
  i=$((i + 1))
done
kill "$server_pid" 2>/dev/null
says resume.server "resumed:     no"
says resume.server "resumed:     yes"
if [ "$(grep -c 'closed, 7 bytes echoed' resume.server)" = 2 ]; then
  ok "  the server served both clients"
else
  not_ok "  the server served both clients"
  diag resume.server
fi

# --- tlswire client -> tlswire server -------------------------------------
tw_server_start tt --alpn tw/1 --transport fd
client tt 'ping
' --cafile root.pem --servername localhost --verify-hostname --alpn tw/1
expect_ok "client -> server (fd transport), both tlswire"
says tt.out "ping"
server_exit

# A --cert file that carries its chain still gets the --chain certificates
# after it; the server's ALPN order wins over the client's; the host check
# on HOST 127.0.0.1 matches the leaf's IP address.
cat leaf.pem inter.pem >leafchain.pem
tw_server_start chain --cert leafchain.pem --chain root.pem --alpn tw/1,tw/0
client chain 'x
' --cafile root.pem --verify-hostname --alpn tw/0,tw/1
expect_ok "client -> server: --cert with its chain and --chain, IP host check"
says chain.err "2 subject: CN=tlswire test root"
says chain.err "alpn:        tw/1"
if grep -q -x '  verify:      ok' chain.err; then ok "  verify: ok (an IP address, no host name)"; else not_ok "  verify: ok (an IP address, no host name)"; diag chain.err; fi
server_exit

# 1 MiB of random bytes through the client's stdin/stdout relay and back.
head -c 1048576 /dev/urandom >big
tw_server_start big
tw client 127.0.0.1 "$port" --cafile root.pem -q <big >big.out 2>big.err
rc=$?
server_exit
if [ "$rc" -eq 0 ] && cmp -s big big.out; then
  ok "client -> server: 1 MiB relayed from stdin and back to stdout intact"
else
  not_ok "client -> server: 1 MiB relayed and back (exit $rc)"
  diag big.err big.server
fi
if [ ! -s big.err ]; then ok "  client -q prints nothing on stderr"; else not_ok "  client -q prints nothing on stderr"; diag big.err; fi
says big.server "1048576 bytes echoed"

tw_server_start alpn --alpn tw/1
client alpn 'x
' --cafile root.pem --alpn h2
expect_fail "client offering no ALPN protocol the server has" "no application protocol"
server_exit
if [ "$src" -eq 1 ]; then ok "  the server's --once exit is 1"; else not_ok "  the server's --once exit is 1 (exit $src)"; diag alpn.server; fi
