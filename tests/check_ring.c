/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_ring.c - the bounded byte ring under the BIO.
 */
#include <string.h>

#include "ring.h"
#include "testmain.h"

START_TEST(put_get_roundtrip) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 8, 8), 0);
  ck_assert_uint_eq(tlswire_ring_put(&r, "abcdef", 6), 6);
  char out[8] = {0};
  ck_assert_uint_eq(tlswire_ring_get(&r, out, 4), 4);
  ck_assert_int_eq(memcmp(out, "abcd", 4), 0);
  ck_assert_uint_eq(tlswire_ring_len(&r), 2);
  tlswire_ring_free(&r);
}
END_TEST

START_TEST(put_bounded_by_storage) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 4, 6), 0);
  ck_assert_uint_eq(tlswire_ring_put(&r, "0123456789", 10), 6);
  ck_assert_int_eq(tlswire_ring_full(&r), 1);
  ck_assert_uint_eq(tlswire_ring_put(&r, "x", 1), 0);
  tlswire_ring_free(&r);
}
END_TEST

/* Every offset of wrap-around keeps the byte order. */
START_TEST(wraps_in_order) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 7, 7), 0);
  unsigned char next = 0, expect = 0;
  for (int round = 0; round < 50; round++) {
    unsigned char in[5];
    for (int i = 0; i < 5; i++)
      in[i] = next++;
    ck_assert_uint_eq(tlswire_ring_put(&r, in, 5), 5);
    unsigned char out[5];
    ck_assert_uint_eq(tlswire_ring_get(&r, out, 5), 5);
    for (int i = 0; i < 5; i++)
      ck_assert_uint_eq(out[i], expect++);
    ck_assert_uint_eq(tlswire_ring_put(&r, in, 2), 2);
    ck_assert_uint_eq(tlswire_ring_get(&r, out, 2), 2);
    ck_assert_int_eq(memcmp(out, in, 2), 0);
  }
  tlswire_ring_free(&r);
}
END_TEST

START_TEST(peek_is_contiguous_then_rest) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 8, 8), 0);
  tlswire_ring_put(&r, "abcdef", 6);
  char sink[6];
  tlswire_ring_get(&r, sink, 5);   /* head at 5, one byte left */
  tlswire_ring_put(&r, "ghij", 4); /* wraps: f g h at 5..7, i j at 0..1 */
  size_t n;
  const unsigned char *p = tlswire_ring_peek(&r, &n);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(memcmp(p, "fgh", 3), 0);
  tlswire_ring_consume(&r, n);
  p = tlswire_ring_peek(&r, &n);
  ck_assert_uint_eq(n, 2);
  ck_assert_int_eq(memcmp(p, "ij", 2), 0);
  tlswire_ring_free(&r);
}
END_TEST

START_TEST(window_respects_limit_and_wrap) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 8, 8), 0);
  size_t n;
  unsigned char *w = tlswire_ring_window(&r, &n);
  ck_assert_uint_eq(n, 8);
  memcpy(w, "abcdefgh", 6);
  tlswire_ring_commit(&r, 6);
  char sink[4];
  tlswire_ring_get(&r, sink, 4); /* head 4, len 2, tail 6 */
  tlswire_ring_window(&r, &n);
  ck_assert_uint_eq(n, 2); /* up to the end of storage */
  tlswire_ring_commit(&r, 2);
  w = tlswire_ring_window(&r, &n); /* wrapped: from 0 up to head */
  ck_assert_uint_eq(n, 4);
  ck_assert_ptr_eq(w, r.data);
  tlswire_ring_free(&r);
}
END_TEST

START_TEST(soft_limit_window_zero) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 4, 16), 0);
  tlswire_ring_put(&r, "0123456789", 10);
  size_t n;
  tlswire_ring_window(&r, &n);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(tlswire_ring_full(&r), 1);
  tlswire_ring_free(&r);
}
END_TEST

START_TEST(init_rejects_bad_sizes) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 0, 8), -1);
  ck_assert_int_eq(tlswire_ring_init(&r, 9, 8), -1);
}
END_TEST

START_TEST(empty_ring_resets_head) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 8, 8), 0);
  tlswire_ring_put(&r, "abc", 3);
  char sink[3];
  tlswire_ring_get(&r, sink, 3);
  ck_assert_uint_eq(r.head, 0);
  size_t n;
  tlswire_ring_window(&r, &n);
  ck_assert_uint_eq(n, 8);
  tlswire_ring_free(&r);
}
END_TEST

