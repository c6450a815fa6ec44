/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_callbacks.c - the passphrase, info, keylog and DTLS cookie
 * callbacks: arguments, replacement and clearing, and every failure path.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "callbacks.h"
#include "pump.h"
#include "testmain.h"

/* --- passphrase ------------------------------------------------------------
 */

struct pass_probe {
  int calls;
  size_t maxlen;
  int rwflag;
  const char *pass;
  size_t len; /* 0: strlen(pass) */
  int rc;
};

static int pass_cb(size_t maxlen, int rwflag, const void **pass,
                   size_t *pass_len, void *arg) {
  struct pass_probe *p = arg;
  p->calls++;
  p->maxlen = maxlen;
  p->rwflag = rwflag;
  *pass = p->pass;
  *pass_len = p->len ? p->len : (p->pass ? strlen(p->pass) : 0);
  return p->rc;
}

static char *enc_key, *enc_path;
static size_t enc_len;
static tlswire_context *ctx;

static void pass_setup(void) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  ck_assert_int_eq(tw_key_pem(c->leaf_key, "pass", &enc_key, &enc_len), 0);
  enc_path = tw_tmpfile_write("enc.pem", enc_key, enc_len);
  ck_assert_ptr_nonnull(enc_path);
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_certificate(ctx, c->leaf), TLSWIRE_OK);
}

static void pass_teardown(void) {
  tlswire_context_free(ctx);
  free(enc_key);
  free(enc_path);
  tw_tmpdir_remove();
}

static int load_key(int from_file) {
  return from_file ? tlswire_context_use_privatekey_file(ctx, enc_path,
                                                         TLSWIRE_FILETYPE_PEM)
                   : tlswire_context_use_privatekey_mem(ctx, enc_key, enc_len,
                                                        TLSWIRE_FILETYPE_PEM);
}

/* _i: 0 memory, 1 file. Called once with (maxlen, rwflag 0, arg). */
START_TEST(passwd_cb_loads_encrypted_key) {
  struct pass_probe p = {.pass = "pass"};
  ck_assert_int_eq(tlswire_context_set_passwd_cb(ctx, pass_cb, &p), TLSWIRE_OK);
  ck_assert_int_eq(load_key(_i), TLSWIRE_OK);
  ck_assert_int_eq(p.calls, 1);
  ck_assert_uint_ge(p.maxlen, 1024);
  ck_assert_int_eq(p.rwflag, 0);
  ck_assert_int_eq(tlswire_context_check_privatekey(ctx), TLSWIRE_OK);
}
END_TEST

