/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_bind.c - connections bound to a transport: handshake and 1 MiB each
 * way over the pipe with every fault injected, write-through / read-through,
 * resumption after would-block, end of stream and transport errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tlswire/tlswire.h>

#include "bound.h"
#include "testmain.h"

#define MIB (1024 * 1024)

static tw_pair pipe_pair(size_t capacity, tlswire_transport **ct,
                         tlswire_transport **st) {
  tw_pair p;
  ck_assert_int_eq(tlswire_transport_pipe_new(ct, st, capacity), TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, *ct, *st), 0);
  return p;
}

/* Fault settings applied to both ends: chunk, would-block every Nth. */
static const struct {
  size_t chunk;
  unsigned every;
} faults[] = {{0, 0}, {1, 0}, {7, 0}, {1000, 0}, {0, 2}, {0, 3}, {7, 3}};

static void set_faults(tlswire_transport *t, int i) {
  ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(t, faults[i].chunk),
                   TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_transport_pipe_set_wouldblock_every(t, faults[i].every),
      TLSWIRE_OK);
}

/* Handshake + 1 MiB each way, every byte compared. */
START_TEST(pipe_transfer_with_faults) {
  tlswire_transport *ct, *st;
  tw_pair p = pipe_pair(32768, &ct, &st);
  set_faults(ct, _i);
  set_faults(st, _i);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *data = tw_pattern(MIB, (unsigned)_i);
  int who = -1;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, MIB, &who),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_transfer(p.server, p.client, data, MIB, &who),
                   TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* The common case costs no copy: records go straight to the transport and
 * come straight from it (neither ring ever holds a byte). */
START_TEST(write_through_and_read_through) {
  tlswire_transport *ct, *st;
  tw_pair p = pipe_pair(MIB, &ct, &st);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *data = tw_pattern(65536, 9);
  unsigned char buf[20000];
  for (size_t off = 0; off < 65536;) {
    size_t n, got;
    ck_assert_int_eq(tlswire_conn_send(p.client, data + off, 65536 - off, &n),
                     TLSWIRE_OK);
    ck_assert_uint_eq(tlswire_conn_bio_pending_out(p.client), 0);
    ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &got),
                     TLSWIRE_OK);
    ck_assert_uint_eq(got, n);
    ck_assert_int_eq(memcmp(buf, data + off, n), 0);
    ck_assert_uint_eq(tlswire_conn_bio_pending_in(p.server), 0);
    off += n;
  }
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* The transport takes part of a record: send still accepts the plaintext,
 * the tail waits in the ring, recv asks for the transport (WANT_WRITE)
 * until it is out, and nothing is lost or repeated. */
START_TEST(unsent_tail_waits_in_the_ring) {
  tlswire_transport *ct, *st;
  tw_pair p = pipe_pair(32768, &ct, &st);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *data = tw_pattern(1000, 3);
  unsigned char buf[2000];
  size_t n;
  ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(ct, 100), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(ct, 2),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_send(p.client, data, 1000, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 1000);
  ck_assert_uint_gt(tlswire_conn_bio_pending_out(p.client), 800);
  ck_assert_int_eq(tlswire_conn_recv(p.client, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_WRITE);
  ck_assert_int_eq(tlswire_conn_want_write(p.client), 1);
  int rc, rounds = 0;
  while ((rc = tlswire_conn_flush(p.client)) == TLSWIRE_E_WANT_WRITE)
    ck_assert_int_lt(++rounds, 100);
  ck_assert_int_eq(rc, TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_conn_bio_pending_out(p.client), 0);
  ck_assert_int_eq(tlswire_conn_want_write(p.client), 0);
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 1000);
  ck_assert_int_eq(memcmp(buf, data, 1000), 0);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* A full transport: send refuses new plaintext (WANT_WRITE, 0 accepted)
 * until the ring drains; then every accepted byte arrives once. */
START_TEST(full_transport_backpressure) {
  tlswire_transport *ct, *st;
  tw_pair p = pipe_pair(4096, &ct, &st);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *data = tw_pattern(200000, 5);
  size_t off = 0, n;
  int rc;
  while ((rc = tlswire_conn_send(p.client, data + off, 200000 - off, &n)) ==
         TLSWIRE_OK)
    off += n;
  ck_assert_int_eq(rc, TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_eq(n, 0);
  ck_assert_uint_lt(off, 200000);
  int who;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, 0, &who),
                   TLSWIRE_OK);
  /* The receiver gets what was accepted, then the rest. */
  unsigned char *got = malloc(200000);
  size_t have = 0;
  for (int round = 0; have < 200000 && round < 10000; round++) {
    if (off < 200000 &&
        tlswire_conn_send(p.client, data + off, 200000 - off, &n) == TLSWIRE_OK)
      off += n;
    else
      tlswire_conn_flush(p.client);
    if (tlswire_conn_recv(p.server, got + have, 200000 - have, &n) ==
        TLSWIRE_OK)
      have += n;
  }
  ck_assert_uint_eq(have, 200000);
  ck_assert_int_eq(memcmp(got, data, 200000), 0);
  free(got);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* The transport ends mid-stream: the receiver reports a truncated stream,
 * SYSCALL with errno -1 (never a clean close). */
START_TEST(eof_mid_stream_is_truncation) {
  tlswire_transport *ct, *st;
  tw_pair p = pipe_pair(32768, &ct, &st);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_eof_after(st, 100000),
                   TLSWIRE_OK);
  unsigned char *data = tw_pattern(MIB, 1);
  int who = -1;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, MIB, &who),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(who, 1);
  const tlswire_error *err = tlswire_conn_last_error(p.server);
  ck_assert_int_eq(tlswire_error_code(err), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(err), -1);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* A reset mid-stream: SYSCALL with ECONNRESET, and it stays reported. */
