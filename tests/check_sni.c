/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_sni.c - the server-name callback (pyOpenSSL's
 * TestServerNameCallback) over the memory API.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include <tlswire/tlswire.h>

#include "pump.h"
#include "testmain.h"

struct sni_probe {
  int calls;
  tlswire_conn *conn;
  char name[64]; /* "" when the client sent none */
  int had_name;
  int rc;
};

static int sni_cb(tlswire_conn *conn, void *arg) {
  struct sni_probe *p = arg;
  p->calls++;
  p->conn = conn;
  const char *name = tlswire_conn_get_servername(conn);
  p->had_name = name != NULL;
  snprintf(p->name, sizeof p->name, "%s", name ? name : "");
  return p->rc;
}

static tlswire_context *sctx, *cctx;
static tw_pair pair;

static void setup(void) {
  sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(sctx);
  ck_assert_ptr_nonnull(cctx);
  memset(&pair, 0, sizeof pair);
}

static void teardown(void) {
  tw_pair_free(&pair);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}

/* Handshake; host (or NULL) is sent as SNI. */
static int connect_pair(const char *host, int *crc, int *src) {
  ck_assert_int_eq(tw_pair_init(&pair, cctx, sctx), 0);
  if (host != NULL)
    ck_assert_int_eq(
        tlswire_conn_set_tlsext_host_name(pair.client, host, strlen(host)),
        TLSWIRE_OK);
  return tw_handshake(pair.client, pair.server, crc, src);
}

START_TEST(sni_without_name) {
  struct sni_probe probe = {0};
  ck_assert_int_eq(
      tlswire_context_set_tlsext_servername_callback(sctx, sni_cb, &probe),
      TLSWIRE_OK);
  ck_assert_int_eq(connect_pair(NULL, NULL, NULL), 0);
  ck_assert_int_eq(probe.calls, 1);
  ck_assert_ptr_eq(probe.conn, pair.server);
  ck_assert_int_eq(probe.had_name, 0);
}
END_TEST

START_TEST(sni_with_name) {
  struct sni_probe probe = {0};
  tlswire_context_set_tlsext_servername_callback(sctx, sni_cb, &probe);
  ck_assert_int_eq(connect_pair("foo1.example.com", NULL, NULL), 0);
  ck_assert_int_eq(probe.calls, 1);
  ck_assert_int_eq(probe.had_name, 1);
  ck_assert_str_eq(probe.name, "foo1.example.com");
}
END_TEST

/* pyOpenSSL 26 (CVE-2026-27448): a failing callback sends a fatal alert and
 * the handshake fails; tlswire reports the callback's value. */
START_TEST(sni_failure_fails_handshake) {
  struct sni_probe probe = {.rc = 5};
  int crc, src;
  tlswire_context_set_tlsext_servername_callback(sctx, sni_cb, &probe);
  ck_assert_int_eq(connect_pair("foo1.example.com", &crc, &src), -1);
  ck_assert_int_eq(probe.calls, 1);
  ck_assert_int_eq(src, TLSWIRE_E_CALLBACK);
  const tlswire_error *e = tlswire_conn_last_error(pair.server);
  ck_assert_int_eq(tlswire_error_callback_value(e), 5);
  ck_assert_ptr_nonnull(strstr(tlswire_error_message(e), "servername"));
  (void)crc;
  ck_assert_int_eq(tlswire_conn_do_handshake(pair.client), TLSWIRE_E_SSL);
  ck_assert_uint_ge(tlswire_error_count(tlswire_conn_last_error(pair.client)),
                    1);
  ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

/* pyOpenSSL's test_old_callback_forgotten: a replaced callback is never
 * called again, a cleared one neither. */
START_TEST(sni_callback_replaced_and_cleared) {
  struct sni_probe first = {0}, second = {0};
  tlswire_context_set_tlsext_servername_callback(sctx, sni_cb, &first);
  tlswire_context_set_tlsext_servername_callback(sctx, sni_cb, &second);
  ck_assert_int_eq(connect_pair("a.example", NULL, NULL), 0);
  ck_assert_int_eq(first.calls, 0);
  ck_assert_int_eq(second.calls, 1);
  tw_pair_free(&pair);
  tlswire_context_free(sctx);

  sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context_set_tlsext_servername_callback(sctx, sni_cb, &first);
  ck_assert_int_eq(
      tlswire_context_set_tlsext_servername_callback(sctx, NULL, &first),
      TLSWIRE_OK);
  ck_assert_int_eq(connect_pair("a.example", NULL, NULL), 0);
  ck_assert_int_eq(first.calls, 0);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("sni");
  TCase *tc = tcase_create("sni");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, sni_without_name);
  tcase_add_test(tc, sni_with_name);
  tcase_add_test(tc, sni_failure_fails_handshake);
  tcase_add_test(tc, sni_callback_replaced_and_cleared);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
