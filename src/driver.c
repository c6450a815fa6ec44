/* SPDX-License-Identifier: Apache-2.0 */
/*
 * driver.c - the one place libssl's I/O calls are made (see driver.h), and
 * the public calls that are nothing but a step of it.
 */
#include <assert.h>

#include <openssl/err.h>

#include "driver.h"
#include "dtls_link.h"
#include "safety.h"
#include "transport.h"

/* --- mapping libssl results to statuses ---------------------------------- */

static int is_unexpected_eof(unsigned long packed) {
  return ERR_GET_LIB(packed) == ERR_LIB_SSL &&
         ERR_GET_REASON(packed) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/* SSL_ERROR_SYSCALL without a transport failure: an input that just ended.
 * libssl also answers SYSCALL with nothing queued for any call after a
 * fatal error; with the input still open that is no EOF, so it is reported
 * as SSL. */
static int fail_syscall(tlswire_conn *conn) {
  if (ERR_peek_error() != 0)
    return tlswire_error_from_queue(&conn->err, TLSWIRE_E_SSL);
  if (!tlswire_conn_in_eof(conn))
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

static int fail_want_write(tlswire_conn *conn) {
  if (tlswire_conn_out(conn)->alloc_failed)
    return tlswire_error_set(&conn->err, TLSWIRE_E_NOMEM,
                             "no memory for the output ring");
  return TLSWIRE_E_WANT_WRITE;
}

/* A call that stopped because a BIO would block, decided as SSL_get_error
 * does but without its look at the error queue: the queue is not touched on
 * this path (entries the caller left there are the caller's, and are not
 * taken for a failure of this call). TLSWIRE_OK when it did not block. */
static int would_block(tlswire_conn *conn) {
  SSL *ssl = conn->ssl;
  if (SSL_want_read(ssl) && BIO_should_read(SSL_get_rbio(ssl)))
    return TLSWIRE_E_WANT_READ;
  if (SSL_want_write(ssl) && BIO_should_write(SSL_get_wbio(ssl)))
    return fail_want_write(conn);
  return TLSWIRE_OK;
}

/* The single place where a failed libssl I/O call becomes a status. The
 * record keeps the last real failure: a would-block leaves it alone. */
static int conn_fail(tlswire_conn *conn, int ret) {
  if (conn->cb_pending.code != TLSWIRE_OK) /* pyOpenSSL: deferred exception */
    return tlswire_cb_pending_take(conn);
  if (conn->bound != NULL && conn->bound->io_errno != 0)
    return tlswire_error_syscall(&conn->err, conn->bound->io_errno);
  int blocked = would_block(conn);
  if (blocked != TLSWIRE_OK)
    return blocked;
  switch (SSL_get_error(conn->ssl, ret)) {
  case SSL_ERROR_WANT_READ:
    return TLSWIRE_E_WANT_READ;
  case SSL_ERROR_WANT_WRITE:
    return fail_want_write(conn);
  case SSL_ERROR_WANT_X509_LOOKUP:
    return TLSWIRE_E_WANT_X509_LOOKUP;
  case SSL_ERROR_ZERO_RETURN:
    return tlswire_error_set(&conn->err, TLSWIRE_E_ZERO_RETURN,
                             "the peer sent close_notify");
  case SSL_ERROR_SYSCALL:
    return fail_syscall(conn);
  case SSL_ERROR_SSL:
    return fail_ssl(conn);
  default:
    return tlswire_error_from_queue(&conn->err, TLSWIRE_E_SSL);
  }
}

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

/* --- the steps ------------------------------------------------------------ */

/* The largest plaintext one record carries: the negotiated maximum
 * fragment length, else TLS's 16 KiB. Asking SSL_write for no more keeps
 * libssl off its multi-record paths (multiblock builds 4 to 8 records in
 * one go). */
static size_t one_record(const tlswire_conn *conn, size_t len) {
  size_t cap = SSL3_RT_MAX_PLAIN_LENGTH;
  const SSL_SESSION *sess = SSL_get_session(conn->ssl);
  uint8_t mfl = sess ? SSL_SESSION_get_max_fragment_length(sess) : 0;
  if (mfl >= TLSEXT_max_fragment_length_512 &&
      mfl <= TLSEXT_max_fragment_length_4096)
    cap = (size_t)256 << mfl;
  return len < cap ? len : cap;
}

/* How much plaintext the next write may ask for so that the record it
 * builds fits the output ring whole: 0 (TLSWIRE_E_WANT_WRITE) once the ring
 * holds its capacity or has no room beyond a record's overhead. DTLS
 * writes are datagrams and pass whole, so they need a full record's room. */
static size_t write_room(tlswire_conn *conn, size_t len) {
  const struct tlswire_ring *out = tlswire_conn_out(conn);
  size_t space = tlswire_ring_space(out);
  if (tlswire_ring_full(out) || space <= TLSWIRE_RECORD_OVERHEAD)
    return 0;
  if (SSL_is_dtls(conn->ssl))
    return space >= TLSWIRE_RECORD_ROOM ? len : 0;
  len = one_record(conn, len);
  space -= TLSWIRE_RECORD_OVERHEAD;
  return len < space ? len : space;
}

/* Before a write: a handshake in progress (the first, a renegotiation, a
 * KeyUpdate or post-handshake message to send) runs on its own. From the
 * "before" state libssl's write runs the first flight itself (and names a
 * missing role "uninitialized", as pyOpenSSL shows): that flight always
 * ends waiting for the peer, so no record can follow it. */
static int write_ready(tlswire_conn *conn) {
  if (SSL_in_init(conn->ssl) && !SSL_in_before(conn->ssl)) {
    int ret = SSL_do_handshake(conn->ssl);
    if (ret != 1)
      return conn_fail(conn, ret);
  }
  return TLSWIRE_OK;
}

static int step_write(tlswire_conn *conn, const struct tlswire_io *io) {
  TW_TRY(write_ready(conn));
  size_t len = write_room(conn, io->len);
  if (len == 0)
    return TLSWIRE_E_WANT_WRITE; /* libssl not called: nothing queued */
  int ret = SSL_write_ex(conn->ssl, io->buf, len, io->done);
  return ret == 1 ? TLSWIRE_OK : conn_fail(conn, ret);
}

/* libssl takes a failed cookie verify callback for a bad cookie and waits
 * for the next ClientHello: the failure must not be lost. */
static int step_listen(tlswire_conn *conn, const struct tlswire_io *io) {
  int ret = DTLSv1_listen(conn->ssl, io->peer);
  if (ret == 1)
    return TLSWIRE_OK;
  if (ret == 0 && conn->cb_pending.code != TLSWIRE_OK)
    return tlswire_cb_pending_take(conn);
  if (ret == 0)
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_READ);
  return conn_fail(conn, ret);
}

static int step(tlswire_conn *conn, const struct tlswire_io *io) {
  int ret;
  switch (io->op) {
  case TLSWIRE_IO_WRITE:
    return step_write(conn, io);
  case TLSWIRE_IO_READ:
    ret = SSL_read_ex(conn->ssl, io->buf, io->len, io->done);
    return ret == 1 ? TLSWIRE_OK : conn_fail(conn, ret);
  case TLSWIRE_IO_PEEK:
    ret = SSL_peek_ex(conn->ssl, io->buf, io->len, io->done);
    return ret == 1 ? TLSWIRE_OK : conn_fail(conn, ret);
  case TLSWIRE_IO_HANDSHAKE:
    ret = SSL_do_handshake(conn->ssl);
    return ret == 1 ? TLSWIRE_OK : conn_fail(conn, ret);
  case TLSWIRE_IO_SHUTDOWN:
    ret = SSL_shutdown(conn->ssl);
    return ret >= 0 ? ret : conn_fail(conn, ret);
  case TLSWIRE_IO_DTLS_LISTEN:
    return step_listen(conn, io);
  case TLSWIRE_IO_DTLS_TIMEOUT:
    ret = DTLSv1_handle_timeout(conn->ssl);
    return ret >= 0 ? ret : conn_fail(conn, ret);
  default:
    return tlswire_error_set(&conn->err, TLSWIRE_E_INVALID, "unknown step");
  }
}

/* --- DTLS timers on a bound connection ------------------------------------ */

static int is_bound_dtls(const tlswire_conn *conn) {
  return conn->bound != NULL && SSL_is_dtls(conn->ssl);
}

static int drives_timer(const struct tlswire_io *io) {
  return io->op != TLSWIRE_IO_DTLS_LISTEN && io->op != TLSWIRE_IO_DTLS_TIMEOUT;
}

static int timeout_step(tlswire_conn *conn) {
  static const struct tlswire_io timeout = {.op = TLSWIRE_IO_DTLS_TIMEOUT};
  return step(conn, &timeout);
}

/* Bound DTLS, before the step: the transport's MTU (until the first
 * flight), and the retransmission of a flight whose timer expired, so that
 * an event loop only has to call again when get_wait's timeout passed. */
static int dtls_pre(tlswire_conn *conn, const struct tlswire_io *io) {
  if (!is_bound_dtls(conn) || !drives_timer(io))
    return TLSWIRE_OK;
  if (SSL_in_before(conn->ssl))
    tlswire_dtls_apply_mtu(tlswire_conn_transport(conn), conn->ssl);
  if (tlswire_dtls_timer_ms(conn->ssl) != 0)
    return TLSWIRE_OK;
  int rc = timeout_step(conn);
  return rc < 0 ? rc : TLSWIRE_OK;
}

/* The step; on a blocking transport whose recv stopped at the DTLS timer
 * (tlswire_transport_recv), retransmit and go on waiting. libssl gives up
 * by itself after its maximum number of timeouts. */
static int step_timed(tlswire_conn *conn, const struct tlswire_io *io) {
  if (conn->bound == NULL)
    return step(conn, io);
  tlswire_transport *t = conn->bound->transport;
  tlswire_transport_take_timeout(t);
  int rc = step(conn, io);
  while (rc == TLSWIRE_E_WANT_READ && tlswire_transport_take_timeout(t)) {
    int tr = timeout_step(conn);
    if (tr < 0)
      return tr;
    rc = step(conn, io);
  }
  return rc;
}

/* --- around the step ------------------------------------------------------ */

/* Once tlswire_conn_close has started, it alone moves bytes (its own
 * close_notify is the SHUTDOWN step it drives). */
static int refuse_closing(tlswire_conn *conn) {
  return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                           "the connection is closing (tlswire_conn_close)");
}

