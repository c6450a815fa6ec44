/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_transport_pipe.c - the in-memory pipe transport and its faults, at
 * the vtable level, against a model of its queue, under failing allocations,
 * and one TLS pair over it (check_bind.c runs more TLS over it).
 *
 * main() is the failmalloc one: OpenSSL's allocator (which the pipe uses)
 * fails on demand, and otherwise behaves as malloc.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "failmalloc.h"
#include "testmain.h"
#include "transport.h"

static tlswire_transport *ta, *tb;

static void pipe_setup(void) {
  ck_assert_int_eq(tlswire_transport_pipe_new(&ta, &tb, 16), TLSWIRE_OK);
}

static void pipe_teardown(void) {
  tlswire_transport_free(ta);
  tlswire_transport_free(tb);
}

static int tsend(tlswire_transport *t, const char *s, size_t *n) {
  return tlswire_transport_send(t, s, strlen(s), n);
}

START_TEST(pipe_new_rejects_bad_arguments) {
  tlswire_transport *a = (void *)1, *b = (void *)1;
  ck_assert_int_eq(tlswire_transport_pipe_new(NULL, &b, 8), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, NULL, 8), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 0), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(a);
  ck_assert_ptr_null(b);
  tlswire_transport_free(NULL);
  ck_assert_int_eq(tlswire_transport_fileno(NULL), -1);
}
END_TEST

