/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ring.c - a bounded byte ring (circular buffer).
 */
#include <assert.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ring.h"

static void ring_check(const struct tlswire_ring *r) {
  assert(r->limit <= r->size);
  assert(r->len <= r->size);
  assert(r->head < r->size || (r->head == 0 && r->size == 0));
  assert(r->window <= r->size - r->len);
  assert(r->data != NULL || (r->len == 0 && r->window == 0));
  (void)r;
}

int tlswire_ring_init(struct tlswire_ring *r, size_t limit, size_t size) {
  memset(r, 0, sizeof *r);
  if (limit == 0 || size < limit)
    return -1;
  r->size = size;
  r->limit = limit;
  return 0;
}

/* --- the pool ------------------------------------------------------------ */

void tlswire_ring_pool_init(struct tlswire_ring_pool *p, size_t size) {
  memset(p, 0, sizeof *p);
  p->size = size;
}

void tlswire_ring_pool_drain(struct tlswire_ring_pool *p) {
  for (int i = 0; i < TLSWIRE_RING_POOL_SLOTS; i++)
    OPENSSL_free(__atomic_exchange_n(&p->slot[i], NULL, __ATOMIC_ACQUIRE));
}

/* A free block, or NULL. Empty slots are only read, not written. */
static unsigned char *pool_take(struct tlswire_ring_pool *p) {
  for (int i = 0; i < TLSWIRE_RING_POOL_SLOTS; i++) {
    if (__atomic_load_n(&p->slot[i], __ATOMIC_RELAXED) == NULL)
      continue;
    unsigned char *b = __atomic_exchange_n(&p->slot[i], NULL, __ATOMIC_ACQUIRE);
    if (b != NULL)
      return b;
  }
  return NULL;
}

/* Puts block b in a free slot: 0, or -1 when the pool is full. */
static int pool_give(struct tlswire_ring_pool *p, unsigned char *b) {
  for (int i = 0; i < TLSWIRE_RING_POOL_SLOTS; i++) {
    unsigned char *expected = NULL;
    if (__atomic_load_n(&p->slot[i], __ATOMIC_RELAXED) == NULL &&
        __atomic_compare_exchange_n(&p->slot[i], &expected, b, 0,
                                    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
      return 0;
  }
  return -1;
}

/* --- storage --------------------------------------------------------------- */

void tlswire_ring_use_pool(struct tlswire_ring *r,
                           struct tlswire_ring_pool *p) {
  assert(r->data == NULL);
  r->pool = p != NULL && p->size == r->size ? p : NULL;
}

/* Storage on first use: a pooled block, else a new one. */
static int ring_storage(struct tlswire_ring *r) {
  if (r->data == NULL && r->pool != NULL)
    r->data = pool_take(r->pool);
  if (r->data == NULL)
    r->data = OPENSSL_malloc(r->size);
  r->alloc_failed = r->data == NULL;
  return r->alloc_failed ? -1 : 0;
}

static void storage_drop(struct tlswire_ring *r) {
  if (r->data != NULL && (r->pool == NULL || pool_give(r->pool, r->data) != 0))
    OPENSSL_free(r->data);
  r->data = NULL;
}

void tlswire_ring_free(struct tlswire_ring *r) {
  storage_drop(r);
  memset(r, 0, sizeof *r);
}

void tlswire_ring_drop_storage(struct tlswire_ring *r) {
  ring_check(r);
  assert(r->len == 0 && r->window == 0);
  storage_drop(r);
  r->head = 0;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Index of the first free byte. */
static size_t ring_tail(const struct tlswire_ring *r) {
  size_t tail = r->head + r->len;
  return tail >= r->size ? tail - r->size : tail;
}

size_t tlswire_ring_put(struct tlswire_ring *r, const void *src, size_t n) {
  r->window = 0;
  n = min_size(n, r->size - r->len);
  if (n == 0 || ring_storage(r) != 0)
    return 0;
  size_t tail = ring_tail(r);
  size_t first = min_size(n, r->size - tail);
  memcpy(r->data + tail, src, first);
  memcpy(r->data, (const unsigned char *)src + first, n - first);
  r->len += n;
  ring_check(r);
  return n;
}

size_t tlswire_ring_copy(const struct tlswire_ring *r, void *dst, size_t n) {
  n = min_size(n, r->len);
  if (n == 0)
    return 0;
  size_t first = min_size(n, r->size - r->head);
  memcpy(dst, r->data + r->head, first);
  memcpy((unsigned char *)dst + first, r->data, n - first);
  return n;
}

void tlswire_ring_consume(struct tlswire_ring *r, size_t n) {
  assert(n <= r->len);
  n = min_size(n, r->len);
  r->len -= n;
  r->head += n;
  if (r->head >= r->size)
    r->head -= r->size;
  /* An empty ring restarts at 0 so the next window is as large as can be;
   * an open window pins the tail where it is. */
  if (r->len == 0 && r->window == 0)
    r->head = 0;
  ring_check(r);
}

size_t tlswire_ring_get(struct tlswire_ring *r, void *dst, size_t n) {
  n = tlswire_ring_copy(r, dst, n);
  tlswire_ring_consume(r, n);
  return n;
}

const unsigned char *tlswire_ring_peek(const struct tlswire_ring *r,
                                       size_t *n) {
  *n = min_size(r->len, r->size - r->head);
  return *n == 0 ? NULL : r->data + r->head;
}

unsigned char *tlswire_ring_window(struct tlswire_ring *r, size_t *n) {
  *n = 0;
  r->window = 0;
  if (r->len >= r->limit || ring_storage(r) != 0)
    return NULL;
  size_t tail = ring_tail(r);
  /* Free bytes run to the end of storage, or up to head once wrapped. */
  size_t contiguous = tail >= r->head && r->len < r->size ? r->size - tail
                                                          : r->head - tail;
  *n = min_size(r->limit - r->len, contiguous);
  r->window = *n;
  ring_check(r);
  return *n == 0 ? NULL : r->data + tail;
}

int tlswire_ring_commit(struct tlswire_ring *r, size_t n) {
  if (r->window == 0 || n > r->window)
    return -1;
  r->len += n;
  r->window = 0;
  ring_check(r);
  return 0;
}
