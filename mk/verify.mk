# SPDX-License-Identifier: Apache-2.0
# verify.mk - included by Makefile.am; append with +=.
# Verifying the peer: secure-default contexts, the server name a client
# checks (with SNI), and their tests.

libtlswire_core_la_SOURCES += src/verify.c src/verify.h

check_PROGRAMS += tests/check_verify
tests_check_verify_SOURCES = tests/check_verify.c
tests_check_verify_CFLAGS = $(TEST_CFLAGS)
tests_check_verify_LDADD = $(TEST_LIBS)
