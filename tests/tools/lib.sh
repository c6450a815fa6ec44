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
