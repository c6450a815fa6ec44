/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_error.c - the status table and error records.
 */
#include <string.h>

#include <openssl/err.h>

#include <tlswire/tlswire.h>

#include "testmain.h"

struct status_case {
  int code;
  const char *name;
};

static const struct status_case statuses[] = {
    {TLSWIRE_OK, "TLSWIRE_OK"},
    {TLSWIRE_E_WANT_READ, "TLSWIRE_E_WANT_READ"},
    {TLSWIRE_E_WANT_WRITE, "TLSWIRE_E_WANT_WRITE"},
    {TLSWIRE_E_WANT_X509_LOOKUP, "TLSWIRE_E_WANT_X509_LOOKUP"},
    {TLSWIRE_E_ZERO_RETURN, "TLSWIRE_E_ZERO_RETURN"},
    {TLSWIRE_E_SYSCALL, "TLSWIRE_E_SYSCALL"},
    {TLSWIRE_E_SSL, "TLSWIRE_E_SSL"},
    {TLSWIRE_E_INVALID, "TLSWIRE_E_INVALID"},
    {TLSWIRE_E_STATE, "TLSWIRE_E_STATE"},
    {TLSWIRE_E_UNSUPPORTED, "TLSWIRE_E_UNSUPPORTED"},
    {TLSWIRE_E_NOMEM, "TLSWIRE_E_NOMEM"},
    {TLSWIRE_E_CALLBACK, "TLSWIRE_E_CALLBACK"},
};
#define N_STATUSES (sizeof statuses / sizeof statuses[0])

START_TEST(status_names_match_enum) {
  ck_assert_str_eq(tlswire_status_name(statuses[_i].code), statuses[_i].name);
}
END_TEST

START_TEST(status_messages_distinct_and_known) {
  const char *msg = tlswire_strerror(statuses[_i].code);
  ck_assert_ptr_nonnull(msg);
  ck_assert_str_ne(msg, "unknown tlswire status");
  for (size_t j = 0; j < N_STATUSES; j++)
    if (j != (size_t)_i)
      ck_assert_str_ne(msg, tlswire_strerror(statuses[j].code));
}
END_TEST

START_TEST(status_codes_negative_except_ok) {
  if (statuses[_i].code == TLSWIRE_OK)
    ck_assert_int_eq(statuses[_i].code, 0);
  else
    ck_assert_int_lt(statuses[_i].code, 0);
}
END_TEST

START_TEST(unknown_status) {
  ck_assert_str_eq(tlswire_strerror(-12345), "unknown tlswire status");
  ck_assert_str_eq(tlswire_strerror(-999), "unknown tlswire status");
  ck_assert_str_eq(tlswire_status_name(-999), "TLSWIRE_E_UNKNOWN");
}
END_TEST

/* Non-negative results (shutdown's 1, counts) are named, not "unknown". */
START_TEST(positive_results) {
  ck_assert_str_eq(tlswire_status_name(0), "TLSWIRE_OK");
  ck_assert_str_eq(tlswire_strerror(0), "success");
  ck_assert_str_eq(tlswire_status_name(1), "TLSWIRE_DONE");
  ck_assert_str_eq(tlswire_strerror(1), "done");
  const int counts[] = {2, 5, 16384, 0x7fffffff};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    ck_assert_str_eq(tlswire_status_name(counts[i]), "TLSWIRE_POSITIVE");
    ck_assert_str_eq(tlswire_strerror(counts[i]),
                     "positive result (a count or value, not an error)");
  }
}
END_TEST

