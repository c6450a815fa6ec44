#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# footprint.sh - what libtlswire costs a firmware image: the size of the
# shared library (text, data, bss, stripped file) in each build given, and
# the C library and POSIX symbols it needs that OpenSSL does not provide.
#
# Usage: build-aux/footprint.sh BUILDDIR...
# Each BUILDDIR is a configured tree in which `make` has run (native or
# cross, with or without --disable-posix-transports). The host's binutils
# (HOST-size, HOST-nm, HOST-strip) are used when they exist. The README's
# "Footprint" section is this script's output.
set -eu

if [ $# -eq 0 ]; then
  echo "usage: $0 BUILDDIR..." >&2
  exit 2
fi

# mkvar DIR NAME: the value of a variable in DIR's Makefile.
mkvar() {
  sed -n "s/^$2 = //p" "$1/Makefile" | head -n 1
}

# tool DIR NAME: the host's binutils program NAME (size, nm, strip).
tool() {
  alias=$(mkvar "$1" host_alias)
  if [ -n "$alias" ] && command -v "$alias-$2" >/dev/null 2>&1; then
    echo "$alias-$2"
  else
    echo "$2"
  fi
}

# config DIR: "default" or "no-POSIX" (--disable-posix-transports).
config() {
  if grep -q 'define TLSWIRE_HAVE_POSIX_TRANSPORTS 1' \
    "$1/include/tlswire/version.h"; then
    echo default
  else
    echo no-POSIX
  fi
}

# library DIR: the built shared object (fails when it is missing).
library() {
  so=$1/.libs/libtlswire.so
  if [ ! -f "$so" ]; then
    echo "$0: no $so: run make in $1 first" >&2
    exit 1
  fi
  echo "$so"
}

# row DIR: one line of the size table.
row() {
  so=$(library "$1")
  tmp=$(mktemp "${TMPDIR:-/tmp}/footprint.XXXXXX")
  "$(tool "$1" strip)" -o "$tmp" "$so"
  stripped=$(wc -c <"$tmp" | tr -d ' ')
  rm -f "$tmp"
  "$(tool "$1" size)" "$so" | awk -v host="$(mkvar "$1" host)" \
    -v cfg="$(config "$1")" -v stripped="$stripped" \
    'NR == 2 { printf "    %-30s %-9s %8d %6d %4d %9d\n", host, cfg, $1, $2, $3, stripped }'
}

# openssl_symbols DIR: what libssl and libcrypto of DIR's host define.
# (found where the build's LDFLAGS -L point, else where its compiler looks).
openssl_symbols() {
  cc=$(mkvar "$1" CC)
  dirs=$(for f in $(mkvar "$1" LDFLAGS); do
    case $f in -L?*) echo "${f#-L}" ;; esac
  done)
  for lib in libssl.so libcrypto.so; do
    path=$($cc -print-file-name=$lib)
    for d in $dirs; do
      [ -f "$d/$lib" ] && path=$d/$lib && break
    done
    [ -f "$path" ] && $(tool "$1" nm) -D --defined-only "$path" |
      awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }'
  done | sort -u
}

# needs DIR: the undefined symbols of the library, less OpenSSL's.
needs() {
  so=$(library "$1")
  ours=$(mktemp "${TMPDIR:-/tmp}/footprint.XXXXXX")
  theirs=$(mktemp "${TMPDIR:-/tmp}/footprint.XXXXXX")
  $(tool "$1" nm) -D -u "$so" | awk '{ sub(/@.*/, "", $NF); print $NF }' |
    grep -v -e '^_ITM_' -e '^__gmon_start__$' -e '^_Jv_' | sort -u >"$ours"
  openssl_symbols "$1" >"$theirs"
  comm -23 "$ours" "$theirs"
  rm -f "$ours" "$theirs"
}

echo "libtlswire.so, as built (-O2 -g; size counts the loaded sections only):"
echo
printf '    %-30s %-9s %8s %6s %4s %9s\n' host config text data bss stripped
for dir in "$@"; do
  row "$dir"
done
for dir in "$@"; do
  [ "$(config "$dir")" = no-POSIX ] || continue
  echo
  echo "C library symbols the no-POSIX library needs on $(mkvar "$dir" host)"
  echo "(nm -D -u, less what libssl and libcrypto define):"
  echo
  needs "$dir" | fmt -w 72 | sed 's/^/    /'
done
