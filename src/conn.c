/*
 * conn.c - tlswire_conn in memory mode: lifetime, handshake, data, shutdown.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <openssl/err.h>

#include "bind.h"
#include "conn.h"
#include "context.h"
#include "safety.h"

/* Room beyond the soft capacity of the output ring: one whole TLS record
 * (with a TLS 1.0 empty-fragment prefix) that libssl has already built. */
#define OUT_RING_SLACK                                                         \
  (SSL3_RT_MAX_PACKET_SIZE + SSL3_RT_HEADER_LENGTH +                           \
   SSL3_RT_MAX_ENCRYPTED_OVERHEAD)

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

/* --- lifetime ------------------------------------------------------------- */

/* The rings allocate on first use; under SSL_MODE_RELEASE_BUFFERS they also
 * give their storage back whenever they empty, as libssl does with its own
 * buffers in that mode. */
static int conn_rings_init(tlswire_conn *conn, const tlswire_context *ctx) {
  size_t capacity = ctx->ring_capacity;
  if (tlswire_ring_init(&conn->bio.in, capacity, capacity) != 0 ||
      tlswire_ring_init(&conn->bio.out, capacity, capacity + OUT_RING_SLACK) !=
          0)
    return TLSWIRE_E_INVALID;
  int release =
      (SSL_CTX_get_mode(ctx->ssl_ctx) & SSL_MODE_RELEASE_BUFFERS) != 0;
  conn->bio.in.release = release;
  conn->bio.out.release = release;
  return TLSWIRE_OK;
}

/* Creates the SSL and its ring BIO; failures are recorded in the thread's
 * record (ctx may be shared by several threads: it is never written). */