START_TEST(reset_mid_stream_is_econnreset) {
  tlswire_transport *ct, *st;
  tw_pair p = pipe_pair(32768, &ct, &st);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_reset_after(st, 100000),
                   TLSWIRE_OK);
  unsigned char *data = tw_pattern(MIB, 2);
  int who = -1;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, MIB, &who),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(who, 1);
  ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(p.server)),
                   ECONNRESET);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "x", 1, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(p.server)),
                   ECONNRESET);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* close_notify through the transport: ZERO_RETURN, shutdown 0 then 1. */
START_TEST(close_notify_through_the_pipe) {
  tlswire_transport *ct, *st;
  tw_pair p = pipe_pair(32768, &ct, &st);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  char buf[16];
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.client, "bye", 3, &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_shutdown(p.client), 0);
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_ZERO_RETURN);
  ck_assert_int_eq(tlswire_conn_shutdown(p.server), 1);
  ck_assert_int_eq(tlswire_conn_shutdown(p.client), 1);
  tw_pair_free(&p);
}
END_TEST

/* The peer's end goes away without close_notify: truncation. */
START_TEST(peer_gone_is_truncation) {
  tlswire_transport *ct, *st;
  tw_pair p = pipe_pair(32768, &ct, &st);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  char buf[16];
  size_t n;
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  tlswire_conn_free(p.client);
  p.client = NULL;
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(tlswire_conn_last_error(p.server)), -1);
  /* The alert libssl tried to send met the closed pipe: not reported. */
  ck_assert_int_lt(tlswire_conn_send(p.server, "x", 1, &n), 0);
  tw_pair_free(&p);
}
END_TEST

/* shutdown that cannot push its close_notify returns WANT_WRITE, and the
 * next call finishes that answer (0) rather than starting over. */
START_TEST(shutdown_close_notify_waits_for_transport) {
  tlswire_transport *ct, *st;
  tw_pair p = pipe_pair(32768, &ct, &st);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(ct, 1),
                   TLSWIRE_OK);
  /* close_notify is queued (libssl's answer 0 stands); it waits in the
   * ring, and a second call waits for the transport before it reads. */
  ck_assert_int_eq(tlswire_conn_shutdown(p.client), 0);
  ck_assert_int_eq(tlswire_conn_want_write(p.client), 1);
  ck_assert(tlswire_conn_state(p.client) & TLSWIRE_STATE_HAS_OUTPUT);
  ck_assert_int_eq(tlswire_conn_shutdown(p.client), TLSWIRE_E_WANT_WRITE);
  ck_assert_int_eq(tlswire_conn_flush(p.client), TLSWIRE_E_WANT_WRITE);
  ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(ct, 0),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_flush(p.client), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_want_write(p.client), 0);
  char buf[8];
  size_t n;
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_ZERO_RETURN);
  tw_pair_free(&p);
}
END_TEST

/* bio_* belong to memory mode. */
START_TEST(bio_calls_on_bound_conn_are_state_errors) {
  tlswire_transport *ct, *st;
  tw_pair p = pipe_pair(1024, &ct, &st);
  tlswire_conn *c = p.client;
  char buf[8];
  size_t n;
  const void *data;
  void *win;
  ck_assert_int_eq(tlswire_conn_bio_write(c, "x", 1, &n), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(c)),
                   TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_bio_read(c, buf, 8, &n), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_bio_shutdown(c), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_bio_peek(c, &data, &n), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_bio_consume(c, 0), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_bio_window(c, &win, &n), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_bio_commit(c, 0), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_fileno(c), TLSWIRE_E_STATE); /* no fd */
  tw_pair_free(&p);
}
END_TEST