START_TEST(passwd_cb_wrong_or_empty_is_ssl_error) {
  struct pass_probe p = {.pass = "wrong"};
  tlswire_context_set_passwd_cb(ctx, pass_cb, &p);
  ck_assert_int_eq(load_key(_i), TLSWIRE_E_SSL);
  p.pass = "";
  ck_assert_int_eq(load_key(_i), TLSWIRE_E_SSL);
  p.pass = NULL;
  ck_assert_int_eq(load_key(_i), TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_error_code(tlswire_context_last_error(ctx)),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

/* pyOpenSSL re-raises the callback's exception from the loader. */
START_TEST(passwd_cb_failure_is_callback_error) {
  struct pass_probe p = {.pass = "pass", .rc = 77};
  tlswire_context_set_passwd_cb(ctx, pass_cb, &p);
  ck_assert_int_eq(load_key(_i), TLSWIRE_E_CALLBACK);
  const tlswire_error *e = tlswire_context_last_error(ctx);
  ck_assert_int_eq(tlswire_error_callback_value(e), 77);
  ck_assert_ptr_nonnull(strstr(tlswire_error_message(e), "passphrase"));
  ck_assert_uint_eq(ERR_peek_error(), 0);
  /* The failure does not stick: the next load with a good answer works. */
  p.rc = 0;
  ck_assert_int_eq(load_key(_i), TLSWIRE_OK);
}
END_TEST

/* pyOpenSSL truncates an over-long passphrase to the buffer's size. */
START_TEST(passwd_cb_truncates_to_maxlen) {
  const tw_chain *c = tw_fixture_chain(TW_KEY_EC_P256);
  struct pass_probe probe = {.pass = "x"};
  tlswire_context_set_passwd_cb(ctx, pass_cb, &probe);
  ck_assert_int_eq(load_key(0), TLSWIRE_E_SSL); /* learn maxlen */
  size_t maxlen = probe.maxlen;
  char *exact = malloc(maxlen + 1), *longer = malloc(maxlen + 101);
  memset(exact, 'x', maxlen);
  exact[maxlen] = '\0';
  memset(longer, 'x', maxlen + 100);
  longer[maxlen + 100] = '\0';
  char *key;
  size_t klen;
  ck_assert_int_eq(tw_key_pem(c->leaf_key, exact, &key, &klen), 0);
  struct pass_probe p = {.pass = longer};
  tlswire_context_set_passwd_cb(ctx, pass_cb, &p);
  ck_assert_int_eq(
      tlswire_context_use_privatekey_mem(ctx, key, klen, TLSWIRE_FILETYPE_PEM),
      TLSWIRE_OK);
  free(key);
  free(exact);
  free(longer);
}
END_TEST

START_TEST(passwd_cb_replaced_and_cleared) {
  struct pass_probe bad = {.pass = "wrong"}, good = {.pass = "pass"};
  tlswire_context_set_passwd_cb(ctx, pass_cb, &bad);
  tlswire_context_set_passwd_cb(ctx, pass_cb, &good);
  ck_assert_int_eq(load_key(0), TLSWIRE_OK);
  ck_assert_int_eq(bad.calls, 0);
  ck_assert_int_eq(good.calls, 1);
  ck_assert_int_eq(tlswire_context_set_passwd_cb(ctx, NULL, NULL), TLSWIRE_OK);
  ck_assert_int_eq(load_key(1), TLSWIRE_E_SSL); /* never prompts */
  ck_assert_int_eq(good.calls, 1);
}
END_TEST

/* --- info and keylog --------------------------------------------------------
 */

#define MAX_EVENTS 64
struct info_probe {
  int n;
  tlswire_conn *conn[MAX_EVENTS];
  int where[MAX_EVENTS], ret[MAX_EVENTS];
};

static void info_cb(tlswire_conn *conn, int where, int ret, void *arg) {
  struct info_probe *p = arg;
  if (p->n == MAX_EVENTS)
    return;
  p->conn[p->n] = conn;
  p->where[p->n] = where;
  p->ret[p->n++] = ret;
}

static int info_seen(const struct info_probe *p, int where) {
  for (int i = 0; i < p->n; i++)
    if ((p->where[i] & where) == where)
      return 1;
  return 0;
}

static tlswire_context *sctx, *cctx;
static tw_pair pair;

static void pair_setup(void) {
  sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(sctx);
  ck_assert_ptr_nonnull(cctx);
  memset(&pair, 0, sizeof pair);
}

static void pair_teardown(void) {
  tw_pair_free(&pair);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}

static void connect_pair(void) {
  ck_assert_int_eq(tw_pair_init(&pair, cctx, sctx), 0);
  ck_assert_int_eq(tw_handshake(pair.client, pair.server, NULL, NULL), 0);
}

START_TEST(info_callback_traces_handshake) {
  struct info_probe p = {0};
  ck_assert_int_eq(tlswire_context_set_info_callback(cctx, info_cb, &p),
                   TLSWIRE_OK);
  connect_pair();
  ck_assert_int_gt(p.n, 5);
  ck_assert_int_eq(p.where[0], TLSWIRE_SSL_CB_HANDSHAKE_START);
  ck_assert_int_eq(p.ret[0], 1);
  ck_assert(info_seen(&p, TLSWIRE_SSL_CB_CONNECT_LOOP));
  ck_assert(info_seen(&p, TLSWIRE_SSL_CB_HANDSHAKE_DONE));
  for (int i = 0; i < p.n; i++)
    ck_assert_ptr_eq(p.conn[i], pair.client);
}
END_TEST

START_TEST(info_callback_server_side_and_cleared) {
  struct info_probe first = {0}, second = {0}, client = {0};
  tlswire_context_set_info_callback(sctx, info_cb, &first);
  tlswire_context_set_info_callback(sctx, info_cb, &second);
  tlswire_context_set_info_callback(cctx, info_cb, &client);
  ck_assert_int_eq(tlswire_context_set_info_callback(cctx, NULL, NULL),
                   TLSWIRE_OK);
  connect_pair();
  ck_assert_int_eq(first.n, 0);
  ck_assert_int_eq(client.n, 0);
  ck_assert(info_seen(&second, TLSWIRE_SSL_CB_ACCEPT_LOOP));
  ck_assert(info_seen(&second, TLSWIRE_SSL_CB_HANDSHAKE_DONE));
  ck_assert_ptr_eq(second.conn[0], pair.server);
}
END_TEST

struct keylog_probe {
  int lines;
  tlswire_conn *conn;
  char labels[512];
};

static void keylog_cb(tlswire_conn *conn, const char *line, void *arg) {
  struct keylog_probe *p = arg;
  p->lines++;
  p->conn = conn;
  size_t label = strcspn(line, " ");
  size_t used = strlen(p->labels);
  if (used + label + 2 < sizeof p->labels) {
    memcpy(p->labels + used, line, label);
    p->labels[used + label] = ',';
    p->labels[used + label + 1] = '\0';
  }
  ck_assert_ptr_null(strchr(line, '\n'));
}

/* _i: 0 TLS 1.3, 1 TLS 1.2 (CLIENT_RANDOM). */
START_TEST(keylog_callback_lines) {
  struct keylog_probe p = {0};
  int v = _i == 0 ? TLSWIRE_TLS1_3_VERSION : TLSWIRE_TLS1_2_VERSION;
  tlswire_context_set_max_proto_version(cctx, v);
  ck_assert_int_eq(tlswire_context_set_keylog_callback(cctx, keylog_cb, &p),
                   TLSWIRE_OK);
  connect_pair();
  ck_assert_ptr_eq(p.conn, pair.client);
  if (_i == 0) {
    static const char *const want[] = {
        "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_TRAFFIC_SECRET_0", "CLIENT_TRAFFIC_SECRET_0",
        "EXPORTER_SECRET"};
    ck_assert_int_eq(p.lines, 5);
    for (size_t i = 0; i < 5; i++)
      ck_assert_msg(strstr(p.labels, want[i]) != NULL, "%s missing in %s",
                    want[i], p.labels);
  } else {
    ck_assert_int_eq(p.lines, 1);
    ck_assert_str_eq(p.labels, "CLIENT_RANDOM,");
  }
}
END_TEST

START_TEST(keylog_callback_replaced_and_cleared) {
  struct keylog_probe first = {0}, second = {0}, cleared = {0};
  tlswire_context_set_keylog_callback(sctx, keylog_cb, &first);
  tlswire_context_set_keylog_callback(sctx, keylog_cb, &second);
  tlswire_context_set_keylog_callback(cctx, keylog_cb, &cleared);
  tlswire_context_set_keylog_callback(cctx, NULL, NULL);
  connect_pair();
  ck_assert_int_eq(first.lines, 0);
  ck_assert_int_eq(cleared.lines, 0);
  ck_assert_int_eq(second.lines, 5);
  ck_assert_ptr_eq(second.conn, pair.server);
}
END_TEST

/* --- DTLS cookies ------------------------------------------------------------
 * DTLS over tlswire's own rings is the conn branch's work; these tests give
 * both SSLs plain memory BIOs through the escape hatch and move datagrams by
 * hand, so the cookie exchange (TLSWIRE_OP_COOKIE_EXCHANGE) runs inside
 * do_handshake. */

struct cookie_probe {
  int generated, verified;
  unsigned char cookie[300];
  size_t len;
  int gen_rc, verify_rc;
  unsigned char seen[300];
  size_t seen_len;
  tlswire_conn *conn;
};

static int cookie_gen(tlswire_conn *conn, const unsigned char **cookie,
                      size_t *len, void *arg) {
  struct cookie_probe *p = arg;
  p->generated++;
  p->conn = conn;
  *cookie = p->cookie;
  *len = p->len;
  return p->gen_rc;
}

static int cookie_verify(tlswire_conn *conn, const unsigned char *cookie,
                         size_t len, void *arg) {
  struct cookie_probe *p = arg;
  p->verified++;
  p->conn = conn;
  p->seen_len = len;
  memcpy(p->seen, cookie, len);
  return p->verify_rc;
}

static void dtls_setup_server(void) {
  sctx = tw_server_ctx(TLSWIRE_DTLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(sctx);
  tlswire_context_set_options(
      sctx, TLSWIRE_OP_COOKIE_EXCHANGE | TLSWIRE_OP_NO_QUERY_MTU, NULL);
}

static void dtls_setup(void) {
  dtls_setup_server();
  cctx = tw_client_ctx(TLSWIRE_DTLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(cctx);
  tlswire_context_set_options(cctx, TLSWIRE_OP_NO_QUERY_MTU, NULL);
  memset(&pair, 0, sizeof pair);
}

/* Both sides bound to the two ends of a datagram pipe (one send is one
 * datagram, as over UDP), MTU 1200. Returns 0 when both sides completed;
 * the last statuses in *crc / *src. */
static int dtls_handshake(int *crc, int *src) {
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 65536), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(a, 1), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&pair.client, cctx, a), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&pair.server, sctx, b), TLSWIRE_OK);
  tlswire_conn_set_connect_state(pair.client);
  tlswire_conn_set_accept_state(pair.server);
  ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(pair.client, 1200),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(pair.server, 1200),
                   TLSWIRE_OK);
  return tw_bound_handshake(&pair, crc, src) == TLSWIRE_OK ? 0 : -1;
}

