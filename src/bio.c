/*
 * bio.c - the ring BIO.
 *
 * The method table is created once per process and never freed (every BIO
 * made from it points at it).
 */

#include <openssl/crypto.h>

#include "bind.h"
#include "bio.h"

/* Built on first use and kept for the life of the process. A failed build
 * (out of memory) is retried by the next caller; racing builders settle on
 * one method through compare-and-swap and the loser frees its own. */
static BIO_METHOD *ring_method;

static int ring_bio_write(BIO *bio, const char *buf, size_t len,
                          size_t *written) {
  struct tlswire_bio_state *st = BIO_get_data(bio);
  if (st->transport != NULL)
    return tlswire_bind_bio_write(bio, st, buf, len, written);
  BIO_clear_retry_flags(bio);
  /* Soft limit: once below it, a whole record is taken, so libssl never has
   * to keep a half-written record that a later send would need to repeat. */
  if (tlswire_ring_full(&st->out)) {
    st->want_write = 1;
    BIO_set_retry_write(bio);
    return 0;
  }
  *written = tlswire_ring_put(&st->out, buf, len);
  st->want_write = 0;
  if (*written == 0) {
    BIO_set_retry_write(bio);
    return 0;
  }
  return 1;
}

static int ring_bio_read(BIO *bio, char *buf, size_t len, size_t *readbytes) {
  struct tlswire_bio_state *st = BIO_get_data(bio);
  if (st->transport != NULL)
    return tlswire_bind_bio_read(bio, st, buf, len, readbytes);
  BIO_clear_retry_flags(bio);
  *readbytes = tlswire_ring_get(&st->in, buf, len);
  if (*readbytes > 0)
    return 1;
  if (!st->in_eof)
    BIO_set_retry_read(bio);
  return 0;
}

static long ring_bio_ctrl(BIO *bio, int cmd, long num, void *ptr) {
  struct tlswire_bio_state *st = BIO_get_data(bio);
  if (st->transport != NULL && tlswire_bind_bio_ctrl_owns(st, cmd))
    return tlswire_bind_bio_ctrl(bio, st, cmd, num, ptr);
  switch (cmd) {
  case BIO_CTRL_PENDING:
    return (long)tlswire_ring_len(&st->in);
  case BIO_CTRL_WPENDING:
    return (long)tlswire_ring_len(&st->out);
  case BIO_CTRL_EOF:
    return st->in_eof && tlswire_ring_len(&st->in) == 0;
  case BIO_CTRL_FLUSH:
  case BIO_CTRL_DUP:
    return 1;
  case BIO_CTRL_GET_CLOSE:
    return BIO_get_shutdown(bio);
  case BIO_CTRL_SET_CLOSE:
    BIO_set_shutdown(bio, (int)num);
    return 1;
  case BIO_CTRL_DGRAM_QUERY_MTU:
  case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
    return 0; /* unknown: DTLS users set the MTU explicitly */
  default:
    return 0;
  }
}

static int ring_bio_create(BIO *bio) {
  BIO_set_init(bio, 1);
  return 1;
}

static int ring_bio_destroy(BIO *bio) {
  BIO_set_data(bio, NULL);
  return 1;
}

static BIO_METHOD *ring_method_build(void) {
  BIO_METHOD *m =
      BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tlswire ring");
  if (m == NULL)
    return NULL;
  if (!BIO_meth_set_write_ex(m, ring_bio_write) ||
      !BIO_meth_set_read_ex(m, ring_bio_read) ||
      !BIO_meth_set_ctrl(m, ring_bio_ctrl) ||
      !BIO_meth_set_create(m, ring_bio_create) ||
      !BIO_meth_set_destroy(m, ring_bio_destroy)) {
    BIO_meth_free(m);
    return NULL;
  }
  return m;
}

static BIO_METHOD *ring_method_get(void) {
  BIO_METHOD *m = __atomic_load_n(&ring_method, __ATOMIC_ACQUIRE);
  if (m != NULL)
    return m;
  BIO_METHOD *built = ring_method_build();
  if (built == NULL)
    return NULL;
  BIO_METHOD *expected = NULL;
  if (__atomic_compare_exchange_n(&ring_method, &expected, built, 0,
                                  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return built;
  BIO_meth_free(built);
  return expected;
}

BIO *tlswire_bio_new(struct tlswire_bio_state *state) {
  BIO_METHOD *m = ring_method_get();
  BIO *bio = m ? BIO_new(m) : NULL;
  if (bio != NULL)
    BIO_set_data(bio, state);
  return bio;
}
