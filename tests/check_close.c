/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_close.c - tlswire_conn_close, the graceful close of a bound
 * connection, and what tlswire_conn_free does with queued ciphertext.
 *
 * Over loopback TCP: the peer's bytes left unread by the closing side, then
 * the peer reads close_notify and a clean end of stream, never a reset (and
 * a plain free does give it a reset); a non-blocking close driven by poll;
 * a blocking close (user vtable with a poll wait) whose peer never closes
 * ends at the time bound; the drain_max bound; a close before the handshake
 * completed. Without POSIX: memory mode refused, a close over the pipe, and
 * free dropping the output ring.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "conn.h"
#include "testmain.h"
#include "transport.h"

static const char *why(const tlswire_conn *c) {
  return tlswire_error_message(tlswire_conn_last_error(c));
}

/* --- without POSIX ---------------------------------------------------------
 */

START_TEST(close_refused_in_memory_mode) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  ck_assert_int_eq(tlswire_conn_close(p.client, 100, SIZE_MAX),
                   TLSWIRE_E_STATE);
  ck_assert_str_ne(why(p.client), "");
  ck_assert_int_eq(tlswire_conn_close(NULL, 100, SIZE_MAX), TLSWIRE_E_INVALID);
  /* Nothing started: the connection still works. */
  static const unsigned char hi[] = "still open";
  ck_assert_int_eq(tw_transfer(p.client, p.server, hi, sizeof hi), 0);
  tw_pair_free(&p);
}
END_TEST

/* Over the pipe (no half-close): close_notify leaves, the drain reads what
 * the peer sent and ends at the peer's end of file (its end freed). Every
 * other I/O call is refused once the close started; a finished close
 * answers TLSWIRE_OK again. */
START_TEST(close_over_pipe) {
  tlswire_transport *a, *b;
  tw_pair p;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 64 * 1024), TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, a, b), 0);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char data[3000] = {1}, buf[64];
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.client, data, sizeof data, &n),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_close(p.server, 5000, SIZE_MAX),
                   TLSWIRE_E_WANT_READ);
  ck_assert_uint_ge(p.server->close.drained, sizeof data);
  int left = tlswire_close_timeout_ms(p.server);
  ck_assert_int_gt(left, 0);
  ck_assert_int_le(left, 5000);
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_send(p.server, buf, 1, &n), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.server), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_flush(p.server), TLSWIRE_E_STATE);
  /* The peer reads close_notify, then goes away. */
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_ZERO_RETURN);
  tlswire_conn_free(p.client);
  ck_assert_int_eq(tlswire_conn_close(p.server, 5000, SIZE_MAX), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_close_timeout_ms(p.server), -1);
  ck_assert_int_eq(tlswire_conn_close(p.server, 5000, SIZE_MAX), TLSWIRE_OK);
  ck_assert(tlswire_conn_get_shutdown(p.server) & TLSWIRE_SENT_SHUTDOWN);
  tlswire_conn_free(p.server);
}
END_TEST

/* A pipe end that counts the bytes it took, so a test knows exactly what
 * reached the peer. */
struct counting {
  tlswire_transport *end;
  size_t sent;
};

static int counting_send(void *io, const void *buf, size_t len, size_t *sent) {
  struct counting *c = io;
  int rc = tlswire_transport_send(c->end, buf, len, sent);
  c->sent += *sent;
  return rc;
}

static int counting_recv(void *io, void *buf, size_t len, size_t *received) {
  struct counting *c = io;
  return tlswire_transport_recv(c->end, buf, len, received);
}

static void counting_destroy(void *io) {
  struct counting *c = io;
  tlswire_transport_free(c->end);
  c->end = NULL;
}

/* Reads what the pipe end holds until end of file; returns the count. */
static size_t read_to_eof(tlswire_transport *end) {
  unsigned char buf[4096];
  size_t total = 0, n;
  while (tlswire_transport_recv(end, buf, sizeof buf, &n) == TLSWIRE_OK &&
         n > 0)
    total += n;
  return total;
}