START_TEST(cookie_exchange_round_trip) {
  struct cookie_probe p = {.len = 20, .verify_rc = 1};
  memset(p.cookie, 0xA5, p.len);
  int crc, src;
  ck_assert_int_eq(
      tlswire_context_set_cookie_generate_callback(sctx, cookie_gen, &p),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_cookie_verify_callback(sctx, cookie_verify, &p),
      TLSWIRE_OK);
  ck_assert_int_eq(dtls_handshake(&crc, &src), 0);
  ck_assert_int_eq(p.generated, 1);
  ck_assert_int_eq(p.verified, 1);
  ck_assert_ptr_eq(p.conn, pair.server);
  ck_assert_uint_eq(p.seen_len, 20);
  ck_assert_mem_eq(p.seen, p.cookie, 20);
}
END_TEST

/* A 255-byte cookie is the longest accepted; 256 is refused
 * (pyOpenSSL 26, CVE-2026-27459). */
START_TEST(cookie_too_long_refused) {
  struct cookie_probe p = {.len = 255, .verify_rc = 1};
  memset(p.cookie, 0x5A, sizeof p.cookie);
  int crc, src;
  tlswire_context_set_cookie_generate_callback(sctx, cookie_gen, &p);
  tlswire_context_set_cookie_verify_callback(sctx, cookie_verify, &p);
  ck_assert_int_eq(dtls_handshake(&crc, &src), 0);
  ck_assert_uint_eq(p.seen_len, 255);
  tw_pair_free(&pair);

  p.len = 256;
  p.verified = 0;
  ck_assert_int_eq(dtls_handshake(&crc, &src), -1);
  ck_assert_int_eq(src, TLSWIRE_E_INVALID);
  ck_assert_ptr_nonnull(
      strstr(tlswire_error_message(tlswire_conn_last_error(pair.server)),
             "Cookie too long"));
  ck_assert_int_eq(p.verified, 0);
}
END_TEST

