#!/bin/sh
# Installs the library into a staging directory, then builds and runs a
# program outside the tree with nothing but `pkg-config --cflags --libs
# tlswire`: an in-memory TLS 1.3 handshake and a data exchange.
set -u
echo "1..3"
srcdir=${srcdir:-.}
stage=$(mktemp -d "${TMPDIR:-/tmp}/tlswire-stage.XXXXXX") || exit 1
trap 'rm -rf "$stage"' EXIT
if ${MAKE:-make} -s install DESTDIR="$stage" >"$stage/install.log" 2>&1; then
  echo "ok 1 - make install into a staging directory"
else
  echo "not ok 1 - make install into a staging directory"
  sed 's/^/# /' "$stage/install.log"
  exit 1
fi
pc=$(find "$stage" -name tlswire.pc | head -n 1)
libdir=$(dirname "$(dirname "$pc")")
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$stage \
  ${PKG_CONFIG:-pkg-config} --cflags --libs tlswire) || exit 1
if ${CC:-cc} ${SAN_LDFLAGS:-} -o "$stage/outoftree" "$srcdir/tests/outoftree.c" $flags \
  >"$stage/cc.log" 2>&1; then
  echo "ok 2 - compiled with: pkg-config --cflags --libs tlswire"
else
  echo "not ok 2 - compiled with: pkg-config --cflags --libs tlswire"
  sed 's/^/# /' "$stage/cc.log"
  exit 1
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$stage/key.pem" -out "$stage/cert.pem" -days 2 \
  -subj /CN=outoftree.test >/dev/null 2>&1 || exit 1
# shellcheck disable=SC2086 # the emulator of a cross build, or nothing
if LD_LIBRARY_PATH=$libdir ${TLSWIRE_EMULATOR:-} "$stage/outoftree" "$stage/cert.pem" \
  "$stage/key.pem" >"$stage/run.log" 2>&1; then
  echo "ok 3 - TLS 1.3 handshake and data exchange"
  sed 's/^/# /' "$stage/run.log"
else
  echo "not ok 3 - TLS 1.3 handshake and data exchange"
  sed 's/^/# /' "$stage/run.log"
  exit 1
fi