static int conn_ssl_init(tlswire_conn *conn, tlswire_context *ctx) {
  conn->ssl = SSL_new(ctx->ssl_ctx);
  if (conn->ssl == NULL)
    return tlswire_error_from_queue(tlswire_error_thread(), TLSWIRE_E_SSL);
  BIO *bio = tlswire_bio_new(&conn->bio);
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

static int conn_create(tlswire_conn **out, tlswire_context *ctx) {
  struct tlswire_error *rec = tlswire_error_thread();
  TW_GUARD_ARG(out != NULL, rec, "out is NULL");
  *out = NULL;
  TW_GUARD_ARG(ctx != NULL, rec, "ctx is NULL");
  if (conn_ex_index_get() < 0)
    return tlswire_error_from_queue(rec, TLSWIRE_E_NOMEM);

  tlswire_conn *conn = OPENSSL_zalloc(sizeof *conn);
  if (conn == NULL)
    return tlswire_error_set(rec, TLSWIRE_E_NOMEM, "out of memory");
  int rc = conn_rings_init(conn, ctx);
  if (rc != TLSWIRE_OK) {
    tlswire_error_set(rec, rc, "ring capacity out of range");
    goto fail_rings;
  }
  rc = conn_ssl_init(conn, ctx);
  if (rc != TLSWIRE_OK)
    goto fail_ssl;
  tlswire_context_ref(ctx);
  tlswire_context_freeze(ctx);
  conn->ctx = ctx;
  *out = conn;
  return TLSWIRE_OK;

fail_ssl:
  tlswire_ring_free(&conn->bio.out);
  tlswire_ring_free(&conn->bio.in);
fail_rings:
  OPENSSL_free(conn);
  return rc;
}

int tlswire_conn_new(tlswire_conn **out, tlswire_context *ctx,
                     tlswire_transport *t) {
  return tlswire_bind_attach(out, t, conn_create(out, ctx));
}

void tlswire_conn_free(tlswire_conn *conn) {
  if (conn == NULL)
    return;
  tlswire_conn_keep_session(conn);
  SSL_free(conn->ssl);
  tlswire_bind_free(conn);
  tlswire_ring_free(&conn->bio.in);
  tlswire_ring_free(&conn->bio.out);
  tlswire_context_free(conn->ctx);
  OPENSSL_free(conn);
}

const tlswire_error *tlswire_conn_last_error(const tlswire_conn *conn) {
  return conn ? &conn->err : NULL;
}

SSL *tlswire_conn_get_ssl(const tlswire_conn *conn) {
  return conn ? conn->ssl : NULL;
}

int tlswire_conn_set_connect_state(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  SSL_set_connect_state(conn->ssl);
  conn->role_set = 1;
  return TLSWIRE_OK;
}

int tlswire_conn_set_accept_state(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  SSL_set_accept_state(conn->ssl);
  conn->role_set = 1;
  return TLSWIRE_OK;
}

/* --- mapping libssl results to statuses ------------------------------------
 */

/* Before a libssl I/O call: no stale queue entries (they would turn
 * SSL_get_error's answer into SSL_ERROR_SSL) and no stale errno. */
static void io_begin(tlswire_conn *conn) {
  conn->cb_pending.code = TLSWIRE_OK; /* only this call's callbacks count */
  tlswire_error_clear_queue();
  errno = 0;
}

static int is_unexpected_eof(unsigned long packed) {
  return ERR_GET_LIB(packed) == ERR_LIB_SSL &&
         ERR_GET_REASON(packed) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/* SSL_ERROR_SYSCALL: a transport errno, or an input that just ended. libssl
 * also answers SYSCALL with nothing queued for any call after a fatal error;
 * with the input still open that is no EOF, so it is reported as SSL. */
static int fail_syscall(tlswire_conn *conn, int ret, int saved_errno) {
  if (saved_errno != 0 && ret < 0)
    return tlswire_error_syscall(&conn->err, saved_errno);
  if (ERR_peek_error() != 0)
    return tlswire_error_from_queue(&conn->err, TLSWIRE_E_SSL);
  if (!conn->bio.in_eof)
    return tlswire_error_set(
        &conn->err, TLSWIRE_E_SSL,
        "connection unusable after an earlier fatal error");
  return tlswire_error_syscall(&conn->err, -1);
}

/* OpenSSL 3 reports a stream cut without close_notify as an SSL error;
 * pyOpenSSL (and tlswire) report it as SysCallError(-1, "Unexpected EOF"). */
static int fail_ssl(tlswire_conn *conn) {
  if (is_unexpected_eof(ERR_peek_error()))
    return tlswire_error_syscall(&conn->err, -1);
  return tlswire_error_from_queue(&conn->err, TLSWIRE_E_SSL);
}

/* The single place where a failed libssl I/O call becomes a status. */
static int conn_fail(tlswire_conn *conn, int ret) {
  int saved_errno = errno;
  if (conn->cb_pending.code != TLSWIRE_OK) /* pyOpenSSL: deferred exception */
    return tlswire_cb_pending_take(conn);
  if (conn->bio.io_errno != 0) /* the bound transport failed */
    return tlswire_error_syscall(&conn->err, conn->bio.io_errno);
  switch (SSL_get_error(conn->ssl, ret)) {
  case SSL_ERROR_WANT_READ:
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_READ);
  case SSL_ERROR_WANT_WRITE:
    if (conn->bio.out.alloc_failed)
      return tlswire_error_set(&conn->err, TLSWIRE_E_NOMEM,
                               "no memory for the output ring");
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_WRITE);
  case SSL_ERROR_WANT_X509_LOOKUP:
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_X509_LOOKUP);
  case SSL_ERROR_ZERO_RETURN:
    return tlswire_error_set(&conn->err, TLSWIRE_E_ZERO_RETURN,
                             "the peer sent close_notify");
  case SSL_ERROR_SYSCALL:
    return fail_syscall(conn, ret, saved_errno);
  case SSL_ERROR_SSL:
    return fail_ssl(conn);
  default:
    return tlswire_error_from_queue(&conn->err, TLSWIRE_E_SSL);
  }
}

/* --- handshake and data ------------------------------------------------------
 */

