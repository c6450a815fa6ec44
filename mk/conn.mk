# SPDX-License-Identifier: Apache-2.0
# conn.mk - included by Makefile.am; append with +=.

# --- Connection surface, Session, DTLS (issue 4) ----------------------------
libtlswire_core_la_SOURCES += \
	src/conn_query.c \
	src/conn_data.c \
	src/session.c \
	src/dtls.c

# Helpers shared by these programs (and the integration tests).
tests_libtwtest_la_SOURCES += tests/conn_util.c tests/conn_util.h

check_PROGRAMS += \
	tests/check_conn_api \
	tests/check_memory_bio \
	tests/check_session \
	tests/check_dtls \
	tests/check_args
tests_check_conn_api_SOURCES = tests/check_conn_api.c
tests_check_conn_api_CFLAGS = $(TEST_CFLAGS)
tests_check_conn_api_LDADD = $(TEST_LIBS)
tests_check_memory_bio_SOURCES = tests/check_memory_bio.c
tests_check_memory_bio_CFLAGS = $(TEST_CFLAGS)
tests_check_memory_bio_LDADD = $(TEST_LIBS)
tests_check_session_SOURCES = tests/check_session.c
tests_check_session_CFLAGS = $(TEST_CFLAGS)
tests_check_session_LDADD = $(TEST_LIBS)
tests_check_dtls_SOURCES = tests/check_dtls.c
tests_check_dtls_CFLAGS = $(TEST_CFLAGS)
tests_check_dtls_LDADD = $(TEST_LIBS)
# Arguments refused before they reach libssl; runs under the failing
# allocator's main (tests/helpers/failmalloc.h).
tests_check_args_SOURCES = tests/check_args.c
tests_check_args_CFLAGS = $(TEST_CFLAGS)
tests_check_args_LDADD = $(TEST_LIBS)
