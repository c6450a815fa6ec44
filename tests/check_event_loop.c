/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_event_loop.c - the version 2 operations of the socket and fd
 * transports (caps, get_fds, wait, mtu), tlswire_conn_get_wait over them,
 * the MTU a connected UDP socket gives DTLS, and DTLS retransmission inside
 * a blocking call on a user's transport over a socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <tlswire/tlswire.h>

#include "bound.h"
#include "testmain.h"
#include "transport.h"

static void nonblocking(int fd) {
  ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/* --- the transports' own answers ------------------------------------------ */

/* Stream socket: half-close, one descriptor twice, a wait that times out
 * or sees input; non-blocking: no wait at all. A datagram one: DATAGRAM,
 * no MTU without IP. */
START_TEST(socket_v2_operations) {
  int sv[2], dv[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, dv), 0);
  tlswire_transport *t, *d;
  ck_assert_int_eq(tlswire_transport_socket_new(&t, sv[0], 0), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_socket_new(&d, dv[0], 0), TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_transport_caps(t),
                    TLSWIRE_TRANSPORT_CAP_HALF_CLOSE);
  ck_assert_uint_eq(tlswire_transport_caps(d), TLSWIRE_TRANSPORT_CAP_DATAGRAM);
  int rfd, wfd;
  tlswire_transport_fds(t, &rfd, &wfd);
  ck_assert_int_eq(rfd, sv[0]);
  ck_assert_int_eq(wfd, sv[0]);
  ck_assert_int_eq(tlswire_transport_wait(t, TLSWIRE_WAIT_READ, 10),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_transport_wait(t, TLSWIRE_WAIT_WRITE, 10),
                   TLSWIRE_OK);
  ck_assert_int_eq(write(sv[1], "x", 1), 1);
  ck_assert_int_eq(tlswire_transport_wait(t, TLSWIRE_WAIT_READ, -1),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_mtu(t), 0);
  ck_assert_int_eq(tlswire_transport_mtu(d), 0); /* not IP */
  nonblocking(dv[0]);
  ck_assert_int_eq(tlswire_transport_wait(d, TLSWIRE_WAIT_READ, 60000),
                   TLSWIRE_OK); /* its recv reports the would-block */
  ck_assert_int_eq(tlswire_transport_shutdown(t), TLSWIRE_OK);
  char c;
  ck_assert_int_eq(read(sv[1], &c, 1), 0); /* end of file */
  tlswire_transport_free(t);
  tlswire_transport_free(d);
  close(sv[0]), close(sv[1]), close(dv[0]), close(dv[1]);
}
END_TEST

/* fd: both descriptors, each polled for its own direction; the datagram
 * flag becomes a cap; half-close only where the transport can end its
 * output alone. */