/* free drops the ciphertext the transport had not taken: the peer gets
 * exactly what the transport accepted, even when the transport would take
 * more by the time of the free (no flush attempt). */
START_TEST(free_drops_queued_output) {
  static const tlswire_transport_ops ops = {.version =
                                                TLSWIRE_TRANSPORT_OPS_VERSION,
                                            .send = counting_send,
                                            .recv = counting_recv,
                                            .destroy = counting_destroy};
  tlswire_transport *a, *b, *ct;
  struct counting cnt = {0};
  tw_pair p;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 32 * 1024), TLSWIRE_OK);
  cnt.end = a;
  ck_assert_int_eq(tlswire_transport_new(&ct, &ops, &cnt), TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, ct, b), 0);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  cnt.sent = 0; /* the server has read the whole handshake */
  unsigned char *data = tw_pattern(64 * 1024, 9);
  size_t n, taken = 0;
  while (taken < 64 * 1024 &&
         tlswire_conn_send(p.client, data + taken, 64 * 1024 - taken, &n) ==
             TLSWIRE_OK)
    taken += n;
  ck_assert_uint_gt(tlswire_conn_bio_pending_out(p.client), 0);
  size_t before = cnt.sent;
  /* The peer makes room in the pipe behind the client's back. */
  tlswire_transport *st = tlswire_conn_transport(p.server);
  unsigned char sink[8192];
  ck_assert_int_eq(tlswire_transport_recv(st, sink, sizeof sink, &n),
                   TLSWIRE_OK);
  size_t seen = n;
  tlswire_conn_free(p.client);
  ck_assert_uint_eq(cnt.sent, before); /* nothing more was sent */
  seen += read_to_eof(st);
  ck_assert_uint_eq(seen, cnt.sent);
  tlswire_conn_free(p.server);
  free(data);
}
END_TEST

#if TLSWIRE_HAVE_POSIX_TRANSPORTS
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockvt.h"

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_blocking(int fd, int on) {
  int fl = fcntl(fd, F_GETFL);
  ck_assert_int_eq(fcntl(fd, F_SETFL, on ? fl & ~O_NONBLOCK : fl | O_NONBLOCK),
                   0);
}


/* A TLS pair over loopback TCP, non-blocking, built-in socket transports
 * that close the descriptors; handshake done unless !handshake. The raw
 * descriptors in fds (client, server). */
