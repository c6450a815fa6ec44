# SPDX-License-Identifier: Apache-2.0
# tools.mk - included by Makefile.am; append with +=.
#
# The `tlswire` command-line program (demo, client, server), linked against
# the installed library libtlswire.la (public API only) and OpenSSL, and its
# tests: help and usage errors, the offline demo, interoperability with
# `openssl s_server` / `s_client` on loopback, and the installed program.

# The client and server need the socket and fd transports.
if POSIX_TRANSPORTS
bin_PROGRAMS = tools/tlswire
man1_MANS = doc/tlswire.1
endif
EXTRA_DIST += doc/tlswire.1
tools_tlswire_SOURCES = \
	tools/tlswire.c tools/tool.h \
	tools/util.c \
	tools/opts.c \
	tools/certgen.c \
	tools/net.c \
	tools/io.c \
	tools/demo.c \
	tools/keys.c \
	tools/client.c \
	tools/server.c tools/server.h \
	tools/serve.c
tools_tlswire_LDADD = libtlswire.la $(OPENSSL_LIBS)
# `tlswire bench`: the benchmark's code (bench/), public API only.
tools_tlswire_SOURCES += bench/bench.c bench/bench.h bench/raw.c bench/tw.c \
	tests/helpers/certs.c tests/helpers/certs.h
tools_tlswire_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/helpers

TOOLS_TESTS = \
	tests/tools/usage.sh \
	tests/tools/bench.sh \
	tests/tools/demo.sh \
	tests/tools/interop.sh \
	tests/tools/server.sh \
	tests/tools/client.sh \
	tests/tools/installed.sh
if POSIX_TRANSPORTS
TESTS += $(TOOLS_TESTS)
endif
EXTRA_DIST += $(TOOLS_TESTS) tests/tools/lib.sh

# The loopback clients the server's tests drive it with: built by make check
# before the tests run (check_DATA), but not a test itself.
EXTRA_PROGRAMS += tests/tools/tw-probe
tests_tools_tw_probe_SOURCES = tests/tools/tw-probe.c
tests_tools_tw_probe_LDADD = libtlswire.la $(OPENSSL_LIBS)
CLEANFILES += tests/tools/tw-probe$(EXEEXT)
if POSIX_TRANSPORTS
check_DATA = tests/tools/tw-probe$(EXEEXT)
endif

# Both run `make install` in this build tree: one at a time.
tests/tools/installed.log: tests/outoftree.log