START_TEST(fd_v2_operations) {
  int in[2], out[2];
  ck_assert_int_eq(pipe(in), 0);
  ck_assert_int_eq(pipe(out), 0);
  tlswire_transport *t, *d;
  ck_assert_int_eq(tlswire_transport_fd_new(&t, in[0], out[1], 0), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_fd_new(&d, in[0], out[1],
                                            TLSWIRE_TRANSPORT_DATAGRAM),
                   TLSWIRE_OK);
  int rfd, wfd;
  tlswire_transport_fds(t, &rfd, &wfd);
  ck_assert_int_eq(rfd, in[0]);
  ck_assert_int_eq(wfd, out[1]);
  ck_assert_int_eq(tlswire_transport_fileno(t), in[0]);
  ck_assert_uint_eq(tlswire_transport_caps(t), 0);
  ck_assert_uint_eq(tlswire_transport_caps(d), TLSWIRE_TRANSPORT_CAP_DATAGRAM);
  ck_assert_int_eq(tlswire_transport_wait(t, TLSWIRE_WAIT_WRITE, 10),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_wait(t, TLSWIRE_WAIT_READ, 10),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(write(in[1], "x", 1), 1);
  ck_assert_int_eq(tlswire_transport_wait(t, TLSWIRE_WAIT_READ, 10),
                   TLSWIRE_OK);
  tlswire_transport_free(t);
  tlswire_transport_free(d);
  ck_assert_int_eq(tlswire_transport_fd_new(&t, in[0], out[1],
                                            TLSWIRE_TRANSPORT_CLOSE),
                   TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_transport_caps(t),
                    TLSWIRE_TRANSPORT_CAP_HALF_CLOSE);
  tlswire_transport_free(t); /* closes in[0] and out[1] */
  close(in[1]), close(out[0]);
}
END_TEST

/* --- get_wait ------------------------------------------------------------- */

static void expect_wait(tlswire_conn *c, unsigned events, int rfd, int wfd) {
  tlswire_wait w;
  ck_assert_int_eq(tlswire_conn_get_wait(c, &w), TLSWIRE_OK);
  ck_assert_uint_eq(w.events, events);
  ck_assert_int_eq(w.read_fd, rfd);
  ck_assert_int_eq(w.write_fd, wfd);
  ck_assert_int_eq(w.timeout_ms, -1); /* TLS: no timer */
}

/* A socket: the same descriptor for both events; after the handshake
 * nothing is awaited. */
START_TEST(get_wait_on_a_socket) {
  int sv[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  nonblocking(sv[0]), nonblocking(sv[1]);
  tlswire_transport *a, *b;
  ck_assert_int_eq(
      tlswire_transport_socket_new(&a, sv[0], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_transport_socket_new(&b, sv[1], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, a, b), 0);
  expect_wait(p.client, 0, sv[0], sv[0]);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  expect_wait(p.client, TLSWIRE_WAIT_READ, sv[0], sv[0]);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  expect_wait(p.client, 0, sv[0], sv[0]);
  tw_pair_free(&p);
}
END_TEST

/* fd over two pipes: two different descriptors; WANT_READ waits on the
 * read one, output stuck behind a full pipe on the write one. */
START_TEST(get_wait_on_fds) {
  int c2s[2], s2c[2];
  ck_assert_int_eq(pipe(c2s), 0);
  ck_assert_int_eq(pipe(s2c), 0);
  for (int i = 0; i < 2; i++)
    nonblocking(c2s[i]), nonblocking(s2c[i]);
  if (_i) { /* fill the client's output pipe */
    static const char junk[4096];
    while (write(c2s[1], junk, sizeof junk) > 0)
      ;
  }
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_fd_new(&a, s2c[0], c2s[1],
                                            TLSWIRE_TRANSPORT_CLOSE),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_fd_new(&b, c2s[0], s2c[1],
                                            TLSWIRE_TRANSPORT_CLOSE),
                   TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, a, b), 0);
  int rc = tlswire_conn_do_handshake(p.client);
  ck_assert_int_eq(rc, _i ? TLSWIRE_E_WANT_WRITE : TLSWIRE_E_WANT_READ);
  expect_wait(p.client, _i ? TLSWIRE_WAIT_WRITE : TLSWIRE_WAIT_READ, s2c[0],
              c2s[1]);
  ck_assert_int_eq(tlswire_conn_fileno(p.client), s2c[0]);
  tw_pair_free(&p);
}
END_TEST

/* --- the MTU of a connected UDP socket ------------------------------------ */

/* A UDP socket on loopback, connected to peer (or not, for peer 0). */
static int udp_socket(struct sockaddr_in *self, in_port_t peer) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ck_assert_int_ge(fd, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t len = sizeof *self;
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)self, &len), 0);
  if (peer != 0) {
    a.sin_port = peer;
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  }
  nonblocking(fd);
  return fd;
}

#ifdef IP_MTU
/* What the system says, less the IPv4 and UDP headers; 0 if it cannot. */
static size_t expected_mtu(int fd) {
  int mtu = 0;
  socklen_t len = sizeof mtu;
  if (getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &len) != 0 || mtu <= 28)
    return 0;
  return (size_t)mtu - 28;
}

/* The socket transport reports the path MTU of a connected UDP socket
 * (0 for an unconnected one); a DTLS connection takes it at its first
 * handshake step unless its own MTU was set (_i: set to 1200); the
 * handshake then completes over loopback. */
START_TEST(mtu_from_connected_udp) {
  struct sockaddr_in sa, ca, xa;
  int lone = udp_socket(&xa, 0);
  int s = udp_socket(&sa, 0);
  int c = udp_socket(&ca, sa.sin_port);
  ck_assert_int_eq(connect(s, (struct sockaddr *)&ca, sizeof ca), 0);
  size_t want = expected_mtu(c);
  if (want == 0) { /* no path MTU here: nothing to take */
    close(lone), close(s), close(c);
    return;
  }
  tlswire_transport *x, *ct, *st;
  ck_assert_int_eq(
      tlswire_transport_socket_new(&x, lone, TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_transport_mtu(x), 0);
  tlswire_transport_free(x);
  ck_assert_int_eq(tlswire_transport_socket_new(&ct, c, TLSWIRE_TRANSPORT_CLOSE),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_socket_new(&st, s, TLSWIRE_TRANSPORT_CLOSE),
                   TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_transport_mtu(ct), want);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_DTLS_METHOD, ct, st), 0);
  if (_i)
    ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(p.client, 1200),
                     TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  SSL *ssl = tlswire_conn_get_ssl(p.client);
  ck_assert(SSL_get_options(ssl) & SSL_OP_NO_QUERY_MTU);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  /* The payload a record carries: the MTU less the record's overhead
   * (known once the cipher is). */
  int data_mtu = tlswire_conn_get_cleartext_mtu(p.client);
  ck_assert_int_gt(data_mtu, _i ? 1000 : 1200);
  ck_assert_int_lt(data_mtu, _i ? 1200 : (int)want);
  tw_pair_free(&p);
}
END_TEST