START_TEST(pipe_moves_bytes_both_ways) {
  size_t n;
  char buf[32];
  ck_assert_int_eq(tsend(ta, "hello", &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  ck_assert_int_eq(tsend(tb, "world!", &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
  ck_assert_int_eq(tlswire_transport_recv(ta, buf, 3, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(tlswire_transport_recv(ta, buf + 3, 10, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(memcmp(buf, "world!", 6), 0);
  ck_assert_int_eq(tlswire_transport_fileno(ta), -1);
}
END_TEST

START_TEST(pipe_empty_and_full_would_block) {
  size_t n = 99;
  char buf[32];
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(tsend(ta, "0123456789abcdefXYZ", &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 16); /* bounded by the capacity */
  ck_assert_int_eq(tsend(ta, "more", &n), TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, 4, &n), TLSWIRE_OK);
  ck_assert_int_eq(tsend(ta, "more!", &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 4);
}
END_TEST

START_TEST(pipe_max_chunk_shortens_calls) {
  size_t n;
  char buf[32];
  ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(ta, 1), TLSWIRE_OK);
  ck_assert_int_eq(tsend(ta, "abc", &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(tsend(ta, "bc", &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(tb, 1), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(tb, 0), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(pipe_wouldblock_every_nth_call) {
  size_t n;
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(ta, 3),
                   TLSWIRE_OK);
  ck_assert_int_eq(tsend(ta, "a", &n), TLSWIRE_OK);
  ck_assert_int_eq(tsend(ta, "b", &n), TLSWIRE_OK);
  ck_assert_int_eq(tsend(ta, "c", &n), TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_eq(n, 0);
  char buf[8];
  ck_assert_int_eq(tlswire_transport_recv(ta, buf, 8, &n),
                   TLSWIRE_E_WANT_READ);            /* empty: not counted */
  ck_assert_int_eq(tsend(ta, "c", &n), TLSWIRE_OK); /* send 4 */
  ck_assert_int_eq(tlswire_transport_recv(ta, buf, 8, &n),
                   TLSWIRE_E_WANT_READ); /* still empty */
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, 8, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
}
END_TEST

START_TEST(pipe_eof_after_cuts_the_stream) {
  size_t n;
  char buf[16];
  ck_assert_int_eq(tlswire_transport_pipe_set_eof_after(tb, 4), TLSWIRE_OK);
  ck_assert_int_eq(tsend(ta, "abcdefgh", &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 4);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 0); /* EOF */
}
END_TEST

START_TEST(pipe_reset_after_fails_with_econnreset) {
  size_t n;
  char buf[16];
  ck_assert_int_eq(tlswire_transport_pipe_set_reset_after(tb, 2), TLSWIRE_OK);
  ck_assert_int_eq(tsend(ta, "abcdefgh", &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  errno = 0;
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, ECONNRESET);
  ck_assert_int_eq(tsend(tb, "x", &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, ECONNRESET);
}
END_TEST

START_TEST(pipe_closed_end_gives_eof_then_epipe) {
  size_t n;
  char buf[16];
  ck_assert_int_eq(tsend(ta, "bye", &n), TLSWIRE_OK);
  tlswire_transport_free(ta);
  ta = NULL;
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3); /* in-flight bytes still arrive */
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(tsend(tb, "x", &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, EPIPE);
}
END_TEST

START_TEST(pipe_datagrams_keep_boundaries) {
  size_t n;
  char buf[16];
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(ta, 1), TLSWIRE_OK);
  ck_assert_int_eq(tsend(ta, "abc", &n), TLSWIRE_OK);
  ck_assert_int_eq(tsend(ta, "defgh", &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  ck_assert_int_eq(tsend(ta, "ijklm", &n), TLSWIRE_E_WANT_WRITE); /* 16 */
  ck_assert_int_eq(tsend(ta, "0123456789abcdef", &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, EMSGSIZE); /* never fits */
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, 2, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2); /* truncated, the rest dropped */
  ck_assert_int_eq(memcmp(buf, "de", 2), 0);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tsend(tb, "x", &n), TLSWIRE_OK); /* both directions */
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(tb, 0),
                   TLSWIRE_E_STATE); /* not while bytes are queued */
}
END_TEST

static int cb_send(void *io, const void *buf, size_t len, size_t *sent) {
  *sent = len;
  return TLSWIRE_OK;
}

static int cb_recv(void *io, void *buf, size_t len, size_t *received) {
  return TLSWIRE_E_WANT_READ;
}

START_TEST(pipe_setters_reject_other_transports) {
  static const tlswire_transport_ops ops = {
      .version = TLSWIRE_TRANSPORT_OPS_VERSION,
      .send = cb_send,
      .recv = cb_recv,
  };
  tlswire_transport *t;
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(t, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(NULL, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_transport_pipe_set_eof_after(t, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_transport_pipe_set_reset_after(t, 1),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(t, 1),
                   TLSWIRE_E_INVALID);
  tlswire_transport_free(t);
}
END_TEST

/* --- capacity bounds ------------------------------------------------------ */

START_TEST(pipe_new_rejects_absurd_capacity) {
  static const size_t bad[] = {
      SIZE_MAX,
      SIZE_MAX - 1,
      SIZE_MAX / 2 + 1, /* twice this (both directions) overflows */
      TLSWIRE_PIPE_CAPACITY_MAX + 1,
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tlswire_transport *a = (void *)1, *b = (void *)1;
    ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, bad[i]),
                     TLSWIRE_E_INVALID);
    ck_assert_ptr_null(a);
    ck_assert_ptr_null(b);
  }
}
END_TEST

START_TEST(pipe_capacity_one_is_a_pipe) {
  tlswire_transport *a, *b;
  size_t n;
  char c;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 1), TLSWIRE_OK);
  for (char x = 'a'; x <= 'e'; x++) {
    ck_assert_int_eq(tlswire_transport_send(a, "xy", 2, &n), TLSWIRE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(tlswire_transport_send(a, "z", 1, &n),
                     TLSWIRE_E_WANT_WRITE);
    ck_assert_int_eq(tlswire_transport_recv(b, &c, 1, &n), TLSWIRE_OK);
    ck_assert_int_eq(c, 'x');
  }
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(a, 1), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_send(a, "x", 1, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, EMSGSIZE); /* 1 + 2 bytes never fit in 1 */
  tlswire_transport_free(a);
  tlswire_transport_free(b);
}
END_TEST

/* --- raw vtable calls: what the pipe itself reports ----------------------- */

/* The pipe's own send / recv, without the core's wrapper (which clears the
 * count on failure by itself); the count starts at a sentinel. */
static int raw_send(tlswire_transport *t, const void *buf, size_t len,
                    size_t *sent) {
  *sent = 77;
  return t->ops.send(t->io, buf, len, sent);
}

static int raw_recv(tlswire_transport *t, void *buf, size_t len,
                    size_t *received) {
  *received = 77;
  return t->ops.recv(t->io, buf, len, received);
}

START_TEST(pipe_failed_calls_report_nothing_moved) {
  size_t n;
  char buf[32];
  ck_assert_int_eq(raw_recv(tb, buf, sizeof buf, &n), TLSWIRE_E_WANT_READ);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(raw_send(ta, "0123456789abcdef", 16, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 16);
  ck_assert_int_eq(raw_send(ta, "x", 1, &n), TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_eq(n, 0);
  errno = 0;
  ck_assert_int_eq(raw_send(ta, "x", 0, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(raw_send(ta, NULL, 1, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(raw_recv(tb, buf, 0, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, EINVAL); /* 0 bytes would read as end of file */
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(raw_recv(tb, NULL, 1, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(raw_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 16); /* the bad calls took nothing */
}
END_TEST

/* A datagram is queued whole or not at all, and only a queued one counts as
 * sent. */
START_TEST(pipe_datagram_refused_is_not_sent) {
  size_t n;
  char buf[16];
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(ta, 1), TLSWIRE_OK);
  ck_assert_int_eq(raw_send(ta, "0123456789abcd", 14, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 14); /* 14 + 2 = 16: fits exactly */
  ck_assert_int_eq(raw_send(ta, "x", 1, &n), TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_eq(n, 0); /* no room now */
  errno = 0;
  ck_assert_int_eq(raw_send(ta, "0123456789abcde", 15, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, EMSGSIZE); /* 15 + 2 > 16: never */
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(raw_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 14);
  ck_assert_int_eq(memcmp(buf, "0123456789abcd", 14), 0);
  ck_assert_int_eq(raw_recv(tb, buf, sizeof buf, &n), TLSWIRE_E_WANT_READ);
  ck_assert_uint_eq(n, 0); /* the refused ones left no trace */
  ck_assert_int_eq(raw_send(ta, "x", 1, &n), TLSWIRE_OK);
  ck_assert_int_eq(raw_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(pipe_datagram_over_65535_is_emsgsize) {
  tlswire_transport *a, *b;
  size_t n;
  unsigned char *big = calloc(1, 65536);
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 200000), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(b, 1), TLSWIRE_OK);
  ck_assert_int_eq(raw_send(a, big, 65536, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, EMSGSIZE);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(raw_send(a, big, 65535, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 65535);
  ck_assert_int_eq(raw_recv(b, big, 65536, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 65535);
  free(big);
  tlswire_transport_free(a);
  tlswire_transport_free(b);
}
END_TEST

/* --- would-block, counted per operation ----------------------------------- */

/* Every third send that would move bytes is refused, nothing else. */
START_TEST(pipe_wouldblock_pattern_is_exact) {
  size_t n;
  char buf[16];
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(ta, 3),
                   TLSWIRE_OK);
  for (int i = 1; i <= 9; i++) {
    int want = i % 3 == 0 ? TLSWIRE_E_WANT_WRITE : TLSWIRE_OK;
    ck_assert_int_eq(tsend(ta, "s", &n), want);
    ck_assert_uint_eq(n, want == TLSWIRE_OK ? 1 : 0);
  }
  ck_assert_int_eq(tsend(tb, "0123456789", &n), TLSWIRE_OK);
  for (int i = 1; i <= 9; i++) {
    int want = i % 3 == 0 ? TLSWIRE_E_WANT_READ : TLSWIRE_OK;
    ck_assert_int_eq(tlswire_transport_recv(ta, buf, 1, &n), want);
  }
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 6); /* six of nine sends went through */
}
END_TEST

/* send and recv alternating on one end with every 2: each operation
 * succeeds every other time (one shared counter would refuse every recv). */
START_TEST(pipe_wouldblock_counts_send_and_recv_apart) {
  size_t n;
  char c;
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(ta, 2),
                   TLSWIRE_OK);
  ck_assert_int_eq(tsend(tb, "abcdefgh", &n), TLSWIRE_OK);
  int sends = 0, recvs = 0;
  for (int i = 0; i < 8; i++) {
    sends += tsend(ta, "x", &n) == TLSWIRE_OK;
    recvs += tlswire_transport_recv(ta, &c, 1, &n) == TLSWIRE_OK;
  }
  ck_assert_int_eq(sends, 4);
  ck_assert_int_eq(recvs, 4);
  ck_assert_int_eq(c, 'd');
}
END_TEST

/* Calls that block anyway (empty or full) are not counted, and the setter
 * restarts both counters. */
START_TEST(pipe_wouldblock_counts_only_calls_that_would_move) {
  size_t n;
  char buf[16];
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(tb, 2),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, 1, &n),
                   TLSWIRE_E_WANT_READ); /* empty: not counted */
  ck_assert_int_eq(tsend(ta, "ab", &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, 1, &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, 1, &n),
                   TLSWIRE_E_WANT_READ); /* the 2nd counted: injected */
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(tb, 2),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, 1, &n), TLSWIRE_OK);
  ck_assert_int_eq(buf[0], 'b');
  ck_assert_int_eq(tsend(tb, "0123456789abcdef", &n), TLSWIRE_OK);
  ck_assert_int_eq(tsend(tb, "x", &n), TLSWIRE_E_WANT_WRITE); /* full */
  ck_assert_int_eq(tsend(tb, "x", &n), TLSWIRE_E_WANT_WRITE); /* full */
  ck_assert_int_eq(tlswire_transport_recv(ta, buf, 1, &n), TLSWIRE_OK);
  ck_assert_int_eq(tsend(tb, "x", &n), TLSWIRE_E_WANT_WRITE); /* 2nd send */
  ck_assert_int_eq(tsend(tb, "x", &n), TLSWIRE_OK);
}
END_TEST

/* End of file is delivered through the would-block injection too. */
START_TEST(pipe_wouldblock_applies_to_end_of_file) {
  size_t n;
  char buf[4];
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(tb, 1),
                   TLSWIRE_OK);
  tlswire_transport_free(ta);
  ta = NULL;
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(tb, 0),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 0);
}
END_TEST

/* --- EOF / reset limits saturate ------------------------------------------ */

static const size_t huge_limits[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 2};

/* After 3 bytes received, a limit of SIZE_MAX (- 1, - 2) more bytes must not
 * wrap around to one already reached. _i: limit; the fault: EOF (_i < 3) or
 * reset. */
START_TEST(pipe_huge_fault_limits_never_wrap) {
  size_t n;
  char buf[16];
  ck_assert_int_eq(tsend(ta, "abc", &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  size_t limit = huge_limits[_i % 3];
  int rc = _i < 3 ? tlswire_transport_pipe_set_eof_after(tb, limit)
                  : tlswire_transport_pipe_set_reset_after(tb, limit);
  ck_assert_int_eq(rc, TLSWIRE_OK);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(tsend(ta, "0123456789", &n), TLSWIRE_OK);
    ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n),
                     TLSWIRE_OK);
    ck_assert_uint_eq(n, 10);
    ck_assert_int_eq(tsend(tb, "pong", &n), TLSWIRE_OK);
    ck_assert_int_eq(tlswire_transport_recv(ta, buf, sizeof buf, &n),
                     TLSWIRE_OK);
  }
}
END_TEST

/* A limit set after some bytes counts from there, and shortens the recv
 * that would cross it. */
START_TEST(pipe_fault_limits_count_from_the_setter) {
  size_t n;
  char buf[16];
  ck_assert_int_eq(tsend(ta, "0123456789", &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, 4, &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_reset_after(tb, 5), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_eof_after(tb, 3), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(memcmp(buf, "456", 3), 0);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 0); /* EOF */
  ck_assert_int_eq(tlswire_transport_pipe_set_eof_after(tb, 0), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2); /* up to the reset */
  ck_assert_int_eq(tlswire_transport_recv(tb, buf, sizeof buf, &n),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, ECONNRESET);
}
END_TEST

/* --- the queue against a model -------------------------------------------- */

static unsigned rng_next(unsigned *x) {
  *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
  return *x;
}

/* Check's assertions cost a system call each even when they pass: the
 * model loops only call into Check on a mismatch. */
#define MODEL_EXPECT(cond, op)                                                 \
  do {                                                                         \
    if (!(cond))                                                               \
      ck_abort_msg("operation %d: %s", (op), #cond);                           \
  } while (0)

/* What a stream call of len bytes moves with avail bytes (room or data) and
 * a chunk limit (0: none). */
static size_t stream_expect(size_t len, size_t avail, size_t chunk) {
  size_t n = len < avail ? len : avail;
  return chunk != 0 && chunk < n ? chunk : n;
}

/* Random sends and recvs over a 37-byte stream pipe (the queue wraps many
 * times) with random chunk limits: every byte arrives once, in order, and
 * each call moves exactly what the room, the data and the limits allow. */
START_TEST(pipe_stream_matches_model) {
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 37), TLSWIRE_OK);
  unsigned x = 0x9e3779b9u + (unsigned)_i;
  unsigned char src[64], dst[64];
  size_t sent_total = 0, got_total = 0;
  for (int op = 0; op < 20000; op++) {
    size_t len = 1 + rng_next(&x) % 50, chunk = rng_next(&x) % 8, n;
    size_t queued = sent_total - got_total;
    if (rng_next(&x) % 2) {
      tlswire_transport_pipe_set_max_chunk(a, chunk);
      for (size_t i = 0; i < len; i++)
        src[i] = (unsigned char)(sent_total + i);
      size_t want = stream_expect(len, 37 - queued, chunk);
      int rc = tlswire_transport_send(a, src, len, &n);
      MODEL_EXPECT(rc == (want ? TLSWIRE_OK : TLSWIRE_E_WANT_WRITE), op);
      MODEL_EXPECT(n == want, op);
      sent_total += n;
    } else {
      tlswire_transport_pipe_set_max_chunk(b, chunk);
      size_t want = stream_expect(len, queued, chunk);
      int rc = tlswire_transport_recv(b, dst, len, &n);
      MODEL_EXPECT(rc == (want ? TLSWIRE_OK : TLSWIRE_E_WANT_READ), op);
      MODEL_EXPECT(n == want, op);
      for (size_t i = 0; i < n; i++)
        MODEL_EXPECT(dst[i] == (unsigned char)(got_total + i), op);
      got_total += n;
    }
  }
  ck_assert_uint_gt(got_total, 37 * 100);
  tlswire_transport_free(a);
  tlswire_transport_free(b);
}
END_TEST

/* The datagrams queued in the model: lengths in order, 2 + length bytes
 * each of the pipe's capacity, and a sequence number as content. */
struct dgram_model {
  size_t lens[64], first, count, used, seq;
};

static void model_send(tlswire_transport *a, struct dgram_model *m, size_t len,
                       int op) {
  unsigned char src[64];
  size_t n;
  memset(src, (int)(m->seq & 0xff), len);
  errno = 0;
  int rc = tlswire_transport_send(a, src, len, &n);
  if (len + 2 > 61) {
    MODEL_EXPECT(rc == TLSWIRE_E_SYSCALL && errno == EMSGSIZE, op);
  } else if (m->used + len + 2 > 61) {
    MODEL_EXPECT(rc == TLSWIRE_E_WANT_WRITE && n == 0, op);
  } else {
    MODEL_EXPECT(rc == TLSWIRE_OK && n == len, op);
    m->lens[(m->first + m->count++) % 64] = len;
    m->used += len + 2;
    m->seq++;
  }
}

static void model_recv(tlswire_transport *b, struct dgram_model *m, size_t len,
                       int op) {
  unsigned char dst[64];
  size_t n;
  int rc = tlswire_transport_recv(b, dst, len, &n);
  if (m->count == 0) {
    MODEL_EXPECT(rc == TLSWIRE_E_WANT_READ, op);
    return;
  }
  size_t dlen = m->lens[m->first];
  MODEL_EXPECT(rc == TLSWIRE_OK && n == (dlen < len ? dlen : len), op);
  for (size_t i = 0; i < n; i++)
    MODEL_EXPECT(dst[i] == (unsigned char)((m->seq - m->count) & 0xff), op);
  m->first = (m->first + 1) % 64, m->count--, m->used -= dlen + 2;
}

/* The same for datagrams over 61 bytes: whole datagrams or none, lengths
 * kept, truncation to the buffer drops the rest. */
START_TEST(pipe_datagrams_match_model) {
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 61), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(a, 1), TLSWIRE_OK);
  unsigned x = 0x85ebca6bu + (unsigned)_i;
  struct dgram_model m = {.count = 0};
  for (int op = 0; op < 20000; op++) {
    size_t len = 1 + rng_next(&x) % 62;
    if (rng_next(&x) % 2)
      model_send(a, &m, len, op);
    else
      model_recv(b, &m, len, op);
  }
  ck_assert_uint_gt(m.seq, 1000);
  tlswire_transport_free(a);
  tlswire_transport_free(b);
}
END_TEST

/* --- allocation failures ------------------------------------------------- */

/* Builds a pipe and moves a stream and datagrams through it. Under the
 * failing allocator: a failed construction is TLSWIRE_E_NOMEM with nothing
 * returned; once built, no call fails or blocks for want of memory (all
 * later allocations fail too). 1 if it got to the end. */
static int pipe_scenario(void) {
  tlswire_transport *a = (void *)1, *b = (void *)1;
  int rc = tlswire_transport_pipe_new(&a, &b, 64);
  if (rc != TLSWIRE_OK) {
    ck_assert_int_eq(rc, TLSWIRE_E_NOMEM);
    ck_assert_ptr_null(a);
    ck_assert_ptr_null(b);
    return 0;
  }
  char buf[64];
  size_t n;
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(tlswire_transport_send(a, "stream!", 7, &n), TLSWIRE_OK);
    ck_assert_uint_eq(n, 7);
    ck_assert_int_eq(tlswire_transport_recv(b, buf, sizeof buf, &n),
                     TLSWIRE_OK);
    ck_assert_uint_eq(n, 7);
    ck_assert_int_eq(tlswire_transport_pipe_set_datagram(a, 1), TLSWIRE_OK);
  } /* one stream round, one datagram round */
  ck_assert_int_eq(tlswire_transport_send(b, "dgram", 5, &n), TLSWIRE_OK);
  tlswire_transport_free(b); /* the datagram outlives its sender */
  ck_assert_int_eq(tlswire_transport_recv(a, buf, 3, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(memcmp(buf, "dgr", 3), 0);
  ck_assert_int_eq(tlswire_transport_recv(a, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 0); /* its rest was dropped: end of file */
  tlswire_transport_free(a);
  return 1;
}

START_TEST(pipe_allocation_failures) {
  long completed_at = tw_failmalloc_sweep(0, 1, pipe_scenario);
  ck_assert_int_gt(completed_at, 0); /* the pipe does allocate */
}
END_TEST

/* --- TLS over the pipe ---------------------------------------------------- */

#define CHAT_MESSAGES 100
#define CHAT_SIZE 32

/* One side of a chat: it sends one numbered message every round until it has
 * heard all of its peer's, as a full-duplex protocol with keep-alives does. */
struct chatter {
  tlswire_conn *conn;
  unsigned sent, heard;
  size_t part; /* bytes of the message being heard */
};

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

static void chat_send(struct chatter *c) {
  unsigned char msg[CHAT_SIZE];
  size_t n;
  if (c->heard >= CHAT_MESSAGES) {
    int rc = tlswire_conn_flush(c->conn);
    ck_assert(rc == TLSWIRE_OK || is_want(rc));
    return;
  }
  memset(msg, (int)(c->sent & 0xff), sizeof msg);
  int rc = tlswire_conn_send(c->conn, msg, sizeof msg, &n);
  ck_assert(rc == TLSWIRE_OK || is_want(rc));
  ck_assert(rc != TLSWIRE_OK || n == sizeof msg);
  c->sent += rc == TLSWIRE_OK;
}

static void chat_recv(struct chatter *c) {
  unsigned char in[CHAT_SIZE];
  size_t n;
  int rc = tlswire_conn_recv(c->conn, in, CHAT_SIZE - c->part, &n);
  ck_assert(rc == TLSWIRE_OK || is_want(rc));
  for (size_t i = 0; rc == TLSWIRE_OK && i < n; i++)
    ck_assert_uint_eq(in[i], c->heard & 0xff);
  c->part += rc == TLSWIRE_OK ? n : 0;
  if (c->part == CHAT_SIZE)
    c->heard++, c->part = 0;
}

/* A connected client/server pair over two pipe ends, would-block every 2nd
 * call on both ends: the handshake completes, two sides that send on every
 * round still hear each other, then bulk data moves both ways. With send and
 * recv counted together, each round's recv was the refused call: neither
 * side ever heard anything (a livelock, also once the pipes were full). */
START_TEST(tls_pair_with_wouldblock_every_2) {
  tlswire_transport *ct, *st;
  tw_pair p;
  ck_assert_int_eq(tlswire_transport_pipe_new(&ct, &st, 65536), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(ct, 2),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(st, 2),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, ct, st), 0);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  struct chatter c = {.conn = p.client}, s = {.conn = p.server};
  int rounds = 0;
  while (c.heard < CHAT_MESSAGES || s.heard < CHAT_MESSAGES ||
         c.heard < s.sent || s.heard < c.sent) { /* then the stragglers */
    ck_assert_int_lt(++rounds, 20 * CHAT_MESSAGES);
    chat_send(&c);
    chat_send(&s);
    chat_recv(&c);
    chat_recv(&s);
  }
  unsigned char *data = tw_pattern(100000, 7);
  int who;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, 100000, &who),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_transfer(p.server, p.client, data, 100000, &who),
                   TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("transport_pipe");
  TCase *tc = tcase_create("pipe");
  tcase_add_checked_fixture(tc, pipe_setup, pipe_teardown);
  tcase_add_test(tc, pipe_moves_bytes_both_ways);
  tcase_add_test(tc, pipe_empty_and_full_would_block);
  tcase_add_test(tc, pipe_max_chunk_shortens_calls);
  tcase_add_test(tc, pipe_wouldblock_every_nth_call);
  tcase_add_test(tc, pipe_eof_after_cuts_the_stream);
  tcase_add_test(tc, pipe_reset_after_fails_with_econnreset);
  tcase_add_test(tc, pipe_closed_end_gives_eof_then_epipe);
  tcase_add_test(tc, pipe_datagrams_keep_boundaries);
  tcase_add_test(tc, pipe_failed_calls_report_nothing_moved);
  tcase_add_test(tc, pipe_datagram_refused_is_not_sent);
  tcase_add_test(tc, pipe_wouldblock_pattern_is_exact);
  tcase_add_test(tc, pipe_wouldblock_counts_send_and_recv_apart);
  tcase_add_test(tc, pipe_wouldblock_counts_only_calls_that_would_move);
  tcase_add_test(tc, pipe_wouldblock_applies_to_end_of_file);
  tcase_add_loop_test(tc, pipe_huge_fault_limits_never_wrap, 0, 6);
  tcase_add_test(tc, pipe_fault_limits_count_from_the_setter);
  suite_add_tcase(s, tc);
  TW_ADD(s, pipe_new_rejects_bad_arguments);
  TW_ADD(s, pipe_new_rejects_absurd_capacity);
  TW_ADD(s, pipe_capacity_one_is_a_pipe);
  TW_ADD(s, pipe_datagram_over_65535_is_emsgsize);
  TW_ADD(s, pipe_setters_reject_other_transports);
  TCase *model = tcase_create("model");
  tcase_add_loop_test(model, pipe_stream_matches_model, 0, 4);
  tcase_add_loop_test(model, pipe_datagrams_match_model, 0, 4);
  suite_add_tcase(s, model);
  TW_ADD(s, pipe_allocation_failures);
  TW_ADD(s, tls_pair_with_wouldblock_every_2);
  return s;
}

/* The failing allocator is installed before OpenSSL's first allocation;
 * it fails only inside tw_failmalloc_sweep. */
int main(void) { return tw_failmalloc_main(make_suite); }