int tlswire_conn_do_handshake(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  int rc = tlswire_bind_pre(conn, TLSWIRE_BIND_HANDSHAKE);
  if (rc != TLSWIRE_BIND_GO)
    return rc;
  io_begin(conn);
  int ret = SSL_do_handshake(conn->ssl);
  rc = ret == 1 ? TLSWIRE_OK : conn_fail(conn, ret);
  return tlswire_bind_post(conn, TLSWIRE_BIND_HANDSHAKE, rc);
}

int tlswire_conn_send(tlswire_conn *conn, const void *buf, size_t len,
                      size_t *sent) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(sent != NULL, &conn->err, "sent is NULL");
  *sent = 0;
  TW_GUARD_ARG(buf != NULL && len > 0, &conn->err, "buffer is NULL or empty");
  /* A handshake (first or renegotiation) runs on its own first: its flight
   * may fill the ring, and the application record must not be built until
   * the ring is below its soft limit. Without a role, SSL_write reports
   * "uninitialized" as pyOpenSSL shows. */
  if (conn->role_set && SSL_in_init(conn->ssl))
    TW_TRY(tlswire_conn_do_handshake(conn));
  int rc = tlswire_bind_pre(conn, TLSWIRE_BIND_SEND);
  if (rc != TLSWIRE_BIND_GO)
    return rc;
  /* Starting a record only below the soft limit guarantees the ring takes
   * it whole: libssl never holds plaintext it has not reported as sent. */
  if (tlswire_ring_full(&conn->bio.out))
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_WRITE);
  io_begin(conn);
  int ret = SSL_write_ex(conn->ssl, buf, len, sent);
  rc = ret == 1 ? TLSWIRE_OK : conn_fail(conn, ret);
  return tlswire_bind_post(conn, TLSWIRE_BIND_SEND, rc);
}

int tlswire_conn_recv_with(tlswire_conn *conn, void *buf, size_t len,
                           size_t *received, int peek) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(received != NULL, &conn->err, "received is NULL");
  *received = 0;
  TW_GUARD_ARG(buf != NULL && len > 0, &conn->err, "buffer is NULL or empty");
  /* Bound: a peek runs the same hooks as a read (it can drive the
   * handshake), so stuck output is pushed first either way. */
  int rc = tlswire_bind_pre(conn, TLSWIRE_BIND_RECV);
  if (rc != TLSWIRE_BIND_GO)
    return rc;
  io_begin(conn);
  int ret = peek ? SSL_peek_ex(conn->ssl, buf, len, received)
                 : SSL_read_ex(conn->ssl, buf, len, received);
  rc = ret == 1 ? TLSWIRE_OK : conn_fail(conn, ret);
  return tlswire_bind_post(conn, TLSWIRE_BIND_RECV, rc);
}

int tlswire_conn_recv(tlswire_conn *conn, void *buf, size_t len,
                      size_t *received) {
  return tlswire_conn_recv_with(conn, buf, len, received, 0);
}

/* --- the byte-buffer side
 * ------------------------------------------------------ */

int tlswire_conn_bio_write(tlswire_conn *conn, const void *buf, size_t len,
                           size_t *written) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(tlswire_bind_memory_only(conn));
  TW_GUARD_ARG(written != NULL, &conn->err, "written is NULL");
  *written = 0;
  TW_GUARD_ARG(buf != NULL && len > 0, &conn->err, "buffer is NULL or empty");
  struct tlswire_ring *in = &conn->bio.in;
  if (conn->bio.in_eof)
    return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                             "input already ended by bio_shutdown");
  if (tlswire_ring_full(in))
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_WRITE);
  size_t room = in->limit - tlswire_ring_len(in);
  *written = tlswire_ring_put(in, buf, len < room ? len : room);
  if (*written == 0)
    return tlswire_error_set(&conn->err, TLSWIRE_E_NOMEM,
                             "no memory for the input ring");
  return TLSWIRE_OK;
}

