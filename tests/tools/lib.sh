# SPDX-License-Identifier: Apache-2.0
# tests/tools/lib.sh - TAP helpers shared by the tests of the tlswire program.
# Sourced by each tests/tools/*.sh; they run from the build directory
# (top_builddir) under automake's tap-driver.sh.
#
# Every command that talks to a peer runs under `timeout`, and every server a
# test starts is killed by the EXIT trap, so nothing hangs or lingers.

srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
TLSWIRE=${TLSWIRE:-$(cd "$top_builddir" && pwd)/tools/tlswire}
TW_TIMEOUT=${TW_TIMEOUT:-30}
# A cross build's make check runs the program through its emulator
# (TLSWIRE_EMULATOR); libtool finds the binary behind its wrapper script.
TW_EXEC=
if [ -n "${TLSWIRE_EMULATOR:-}" ]; then
  TW_EXEC="$(cd "$top_builddir" && pwd)/libtool --mode=execute $TLSWIRE_EMULATOR"
fi

tw_n=0
tw_pids=
tw_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tlswire-tools.XXXXXX") || exit 1

tw_cleanup() {
  for pid in $tw_pids; do
    kill "$pid" 2>/dev/null
  done
  rm -rf "$tw_tmp"
}
trap tw_cleanup EXIT
trap 'exit 1' INT TERM

ok() {
  tw_n=$((tw_n + 1))
  echo "ok $tw_n - $*"
}

not_ok() {
  tw_n=$((tw_n + 1))
  echo "not ok $tw_n - $*"
}

# diag FILE...: shows files as TAP comments.
diag() {
  for f in "$@"; do
    [ -f "$f" ] && sed "s|^|# $(basename "$f"): |" "$f"
  done
  return 0
}

# check DESC COMMAND...: one test point from a command's success.
check() {
  desc=$1
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# has FILE TEXT: FILE contains TEXT (a fixed string).
has() {
  grep -F -q -e "$2" "$1"
}

# tw ARGS...: runs the program with a time limit.
# expect CODE DESC ARGS...: the program (stdin from /dev/null, output in
# $out and $err) exits CODE: one test point.
expect() {
  code=$1
  desc=$2
  shift 2
  tw "$@" </dev/null >"$out" 2>"$err"
  rc=$?
  if [ "$rc" -eq "$code" ]; then
    ok "$desc (exit $code)"
  else
    not_ok "$desc (exit $rc, expected $code)"
    diag "$out" "$err"
  fi
}

tw() {
  # shellcheck disable=SC2086 # TW_EXEC is a command with arguments, or empty
  timeout "$TW_TIMEOUT" $TW_EXEC "$TLSWIRE" "$@"
}

# bg_start LOG COMMAND...: starts a server in the background, logging to LOG.
bg_start() {
  log=$1
  shift
  "$@" >"$log" 2>&1 &
  tw_pids="$tw_pids $!"
  tw_last_pid=$!
}

# wait_for LOG PATTERN: waits (up to 10 s) until LOG has a line matching the
# extended regular expression PATTERN.
wait_for() {
  i=0
  while [ $i -lt 100 ]; do
    grep -E -q -e "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# port_of LOG PATTERN: the port at the end of the first line matching PATTERN.
port_of() {
  grep -E -m 1 -e "$2" "$1" | sed 's/.*:\([0-9][0-9]*\)[^0-9]*$/\1/'
}

# make_certs: in the current directory, a CA (ca.pem/ca.key), a server leaf
# for localhost and 127.0.0.1 (leaf.pem/leaf.key), a leaf for evil.example
# (evil.pem/evil.key) and a client leaf (client.pem/client.key), all signed
# by the CA and valid for two days; the server key again, encrypted with the
# passphrase in pass.txt (leaf-enc.key). Output in certs.log.
make_certs() {
  ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
  printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >leaf.ext
  printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:evil.example\n' >evil.ext
  printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n' >client.ext
  printf 'correct horse\n' >pass.txt
  {
    # shellcheck disable=SC2086
    openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 \
      -subj "/CN=tlswire tools test CA" \
      -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign &&
      for n in leaf evil client; do
        # shellcheck disable=SC2086
        openssl req -new $ec -keyout $n.key -out $n.csr -subj "/CN=$n" &&
          openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key \
            -CAcreateserial -days 2 -extfile $n.ext -out $n.pem || return 1
      done &&
      openssl pkey -in leaf.key -aes-128-cbc -passout file:pass.txt \
        -out leaf-enc.key
  } >certs.log 2>&1
}

# tw_server NAME ARGS...: `tlswire server 0 ARGS` in the background, logging
# to NAME.out / NAME.err; its pid in $server_pid and its port in $port.
tw_server() {
  name=$1
  shift
  "$TLSWIRE" server 0 "$@" >"$name.out" 2>"$name.err" &
  server_pid=$!
  tw_pids="$tw_pids $server_pid"
  port=
  wait_for "$name.out" '^listening on' &&
    port=$(port_of "$name.out" '^listening on')
  [ -n "$port" ] || { echo "# tlswire server did not start"; diag "$name.out" "$name.err"; }
}

# stop_server: SIGTERM to the last server; its exit status in $src.
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null
  wait "$server_pid"
  src=$?
}

# count FILE TEXT: how many lines of FILE hold TEXT.
count() {
  grep -c -F -e "$2" "$1" 2>/dev/null
}
