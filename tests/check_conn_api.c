/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_conn_api.c - the Connection surface beyond the core: context and
 * options, SNI, verification, per-connection identity, app data, info
 * callback, cipher lists, certificates, ALPN, the data variants (write/read,
 * sendall, recv_into, peeking), renegotiation, DTLS guards on TLS, the state
 * query. pyOpenSSL's TestConnection, TestConnectionGetCipherList,
 * TestConnectionSend, TestConnectionRecvInto, TestConnectionSendall,
 * TestConnectionRenegotiate and TestError, in memory mode.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/err.h>

#include "config.h"
#include "conn_util.h"
#include "testmain.h"

/* --- context and options ----------------------------------------------- */

START_TEST(get_set_context) {
  tlswire_context *a = NULL, *b = NULL;
  ck_assert_int_eq(tlswire_context_new(&a, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_new(&b, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  tlswire_conn *conn;
  ck_assert_int_eq(tlswire_conn_new(&conn, a, NULL), TLSWIRE_OK);
  ck_assert_ptr_eq(tlswire_conn_get_context(conn), a);
  ck_assert_int_eq(tlswire_context_set_options(b, TLSWIRE_OP_NO_TICKET, NULL),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_context(conn, b), TLSWIRE_OK);
  ck_assert_ptr_eq(tlswire_conn_get_context(conn), b);
  ck_assert_ptr_eq(SSL_get_SSL_CTX(tlswire_conn_get_ssl(conn)),
                   tlswire_context_get_ssl_ctx(b));
  /* The new context is frozen now. */
  ck_assert_int_eq(tlswire_context_set_options(b, TLSWIRE_OP_NO_TLSv1, NULL),
                   TLSWIRE_E_STATE);
  /* The connection holds its own reference: both caller references can go,
   * and the old context is released without a leak (ASan build). */
  tlswire_context_free(a);
  tlswire_context_free(b);
  ck_assert_int_eq(tlswire_conn_set_context(conn, NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_context(NULL, b), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(tlswire_conn_get_context(NULL));
  tlswire_conn_free(conn);
}
END_TEST

START_TEST(set_options_connection_only) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  uint64_t now = 0;
  ck_assert_int_eq(tlswire_conn_set_options(conn, TLSWIRE_OP_NO_TICKET, &now),
                   TLSWIRE_OK);
  ck_assert(now & TLSWIRE_OP_NO_TICKET);
  ck_assert(SSL_get_options(tlswire_conn_get_ssl(conn)) & TLSWIRE_OP_NO_TICKET);
  SSL_CTX *ctx = tlswire_context_get_ssl_ctx(tlswire_conn_get_context(conn));
  ck_assert(!(SSL_CTX_get_options(ctx) & TLSWIRE_OP_NO_TICKET));
  ck_assert_int_eq(tlswire_conn_set_options(conn, 0, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_options(NULL, 0, &now), TLSWIRE_E_INVALID);
  tlswire_conn_free(conn);
}
END_TEST

/* --- SNI ---------------------------------------------------------------- */

START_TEST(servername_roundtrip) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  ck_assert_ptr_null(tlswire_conn_get_servername(p.client));
  ck_assert_ptr_null(tlswire_conn_get_servername(p.server));
  const char *name = "foo1.example.com";
  ck_assert_int_eq(
      tlswire_conn_set_tlsext_host_name(p.client, name, strlen(name)),
      TLSWIRE_OK);
  ck_assert_str_eq(tlswire_conn_get_servername(p.client), name);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_str_eq(tlswire_conn_get_servername(p.server), name);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

START_TEST(servername_rejects_bad_names) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  tlswire_conn_set_connect_state(conn);
  ck_assert_int_eq(tlswire_conn_set_tlsext_host_name(conn, "a\0b", 3),
                   TLSWIRE_E_INVALID);
  ck_assert_ptr_nonnull(
      strstr(tlswire_error_message(tlswire_conn_last_error(conn)), "NUL"));
  ck_assert_int_eq(tlswire_conn_set_tlsext_host_name(conn, "", 0),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_tlsext_host_name(conn, NULL, 3),
                   TLSWIRE_E_INVALID);
  char big[300];
  memset(big, 'a', sizeof big);
  ck_assert_int_eq(tlswire_conn_set_tlsext_host_name(conn, big, 256),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_tlsext_host_name(conn, big, 255),
                   TLSWIRE_OK);
  /* Only len bytes count: a longer buffer is not read past len. */
  ck_assert_int_eq(tlswire_conn_set_tlsext_host_name(conn, "abcdef", 3),
                   TLSWIRE_OK);
  ck_assert_str_eq(tlswire_conn_get_servername(conn), "abc");
  ck_assert_ptr_null(tlswire_conn_get_servername(NULL));
  tlswire_conn_free(conn);
}
END_TEST

/* --- verification ------------------------------------------------------- */

static int ctx_cb_calls, conn_cb_calls;
static tlswire_conn *conn_cb_seen;

static int ctx_verify_cb(tlswire_conn *conn, X509 *cert, int errnum, int depth,
                         int ok, void *arg) {
  (void)conn, (void)cert, (void)errnum, (void)depth, (void)arg;
  ctx_cb_calls++;
  return ok;
}

static int conn_verify_cb(tlswire_conn *conn, X509 *cert, int errnum, int depth,
                          int ok, void *arg) {
  (void)errnum, (void)depth, (void)ok;
  ck_assert_ptr_nonnull(cert);
  ck_assert_ptr_eq(arg, &conn_cb_calls);
  conn_cb_seen = conn;
  conn_cb_calls++;
  return 1; /* accept even the untrusted chain */
}

/* pyOpenSSL test_set_verify_overrides_context, then the override in use: a
 * client context that trusts nothing fails, the connection's callback that
 * accepts everything makes it pass, and the context's is not called. */
START_TEST(set_verify_overrides_context) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = NULL;
  ck_assert_int_eq(tlswire_context_new(&c, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_verify(c, TLSWIRE_VERIFY_PEER, ctx_verify_cb, NULL),
      TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  ck_assert_int_eq(tlswire_conn_get_verify_mode(p.client), TLSWIRE_VERIFY_PEER);
  ck_assert_int_eq(
      tlswire_conn_set_verify(p.client, TLSWIRE_VERIFY_NONE, NULL, NULL),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_get_verify_mode(p.client), TLSWIRE_VERIFY_NONE);
  ck_assert_int_eq(tlswire_context_get_verify_mode(c), TLSWIRE_VERIFY_PEER);
  ck_assert_int_eq(tlswire_conn_set_verify(p.client, TLSWIRE_VERIFY_PEER,
                                           conn_verify_cb, &conn_cb_calls),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_verify(p.client, 0x4000, NULL, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_int_gt(conn_cb_calls, 0);
  ck_assert_ptr_eq(conn_cb_seen, p.client);
  ck_assert_int_eq(ctx_cb_calls, 0);
  tw_pair_free(&p);
  /* Without the override the same context fails verification. */
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  int crc;
  ck_assert_int_eq(tw_handshake(p.client, p.server, &crc, NULL), -1);
  ck_assert_int_eq(crc, TLSWIRE_E_SSL);
  ck_assert_str_eq(cu_reason(p.client), "certificate verify failed");
  ck_assert_int_gt(ctx_cb_calls, 0);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* _i 0: the right host passes; 1: a mismatch fails like any verify failure;
 * 2: the check cleared again with NULL passes. */
START_TEST(verify_hostname) {
  static const char *hosts[] = {"server.test", "other.test", "other.test"};
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  ck_assert_int_eq(tlswire_conn_set_verify_hostname(p.client, hosts[_i]),
                   TLSWIRE_OK);
  if (_i == 2)
    ck_assert_int_eq(tlswire_conn_set_verify_hostname(p.client, NULL),
                     TLSWIRE_OK);
  int crc;
  int rc = tw_handshake(p.client, p.server, &crc, NULL);
  if (_i == 1) {
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(crc, TLSWIRE_E_SSL);
    ck_assert_str_eq(cu_reason(p.client), "certificate verify failed");
    ck_assert_int_eq(tlswire_conn_get_verify_result(p.client),
                     X509_V_ERR_HOSTNAME_MISMATCH);
  } else {
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(tlswire_conn_get_verify_result(p.client), X509_V_OK);
  }
  ck_assert_int_eq(tlswire_conn_set_verify_hostname(p.client, ""),
                   TLSWIRE_E_INVALID);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* --- per-connection identity -------------------------------------------- */

/* A server context without certificate; the connection brings its own. */
START_TEST(use_certificate_and_key) {
  const tw_chain *chain = tw_fixture_chain(TW_KEY_EC_P256);
  tlswire_context *s = NULL;
  ck_assert_int_eq(tlswire_context_new(&s, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  ck_assert_ptr_null(tlswire_conn_get_certificate(p.server));
  ck_assert_int_eq(tlswire_conn_use_certificate(p.server, chain->leaf),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_use_privatekey(p.server, chain->leaf_key),
                   TLSWIRE_OK);
  SSL_add1_chain_cert(tlswire_conn_get_ssl(p.server), chain->intermediate);
  X509 *mine = tlswire_conn_get_certificate(p.server);
  ck_assert_int_eq(X509_cmp(mine, chain->leaf), 0);
  X509_free(mine);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  X509 *peer = tlswire_conn_get_peer_certificate(p.client);
  ck_assert_int_eq(X509_cmp(peer, chain->leaf), 0);
  X509_free(peer);
  ck_assert_int_eq(tlswire_conn_use_certificate(p.server, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_use_privatekey(p.server, NULL),
                   TLSWIRE_E_INVALID);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* A key that does not belong to the certificate is an error. */
START_TEST(use_privatekey_mismatch) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  const tw_chain *chain = tw_fixture_chain(TW_KEY_EC_P256);
  ck_assert_int_eq(tlswire_conn_use_certificate(conn, chain->leaf), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_use_privatekey(conn, chain->ca_key),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_conn_free(conn);
}
END_TEST

/* An empty X509 (pyOpenSSL's uninitialized X509()) is refused. */
START_TEST(use_certificate_empty) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  X509 *empty = X509_new();
  ck_assert_int_eq(tlswire_conn_use_certificate(conn, empty), TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  X509_free(empty);
  tlswire_conn_free(conn);
}
END_TEST

START_TEST(app_data) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  int token;
  ck_assert_ptr_null(tlswire_conn_get_app_data(conn));
  ck_assert_int_eq(tlswire_conn_set_app_data(conn, &token), TLSWIRE_OK);
  ck_assert_ptr_eq(tlswire_conn_get_app_data(conn), &token);
  ck_assert_int_eq(tlswire_conn_set_app_data(NULL, &token), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(tlswire_conn_get_app_data(NULL));
  tlswire_conn_free(conn);
}
END_TEST

struct info_log {
  int start, done, events;
  tlswire_conn *conn;
};

static void info_cb(tlswire_conn *conn, int where, int ret, void *arg) {
  struct info_log *log = arg;
  (void)ret;
  log->conn = conn;
  log->events++;
  if (where & SSL_CB_HANDSHAKE_START)
    log->start++;
  if (where & SSL_CB_HANDSHAKE_DONE)
    log->done++;
}

START_TEST(info_callback) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tw_pair p;
  struct info_log log = {0};
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  ck_assert_int_eq(tlswire_conn_set_info_callback(p.client, info_cb, &log),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_int_ge(log.start, 1);
  ck_assert_int_ge(log.done, 1);
  ck_assert_int_gt(log.events, 5);
  ck_assert_ptr_eq(log.conn, p.client);
  /* Removed: no more events. */
  int before = log.events;
  ck_assert_int_eq(tlswire_conn_set_info_callback(p.client, NULL, NULL),
                   TLSWIRE_OK);
  cu_roundtrip(p.server, p.client, "after");
  ck_assert_int_eq(tlswire_conn_shutdown(p.client), 0);
  ck_assert_int_eq(log.events, before);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

START_TEST(request_ocsp) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  SSL *ssl = tlswire_conn_get_ssl(conn);
  ck_assert_int_eq(SSL_get_tlsext_status_type(ssl), -1);
  ck_assert_int_eq(tlswire_conn_request_ocsp(conn), TLSWIRE_OK);
  ck_assert_int_eq(SSL_get_tlsext_status_type(ssl), TLSEXT_STATUSTYPE_ocsp);
  ck_assert_int_eq(tlswire_conn_request_ocsp(NULL), TLSWIRE_E_INVALID);
  tlswire_conn_free(conn);
}
END_TEST

static int old_ctx_calls, new_ctx_calls;

static int old_ctx_cb(tlswire_conn *conn, X509 *cert, int errnum, int depth,
                      int ok, void *arg) {
  (void)conn, (void)cert, (void)errnum, (void)depth, (void)ok, (void)arg;
  old_ctx_calls++;
  return 1;
}

static int new_ctx_cb(tlswire_conn *conn, X509 *cert, int errnum, int depth,
                      int ok, void *arg) {
  (void)conn, (void)cert, (void)errnum, (void)depth, (void)ok, (void)arg;
  new_ctx_calls++;
  return 0;
}

/* After set_context the connection keeps the verify callback it had. */
START_TEST(set_context_keeps_verify) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *a = NULL, *b = NULL;
  ck_assert_int_eq(tlswire_context_new(&a, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_new(&b, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_verify(a, TLSWIRE_VERIFY_PEER, old_ctx_cb, NULL),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_verify(b, TLSWIRE_VERIFY_PEER, new_ctx_cb, NULL),
      TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, a, s), 0);
  ck_assert_int_eq(tlswire_conn_set_context(p.client, b), TLSWIRE_OK);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_int_gt(old_ctx_calls, 0);
  ck_assert_int_eq(new_ctx_calls, 0);
  tw_pair_free(&p);
  tlswire_context_free(a);
  tlswire_context_free(b);
  tlswire_context_free(s);
}
END_TEST

/* pyOpenSSL's set_context use case: the context's server-name callback
 * moves the connection to the context holding the certificate for the name
 * asked; the handshake then uses it. arg counts the calls. */
static int switch_on_sni(tlswire_conn *conn, void *arg) {
  ++*(int *)arg;
  const char *name = tlswire_conn_get_servername(conn);
  if (name == NULL || strcmp(name, "server.test") != 0)
    return 0;
  tlswire_context *real = tlswire_conn_get_app_data(conn);
  return tlswire_conn_set_context(conn, real) == TLSWIRE_OK ? 0 : 1;
}

START_TEST(set_context_from_sni_callback) {
  tlswire_context *bare = NULL;
  ck_assert_int_eq(tlswire_context_new(&bare, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  tlswire_context *real = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  int calls = 0;
  ck_assert_int_eq(tlswire_context_set_tlsext_servername_callback(
                       bare, switch_on_sni, &calls),
                   TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, bare), 0);
  tlswire_conn_set_app_data(p.server, real);
  ck_assert_int_eq(
      tlswire_conn_set_tlsext_host_name(p.client, "server.test", 11),
      TLSWIRE_OK);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_int_eq(calls, 1);
  ck_assert_ptr_eq(tlswire_conn_get_context(p.server), real);
  X509 *peer = tlswire_conn_get_peer_certificate(p.client);
  ck_assert_int_eq(X509_cmp(peer, tw_fixture_chain(TW_KEY_RSA2048)->leaf), 0);
  X509_free(peer);
  tw_pair_free(&p);
  tlswire_context_free(bare);
  tlswire_context_free(real);
  tlswire_context_free(c);
}
END_TEST

struct ocsp_log {
  int server_calls, client_calls;
  size_t client_len;
};

static int ocsp_server(tlswire_conn *conn, const unsigned char **resp,
                       size_t *resp_len, void *arg) {
  (void)conn;
  struct ocsp_log *log = arg;
  log->server_calls++;
  *resp = (const unsigned char *)"hello";
  *resp_len = 5;
  return 0;
}

static int ocsp_client(tlswire_conn *conn, const unsigned char *resp,
                       size_t resp_len, void *arg) {
  (void)conn;
  struct ocsp_log *log = arg;
  log->client_calls++;
  log->client_len = resp != NULL ? resp_len : 0;
  return 1;
}

/* pyOpenSSL TestOCSP's first cases: the server callback runs only when the
 * client called request_ocsp, and its data arrives. _i: 0 without
 * request_ocsp, 1 with. */
START_TEST(request_ocsp_stapling) {
  struct ocsp_log log = {0};
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(
      tlswire_context_set_ocsp_server_callback(s, ocsp_server, &log),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_ocsp_client_callback(c, ocsp_client, &log),
      TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  if (_i)
    ck_assert_int_eq(tlswire_conn_request_ocsp(p.client), TLSWIRE_OK);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_int_eq(log.server_calls, _i ? 1 : 0);
  ck_assert_int_eq(log.client_calls, _i ? 1 : 0);
  ck_assert_uint_eq(log.client_len, _i ? 5 : 0);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* --- lists and certificates ----------------------------------------------- */

START_TEST(cipher_list) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  size_t n = tlswire_conn_get_cipher_list_count(conn);
  ck_assert_uint_gt(n, 10);
  int has13 = 0, has12 = 0;
  for (size_t i = 0; i < n; i++) {
    const char *name = tlswire_conn_get_cipher_list(conn, i);
    ck_assert_ptr_nonnull(name);
    ck_assert_uint_gt(strlen(name), 0);
    has13 |= strcmp(name, "TLS_AES_256_GCM_SHA384") == 0;
    has12 |= strcmp(name, "ECDHE-ECDSA-AES256-GCM-SHA384") == 0;
  }
  ck_assert(has13 && has12);
  ck_assert_ptr_null(tlswire_conn_get_cipher_list(conn, n));
  ck_assert_ptr_null(tlswire_conn_get_cipher_list(NULL, 0));
  ck_assert_uint_eq(tlswire_conn_get_cipher_list_count(NULL), 0);
  /* A narrower context list shows through. */
  tlswire_context *ctx;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_cipher_list(ctx, "ECDHE-RSA-AES128-GCM-SHA256"),
      TLSWIRE_OK);
  tlswire_conn *narrow;
  ck_assert_int_eq(tlswire_conn_new(&narrow, ctx, NULL), TLSWIRE_OK);
  ck_assert_uint_lt(tlswire_conn_get_cipher_list_count(narrow), n);
  tlswire_conn_free(narrow);
  tlswire_context_free(ctx);
  tlswire_conn_free(conn);
}
END_TEST

START_TEST(certificates_before_handshake) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  STACK_OF(X509) *sk = (STACK_OF(X509) *)1;
  ck_assert_ptr_null(tlswire_conn_get_certificate(conn));
  ck_assert_ptr_null(tlswire_conn_get_peer_certificate(conn));
  ck_assert_int_eq(tlswire_conn_get_peer_cert_chain(conn, &sk), TLSWIRE_OK);
  ck_assert_ptr_null(sk);
  sk = (STACK_OF(X509) *)1;
  ck_assert_int_eq(tlswire_conn_get_verified_chain(conn, &sk), TLSWIRE_OK);
  ck_assert_ptr_null(sk);
  ck_assert_int_eq(tlswire_conn_get_peer_cert_chain(conn, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_get_verified_chain(NULL, &sk),
                   TLSWIRE_E_INVALID);
  ck_assert_ptr_null(tlswire_conn_get_certificate(NULL));
  tlswire_conn_free(conn);
}
END_TEST

/* pyOpenSSL test_get_peer_cert_chain / test_get_verified_chain: the client
 * sees leaf + intermediate as sent, and leaf -> intermediate -> CA as
 * verified; the server, with no client certificate, sees none. */
START_TEST(peer_and_verified_chains) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_RSA2048, _i ? 0 : 0x303), 0);
  const tw_chain *chain = tw_fixture_chain(TW_KEY_RSA2048);
  STACK_OF(X509) *sent = NULL, *verified = NULL;
  ck_assert_int_eq(tlswire_conn_get_peer_cert_chain(p.client, &sent),
                   TLSWIRE_OK);
  ck_assert_int_eq(sk_X509_num(sent), 2);
  ck_assert_int_eq(X509_cmp(sk_X509_value(sent, 0), chain->leaf), 0);
  ck_assert_int_eq(X509_cmp(sk_X509_value(sent, 1), chain->intermediate), 0);
  ck_assert_int_eq(tlswire_conn_get_verified_chain(p.client, &verified),
                   TLSWIRE_OK);
  ck_assert_int_eq(sk_X509_num(verified), 3);
  ck_assert_int_eq(X509_cmp(sk_X509_value(verified, 2), chain->ca), 0);
  /* New references: they outlive the connection. */
  tw_pair_free(&p);
  ck_assert_int_eq(X509_cmp(sk_X509_value(sent, 0), chain->leaf), 0);
  sk_X509_pop_free(sent, X509_free);
  sk_X509_pop_free(verified, X509_free);
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_RSA2048, 0), 0);
  ck_assert_ptr_null(tlswire_conn_get_peer_certificate(p.server));
  sent = (STACK_OF(X509) *)1;
  ck_assert_int_eq(tlswire_conn_get_peer_cert_chain(p.server, &sent),
                   TLSWIRE_OK);
  ck_assert_ptr_null(sent);
  ck_assert_int_eq(tlswire_conn_get_verified_chain(p.server, &verified),
                   TLSWIRE_OK);
  ck_assert_ptr_null(verified);
  X509 *own = tlswire_conn_get_certificate(p.server);
  ck_assert_int_eq(X509_cmp(own, chain->leaf), 0);
  X509_free(own);
  ck_assert_ptr_null(tlswire_conn_get_certificate(p.client));
  tw_pair_free(&p);
}
END_TEST

/* --- ALPN, groups ----------------------------------------------------------
 */

static int alpn_select(tlswire_conn *conn, const tlswire_alpn_proto *offered,
                       size_t n_offered, tlswire_alpn_proto *selected,
                       void *arg) {
  (void)conn, (void)arg;
  /* Pick the second offer, to prove the order and framing arrived. */
  if (n_offered != 2)
    return -1;
  *selected = offered[1];
  return 0;
}

START_TEST(alpn_connection_level) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  if (_i == 0)
    ck_assert_int_eq(
        tlswire_context_set_alpn_select_callback(s, alpn_select, NULL),
        TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  const char *protos[] = {"http/1.1", "spdy/2"};
  ck_assert_int_eq(tlswire_conn_set_alpn_protos(p.client, protos, 2),
                   TLSWIRE_OK);
  const unsigned char *sel = (const unsigned char *)"x";
  size_t len = 9;
  ck_assert_int_eq(tlswire_conn_get_alpn_proto_negotiated(p.client, &sel, &len),
                   TLSWIRE_OK);
  ck_assert_uint_eq(len, 0);
  ck_assert_ptr_null(sel);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  for (int side = 0; side < 2; side++) {
    ck_assert_int_eq(tlswire_conn_get_alpn_proto_negotiated(
                         side ? p.server : p.client, &sel, &len),
                     TLSWIRE_OK);
    if (_i == 0) {
      ck_assert_uint_eq(len, 6);
      ck_assert_mem_eq(sel, "spdy/2", 6);
    } else {
      ck_assert_uint_eq(len, 0); /* no server ALPN: b"" */
    }
  }
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

START_TEST(alpn_bad_lists) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  const char *empty_name[] = {""};
  const char *null_name[] = {"h2", NULL};
  char big[300];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  const char *long_name[] = {big};
  ck_assert_int_eq(tlswire_conn_set_alpn_protos(conn, empty_name, 0),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_alpn_protos(conn, NULL, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_alpn_protos(conn, empty_name, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_alpn_protos(conn, null_name, 2),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_alpn_protos(conn, long_name, 1),
                   TLSWIRE_E_INVALID);
  const unsigned char *sel;
  size_t len;
  ck_assert_int_eq(tlswire_conn_get_alpn_proto_negotiated(conn, NULL, &len),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_get_alpn_proto_negotiated(NULL, &sel, &len),
                   TLSWIRE_E_INVALID);
  tlswire_conn_free(conn);
}
END_TEST

/* The group's TLS name on both sides, on every OpenSSL 3 (3.0 through
 * SSL_get_negotiated_group). _i: 0 TLS 1.3 default, 1 TLS 1.2 ECDHE, 2 the
 * server restricted to P-256, 3 TLS 1.2 RSA key exchange (no group). */
START_TEST(group_name) {
  static const char *want[] = {"x25519", "x25519", "secp256r1", NULL};
  tlswire_conn *fresh = cu_fresh(TLSWIRE_TLS_METHOD);
  const char *name = "x";
  ck_assert_int_eq(tlswire_conn_get_group_name(fresh, &name), TLSWIRE_OK);
  ck_assert_ptr_null(name); /* no session: None, and no crash */
  ck_assert_int_eq(tlswire_conn_get_group_name(fresh, NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_get_group_name(NULL, &name), TLSWIRE_E_INVALID);
  tlswire_conn_free(fresh);

  tw_key_type type = _i == 3 ? TW_KEY_RSA2048 : TW_KEY_EC_P256;
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, type);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, type);
  cu_pin(c, _i == 1 || _i == 3 ? TLS1_2_VERSION : 0);
  if (_i == 2)
    ck_assert_int_eq(tlswire_context_set_tmp_ecdh(s, "prime256v1"), TLSWIRE_OK);
  if (_i == 3)
    ck_assert_int_eq(tlswire_context_set_cipher_list(c, "AES128-GCM-SHA256"),
                     TLSWIRE_OK);
  tw_pair p;
  cu_connect(&p, c, s);
  for (int side = 0; side < 2; side++) {
    name = "x";
    ck_assert_int_eq(
        tlswire_conn_get_group_name(side ? p.server : p.client, &name),
        TLSWIRE_OK);
    if (want[_i] == NULL)
      ck_assert_ptr_null(name);
    else
      ck_assert_str_eq(name, want[_i]);
  }
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

START_TEST(srtp_profile_none_on_tls) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  ck_assert_str_eq(tlswire_conn_get_selected_srtp_profile(p.client), "");
  ck_assert_str_eq(tlswire_conn_get_selected_srtp_profile(NULL), "");
  tw_pair_free(&p);
}
END_TEST

/* The DTLS entry points on a TLS connection fail cleanly (pyOpenSSL's
 * get_cleartext_mtu segfaults there). */
START_TEST(dtls_calls_on_tls) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_conn_get_cleartext_mtu(conn), TLSWIRE_E_STATE);
  ck_assert_str_eq(tlswire_error_message(tlswire_conn_last_error(conn)),
                   "not a DTLS connection");
  ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(conn, 1000),
                   TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_DTLSv1_listen(conn), TLSWIRE_E_STATE);
  unsigned long long usec = 5;
  ck_assert_int_eq(tlswire_conn_DTLSv1_get_timeout(conn, &usec), 0);
  ck_assert_uint_eq(usec, 0);
  ck_assert_int_eq(tlswire_conn_DTLSv1_handle_timeout(conn), 0);
  ck_assert_int_eq(tlswire_conn_get_cleartext_mtu(NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_DTLSv1_get_timeout(conn, NULL),
                   TLSWIRE_E_INVALID);
  tlswire_conn_free(conn);
}
END_TEST

/* --- data variants ----------------------------------------------------------
 */

/* pyOpenSSL TestConnectionSend, memory mode: send/write accept data. */
START_TEST(write_and_read_aliases) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  size_t n = 0;
  ck_assert_int_eq(tlswire_conn_write(p.client, "xy", 2, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  tw_pump(p.client, p.server);
  char buf[8];
  ck_assert_int_eq(tlswire_conn_read(p.server, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_mem_eq(buf, "xy", 2);
  ck_assert_int_eq(tlswire_conn_write(p.client, "", 0, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_read(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  tw_pair_free(&p);
}
END_TEST

/* One send takes at most one record (pyOpenSSL test_outgoing_overflow). */
START_TEST(send_partial_one_record) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  static unsigned char big[1 << 16];
  size_t n = 0;
  ck_assert_int_eq(tlswire_conn_send(p.client, big, sizeof big, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 16384);
  tw_pair_free(&p);
}
END_TEST

/* len > INT_MAX: one record's worth accepted with TLSWIRE_OK, as any other
 * len (pyOpenSSL raises ValueError). The buffer is really that large:
 * reserved, never-written pages that read as zeros. */
START_TEST(send_more_than_int_max) {
  size_t len = (size_t)INT_MAX + 4096;
  void *big = mmap(NULL, len, PROT_READ,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ck_assert_ptr_ne(big, MAP_FAILED);
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  size_t n = 0;
  ck_assert_int_eq(tlswire_conn_send(p.client, big, len, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 16384);
  /* The record is larger than the server's input ring: pump, read, again. */
  static unsigned char got[16384], zeros[16384];
  size_t total = 0;
  for (int round = 0; round < 8 && total < sizeof got; round++) {
    size_t r = 0;
    tw_pump(p.client, p.server);
    int rc = tlswire_conn_recv(p.server, got + total, sizeof got - total, &r);
    ck_assert(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_READ);
    total += r;
  }
  ck_assert_uint_eq(total, 16384);
  ck_assert_mem_eq(got, zeros, total);
  tw_pair_free(&p);
  munmap(big, len);
}
END_TEST

static void sendall_and_check(tw_pair *p, size_t len) {
  unsigned char *out = malloc(len), *in = malloc(len);
  for (size_t i = 0; i < len; i++)
    out[i] = (unsigned char)(i * 7 + 3);
  size_t sent = 0, got = 0;
  ck_assert_int_eq(tlswire_conn_sendall(p->client, out, len, &sent),
                   TLSWIRE_OK);
  ck_assert_uint_eq(sent, len);
  while (got < len) {
    size_t n = 0;
    tw_pump(p->client, p->server);
    ck_assert_int_eq(tlswire_conn_recv(p->server, in + got, len - got, &n),
                     TLSWIRE_OK);
    got += n;
  }
  ck_assert_mem_eq(in, out, len);
  free(out);
  free(in);
}

/* pyOpenSSL TestConnectionSendall: short and long (32 KiB) data. In memory
 * mode the output ring must hold it all: 64 KiB instead of the default. */
START_TEST(sendall_short_and_long) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(tlswire_context_set_ring_capacity(cctx, 65536), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_ring_capacity(sctx, 65536), TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  sendall_and_check(&p, 1);
  sendall_and_check(&p, 32 * 1024);
  size_t sent = 7;
  ck_assert_int_eq(tlswire_conn_sendall(p.client, "x", 0, &sent),
                   TLSWIRE_E_INVALID);
  ck_assert_uint_eq(sent, 0);
  ck_assert_int_eq(tlswire_conn_sendall(p.client, "x", 1, NULL),
                   TLSWIRE_E_INVALID);
  tw_pair_free(&p);
}
END_TEST

/* Beyond pyOpenSSL #176: with a small output ring, sendall stops with
 * WANT_WRITE and reports how much it accepted; resuming from there delivers
 * every byte exactly once. */
START_TEST(sendall_reports_progress) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(tlswire_context_set_ring_capacity(c, 4096), TLSWIRE_OK);
  tw_pair p;
  cu_connect(&p, c, s);
  size_t len = 200000;
  unsigned char *out = malloc(len), *in = malloc(len);
  for (size_t i = 0; i < len; i++)
    out[i] = (unsigned char)(i ^ (i >> 9));
  size_t offset = 0, got = 0;
  int stops = 0;
  while (got < len) {
    size_t sent = 12345;
    if (offset < len) {
      int rc =
          tlswire_conn_sendall(p.client, out + offset, len - offset, &sent);
      ck_assert(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE);
      if (rc == TLSWIRE_E_WANT_WRITE) {
        stops++;
        ck_assert_uint_lt(sent, len - offset);
      } else {
        ck_assert_uint_eq(sent, len - offset);
      }
      offset += sent;
    }
    tw_pump(p.client, p.server);
    size_t n;
    while (tlswire_conn_recv(p.server, in + got, len - got, &n) == TLSWIRE_OK)
      got += n;
  }
  ck_assert_int_gt(stops, 1);
  ck_assert_mem_eq(in, out, len);
  free(out);
  free(in);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* Puts "hello" on its way to the server. */
static void hello_to_server(tw_pair *p) {
  ck_assert_int_eq(tw_pair_connected(p, TW_KEY_EC_P256, 0), 0);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p->client, "hello", 5, &n), TLSWIRE_OK);
  tw_pump(p->client, p->server);
}

/* pyOpenSSL test_peek / Appendix B: recv(2, MSG_PEEK) gives "he", pending()
 * is then 5, and a real recv still returns everything. */
START_TEST(recv_peek) {
  tw_pair p;
  hello_to_server(&p);
  char buf[16];
  size_t n = 0;
  ck_assert_int_eq(tlswire_conn_recv_peek(p.server, buf, 2, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_mem_eq(buf, "he", 2);
  ck_assert_int_eq(tlswire_conn_pending(p.server), 5);
  ck_assert_int_eq(tlswire_conn_recv_peek(p.server, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  ck_assert_mem_eq(buf, "hello", 5);
  ck_assert_int_eq(tlswire_conn_pending(p.server), 0);
  ck_assert_int_eq(tlswire_conn_recv_peek(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_recv_peek(p.server, buf, 0, &n),
                   TLSWIRE_E_INVALID);
  tw_pair_free(&p);
}
END_TEST

/* pyOpenSSL TestConnectionRecvInto: no length (whole buffer), an nbytes
 * bound, a too-large nbytes that must not overfill, MSG_PEEK. _i selects. */
START_TEST(recv_into) {
  tw_pair p;
  hello_to_server(&p);
  char buf[8];
  memset(buf, '#', sizeof buf);
  size_t n = 0;
  switch (_i) {
  case 0: /* nbytes 0: the whole buffer */
    ck_assert_int_eq(tlswire_conn_recv_into(p.server, buf, 5, 0, 0, &n),
                     TLSWIRE_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_mem_eq(buf, "hello###", 8);
    break;
  case 1: /* nbytes bounds the read */
    ck_assert_int_eq(
        tlswire_conn_recv_into(p.server, buf, sizeof buf, 3, 0, &n),
        TLSWIRE_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(buf, "hel#####", 8);
    ck_assert_int_eq(tlswire_conn_pending(p.server), 2);
    break;
  case 2: /* nbytes beyond the buffer is capped at it */
    ck_assert_int_eq(tlswire_conn_recv_into(p.server, buf, 2, 100, 0, &n),
                     TLSWIRE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_mem_eq(buf, "he######", 8);
    break;
  case 3: /* MSG_PEEK leaves the data */
    ck_assert_int_eq(tlswire_conn_recv_into(p.server, buf, sizeof buf, 0,
                                            TLSWIRE_MSG_PEEK, &n),
                     TLSWIRE_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(tlswire_conn_pending(p.server), 5);
    ck_assert_int_eq(
        tlswire_conn_recv_into(p.server, buf, sizeof buf, 0, 0, &n),
        TLSWIRE_OK);
    ck_assert_uint_eq(n, 5);
    break;
  default: /* unknown flags */
    ck_assert_int_eq(
        tlswire_conn_recv_into(p.server, buf, sizeof buf, 0, 0x40, &n),
        TLSWIRE_E_INVALID);
    ck_assert_int_eq(tlswire_conn_recv_into(p.server, buf, 0, 0, 0, &n),
                     TLSWIRE_E_INVALID);
    ck_assert_int_eq(tlswire_conn_pending(p.server), 0);
    break;
  }
  tw_pair_free(&p);
}
END_TEST

/* --- renegotiation -----------------------------------------------------------
 */

START_TEST(renegotiate_fresh) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_conn_total_renegotiations(conn), 0);
  ck_assert_int_eq(tlswire_conn_renegotiate_pending(conn), 0);
  ck_assert_int_eq(tlswire_conn_renegotiate(conn), 1); /* Appendix B */
  ck_assert_int_eq(tlswire_conn_renegotiate(NULL), TLSWIRE_E_INVALID);
  tlswire_conn_free(conn);
}
END_TEST

/* pyOpenSSL test_renegotiate: a full TLS 1.2 renegotiation. */
START_TEST(renegotiate_tls12) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_RSA2048, TLS1_2_VERSION), 0);
  cu_roundtrip(p.server, p.client, "hello world");
  ck_assert_int_eq(tlswire_conn_total_renegotiations(p.server), 0);
  ck_assert_int_eq(tlswire_conn_renegotiate_pending(p.server), 0);
  ck_assert_int_eq(tlswire_conn_renegotiate(p.server), 1);
  ck_assert_int_eq(tlswire_conn_renegotiate_pending(p.server), 1);
  ck_assert_int_eq(tlswire_conn_renegotiate(p.server), 0); /* already */
  char buf[16];
  size_t n;
  /* The server sends HelloRequest from do_handshake; from then on both
   * sides run the new handshake inside recv (no application data comes). */
  ck_assert_int_eq(tlswire_conn_do_handshake(p.server), TLSWIRE_OK);
  for (int round = 0; round < 50 && tlswire_conn_renegotiate_pending(p.server);
       round++) {
    tw_pump(p.client, p.server);
    ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                     TLSWIRE_E_WANT_READ);
    tw_pump(p.client, p.server);
    ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                     TLSWIRE_E_WANT_READ);
  }
  ck_assert_int_eq(tlswire_conn_renegotiate_pending(p.server), 0);
  ck_assert_int_eq(tlswire_conn_total_renegotiations(p.server), 1);
  cu_roundtrip(p.client, p.server, "after renegotiation");
  tw_pair_free(&p);
}
END_TEST

START_TEST(renegotiate_tls13_refused) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, TLS1_3_VERSION), 0);
  ck_assert_int_eq(tlswire_conn_renegotiate(p.client), TLSWIRE_E_SSL);
  ck_assert_str_eq(cu_reason(p.client), "wrong ssl version");
  ck_assert_uint_eq(ERR_peek_error(), 0);
  ck_assert_int_eq(tlswire_conn_renegotiate_pending(p.client), 0);
  tw_pair_free(&p);
}
END_TEST

/* --- state query
 * --------------------------------------------------------------- */

START_TEST(state_query) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
  /* A client must start; a server waits for input. */
  ck_assert_uint_eq(tlswire_conn_state(p.client), 0);
  ck_assert_uint_eq(tlswire_conn_state(p.server), TLSWIRE_STATE_NEEDS_INPUT);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  ck_assert_uint_eq(tlswire_conn_state(p.client),
                    TLSWIRE_STATE_NEEDS_INPUT | TLSWIRE_STATE_HAS_OUTPUT);
  /* Level-triggered: asking again changes nothing. */
  ck_assert_uint_eq(tlswire_conn_state(p.client),
                    TLSWIRE_STATE_NEEDS_INPUT | TLSWIRE_STATE_HAS_OUTPUT);
  tw_pump(p.client, p.server);
  ck_assert_uint_eq(tlswire_conn_state(p.client), TLSWIRE_STATE_NEEDS_INPUT);
  ck_assert_uint_eq(tlswire_conn_state(p.server), 0); /* input waiting */
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  cu_read_tickets(p.client);
  ck_assert_uint_eq(tlswire_conn_state(p.client), TLSWIRE_STATE_NEEDS_INPUT);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "hello", 5, &n), TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_conn_state(p.server),
                    TLSWIRE_STATE_NEEDS_INPUT | TLSWIRE_STATE_HAS_OUTPUT);
  tw_pump(p.client, p.server);
  ck_assert_uint_eq(tlswire_conn_state(p.client), 0);
  char buf[8];
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, 2, &n), TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_conn_state(p.client), TLSWIRE_STATE_HAS_PLAINTEXT);
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_conn_state(p.client), TLSWIRE_STATE_NEEDS_INPUT);
  /* close_notify received: CLOSED. */
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), 0);
  tw_pump(p.client, p.server);
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_ZERO_RETURN);
  ck_assert_uint_eq(tlswire_conn_state(p.client), TLSWIRE_STATE_CLOSED);
  ck_assert_uint_eq(tlswire_conn_state(NULL), 0);
  tw_pair_free(&p);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* CLOSED also after a truncated input and after a fatal error. */
START_TEST(state_closed_other_ways) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  cu_read_tickets(p.client);
  size_t n;
  ck_assert_int_eq(tlswire_conn_bio_shutdown(p.client), TLSWIRE_OK);
  ck_assert(tlswire_conn_state(p.client) & TLSWIRE_STATE_CLOSED);
  ck_assert(!(tlswire_conn_state(p.client) & TLSWIRE_STATE_NEEDS_INPUT));
  static const unsigned char garbage[] = "\x17\x03\x03\x00\x10 not a record!!!";
  ck_assert_int_eq(
      tlswire_conn_bio_write(p.server, garbage, sizeof garbage - 1, &n),
      TLSWIRE_OK);
  ck_assert(!(tlswire_conn_state(p.server) & TLSWIRE_STATE_CLOSED));
  char buf[8];
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_SSL);
  ck_assert(tlswire_conn_state(p.server) & TLSWIRE_STATE_CLOSED);
  tw_pair_free(&p);
}
END_TEST

/* pyOpenSSL TestError: the generic error has its own name and message. */
START_TEST(error_names) {
  ck_assert_str_eq(tlswire_status_name(TLSWIRE_E_SSL), "TLSWIRE_E_SSL");
  ck_assert_str_eq(tlswire_strerror(TLSWIRE_E_SSL),
                   "TLS protocol or library error");
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("conn_api");
  TW_ADD(s, get_set_context);
  TW_ADD(s, set_options_connection_only);
  TW_ADD(s, servername_roundtrip);
  TW_ADD(s, servername_rejects_bad_names);
  TW_ADD(s, set_verify_overrides_context);
  TCase *tc = tcase_create("verify_hostname");
  tcase_add_loop_test(tc, verify_hostname, 0, 3);
  suite_add_tcase(s, tc);
  TW_ADD(s, use_certificate_and_key);
  TW_ADD(s, use_privatekey_mismatch);
  TW_ADD(s, use_certificate_empty);
  TW_ADD(s, app_data);
  TW_ADD(s, info_callback);
  TW_ADD(s, request_ocsp);
  tc = tcase_create("request_ocsp_stapling");
  tcase_add_loop_test(tc, request_ocsp_stapling, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, set_context_from_sni_callback);
  TW_ADD(s, set_context_keeps_verify);
  TW_ADD(s, cipher_list);
  TW_ADD(s, certificates_before_handshake);
  tc = tcase_create("peer_and_verified_chains");
  tcase_add_loop_test(tc, peer_and_verified_chains, 0, 2);
  suite_add_tcase(s, tc);
  tc = tcase_create("alpn_connection_level");
  tcase_add_loop_test(tc, alpn_connection_level, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, alpn_bad_lists);
  tc = tcase_create("group_name");
  tcase_add_loop_test(tc, group_name, 0, 4);
  suite_add_tcase(s, tc);
  TW_ADD(s, srtp_profile_none_on_tls);
  TW_ADD(s, dtls_calls_on_tls);
  TW_ADD(s, write_and_read_aliases);
  TW_ADD(s, send_partial_one_record);
  TW_ADD(s, send_more_than_int_max);
  TW_ADD(s, sendall_short_and_long);
  TW_ADD(s, sendall_reports_progress);
  TW_ADD(s, recv_peek);
  tc = tcase_create("recv_into");
  tcase_add_loop_test(tc, recv_into, 0, 5);
  suite_add_tcase(s, tc);
  TW_ADD(s, renegotiate_fresh);
  TW_ADD(s, renegotiate_tls12);
  TW_ADD(s, renegotiate_tls13_refused);
  TW_ADD(s, state_query);
  TW_ADD(s, state_closed_other_ways);
  TW_ADD(s, error_names);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
