/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_readahead.c - read-ahead on bound stream transports, counted: the
 * transport recv calls a receiver makes per record, for full 16 KiB
 * records and for 64-byte records written in a burst; plaintext and state
 * queries while records wait read ahead; read-ahead with released buffers.
 * A counting user vtable (version 2) over a socketpair.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "sockvt.h"
#include "testmain.h"

/* The sending and the receiving side of a connected pair, with the
 * receiver's counters. */
struct ra {
  tw_pair p;
  tw_sockvt cio, sio;
};

static void nonblocking(int fd) {
  ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/* A client and a server over a non-blocking socketpair, handshake done;
 * release: TLSWIRE_MODE_RELEASE_BUFFERS on both contexts. */
static void ra_init(struct ra *r, int release) {
  int sv[2];
  tlswire_transport *ct, *st;
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  nonblocking(sv[0]);
  nonblocking(sv[1]);
  ck_assert_int_eq(tw_sockvt_new(&ct, &r->cio, sv[0], 1), TLSWIRE_OK);
  ck_assert_int_eq(tw_sockvt_new(&st, &r->sio, sv[1], 1), TLSWIRE_OK);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  if (release) {
    tlswire_context_set_mode(cctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL);
    tlswire_context_set_mode(sctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL);
  }
  ck_assert_int_eq(tlswire_conn_new(&r->p.client, cctx, ct), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&r->p.server, sctx, st), TLSWIRE_OK);
  tlswire_context_free(cctx);
  tlswire_context_free(sctx);
  tlswire_conn_set_connect_state(r->p.client);
  tlswire_conn_set_accept_state(r->p.server);
  ck_assert_int_eq(tw_bound_handshake(&r->p, NULL, NULL), TLSWIRE_OK);
}

/* Sends count records of len bytes each (one send each, all taken whole). */
static void send_records(tlswire_conn *c, const unsigned char *data, size_t len,
                         int count) {
  for (int i = 0; i < count; i++) {
    size_t n;
    ck_assert_int_eq(tlswire_conn_send(c, data + (size_t)i * len, len, &n),
                     TLSWIRE_OK);
    ck_assert_uint_eq(n, len);
  }
  ck_assert(!tlswire_conn_want_write(c));
}

/* Receives exactly len bytes, all of them already sent: a would-block is a
 * failure here. Compares them with data. */
static void recv_exactly(tlswire_conn *c, const unsigned char *data,
                         size_t len) {
  unsigned char *buf = malloc(len);
  size_t got = 0;
  while (got < len) {
    size_t n;
    size_t want = len - got < 16384 ? len - got : 16384;
    ck_assert_int_eq(tlswire_conn_recv(c, buf + got, want, &n), TLSWIRE_OK);
    got += n;
  }
  ck_assert_mem_eq(buf, data, len);
  free(buf);
}

/* Records of rec bytes, per_burst at a time, count in all, client to
 * server; returns the server's transport recv calls for the data. */
static unsigned count_recvs(struct ra *r, size_t rec, int per_burst,
                            int count) {
  unsigned char *data = tw_pattern(rec * (size_t)count, 7);
  unsigned before = r->sio.recv_calls;
  for (int i = 0; i < count; i += per_burst) {
    const unsigned char *chunk = data + (size_t)i * rec;
    send_records(r->p.client, chunk, rec, per_burst);
    recv_exactly(r->p.server, chunk, rec * (size_t)per_burst);
  }
  free(data);
  return r->sio.recv_calls - before;
}

/* 64 full records: at most one transport recv each (plus a small constant);
 * without read-ahead each record costs two (header, then body). Bursts of 4
 * records fit any socketpair's buffer. */
START_TEST(full_records_one_recv_each) {
  struct ra r;
  ra_init(&r, _i);
  unsigned calls = count_recvs(&r, 16384, 4, 64);
  ck_assert_uint_le(calls, 64 + 4);
  ck_assert_uint_ge(calls, 64); /* a recv never returns two full records */
  tw_pair_free(&r.p);
}
END_TEST

/* 64 records of 64 bytes written in one burst arrive in a few recv calls,
 * far fewer than one per record. */
START_TEST(small_records_share_recvs) {
  struct ra r;
  ra_init(&r, _i);
  unsigned calls = count_recvs(&r, 64, 64, 64);
  ck_assert_uint_le(calls, 64 / 8);
  ck_assert_uint_ge(calls, 1);
  tw_pair_free(&r.p);
}
END_TEST

/* pending is pyOpenSSL's (SSL_pending): plaintext of the record being
 * read, not records read ahead. The state query still does not send an
 * event loop to wait for input those records already hold, and recv
 * returns them without a transport call. */
