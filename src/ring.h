/*
 * ring.h - a bounded byte ring (circular buffer).
 *
 * The ring holds no allocation policy: storage is allocated when bytes or a
 * window first need it and is given back only by tlswire_ring_release(),
 * which its owner calls when it chooses (and which refuses while bytes or an
 * open window still point into it). `limit` is the soft capacity that the
 * owner's admission rule uses; the storage (`size`) may be larger so that a
 * whole TLS record is always taken at once.
 *
 * Invariants (asserted in debug builds): len <= size, head < size (or 0),
 * limit <= size, an open window lies within the free space at the tail.
 */
#ifndef TLSWIRE_SRC_RING_H
#define TLSWIRE_SRC_RING_H

#include <stddef.h>

struct tlswire_ring {
  unsigned char *data;
  size_t size;       /* bytes of storage */
  size_t limit;      /* soft capacity, <= size */
  size_t head;       /* index of the oldest byte */
  size_t len;        /* bytes stored */
  size_t window;     /* length of the open window at the tail; 0: none */
  int alloc_failed;  /* the last attempt to get storage failed */
};

/* Sets up a ring of size bytes with soft capacity limit (no allocation
 * yet). 0, or -1 for inconsistent sizes. */
int tlswire_ring_init(struct tlswire_ring *r, size_t limit, size_t size);
/* Frees the storage and forgets everything. */
void tlswire_ring_free(struct tlswire_ring *r);

static inline size_t tlswire_ring_len(const struct tlswire_ring *r) {
  return r->len;
}
/* Free bytes of storage (not only below the soft limit). */
static inline size_t tlswire_ring_space(const struct tlswire_ring *r) {
  return r->size - r->len;
}
static inline int tlswire_ring_full(const struct tlswire_ring *r) {
  return r->len >= r->limit;
}

/* Appends up to n bytes (bounded by the storage); returns how many (0 with
 * alloc_failed set when storage could not be allocated). Closes an open
 * window: the bytes land where the window was. */
size_t tlswire_ring_put(struct tlswire_ring *r, const void *src, size_t n);
/* Removes up to n bytes into dst; returns how many. */
size_t tlswire_ring_get(struct tlswire_ring *r, void *dst, size_t n);
/* Copies up to n bytes without removing them; returns how many. */
size_t tlswire_ring_copy(const struct tlswire_ring *r, void *dst, size_t n);

/* Zero-copy out: the first contiguous readable piece (valid until the next
 * consume, get or free), and dropping n bytes (n <= len). */
const unsigned char *tlswire_ring_peek(const struct tlswire_ring *r, size_t *n);
void tlswire_ring_consume(struct tlswire_ring *r, size_t n);

/* Zero-copy in: opens a window, the first contiguous free piece within the
 * soft limit (NULL and *n == 0 when there is none). The window stays valid
 * through any get/consume until it is committed, closed, or the ring is
 * freed; opening it again returns the same place. */
unsigned char *tlswire_ring_window(struct tlswire_ring *r, size_t *n);
/* Commits n bytes (n <= the window) written into the open window and
 * closes it. 0, or -1 (nothing changed) without a window or for n too big. */
int tlswire_ring_commit(struct tlswire_ring *r, size_t n);
/* Closes the window without committing anything. */
static inline void tlswire_ring_close_window(struct tlswire_ring *r) {
  r->window = 0;
}
static inline int tlswire_ring_window_open(const struct tlswire_ring *r) {
  return r->window != 0;
}

/* Gives the storage back if the ring is empty and no window is open; the
 * next put or window allocates again. */
void tlswire_ring_release(struct tlswire_ring *r);

#endif /* TLSWIRE_SRC_RING_H */
