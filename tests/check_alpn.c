/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_alpn.c - ALPN: the client's offer (set_alpn_protos) and the server's
 * choice (set_alpn_select_callback), pyOpenSSL's
 * TestApplicationLayerProtoNegotiation in C over the memory API.
 */
#include <string.h>

#include <openssl/err.h>

#include <tlswire/tlswire.h>

#include "pump.h"
#include "testmain.h"

struct alpn_probe {
  int calls;
  tlswire_conn *conn;
  char offered[8][32];
  size_t n_offered;
  const char *choose; /* NULL: pick the last offered */
  int rc;             /* what the callback returns */
};

static int select_cb(tlswire_conn *conn, const tlswire_alpn_proto *offered,
                     size_t n, tlswire_alpn_proto *selected, void *arg) {
  struct alpn_probe *p = arg;
  p->calls++;
  p->conn = conn;
  p->n_offered = n;
  for (size_t i = 0; i < n && i < 8; i++) {
    ck_assert_uint_lt(offered[i].len, 32);
    memcpy(p->offered[i], offered[i].data, offered[i].len);
    p->offered[i][offered[i].len] = '\0';
  }
  if (p->choose != NULL) {
    selected->data = (const unsigned char *)p->choose;
    selected->len = strlen(p->choose);
  } else if (n > 0) {
    *selected = offered[n - 1];
  }
  return p->rc;
}

static int other_calls;
static int other_cb(tlswire_conn *conn, const tlswire_alpn_proto *offered,
                    size_t n, tlswire_alpn_proto *selected, void *arg) {
  (void)conn, (void)arg;
  other_calls++;
  *selected = offered[0];
  (void)n;
  return 0;
}

static tlswire_context *sctx, *cctx;
static tw_pair pair;

static void setup(void) {
  sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(sctx);
  ck_assert_ptr_nonnull(cctx);
  memset(&pair, 0, sizeof pair);
  other_calls = 0;
}

static void teardown(void) {
  tw_pair_free(&pair);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}

static const char *const offer[] = {"http/1.1", "spdy/2"};

/* Runs the handshake; returns 0 if both sides completed. */
static int connect_pair(int *crc, int *src) {
  ck_assert_int_eq(tw_pair_init(&pair, cctx, sctx), 0);
  return tw_handshake(pair.client, pair.server, crc, src);
}

static const char *negotiated(tlswire_conn *conn, char *buf) {
  const unsigned char *p = NULL;
  size_t len = 0;
  ck_assert_int_eq(tlswire_conn_get_alpn_proto_negotiated(conn, &p, &len),
                   TLSWIRE_OK);
  memcpy(buf, p ? (const char *)p : "", len);
  buf[len] = '\0';
  return buf;
}

START_TEST(alpn_success) {
  struct alpn_probe probe = {0};
  char buf[256];
  ck_assert_int_eq(tlswire_context_set_alpn_protos(cctx, offer, 2), TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_alpn_select_callback(sctx, select_cb, &probe),
      TLSWIRE_OK);
  ck_assert_int_eq(connect_pair(NULL, NULL), 0);
  ck_assert_int_eq(probe.calls, 1);
  ck_assert_ptr_eq(probe.conn, pair.server);
  ck_assert_uint_eq(probe.n_offered, 2);
  ck_assert_str_eq(probe.offered[0], "http/1.1");
  ck_assert_str_eq(probe.offered[1], "spdy/2");
  ck_assert_str_eq(negotiated(pair.client, buf), "spdy/2");
  ck_assert_str_eq(negotiated(pair.server, buf), "spdy/2");
}
END_TEST

START_TEST(alpn_wire_format_offer) {
  static const unsigned char wire[] = "\x02h2\x08http/1.1";
  struct alpn_probe probe = {0};
  char buf[256];
  ck_assert_int_eq(
      tlswire_context_set_alpn_protos_wire(cctx, wire, sizeof wire - 1),
      TLSWIRE_OK);
  tlswire_context_set_alpn_select_callback(sctx, select_cb, &probe);
  ck_assert_int_eq(connect_pair(NULL, NULL), 0);
  ck_assert_str_eq(probe.offered[0], "h2");
  ck_assert_str_eq(negotiated(pair.client, buf), "http/1.1");
}
END_TEST

