/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_socket_conn.c - pyOpenSSL's socket-based Connection tests in C:
 * connect / connect_ex / accept through a wrapped socket, sock_shutdown,
 * WantWriteError on a full socket, EPIPE / ECONNRESET / unexpected EOF, and
 * the memory-BIO calls refused on socket connections. socketpair() and
 * loopback (127.0.0.1, port chosen by the kernel) only.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "testmain.h"

static int is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static void nonblocking(int fd) {
  ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

static int last_errno(const tlswire_conn *c) {
  return tlswire_error_errno(tlswire_conn_last_error(c));
}

static tlswire_conn *socket_conn(int fd, int server) {
  tlswire_context *ctx = server ? tw_server_ctx(TLSWIRE_TLS_METHOD, 1)
                                : tw_client_ctx(TLSWIRE_TLS_METHOD, 1);
  tlswire_transport *t;
  tlswire_conn *c;
  ck_assert_int_eq(
      tlswire_transport_socket_new(&t, fd, TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&c, ctx, t), TLSWIRE_OK);
  tlswire_context_free(ctx);
  return c;
}

/* A listening TCP socket on 127.0.0.1 with a kernel-chosen port. */
static int tcp_listener(struct sockaddr_in *addr) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof *addr;
  ck_assert_int_eq(bind(l, (struct sockaddr *)addr, sizeof *addr), 0);
  ck_assert_int_eq(listen(l, 4), 0);
  ck_assert_int_eq(getsockname(l, (struct sockaddr *)addr, &len), 0);
  return l;
}

/* pyOpenSSL's loopback(): connect + accept through Connection objects,
 * handshake done, both sockets non-blocking. _tcp 0: socketpair. */
static tw_pair loopback(int tcp) {
  tw_pair p;
  if (!tcp) {
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    p.client = socket_conn(sv[0], 0);
    p.server = socket_conn(sv[1], 1);
    tlswire_conn_set_connect_state(p.client);
    tlswire_conn_set_accept_state(p.server);
  } else {
    struct sockaddr_in addr;
    tlswire_conn *listener = socket_conn(tcp_listener(&addr), 1);
    p.client = socket_conn(socket(AF_INET, SOCK_STREAM, 0), 0);
    ck_assert_int_eq(
        tlswire_conn_connect(p.client, (struct sockaddr *)&addr, sizeof addr),
        TLSWIRE_OK);
    ck_assert_int_eq(tlswire_conn_accept(listener, &p.server, NULL, NULL),
                     TLSWIRE_OK);
    tlswire_conn_free(listener);
  }
  nonblocking(tlswire_conn_fileno(p.client));
  nonblocking(tlswire_conn_fileno(p.server));
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  return p;
}

/* Socket methods need a socket: memory mode and other transports refuse. */
START_TEST(socket_methods_need_a_socket) {
  tlswire_context *ctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 64), TLSWIRE_OK);
  tlswire_transport_free(b);
  tlswire_conn *conns[2];
  ck_assert_int_eq(tlswire_conn_new(&conns[0], ctx, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&conns[1], ctx, a), TLSWIRE_OK);
  struct sockaddr_in addr = {.sin_family = AF_INET};
  for (int i = 0; i < 2; i++) {
    tlswire_conn *c = conns[i], *out = (void *)1;
    ck_assert_int_eq(tlswire_conn_fileno(c), TLSWIRE_E_STATE);
    ck_assert_int_eq(
        tlswire_conn_connect(c, (struct sockaddr *)&addr, sizeof addr),
        TLSWIRE_E_STATE);
    ck_assert_int_eq(
        tlswire_conn_connect_ex(c, (struct sockaddr *)&addr, sizeof addr),
        TLSWIRE_E_STATE);
    ck_assert_int_eq(tlswire_conn_accept(c, &out, NULL, NULL), TLSWIRE_E_STATE);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(tlswire_conn_sock_shutdown(c, SHUT_RDWR), TLSWIRE_E_STATE);
    ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(c)),
                     TLSWIRE_E_STATE);
    ck_assert_int_eq(tlswire_conn_connect(c, NULL, 0), TLSWIRE_E_INVALID);
    tlswire_conn_free(c);
  }
  ck_assert_int_eq(tlswire_conn_connect(NULL, NULL, 0), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_accept(NULL, NULL, NULL, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_sock_shutdown(NULL, 0), TLSWIRE_E_INVALID);
  tlswire_context_free(ctx);
}
END_TEST

/* connect through the Connection, accept a new Connection (server role,
 * same context, owning its socket), then handshake and 1 MiB each way. */
