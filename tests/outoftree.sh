#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the library into a staging directory, then uses it from outside
# the tree the way a user would, with nothing but pkg-config:
#  - tests/outoftree.c: an in-memory TLS 1.3 handshake and a data exchange;
#  - every examples/*.c, built with the exact command line its comment
#    documents ("cc NAME.c $(pkg-config ...) -o NAME") and run (an example
#    prints TAP or exits 0; one marked "tlswire-example: posix" is skipped
#    when the POSIX transports are not built);
#  - with --enable-static, a program linked statically through
#    `pkg-config --libs --static tlswire`;
#  - the man pages installed for every public function, and
#    doc/pyopenssl.md checked against the installed headers.
set -u
srcdir=${srcdir:-.}
stage=$(mktemp -d "${TMPDIR:-/tmp}/tlswire-stage.XXXXXX") || exit 1
trap 'rm -rf "$stage"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
indent() { sed 's/^/# /' "$@"; }

if ${MAKE:-make} -s install DESTDIR="$stage" >"$stage/install.log" 2>&1; then
  ok "make install into a staging directory"
else
  notok "make install into a staging directory"
  indent "$stage/install.log"
  echo "1..$n"
  exit 1
fi
pc=$(find "$stage" -name tlswire.pc | head -n 1)
libdir=$(dirname "$(dirname "$pc")")
incdir=$(dirname "$(find "$stage" -path '*/tlswire/tlswire.h' | head -n 1)")
PKG_CONFIG_PATH=$(dirname "$pc")
PKG_CONFIG_SYSROOT_DIR=$stage
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# The compiler the build uses, with its sanitizer flags, stands in for `cc`
# in the documented command lines.
cc() { ${CC:-command cc} ${SAN_LDFLAGS:-} "$@"; }

# --- tests/outoftree.c ---------------------------------------------------
flags=$(${PKG_CONFIG:-pkg-config} --cflags --libs tlswire) || exit 1
if cc -o "$stage/outoftree" "$srcdir/tests/outoftree.c" $flags \
  >"$stage/cc.log" 2>&1; then
  ok "compiled with: pkg-config --cflags --libs tlswire"
else
  notok "compiled with: pkg-config --cflags --libs tlswire"
  indent "$stage/cc.log"
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$stage/key.pem" -out "$stage/cert.pem" -days 2 \
  -subj /CN=outoftree.test >/dev/null 2>&1 || exit 1
# shellcheck disable=SC2086 # the emulator of a cross build, or nothing
if LD_LIBRARY_PATH=$libdir ${TLSWIRE_EMULATOR:-} "$stage/outoftree" "$stage/cert.pem" \
  "$stage/key.pem" >"$stage/run.log" 2>&1; then
  ok "TLS 1.3 handshake and data exchange"
else
  notok "TLS 1.3 handshake and data exchange"
fi
indent "$stage/run.log"

# --- the examples, each with its own documented build line ----------------
posix=$(sed -n 's/^#define TLSWIRE_HAVE_POSIX_TRANSPORTS //p' \
  "$incdir/version.h")
run_example() {
  src=$1
  name=$(basename "$src" .c)
  if grep -q 'tlswire-example: posix' "$src" && [ "$posix" != 1 ]; then
    skip "example $name" "needs the POSIX transports"
    return
  fi
  line=$(sed -n "s/^ *\*\{0,1\} *\(cc $name\.c .*\)$/\1/p" "$src" | head -n 1)
  if [ -z "$line" ]; then
    notok "example $name documents its build line (cc $name.c ...)"
    return
  fi
  dir="$stage/ex-$name"
  mkdir -p "$dir" && cp "$src" "$dir/"
  if ! (cd "$dir" && eval "$line") >"$dir/cc.log" 2>&1; then
    notok "example $name builds with: $line"
    indent "$dir/cc.log"
    return
  fi
  out=$(echo "$line" | sed -n 's/.* -o \([^ ]*\).*/\1/p')
  if (cd "$dir" && LD_LIBRARY_PATH=$libdir ${TLSWIRE_EMULATOR:-} ./"${out:-a.out}") \
    >"$dir/run.log" 2>&1 && ! grep -q '^not ok' "$dir/run.log"; then
    ok "example $name: built with its documented line and run"
  else
    notok "example $name: built with its documented line and run"
  fi
  indent "$dir/run.log"
}
for src in "$srcdir"/examples/*.c; do
  run_example "$src"
done

# --- static linking --------------------------------------------------------
if [ -f "$libdir/libtlswire.a" ]; then
  sflags=$(pkg-config --cflags --libs --static tlswire)
  if cc -static -o "$stage/outoftree-static" "$srcdir/tests/outoftree.c" \
    $sflags >"$stage/static.log" 2>&1 &&
    "$stage/outoftree-static" "$stage/cert.pem" "$stage/key.pem" \
      >>"$stage/static.log" 2>&1; then
    ok "linked with -static and pkg-config --libs --static tlswire, ran"
  else
    notok "linked with -static and pkg-config --libs --static tlswire, ran"
  fi
  indent "$stage/static.log"
else
  skip "static link" "no libtlswire.a (configure --enable-static)"
fi

# --- what the docs promise about the installed files ------------------------
if command -v python3 >/dev/null 2>&1; then
  if python3 "$srcdir/doc/checkdoc.py" installed --include "$incdir" \
    --mandir "$(find "$stage" -type d -name man3 | head -n 1)" \
    >"$stage/docs.log" 2>&1; then
    ok "a man page installed for every public function"
  else
    notok "a man page installed for every public function"
  fi
  indent "$stage/docs.log"
  if python3 "$srcdir/doc/checkdoc.py" pyopenssl --include "$incdir" \
    --names "$srcdir/doc/pyopenssl-names.txt" "$srcdir/doc/pyopenssl.md" \
    >"$stage/pyopenssl.log" 2>&1; then
    ok "doc/pyopenssl.md matches the installed headers"
  else
    notok "doc/pyopenssl.md matches the installed headers"
  fi
  indent "$stage/pyopenssl.log"
else
  skip "installed man pages" "python3 not found"
  skip "doc/pyopenssl.md" "python3 not found"
fi
echo "1..$n"
exit $failed
