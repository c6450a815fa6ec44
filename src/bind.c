/*
 * bind.c - a connection bound to a transport (see bind.h).
 */
#include <errno.h>

#include "bind.h"
#include "conn.h"
#include "ring.h"
#include "transport.h"

/* --- moving bytes ----------------------------------------------------------
 */

/* Records the transport's failure (errno, set by tlswire_transport_*);
 * every later call reports it again: the stream is broken. */
static int io_failed(struct tlswire_bio_state *st) {
  if (errno == 0)
    errno = EIO;
  /* After the input ended, a failed write is libssl's alert about that end
   * meeting a gone peer: the end of file is what the caller must hear. */
  if (!st->in_eof)
    st->io_errno = errno;
  return TLSWIRE_E_SYSCALL;
}

/* Sends as much of buf as the transport takes now; *done says how much.
 * TLSWIRE_OK when all of it went, TLSWIRE_E_WANT_WRITE, TLSWIRE_E_SYSCALL. */
static int send_some(struct tlswire_bio_state *st, const void *buf, size_t len,
                     size_t *done) {
  *done = 0;
  while (*done < len) {
    size_t n;
    int rc = tlswire_transport_send(st->transport, (const char *)buf + *done,
                                    len - *done, &n);
    if (rc == TLSWIRE_E_SYSCALL)
      return io_failed(st);
    if (rc != TLSWIRE_OK || n == 0)
      return TLSWIRE_E_WANT_WRITE;
    *done += n;
  }
  return TLSWIRE_OK;
}

/* Sends what waits in the output ring. TLSWIRE_OK once it is empty. */
static int flush_ring(struct tlswire_bio_state *st) {
  if (st->io_errno != 0) {
    errno = st->io_errno;
    return TLSWIRE_E_SYSCALL;
  }
  struct tlswire_ring *out = &st->out;
  while (tlswire_ring_len(out) > 0) {
    size_t n, done;
    const unsigned char *p = tlswire_ring_peek(out, &n);
    int rc = send_some(st, p, n, &done);
    tlswire_ring_consume(out, done);
    if (rc != TLSWIRE_OK)
      return rc;
  }
  return TLSWIRE_OK;
}

/* --- the BIO in bound mode -------------------------------------------------
 */

/* No retry flag: libssl reports SSL_ERROR_SYSCALL; errno is the cause. */
static int bio_failed(int err) {
  errno = err;
  return 0;
}

/* One datagram per write; a would-block leaves the record with libssl. */
static int dgram_write(BIO *bio, struct tlswire_bio_state *st, const char *buf,
                       size_t len, size_t *written) {
  size_t n;
  int rc = tlswire_transport_send(st->transport, buf, len, &n);
  if (rc == TLSWIRE_E_SYSCALL) {
    io_failed(st);
    return bio_failed(errno);
  }
  if (rc != TLSWIRE_OK) {
    BIO_set_retry_write(bio);
    return 0;
  }
  if (n != len) {
    errno = EMSGSIZE;
    io_failed(st);
    return bio_failed(EMSGSIZE);
  }
  *written = len;
  return 1;
}

/* Write-through: with the ring empty the record goes straight to the
 * transport and only its unsent tail is copied. A record is always taken
 * whole below the soft limit, so libssl never has to retry a write. */
int tlswire_bind_bio_write(BIO *bio, struct tlswire_bio_state *st,
                           const char *buf, size_t len, size_t *written) {
  BIO_clear_retry_flags(bio);
  *written = 0;
  if (st->io_errno != 0)
    return bio_failed(st->io_errno);
  if (st->transport->datagram)
    return dgram_write(bio, st, buf, len, written);
  int rc = flush_ring(st);
  if (rc == TLSWIRE_E_SYSCALL)
    return bio_failed(errno);
  if (tlswire_ring_full(&st->out)) {
    st->want_write = 1;
    BIO_set_retry_write(bio);
    return 0;
  }
  size_t done = 0;
  if (tlswire_ring_len(&st->out) == 0 &&
      send_some(st, buf, len, &done) == TLSWIRE_E_SYSCALL)
    return bio_failed(errno);
  st->want_write = 0;
  *written = done + tlswire_ring_put(&st->out, buf + done, len - done);
  if (*written == 0) {
    BIO_set_retry_write(bio);
    return 0;
  }
  return 1;
}

/* Read-through: the transport writes straight into libssl's buffer. */
int tlswire_bind_bio_read(BIO *bio, struct tlswire_bio_state *st, char *buf,
                          size_t len, size_t *readbytes) {
  BIO_clear_retry_flags(bio);
  *readbytes = 0;
  if (st->io_errno != 0)
    return bio_failed(st->io_errno);
  if (st->in_eof)
    return 0;
  int rc = tlswire_transport_recv(st->transport, buf, len, readbytes);
  switch (rc) {
  case TLSWIRE_OK:
    if (*readbytes > 0)
      return 1;
    st->in_eof = 1; /* as bio_shutdown: libssl sees BIO_eof */
    return 0;
  case TLSWIRE_E_WANT_READ:
  case TLSWIRE_E_WANT_WRITE:
    BIO_set_retry_read(bio);
    return 0;
  case TLSWIRE_E_SYSCALL:
  default:
    io_failed(st);
    return bio_failed(errno);
  }
}

