#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fails (TAP "not ok") if the shared library exports a symbol without the
# tlswire_ prefix. Usage: check-exports.sh [path/to/libtlswire.so]
so=${1:-${top_builddir:-.}/.libs/libtlswire.so}
nm=${NM:-nm}
echo "1..2"
if [ ! -f "$so" ]; then
  echo "not ok 1 - $so exists"
  echo "not ok 2 - exports carry the tlswire_ prefix # SKIP no library"
  exit 1
fi
echo "ok 1 - $so exists"
syms=$($nm -D --defined-only "$so" | awk 'NF == 3 && $2 ~ /^[TDBRVWi]$/ { print $3 }')
bad=$(printf '%s\n' "$syms" | grep -v '^tlswire_' | grep -v '^$')
count=$(printf '%s\n' "$syms" | grep -c '^tlswire_')
if [ -n "$bad" ] || [ "$count" -eq 0 ]; then
  echo "not ok 2 - exports carry the tlswire_ prefix ($count tlswire_ symbols)"
  printf '%s\n' "$bad" | sed 's/^/# unexpected export: /'
  exit 1
fi
echo "ok 2 - all $count exports carry the tlswire_ prefix"
