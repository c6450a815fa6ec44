# SPDX-License-Identifier: Apache-2.0
# integration.mk - included by Makefile.am; append with +=.
# Tests that need the pieces of several areas at once: Connection data calls
# over socket transports, sessions over bound transports.

if POSIX_TRANSPORTS
check_PROGRAMS += tests/check_socket_data
endif
tests_check_socket_data_SOURCES = tests/check_socket_data.c
tests_check_socket_data_CFLAGS = $(TEST_CFLAGS)
tests_check_socket_data_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/check_bound_session
tests_check_bound_session_SOURCES = tests/check_bound_session.c
tests_check_bound_session_CFLAGS = $(TEST_CFLAGS)
tests_check_bound_session_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/check_integration
tests_check_integration_SOURCES = tests/check_integration.c
tests_check_integration_CFLAGS = $(TEST_CFLAGS)
tests_check_integration_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/check_failmalloc_bound
tests_check_failmalloc_bound_SOURCES = tests/check_failmalloc_bound.c
tests_check_failmalloc_bound_CFLAGS = $(TEST_CFLAGS)
tests_check_failmalloc_bound_LDADD = $(TEST_LIBS)

# Regression tests for the review's stream-integrity bugs, through the
# public API (each failed on the core before the I/O driver).
check_PROGRAMS += tests/check_integrity
tests_check_integrity_SOURCES = tests/check_integrity.c
tests_check_integrity_CFLAGS = $(TEST_CFLAGS)
tests_check_integrity_LDADD = $(TEST_LIBS)

# Stream integrity: the property run (shared with fuzz/fuzz_stream.c) and
# the zero-copy lifetime rules.
tests_libtwtest_la_SOURCES += tests/helpers/stream.c tests/helpers/stream.h
check_PROGRAMS += tests/check_stream
tests_check_stream_SOURCES = tests/check_stream.c
tests_check_stream_CFLAGS = $(TEST_CFLAGS)
tests_check_stream_LDADD = $(TEST_LIBS)
