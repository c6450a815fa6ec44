/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_transport_fd.c - the file-descriptor transport: pipes and a
 * socketpair, ownership, SIGPIPE-free writes, and TLS over it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "testmain.h"
#include "transport.h"

static int is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static void nonblocking(int fd) {
  ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

START_TEST(fd_new_rejects_bad_arguments) {
  tlswire_transport *t = (void *)1;
  int p[2];
  ck_assert_int_eq(pipe(p), 0);
  ck_assert_int_eq(tlswire_transport_fd_new(NULL, p[0], p[1], 0),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_transport_fd_new(&t, -1, p[1], 0),
                   TLSWIRE_E_INVALID);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(tlswire_transport_fd_new(&t, p[0], -1, 0),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_transport_fd_new(&t, p[0], p[1], 0x40),
                   TLSWIRE_E_INVALID);
  ck_assert(is_open(p[0]) && is_open(p[1]));
  close(p[0]);
  close(p[1]);
}
END_TEST

/* Closed on free only with TLSWIRE_TRANSPORT_CLOSE; rfd == wfd once. */
START_TEST(fd_ownership) {
  int p[2], sv[2];
  ck_assert_int_eq(pipe(p), 0);
  tlswire_transport *t;
  ck_assert_int_eq(tlswire_transport_fd_new(&t, p[0], p[1], 0), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_fileno(t), p[0]);
  tlswire_transport_free(t);
  ck_assert(is_open(p[0]) && is_open(p[1]));
  ck_assert_int_eq(
      tlswire_transport_fd_new(&t, p[0], p[1], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  tlswire_transport_free(t);
  ck_assert(!is_open(p[0]) && !is_open(p[1]));
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ck_assert_int_eq(
      tlswire_transport_fd_new(&t, sv[0], sv[0], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  int probe = dup(sv[1]); /* would take sv[0]'s number if closed twice */
  tlswire_transport_free(t);
  ck_assert(!is_open(sv[0]));
  ck_assert(is_open(sv[1]) && is_open(probe));
  close(probe);
  close(sv[1]);
}
END_TEST

START_TEST(fd_short_reads_would_block_and_eof) {
  int p[2];
  ck_assert_int_eq(pipe(p), 0);
  nonblocking(p[0]);
  nonblocking(p[1]);
  tlswire_transport *t;
  ck_assert_int_eq(
      tlswire_transport_fd_new(&t, p[0], p[1], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  char buf[65536];
  size_t n;
  ck_assert_int_eq(tlswire_transport_recv(t, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_transport_send(t, "hello", 5, &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(t, buf, 3, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(tlswire_transport_recv(t, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  memset(buf, 'z', sizeof buf);
  int rc;
  while ((rc = tlswire_transport_send(t, buf, sizeof buf, &n)) == TLSWIRE_OK)
    ;
  ck_assert_int_eq(rc, TLSWIRE_E_WANT_WRITE);
  ck_assert_int_eq(t->ops.shutdown(t->io), TLSWIRE_OK); /* closes wfd */
  ck_assert(!is_open(p[1]));
  while (tlswire_transport_recv(t, buf, sizeof buf, &n) == TLSWIRE_OK && n > 0)
    ;
  ck_assert_uint_eq(n, 0); /* EOF once the writer is gone */
  tlswire_transport_free(t);
}
END_TEST

/* A write into a pipe without a reader: EPIPE, the process survives with
 * SIGPIPE at its default disposition, and no SIGPIPE is left pending. */
START_TEST(fd_pipe_without_reader_is_epipe_not_sigpipe) {
  signal(SIGPIPE, SIG_DFL);
  int p[2];
  ck_assert_int_eq(pipe(p), 0);
  close(p[0]);
  tlswire_transport *t;
  ck_assert_int_eq(tlswire_transport_fd_new(&t, p[1], p[1], 0), TLSWIRE_OK);
  size_t n;
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(tlswire_transport_send(t, "x", 1, &n), TLSWIRE_E_SYSCALL);
    ck_assert_int_eq(errno, EPIPE);
  }
  sigset_t pending;
  sigpending(&pending);
  ck_assert(!sigismember(&pending, SIGPIPE));
  tlswire_transport_free(t);
  close(p[1]);
}
END_TEST

/* A SIGPIPE that was pending (blocked) before the write stays pending. */
START_TEST(fd_keeps_a_foreign_pending_sigpipe) {
  sigset_t set, pending;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGPIPE);
  int p[2];
  ck_assert_int_eq(pipe(p), 0);
  close(p[0]);
  tlswire_transport *t;
  ck_assert_int_eq(
      tlswire_transport_fd_new(&t, p[1], p[1], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  size_t n;
  ck_assert_int_eq(tlswire_transport_send(t, "x", 1, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, EPIPE);
  sigpending(&pending);
  ck_assert(sigismember(&pending, SIGPIPE));
  tlswire_transport_free(t);
}
END_TEST

/* --- TLS over descriptors ------------------------------------------------ */

#define MIB (1024 * 1024)

/* Two pipes (_i 0) or a socketpair (_i 1) between client and server. */
static tw_pair fd_pair(int variant, int nonblock) {
  int c_r, c_w, s_r, s_w;
  if (variant == 0) {
    int a[2], b[2];
    ck_assert_int_eq(pipe(a), 0);
    ck_assert_int_eq(pipe(b), 0);
    c_r = a[0], s_w = a[1], s_r = b[0], c_w = b[1];
  } else {
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    c_r = c_w = sv[0], s_r = s_w = sv[1];
  }
  if (nonblock) {
    nonblocking(c_r), nonblocking(c_w), nonblocking(s_r), nonblocking(s_w);
  }
  tlswire_transport *ct, *st;
  ck_assert_int_eq(
      tlswire_transport_fd_new(&ct, c_r, c_w, TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_transport_fd_new(&st, s_r, s_w, TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, ct, st), 0);
  return p;
}

START_TEST(tls_over_fds_blocking) {
  tw_pair p = fd_pair(_i, 0);
  unsigned char *data = tw_pattern(MIB, 21);
  ck_assert_int_eq(tw_bound_blocking(&p, data, MIB), TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
}
END_TEST

START_TEST(tls_over_fds_nonblocking) {
  tw_pair p = fd_pair(_i, 1);
  ck_assert_int_ge(tlswire_conn_fileno(p.client), 0);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *data = tw_pattern(MIB, 22);
  int who;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, MIB, &who),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_transfer(p.server, p.client, data, MIB, &who),
                   TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* The peer's descriptors close mid-conversation: the writer gets
 * SYSCALL EPIPE (no SIGPIPE), the reader a truncated stream. */
START_TEST(tls_over_pipes_peer_gone) {
  signal(SIGPIPE, SIG_DFL);
  tw_pair p = fd_pair(0, 1);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  tlswire_conn_free(p.client);
  p.client = NULL;
  char buf[16];
  size_t n;
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(p.server)), -1);
  tw_pair_free(&p);
  p = fd_pair(0, 1);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  tlswire_conn_free(p.client);
  p.client = NULL;
  ck_assert_int_eq(tlswire_conn_send(p.server, "x", 1, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(p.server)),
                   EPIPE);
  tw_pair_free(&p);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("transport_fd");
  TW_ADD(s, fd_new_rejects_bad_arguments);
  TW_ADD(s, fd_ownership);
  TW_ADD(s, fd_short_reads_would_block_and_eof);
  TW_ADD(s, fd_pipe_without_reader_is_epipe_not_sigpipe);
  TW_ADD(s, fd_keeps_a_foreign_pending_sigpipe);
  TW_ADD(s, tls_over_pipes_peer_gone);
  TCase *tc = tcase_create("tls_over_fds");
  tcase_set_timeout(tc, 20);
  tcase_add_loop_test(tc, tls_over_fds_blocking, 0, 2);
  tcase_add_loop_test(tc, tls_over_fds_nonblocking, 0, 2);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