static void tcp_tls(tw_pair *p, int fds[2], int handshake) {
  tlswire_transport *ct, *st;
  ck_assert_int_eq(tw_tcp_pair(fds), 0);
  set_blocking(fds[0], 0);
  set_blocking(fds[1], 0);
  ck_assert_int_eq(
      tlswire_transport_socket_new(&ct, fds[0], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_transport_socket_new(&st, fds[1], TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_pair(p, TLSWIRE_TLS_METHOD, ct, st), 0);
  if (handshake)
    ck_assert_int_eq(tw_bound_handshake(p, NULL, NULL), TLSWIRE_OK);
}

#define UNREAD ((size_t)48 * 1024)

/* The peer (client) sends UNREAD bytes the server never reads. */
static void peer_sends(tlswire_conn *peer) {
  unsigned char *data = tw_pattern(UNREAD, 1);
  size_t done = 0, n;
  for (int i = 0; done < UNREAD && i < 10000; i++) {
    int rc = tlswire_conn_send(peer, data + done, UNREAD - done, &n);
    ck_assert_msg(rc == TLSWIRE_OK || is_want(rc), "send: %s",
                  tlswire_status_name(rc));
    done += n;
    if (rc != TLSWIRE_OK)
      poll(&(struct pollfd){tlswire_conn_fileno(peer), POLLOUT, 0}, 1, 50);
  }
  while (tlswire_conn_flush(peer) == TLSWIRE_E_WANT_WRITE)
    poll(&(struct pollfd){tlswire_conn_fileno(peer), POLLOUT, 0}, 1, 50);
  ck_assert_uint_eq(done, UNREAD);
  free(data);
}

/* Drives a non-blocking close the way an event loop does: poll the
 * descriptor for what the close asked, at most until its deadline. */
static int close_polled(tlswire_conn *c, int timeout_ms, size_t drain_max) {
  int fd = tlswire_conn_fileno(c);
  for (int i = 0; i < 1000; i++) {
    int rc = tlswire_conn_close(c, timeout_ms, drain_max);
    if (!is_want(rc))
      return rc;
    int wait = tlswire_close_timeout_ms(c);
    struct pollfd pfd = {fd, rc == TLSWIRE_E_WANT_READ ? POLLIN : POLLOUT, 0};
    poll(&pfd, 1, wait < 0 || wait > 5000 ? 5000 : wait);
  }
  return TLSWIRE_E_STATE;
}

/* Reads until a status other than a would-block; returns it. */
static int peer_recv_end(tlswire_conn *peer) {
  unsigned char buf[4096];
  size_t n;
  for (int i = 0; i < 1000; i++) {
    int rc = tlswire_conn_recv(peer, buf, sizeof buf, &n);
    if (!is_want(rc))
      return rc;
    poll(&(struct pollfd){tlswire_conn_fileno(peer), POLLIN, 0}, 1, 50);
  }
  return TLSWIRE_E_STATE;
}

/* Waits for the raw socket's next event and reads it: 0 for a clean end
 * of stream, else the errno recv failed with. */
static int raw_end(int fd) {
  char c;
  poll(&(struct pollfd){fd, POLLIN, 0}, 1, 5000);
  ssize_t n = recv(fd, &c, 1, 0);
  return n == 0 ? 0 : n < 0 ? errno : -1;
}

/* The server never reads what the client sent; closed gracefully (with a
 * time bound: the client does not close before) and freed, it leaves the
 * client close_notify and a clean end of stream. */
START_TEST(graceful_close_no_reset) {
  tw_pair p;
  int fds[2];
  tcp_tls(&p, fds, 1);
  peer_sends(p.client);
  int64_t t0 = now_ms();
  ck_assert_int_eq(close_polled(p.server, 300, SIZE_MAX), TLSWIRE_OK);
  ck_assert_int_lt(now_ms() - t0, 10000);
  ck_assert_uint_ge(p.server->close.drained, UNREAD);
  tlswire_conn_free(p.server);
  int rc = peer_recv_end(p.client);
  ck_assert_msg(rc == TLSWIRE_E_ZERO_RETURN, "peer: %s (%s)",
                tlswire_status_name(rc), why(p.client));
  ck_assert_int_eq(raw_end(fds[0]), 0);
  tlswire_conn_free(p.client);
}
END_TEST

/* The same without the close: a plain free with the client's bytes unread
 * resets the connection, and the client sees the reset, not
 * close_notify. */
START_TEST(plain_free_resets_peer) {
  tw_pair p;
  int fds[2];
  tcp_tls(&p, fds, 1);
  peer_sends(p.client);
  tlswire_conn_free(p.server);
  int rc = peer_recv_end(p.client);
  ck_assert_int_eq(rc, TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(p.client)),
                   ECONNRESET);
  tlswire_conn_free(p.client);
}
END_TEST

/* Both sides close: the drain ends at the peer's end of stream (not the
 * deadline), having read all it sent. */
START_TEST(close_both_sides) {
  tw_pair p;
  int fds[2];
  tcp_tls(&p, fds, 1);
  peer_sends(p.client);
  ck_assert_int_eq(tlswire_conn_close(p.server, 10000, SIZE_MAX),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(peer_recv_end(p.client), TLSWIRE_E_ZERO_RETURN);
  ck_assert_int_eq(close_polled(p.client, 10000, SIZE_MAX), TLSWIRE_OK);
  ck_assert_int_eq(close_polled(p.server, 10000, SIZE_MAX), TLSWIRE_OK);
  ck_assert(p.server->bound->in_eof);
  ck_assert_uint_gt(p.server->close.drained, UNREAD);
  tw_pair_free(&p);
}
END_TEST

/* drain_max: the drain stops after exactly that many bytes, with no time
 * bound and the peer still open. */
START_TEST(close_drain_max) {
  tw_pair p;
  int fds[2];
  tcp_tls(&p, fds, 1);
  peer_sends(p.client);
  ck_assert_int_eq(close_polled(p.server, -1, 1000), TLSWIRE_OK);
  ck_assert_uint_eq(p.server->close.drained, 1000);
  ck_assert(!p.server->bound->in_eof);
  tw_pair_free(&p);
}
END_TEST

/* Before the handshake completed: no close_notify, but still the
 * half-close and the drain; the client sees the stream end without
 * close_notify (truncation), never a reset. */
START_TEST(close_before_handshake) {
  tw_pair p;
  int fds[2];
  tcp_tls(&p, fds, 0);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  poll(&(struct pollfd){fds[1], POLLIN, 0}, 1, 5000);
  ck_assert_int_eq(close_polled(p.server, 300, SIZE_MAX), TLSWIRE_OK);
  ck_assert_uint_gt(p.server->close.drained, 0); /* the ClientHello */
  ck_assert(!(tlswire_conn_get_shutdown(p.server) & TLSWIRE_SENT_SHUTDOWN));
  tlswire_conn_free(p.server);
  int rc;
  for (int i = 0; i < 1000; i++) {
    rc = tlswire_conn_do_handshake(p.client);
    if (!is_want(rc))
      break;
    poll(&(struct pollfd){fds[0], POLLIN, 0}, 1, 50);
  }
  ck_assert_int_eq(rc, TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(p.client)), -1);
  tlswire_conn_free(p.client);
}
END_TEST

/* Blocking: a user vtable with a poll() wait over a blocking socket. The
 * peer never closes: the drain ends at the time bound (only a generous
 * upper bound is asserted), through the wait op; the peer then reads
 * close_notify and a clean end of stream. */
START_TEST(blocking_close_ends_at_time_bound) {
  int sv[2];
  ck_assert_int_eq(tw_tcp_pair(sv), 0);
  tlswire_transport *ct, *st;
  tw_sockvt cio, sio;
  ck_assert_int_eq(tw_sockvt_new(&ct, &cio, sv[0], 1), TLSWIRE_OK);
  ck_assert_int_eq(tw_sockvt_new(&st, &sio, sv[1], 1), TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, ct, st), 0);
  unsigned char *data = tw_pattern(4096, 2);
  ck_assert_int_eq(tw_bound_blocking(&p, data, 4096), TLSWIRE_OK);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.client, data, 4096, &n), TLSWIRE_OK);
  int64_t t0 = now_ms();
  ck_assert_int_eq(tlswire_conn_close(p.server, 300, SIZE_MAX), TLSWIRE_OK);
  int64_t took = now_ms() - t0;
  ck_assert_int_lt(took, 10000);
  ck_assert_int_ge(took, 250);
  ck_assert_uint_gt(sio.wait_calls, 0);
  ck_assert_uint_eq(sio.shutdown_calls, 1);
  ck_assert_uint_ge(p.server->close.drained, 4096);
  tlswire_conn_free(p.server);
  set_blocking(cio.fd, 0);
  ck_assert_int_eq(peer_recv_end(p.client), TLSWIRE_E_ZERO_RETURN);
  ck_assert_int_eq(raw_end(cio.fd), 0);
  tlswire_conn_free(p.client);
  free(data);
}
END_TEST

static void add_socket_tests(Suite *s) {
  TW_ADD(s, graceful_close_no_reset);
  TW_ADD(s, plain_free_resets_peer);
  TW_ADD(s, close_both_sides);
  TW_ADD(s, close_drain_max);
  TW_ADD(s, close_before_handshake);
  TW_ADD(s, blocking_close_ends_at_time_bound);
}
#else
static void add_socket_tests(Suite *s) { (void)s; }
#endif

static Suite *close_suite(void) {
  Suite *s = suite_create("close");
  TW_ADD(s, close_refused_in_memory_mode);
  TW_ADD(s, close_over_pipe);
  TW_ADD(s, free_drops_queued_output);
  add_socket_tests(s);
  return s;
}

TW_TEST_MAIN(close_suite, 1)
