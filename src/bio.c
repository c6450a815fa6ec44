/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bio.c - the memory BIO (see bio.h), and the method-table helper shared
 * with the bound BIO.
 *
 * Method tables are created once per process and never freed (every BIO
 * made from one points at it). A failed build (out of memory) is retried by
 * the next caller; racing builders settle on one table through
 * compare-and-swap and the loser frees its own.
 */

#include <openssl/crypto.h>

#include "bio.h"

size_t tlswire_bio_take(struct tlswire_ring *r, const char *buf, size_t n) {
  size_t space = tlswire_ring_space(r);
  if (n > space && tlswire_ring_len(r) > 0)
    return 0;
  return tlswire_ring_put(r, buf, n);
}

int tlswire_bio_wrote(BIO *bio, size_t n) {
  if (n > 0)
    return 1;
  BIO_set_retry_write(bio);
  return 0;
}

static int mem_write(BIO *bio, const char *buf, size_t len, size_t *written) {
  struct tlswire_bio_mem *st = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  *written = tlswire_bio_take(&st->out, buf, len);
  return tlswire_bio_wrote(bio, *written);
}

static int mem_read(BIO *bio, char *buf, size_t len, size_t *readbytes) {
  struct tlswire_bio_mem *st = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  *readbytes = tlswire_ring_get(&st->in, buf, len);
  if (*readbytes > 0)
    return 1;
  if (!st->in_eof)
    BIO_set_retry_read(bio);
  return 0;
}

/* libssl probes many controls per record (kTLS among them): those it does
 * not need an answer to are answered before the state is looked at. */
static long mem_ctrl(BIO *bio, int cmd, long num, void *ptr) {
  (void)ptr;
  const struct tlswire_bio_mem *st;
  switch (cmd) {
  case BIO_CTRL_PENDING:
    st = BIO_get_data(bio);
    return (long)tlswire_ring_len(&st->in);
  case BIO_CTRL_WPENDING:
    st = BIO_get_data(bio);
    return (long)tlswire_ring_len(&st->out);
  case BIO_CTRL_EOF:
    st = BIO_get_data(bio);
    return st->in_eof && tlswire_ring_len(&st->in) == 0;
  case BIO_CTRL_FLUSH:
  case BIO_CTRL_DUP:
    return 1;
  case BIO_CTRL_GET_CLOSE:
    return BIO_get_shutdown(bio);
  case BIO_CTRL_SET_CLOSE:
    BIO_set_shutdown(bio, (int)num);
    return 1;
  default:
    return 0; /* the DTLS MTU queries too: DTLS users set the MTU */
  }
}

static int bio_create(BIO *bio) {
  BIO_set_init(bio, 1);
  return 1;
}

static int bio_destroy(BIO *bio) {
  BIO_set_data(bio, NULL);
  return 1;
}

BIO_METHOD *tlswire_bio_method_new(const char *name,
                                   int (*write)(BIO *, const char *, size_t,
                                                size_t *),
                                   int (*read)(BIO *, char *, size_t, size_t *),
                                   long (*ctrl)(BIO *, int, long, void *)) {
  BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, name);
  if (m == NULL)
    return NULL;
  if (!BIO_meth_set_write_ex(m, write) || !BIO_meth_set_read_ex(m, read) ||
      !BIO_meth_set_ctrl(m, ctrl) || !BIO_meth_set_create(m, bio_create) ||
      !BIO_meth_set_destroy(m, bio_destroy)) {
    BIO_meth_free(m);
    return NULL;
  }
  return m;
}

static BIO_METHOD *mem_method_build(void) {
  return tlswire_bio_method_new("tlswire memory", mem_write, mem_read,
                                mem_ctrl);
}

static BIO_METHOD *method_get(BIO_METHOD **slot, BIO_METHOD *(*build)(void)) {
  BIO_METHOD *m = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (m != NULL)
    return m;
  BIO_METHOD *built = build();
  if (built == NULL)
    return NULL;
  BIO_METHOD *expected = NULL;
  if (__atomic_compare_exchange_n(slot, &expected, built, 0, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE))
    return built;
  BIO_meth_free(built);
  return expected;
}

BIO *tlswire_bio_make(BIO_METHOD **slot, BIO_METHOD *(*build)(void),
                      void *st) {
  BIO_METHOD *m = method_get(slot, build);
  BIO *bio = m ? BIO_new(m) : NULL;
  if (bio != NULL)
    BIO_set_data(bio, st);
  return bio;
}

static BIO_METHOD *mem_method;

BIO *tlswire_bio_mem_new(struct tlswire_bio_mem *st) {
  return tlswire_bio_make(&mem_method, mem_method_build, st);
}
