/* SPDX-License-Identifier: Apache-2.0 */
/*
 * callbacks.c - the callback setters of tlswire_context and the trampolines
 * libssl calls: each finds the tlswire_conn (and its context) for the SSL,
 * calls the user's function with its arg, and turns a reported failure into
 * a pending failure the triggering call returns as TLSWIRE_E_CALLBACK.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "callbacks.h"
#include "conn.h"
#include "context.h"
#include "safety.h"

/* --- passphrase ------------------------------------------------------------
 */

int tlswire_context_set_passwd_cb(tlswire_context *ctx, tlswire_passwd_cb cb,
                                  void *arg) {
  CTX_MUTABLE(ctx);
  ctx->cbs.pw.cb = cb;
  ctx->cbs.pw.arg = cb ? arg : NULL;
  return TLSWIRE_OK;
}

/* --- verification ----------------------------------------------------------
 */

int tlswire_context_verify_trampoline(int preverify_ok, X509_STORE_CTX *store) {
  SSL *ssl =
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  tlswire_conn *conn = tlswire_conn_from_ssl(ssl);
  tlswire_verify_cb cb = NULL;
  void *arg = NULL;
  tlswire_conn_verify_callback(conn, &cb, &arg);
  if (cb == NULL)
    return preverify_ok;
  int ok = cb(conn, X509_STORE_CTX_get_current_cert(store),
              X509_STORE_CTX_get_error(store),
              X509_STORE_CTX_get_error_depth(store), preverify_ok, arg);
  if (ok) {
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
  }
  return 0;
}

int tlswire_context_set_verify(tlswire_context *ctx, int mode,
                               tlswire_verify_cb cb, void *arg) {
  CTX_MUTABLE(ctx);
  int known = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT |
              SSL_VERIFY_CLIENT_ONCE | SSL_VERIFY_POST_HANDSHAKE;
  TW_GUARD_ARG((mode & ~known) == 0, &ctx->err, "unknown verify mode bits");
  ctx->verify_cb = cb;
  ctx->verify_arg = arg;
  SSL_CTX_set_verify(ctx->ssl_ctx, mode,
                     cb ? tlswire_context_verify_trampoline : NULL);
  return TLSWIRE_OK;
}

/* --- info and keylog --------------------------------------------------------
 */

static void info_trampoline(const SSL *ssl, int where, int ret) {
  tlswire_conn *conn = tlswire_conn_from_ssl(ssl);
  tlswire_context *ctx = tlswire_context_of_ssl(ssl);
  if (conn != NULL && ctx != NULL && ctx->cbs.info != NULL)
    ctx->cbs.info(conn, where, ret, ctx->cbs.info_arg);
}

int tlswire_context_set_info_callback(tlswire_context *ctx, tlswire_info_cb cb,
                                      void *arg) {
  CTX_MUTABLE(ctx);
  ctx->cbs.info = cb;
  ctx->cbs.info_arg = cb ? arg : NULL;
  SSL_CTX_set_info_callback(ctx->ssl_ctx, cb ? info_trampoline : NULL);
  return TLSWIRE_OK;
}

static void keylog_trampoline(const SSL *ssl, const char *line) {
  tlswire_conn *conn = tlswire_conn_from_ssl(ssl);
  tlswire_context *ctx = tlswire_context_of_ssl(ssl);
  if (conn != NULL && ctx != NULL && ctx->cbs.keylog != NULL)
    ctx->cbs.keylog(conn, line, ctx->cbs.keylog_arg);
}

int tlswire_context_set_keylog_callback(tlswire_context *ctx,
                                        tlswire_keylog_cb cb, void *arg) {
  CTX_MUTABLE(ctx);
  ctx->cbs.keylog = cb;
  ctx->cbs.keylog_arg = cb ? arg : NULL;
  SSL_CTX_set_keylog_callback(ctx->ssl_ctx, cb ? keylog_trampoline : NULL);
  return TLSWIRE_OK;
}

