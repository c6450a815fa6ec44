/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_socket_data.c - pyOpenSSL's socket-based Connection data tests in C
 * (TestConnectionSend, TestConnectionRecvInto, TestConnectionSendall, the
 * shutdown sequence) over connections bound to socket transports, plus
 * sendall's resumable count and the level-triggered state on a bound
 * connection. Loop tests run over socketpair() (_i == 0) and TCP loopback on
 * 127.0.0.1 with a kernel-chosen port (_i == 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "testmain.h"

static void set_blocking(int fd, int blocking) {
  int fl = fcntl(fd, F_GETFL);
  fl = blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK;
  ck_assert_int_eq(fcntl(fd, F_SETFL, fl), 0);
}

static int last_errno(const tlswire_conn *c) {
  return tlswire_error_errno(tlswire_conn_last_error(c));
}

static tlswire_conn *socket_conn(int fd, int server) {
  tlswire_context *ctx = server ? tw_server_ctx(TLSWIRE_TLS_METHOD, 1)
                                : tw_client_ctx(TLSWIRE_TLS_METHOD, 1);
  tlswire_transport *t;
  tlswire_conn *c;
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(
      tlswire_transport_socket_new(&t, fd, TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&c, ctx, t), TLSWIRE_OK);
  tlswire_context_free(ctx);
  return c;
}

/* Two connected stream sockets: a socketpair, or TCP over 127.0.0.1. */
static void socket_pair(int tcp, int sv[2]) {
  if (tcp)
    ck_assert_int_eq(tw_tcp_pair(sv), 0);
  else
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

/* pyOpenSSL's loopback(): client and server connected, handshake done,
 * both sockets non-blocking. sndbuf > 0 shrinks the server's send buffer
 * first (not the client's receive buffer: over TCP a tiny receive window
 * stalls on the persist timer). */
static tw_pair loopback_buf(int tcp, int sndbuf) {
  int sv[2];
  socket_pair(tcp, sv);
  if (sndbuf > 0) {
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  }
  set_blocking(sv[0], 0);
  set_blocking(sv[1], 0);
  tw_pair p = {socket_conn(sv[0], 0), socket_conn(sv[1], 1)};
  tlswire_conn_set_connect_state(p.client);
  tlswire_conn_set_accept_state(p.server);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  return p;
}

static tw_pair loopback(int tcp) { return loopback_buf(tcp, 0); }

/* Waits up to ms milliseconds for c's socket to become readable. */
static void wait_readable(tlswire_conn *c, int ms) {
  struct pollfd pfd = {tlswire_conn_fileno(c), POLLIN, 0};
  poll(&pfd, 1, ms);
}

/* recv_into that waits for the data to arrive on a non-blocking socket. */
static int recv_into_wait(tlswire_conn *c, void *buf, size_t buflen,
                          size_t nbytes, int flags, size_t *n) {
  int rc = TLSWIRE_E_WANT_READ;
  for (int i = 0; i < 50 && rc == TLSWIRE_E_WANT_READ; i++) {
    rc = tlswire_conn_recv_into(c, buf, buflen, nbytes, flags, n);
    if (rc == TLSWIRE_E_WANT_READ)
      wait_readable(c, 2000);
  }
  return rc;
}

/* --- TestConnectionSend --------------------------------------------------- */

/* test_short_bytes: send(b"xy") returns 2 and the peer gets "xy". */
START_TEST(send_bytes) {
  tw_pair p = loopback(_i);
  size_t n = 99;
  ck_assert_int_eq(tlswire_conn_send(p.server, "xy", 2, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  char buf[8];
  ck_assert_int_eq(recv_into_wait(p.client, buf, sizeof buf, 0, 0, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_mem_eq(buf, "xy", 2);
  ck_assert_int_eq(tlswire_conn_send(p.server, NULL, 2, &n), TLSWIRE_E_INVALID);
  ck_assert_uint_eq(n, 0);
  tw_pair_free(&p);
}
END_TEST

/* test_buf_too_large's spirit: send takes one record (16 KiB) of a larger
 * buffer and reports it; the rest is offered by the next call. */
START_TEST(send_large_buffer_reports_partial_progress) {
  tw_pair p = loopback(_i);
  size_t len = 100 * 1024, n = 0;
  unsigned char *data = tw_pattern(len, 3);
  ck_assert_int_eq(tlswire_conn_send(p.server, data, len, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 16384);
  int who = -1;
  ck_assert_int_eq(tw_bound_transfer(p.server, p.client, data, n, &who),
                   TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* --- TestConnectionRecvInto ---------------------------------------------- */

/* _no_length_test: recv_into(buffer) fills up to the buffer's length. */
START_TEST(recv_into_no_length) {
  tw_pair p = loopback(_i);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "abcde", 5, &n), TLSWIRE_OK);
  char buf[5];
  ck_assert_int_eq(recv_into_wait(p.client, buf, sizeof buf, 0, 0, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  ck_assert_mem_eq(buf, "abcde", 5);
  tw_pair_free(&p);
}
END_TEST

/* _respects_length_test: nbytes 5 of a 10-byte buffer: five bytes, the rest
 * of the buffer untouched, the other five bytes come next. */
START_TEST(recv_into_respects_nbytes) {
  tw_pair p = loopback(_i);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "abcdefghij", 10, &n),
                   TLSWIRE_OK);
  char buf[10];
  memset(buf, '*', sizeof buf);
  ck_assert_int_eq(recv_into_wait(p.client, buf, sizeof buf, 5, 0, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  ck_assert_mem_eq(buf, "abcde*****", 10);
  ck_assert_int_eq(recv_into_wait(p.client, buf, sizeof buf, 5, 0, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  ck_assert_mem_eq(buf, "fghij*****", 10);
  tw_pair_free(&p);
}
END_TEST

/* _doesnt_overfill_test / _really_doesnt_overfill_test: nbytes beyond the
 * buffer still reads at most the buffer's length. */
START_TEST(recv_into_does_not_overfill) {
  tw_pair p = loopback(_i);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "abcdefghij", 10, &n),
                   TLSWIRE_OK);
  char buf[8];
  memset(buf, '*', sizeof buf);
  ck_assert_int_eq(recv_into_wait(p.client, buf, 5, 50, 0, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  ck_assert_mem_eq(buf, "abcde***", 8);
  ck_assert_int_eq(recv_into_wait(p.client, buf, 5, 10, 0, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  ck_assert_mem_eq(buf, "fghij***", 8);
  tw_pair_free(&p);
}
END_TEST

/* test_peek: recv_into with MSG_PEEK leaves the bytes; the next read gets
 * them again. Unknown flags are refused. */
START_TEST(recv_into_peek) {
  tw_pair p = loopback(_i);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "xyz", 3, &n), TLSWIRE_OK);
  char buf[8] = {0};
  ck_assert_int_eq(
      recv_into_wait(p.client, buf, sizeof buf, 0, TLSWIRE_MSG_PEEK, &n),
      TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_mem_eq(buf, "xyz", 3);
  ck_assert_int_eq(tlswire_conn_pending(p.client), 3);
  ck_assert_uint_eq(tlswire_conn_state(p.client) & TLSWIRE_STATE_HAS_PLAINTEXT,
                    TLSWIRE_STATE_HAS_PLAINTEXT);
  ck_assert_int_eq(
      tlswire_conn_recv_into(p.client, buf, sizeof buf, 0, 0x40, &n),
      TLSWIRE_E_INVALID);
  memset(buf, 0, sizeof buf);
  ck_assert_int_eq(tlswire_conn_recv_into(p.client, buf, sizeof buf, 2, 0, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_mem_eq(buf, "xy", 2);
  ck_assert_int_eq(tlswire_conn_recv_into(p.client, buf, sizeof buf, 0, 0, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(buf[0], 'z');
  ck_assert_int_eq(tlswire_conn_recv_into(p.client, buf, sizeof buf, 0,
                                          TLSWIRE_MSG_PEEK, &n),
                   TLSWIRE_E_WANT_READ);
  tw_pair_free(&p);
}
END_TEST

/* --- TestConnectionSendall ----------------------------------------------- */

/* test_short: sendall(b"x") sends everything and says so. */
START_TEST(sendall_short) {
  tw_pair p = loopback(_i);
  size_t n = 0;
  ck_assert_int_eq(tlswire_conn_sendall(p.server, "x", 1, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 1);
  char buf[4];
  ck_assert_int_eq(recv_into_wait(p.client, buf, sizeof buf, 0, 0, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(buf[0], 'x');
  ck_assert_int_eq(tlswire_conn_sendall(p.server, "x", 0, &n),
                   TLSWIRE_E_INVALID);
  tw_pair_free(&p);
}
END_TEST

/* test_closed with sendall: after sock_shutdown, SysCallError(EPIPE), and
 * nothing was accepted. */
START_TEST(sendall_after_sock_shutdown_is_epipe) {
  tw_pair p = loopback(_i);
  ck_assert_int_eq(tlswire_conn_sock_shutdown(p.server, SHUT_RDWR), TLSWIRE_OK);
  size_t n = 99;
  ck_assert_int_eq(tlswire_conn_sendall(p.server, "hello, world", 12, &n),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(last_errno(p.server), EPIPE);
  ck_assert_uint_eq(n, 0);
  tw_pair_free(&p);
}
END_TEST

/* A blocking reader: receives until want bytes arrived, or until stop_at
 * bytes arrived and then closes its connection (the socket) with data
 * unread. */
struct reader {
  tlswire_conn *conn;
  unsigned char *got;
  size_t want, stop_at, len;
  int rc;
};

static void *reader_main(void *arg) {
  struct reader *r = arg;
  r->rc = TLSWIRE_OK;
  while (r->len < r->want && r->rc == TLSWIRE_OK) {
    size_t n = 0;
    r->rc = tlswire_conn_recv(r->conn, r->got + r->len, r->want - r->len, &n);
    r->len += n;
    if (r->stop_at > 0 && r->len >= r->stop_at)
      break;
  }
  if (r->stop_at > 0) {
    tlswire_conn_free(r->conn);
    r->conn = NULL;
  }
  return NULL;
}

/* test_long: 100 KiB (well over 32 KiB) in ONE blocking sendall call, every
 * byte delivered. */
START_TEST(sendall_long_blocking) {
  tw_pair p = loopback(_i);
  size_t len = 100 * 1024, n = 0;
  unsigned char *data = tw_pattern(len, 5);
  struct reader r = {p.client, malloc(len), len, 0, 0, 0};
  set_blocking(tlswire_conn_fileno(p.client), 1);
  set_blocking(tlswire_conn_fileno(p.server), 1);
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, reader_main, &r), 0);
  int rc = tlswire_conn_sendall(p.server, data, len, &n);
  pthread_join(th, NULL);
  ck_assert_int_eq(rc, TLSWIRE_OK);
  ck_assert_uint_eq(n, len);
  ck_assert_int_eq(r.rc, TLSWIRE_OK);
  ck_assert_uint_eq(r.len, len);
  ck_assert_mem_eq(r.got, data, len);
  free(r.got);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* test_closed, and beyond pyOpenSSL #176: the peer reads a little and then
 * closes its socket with data unread. A blocking sendall of 16 MiB (more than
 * socket buffers hold) fails with TLSWIRE_E_SYSCALL (EPIPE, or ECONNRESET:
 * Linux reports a peer that closed with data unread as a reset, on Unix-domain
 * sockets too) and reports how many bytes it had accepted: at least what the
 * peer read, fewer than offered. */
START_TEST(sendall_closed_peer_reports_count) {
  tw_pair p = loopback(_i);
  size_t len = 16 * 1024 * 1024, n = 0;
  unsigned char *data = tw_pattern(len, 7);
  struct reader r = {p.client, malloc(len), len, 40000, 0, 0};
  p.client = NULL; /* the reader frees it */
  set_blocking(tlswire_conn_fileno(r.conn), 1);
  set_blocking(tlswire_conn_fileno(p.server), 1);
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, reader_main, &r), 0);
  int rc = tlswire_conn_sendall(p.server, data, len, &n);
  pthread_join(th, NULL);
  ck_assert_int_eq(r.rc, TLSWIRE_OK);
  ck_assert_uint_ge(r.len, 40000);
  ck_assert_mem_eq(r.got, data, r.len);
  ck_assert_int_eq(rc, TLSWIRE_E_SYSCALL);
  int err = last_errno(p.server);
  ck_assert_msg(err == EPIPE || err == ECONNRESET, "errno %d", err);
  ck_assert_uint_ge(n, r.len);
  ck_assert_uint_lt(n, len);
  /* The failure is sticky: the next call reports it again, accepting 0. */
  size_t m = 99;
  ck_assert_int_eq(tlswire_conn_sendall(p.server, data + n, len - n, &m),
                   TLSWIRE_E_SYSCALL);
  ck_assert_uint_eq(m, 0);
  free(r.got);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* Non-blocking sendall with a small SO_SNDBUF: it stops with WANT_WRITE and
 * the count accepted so far; resuming from buf + count, while the peer
 * drains, delivers every byte exactly once. */
START_TEST(sendall_nonblocking_resumes_from_count) {
  tw_pair p = loopback_buf(_i, 4096);
  size_t len = 512 * 1024, off = 0, got = 0;
  unsigned char *data = tw_pattern(len, 9);
  unsigned char *recvd = malloc(len + 1);
  int stops = 0, flushed = 0, idle = 0;
  while ((got < len || !flushed) && idle < 100) {
    size_t n = 0, before = got + off;
    if (off < len) {
      int rc = tlswire_conn_sendall(p.server, data + off, len - off, &n);
      ck_assert(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE);
      ck_assert_uint_le(n, len - off);
      off += n;
      stops += rc == TLSWIRE_E_WANT_WRITE;
      ck_assert(rc == TLSWIRE_OK ? off == len : off < len);
    } else if (!flushed) {
      int rc = tlswire_conn_flush(p.server);
      ck_assert(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE);
      flushed = rc == TLSWIRE_OK;
    }
    int rc = tlswire_conn_recv(p.client, recvd + got, len + 1 - got, &n);
    ck_assert(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_READ);
    got += n;
    ck_assert_uint_le(got, off);
    idle = got + off == before ? idle + 1 : 0;
    if (idle > 0) {
      struct pollfd pfd[2] = {{tlswire_conn_fileno(p.client), POLLIN, 0},
                              {tlswire_conn_fileno(p.server), POLLOUT, 0}};
      poll(pfd, 2, 50);
    }
  }
  ck_assert_int_gt(stops, 0); /* the small buffer did make it stop */
  ck_assert_uint_eq(off, len);
  ck_assert_uint_eq(got, len);
  ck_assert_mem_eq(recvd, data, len);
  size_t n;
  ck_assert_int_eq(tlswire_conn_recv(p.client, recvd, 16, &n),
                   TLSWIRE_E_WANT_READ);
  free(recvd);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* --- shutdown over sockets ----------------------------------------------- */

static int recv_wait(tlswire_conn *c) {
  char buf[64];
  size_t n;
  return recv_into_wait(c, buf, sizeof buf, 0, 0, &n);
}

static int shutdown_wait(tlswire_conn *c) {
  int rc = TLSWIRE_E_WANT_READ;
  for (int i = 0; i < 50 && rc == TLSWIRE_E_WANT_READ; i++) {
    rc = tlswire_conn_shutdown(c);
    if (rc == TLSWIRE_E_WANT_READ)
      wait_readable(c, 2000);
  }
  return rc;
}

/* test_shutdown: server.shutdown() is False (0), the client's recv raises
 * ZeroReturnError, client.shutdown() completes, the server's second
 * shutdown() is True (1); both sides end with both bits. */
START_TEST(shutdown_sequence) {
  tw_pair p = loopback(_i);
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), 0);
  ck_assert_int_eq(tlswire_conn_get_shutdown(p.server), TLSWIRE_SENT_SHUTDOWN);
  ck_assert_int_eq(recv_wait(p.client), TLSWIRE_E_ZERO_RETURN);
  ck_assert_int_eq(tlswire_conn_get_shutdown(p.client),
                   TLSWIRE_RECEIVED_SHUTDOWN);
  ck_assert_uint_eq(tlswire_conn_state(p.client) & TLSWIRE_STATE_CLOSED,
                    TLSWIRE_STATE_CLOSED);
  ck_assert_int_eq(tlswire_conn_shutdown(p.client), 1);
  ck_assert_int_eq(tlswire_conn_get_shutdown(p.client),
                   TLSWIRE_SENT_SHUTDOWN | TLSWIRE_RECEIVED_SHUTDOWN);
  ck_assert_int_eq(shutdown_wait(p.server), 1);
  ck_assert_int_eq(tlswire_conn_get_shutdown(p.server),
                   TLSWIRE_SENT_SHUTDOWN | TLSWIRE_RECEIVED_SHUTDOWN);
  /* Sending after close_notify went out is refused (pyOpenSSL's Error). */
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "x", 1, &n), TLSWIRE_E_SSL);
  ck_assert_ptr_nonnull(
      strstr(tlswire_error_message(tlswire_conn_last_error(p.server)),
             "protocol is shutdown"));
  tw_pair_free(&p);
}
END_TEST

/* Both sides call shutdown first; each then completes on its second call
 * once the other's close_notify arrived. */
START_TEST(shutdown_simultaneous) {
  tw_pair p = loopback(_i);
  ck_assert_int_eq(tlswire_conn_shutdown(p.client), 0);
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), 0);
  ck_assert_int_eq(shutdown_wait(p.client), 1);
  ck_assert_int_eq(shutdown_wait(p.server), 1);
  tw_pair_free(&p);
}
END_TEST

/* --- tlswire_conn_state on a bound connection ---------------------------- */

/* On a bound connection the input ring is unused (the transport is read
 * directly), so NEEDS_INPUT means "poll the descriptor for input";
 * HAS_OUTPUT means ciphertext the transport has not taken yet (flush once
 * writable); CLOSED follows close_notify, the transport's end of file and
 * transport failures. */
START_TEST(state_on_bound_connection) {
  tw_pair p = loopback_buf(_i, 4096);
  ck_assert_uint_eq(tlswire_conn_state(p.client), TLSWIRE_STATE_NEEDS_INPUT);
  ck_assert_uint_eq(tlswire_conn_state(p.server), TLSWIRE_STATE_NEEDS_INPUT);
  /* Fill the socket: the unsent tail waits in the ring. */
  size_t len = 512 * 1024, n = 0;
  unsigned char *data = tw_pattern(len, 1);
  ck_assert_int_eq(tlswire_conn_sendall(p.server, data, len, &n),
                   TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_eq(tlswire_conn_state(p.server) & TLSWIRE_STATE_HAS_OUTPUT,
                    TLSWIRE_STATE_HAS_OUTPUT);
  ck_assert_int_eq(tlswire_conn_want_write(p.server), 1);
  /* The client has ciphertext waiting in its socket, but tlswire cannot
   * know without reading: NEEDS_INPUT still means "poll for input". */
  ck_assert_uint_eq(tlswire_conn_state(p.client), TLSWIRE_STATE_NEEDS_INPUT);
  /* Nothing moves the stuck tail but the server's next call: a first
   * record cut by the full socket stays incomplete until it flushes. */
  unsigned char buf[100];
  int rc = TLSWIRE_E_WANT_READ;
  for (int i = 0; i < 200 && rc == TLSWIRE_E_WANT_READ; i++) {
    rc = tlswire_conn_recv(p.client, buf, sizeof buf, &n);
    if (rc == TLSWIRE_E_WANT_READ) {
      int frc = tlswire_conn_flush(p.server);
      ck_assert(frc == TLSWIRE_OK || frc == TLSWIRE_E_WANT_WRITE);
      wait_readable(p.client, 10);
    }
  }
  ck_assert_int_eq(rc, TLSWIRE_OK);
  ck_assert_uint_eq(n, sizeof buf);
  ck_assert_uint_eq(tlswire_conn_state(p.client), TLSWIRE_STATE_HAS_PLAINTEXT);
  free(data);
  /* The peer goes away: the transport's EOF or reset makes it CLOSED. */
  tlswire_conn_free(p.server);
  p.server = NULL;
  do
    rc = recv_into_wait(p.client, buf, sizeof buf, 0, 0, &n);
  while (rc == TLSWIRE_OK);
  ck_assert_int_eq(rc, TLSWIRE_E_SYSCALL);
  ck_assert_uint_eq(tlswire_conn_state(p.client) & TLSWIRE_STATE_CLOSED,
                    TLSWIRE_STATE_CLOSED);
  ck_assert_uint_eq(tlswire_conn_state(p.client) & TLSWIRE_STATE_NEEDS_INPUT,
                    0);
  tw_pair_free(&p);
}
END_TEST

/* A client that has not started its handshake is not waiting for input;
 * once its ClientHello went out, it is. */
START_TEST(state_before_handshake) {
  int sv[2];
  socket_pair(_i, sv);
  set_blocking(sv[0], 0);
  tlswire_conn *c = socket_conn(sv[0], 0);
  tlswire_conn_set_connect_state(c);
  ck_assert_uint_eq(tlswire_conn_state(c), 0);
  ck_assert_int_eq(tlswire_conn_do_handshake(c), TLSWIRE_E_WANT_READ);
  ck_assert_uint_eq(tlswire_conn_state(c), TLSWIRE_STATE_NEEDS_INPUT);
  close(sv[1]);
  wait_readable(c, 2000);
  ck_assert_int_eq(tlswire_conn_do_handshake(c), TLSWIRE_E_SYSCALL);
  ck_assert_uint_eq(tlswire_conn_state(c), TLSWIRE_STATE_CLOSED);
  tlswire_conn_free(c);
}
END_TEST

/* A test case named after fn running fn over socketpair and TCP. */
#define TW_LOOP(s, fn, timeout)                                                \
  do {                                                                         \
    TCase *tc_ = tcase_create(#fn);                                            \
    if ((timeout) > 0)                                                         \
      tcase_set_timeout(tc_, (timeout));                                       \
    tcase_add_loop_test(tc_, fn, 0, 2);                                        \
    suite_add_tcase((s), tc_);                                                 \
  } while (0)

static Suite *make_suite(void) {
  Suite *s = suite_create("socket_data");
  TW_LOOP(s, send_bytes, 0);
  TW_LOOP(s, send_large_buffer_reports_partial_progress, 0);
  TW_LOOP(s, recv_into_no_length, 0);
  TW_LOOP(s, recv_into_respects_nbytes, 0);
  TW_LOOP(s, recv_into_does_not_overfill, 0);
  TW_LOOP(s, recv_into_peek, 0);
  TW_LOOP(s, sendall_short, 0);
  TW_LOOP(s, sendall_after_sock_shutdown_is_epipe, 0);
  TW_LOOP(s, sendall_long_blocking, 10);
  TW_LOOP(s, sendall_closed_peer_reports_count, 20);
  TW_LOOP(s, sendall_nonblocking_resumes_from_count, 20);
  TW_LOOP(s, shutdown_sequence, 0);
  TW_LOOP(s, shutdown_simultaneous, 0);
  TW_LOOP(s, state_on_bound_connection, 10);
  TW_LOOP(s, state_before_handshake, 0);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
