/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_ocsp.c - OCSP stapling callbacks (pyOpenSSL's TestOCSP) over the
 * memory API. The client asks for a status with the escape hatch
 * (SSL_set_tlsext_status_type) until the conn branch adds request_ocsp.
 */
#include <string.h>

#include <openssl/err.h>

#include <tlswire/tlswire.h>

#include "pump.h"
#include "testmain.h"

/* A minimal DER OCSPResponse (status: unauthorized), as pyOpenSSL's tests. */
static const unsigned char staple[] = {0x30, 0x03, 0x0a, 0x01, 0x06};

struct server_probe {
  int calls;
  tlswire_conn *conn;
  const unsigned char *resp;
  size_t len;
  int rc;
};

struct client_probe {
  int calls;
  tlswire_conn *conn;
  unsigned char got[64];
  size_t len;
  int got_null;
  int rc;
};

static int server_cb(tlswire_conn *conn, const unsigned char **resp,
                     size_t *len, void *arg) {
  struct server_probe *p = arg;
  p->calls++;
  p->conn = conn;
  *resp = p->resp;
  *len = p->len;
  return p->rc;
}

static int client_cb(tlswire_conn *conn, const unsigned char *resp, size_t len,
                     void *arg) {
  struct client_probe *p = arg;
  p->calls++;
  p->conn = conn;
  p->got_null = resp == NULL;
  p->len = len < sizeof p->got ? len : sizeof p->got;
  if (resp != NULL)
    memcpy(p->got, resp, p->len);
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

static int connect_pair(int request_ocsp, int *crc, int *src) {
  ck_assert_int_eq(tw_pair_init(&pair, cctx, sctx), 0);
  if (request_ocsp)
    ck_assert_int_eq(tlswire_conn_request_ocsp(pair.client), TLSWIRE_OK);
  return tw_handshake(pair.client, pair.server, crc, src);
}

START_TEST(ocsp_not_called_without_request) {
  struct server_probe sp = {.resp = staple, .len = sizeof staple};
  struct client_probe cp = {.rc = 1};
  tlswire_context_set_ocsp_server_callback(sctx, server_cb, &sp);
  tlswire_context_set_ocsp_client_callback(cctx, client_cb, &cp);
  ck_assert_int_eq(connect_pair(0, NULL, NULL), 0);
  ck_assert_int_eq(sp.calls, 0);
  ck_assert_int_eq(cp.calls, 0);
}
END_TEST

START_TEST(ocsp_client_without_server_gets_nothing) {
  struct client_probe cp = {.rc = 1};
  tlswire_context_set_ocsp_client_callback(cctx, client_cb, &cp);
  ck_assert_int_eq(connect_pair(1, NULL, NULL), 0);
  ck_assert_int_eq(cp.calls, 1);
  ck_assert_int_eq(cp.got_null, 1);
  ck_assert_uint_eq(cp.len, 0);
}
END_TEST

/* The stapled bytes arrive intact; both callbacks get their own connection
 * and their own opaque argument. */
START_TEST(ocsp_staple_reaches_client) {
  struct server_probe sp = {.resp = staple, .len = sizeof staple};
  struct client_probe cp = {.rc = 1};
  ck_assert_int_eq(
      tlswire_context_set_ocsp_server_callback(sctx, server_cb, &sp),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_ocsp_client_callback(cctx, client_cb, &cp),
      TLSWIRE_OK);
  ck_assert_int_eq(connect_pair(1, NULL, NULL), 0);
  ck_assert_int_eq(sp.calls, 1);
  ck_assert_ptr_eq(sp.conn, pair.server);
  ck_assert_int_eq(cp.calls, 1);
  ck_assert_ptr_eq(cp.conn, pair.client);
  ck_assert_uint_eq(cp.len, sizeof staple);
  ck_assert_mem_eq(cp.got, staple, sizeof staple);
}
END_TEST

START_TEST(ocsp_empty_staple_reaches_client_empty) {
  struct server_probe sp = {.resp = staple, .len = 0};
  struct client_probe cp = {.rc = 1};
  tlswire_context_set_ocsp_server_callback(sctx, server_cb, &sp);
  tlswire_context_set_ocsp_client_callback(cctx, client_cb, &cp);
  ck_assert_int_eq(connect_pair(1, NULL, NULL), 0);
  ck_assert_int_eq(sp.calls, 1);
  ck_assert_int_eq(cp.calls, 1);
  ck_assert_uint_eq(cp.len, 0);
}
END_TEST

/* The client callback answering 0 rejects the response: TLSWIRE_E_SSL. */
START_TEST(ocsp_client_rejects) {
  struct server_probe sp = {.resp = staple, .len = sizeof staple};
  struct client_probe cp = {.rc = 0};
  int crc, src;
  tlswire_context_set_ocsp_server_callback(sctx, server_cb, &sp);
  tlswire_context_set_ocsp_client_callback(cctx, client_cb, &cp);
  ck_assert_int_eq(connect_pair(1, &crc, &src), -1);
  ck_assert_int_eq(crc, TLSWIRE_E_SSL);
  ck_assert_uint_ge(tlswire_error_count(tlswire_conn_last_error(pair.client)),
                    1);
}
END_TEST

START_TEST(ocsp_client_failure) {
  struct server_probe sp = {.resp = staple, .len = sizeof staple};
  struct client_probe cp = {.rc = -3};
  int crc, src;
  tlswire_context_set_ocsp_server_callback(sctx, server_cb, &sp);
  tlswire_context_set_ocsp_client_callback(cctx, client_cb, &cp);
  ck_assert_int_eq(connect_pair(1, &crc, &src), -1);
  ck_assert_int_eq(crc, TLSWIRE_E_CALLBACK);
  ck_assert_int_eq(
      tlswire_error_callback_value(tlswire_conn_last_error(pair.client)), -3);
  ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

START_TEST(ocsp_server_failure) {
  struct server_probe sp = {.rc = 9};
  struct client_probe cp = {.rc = 1};
  int crc, src;
  tlswire_context_set_ocsp_server_callback(sctx, server_cb, &sp);
  tlswire_context_set_ocsp_client_callback(cctx, client_cb, &cp);
  ck_assert_int_eq(connect_pair(1, &crc, &src), -1);
  ck_assert_int_eq(src, TLSWIRE_E_CALLBACK);
  ck_assert_int_eq(
      tlswire_error_callback_value(tlswire_conn_last_error(pair.server)), 9);
  ck_assert_int_eq(cp.calls, 0);
}
END_TEST

/* One libssl slot: setting the client callback on the server's context
 * replaces its server callback, so nothing is stapled; clearing works. */
START_TEST(ocsp_one_shared_slot) {
  struct server_probe sp = {.resp = staple, .len = sizeof staple};
  struct client_probe cp = {.rc = 1}, unused = {.rc = 1};
  tlswire_context_set_ocsp_server_callback(sctx, server_cb, &sp);
  tlswire_context_set_ocsp_client_callback(sctx, client_cb, &unused);
  tlswire_context_set_ocsp_client_callback(cctx, client_cb, &cp);
  ck_assert_int_eq(connect_pair(1, NULL, NULL), 0);
  ck_assert_int_eq(sp.calls, 0);
  ck_assert_int_eq(unused.calls, 0);
  ck_assert_int_eq(cp.calls, 1);
  ck_assert_uint_eq(cp.len, 0);
  tw_pair_free(&pair);
  tlswire_context_free(sctx);

  sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context_set_ocsp_server_callback(sctx, server_cb, &sp);
  ck_assert_int_eq(tlswire_context_set_ocsp_server_callback(sctx, NULL, NULL),
                   TLSWIRE_OK);
  ck_assert_int_eq(connect_pair(1, NULL, NULL), 0);
  ck_assert_int_eq(sp.calls, 0);
  ck_assert_int_eq(cp.calls, 2);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("ocsp");
  TCase *tc = tcase_create("ocsp");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, ocsp_not_called_without_request);
  tcase_add_test(tc, ocsp_client_without_server_gets_nothing);
  tcase_add_test(tc, ocsp_staple_reaches_client);
  tcase_add_test(tc, ocsp_empty_staple_reaches_client_empty);
  tcase_add_test(tc, ocsp_client_rejects);
  tcase_add_test(tc, ocsp_client_failure);
  tcase_add_test(tc, ocsp_server_failure);
  tcase_add_test(tc, ocsp_one_shared_slot);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