static void add_mtu_tests(Suite *s) {
  TCase *tc = tcase_create("mtu_from_connected_udp");
  tcase_add_loop_test(tc, mtu_from_connected_udp, 0, 2);
  suite_add_tcase(s, tc);
}
#else
static void add_mtu_tests(Suite *s) { (void)s; } /* no IP_MTU here */
#endif

/* --- DTLS timers inside a blocking call ----------------------------------- */

/* A user's datagram transport over a blocking socket, written as socket.c
 * is, that loses the first datagram it sends. */
struct lossy_sock {
  int fd;
  int drop_first;
  unsigned sent, waits;
};

static int ls_send(void *io, const void *buf, size_t len, size_t *sent) {
  struct lossy_sock *l = io;
  l->sent++;
  *sent = len;
  if (l->drop_first > 0) {
    l->drop_first--;
    return TLSWIRE_OK;
  }
  ssize_t n = send(l->fd, buf, len, MSG_NOSIGNAL);
  if (n < 0)
    return TLSWIRE_E_SYSCALL;
  *sent = (size_t)n;
  return TLSWIRE_OK;
}

static int ls_recv(void *io, void *buf, size_t len, size_t *received) {
  struct lossy_sock *l = io;
  ssize_t n;
  do
    n = recv(l->fd, buf, len, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return TLSWIRE_E_SYSCALL;
  *received = (size_t)n;
  return TLSWIRE_OK;
}

static unsigned ls_caps(void *io) {
  (void)io;
  return TLSWIRE_TRANSPORT_CAP_DATAGRAM;
}

static int ls_get_fds(void *io, int *read_fd, int *write_fd) {
  *read_fd = *write_fd = ((struct lossy_sock *)io)->fd;
  return TLSWIRE_OK;
}

static int ls_wait(void *io, unsigned events, int timeout_ms) {
  struct lossy_sock *l = io;
  struct pollfd p = {.fd = l->fd,
                     .events = (events & TLSWIRE_WAIT_READ) ? POLLIN : POLLOUT};
  l->waits++;
  int rc;
  do
    rc = poll(&p, 1, timeout_ms);
  while (rc < 0 && errno == EINTR);
  if (rc < 0)
    return TLSWIRE_E_SYSCALL;
  return rc > 0 ? TLSWIRE_OK : TLSWIRE_E_WANT_READ;
}

static const tlswire_transport_ops lossy_sock_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = ls_send,
    .recv = ls_recv,
    .caps = ls_caps,
    .get_fds = ls_get_fds,
    .wait = ls_wait,
};

static unsigned int one_retry_timer(SSL *ssl, unsigned int previous_us) {
  (void)ssl;
  return previous_us == 0 ? 100000 : 10000000;
}

/* Blocking on both sides (the client in a thread): the client's
 * ClientHello is lost, its blocking do_handshake waits only until its
 * timer, retransmits and completes; data then flows both ways. The
 * socket methods work on the user's transport too. */
START_TEST(dtls_blocking_retransmits_inside_the_call) {
  int sv[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
  struct lossy_sock l = {.fd = sv[0], .drop_first = 1};
  tlswire_transport *ct, *st;
  ck_assert_int_eq(tlswire_transport_new(&ct, &lossy_sock_ops, &l),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_socket_new(&st, sv[1], 0), TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_DTLS_METHOD, ct, st), 0);
  DTLS_set_timer_cb(tlswire_conn_get_ssl(p.client), one_retry_timer);
  unsigned char *data = tw_pattern(1000, 3);
  ck_assert_int_eq(tw_bound_blocking(&p, data, 1000), TLSWIRE_OK);
  free(data);
  ck_assert_int_eq(l.drop_first, 0);
  ck_assert_uint_ge(l.waits, 1); /* the recv was bounded by the timer */
  ck_assert_int_eq(tlswire_conn_fileno(p.client), sv[0]);
  ck_assert_int_eq(tlswire_conn_sock_shutdown(p.client, SHUT_RDWR),
                   TLSWIRE_OK);
  tw_pair_free(&p);
  close(sv[0]), close(sv[1]);
}
END_TEST

static Suite *event_loop_suite(void) {
  Suite *s = suite_create("event_loop");
  TW_ADD(s, socket_v2_operations);
  TW_ADD(s, fd_v2_operations);
  TW_ADD(s, get_wait_on_a_socket);
  TCase *tc = tcase_create("get_wait_on_fds");
  tcase_add_loop_test(tc, get_wait_on_fds, 0, 2);
  suite_add_tcase(s, tc);
  add_mtu_tests(s);
  tc = tcase_create("dtls_blocking_retransmits_inside_the_call");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, dtls_blocking_retransmits_inside_the_call);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(event_loop_suite, 1)
