/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session.c - tlswire_session: saved sessions pinned to their context,
 * resumption, serialization, and keeping sessions resumable on free.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "conn.h"
#include "context.h"
#include "safety.h"

struct tlswire_session {
  SSL_SESSION *sess;
  tlswire_context *ctx; /* pinned: set_session compares it by identity */
};

/* Takes ownership of sess (one reference) and a reference on ctx. */
static int session_wrap(tlswire_session **out, SSL_SESSION *sess,
                        tlswire_context *ctx) {
  tlswire_session *s = OPENSSL_zalloc(sizeof *s);
  if (s == NULL) {
    SSL_SESSION_free(sess);
    return TLSWIRE_E_NOMEM;
  }
  s->sess = sess;
  s->ctx = ctx;
  tlswire_context_ref(ctx);
  *out = s;
  return TLSWIRE_OK;
}

void tlswire_session_free(tlswire_session *session) {
  if (session == NULL)
    return;
  SSL_SESSION_free(session->sess);
  tlswire_context_free(session->ctx);
  OPENSSL_free(session);
}

tlswire_context *tlswire_session_get_context(const tlswire_session *session) {
  return session ? session->ctx : NULL;
}

int tlswire_session_is_resumable(const tlswire_session *session) {
  return session ? SSL_SESSION_is_resumable(session->sess) : 0;
}

int tlswire_conn_get_session(const tlswire_conn *conn, tlswire_session **out) {
  TW_GUARD(out != NULL, TLSWIRE_E_INVALID);
  *out = NULL;
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  SSL_SESSION *sess = SSL_get1_session(conn->ssl);
  if (sess == NULL)
    return TLSWIRE_OK;
  return session_wrap(out, sess, conn->ctx);
}

int tlswire_conn_set_session(tlswire_conn *conn, tlswire_session *session) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(session != NULL, &conn->err, "session is NULL");
  TW_GUARD_ARG(session->ctx == conn->ctx, &conn->err,
               "Session and Connection must share the same Context");
  tlswire_error_clear_queue();
  TW_GUARD_OSSL(SSL_set_session(conn->ssl, session->sess), &conn->err);
  return TLSWIRE_OK;
}

int tlswire_conn_session_reused(const tlswire_conn *conn) {
  return conn ? SSL_session_reused(conn->ssl) : 0;
}

int tlswire_session_to_bytes(const tlswire_session *session, void *buf,
                             size_t len, size_t *size) {
  TW_GUARD(session != NULL && size != NULL, TLSWIRE_E_INVALID);
  *size = 0;
  TW_GUARD(buf != NULL || len == 0, TLSWIRE_E_INVALID);
  unsigned char *der = NULL;
  int n = i2d_SSL_SESSION(session->sess, &der);
  if (n <= 0) {
    tlswire_error_clear_queue();
    return TLSWIRE_E_SSL;
  }
  *size = (size_t)n;
  if (len > 0)
    memcpy(buf, der, *size < len ? *size : len);
  OPENSSL_clear_free(der, (size_t)n);
  return TLSWIRE_OK;
}

/* ctx may be frozen and shared by several threads: failures go to the
 * calling thread's record, never to ctx. */
int tlswire_session_from_bytes(tlswire_session **out, tlswire_context *ctx,
                               const void *buf, size_t len) {
  struct tlswire_error *rec = tlswire_error_thread();
  TW_GUARD_ARG(out != NULL, rec, "out is NULL");
  *out = NULL;
  TW_GUARD_ARG(ctx != NULL, rec, "ctx is NULL");
  TW_GUARD_ARG(buf != NULL && len > 0, rec, "session bytes are NULL or empty");
  TW_GUARD_ARG(len <= LONG_MAX, rec, "session bytes too large");
  const unsigned char *p = buf;
  SSL_SESSION *sess = d2i_SSL_SESSION(NULL, &p, (long)len);
  if (sess == NULL)
    return tlswire_error_from_queue(rec, TLSWIRE_E_SSL);
  if ((size_t)(p - (const unsigned char *)buf) != len) {
    SSL_SESSION_free(sess);
    return tlswire_error_set(rec, TLSWIRE_E_INVALID,
                             "trailing bytes after the session");
  }
  if (session_wrap(out, sess, ctx) != TLSWIRE_OK)
    return tlswire_error_set(rec, TLSWIRE_E_NOMEM, "out of memory");
  return TLSWIRE_OK;
}