static int is_read(const struct tlswire_io *io) {
  return io->op == TLSWIRE_IO_READ || io->op == TLSWIRE_IO_PEEK;
}

/* Nothing to push: memory mode, or a bound connection with nothing waiting
 * and no failure to report (the common case, checked without a call). */
static int bound_idle(const tlswire_conn *conn) {
  const struct tlswire_bound *b = conn->bound;
  return b == NULL || (tlswire_ring_len(&b->out) == 0 && b->io_errno == 0);
}

/* Bound: what the transport did not take yet goes first. A transport that
 * would block is no reason to stop: libssl's writes queue behind it. A
 * failed one stops everything but reads: plaintext libssl already holds is
 * still delivered (the failure is sticky and comes with the next read that
 * needs the transport). */
static int drive_pre(tlswire_conn *conn, const struct tlswire_io *io) {
  if (bound_idle(conn) ||
      tlswire_bound_flush(conn->bound) != TLSWIRE_E_SYSCALL || is_read(io))
    return TLSWIRE_OK;
  return tlswire_error_syscall(&conn->err, conn->bound->io_errno);
}

/* Bound: pushes what the step produced. An answer libssl gave is never
 * rewritten when it moved bytes or state: a read or write with its count, a
 * shutdown's 0 or 1 (libssl would not give that answer twice); the stuck
 * output shows in want_write and goes first in the next call. A handshake
 * is done only once its last flight has left, as over a socket BIO (it
 * answers TLSWIRE_E_WANT_WRITE until then and libssl answers 1 again when
 * called again). A would-block while output is stuck becomes
 * TLSWIRE_E_WANT_WRITE: the peer may be waiting for exactly those bytes, so
 * writability comes first. */
