/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_dtls.c - DTLS over the memory API: explicit MTU, stateless
 * DTLSv1_listen with cookies, data, SRTP profile negotiation, cleartext MTU,
 * retransmission through DTLSv1_get_timeout / DTLSv1_handle_timeout
 * (pyOpenSSL's TestDTLS).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "conn_util.h"
#include "testmain.h"

static int cookie_generated, cookie_verified;
static int cookie_fail_with; /* non-zero: the generate callback fails */
static size_t cookie_length = 5;

static int cookie_generate(tlswire_conn *conn, const unsigned char **cookie,
                           size_t *len, void *arg) {
  static const unsigned char value[300] = "xyzzy";
  ck_assert_ptr_nonnull(conn);
  ck_assert_ptr_eq(arg, &cookie_generated);
  cookie_generated++;
  *cookie = value;
  *len = cookie_length;
  return cookie_fail_with;
}

static int cookie_verify(tlswire_conn *conn, const unsigned char *cookie,
                         size_t len, void *arg) {
  ck_assert_ptr_nonnull(conn);
  cookie_verified++;
  return len == 5 && memcmp(cookie, "xyzzy", 5) == 0;
}

/* Server and client DTLS contexts, with tlswire's cookie and SRTP setters. */
static void dtls_contexts(tlswire_context **s, tlswire_context **c,
                          int with_cookies, int srtp) {
  *s = tw_server_ctx(TLSWIRE_DTLS_METHOD, TW_KEY_EC_P256);
  *c = tw_client_ctx(TLSWIRE_DTLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(*s);
  ck_assert_ptr_nonnull(*c);
  cookie_generated = cookie_verified = 0; /* no fork: reset per test */
  cookie_fail_with = 0;
  cookie_length = 5;
  if (with_cookies) {
    ck_assert_int_eq(tlswire_context_set_cookie_generate_callback(
                         *s, cookie_generate, &cookie_generated),
                     TLSWIRE_OK);
    ck_assert_int_eq(
        tlswire_context_set_cookie_verify_callback(*s, cookie_verify, NULL),
        TLSWIRE_OK);
  }
  if (srtp) {
    ck_assert_int_eq(
        tlswire_context_set_tlsext_use_srtp(*s, "SRTP_AES128_CM_SHA1_80"),
        TLSWIRE_OK);
    ck_assert_int_eq(
        tlswire_context_set_tlsext_use_srtp(*c, "SRTP_AES128_CM_SHA1_80"),
        TLSWIRE_OK);
  }
}

static void dtls_pair(tw_pair *p, tlswire_context *s, tlswire_context *c,
                      long mtu) {
  ck_assert_int_eq(tw_pair_init(p, c, s), 0);
  ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(p->client, mtu), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(p->server, mtu), TLSWIRE_OK);
  ck_assert(SSL_get_options(tlswire_conn_get_ssl(p->client)) &
            SSL_OP_NO_QUERY_MTU);
}

/* ClientHello, HelloVerifyRequest, ClientHello with cookie: listen
 * succeeds on the second one, with no duplicate ClientHello fed. */
static void listen_exchange_after_hello(tw_pair *p) {
  tw_pump(p->client, p->server);
  ck_assert_int_eq(tlswire_conn_DTLSv1_listen(p->server), TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(cookie_generated, 1);
  ck_assert_uint_gt(tlswire_conn_bio_pending_out(p->server), 0); /* HVR */
  tw_pump(p->client, p->server);
  ck_assert_int_eq(tlswire_conn_do_handshake(p->client), TLSWIRE_E_WANT_READ);
  tw_pump(p->client, p->server);
  ck_assert_int_eq(tlswire_conn_DTLSv1_listen(p->server), TLSWIRE_OK);
  ck_assert_int_eq(cookie_verified, 1);
  ck_assert_uint_eq(tlswire_conn_bio_pending_in(p->server), 0);
  ck_assert_int_eq(tw_handshake(p->client, p->server, NULL, NULL), 0);
}

static void listen_exchange(tw_pair *p) {
  ck_assert_int_eq(tlswire_conn_DTLSv1_listen(p->server), TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_do_handshake(p->client), TLSWIRE_E_WANT_READ);
  listen_exchange_after_hello(p);
}

/* _i: MTU 1000 or 500 (pyOpenSSL's test_it_works_at_all + MTU checks). */
START_TEST(dtls_listen_handshake_data) {
  long mtu = _i ? 500 : 1000;
  tlswire_context *s, *c;
  dtls_contexts(&s, &c, 1, 0);
  tw_pair p;
  dtls_pair(&p, s, c, mtu);
  ck_assert_int_eq(tlswire_conn_get_cleartext_mtu(p.client), 0);
  listen_exchange(&p);
  ck_assert_str_eq(tlswire_conn_get_protocol_version_name(p.client),
                   "DTLSv1.2");
  cu_roundtrip(p.client, p.server, "hello");
  cu_roundtrip(p.server, p.client, "goodbye");
  int clear = tlswire_conn_get_cleartext_mtu(p.client);
  if (mtu == 1000)
    ck_assert(clear > 500 && clear < 1000);
  else
    ck_assert(clear > 0 && clear < 500);
  ck_assert_str_eq(tlswire_conn_get_selected_srtp_profile(p.client), "");
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* pyOpenSSL test_it_works_with_srtp. */
START_TEST(dtls_srtp_profile) {
  tlswire_context *s, *c;
  dtls_contexts(&s, &c, 1, 1);
  tw_pair p;
  dtls_pair(&p, s, c, 1500);
  listen_exchange(&p);
  ck_assert_str_eq(tlswire_conn_get_selected_srtp_profile(p.client),
                   "SRTP_AES128_CM_SHA1_80");
  ck_assert_str_eq(tlswire_conn_get_selected_srtp_profile(p.server),
                   "SRTP_AES128_CM_SHA1_80");
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* Without DTLSv1_listen the server handshakes statefully. */
START_TEST(dtls_without_listen) {
  tlswire_context *s, *c;
  dtls_contexts(&s, &c, 0, 0);
  tw_pair p;
  dtls_pair(&p, s, c, 1400);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  cu_roundtrip(p.client, p.server, "no cookies");
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

START_TEST(dtls_listen_without_cookie_callbacks) {
  tlswire_context *s, *c;
  dtls_contexts(&s, &c, 0, 0);
  tw_pair p;
  dtls_pair(&p, s, c, 1400);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  tw_pump(p.client, p.server);
  ck_assert_int_eq(tlswire_conn_DTLSv1_listen(p.server), TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  ck_assert_int_eq(tlswire_conn_DTLSv1_listen(NULL), TLSWIRE_E_INVALID);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

START_TEST(dtls_mtu_arguments) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_DTLS_METHOD);
  ck_assert_int_eq(tlswire_conn_get_cleartext_mtu(conn), 0); /* Appendix B */
  ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(conn, 0), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(conn, 10),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(conn, 1200), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(NULL, 1200),
                   TLSWIRE_E_INVALID);
  tlswire_conn_free(conn);
}
END_TEST

/* The first timer is short enough to wait out, long enough that a loaded
 * machine (sanitizers, emulators) does not see it expire early; the ones
 * after the retransmission are long, so that the rest of the exchange runs
 * without another one. */
enum { FIRST_TIMER_US = 200000, LATER_TIMER_US = 10000000 };

static unsigned int short_timer(SSL *ssl, unsigned int previous_us) {
  (void)ssl;
  return previous_us == 0 ? FIRST_TIMER_US : LATER_TIMER_US;
}

static void sleep_us(unsigned long long us) {
  struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
  nanosleep(&ts, NULL);
}

/* pyOpenSSL 26.4 test_timeout: no timer before the handshake, a timer once
 * the ClientHello is out, and a retransmission once it expires. */
START_TEST(dtls_timeout_retransmits) {
  tlswire_context *s, *c;
  dtls_contexts(&s, &c, 1, 0);
  tw_pair p;
  dtls_pair(&p, s, c, 1400);
  DTLS_set_timer_cb(tlswire_conn_get_ssl(p.client), short_timer);
  unsigned long long usec = 7;
  ck_assert_int_eq(tlswire_conn_DTLSv1_get_timeout(p.client, &usec), 0);
  ck_assert_uint_eq(usec, 0);
  ck_assert_int_eq(tlswire_conn_DTLSv1_handle_timeout(p.client), 0);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_DTLSv1_get_timeout(p.client, &usec), 1);
  ck_assert_uint_gt(usec, 0);
  ck_assert_uint_le(usec, FIRST_TIMER_US);
  /* Not due yet: nothing is sent again. */
  size_t hello = tlswire_conn_bio_pending_out(p.client);
  ck_assert_uint_gt(hello, 0);
  ck_assert_int_eq(tlswire_conn_DTLSv1_handle_timeout(p.client), 0);
  ck_assert_uint_eq(tlswire_conn_bio_pending_out(p.client), hello);
  /* The ClientHello is "lost"; after the timer, it goes out again. */
  unsigned char lost[2048];
  size_t n;
  ck_assert_int_eq(tlswire_conn_bio_read(p.client, lost, sizeof lost, &n),
                   TLSWIRE_OK);
  sleep_us(usec + 5000);
  ck_assert_int_eq(tlswire_conn_DTLSv1_get_timeout(p.client, &usec), 1);
  ck_assert_uint_eq(usec, 0);
  ck_assert_int_eq(tlswire_conn_DTLSv1_handle_timeout(p.client), 1);
  ck_assert_uint_eq(tlswire_conn_bio_pending_out(p.client), hello);
  /* The retransmitted flight completes the exchange. */
  ck_assert_int_eq(tlswire_conn_DTLSv1_listen(p.server), TLSWIRE_E_WANT_READ);
  listen_exchange_after_hello(&p);
  cu_roundtrip(p.client, p.server, "late");
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* Constant and short, but above 15 ms: libssl treats a timer with less
 * left as expired, and handles expired timers inside reads too. */
static unsigned int fixed_timer(SSL *ssl, unsigned int previous_us) {
  (void)ssl, (void)previous_us;
  return 20000;
}

/* A peer that never answers: after libssl's retransmission limit,
 * handle_timeout fails with TLSWIRE_E_SSL (pyOpenSSL's mocked -1 case, for
 * real), and the error queue is drained into the record. */
START_TEST(dtls_timeout_gives_up) {
  tlswire_context *s, *c;
  dtls_contexts(&s, &c, 1, 0);
  tw_pair p;
  dtls_pair(&p, s, c, 1400);
  DTLS_set_timer_cb(tlswire_conn_get_ssl(p.client), fixed_timer);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  int rc = 0, sent = 0;
  for (int i = 0; i < 40 && rc >= 0; i++) {
    unsigned char lost[4096];
    size_t n;
    while (tlswire_conn_bio_read(p.client, lost, sizeof lost, &n) == TLSWIRE_OK)
      ;
    sleep_us(21000);
    rc = tlswire_conn_DTLSv1_handle_timeout(p.client);
    sent += rc == 1;
  }
  ck_assert_int_eq(rc, TLSWIRE_E_SSL);
  ck_assert_int_gt(sent, 5);
  ck_assert_str_eq(cu_reason(p.client), "read timeout expired");
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* A failing cookie callback surfaces from DTLSv1_listen as
 * TLSWIRE_E_CALLBACK with its value; an over-long cookie as
 * TLSWIRE_E_INVALID (pyOpenSSL 26's "Cookie too long"). _i selects which. */
START_TEST(dtls_listen_cookie_failures) {
  tlswire_context *s, *c;
  dtls_contexts(&s, &c, 1, 0);
  if (_i)
    cookie_length = 256;
  else
    cookie_fail_with = 7;
  tw_pair p;
  dtls_pair(&p, s, c, 1000);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  tw_pump(p.client, p.server);
  int rc = tlswire_conn_DTLSv1_listen(p.server);
  const tlswire_error *err = tlswire_conn_last_error(p.server);
  if (_i) {
    ck_assert_int_eq(rc, TLSWIRE_E_INVALID);
    ck_assert_ptr_nonnull(
        strstr(tlswire_error_message(err), "Cookie too long"));
  } else {
    ck_assert_int_eq(rc, TLSWIRE_E_CALLBACK);
    ck_assert_int_eq(tlswire_error_callback_value(err), 7);
  }
  ck_assert_uint_eq(tlswire_conn_bio_pending_out(p.server), 0); /* no HVR */
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("dtls");
  TCase *tc = tcase_create("dtls_listen_handshake_data");
  tcase_add_loop_test(tc, dtls_listen_handshake_data, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, dtls_srtp_profile);
  TW_ADD(s, dtls_without_listen);
  TW_ADD(s, dtls_listen_without_cookie_callbacks);
  TCase *tc_cookie = tcase_create("dtls_listen_cookie_failures");
  tcase_add_loop_test(tc_cookie, dtls_listen_cookie_failures, 0, 2);
  suite_add_tcase(s, tc_cookie);
  TW_ADD(s, dtls_mtu_arguments);
  TW_ADD(s, dtls_timeout_retransmits);
  TW_ADD(s, dtls_timeout_gives_up);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
