/*
 * check_transport_pipe.c - the in-memory pipe transport and its faults, at
 * the vtable level (check_bind.c runs TLS over it).
 */
#include <errno.h>
#include <string.h>

#include <tlswire/tlswire.h>

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
                   TLSWIRE_E_WANT_READ); /* empty anyway: call 4 */
  ck_assert_int_eq(tsend(ta, "c", &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(ta, buf, 8, &n),
                   TLSWIRE_E_WANT_READ); /* call 6: injected */
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
  suite_add_tcase(s, tc);
  TW_ADD(s, pipe_new_rejects_bad_arguments);
  TW_ADD(s, pipe_setters_reject_other_transports);
  return s;
}

TW_TEST_MAIN(make_suite, 0)