START_TEST(storage_is_lazy) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 8, 8), 0);
  ck_assert_ptr_null(r.data);
  size_t n;
  ck_assert_ptr_null(tlswire_ring_peek(&r, &n));
  ck_assert_uint_eq(n, 0);
  ck_assert_uint_eq(tlswire_ring_put(&r, "ab", 2), 2);
  ck_assert_ptr_nonnull(r.data);
  char out[2];
  ck_assert_uint_eq(tlswire_ring_get(&r, out, 2), 2);
  ck_assert_ptr_nonnull(r.data); /* kept without release */
  tlswire_ring_free(&r);
}
END_TEST

START_TEST(release_only_when_idle) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 8, 8), 0);
  tlswire_ring_put(&r, "abc", 3);
  char out[3];
  tlswire_ring_get(&r, out, 2);
  tlswire_ring_release(&r);
  ck_assert_ptr_nonnull(r.data); /* one byte still held */
  tlswire_ring_get(&r, out, 1);
  ck_assert_ptr_nonnull(r.data); /* emptying alone frees nothing */
  tlswire_ring_release(&r);
  ck_assert_ptr_null(r.data);
  size_t n;
  ck_assert_ptr_nonnull(tlswire_ring_window(&r, &n)); /* allocates again */
  ck_assert_uint_eq(n, 8);
  tlswire_ring_release(&r);
  ck_assert_ptr_nonnull(r.data); /* an open window pins the storage */
  tlswire_ring_close_window(&r);
  tlswire_ring_release(&r);
  ck_assert_ptr_null(r.data);
  tlswire_ring_free(&r);
}
END_TEST

/* A window keeps its place while bytes before it are consumed, even when
 * the ring empties (which otherwise restarts it at 0). */
START_TEST(window_survives_consume) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 8, 8), 0);
  tlswire_ring_put(&r, "abc", 3);
  size_t n;
  unsigned char *w = tlswire_ring_window(&r, &n);
  ck_assert_uint_eq(n, 5);
  char out[3];
  ck_assert_uint_eq(tlswire_ring_get(&r, out, 3), 3);
  memcpy(w, "xyz", 3);
  ck_assert_int_eq(tlswire_ring_commit(&r, 3), 0);
  ck_assert_uint_eq(tlswire_ring_get(&r, out, 3), 3);
  ck_assert_int_eq(memcmp(out, "xyz", 3), 0);
  tlswire_ring_free(&r);
}
END_TEST

START_TEST(commit_needs_window) {
  struct tlswire_ring r;
  ck_assert_int_eq(tlswire_ring_init(&r, 8, 8), 0);
  ck_assert_int_eq(tlswire_ring_commit(&r, 1), -1);
  size_t n;
  tlswire_ring_window(&r, &n);
  ck_assert_int_eq(tlswire_ring_commit(&r, n + 1), -1); /* too big */
  ck_assert_int_eq(tlswire_ring_commit(&r, 2), 0);
  ck_assert_int_eq(tlswire_ring_commit(&r, 1), -1); /* closed by commit */
  tlswire_ring_window(&r, &n);
  tlswire_ring_put(&r, "q", 1); /* closes it too */
  ck_assert_int_eq(tlswire_ring_commit(&r, 1), -1);
  ck_assert_uint_eq(tlswire_ring_len(&r), 3);
  tlswire_ring_free(&r);
}
END_TEST

static Suite *ring_suite(void) {
  Suite *s = suite_create("ring");
  TW_ADD(s, put_get_roundtrip);
  TW_ADD(s, put_bounded_by_storage);
  TW_ADD(s, wraps_in_order);
  TW_ADD(s, peek_is_contiguous_then_rest);
  TW_ADD(s, window_respects_limit_and_wrap);
  TW_ADD(s, soft_limit_window_zero);
  TW_ADD(s, init_rejects_bad_sizes);
  TW_ADD(s, empty_ring_resets_head);
  TW_ADD(s, storage_is_lazy);
  TW_ADD(s, release_only_when_idle);
  TW_ADD(s, window_survives_consume);
  TW_ADD(s, commit_needs_window);
  return s;
}

TW_TEST_MAIN(ring_suite, 0)
