#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/tools/installed.sh - the installed program works: `make install`
# into a staging directory, then run `tlswire --version` and `tlswire demo`
# from there with nothing but LD_LIBRARY_PATH pointing at the staged library.
. "${srcdir:-.}/tests/tools/lib.sh"
echo "1..5"
stage=$tw_tmp/stage
mkdir -p "$stage"
if ${MAKE:-make} -s install DESTDIR="$stage" >"$tw_tmp/install.log" 2>&1; then
  ok "make install into a staging directory"
else
  not_ok "make install into a staging directory"
  diag "$tw_tmp/install.log"
  exit 1
fi
bin=$(find "$stage" -type f -name tlswire -perm -u+x | head -n 1)
lib=$(find "$stage" -name 'libtlswire.so*' | head -n 1)
if [ -n "$bin" ] && [ -n "$lib" ]; then
  ok "installed ${bin#$stage}"
else
  not_ok "installed program and library found"
  find "$stage" | sed 's/^/# /'
  exit 1
fi
libdir=$(dirname "$lib")
if LD_LIBRARY_PATH=$libdir timeout "$TW_TIMEOUT" ${TLSWIRE_EMULATOR:-} "$bin" --version \
  >"$tw_tmp/version" 2>&1 && has "$tw_tmp/version" "tlswire "; then
  ok "installed tlswire --version"
else
  not_ok "installed tlswire --version"
fi
diag "$tw_tmp/version"
if LD_LIBRARY_PATH=$libdir timeout "$TW_TIMEOUT" ${TLSWIRE_EMULATOR:-} "$bin" demo \
  >"$tw_tmp/demo" 2>&1 && has "$tw_tmp/demo" "demo OK"; then
  ok "installed tlswire demo"
else
  not_ok "installed tlswire demo"
fi
diag "$tw_tmp/demo"
man=$(find "$stage" -type f -name tlswire.1 | head -n 1)
if [ -n "$man" ] && grep -q '^\.TH TLSWIRE 1' "$man"; then
  ok "installed the manual page ${man#$stage}"
else
  not_ok "installed the manual page tlswire.1"
fi
