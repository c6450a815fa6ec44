/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.c - tlswire_conn: lifetime, role, the connection behind an SSL, the
 * pending callback failure, ring storage, and plain getters. The libssl I/O
 * calls are driver.c's.
 */
#include <string.h>

#include <openssl/err.h>

#include "conn.h"
#include "context.h"
#include "dtls_link.h"
#include "safety.h"
#include "transport.h"

/* The SSL ex_data slot that points back at the connection. Claimed on first
 * use; a failed claim is retried by the next caller, and racing claimants
 * settle on one slot through compare-and-swap. */
static int conn_ex_index = -1;

static int conn_ex_index_get(void) {
  int idx = __atomic_load_n(&conn_ex_index, __ATOMIC_ACQUIRE);
  if (idx >= 0)
    return idx;
  int mine = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  if (mine < 0)
    return -1;
  int expected = -1;
  if (__atomic_compare_exchange_n(&conn_ex_index, &expected, mine, 0,
                                  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return mine;
  CRYPTO_free_ex_index(CRYPTO_EX_INDEX_SSL, mine);
  return expected;
}

tlswire_conn *tlswire_conn_from_ssl(const SSL *ssl) {
  int idx = __atomic_load_n(&conn_ex_index, __ATOMIC_ACQUIRE);
  return ssl && idx >= 0 ? SSL_get_ex_data(ssl, idx) : NULL;
}

void tlswire_conn_verify_callback(const tlswire_conn *conn,
                                  tlswire_verify_cb *cb, void **arg) {
  if (conn == NULL)
    return;
  *cb = conn->verify_overridden ? conn->verify_cb : conn->ctx->verify_cb;
  *arg = conn->verify_overridden ? conn->verify_arg : conn->ctx->verify_arg;
}

/* libssl discards the session of a connection freed without SENT_SHUTDOWN
 * (ssl_clear_bad_session). A connection whose handshake completed and that
 * has seen no fatal error (which puts libssl back "in init" and already
 * invalidates the session) ended cleanly enough to resume. */
static void keep_session(tlswire_conn *conn) {
  if (SSL_is_init_finished(conn->ssl))
    SSL_set_shutdown(conn->ssl,
                     SSL_get_shutdown(conn->ssl) | SSL_SENT_SHUTDOWN);
}

/* --- lifetime ------------------------------------------------------------- */

/* Memory mode: two rings; bound: the output ring. Rings take storage on
 * first use and give it back whenever they are empty at the end of a call
 * (tlswire_conn_release_idle), through the context's pool, so an idle
 * connection holds none and a busy one does not call malloc. The output
 * ring's storage is one record as libssl builds it (or the capacity if
 * larger): a write starts only with a whole record's room free. */
static int conn_io_init(tlswire_conn *conn, tlswire_context *ctx,
                        tlswire_transport *t) {
  size_t capacity = ctx->ring_capacity;
  size_t size = tlswire_bio_ring_size(capacity);
  if (t != NULL) {
    t->caps = tlswire_transport_caps(t); /* asked once, at bind */
    int rc = tlswire_bound_new(&conn->bound, t, capacity, size);
    if (rc == TLSWIRE_OK)
      tlswire_ring_use_pool(&conn->bound->out, &ctx->pool);
    return rc;
  }
  if (tlswire_ring_init(&conn->mem.in, tlswire_bio_in_limit(capacity),
                        size) != 0 ||
      tlswire_ring_init(&conn->mem.out, capacity, size) != 0)
    return TLSWIRE_E_INVALID;
  tlswire_ring_use_pool(&conn->mem.in, &ctx->pool);
  tlswire_ring_use_pool(&conn->mem.out, &ctx->pool);
  return TLSWIRE_OK;
}

/* Creates the SSL and its BIO (memory or bound, chosen here once);
 * failures are recorded in the thread's record (ctx may be shared by
 * several threads: it is never written). */
static int conn_ssl_init(tlswire_conn *conn, tlswire_context *ctx) {
  conn->ssl = SSL_new(ctx->ssl_ctx);
  if (conn->ssl == NULL)
    return tlswire_error_from_queue(tlswire_error_thread(), TLSWIRE_E_SSL);
  BIO *bio = conn->bound ? tlswire_bound_bio_new(conn->bound)
                         : tlswire_bio_mem_new(&conn->mem);
  if (bio == NULL) {
    SSL_free(conn->ssl);
    conn->ssl = NULL;
    return tlswire_error_from_queue(tlswire_error_thread(), TLSWIRE_E_NOMEM);
  }
  SSL_set_bio(conn->ssl, bio, bio); /* one reference, shared by both sides */
  if (!SSL_set_ex_data(conn->ssl, conn_ex_index_get(), conn)) {
    SSL_free(conn->ssl); /* frees the BIO too */
    conn->ssl = NULL;
    return tlswire_error_from_queue(tlswire_error_thread(), TLSWIRE_E_NOMEM);
  }
  SSL_set_mode(conn->ssl, SSL_MODE_AUTO_RETRY);
  return TLSWIRE_OK;
}

static void conn_io_free(tlswire_conn *conn) {
  tlswire_bound_free(conn->bound);
  conn->bound = NULL;
  tlswire_ring_free(&conn->mem.in);
  tlswire_ring_free(&conn->mem.out);
}

/* A failed tlswire_conn_new frees the transport it was given, unless it
 * belongs to another connection. */
static void drop_transport(tlswire_transport *t) {
  if (t != NULL && !t->bound)
    tlswire_transport_free(t);
}

static int io_init_failed(struct tlswire_error *rec, int rc) {
  if (rc == TLSWIRE_E_NOMEM)
    return tlswire_error_set(rec, rc, "out of memory");
  if (rc == TLSWIRE_E_INVALID)
    return tlswire_error_set(rec, rc, "ring capacity out of range");
  return rc;
}

/* A DTLS connection needs a datagram transport, a TLS one a stream: a
 * record layer over the wrong kind splits or merges datagrams. */
static int transport_fits(tlswire_conn *conn) {
  if (conn->bound == NULL)
    return TLSWIRE_OK;
  int dtls = SSL_is_dtls(conn->ssl) != 0;
  if (dtls == tlswire_bound_datagram(conn->bound)) {
    tlswire_dtls_bind(tlswire_conn_transport(conn), conn->ssl);
    return TLSWIRE_OK;
  }
  return tlswire_error_set(
      tlswire_error_thread(), TLSWIRE_E_INVALID,
      dtls ? "a DTLS context needs a datagram transport "
             "(TLSWIRE_TRANSPORT_CAP_DATAGRAM)"
           : "a TLS context needs a stream transport, not a datagram one");
}

/* The transport t is the connection's from the start: freed on failure,
 * unless it belongs to another connection. Failures are recorded in the
 * thread's record. */
static int conn_create(tlswire_conn **out, tlswire_context *ctx,
                       tlswire_transport *t) {
  struct tlswire_error *rec = tlswire_error_thread();
  if (t != NULL && t->bound) /* another connection's: left alone */
    return tlswire_error_set(rec, TLSWIRE_E_INVALID,
                             "transport already bound to another connection");
  if (conn_ex_index_get() < 0) {
    drop_transport(t);
    return tlswire_error_from_queue(rec, TLSWIRE_E_NOMEM);
  }
  tlswire_conn *conn = OPENSSL_zalloc(sizeof *conn);
  if (conn == NULL) {
    drop_transport(t);
    return io_init_failed(rec, TLSWIRE_E_NOMEM);
  }
  int rc = conn_io_init(conn, ctx, t);
  if (rc != TLSWIRE_OK)
    goto fail_io;
  rc = conn_ssl_init(conn, ctx);
  if (rc != TLSWIRE_OK)
    goto fail_ssl;
  rc = transport_fits(conn);
  if (rc != TLSWIRE_OK)
    goto fail_fit;
  tlswire_context_ref(ctx);
  tlswire_context_freeze(ctx);
  conn->ctx = ctx;
  *out = conn;
  return TLSWIRE_OK;

fail_fit:
  SSL_free(conn->ssl); /* and its BIO; the bound state frees t */
fail_ssl:
  conn_io_free(conn);
  tlswire_error_release(&conn->err);
  OPENSSL_free(conn);
  return rc;
fail_io:
  if (conn->bound == NULL)
    drop_transport(t);
  conn_io_free(conn);
  tlswire_error_release(&conn->err);
  OPENSSL_free(conn);
  return io_init_failed(rec, rc);
}

int tlswire_conn_new(tlswire_conn **out, tlswire_context *ctx,
                     tlswire_transport *t) {
  if (out != NULL)
    *out = NULL;
  if (out == NULL || ctx == NULL) {
    drop_transport(t);
    return tlswire_error_set(tlswire_error_thread(), TLSWIRE_E_INVALID,
                             out == NULL ? "out is NULL" : "ctx is NULL");
  }
  return conn_create(out, ctx, t);
}

void tlswire_conn_free(tlswire_conn *conn) {
  if (conn == NULL)
    return;
  keep_session(conn);
  SSL_free(conn->ssl);
  conn_io_free(conn);
  tlswire_error_release(&conn->err);
  tlswire_context_free(conn->ctx); /* after the rings: it owns their pool */
  OPENSSL_free(conn);
}

tlswire_transport *tlswire_conn_transport(const tlswire_conn *conn) {
  return conn != NULL && conn->bound != NULL ? conn->bound->transport : NULL;
}

int tlswire_conn_closing(const tlswire_conn *conn) {
  return conn->close.step != TLSWIRE_CLOSE_NONE;
}

void tlswire_conn_release_idle(tlswire_conn *conn) {
  tlswire_ring_release(tlswire_conn_out(conn));
  tlswire_ring_release(&conn->mem.in);
}

const tlswire_error *tlswire_conn_last_error(const tlswire_conn *conn) {
  return conn ? &conn->err : NULL;
}

SSL *tlswire_conn_get_ssl(const tlswire_conn *conn) {
  return conn ? conn->ssl : NULL;
}

/* The only places a role is set: libssl's state then tells the driver
 * everything else. */
int tlswire_conn_set_connect_state(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  SSL_set_connect_state(conn->ssl);
  return TLSWIRE_OK;
}

int tlswire_conn_set_accept_state(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  SSL_set_accept_state(conn->ssl);
  return TLSWIRE_OK;
}

/* --- pending callback failures ------------------------------------------- */

void tlswire_cb_pending_set(tlswire_conn *conn, int code, int value,
                            const char *what) {
  if (conn == NULL || conn->cb_pending.code != TLSWIRE_OK)
    return; /* the first failure of a call is the one that matters */
  conn->cb_pending.code = code;
  conn->cb_pending.value = value;
  conn->cb_pending.what = what;
}

int tlswire_cb_pending_take(tlswire_conn *conn) {
  struct tlswire_cb_pending p = conn->cb_pending;
  memset(&conn->cb_pending, 0, sizeof conn->cb_pending);
  if (p.code == TLSWIRE_OK)
    return TLSWIRE_OK;
  if (p.code == TLSWIRE_E_CALLBACK)
    return tlswire_error_callback(&conn->err, p.value, p.what);
  return tlswire_error_set(&conn->err, p.code, p.what);
}

int tlswire_conn_get_shutdown(const tlswire_conn *conn) {
  return conn ? SSL_get_shutdown(conn->ssl) : 0;
}

int tlswire_conn_set_shutdown(tlswire_conn *conn, int state) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG((state & ~(SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN)) == 0,
               &conn->err, "unknown shutdown state bits");
  SSL_set_shutdown(conn->ssl, state);
  return TLSWIRE_OK;
}

/* --- queries
 * -------------------------------------------------------------------- */

int tlswire_conn_pending(const tlswire_conn *conn) {
  return conn ? SSL_pending(conn->ssl) : 0;
}

int tlswire_conn_want_read(const tlswire_conn *conn) {
  return conn ? SSL_want_read(conn->ssl) : 0;
}

/* Bound: output the transport has not taken yet also wants writing. */
int tlswire_conn_want_write(const tlswire_conn *conn) {
  if (conn == NULL)
    return 0;
  return SSL_want_write(conn->ssl) ||
         (conn->bound != NULL && tlswire_ring_len(&conn->bound->out) > 0);
}

const char *tlswire_conn_get_cipher_name(const tlswire_conn *conn) {
  const SSL_CIPHER *c = conn ? SSL_get_current_cipher(conn->ssl) : NULL;
  return c ? SSL_CIPHER_get_name(c) : NULL;
}

int tlswire_conn_get_cipher_bits(const tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  const SSL_CIPHER *c = SSL_get_current_cipher(conn->ssl);
  return c ? SSL_CIPHER_get_bits(c, NULL) : TLSWIRE_E_STATE;
}

const char *tlswire_conn_get_cipher_version(const tlswire_conn *conn) {
  const SSL_CIPHER *c = conn ? SSL_get_current_cipher(conn->ssl) : NULL;
  return c ? SSL_CIPHER_get_version(c) : NULL;
}

int tlswire_conn_get_protocol_version(const tlswire_conn *conn) {
  return conn ? SSL_version(conn->ssl) : TLSWIRE_E_INVALID;
}

const char *tlswire_conn_get_protocol_version_name(const tlswire_conn *conn) {
  return conn ? SSL_get_version(conn->ssl) : NULL;
}

const char *tlswire_conn_get_state_string(const tlswire_conn *conn) {
  return conn ? SSL_state_string_long(conn->ssl) : NULL;
}

