/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testmain.h - the main() shared by every Check program.
 *
 * Builds the cached key fixtures before Check forks (each forked test then
 * inherits them), runs the suite with TAP output (see AM_TESTS_ENVIRONMENT)
 * and exits non-zero on any failure.
 */
#ifndef TLSWIRE_TESTS_TESTMAIN_H
#define TLSWIRE_TESTS_TESTMAIN_H

#include <stdlib.h>

#include <check.h>

#include "certs.h"

#define TW_TEST_MAIN(make_suite, need_fixtures)                                \
  int main(void) {                                                             \
    if ((need_fixtures) && (tw_fixture_chain(TW_KEY_RSA2048) == NULL ||        \
                            tw_fixture_chain(TW_KEY_EC_P256) == NULL ||        \
                            tw_fixture_client(TW_KEY_RSA2048) == NULL ||       \
                            tw_fixture_client(TW_KEY_EC_P256) == NULL))        \
      return EXIT_FAILURE;                                                     \
    SRunner *runner = srunner_create(make_suite());                            \
    srunner_run_all(runner, CK_ENV);                                           \
    int failed = srunner_ntests_failed(runner);                                \
    srunner_free(runner);                                                      \
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                          \
  }

/* Adds a test case named after fn holding only fn. */
#define TW_ADD(suite, fn)                                                      \
  do {                                                                         \
    TCase *tc_ = tcase_create(#fn);                                            \
    tcase_add_test(tc_, fn);                                                   \
    suite_add_tcase((suite), tc_);                                             \
  } while (0)

#endif /* TLSWIRE_TESTS_TESTMAIN_H */
