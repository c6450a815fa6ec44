/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bind.c - the bound state and the bound BIO (see bind.h).
 */
#include <errno.h>

#include <openssl/crypto.h>

#include "bind.h"
#include "bio.h"
#include "transport.h"

/* --- moving bytes ----------------------------------------------------------
 */

/* Records the transport's failure (errno, set by tlswire_transport_* right
 * before); every later call reports it again: the stream is broken. */
static int io_failed(struct tlswire_bound *b) {
  int err = errno != 0 ? errno : EIO;
  /* After the input ended, a failed write is libssl's alert about that end
   * meeting a gone peer: the end of file is what the caller must hear. */
  if (!b->in_eof)
    b->io_errno = err;
  return TLSWIRE_E_SYSCALL;
}

/* Sends as much of buf as the transport takes now; *done says how much.
 * TLSWIRE_OK when all of it went, TLSWIRE_E_WANT_WRITE, TLSWIRE_E_SYSCALL. */
static int send_some(struct tlswire_bound *b, const void *buf, size_t len,
                     size_t *done) {
  *done = 0;
  while (*done < len) {
    size_t n;
    int rc = tlswire_transport_send(b->transport, (const char *)buf + *done,
                                    len - *done, &n);
    if (rc == TLSWIRE_E_SYSCALL)
      return io_failed(b);
    if (rc != TLSWIRE_OK || n == 0) {
      b->would_block |= rc != TLSWIRE_OK;
      return TLSWIRE_E_WANT_WRITE;
    }
    *done += n;
  }
  return TLSWIRE_OK;
}

int tlswire_bound_flush(struct tlswire_bound *b) {
  if (b->io_errno != 0)
    return TLSWIRE_E_SYSCALL;
  struct tlswire_ring *out = &b->out;
  while (tlswire_ring_len(out) > 0) {
    size_t n, done;
    const unsigned char *p = tlswire_ring_peek(out, &n);
    int rc = send_some(b, p, n, &done);
    tlswire_ring_consume(out, done);
    if (rc != TLSWIRE_OK)
      return rc;
  }
  return TLSWIRE_OK;
}

/* Read-ahead: libssl asks the BIO for as much as its read buffer holds
 * (one maximum record and its header, allocated by libssl anyway) instead
 * of a header and then a body, so a stream costs at most one transport recv
 * per record and several small records share one. The bytes land straight
 * in libssl's buffer: no copy and no storage of tlswire's, nothing that
 * grows with traffic; with SSL_MODE_RELEASE_BUFFERS libssl frees that
 * buffer only once it is empty. Records read ahead are not SSL_pending
 * (pyOpenSSL's pending keeps its meaning) but SSL_has_pending.
 *
 * Only from the end of the handshake (its flights are a few records): with
 * read-ahead from the first byte, a TCP socket with the smallest buffers
 * stalled for about a second in zero-window probes right after the
 * handshake (tests/check_integrity.c, its socket case), for reasons not
 * understood yet. DTLS reads whole datagrams either way. */
void tlswire_bound_read_ahead(struct tlswire_bound *b, SSL *ssl) {
  if (b->read_ahead || tlswire_bound_datagram(b) || !SSL_is_init_finished(ssl))
    return;
  SSL_set_read_ahead(ssl, 1);
  b->read_ahead = 1;
}

/* The transport's caps, as the connection cached them when it bound it. */
int tlswire_bound_datagram(const struct tlswire_bound *b) {
  return (b->transport->caps & TLSWIRE_TRANSPORT_CAP_DATAGRAM) != 0;
}

/* --- the BIO ---------------------------------------------------------------
 */

/* No retry flag: libssl reports SSL_ERROR_SYSCALL; io_errno is the cause. */
static int bio_failed(void) { return 0; }

/* One datagram per write; a would-block leaves the record with libssl. */
static int dgram_write(BIO *bio, struct tlswire_bound *b, const char *buf,
                       size_t len, size_t *written) {
  size_t n;
  int rc = tlswire_transport_send(b->transport, buf, len, &n);
  if (rc == TLSWIRE_E_SYSCALL) {
    io_failed(b);
    return bio_failed();
  }
  if (rc != TLSWIRE_OK) {
    b->would_block = 1;
    BIO_set_retry_write(bio);
    return 0;
  }
  if (n != len) {
    errno = EMSGSIZE;
    io_failed(b);
    return bio_failed();
  }
  *written = len;
  return 1;
}