/* --- SNI ------------------------------------------------------------------ */

/* A failing SNI callback aborts the handshake with libssl's preset alert
 * (unrecognized_name), as pyOpenSSL 26 does since CVE-2026-27448. */
static int servername_trampoline(SSL *ssl, int *alert, void *unused) {
  (void)alert;
  (void)unused;
  tlswire_conn *conn = tlswire_conn_from_ssl(ssl);
  tlswire_context *ctx = tlswire_context_of_ssl(ssl);
  if (conn == NULL || ctx == NULL || ctx->cbs.servername == NULL)
    return SSL_TLSEXT_ERR_OK;
  int rc = ctx->cbs.servername(conn, ctx->cbs.servername_arg);
  if (rc == 0)
    return SSL_TLSEXT_ERR_OK;
  tlswire_cb_pending_set(conn, TLSWIRE_E_CALLBACK, rc, "servername");
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

int tlswire_context_set_tlsext_servername_callback(tlswire_context *ctx,
                                                   tlswire_servername_cb cb,
                                                   void *arg) {
  CTX_MUTABLE(ctx);
  ctx->cbs.servername = cb;
  ctx->cbs.servername_arg = cb ? arg : NULL;
  int (*tramp)(SSL *, int *, void *) = cb ? servername_trampoline : NULL;
  SSL_CTX_set_tlsext_servername_callback(ctx->ssl_ctx, tramp);
  return TLSWIRE_OK;
}

/* --- ALPN ------------------------------------------------------------------
 */

/* Splits the ClientHello's list (libssl has checked its framing: every
 * name is 1..255 bytes and they fill inlen exactly) into an array. */
static tlswire_alpn_proto *alpn_split(const unsigned char *in,
                                      unsigned int inlen, size_t *n) {
  size_t count = 0;
  for (unsigned int i = 0; i < inlen; i += 1u + in[i])
    count++;
  tlswire_alpn_proto *list =
      OPENSSL_zalloc((count ? count : 1) * sizeof *list);
  if (list == NULL)
    return NULL;
  size_t k = 0;
  for (unsigned int i = 0; i < inlen; i += 1u + in[i], k++) {
    list[k].len = in[i];
    list[k].data = in + i + 1;
  }
  *n = k;
  return list;
}

/* The callback's choice as libssl's return code. */
static int alpn_outcome(tlswire_conn *conn, int rc,
                        const tlswire_alpn_proto *sel,
                        const unsigned char **out, unsigned char *outlen) {
  if (rc == TLSWIRE_NO_OVERLAPPING_PROTOCOLS)
    return SSL_TLSEXT_ERR_NOACK;
  if (rc != 0) {
    tlswire_cb_pending_set(conn, TLSWIRE_E_CALLBACK, rc, "ALPN select");
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  if (sel->data == NULL || sel->len == 0 || sel->len > 255)
    return SSL_TLSEXT_ERR_ALERT_FATAL; /* libssl: "no application protocol" */
  *out = sel->data;
  *outlen = (unsigned char)sel->len;
  return SSL_TLSEXT_ERR_OK;
}

static int alpn_trampoline(SSL *ssl, const unsigned char **out,
                           unsigned char *outlen, const unsigned char *in,
                           unsigned int inlen, void *unused) {
  (void)unused;
  tlswire_conn *conn = tlswire_conn_from_ssl(ssl);
  tlswire_context *ctx = tlswire_context_of_ssl(ssl);
  if (conn == NULL || ctx == NULL || ctx->cbs.alpn_select == NULL)
    return SSL_TLSEXT_ERR_NOACK;
  size_t n = 0;
  tlswire_alpn_proto *offered = alpn_split(in, inlen, &n);
  if (offered == NULL) {
    tlswire_cb_pending_set(conn, TLSWIRE_E_NOMEM, 0, "out of memory");
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  tlswire_alpn_proto sel = {NULL, 0};
  int rc =
      ctx->cbs.alpn_select(conn, offered, n, &sel, ctx->cbs.alpn_select_arg);
  OPENSSL_free(offered);
  return alpn_outcome(conn, rc, &sel, out, outlen);
}

int tlswire_context_set_alpn_select_callback(tlswire_context *ctx,
                                             tlswire_alpn_select_cb cb,
                                             void *arg) {
  CTX_MUTABLE(ctx);
  ctx->cbs.alpn_select = cb;
  ctx->cbs.alpn_select_arg = cb ? arg : NULL;
  SSL_CTX_set_alpn_select_cb(ctx->ssl_ctx, cb ? alpn_trampoline : NULL, NULL);
  return TLSWIRE_OK;
}

/* --- OCSP: one libssl slot shared by the server and the client callback ----
 */

static int ocsp_server(tlswire_conn *conn, tlswire_context *ctx) {
  const unsigned char *resp = NULL;
  size_t len = 0;
  int rc = ctx->cbs.ocsp_server(conn, &resp, &len, ctx->cbs.ocsp_arg);
  if (rc != 0) {
    tlswire_cb_pending_set(conn, TLSWIRE_E_CALLBACK, rc, "OCSP server");
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  if (resp == NULL || len == 0 || len > LONG_MAX)
    return SSL_TLSEXT_ERR_NOACK;
  unsigned char *copy = OPENSSL_memdup(resp, len);
  if (copy == NULL ||
      !SSL_set_tlsext_status_ocsp_resp(conn->ssl, copy, (long)len)) {
    OPENSSL_free(copy);
    tlswire_cb_pending_set(conn, TLSWIRE_E_NOMEM, 0, "out of memory");
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK; /* libssl owns copy now */
}

static int ocsp_client(tlswire_conn *conn, tlswire_context *ctx) {
  const unsigned char *resp = NULL;
  long len = SSL_get_tlsext_status_ocsp_resp(conn->ssl, &resp);
  if (len <= 0 || resp == NULL) {
    resp = NULL;
    len = 0;
  }
  int rc = ctx->cbs.ocsp_client(conn, resp, (size_t)len, ctx->cbs.ocsp_arg);
  if (rc >= 0)
    return rc > 0 ? 1 : 0;
  tlswire_cb_pending_set(conn, TLSWIRE_E_CALLBACK, rc, "OCSP client");
  return -1;
}

static int ocsp_trampoline(SSL *ssl, void *unused) {
  (void)unused;
  tlswire_conn *conn = tlswire_conn_from_ssl(ssl);
  tlswire_context *ctx = tlswire_context_of_ssl(ssl);
  /* Installed only by a context with an OCSP callback: if that context or
   * the connection cannot be found, the client's check cannot run, and an
   * unchecked status must not pass for an accepted one. */
  if (conn == NULL || ctx == NULL)
    return SSL_is_server(ssl) ? SSL_TLSEXT_ERR_NOACK : 0;
  switch (ctx->cbs.ocsp_role) {
  case TW_OCSP_SERVER:
    return SSL_is_server(ssl) ? ocsp_server(conn, ctx) : 1;
  case TW_OCSP_CLIENT:
    return SSL_is_server(ssl) ? SSL_TLSEXT_ERR_NOACK : ocsp_client(conn, ctx);
  case TW_OCSP_NONE:
  default:
    return SSL_is_server(ssl) ? SSL_TLSEXT_ERR_NOACK : 1;
  }
}

/* Fills the shared slot: role NONE clears it. */
static void ocsp_install(tlswire_context *ctx, enum tlswire_ocsp_role role,
                         tlswire_ocsp_server_cb server,
                         tlswire_ocsp_client_cb client, void *arg) {
  ctx->cbs.ocsp_role = role;
  ctx->cbs.ocsp_server = server;
  ctx->cbs.ocsp_client = client;
  ctx->cbs.ocsp_arg = role == TW_OCSP_NONE ? NULL : arg;
  int (*tramp)(SSL *, void *) = role == TW_OCSP_NONE ? NULL : ocsp_trampoline;
  SSL_CTX_set_tlsext_status_cb(ctx->ssl_ctx, tramp);
}

int tlswire_context_set_ocsp_server_callback(tlswire_context *ctx,
                                             tlswire_ocsp_server_cb cb,
                                             void *arg) {
  CTX_MUTABLE(ctx);
  ocsp_install(ctx, cb ? TW_OCSP_SERVER : TW_OCSP_NONE, cb, NULL, arg);
  return TLSWIRE_OK;
}

int tlswire_context_set_ocsp_client_callback(tlswire_context *ctx,
                                             tlswire_ocsp_client_cb cb,
                                             void *arg) {
  CTX_MUTABLE(ctx);
  ocsp_install(ctx, cb ? TW_OCSP_CLIENT : TW_OCSP_NONE, NULL, cb, arg);
  return TLSWIRE_OK;
}

/* --- DTLS cookies -----------------------------------------------------------
 */

int tlswire_cb_cookie_generate(SSL *ssl, unsigned char *cookie,
                               unsigned int *len) {
  tlswire_conn *conn = tlswire_conn_from_ssl(ssl);
  tlswire_context *ctx = tlswire_context_of_ssl(ssl);
  if (conn == NULL || ctx == NULL || ctx->cbs.cookie_generate == NULL)
    return 0;
  const unsigned char *out = NULL;
  size_t out_len = 0;
  int rc = ctx->cbs.cookie_generate(conn, &out, &out_len,
                                    ctx->cbs.cookie_generate_arg);
  if (rc != 0) {
    tlswire_cb_pending_set(conn, TLSWIRE_E_CALLBACK, rc, "cookie generate");
    return 0;
  }
  if (out_len > TLSWIRE_COOKIE_MAX_LENGTH || (out == NULL && out_len > 0)) {
    tlswire_cb_pending_set(conn, TLSWIRE_E_INVALID, 0,
                           "Cookie too long (more than 255 bytes)");
    return 0;
  }
  if (out_len > 0)
    memcpy(cookie, out, out_len);
  *len = (unsigned int)out_len;
  return 1;
}

int tlswire_cb_cookie_verify(SSL *ssl, const unsigned char *cookie,
                             unsigned int len) {
  tlswire_conn *conn = tlswire_conn_from_ssl(ssl);
  tlswire_context *ctx = tlswire_context_of_ssl(ssl);
  if (conn == NULL || ctx == NULL || ctx->cbs.cookie_verify == NULL)
    return 0;
  int rc =
      ctx->cbs.cookie_verify(conn, cookie, len, ctx->cbs.cookie_verify_arg);
  if (rc >= 0)
    return rc > 0 ? 1 : 0;
  tlswire_cb_pending_set(conn, TLSWIRE_E_CALLBACK, rc, "cookie verify");
  return 0;
}

int tlswire_context_set_cookie_generate_callback(tlswire_context *ctx,
                                                 tlswire_cookie_generate_cb cb,
                                                 void *arg) {
  CTX_MUTABLE(ctx);
  ctx->cbs.cookie_generate = cb;
  ctx->cbs.cookie_generate_arg = cb ? arg : NULL;
  SSL_CTX_set_cookie_generate_cb(ctx->ssl_ctx,
                                 cb ? tlswire_cb_cookie_generate : NULL);
  return TLSWIRE_OK;
}

int tlswire_context_set_cookie_verify_callback(tlswire_context *ctx,
                                               tlswire_cookie_verify_cb cb,
                                               void *arg) {
  CTX_MUTABLE(ctx);
  ctx->cbs.cookie_verify = cb;
  ctx->cbs.cookie_verify_arg = cb ? arg : NULL;
  SSL_CTX_set_cookie_verify_cb(ctx->ssl_ctx,
                               cb ? tlswire_cb_cookie_verify : NULL);
  return TLSWIRE_OK;
}
