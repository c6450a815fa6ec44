#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/tools/bench.sh - `tlswire bench`: --quick prints the ratio table
# (header and one row per workload, each with its ratios) within a bounded
# time; usage errors exit 2; --callgrind without valgrind prints the command
# to run by hand instead of failing silently.
. "${srcdir:-.}/tests/tools/lib.sh"
echo "1..8"
out=$tw_tmp/out
err=$tw_tmp/err

timeout 120 "$TLSWIRE" bench --quick >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "bench --quick (exit 0)"; else
  not_ok "bench --quick (exit $rc)"; diag "$out" "$err"; fi
if grep -q '^row .* ratio *min *max$' "$out"; then ok "  prints the header"
else not_ok "  prints the header"; diag "$out"; fi
# Every row ends with three ratios (median, min, max), all positive.
# A row either has its ratios or says n/a: the heap rows cannot be measured
# where malloc is replaced (AddressSanitizer).
rows=$(grep -c -e ' [0-9]*\.[0-9][0-9][0-9]  *[0-9]*\.[0-9][0-9][0-9]  *[0-9]*\.[0-9][0-9][0-9]$' -e ' n/a  *n/a  *n/a$' "$out")
listed=$("$TLSWIRE" bench --list | wc -l)
if [ "$listed" -gt 20 ] && [ "$rows" -eq "$listed" ]; then
  ok "  one row with ratios per workload ($rows)"
else not_ok "  rows with ratios: $rows of $listed"; diag "$out"; fi
if grep -q '^memory: idle established ' "$out" &&
  grep -q '^concurrent: 1,000 conns' "$out"; then
  ok "  includes the memory and concurrency rows"
else not_ok "  memory and concurrency rows"; diag "$out"; fi

"$TLSWIRE" bench --help >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q -- '--callgrind' "$out"; then
  ok "bench --help documents --callgrind"
else not_ok "bench --help (exit $rc)"; diag "$out" "$err"; fi

"$TLSWIRE" bench --bogus >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "unknown option '--bogus'" "$err"; then
  ok "bench --bogus (exit 2)"
else not_ok "bench --bogus (exit $rc)"; diag "$out" "$err"; fi

# No valgrind on PATH: the exact command is printed, exit 1.
PATH=/nonexistent "$TLSWIRE" bench --callgrind >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'valgrind --tool=callgrind' "$err" &&
  grep -q ' bench --one 0 --side raw' "$err"; then
  ok "bench --callgrind without valgrind prints the command"
else not_ok "bench --callgrind without valgrind (exit $rc)"; diag "$out" "$err"; fi

"$TLSWIRE" bench --one 99999 --side raw --ops 1 >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 2 ]; then ok "bench --one out of range (exit 2)"
else not_ok "bench --one out of range (exit $rc)"; diag "$out" "$err"; fi
