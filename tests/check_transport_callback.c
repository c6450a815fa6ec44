/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_transport_callback.c - the user's own vtable: validation, lifetime,
 * TLS over two user queues, and user failures reaching the caller.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "testmain.h"

/* A byte queue the "user" owns: what one side sends the other receives. */
struct queue {
  unsigned char data[8192];
  size_t head, len;
};

struct end {
  struct queue *in, *out;
  int destroyed;
};

static int q_send(void *io, const void *buf, size_t len, size_t *sent) {
  struct queue *q = ((struct end *)io)->out;
  size_t room = sizeof q->data - q->len, n = len < room ? len : room;
  if (n == 0)
    return TLSWIRE_E_WANT_WRITE;
  for (size_t i = 0; i < n; i++)
    q->data[(q->head + q->len + i) % sizeof q->data] =
        ((const unsigned char *)buf)[i];
  q->len += n;
  *sent = n;
  return TLSWIRE_OK;
}

static int q_recv(void *io, void *buf, size_t len, size_t *received) {
  struct queue *q = ((struct end *)io)->in;
  size_t n = len < q->len ? len : q->len;
  if (n == 0)
    return TLSWIRE_E_WANT_READ;
  for (size_t i = 0; i < n; i++)
    ((unsigned char *)buf)[i] = q->data[(q->head + i) % sizeof q->data];
  q->head = (q->head + n) % sizeof q->data;
  q->len -= n;
  *received = n;
  return TLSWIRE_OK;
}

static void q_destroy(void *io) { ((struct end *)io)->destroyed++; }

static const tlswire_transport_ops queue_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = q_send,
    .recv = q_recv,
    .destroy = q_destroy,
};

START_TEST(transport_new_validates_ops) {
  tlswire_transport *t = (void *)1;
  struct end e = {0};
  tlswire_transport_ops ops = queue_ops;
  ck_assert_int_eq(tlswire_transport_new(NULL, &ops, &e), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_transport_new(&t, NULL, &e), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(t);
  ops.version = TLSWIRE_TRANSPORT_OPS_VERSION + 1;
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, &e), TLSWIRE_E_UNSUPPORTED);
  ops.version = 0;
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, &e), TLSWIRE_E_UNSUPPORTED);
  ops.version = TLSWIRE_TRANSPORT_OPS_VERSION;
  ops.send = NULL;
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, &e), TLSWIRE_E_INVALID);
  ops.send = q_send;
  ops.recv = NULL;
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, &e), TLSWIRE_E_INVALID);
  ck_assert_int_eq(e.destroyed, 0); /* never called for a failed new */
  ck_assert_int_eq(tlswire_transport_new(&t, &queue_ops, &e), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_fileno(t), -1); /* no fileno op */
  tlswire_transport_free(t);
  ck_assert_int_eq(e.destroyed, 1);
}
END_TEST

static int fd_seven(void *io) { return 7; }
static int fd_bad(void *io) { return -42; }

START_TEST(transport_fileno_comes_from_the_op) {
  tlswire_transport_ops ops = queue_ops;
  ops.destroy = NULL;
  ops.fileno = fd_seven;
  tlswire_transport *t;
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_fileno(t), 7);
  tlswire_transport_free(t);
  ops.fileno = fd_bad;
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_fileno(t), -1);
  tlswire_transport_free(t);
}
END_TEST

/* Handshake and 1 MiB each way over the user's queues. */
START_TEST(tls_over_user_queues) {
  struct queue *q = calloc(2, sizeof *q);
  struct end ce = {&q[0], &q[1], 0}, se = {&q[1], &q[0], 0};
  tlswire_transport *ct, *st;
  ck_assert_int_eq(tlswire_transport_new(&ct, &queue_ops, &ce), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_new(&st, &queue_ops, &se), TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, ct, st), 0);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *data = tw_pattern(1024 * 1024, 4);
  int who;
  ck_assert_int_eq(
      tw_bound_transfer(p.client, p.server, data, 1024 * 1024, &who),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tw_bound_transfer(p.server, p.client, data, 1024 * 1024, &who),
      TLSWIRE_OK);
  tw_pair_free(&p);
  ck_assert_int_eq(ce.destroyed, 1);
  ck_assert_int_eq(se.destroyed, 1);
  free(data);
  free(q);
}
END_TEST