int tlswire_bind_bio_ctrl_owns(const struct tlswire_bio_state *st, int cmd) {
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    return 1;
  default:
    return 0;
  }
}

/* A flush that would block still answers success: libssl checks retry
 * flags on its buffering BIO above this one, where ours are not copied, so a
 * retry here would look like a failure. The bytes wait in the ring and
 * tlswire_bind_post turns the call's status into WANT_WRITE. */
static long bio_flush(BIO *bio, struct tlswire_bio_state *st) {
  BIO_clear_retry_flags(bio);
  return flush_ring(st) == TLSWIRE_E_SYSCALL ? 0 : 1;
}

long tlswire_bind_bio_ctrl(BIO *bio, struct tlswire_bio_state *st, int cmd,
                           long num, void *ptr) {
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    return bio_flush(bio, st);
  default:
    return 0;
  }
}

/* --- hooks for conn.c ------------------------------------------------------
 */

int tlswire_bind_attach(tlswire_conn **out, tlswire_transport *t, int rc) {
  if (t != NULL && t->bound) { /* another connection's: leave it alone */
    if (rc == TLSWIRE_OK) {
      tlswire_conn_free(*out);
      *out = NULL;
    }
    return TLSWIRE_E_INVALID;
  }
  if (rc != TLSWIRE_OK) {
    tlswire_transport_free(t);
    return rc;
  }
  (*out)->bio.transport = t;
  if (t != NULL)
    t->bound = 1;
  return TLSWIRE_OK;
}

void tlswire_bind_free(tlswire_conn *conn) {
  tlswire_transport_free(conn->bio.transport);
  conn->bio.transport = NULL;
}

int tlswire_bind_output_stuck(const tlswire_conn *conn) {
  return conn->bio.transport != NULL && tlswire_ring_len(&conn->bio.out) > 0;
}

int tlswire_bind_memory_only(tlswire_conn *conn) {
  if (conn->bio.transport == NULL)
    return TLSWIRE_OK;
  return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                           "bio_* on a connection bound to a transport");
}

/* flush_ring failed: errno says why. */
static int report_io(tlswire_conn *conn) {
  return tlswire_error_syscall(&conn->err, errno);
}

int tlswire_bind_pre(tlswire_conn *conn, enum tlswire_bind_op op) {
  struct tlswire_bio_state *st = &conn->bio;
  if (st->transport == NULL)
    return TLSWIRE_BIND_GO;
  int rc = flush_ring(st);
  if (rc == TLSWIRE_E_SYSCALL)
    return report_io(conn);
  if (op != TLSWIRE_BIND_SHUTDOWN || !st->close_pending)
    return TLSWIRE_BIND_GO;
  /* The last shutdown returned WANT_WRITE after SSL_shutdown had answered 0:
   * finish that answer instead of asking libssl a second question. */
  if (rc != TLSWIRE_OK)
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_WRITE);
  st->close_pending = 0;
  return 0;
}

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

int tlswire_bind_post(tlswire_conn *conn, enum tlswire_bind_op op, int rc) {
  struct tlswire_bio_state *st = &conn->bio;
  if (st->transport == NULL || (rc < 0 && !is_want(rc)))
    return rc;
  int flushed = flush_ring(st);
  /* Plaintext send accepted stays accepted; its tail leaves later. */
  if (op == TLSWIRE_BIND_SEND && rc >= 0)
    return rc;
  if (flushed == TLSWIRE_E_SYSCALL)
    return report_io(conn);
  if (flushed == TLSWIRE_OK)
    return rc;
  if (op == TLSWIRE_BIND_SHUTDOWN && rc == 0)
    st->close_pending = 1;
  return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_WRITE);
}

/* --- public ----------------------------------------------------------------
 */

int tlswire_conn_fileno(const tlswire_conn *conn) {
  if (conn == NULL)
    return TLSWIRE_E_INVALID;
  int fd = tlswire_transport_fileno(conn->bio.transport);
  return fd >= 0 ? fd : TLSWIRE_E_STATE;
}

int tlswire_conn_flush(tlswire_conn *conn) {
  if (conn == NULL)
    return TLSWIRE_E_INVALID;
  if (conn->bio.transport == NULL)
    return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                             "flush on a connection in memory mode");
  switch (flush_ring(&conn->bio)) {
  case TLSWIRE_OK:
    return TLSWIRE_OK;
  case TLSWIRE_E_WANT_WRITE:
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_WRITE);
  default:
    return report_io(conn);
  }
}