START_TEST(cookie_generate_failure) {
  struct cookie_probe p = {.len = 8, .gen_rc = 7, .verify_rc = 1};
  int crc, src;
  tlswire_context_set_cookie_generate_callback(sctx, cookie_gen, &p);
  tlswire_context_set_cookie_verify_callback(sctx, cookie_verify, &p);
  ck_assert_int_eq(dtls_handshake(&crc, &src), -1);
  ck_assert_int_eq(src, TLSWIRE_E_CALLBACK);
  ck_assert_int_eq(
      tlswire_error_callback_value(tlswire_conn_last_error(pair.server)), 7);
}
END_TEST

/* _i: 0 the verify callback says "invalid" (libssl's own failure),
 * 1 it fails (TLSWIRE_E_CALLBACK with its value). */
START_TEST(cookie_verify_reject_and_failure) {
  struct cookie_probe p = {.len = 8, .verify_rc = _i == 0 ? 0 : -5};
  int crc, src;
  tlswire_context_set_cookie_generate_callback(sctx, cookie_gen, &p);
  tlswire_context_set_cookie_verify_callback(sctx, cookie_verify, &p);
  ck_assert_int_eq(dtls_handshake(&crc, &src), -1);
  ck_assert_int_eq(p.verified, 1);
  if (_i == 0) {
    ck_assert_int_eq(src, TLSWIRE_E_SSL);
  } else {
    ck_assert_int_eq(src, TLSWIRE_E_CALLBACK);
    ck_assert_int_eq(
        tlswire_error_callback_value(tlswire_conn_last_error(pair.server)), -5);
  }
}
END_TEST

