#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# cross-sysroot.sh - Debian's packages for a foreign architecture, unpacked
# into a directory: what a cross build of tlswire needs (libssl, Check) and
# what qemu-user needs to run its tests (the C library), without multiarch.
#
# Usage: build-aux/cross-sysroot.sh ARCH DIR      (ARCH: armhf, arm64, ...)
#
# Nothing on the machine changes: apt runs with a private state in DIR/.apt
# (its own package lists and cache; the dpkg architectures and the
# installed packages stay as they are), and the foreign libssl need not be
# the native one's version, which multiarch (libssl-dev:ARCH) requires.
# The cross compiler itself (gcc-<triplet>) comes from the machine's own
# packages. On success the script prints the configure variables to use.
set -eu

if [ $# -ne 2 ]; then
  echo "usage: $0 ARCH DIR" >&2
  exit 2
fi
arch=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
triplet=$(dpkg-architecture -a "$arch" -qDEB_HOST_MULTIARCH)
apt=$dir/.apt
mkdir -p "$apt/lists/partial" "$apt/cache" "$apt/archives/partial"

# The private apt state, listing ARCH beside the native architecture.
set -- -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" \
  -o "Dir::Cache::Archives=$apt/archives" -o "APT::Architectures::=$arch" \
  -o Debug::NoLocking=1 -qq

# An index that fails to download (a mirror still syncing one architecture)
# is only a warning here: download below says whether the packages are there.
apt-get "$@" update >"$apt/update.log" 2>&1 ||
  echo "$0: apt-get update reported errors (see $apt/update.log)" >&2

packages="libc6 libgcc-s1 libssl3 libssl-dev check libsubunit0 libsubunit-dev"
if ! (cd "$apt" && for p in $packages; do echo "$p:$arch"; done |
  xargs apt-get "$@" download >"$apt/download.log" 2>&1); then
  echo "$0: cannot download the $arch packages (see $apt/download.log)" >&2
  exit 1
fi
for deb in "$apt"/*.deb; do
  dpkg -x "$deb" "$dir"
done

lib=$dir/usr/lib/$triplet
echo "configure a build directory with:"
echo "  PKG_CONFIG_LIBDIR=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dir \\"
echo "  ../configure --host=$triplet \\"
echo "    CPPFLAGS=\"-I$dir/usr/include/$triplet -I$dir/usr/include\" \\"
echo "    LDFLAGS=\"-L$lib -Wl,-rpath-link,$lib\""
