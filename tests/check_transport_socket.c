/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_transport_socket.c - the POSIX socket transport at the vtable level,
 * and TLS over it (socketpair and loopback TCP, blocking and non-blocking).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "testmain.h"
#include "transport.h"

static int is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static void nonblocking(int fd) {
  ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

static void sockpair(int sv[2], int type) {
  ck_assert_int_eq(socketpair(AF_UNIX, type, 0, sv), 0);
}

START_TEST(socket_new_rejects_bad_arguments) {
  tlswire_transport *t = (void *)1;
  int sv[2], p[2];
  sockpair(sv, SOCK_STREAM);
  ck_assert_int_eq(tlswire_transport_socket_new(NULL, sv[0], 0),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_transport_socket_new(&t, -1, 0), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(tlswire_transport_socket_new(&t, sv[0], 0x80),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(
      tlswire_transport_socket_new(&t, sv[0], TLSWIRE_TRANSPORT_DATAGRAM),
      TLSWIRE_E_INVALID); /* a stream socket */
  ck_assert(is_open(sv[0]));
  ck_assert_int_eq(pipe(p), 0);
  ck_assert_int_eq(tlswire_transport_socket_new(&t, p[0], 0),
                   TLSWIRE_E_INVALID); /* not a socket */
  ck_assert(is_open(p[0]));
  ck_assert_int_eq(
      tlswire_transport_socket_new(&t, p[0], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_E_INVALID);
  ck_assert(!is_open(p[0])); /* ownership was handed over */
  close(p[1]);
  close(sv[0]);
  close(sv[1]);
}
END_TEST

/* The descriptor is closed by free only with TLSWIRE_TRANSPORT_CLOSE. */
START_TEST(socket_fd_ownership) {
  int sv[2];
  sockpair(sv, SOCK_STREAM);
  tlswire_transport *t;
  ck_assert_int_eq(tlswire_transport_socket_new(&t, sv[0], 0), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_fileno(t), sv[0]);
  tlswire_transport_free(t);
  ck_assert(is_open(sv[0]));
  ck_assert_int_eq(
      tlswire_transport_socket_new(&t, sv[0], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  tlswire_transport_free(t);
  ck_assert(!is_open(sv[0]));
  ck_assert_int_eq(errno, EBADF);
  close(sv[1]);
}
END_TEST

START_TEST(socket_short_io_would_block_and_eof) {
  int sv[2];
  sockpair(sv, SOCK_STREAM);
  nonblocking(sv[0]);
  int small = 4096;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  tlswire_transport *t;
  ck_assert_int_eq(tlswire_transport_socket_new(&t, sv[0], 0), TLSWIRE_OK);
  char buf[65536];
  size_t n;
  ck_assert_int_eq(tlswire_transport_recv(t, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  memset(buf, 'x', sizeof buf);
  size_t total = 0;
  int rc;
  while ((rc = tlswire_transport_send(t, buf, sizeof buf, &n)) == TLSWIRE_OK)
    total += n;
  ck_assert_int_eq(rc, TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_gt(total, 0);
  ck_assert_int_eq(write(sv[1], "abc", 3), 3);
  ck_assert_int_eq(tlswire_transport_recv(t, buf, 2, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2); /* short read */
  shutdown(sv[1], SHUT_WR);
  ck_assert_int_eq(tlswire_transport_recv(t, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(tlswire_transport_recv(t, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 0); /* EOF */
  tlswire_transport_free(t);
  close(sv[0]);
  close(sv[1]);
}
END_TEST

/* A write to a closed peer is EPIPE with SIGPIPE at its default disposition
 * (which would kill the test): MSG_NOSIGNAL. */
START_TEST(socket_closed_peer_is_epipe_not_sigpipe) {
  signal(SIGPIPE, SIG_DFL);
  int sv[2];
  sockpair(sv, SOCK_STREAM);
  close(sv[1]);
  tlswire_transport *t;
  ck_assert_int_eq(
      tlswire_transport_socket_new(&t, sv[0], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  size_t n;
  ck_assert_int_eq(tlswire_transport_send(t, "x", 1, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, EPIPE);
  tlswire_transport_free(t);
}
END_TEST

/* A peer that closes with unread data resets the stream. */
START_TEST(socket_reset_is_econnreset) {
  int sv[2];
  sockpair(sv, SOCK_STREAM);
  ck_assert_int_eq(write(sv[0], "unread", 6), 6);
  close(sv[1]);
  tlswire_transport *t;
  ck_assert_int_eq(
      tlswire_transport_socket_new(&t, sv[0], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  char buf[8];
  size_t n;
  ck_assert_int_eq(tlswire_transport_recv(t, buf, sizeof buf, &n),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, ECONNRESET);
  tlswire_transport_free(t);
}
END_TEST

START_TEST(socket_shutdown_half_closes) {
  int sv[2];
  sockpair(sv, SOCK_STREAM);
  tlswire_transport *t;
  ck_assert_int_eq(
      tlswire_transport_socket_new(&t, sv[0], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_int_eq(t->ops.shutdown(t->io), TLSWIRE_OK);
  char c;
  ck_assert_int_eq(read(sv[1], &c, 1), 0);
  tlswire_transport_free(t);
  close(sv[1]);
}
END_TEST

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { alarms++; }

/* A signal without SA_RESTART interrupts the blocking recv (EINTR): the
 * transport retries, and the byte that arrives later is delivered. */
START_TEST(socket_recv_retries_after_eintr) {
  int sv[2];
  sockpair(sv, SOCK_STREAM);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    usleep(200000);
    _exit(write(sv[1], "x", 1) == 1 ? 0 : 1);
  }
  struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 0}, {0, 50000}};
  setitimer(ITIMER_REAL, &it, NULL);
  tlswire_transport *t;
  ck_assert_int_eq(tlswire_transport_socket_new(&t, sv[0], 0), TLSWIRE_OK);
  char c;
  size_t n;
  ck_assert_int_eq(tlswire_transport_recv(t, &c, 1, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(c, 'x');
  ck_assert_int_eq(alarms, 1);
  int status;
  waitpid(pid, &status, 0);
  ck_assert_int_eq(status, 0);
  tlswire_transport_free(t);
  close(sv[0]);
  close(sv[1]);
}
END_TEST

/* A SOCK_DGRAM socket is a datagram transport: boundaries are kept. */
START_TEST(socket_datagrams_keep_boundaries) {
  int sv[2];
  sockpair(sv, SOCK_DGRAM);
  tlswire_transport *a, *b;
  ck_assert_int_eq(
      tlswire_transport_socket_new(&a, sv[0], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_socket_new(&b, sv[1],
                                                TLSWIRE_TRANSPORT_CLOSE |
                                                    TLSWIRE_TRANSPORT_DATAGRAM),
                   TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_transport_caps(a), TLSWIRE_TRANSPORT_CAP_DATAGRAM);
  size_t n;
  ck_assert_int_eq(tlswire_transport_send(a, "abc", 3, &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_send(a, "defgh", 5, &n), TLSWIRE_OK);
  char buf[16];
  ck_assert_int_eq(tlswire_transport_recv(b, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(tlswire_transport_recv(b, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  tlswire_transport_free(a);
  tlswire_transport_free(b);
}
END_TEST

/* --- TLS over sockets ----------------------------------------------------- */

#define MIB (1024 * 1024)

static tw_pair socket_pair(int cfd, int sfd) {
  tlswire_transport *ct, *st;
  ck_assert_int_eq(
      tlswire_transport_socket_new(&ct, cfd, TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_transport_socket_new(&st, sfd, TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, ct, st), 0);
  return p;
}


/* _i: 0 socketpair, 1 TCP loopback; blocking (a thread per side). */
START_TEST(tls_over_socket_blocking) {
  int fds[2];
  if (_i == 0)
    sockpair(fds, SOCK_STREAM);
  else
    ck_assert_int_eq(tw_tcp_pair(fds), 0);
  tw_pair p = socket_pair(fds[0], fds[1]);
  unsigned char *data = tw_pattern(MIB, 7);
  ck_assert_int_eq(tw_bound_blocking(&p, data, MIB), TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
  ck_assert(!is_open(fds[0]) && !is_open(fds[1]));
}
END_TEST

/* The same, non-blocking in one thread, poll()ing conn_fileno. */
START_TEST(tls_over_socket_nonblocking) {
  int fds[2];
  if (_i == 0)
    sockpair(fds, SOCK_STREAM);
  else
    ck_assert_int_eq(tw_tcp_pair(fds), 0);
  nonblocking(fds[0]);
  nonblocking(fds[1]);
  tw_pair p = socket_pair(fds[0], fds[1]);
  ck_assert_int_eq(tlswire_conn_fileno(p.client), fds[0]);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *data = tw_pattern(MIB, 8);
  int who;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, MIB, &who),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_transfer(p.server, p.client, data, MIB, &who),
                   TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* Two UDP sockets on 127.0.0.1 connected to each other. */
static void udp_pair(int fds[2]) {
  struct sockaddr_in a[2];
  for (int i = 0; i < 2; i++) {
    fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&a[i], 0, sizeof a[i]);
    a[i].sin_family = AF_INET;
    a[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a[i];
    ck_assert_int_eq(bind(fds[i], (struct sockaddr *)&a[i], sizeof a[i]), 0);
    ck_assert_int_eq(getsockname(fds[i], (struct sockaddr *)&a[i], &len), 0);
  }
  for (int i = 0; i < 2; i++)
    ck_assert_int_eq(connect(fds[i], (struct sockaddr *)&a[!i], sizeof a[!i]),
                     0);
}

/* DTLS over UDP: one send per datagram, one recv per datagram;
 * non-blocking, in lock step so that loopback never drops a datagram. */
START_TEST(dtls_over_udp) {
  int fds[2];
  udp_pair(fds);
  nonblocking(fds[0]);
  nonblocking(fds[1]);
  tlswire_transport *ct, *st;
  ck_assert_int_eq(tlswire_transport_socket_new(&ct, fds[0],
                                                TLSWIRE_TRANSPORT_CLOSE |
                                                    TLSWIRE_TRANSPORT_DATAGRAM),
                   TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_transport_socket_new(&st, fds[1], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_DTLS_METHOD, ct, st), 0);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *data = tw_pattern(256 * 1024, 13);
  int who;
  ck_assert_int_eq(
      tw_bound_transfer(p.client, p.server, data, 256 * 1024, &who),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tw_bound_transfer(p.server, p.client, data, 256 * 1024, &who),
      TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("transport_socket");
  TW_ADD(s, socket_new_rejects_bad_arguments);
  TW_ADD(s, socket_fd_ownership);
  TW_ADD(s, socket_short_io_would_block_and_eof);
  TW_ADD(s, socket_closed_peer_is_epipe_not_sigpipe);
  TW_ADD(s, socket_reset_is_econnreset);
  TW_ADD(s, socket_shutdown_half_closes);
  TW_ADD(s, socket_datagrams_keep_boundaries);
  TW_ADD(s, socket_recv_retries_after_eintr);
  TCase *tc = tcase_create("tls_over_socket");
  tcase_set_timeout(tc, 20);
  tcase_add_loop_test(tc, tls_over_socket_blocking, 0, 2);
  tcase_add_loop_test(tc, tls_over_socket_nonblocking, 0, 2);
  tcase_add_test(tc, dtls_over_udp);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
