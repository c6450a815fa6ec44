# SPDX-License-Identifier: Apache-2.0
# context.mk - included by Makefile.am; append with +=.
# The Context surface: callbacks and their trampolines, constants, the
# OpenSSL version functions, and their tests.

libtlswire_core_la_SOURCES += \
	src/callbacks.c src/callbacks.h \
	src/alpn.c src/alpn.h \
	src/openssl_version.c

check_PROGRAMS += \
	tests/check_constants \
	tests/check_context_api \
	tests/check_callbacks \
	tests/check_alpn \
	tests/check_ocsp \
	tests/check_sni
tests_check_constants_SOURCES = tests/check_constants.c
tests_check_constants_CFLAGS = $(TEST_CFLAGS)
tests_check_constants_LDADD = $(TEST_LIBS)
tests_check_context_api_SOURCES = tests/check_context_api.c
tests_check_context_api_CFLAGS = $(TEST_CFLAGS)
tests_check_context_api_LDADD = $(TEST_LIBS)
tests_check_callbacks_SOURCES = tests/check_callbacks.c
tests_check_callbacks_CFLAGS = $(TEST_CFLAGS)
tests_check_callbacks_LDADD = $(TEST_LIBS)
tests_check_alpn_SOURCES = tests/check_alpn.c
tests_check_alpn_CFLAGS = $(TEST_CFLAGS)
tests_check_alpn_LDADD = $(TEST_LIBS)
tests_check_ocsp_SOURCES = tests/check_ocsp.c
tests_check_ocsp_CFLAGS = $(TEST_CFLAGS)
tests_check_ocsp_LDADD = $(TEST_LIBS)
tests_check_sni_SOURCES = tests/check_sni.c
tests_check_sni_CFLAGS = $(TEST_CFLAGS)
tests_check_sni_LDADD = $(TEST_LIBS)
