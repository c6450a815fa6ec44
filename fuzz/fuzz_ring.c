/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ring.c - the byte ring against a flat reference model: any sequence
 * of put / get / peek+consume / window ... commit / release keeps the same
 * bytes in the same order, never exceeds the storage, and a window stays
 * writable (ASan checks it) across gets, consumes and refused releases until
 * it is committed or closed.
 */
#include <stdint.h>
#include <string.h>

#include "ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { SIZE = 61, LIMIT = 47 };

struct model {
  unsigned char bytes[SIZE];
  size_t len;
  unsigned char next;
  unsigned char *window; /* the open window, or NULL */
  size_t window_len;
};

static void model_append(struct model *m, size_t n) {
  for (size_t k = 0; k < n; k++)
    m->bytes[m->len + k] = (unsigned char)(m->next + k);
  m->len += n;
  m->next = (unsigned char)(m->next + n);
}

static void model_drop(struct model *m, size_t n) {
  memmove(m->bytes, m->bytes + n, m->len - n);
  m->len -= n;
}

static void op_put(struct tlswire_ring *r, struct model *m, size_t n) {
  unsigned char buf[SIZE];
  for (size_t k = 0; k < n; k++)
    buf[k] = (unsigned char)(m->next + k);
  size_t got = tlswire_ring_put(r, buf, n);
  if (got != (n < SIZE - m->len ? n : SIZE - m->len))
    __builtin_trap();
  model_append(m, got);
  m->window = NULL; /* a put closes the window */
}

static void op_get(struct tlswire_ring *r, struct model *m, size_t n) {
  unsigned char buf[SIZE];
  size_t got = tlswire_ring_get(r, buf, n);
  if (got != (n < m->len ? n : m->len) || memcmp(buf, m->bytes, got) != 0)
    __builtin_trap();
  model_drop(m, got);
}

static void op_peek(struct tlswire_ring *r, struct model *m, size_t n) {
  size_t got;
  const unsigned char *p = tlswire_ring_peek(r, &got);
  if (got > m->len || (m->len > 0 && got == 0) ||
      (got > 0 && memcmp(p, m->bytes, got) != 0))
    __builtin_trap();
  got = got < n ? got : n;
  tlswire_ring_consume(r, got);
  model_drop(m, got);
}

static void op_window(struct tlswire_ring *r, struct model *m) {
  size_t got;
  unsigned char *w = tlswire_ring_window(r, &got);
  if ((got > 0 && m->len + got > LIMIT) || (got > 0) != (w != NULL))
    __builtin_trap();
  m->window = w;
  m->window_len = got;
}

static void op_commit(struct tlswire_ring *r, struct model *m, size_t n) {
  if (m->window == NULL) {
    if (tlswire_ring_window_open(r) || tlswire_ring_commit(r, n) == 0)
      __builtin_trap();
    return;
  }
  if (n > m->window_len) {
    if (tlswire_ring_commit(r, n) == 0)
      __builtin_trap();
    n = m->window_len;
  }
  for (size_t k = 0; k < n; k++)
    m->window[k] = (unsigned char)(m->next + k); /* ASan: still valid */
  if (tlswire_ring_commit(r, n) != 0)
    __builtin_trap();
  model_append(m, n);
  m->window = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tlswire_ring r;
  struct model m = {.len = 0};
  if (tlswire_ring_init(&r, LIMIT, SIZE) != 0)
    __builtin_trap();
  for (size_t i = 0; i < size; i++) {
    size_t n = (size_t)(data[i] >> 3) * 2 % SIZE;
    switch (data[i] & 7) {
    case 0:
      op_put(&r, &m, n);
      break;
    case 1:
      op_get(&r, &m, n);
      break;
    case 2:
      op_peek(&r, &m, n);
      break;
    case 3:
      op_window(&r, &m);
      break;
    case 4:
      op_commit(&r, &m, n);
      break;
    case 5:
      tlswire_ring_close_window(&r);
      m.window = NULL;
      break;
    default:
      tlswire_ring_release(&r); /* frees exactly when idle */
      if ((r.data == NULL) != (m.len == 0 && m.window == NULL))
        __builtin_trap();
      break;
    }
    if (tlswire_ring_len(&r) != m.len)
      __builtin_trap();
  }
  tlswire_ring_free(&r);
  return 0;
}
