/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ring.h - a bounded byte ring (circular buffer).
 *
 * The ring holds no allocation policy: storage is allocated when bytes or a
 * window first need it and is given back only by tlswire_ring_release(),
 * which its owner calls when it chooses (and which refuses while bytes or an
 * open window still point into it). A ring may draw its storage from a pool
 * of blocks of its size (tlswire_ring_use_pool), so that storage given back
 * and taken again costs no malloc. `limit` is the soft capacity that the
 * owner's admission rule uses; the storage (`size`) may be larger so that a
 * whole TLS record is always taken at once.
 *
 * Invariants (asserted in debug builds): len <= size, head < size (or 0),
 * limit <= size, an open window lies within the free space at the tail.
 */
#ifndef TLSWIRE_SRC_RING_H
#define TLSWIRE_SRC_RING_H

#include <stddef.h>

/* A small, bounded free list of storage blocks of one size, shared by the
 * rings of the connections of one context, possibly on several threads:
 * every slot is taken and filled with atomic operations (no lock, and no
 * ABA problem: a slot is exchanged whole). */
#define TLSWIRE_RING_POOL_SLOTS 4
struct tlswire_ring_pool {
  size_t size;                                  /* bytes of every block */
  unsigned char *slot[TLSWIRE_RING_POOL_SLOTS]; /* a free block, or NULL */
};

/* An empty pool of blocks of size bytes. */
void tlswire_ring_pool_init(struct tlswire_ring_pool *p, size_t size);
/* Frees every block the pool holds (no ring may be using the pool
 * concurrently). */
void tlswire_ring_pool_drain(struct tlswire_ring_pool *p);

struct tlswire_ring {
  struct tlswire_ring_pool *pool; /* where storage comes from, or NULL */
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
/* Gives the storage back (to the pool if there is room) and forgets
 * everything. */
void tlswire_ring_free(struct tlswire_ring *r);
/* From now on r takes storage from p and gives it back there, when p's
 * blocks are r's size (else the pool is not used). Call before the ring
 * has storage; p must outlive the ring. */
void tlswire_ring_use_pool(struct tlswire_ring *r,
                           struct tlswire_ring_pool *p);

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

/* Gives the storage back (to the pool when it has room, else to the heap);
 * the ring must be empty with no window open. Use tlswire_ring_release. */
void tlswire_ring_drop_storage(struct tlswire_ring *r);

/* Gives the storage back if the ring has some, is empty and no window is
 * open; the next put or window takes storage again. Inline: it runs after
 * every call, and usually has nothing to do. */
static inline void tlswire_ring_release(struct tlswire_ring *r) {
  if (r->data != NULL && r->len == 0 && r->window == 0)
    tlswire_ring_drop_storage(r);
}

#endif /* TLSWIRE_SRC_RING_H */