START_TEST(cookie_callbacks_replaced_and_cleared) {
  struct cookie_probe old = {.len = 4, .verify_rc = 1};
  struct cookie_probe now = {.len = 6, .verify_rc = 1};
  int crc, src;
  tlswire_context_set_cookie_generate_callback(sctx, cookie_gen, &old);
  tlswire_context_set_cookie_verify_callback(sctx, cookie_verify, &old);
  tlswire_context_set_cookie_generate_callback(sctx, cookie_gen, &now);
  tlswire_context_set_cookie_verify_callback(sctx, cookie_verify, &now);
  ck_assert_int_eq(dtls_handshake(&crc, &src), 0);
  ck_assert_int_eq(old.generated + old.verified, 0);
  ck_assert_int_eq(now.generated, 1);
  ck_assert_uint_eq(now.seen_len, 6);
  tw_pair_free(&pair);
  tlswire_context_free(sctx);

  /* Cleared: libssl has no cookie callback and refuses the exchange; the
   * old callbacks are never called. */
  dtls_setup_server();
  old.generated = old.verified = 0;
  tlswire_context_set_cookie_generate_callback(sctx, cookie_gen, &old);
  tlswire_context_set_cookie_verify_callback(sctx, cookie_verify, &old);
  ck_assert_int_eq(
      tlswire_context_set_cookie_generate_callback(sctx, NULL, &old),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_cookie_verify_callback(sctx, NULL, &old),
                   TLSWIRE_OK);
  tlswire_context_free(cctx);
  cctx = tw_client_ctx(TLSWIRE_DTLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(dtls_handshake(&crc, &src), -1);
  ck_assert_int_eq(src, TLSWIRE_E_SSL);
  ck_assert_int_eq(old.generated + old.verified, 0);
}
END_TEST

/* The trampolines on an SSL tlswire did not make: no user callback, no
 * crash, libssl gets a refusal. */
START_TEST(cookie_trampolines_without_conn) {
  SSL_CTX *raw = SSL_CTX_new(DTLS_method());
  SSL *ssl = SSL_new(raw);
  unsigned char buf[256];
  unsigned int len = 0;
  ck_assert_int_eq(tlswire_cb_cookie_generate(ssl, buf, &len), 0);
  ck_assert_int_eq(tlswire_cb_cookie_verify(ssl, buf, 4), 0);
  SSL_free(ssl);
  SSL_CTX_free(raw);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("callbacks");
  TCase *tc = tcase_create("passphrase");
  tcase_add_checked_fixture(tc, pass_setup, pass_teardown);
  tcase_add_loop_test(tc, passwd_cb_loads_encrypted_key, 0, 2);
  tcase_add_loop_test(tc, passwd_cb_wrong_or_empty_is_ssl_error, 0, 2);
  tcase_add_loop_test(tc, passwd_cb_failure_is_callback_error, 0, 2);
  tcase_add_test(tc, passwd_cb_truncates_to_maxlen);
  tcase_add_test(tc, passwd_cb_replaced_and_cleared);
  suite_add_tcase(s, tc);

  tc = tcase_create("info_keylog");
  tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
  tcase_add_test(tc, info_callback_traces_handshake);
  tcase_add_test(tc, info_callback_server_side_and_cleared);
  tcase_add_loop_test(tc, keylog_callback_lines, 0, 2);
  tcase_add_test(tc, keylog_callback_replaced_and_cleared);
  suite_add_tcase(s, tc);

  tc = tcase_create("dtls_cookies");
  tcase_add_checked_fixture(tc, dtls_setup, pair_teardown);
  tcase_add_test(tc, cookie_exchange_round_trip);
  tcase_add_test(tc, cookie_too_long_refused);
  tcase_add_test(tc, cookie_generate_failure);
  tcase_add_loop_test(tc, cookie_verify_reject_and_failure, 0, 2);
  tcase_add_test(tc, cookie_callbacks_replaced_and_cleared);
  tcase_add_test(tc, cookie_trampolines_without_conn);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