/* pyOpenSSL: ValueError("at least one protocol must be specified"). */
START_TEST(alpn_bad_offers_invalid) {
  const char *empty_name[] = {"h2", ""};
  const char *null_name[] = {NULL};
  char long_name[300];
  memset(long_name, 'a', 256);
  long_name[256] = '\0';
  const char *too_long[] = {long_name};
  ck_assert_int_eq(tlswire_context_set_alpn_protos(cctx, offer, 0),
                   TLSWIRE_E_INVALID);
  ck_assert_str_eq(tlswire_error_message(tlswire_context_last_error(cctx)),
                   "at least one protocol must be specified");
  ck_assert_int_eq(tlswire_context_set_alpn_protos(cctx, NULL, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_alpn_protos(cctx, empty_name, 2),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_alpn_protos(cctx, null_name, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_alpn_protos(cctx, too_long, 1),
                   TLSWIRE_E_INVALID);
  long_name[255] = '\0'; /* 255 bytes is the longest legal name */
  ck_assert_int_eq(tlswire_context_set_alpn_protos(cctx, too_long, 1),
                   TLSWIRE_OK);
  static const unsigned char bad1[] = "\x05h2", bad2[] = "\x00", ok[] = "\x01x";
  ck_assert_int_eq(tlswire_context_set_alpn_protos_wire(cctx, bad1, 3),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_alpn_protos_wire(cctx, bad2, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_alpn_protos_wire(cctx, ok, 0),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_alpn_protos_wire(cctx, ok, 2),
                   TLSWIRE_OK);
}
END_TEST

/* The alerts a connection received (SSL_CB_READ_ALERT), last one kept. */
static int alert_seen;
static void record_alert(tlswire_conn *conn, int where, int ret, void *arg) {
  (void)conn, (void)arg;
  if (where & TLSWIRE_SSL_CB_READ_ALERT)
    alert_seen = ret & 0xff;
}

/* pyOpenSSL's test_alpn_server_fail: an empty selection fails the
 * handshake (not as a callback failure). The alert differs, as the header
 * says: tlswire sends no_application_protocol (120), pyOpenSSL 23's b""
 * makes libssl send internal_error (80). */
START_TEST(alpn_empty_selection_fails) {
  struct alpn_probe probe = {.choose = ""};
  int crc, src;
  alert_seen = -1;
  tlswire_context_set_alpn_protos(cctx, offer, 2);
  tlswire_context_set_alpn_select_callback(sctx, select_cb, &probe);
  tlswire_context_set_info_callback(cctx, record_alert, NULL);
  ck_assert_int_eq(connect_pair(&crc, &src), -1);
  ck_assert_int_eq(probe.calls, 1);
  ck_assert_int_eq(src, TLSWIRE_E_SSL);
  ck_assert_ptr_nonnull(
      strstr(tlswire_error_message(tlswire_conn_last_error(pair.server)),
             "no application protocol"));
  tw_pump(pair.client, pair.server);
  ck_assert_int_eq(tlswire_conn_do_handshake(pair.client), TLSWIRE_E_SSL);
  ck_assert_int_eq(alert_seen, SSL_AD_NO_APPLICATION_PROTOCOL);
  ck_assert_int_eq(alert_seen, 120);
  const char *reason = "";
  tlswire_error_entry(tlswire_conn_last_error(pair.client), 0, NULL, NULL,
                      &reason);
  ck_assert_str_eq(reason, "tlsv1 alert no application protocol");
  (void)crc;
}
END_TEST

START_TEST(alpn_no_overlapping_protocols) {
  struct alpn_probe probe = {.rc = TLSWIRE_NO_OVERLAPPING_PROTOCOLS};
  char buf[256];
  tlswire_context_set_alpn_protos(cctx, offer, 2);
  tlswire_context_set_alpn_select_callback(sctx, select_cb, &probe);
  ck_assert_int_eq(connect_pair(NULL, NULL), 0);
  ck_assert_int_eq(probe.calls, 1);
  ck_assert_str_eq(negotiated(pair.client, buf), "");
  ck_assert_str_eq(negotiated(pair.server, buf), "");
}
END_TEST

/* A failing callback: the server's do_handshake returns TLSWIRE_E_CALLBACK
 * with the value, the client sees the fatal alert. */
START_TEST(alpn_callback_failure) {
  struct alpn_probe probe = {.rc = 42};
  int crc, src;
  tlswire_context_set_alpn_protos(cctx, offer, 2);
  tlswire_context_set_alpn_select_callback(sctx, select_cb, &probe);
  ck_assert_int_eq(connect_pair(&crc, &src), -1);
  ck_assert_int_eq(src, TLSWIRE_E_CALLBACK);
  const tlswire_error *e = tlswire_conn_last_error(pair.server);
  ck_assert_int_eq(tlswire_error_code(e), TLSWIRE_E_CALLBACK);
  ck_assert_int_eq(tlswire_error_callback_value(e), 42);
  ck_assert_ptr_nonnull(strstr(tlswire_error_message(e), "ALPN"));
  (void)crc; /* the alert is waiting in the client's input */
  ck_assert_int_eq(tlswire_conn_do_handshake(pair.client), TLSWIRE_E_SSL);
  /* Reported once: the next call sees libssl's own state. */
  ck_assert_int_eq(tlswire_conn_do_handshake(pair.server), TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

START_TEST(alpn_no_server_callback) {
  char buf[256];
  tlswire_context_set_alpn_protos(cctx, offer, 2);
  ck_assert_int_eq(connect_pair(NULL, NULL), 0);
  ck_assert_str_eq(negotiated(pair.client, buf), "");
}
END_TEST

START_TEST(alpn_client_offers_nothing) {
  struct alpn_probe probe = {0};
  tlswire_context_set_alpn_select_callback(sctx, select_cb, &probe);
  ck_assert_int_eq(connect_pair(NULL, NULL), 0);
  ck_assert_int_eq(probe.calls, 0);
}
END_TEST

START_TEST(alpn_callback_replaced_and_cleared) {
  struct alpn_probe probe = {0};
  char buf[256];
  tlswire_context_set_alpn_protos(cctx, offer, 2);
  tlswire_context_set_alpn_select_callback(sctx, select_cb, &probe);
  tlswire_context_set_alpn_select_callback(sctx, other_cb, NULL);
  ck_assert_int_eq(connect_pair(NULL, NULL), 0);
  ck_assert_int_eq(probe.calls, 0);
  ck_assert_int_eq(other_calls, 1);
  ck_assert_str_eq(negotiated(pair.server, buf), "http/1.1");
  tw_pair_free(&pair);
  tlswire_context_free(sctx);

  sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context_set_alpn_select_callback(sctx, select_cb, &probe);
  ck_assert_int_eq(tlswire_context_set_alpn_select_callback(sctx, NULL, NULL),
                   TLSWIRE_OK);
  ck_assert_int_eq(connect_pair(NULL, NULL), 0);
  ck_assert_int_eq(probe.calls, 0);
  ck_assert_str_eq(negotiated(pair.client, buf), "");
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("alpn");
  TCase *tc = tcase_create("alpn");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, alpn_success);
  tcase_add_test(tc, alpn_wire_format_offer);
  tcase_add_test(tc, alpn_bad_offers_invalid);
  tcase_add_test(tc, alpn_empty_selection_fails);
  tcase_add_test(tc, alpn_no_overlapping_protocols);
  tcase_add_test(tc, alpn_callback_failure);
  tcase_add_test(tc, alpn_no_server_callback);
  tcase_add_test(tc, alpn_client_offers_nothing);
  tcase_add_test(tc, alpn_callback_replaced_and_cleared);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