START_TEST(null_record_accessors) {
  ck_assert_int_eq(tlswire_error_code(NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_error_errno(NULL), 0);
  ck_assert_int_eq(tlswire_error_callback_value(NULL), 0);
  ck_assert_str_eq(tlswire_error_message(NULL), "");
  ck_assert_uint_eq(tlswire_error_count(NULL), 0);
  const char *lib = "x", *func = "x", *reason = "x";
  ck_assert_uint_eq(tlswire_error_entry(NULL, 0, &lib, &func, &reason), 0);
  ck_assert_str_eq(lib, "");
  ck_assert_str_eq(func, "");
  ck_assert_str_eq(reason, "");
}
END_TEST

START_TEST(fresh_record_is_empty) {
  tlswire_context *ctx;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  const tlswire_error *err = tlswire_context_last_error(ctx);
  ck_assert_ptr_nonnull(err);
  ck_assert_int_eq(tlswire_error_code(err), TLSWIRE_OK);
  ck_assert_str_eq(tlswire_error_message(err), "");
  ck_assert_uint_eq(tlswire_error_count(err), 0);
  tlswire_context_free(ctx);
}
END_TEST

/* A failing OpenSSL call is copied into the record, queue left empty. */
START_TEST(queue_copied_into_record) {
  tlswire_context *ctx;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_cipher_list(ctx, "not-a-cipher"),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  const tlswire_error *err = tlswire_context_last_error(ctx);
  ck_assert_int_eq(tlswire_error_code(err), TLSWIRE_E_SSL);
  ck_assert_uint_ge(tlswire_error_count(err), 1);
  const char *lib, *func, *reason;
  unsigned long packed = 0, e;
  int found = 0;
  for (size_t i = 0; (e = tlswire_error_entry(err, i, &lib, &func, &reason));
       i++) {
    if (strcmp(reason, "no cipher match") == 0) {
      found = 1;
      packed = e;
      ck_assert_str_eq(lib, "SSL routines");
    }
  }
  ck_assert_int_eq(found, 1);
  ck_assert_int_eq(ERR_GET_REASON(packed), SSL_R_NO_CIPHER_MATCH);
  ck_assert_ptr_nonnull(strstr(tlswire_error_message(err), "SSL routines"));
  /* Out of range entries are empty. */
  ck_assert_uint_eq(tlswire_error_entry(err, 99, &lib, NULL, NULL), 0);
  ck_assert_str_eq(lib, "");
  tlswire_context_free(ctx);
}
END_TEST

/* A success leaves the previous failure in place; a new failure replaces it. */
START_TEST(record_kept_until_next_failure) {
  tlswire_context *ctx;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_cipher_list(ctx, "bogus"),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_set_cipher_list(ctx, "HIGH"), TLSWIRE_OK);
  const tlswire_error *err = tlswire_context_last_error(ctx);
  ck_assert_int_eq(tlswire_error_code(err), TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_context_set_ring_capacity(ctx, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_error_code(err), TLSWIRE_E_INVALID);
  ck_assert_uint_eq(tlswire_error_count(err), 0);
  ck_assert_str_eq(tlswire_error_message(err), "ring capacity out of range");
  tlswire_context_free(ctx);
}
END_TEST

/* Stale entries the caller left on the queue do not end up in a record. */
START_TEST(stale_queue_not_blamed) {
  tlswire_context *ctx;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ERR_raise(ERR_LIB_USER, 42);
  ck_assert_int_eq(tlswire_context_set_ring_capacity(ctx, 0),
                   TLSWIRE_E_INVALID);
  ck_assert_uint_eq(tlswire_error_count(tlswire_context_last_error(ctx)), 0);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(version_matches_header) {
  ck_assert_str_eq(tlswire_version(), TLSWIRE_VERSION);
  ck_assert_uint_eq(tlswire_version_num(), TLSWIRE_VERSION_NUM);
}
END_TEST

static Suite *error_suite(void) {
  Suite *s = suite_create("error");
  TCase *tc = tcase_create("table");
  tcase_add_loop_test(tc, status_names_match_enum, 0, N_STATUSES);
  tcase_add_loop_test(tc, status_messages_distinct_and_known, 0, N_STATUSES);
  tcase_add_loop_test(tc, status_codes_negative_except_ok, 0, N_STATUSES);
  suite_add_tcase(s, tc);
  TW_ADD(s, unknown_status);
  TW_ADD(s, positive_results);
  TW_ADD(s, null_record_accessors);
  TW_ADD(s, fresh_record_is_empty);
  TW_ADD(s, queue_copied_into_record);
  TW_ADD(s, record_kept_until_next_failure);
  TW_ADD(s, stale_queue_not_blamed);
  TW_ADD(s, version_matches_header);
  return s;
}

TW_TEST_MAIN(error_suite, 0)
