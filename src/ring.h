/*
 * ring.h - a bounded byte ring (circular buffer).
 *
 * The storage is allocated on first use, and with `release` set it is freed
 * again whenever the ring empties (TLSWIRE_MODE_RELEASE_BUFFERS: idle
 * connections then hold no ring memory). `limit` is the soft capacity:
 * writers that honour it stop when `len >= limit`; the storage may be larger
 * (`size`) so that a TLS record libssl has already built is accepted whole.
 */
#ifndef TLSWIRE_SRC_RING_H
#define TLSWIRE_SRC_RING_H

#include <stddef.h>

struct tlswire_ring {
  unsigned char *data;
  size_t size;      /* bytes of storage */
  size_t limit;     /* soft capacity, <= size */
  size_t head;      /* index of the oldest byte */
  size_t len;       /* bytes stored */
  int release;      /* free the storage whenever the ring empties */
  int alloc_failed; /* the last attempt to get storage failed */
};

/* Sets up a ring of size bytes with soft capacity limit (no allocation
 * yet). 0, or -1 for inconsistent sizes. */
int tlswire_ring_init(struct tlswire_ring *r, size_t limit, size_t size);
void tlswire_ring_free(struct tlswire_ring *r);

static inline size_t tlswire_ring_len(const struct tlswire_ring *r) {
  return r->len;
}
static inline size_t tlswire_ring_space(const struct tlswire_ring *r) {
  return r->size - r->len;
}
static inline int tlswire_ring_full(const struct tlswire_ring *r) {
  return r->len >= r->limit;
}

/* Appends up to n bytes (bounded by the storage); returns how many (0 with
 * alloc_failed set when storage could not be allocated). */
size_t tlswire_ring_put(struct tlswire_ring *r, const void *src, size_t n);
/* Removes up to n bytes into dst; returns how many. */
size_t tlswire_ring_get(struct tlswire_ring *r, void *dst, size_t n);
/* Copies up to n bytes without removing them; returns how many. */
size_t tlswire_ring_copy(const struct tlswire_ring *r, void *dst, size_t n);

/* Zero-copy: the first contiguous readable piece, and dropping n bytes. */
const unsigned char *tlswire_ring_peek(const struct tlswire_ring *r, size_t *n);
void tlswire_ring_consume(struct tlswire_ring *r, size_t n);
/* Zero-copy: the first contiguous free piece within the soft limit, and
 * committing n bytes written into it. */
unsigned char *tlswire_ring_window(struct tlswire_ring *r, size_t *n);
void tlswire_ring_commit(struct tlswire_ring *r, size_t n);

#endif /* TLSWIRE_SRC_RING_H */