/* Write-through: with nothing waiting the record goes straight to the
 * transport and only its unsent tail is copied into the ring. */
static int bound_write(BIO *bio, const char *buf, size_t len,
                       size_t *written) {
  struct tlswire_bound *b = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  *written = 0;
  if (b->io_errno != 0)
    return bio_failed();
  if (tlswire_bound_datagram(b))
    return dgram_write(bio, b, buf, len, written);
  if (tlswire_bound_flush(b) == TLSWIRE_E_SYSCALL)
    return bio_failed();
  size_t done = 0;
  if (tlswire_ring_len(&b->out) == 0 &&
      send_some(b, buf, len, &done) == TLSWIRE_E_SYSCALL)
    return bio_failed();
  /* Bytes the transport took are written whatever happens to the tail: a
   * tail that does not fit is libssl's to write again later. */
  *written = done + tlswire_bio_take(&b->out, buf + done, len - done);
  return tlswire_bio_wrote(bio, *written);
}

/* Read-through: the transport writes straight into libssl's buffer. */
static int bound_read(BIO *bio, char *buf, size_t len, size_t *readbytes) {
  struct tlswire_bound *b = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  *readbytes = 0;
  if (b->io_errno != 0)
    return bio_failed();
  if (b->in_eof)
    return 0;
  int rc = tlswire_transport_recv(b->transport, buf, len, readbytes);
  switch (rc) {
  case TLSWIRE_OK:
    if (*readbytes > 0)
      return 1;
    b->in_eof = 1; /* libssl sees BIO_eof */
    return 0;
  case TLSWIRE_E_WANT_READ:
  case TLSWIRE_E_WANT_WRITE:
    b->would_block = 1;
    BIO_set_retry_read(bio);
    return 0;
  case TLSWIRE_E_SYSCALL:
  default:
    io_failed(b);
    return bio_failed();
  }
}

/* A flush that would block still answers success: libssl checks retry
 * flags on its buffering BIO above this one, where ours are not copied, so a
 * retry here would look like a failure. The bytes wait in the ring, and the
 * connection reports them through want_write and its next call. */
static long bound_ctrl(BIO *bio, int cmd, long num, void *ptr) {
  (void)ptr;
  const struct tlswire_bound *b;
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    BIO_clear_retry_flags(bio);
    return tlswire_bound_flush(BIO_get_data(bio)) != TLSWIRE_E_SYSCALL;
  case BIO_CTRL_WPENDING:
    b = BIO_get_data(bio);
    return (long)tlswire_ring_len(&b->out);
  case BIO_CTRL_EOF:
    b = BIO_get_data(bio);
    return b->in_eof;
  case BIO_CTRL_DUP:
    return 1;
  case BIO_CTRL_GET_CLOSE:
    return BIO_get_shutdown(bio);
  case BIO_CTRL_SET_CLOSE:
    BIO_set_shutdown(bio, (int)num);
    return 1;
  default:
    return 0;
  }
}

static BIO_METHOD *bound_method;

static BIO_METHOD *bound_method_build(void) {
  return tlswire_bio_method_new("tlswire bound", bound_write, bound_read,
                                bound_ctrl);
}

BIO *tlswire_bound_bio_new(struct tlswire_bound *b) {
  return tlswire_bio_make(&bound_method, bound_method_build, b);
}

/* --- lifetime -------------------------------------------------------------- */

int tlswire_bound_new(struct tlswire_bound **out, tlswire_transport *t,
                      size_t limit, size_t size) {
  *out = NULL;
  if (t->bound) /* another connection's: leave it alone */
    return TLSWIRE_E_INVALID;
  struct tlswire_bound *b = OPENSSL_zalloc(sizeof *b);
  if (b == NULL)
    return TLSWIRE_E_NOMEM;
  if (tlswire_ring_init(&b->out, limit, size) != 0) {
    OPENSSL_free(b);
    return TLSWIRE_E_INVALID;
  }
  b->transport = t;
  t->bound = 1;
  *out = b;
  return TLSWIRE_OK;
}

void tlswire_bound_free(struct tlswire_bound *b) {
  if (b == NULL)
    return;
  tlswire_transport_free(b->transport);
  tlswire_ring_free(&b->out);
  OPENSSL_free(b);
}