START_TEST(read_ahead_records_are_not_awaited) {
  struct ra r;
  ra_init(&r, _i);
  unsigned char *data = tw_pattern(128, 3), buf[64];
  size_t n;
  send_records(r.p.client, data, 64, 2);
  ck_assert_int_eq(tlswire_conn_recv(r.p.server, buf, 32, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 32);
  ck_assert_int_eq(tlswire_conn_pending(r.p.server), 32);
  ck_assert_int_eq(tlswire_conn_recv(r.p.server, buf + 32, 32, &n), TLSWIRE_OK);
  ck_assert_mem_eq(buf, data, 64);
  ck_assert_int_eq(tlswire_conn_pending(r.p.server), 0);
  unsigned calls = r.sio.recv_calls;
  ck_assert(!(tlswire_conn_state(r.p.server) & TLSWIRE_STATE_NEEDS_INPUT));
  ck_assert_int_eq(tlswire_conn_recv(r.p.server, buf, 64, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 64);
  ck_assert_mem_eq(buf, data + 64, 64);
  ck_assert_uint_eq(r.sio.recv_calls, calls);
  /* Now everything is consumed: an event loop must wait for input. */
  ck_assert(tlswire_conn_state(r.p.server) & TLSWIRE_STATE_NEEDS_INPUT);
  ck_assert_int_eq(tlswire_conn_recv(r.p.server, buf, 64, &n),
                   TLSWIRE_E_WANT_READ);
  free(data);
  tw_pair_free(&r.p);
}
END_TEST

/* A record that arrived in part sits read ahead, but recv stopped for the
 * rest: the state asks for input (an event loop waits, it does not spin),
 * and the rest completes it. */
START_TEST(partial_record_needs_input) {
  struct ra r;
  ra_init(&r, _i);
  unsigned char *data = tw_pattern(16384, 11), *buf = malloc(16384);
  size_t n;
  r.cio.budgeted = 1;
  r.cio.send_budget = 1000;
  ck_assert_int_eq(tlswire_conn_send(r.p.client, data, 16384, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 16384);
  ck_assert(tlswire_conn_want_write(r.p.client));
  ck_assert_int_eq(tlswire_conn_recv(r.p.server, buf, 16384, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert(tlswire_conn_state(r.p.server) & TLSWIRE_STATE_NEEDS_INPUT);
  ck_assert_int_eq(tlswire_conn_pending(r.p.server), 0);
  r.cio.budgeted = 0;
  ck_assert_int_eq(tlswire_conn_flush(r.p.client), TLSWIRE_OK);
  recv_exactly(r.p.server, data, 16384);
  free(buf);
  free(data);
  tw_pair_free(&r.p);
}
END_TEST

/* Records read ahead before close_notify are all delivered, then the clean
 * close; read ahead before a bare end of stream, then the truncation. */
START_TEST(read_ahead_then_end_of_stream) {
  struct ra r;
  ra_init(&r, 0);
  unsigned char *data = tw_pattern(640, 5), buf[64];
  size_t n;
  send_records(r.p.client, data, 64, 10);
  if (_i == 0)
    ck_assert_int_ge(tlswire_conn_shutdown(r.p.client), 0);
  ck_assert_int_eq(shutdown(r.cio.fd, SHUT_WR), 0);
  recv_exactly(r.p.server, data, 640);
  int rc = tlswire_conn_recv(r.p.server, buf, sizeof buf, &n);
  if (_i == 0) {
    ck_assert_int_eq(rc, TLSWIRE_E_ZERO_RETURN);
  } else {
    ck_assert_int_eq(rc, TLSWIRE_E_SYSCALL);
    ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(r.p.server)),
                     -1);
  }
  ck_assert(tlswire_conn_state(r.p.server) & TLSWIRE_STATE_CLOSED);
  free(data);
  tw_pair_free(&r.p);
}
END_TEST

static Suite *readahead_suite(void) {
  Suite *s = suite_create("readahead");
  TCase *tc = tcase_create("counted");
  /* _i: 0 default buffers, 1 TLSWIRE_MODE_RELEASE_BUFFERS */
  tcase_add_loop_test(tc, full_records_one_recv_each, 0, 2);
  tcase_add_loop_test(tc, small_records_share_recvs, 0, 2);
  tcase_add_loop_test(tc, read_ahead_records_are_not_awaited, 0, 2);
  tcase_add_loop_test(tc, partial_record_needs_input, 0, 2);
  /* _i: 0 close_notify first, 1 a bare end of stream */
  tcase_add_loop_test(tc, read_ahead_then_end_of_stream, 0, 2);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(readahead_suite, 1)
