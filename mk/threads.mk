# SPDX-License-Identifier: Apache-2.0
# threads.mk - included by Makefile.am; append with +=.
# Frozen contexts shared by several threads: per-thread error records, and
# the program ThreadSanitizer runs in CI (./configure --enable-tsan).

if HAVE_PTHREAD
check_PROGRAMS += tests/check_threads
endif
tests_check_threads_SOURCES = tests/check_threads.c
tests_check_threads_CFLAGS = $(TEST_CFLAGS) $(PTHREAD_CFLAGS)
tests_check_threads_LDADD = $(TEST_LIBS) $(PTHREAD_LIBS)
EXTRA_DIST += tests/tsan.supp
