/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bio.h - the memory BIO: libssl's ciphertext in two bounded rings.
 *
 * One BIO serves as both rbio and wbio: reads take ciphertext from the input
 * ring, writes put ciphertext into the output ring. The BIO knows nothing of
 * connections; its owner feeds the input ring, drains the output ring, and
 * decides when ring storage is released.
 *
 * Write rule: a write is taken whole when it fits in the output ring's
 * storage, else nothing is taken and the write is retried later (an empty
 * ring takes what fits of a write larger than all of its storage). A record
 * libssl has built is therefore never split, and an owner that starts a
 * write only with TLSWIRE_RECORD_ROOM free never leaves an application
 * record behind in libssl.
 */
#ifndef TLSWIRE_SRC_BIO_H
#define TLSWIRE_SRC_BIO_H

#include <openssl/bio.h>

#include <openssl/ssl.h>

#include "ring.h"

/* Storage an output ring has beyond its soft capacity: one whole record as
 * libssl builds it (with a TLS 1.0 empty-fragment prefix, or a KeyUpdate
 * before it). A write started with this much room free is taken whole. */
#define TLSWIRE_RECORD_ROOM                                                    \
  (SSL3_RT_MAX_PACKET_SIZE + SSL3_RT_HEADER_LENGTH +                           \
   SSL3_RT_MAX_ENCRYPTED_OVERHEAD)

/* The most ciphertext a write adds beyond its plaintext (header, tag or MAC
 * and padding, an explicit IV, a TLS 1.0 empty fragment or a KeyUpdate
 * record before it), with no record padding configured (tlswire sets
 * none): a write of n plaintext bytes started with n + this much room free
 * is taken whole. */
#define TLSWIRE_RECORD_OVERHEAD (TLSWIRE_RECORD_ROOM - SSL3_RT_MAX_PLAIN_LENGTH)

/* The largest record a peer may send: 16 KiB of plaintext, the most
 * expansion libssl accepts and the header (16,709 bytes). An input ring
 * takes at least this much, so a whole record is fed with one bio_write. */
#define TLSWIRE_RECORD_MAX                                                     \
  (SSL3_RT_MAX_PLAIN_LENGTH + SSL3_RT_MAX_ENCRYPTED_OVERHEAD +                 \
   SSL3_RT_HEADER_LENGTH)

/* Storage of every ring of a context with ring capacity `capacity`: room
 * for one record as libssl builds it, or the capacity if larger. One size
 * for both directions, so they share one pool of blocks. */
static inline size_t tlswire_bio_ring_size(size_t capacity) {
  return capacity > TLSWIRE_RECORD_ROOM ? capacity : TLSWIRE_RECORD_ROOM;
}

/* The soft capacity of an input ring: the ring capacity, but at least one
 * whole record. */
static inline size_t tlswire_bio_in_limit(size_t capacity) {
  return capacity > TLSWIRE_RECORD_MAX ? capacity : TLSWIRE_RECORD_MAX;
}

/* What the memory BIO works on; owned by the connection. */
struct tlswire_bio_mem {
  struct tlswire_ring in;  /* ciphertext from the peer, read by libssl */
  struct tlswire_ring out; /* ciphertext for the peer, written by libssl */
  int in_eof;              /* the input has ended (bio_shutdown) */
};

/* A new memory BIO over st (not owned by the BIO), or NULL. */
BIO *tlswire_bio_mem_new(struct tlswire_bio_mem *st);

/* A source/sink method table with tlswire's create and destroy, or NULL. */
BIO_METHOD *tlswire_bio_method_new(const char *name,
                                   int (*write)(BIO *, const char *, size_t,
                                                size_t *),
                                   int (*read)(BIO *, char *, size_t, size_t *),
                                   long (*ctrl)(BIO *, int, long, void *));

/* A BIO with data st (not owned) from the method table in *slot, which
 * build makes on first use (process-wide, thread-safe); NULL on failure. */
BIO *tlswire_bio_make(BIO_METHOD **slot, BIO_METHOD *(*build)(void), void *st);

/* A BIO write method's answer once n bytes were taken: 1, or 0 with the
 * retry flag set when nothing was. */
int tlswire_bio_wrote(BIO *bio, size_t n);

/* Takes n bytes of a BIO write into ring r by the write rule above; returns
 * how many (0: retry later). */
size_t tlswire_bio_take(struct tlswire_ring *r, const char *buf, size_t n);

#endif /* TLSWIRE_SRC_BIO_H */