static int drive_post(tlswire_conn *conn, const struct tlswire_io *io, int rc) {
  if (bound_idle(conn))
    return rc;
  int flushed = tlswire_bound_flush(conn->bound);
  if (flushed == TLSWIRE_OK)
    return rc;
  int answered = rc >= 0 && io->op != TLSWIRE_IO_HANDSHAKE;
  if (answered || (rc < 0 && !is_want(rc)))
    return rc;
  if (flushed == TLSWIRE_E_SYSCALL)
    return tlswire_error_syscall(&conn->err, conn->bound->io_errno);
  return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_WRITE);
}

int tlswire_drive(tlswire_conn *conn, const struct tlswire_io *io) {
  if (io->done != NULL)
    *io->done = 0;
  if (tlswire_conn_closing(conn) && io->op != TLSWIRE_IO_SHUTDOWN)
    return refuse_closing(conn);
  /* No failure of an earlier call's callbacks. The error queue is not
   * probed here: a success never looks at it, a would-block decides
   * without it, and a failure drains it into the record. */
  conn->cb_pending.code = TLSWIRE_OK;
  int rc = drive_pre(conn, io);
  if (rc == TLSWIRE_OK)
    rc = dtls_pre(conn, io);
  if (rc == TLSWIRE_OK)
    rc = drive_post(conn, io, step_timed(conn, io));
  if (conn->bound != NULL)
    tlswire_bound_read_ahead(conn->bound, conn->ssl);
  conn->last_want = tlswire_want_of(rc);
  tlswire_conn_release_idle(conn);
  /* The contract itself: bytes moved only with TLSWIRE_OK. Zeroing the
   * count here would hide bytes libssl took, so it is asserted instead. */
  assert(rc == TLSWIRE_OK || io->done == NULL || *io->done == 0);
  return rc;
}

