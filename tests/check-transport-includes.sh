#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fails (TAP "not ok") if a built-in transport includes anything but the
# public headers, OpenSSL's and the system's (<...>) or a file of its own
# directory ("..."). The build proves the same through the include path;
# this names the offending line.
dir=${srcdir:-.}/transports
echo "1..1"
bad=$(grep -n '^[[:space:]]*#[[:space:]]*include' "$dir"/*.c "$dir"/*.h |
  while IFS= read -r line; do
    name=$(printf '%s\n' "$line" | sed -n 's/.*include[[:space:]]*["<]\([^">]*\)[">].*/\1/p')
    case "$line" in
    *'#'*include*'"'*) [ -f "$dir/$name" ] || echo "$line" ;;
    esac
    case "$name" in
    *src/* | *../* | '') echo "$line" ;;
    esac
  done)
if [ -n "$bad" ]; then
  echo "not ok 1 - transports/ includes only public and system headers"
  printf '%s\n' "$bad" | sed 's/^/# /'
  exit 1
fi
echo "ok 1 - transports/ includes only public and system headers"
