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

/* Storage on first use. */
static int ring_storage(struct tlswire_ring *r) {
  if (r->data == NULL)
    r->data = OPENSSL_malloc(r->size);
  r->alloc_failed = r->data == NULL;
  return r->alloc_failed ? -1 : 0;
}

void tlswire_ring_free(struct tlswire_ring *r) {
  OPENSSL_free(r->data);
  memset(r, 0, sizeof *r);
}

void tlswire_ring_release(struct tlswire_ring *r) {
  ring_check(r);
  if (r->len != 0 || r->window != 0 || r->data == NULL)
    return;
  OPENSSL_free(r->data);
  r->data = NULL;
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
