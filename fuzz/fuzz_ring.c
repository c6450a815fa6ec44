/*
 * fuzz_ring.c - the byte ring against a flat reference model: any sequence
 * of put / get / peek+consume / window+commit keeps the same bytes in the
 * same order and never exceeds the storage.
 */
#include <stdint.h>
#include <string.h>

#include "ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { SIZE = 61, LIMIT = 47 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tlswire_ring r;
  unsigned char model[SIZE], buf[SIZE];
  size_t mlen = 0;
  unsigned char next = 0;
  if (tlswire_ring_init(&r, LIMIT, SIZE) != 0)
    __builtin_trap();
  r.release = size > 0 && data[0] & 1;
  for (size_t i = 1; i < size; i++) {
    size_t n = (size_t)(data[i] >> 2) % SIZE, got;
    switch (data[i] & 3) {
    case 0: /* put */
      for (size_t k = 0; k < n; k++)
        buf[k] = (unsigned char)(next + k);
      got = tlswire_ring_put(&r, buf, n);
      if (got != (n < SIZE - mlen ? n : SIZE - mlen))
        __builtin_trap();
      memcpy(model + mlen, buf, got);
      mlen += got;
      next = (unsigned char)(next + got);
      break;
    case 1: /* get */
      got = tlswire_ring_get(&r, buf, n);
      if (got != (n < mlen ? n : mlen) || memcmp(buf, model, got) != 0)
        __builtin_trap();
      memmove(model, model + got, mlen - got);
      mlen -= got;
      break;
    case 2: { /* peek + consume */
      const unsigned char *p = tlswire_ring_peek(&r, &got);
      if (got > mlen || (mlen > 0 && got == 0) ||
          (got > 0 && memcmp(p, model, got) != 0))
        __builtin_trap();
      got = got < n ? got : n;
      tlswire_ring_consume(&r, got);
      memmove(model, model + got, mlen - got);
      mlen -= got;
      break;
    }
    default: { /* window + commit */
      unsigned char *w = tlswire_ring_window(&r, &got);
      if (mlen + got > LIMIT && got > 0)
        __builtin_trap();
      got = got < n ? got : n;
      for (size_t k = 0; k < got; k++)
        w[k] = (unsigned char)(next + k);
      tlswire_ring_commit(&r, got);
      for (size_t k = 0; k < got; k++)
        model[mlen + k] = (unsigned char)(next + k);
      mlen += got;
      next = (unsigned char)(next + got);
      break;
    }
    }
    if (tlswire_ring_len(&r) != mlen)
      __builtin_trap();
  }
  tlswire_ring_free(&r);
  return 0;
}