/* What a failing user callback returns, and what the caller then sees:
 * _i 0 SYSCALL+EIO, 1 SYSCALL with errno 0, 2 an unknown code, 3 a count
 * larger than the buffer, 4 SYSCALL+ENETDOWN. */
static int failure_mode;
static int bad_send(void *io, const void *buf, size_t len, size_t *sent) {
  switch (failure_mode) {
  case 0:
    errno = EIO;
    return TLSWIRE_E_SYSCALL;
  case 1:
    errno = 0;
    return TLSWIRE_E_SYSCALL;
  case 2:
    return 42;
  case 3:
    *sent = len + 1;
    return TLSWIRE_OK;
  default:
    errno = ENETDOWN;
    return TLSWIRE_E_SYSCALL;
  }
}

START_TEST(user_failures_reach_the_caller) {
  static const int expect[] = {EIO, EIO, EIO, EIO, ENETDOWN};
  failure_mode = _i;
  tlswire_transport_ops ops = queue_ops;
  ops.send = bad_send;
  ops.destroy = NULL;
  tlswire_transport *t;
  struct queue q = {{0}, 0, 0};
  struct end e = {&q, &q, 0};
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, &e), TLSWIRE_OK);
  tlswire_context *ctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_conn *c;
  ck_assert_int_eq(tlswire_conn_new(&c, ctx, t), TLSWIRE_OK);
  tlswire_conn_set_connect_state(c);
  ck_assert_int_eq(tlswire_conn_do_handshake(c), TLSWIRE_E_SYSCALL);
  const tlswire_error *err = tlswire_conn_last_error(c);
  ck_assert_int_eq(tlswire_error_code(err), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(err), expect[_i]);
  ck_assert_int_eq(tlswire_conn_do_handshake(c), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(err), expect[_i]); /* sticky */
  tlswire_conn_free(c);
  tlswire_context_free(ctx);
}
END_TEST

static int reset_recv(void *io, void *buf, size_t len, size_t *received) {
  errno = ECONNRESET;
  return TLSWIRE_E_SYSCALL;
}

START_TEST(user_recv_failure_is_syscall_with_errno) {
  tlswire_transport_ops ops = queue_ops;
  ops.recv = reset_recv;
  ops.destroy = NULL;
  struct queue q = {{0}, 0, 0};
  struct end e = {&q, &q, 0};
  tlswire_transport *t;
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, &e), TLSWIRE_OK);
  tlswire_context *ctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_conn *c;
  ck_assert_int_eq(tlswire_conn_new(&c, ctx, t), TLSWIRE_OK);
  tlswire_conn_set_connect_state(c);
  ck_assert_int_eq(tlswire_conn_do_handshake(c), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(c)), ECONNRESET);
  tlswire_conn_free(c);
  tlswire_context_free(ctx);
}
END_TEST

/* The POSIX constructors exist in every build; without the POSIX
 * transports (--disable-posix-transports) they say so. */
START_TEST(posix_constructors_match_the_build) {
  tlswire_transport *t = (void *)1;
  int rc = tlswire_transport_socket_new(&t, -1, 0);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(rc, TLSWIRE_HAVE_POSIX_TRANSPORTS ? TLSWIRE_E_INVALID
                                                     : TLSWIRE_E_UNSUPPORTED);
  t = (void *)1;
  rc = tlswire_transport_fd_new(&t, -1, -1, 0);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(rc, TLSWIRE_HAVE_POSIX_TRANSPORTS ? TLSWIRE_E_INVALID
                                                     : TLSWIRE_E_UNSUPPORTED);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("transport_callback");
  TW_ADD(s, transport_new_validates_ops);
  TW_ADD(s, transport_fileno_comes_from_the_op);
  TW_ADD(s, user_recv_failure_is_syscall_with_errno);
  TW_ADD(s, posix_constructors_match_the_build);
  TCase *tc = tcase_create("user_failures_reach_the_caller");
  tcase_add_loop_test(tc, user_failures_reach_the_caller, 0, 5);
  suite_add_tcase(s, tc);
  tc = tcase_create("tls_over_user_queues");
  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, tls_over_user_queues);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