int tlswire_conn_bio_read(tlswire_conn *conn, void *buf, size_t len,
                          size_t *nread) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(tlswire_bind_memory_only(conn));
  TW_GUARD_ARG(nread != NULL, &conn->err, "nread is NULL");
  *nread = 0;
  TW_GUARD_ARG(buf != NULL && len > 0, &conn->err, "buffer is NULL or empty");
  if (tlswire_ring_len(&conn->bio.out) == 0)
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_READ);
  *nread = tlswire_ring_get(&conn->bio.out, buf, len);
  return TLSWIRE_OK;
}

int tlswire_conn_bio_shutdown(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(tlswire_bind_memory_only(conn));
  conn->bio.in_eof = 1;
  return TLSWIRE_OK;
}

int tlswire_conn_bio_peek(tlswire_conn *conn, const void **data, size_t *len) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(tlswire_bind_memory_only(conn));
  TW_GUARD_ARG(data != NULL && len != NULL, &conn->err, "data or len is NULL");
  *data = tlswire_ring_peek(&conn->bio.out, len);
  if (*len == 0)
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_READ);
  return TLSWIRE_OK;
}

int tlswire_conn_bio_consume(tlswire_conn *conn, size_t n) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(tlswire_bind_memory_only(conn));
  size_t contiguous;
  tlswire_ring_peek(&conn->bio.out, &contiguous);
  TW_GUARD_ARG(n <= contiguous, &conn->err,
               "consume exceeds the peeked output");
  tlswire_ring_consume(&conn->bio.out, n);
  return TLSWIRE_OK;
}

int tlswire_conn_bio_window(tlswire_conn *conn, void **buf, size_t *len) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(tlswire_bind_memory_only(conn));
  TW_GUARD_ARG(buf != NULL && len != NULL, &conn->err, "buf or len is NULL");
  *len = 0;
  *buf = NULL;
  if (conn->bio.in_eof)
    return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                             "input already ended by bio_shutdown");
  *buf = tlswire_ring_window(&conn->bio.in, len);
  if (*len == 0 && conn->bio.in.alloc_failed)
    return tlswire_error_set(&conn->err, TLSWIRE_E_NOMEM,
                             "no memory for the input ring");
  if (*len == 0)
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_WRITE);
  return TLSWIRE_OK;
}

int tlswire_conn_bio_commit(tlswire_conn *conn, size_t n) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(tlswire_bind_memory_only(conn));
  size_t room;
  tlswire_ring_window(&conn->bio.in, &room);
  TW_GUARD_ARG(!conn->bio.in_eof && n <= room, &conn->err,
               "commit exceeds the input window");
  tlswire_ring_commit(&conn->bio.in, n);
  return TLSWIRE_OK;
}

size_t tlswire_conn_bio_pending_out(const tlswire_conn *conn) {
  return conn ? tlswire_ring_len(&conn->bio.out) : 0;
}

size_t tlswire_conn_bio_pending_in(const tlswire_conn *conn) {
  return conn ? tlswire_ring_len(&conn->bio.in) : 0;
}

/* --- shutdown
 * ------------------------------------------------------------------ */

int tlswire_conn_shutdown(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  int rc = tlswire_bind_pre(conn, TLSWIRE_BIND_SHUTDOWN);
  if (rc != TLSWIRE_BIND_GO)
    return rc;
  io_begin(conn);
  int ret = SSL_shutdown(conn->ssl);
  rc = ret >= 0 ? ret : conn_fail(conn, ret);
  return tlswire_bind_post(conn, TLSWIRE_BIND_SHUTDOWN, rc);
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

int tlswire_conn_want_write(const tlswire_conn *conn) {
  return conn ? SSL_want_write(conn->ssl) || tlswire_bind_output_stuck(conn)
              : 0;
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

/* --- for the other connection files ----------------------------------------
 */

void tlswire_conn_io_begin(tlswire_conn *conn) { io_begin(conn); }

int tlswire_conn_io_fail(tlswire_conn *conn, int ret) {
  return conn_fail(conn, ret);
}