START_TEST(memory_mode_has_no_transport) {
  tlswire_context *ctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_conn *c;
  ck_assert_int_eq(tlswire_conn_new(&c, ctx, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_fileno(c), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_flush(c), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_fileno(NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_flush(NULL), TLSWIRE_E_INVALID);
  tlswire_conn_free(c);
  tlswire_context_free(ctx);
}
END_TEST

static int destroyed;
static int nop_send(void *io, const void *b, size_t l, size_t *s) {
  return TLSWIRE_E_WANT_WRITE;
}
static int nop_recv(void *io, void *b, size_t l, size_t *r) {
  return TLSWIRE_E_WANT_READ;
}
static void count_destroy(void *io) { destroyed++; }
static const tlswire_transport_ops counted_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = nop_send,
    .recv = nop_recv,
    .destroy = count_destroy,
};

/* The connection owns the transport from conn_new on, failure included. */
START_TEST(conn_owns_the_transport) {
  tlswire_transport *t;
  destroyed = 0;
  ck_assert_int_eq(tlswire_transport_new(&t, &counted_ops, NULL), TLSWIRE_OK);
  tlswire_conn *c = (void *)1;
  ck_assert_int_eq(tlswire_conn_new(&c, NULL, t), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(c);
  ck_assert_int_eq(destroyed, 1);
  tlswire_context *ctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(tlswire_transport_new(&t, &counted_ops, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&c, ctx, t), TLSWIRE_OK);
  tlswire_conn_set_connect_state(c);
  ck_assert_int_eq(tlswire_conn_do_handshake(c), TLSWIRE_E_WANT_WRITE);
  ck_assert_int_eq(destroyed, 1);
  tlswire_conn *c2 = (void *)1;
  ck_assert_int_eq(tlswire_conn_new(&c2, ctx, t), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(c2); /* t stays with c */
  ck_assert_str_eq(tlswire_error_message(tlswire_thread_last_error()),
                   "transport already bound to another connection");
  ck_assert_int_eq(destroyed, 1);
  tlswire_conn_free(c);
  ck_assert_int_eq(destroyed, 2);
  tlswire_context_free(ctx);
}
END_TEST

/* DTLS over a datagram pipe: one send per datagram, one recv returns one
 * datagram; handshake and 1 MiB each way (_i: with would-block faults). */
START_TEST(dtls_over_datagram_pipe) {
  tlswire_transport *ct, *st;
  ck_assert_int_eq(tlswire_transport_pipe_new(&ct, &st, 262144), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(ct, 1), TLSWIRE_OK);
  if (_i) {
    tlswire_transport_pipe_set_wouldblock_every(ct, 3);
    tlswire_transport_pipe_set_wouldblock_every(st, 2);
  }
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_DTLS_METHOD, ct, st), 0);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  ck_assert_int_eq(SSL_is_dtls(tlswire_conn_get_ssl(p.client)), 1);
  unsigned char *data = tw_pattern(MIB, 12);
  int who;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, MIB, &who),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_transfer(p.server, p.client, data, MIB, &who),
                   TLSWIRE_OK);
  int rc;
  while ((rc = tlswire_conn_shutdown(p.client)) == TLSWIRE_E_WANT_WRITE)
    ;
  ck_assert_int_eq(rc, 0);
  char buf[16];
  size_t n;
  while ((rc = tlswire_conn_recv(p.server, buf, sizeof buf, &n)) ==
         TLSWIRE_E_WANT_READ)
    ; /* the injected would-blocks */
  ck_assert_int_eq(rc, TLSWIRE_E_ZERO_RETURN);
  free(data);
  tw_pair_free(&p);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("bind");
  TCase *tc = tcase_create("pipe_transfer_with_faults");
  tcase_set_timeout(tc, 30);
  tcase_add_loop_test(tc, pipe_transfer_with_faults, 0,
                      (int)(sizeof faults / sizeof faults[0]));
  suite_add_tcase(s, tc);
  tc = tcase_create("mid_stream");
  tcase_set_timeout(tc, 15);
  tcase_add_test(tc, eof_mid_stream_is_truncation);
  tcase_add_test(tc, reset_mid_stream_is_econnreset);
  suite_add_tcase(s, tc);
  tc = tcase_create("dtls_over_datagram_pipe");
  tcase_set_timeout(tc, 20);
  tcase_add_loop_test(tc, dtls_over_datagram_pipe, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, write_through_and_read_through);
  TW_ADD(s, unsent_tail_waits_in_the_ring);
  TW_ADD(s, full_transport_backpressure);
  TW_ADD(s, close_notify_through_the_pipe);
  TW_ADD(s, peer_gone_is_truncation);
  TW_ADD(s, shutdown_close_notify_waits_for_transport);
  TW_ADD(s, bio_calls_on_bound_conn_are_state_errors);
  TW_ADD(s, memory_mode_has_no_transport);
  TW_ADD(s, conn_owns_the_transport);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