/* --- public: handshake, data, shutdown ------------------------------------ */

int tlswire_conn_do_handshake(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  const struct tlswire_io io = {.op = TLSWIRE_IO_HANDSHAKE};
  return tlswire_drive(conn, &io);
}

int tlswire_conn_send(tlswire_conn *conn, const void *buf, size_t len,
                      size_t *sent) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(sent != NULL, &conn->err, "sent is NULL");
  *sent = 0;
  TW_GUARD_ARG(buf != NULL && len > 0, &conn->err, "buffer is NULL or empty");
  const struct tlswire_io io = {
      .op = TLSWIRE_IO_WRITE, .buf = (void *)buf, .len = len, .done = sent};
  return tlswire_drive(conn, &io);
}

static int recv_op(tlswire_conn *conn, void *buf, size_t len, size_t *received,
                   enum tlswire_io_op op) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(received != NULL, &conn->err, "received is NULL");
  *received = 0;
  TW_GUARD_ARG(buf != NULL && len > 0, &conn->err, "buffer is NULL or empty");
  const struct tlswire_io io = {
      .op = op, .buf = buf, .len = len, .done = received};
  return tlswire_drive(conn, &io);
}

int tlswire_conn_recv(tlswire_conn *conn, void *buf, size_t len,
                      size_t *received) {
  return recv_op(conn, buf, len, received, TLSWIRE_IO_READ);
}

int tlswire_conn_recv_peek(tlswire_conn *conn, void *buf, size_t len,
                           size_t *received) {
  return recv_op(conn, buf, len, received, TLSWIRE_IO_PEEK);
}

int tlswire_conn_shutdown(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  if (tlswire_conn_closing(conn))
    return refuse_closing(conn);
  const struct tlswire_io io = {.op = TLSWIRE_IO_SHUTDOWN};
  return tlswire_drive(conn, &io);
}

/* --- public: the transport of a bound connection -------------------------- */

int tlswire_conn_flush(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  if (conn->bound == NULL)
    return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                             "flush on a connection in memory mode");
  if (tlswire_conn_closing(conn))
    return refuse_closing(conn);
  int rc = tlswire_bound_flush(conn->bound);
  tlswire_conn_release_idle(conn);
  /* Adds output; what the last call waits for stays (a spurious wake-up
   * costs a call, a lost one a hang). */
  conn->last_want |= tlswire_want_of(rc);
  switch (rc) {
  case TLSWIRE_OK:
    return TLSWIRE_OK;
  case TLSWIRE_E_WANT_WRITE:
    return TLSWIRE_E_WANT_WRITE;
  default:
    return tlswire_error_syscall(&conn->err, conn->bound->io_errno);
  }
}