START_TEST(connect_accept_handshake_transfer) {
  struct sockaddr_in addr, peer;
  socklen_t plen = sizeof peer;
  tlswire_conn *listener = socket_conn(tcp_listener(&addr), 1);
  tw_pair p;
  p.client = socket_conn(socket(AF_INET, SOCK_STREAM, 0), 0);
  ck_assert_int_eq(
      tlswire_conn_connect(p.client, (struct sockaddr *)&addr, sizeof addr),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_conn_accept(listener, &p.server, (struct sockaddr *)&peer, &plen),
      TLSWIRE_OK);
  ck_assert_int_eq(peer.sin_family, AF_INET);
  ck_assert_uint_eq(plen, sizeof peer);
  ck_assert_ptr_nonnull(tlswire_conn_get_ssl(p.server));
  ck_assert_int_eq(SSL_is_server(tlswire_conn_get_ssl(p.server)), 1);
  ck_assert_int_eq(SSL_is_server(tlswire_conn_get_ssl(p.client)), 0);
  int sfd = tlswire_conn_fileno(p.server);
  ck_assert_int_ge(sfd, 0);
  unsigned char *data = tw_pattern(1024 * 1024, 11);
  ck_assert_int_eq(tw_bound_blocking(&p, data, 1024 * 1024), TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
  ck_assert(!is_open(sfd)); /* the accepted socket belonged to its conn */
  tlswire_conn_free(listener);
}
END_TEST

/* connect_ex reports errno values: 0, ECONNREFUSED, EINPROGRESS. */
START_TEST(connect_ex_returns_errno_values) {
  struct sockaddr_in addr;
  int l = tcp_listener(&addr);
  tlswire_conn *c = socket_conn(socket(AF_INET, SOCK_STREAM, 0), 0);
  ck_assert_int_eq(
      tlswire_conn_connect_ex(c, (struct sockaddr *)&addr, sizeof addr), 0);
  tlswire_conn_free(c);
  close(l); /* nobody listens there any more */
  c = socket_conn(socket(AF_INET, SOCK_STREAM, 0), 0);
  ck_assert_int_eq(
      tlswire_conn_connect_ex(c, (struct sockaddr *)&addr, sizeof addr),
      ECONNREFUSED);
  tlswire_conn_free(c);
  c = socket_conn(socket(AF_INET, SOCK_STREAM, 0), 0);
  ck_assert_int_eq(
      tlswire_conn_connect(c, (struct sockaddr *)&addr, sizeof addr),
      TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(last_errno(c), ECONNREFUSED);
  tlswire_conn_free(c);
  l = tcp_listener(&addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  nonblocking(fd);
  c = socket_conn(fd, 0);
  int rc = tlswire_conn_connect_ex(c, (struct sockaddr *)&addr, sizeof addr);
  ck_assert(rc == 0 || rc == EINPROGRESS);
  tlswire_conn_free(c);
  close(l);
}
END_TEST

START_TEST(accept_would_block_on_nonblocking_listener) {
  struct sockaddr_in addr;
  int l = tcp_listener(&addr);
  nonblocking(l);
  tlswire_conn *listener = socket_conn(l, 1), *out;
  ck_assert_int_eq(tlswire_conn_accept(listener, &out, NULL, NULL),
                   TLSWIRE_E_WANT_READ);
  ck_assert_ptr_null(out);
  socklen_t len = 0;
  ck_assert_int_eq(tlswire_conn_accept(listener, &out, NULL, &len),
                   TLSWIRE_E_INVALID);
  tlswire_conn_free(listener);
}
END_TEST

/* pyOpenSSL test_shutdown_closed: after sock_shutdown, shutdown's
 * close_notify meets the closed socket: SysCallError(EPIPE). */
START_TEST(shutdown_after_sock_shutdown_is_epipe) {
  signal(SIGPIPE, SIG_DFL);
  tw_pair p = loopback(_i);
  ck_assert_int_eq(tlswire_conn_sock_shutdown(p.server, SHUT_RDWR), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(last_errno(p.server), EPIPE);
  tw_pair_free(&p);
}
END_TEST

/* pyOpenSSL test_closed (sendall after sock_shutdown): EPIPE. */
START_TEST(send_after_sock_shutdown_is_epipe) {
  signal(SIGPIPE, SIG_DFL);
  tw_pair p = loopback(_i);
  ck_assert_int_eq(tlswire_conn_sock_shutdown(p.server, SHUT_RDWR), TLSWIRE_OK);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "hello, world", 12, &n),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(last_errno(p.server), EPIPE);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(tlswire_conn_sock_shutdown(p.server, 99), TLSWIRE_E_INVALID);
  tw_pair_free(&p);
}
END_TEST

/* pyOpenSSL test_unexpected_EOF: the peer's socket shut down without
 * close_notify: SysCallError(-1, 'Unexpected EOF') (or ECONNRESET). */
START_TEST(unexpected_eof) {
  tw_pair p = loopback(_i);
  ck_assert_int_eq(tlswire_conn_sock_shutdown(p.client, SHUT_RDWR), TLSWIRE_OK);
  char buf[1024];
  size_t n;
  int rc;
  for (int i = 0; i < 100; i++) {
    rc = tlswire_conn_recv(p.server, buf, sizeof buf, &n);
    if (rc != TLSWIRE_E_WANT_READ)
      break;
    usleep(1000);
  }
  ck_assert_int_eq(rc, TLSWIRE_E_SYSCALL);
  ck_assert(last_errno(p.server) == -1 || last_errno(p.server) == ECONNRESET);
  tw_pair_free(&p);
}
END_TEST

/* The peer closes with our data unread: the stream is reset, recv reports
 * SysCallError(ECONNRESET). */
START_TEST(reset_by_peer_is_econnreset) {
  tw_pair p = loopback(_i);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "unread", 6, &n), TLSWIRE_OK);
  int cfd = tlswire_conn_fileno(p.client);
  struct linger lg = {1, 0}; /* TCP: close sends RST */
  setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  usleep(10000);
  tlswire_conn_free(p.client);
  p.client = NULL;
  char buf[64];
  int rc;
  for (int i = 0; i < 100; i++) {
    rc = tlswire_conn_recv(p.server, buf, sizeof buf, &n);
    if (rc != TLSWIRE_E_WANT_READ)
      break;
    usleep(1000);
  }
  ck_assert_int_eq(rc, TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(last_errno(p.server), ECONNRESET);
  tw_pair_free(&p);
}
END_TEST

/* pyOpenSSL test_wantWriteError: a full socket send buffer makes
 * do_handshake raise WantWriteError. */
START_TEST(handshake_on_full_socket_wants_write) {
  int sv[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int small = 1024;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  nonblocking(sv[0]);
  char chunk[4096] = {0};
  while (send(sv[0], chunk, sizeof chunk, MSG_NOSIGNAL) > 0)
    ;
  while (send(sv[0], chunk, 1, MSG_NOSIGNAL) > 0)
    ;
  tlswire_conn *c = socket_conn(sv[0], 0);
  tlswire_conn_set_connect_state(c);
  ck_assert_int_eq(tlswire_conn_do_handshake(c), TLSWIRE_E_WANT_WRITE);
  ck_assert_int_eq(tlswire_conn_do_handshake(c), TLSWIRE_E_WANT_WRITE);
  tlswire_conn_free(c);
  close(sv[1]);
}
END_TEST

/* TestConnectionSend / recv over a socketpair. */
START_TEST(send_and_recv_over_socket) {
  tw_pair p = loopback(0);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "xy", 2, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_int_eq(tlswire_conn_send(p.server, "", 0, &n), TLSWIRE_E_INVALID);
  char buf[8];
  int rc;
  for (int i = 0; i < 100; i++) {
    rc = tlswire_conn_recv(p.client, buf, sizeof buf, &n);
    if (rc != TLSWIRE_E_WANT_READ)
      break;
    usleep(1000);
  }
  ck_assert_int_eq(rc, TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_int_eq(memcmp(buf, "xy", 2), 0);
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  tw_pair_free(&p);
}
END_TEST

/* TestMemoryBIO: bio_* on a socket connection is a state error. */
START_TEST(memory_bio_calls_on_socket_conn) {
  tw_pair p = loopback(0);
  char buf[8];
  size_t n;
  ck_assert_int_eq(tlswire_conn_bio_write(p.client, "x", 1, &n),
                   TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_bio_read(p.client, buf, 8, &n),
                   TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_bio_shutdown(p.client), TLSWIRE_E_STATE);
  tw_pair_free(&p);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("socket_conn");
  TW_ADD(s, socket_methods_need_a_socket);
  TW_ADD(s, accept_would_block_on_nonblocking_listener);
  TW_ADD(s, connect_ex_returns_errno_values);
  TW_ADD(s, handshake_on_full_socket_wants_write);
  TW_ADD(s, send_and_recv_over_socket);
  TW_ADD(s, memory_bio_calls_on_socket_conn);
  TCase *tc = tcase_create("loopback");
  tcase_add_loop_test(tc, shutdown_after_sock_shutdown_is_epipe, 0, 2);
  tcase_add_loop_test(tc, send_after_sock_shutdown_is_epipe, 0, 2);
  tcase_add_loop_test(tc, unexpected_eof, 0, 2);
  tcase_add_loop_test(tc, reset_by_peer_is_econnreset, 0, 2);
  suite_add_tcase(s, tc);
  tc = tcase_create("connect_accept_handshake_transfer");
  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, connect_accept_handshake_transfer);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
