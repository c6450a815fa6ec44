/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_transport_v2.c - the version 2 vtable in every build (no POSIX
 * needed): a user's datagram transport running DTLS over a pipe with loss
 * and reordering, retransmission driven by the library with an event loop
 * that only follows tlswire_conn_get_wait, the method/transport check at
 * bind, version 1 tables, refused versions, the pipe's caps and half-close,
 * get_wait on a pipe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>
#include <tlswire/tlswire.h>

#include "bound.h"
#include "testmain.h"
#include "transport.h"

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* --- a lossy datagram transport: the user's vtable over a pipe end -------- */

struct lossy {
  tlswire_transport *inner; /* a pipe end in datagram mode */
  unsigned rng;             /* random faults when non-zero */
  unsigned drop_pct, hold_pct;
  int pattern;    /* faults by index: drop i % 5 == 4, hold i % 7 == 3 */
  int drop_first; /* drop this many datagrams first */
  unsigned char held[4096];
  size_t held_len;
  int holding;
  unsigned sent, dropped, reordered;
  int *destroyed;
};

static unsigned rng_next(unsigned *x) {
  *x ^= *x << 13;
  *x ^= *x >> 17;
  *x ^= *x << 5;
  return *x;
}

/* 'd' drop, 'h' hold back (sent after the next one), 'p' pass. */
static char lossy_fate(struct lossy *l, unsigned index) {
  if (l->drop_first > 0) {
    l->drop_first--;
    return 'd';
  }
  if (l->pattern)
    return index % 5 == 4 ? 'd' : index % 7 == 3 ? 'h' : 'p';
  if (l->rng == 0)
    return 'p';
  unsigned r = rng_next(&l->rng) % 100;
  return r < l->drop_pct ? 'd' : r < l->drop_pct + l->hold_pct ? 'h' : 'p';
}

/* The held datagram goes out now (dropped if the pipe has no room). */
static void lossy_release(struct lossy *l) {
  size_t n;
  if (!l->holding)
    return;
  l->holding = 0;
  l->reordered++;
  tlswire_transport_send(l->inner, l->held, l->held_len, &n);
}

static int lossy_send(void *io, const void *buf, size_t len, size_t *sent) {
  struct lossy *l = io;
  char fate = lossy_fate(l, l->sent++);
  *sent = len; /* a lost datagram was sent all the same, as over UDP */
  if (fate == 'd') {
    l->dropped++;
    return TLSWIRE_OK;
  }
  if (fate == 'h' && !l->holding && len <= sizeof l->held) {
    memcpy(l->held, buf, len);
    l->held_len = len;
    l->holding = 1;
    return TLSWIRE_OK;
  }
  int rc = tlswire_transport_send(l->inner, buf, len, sent);
  if (rc == TLSWIRE_OK)
    lossy_release(l);
  return rc;
}

static int lossy_recv(void *io, void *buf, size_t len, size_t *received) {
  struct lossy *l = io;
  return tlswire_transport_recv(l->inner, buf, len, received);
}

static unsigned lossy_caps(void *io) {
  (void)io;
  return TLSWIRE_TRANSPORT_CAP_DATAGRAM;
}

static void lossy_destroy(void *io) {
  struct lossy *l = io;
  tlswire_transport_free(l->inner);
  if (l->destroyed != NULL)
    ++*l->destroyed;
  free(l);
}

static const tlswire_transport_ops lossy_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = lossy_send,
    .recv = lossy_recv,
    .destroy = lossy_destroy,
    .caps = lossy_caps,
};

static tlswire_transport *lossy_new(tlswire_transport *inner,
                                    struct lossy **out) {
  struct lossy *l = calloc(1, sizeof *l);
  ck_assert_ptr_nonnull(l);
  l->inner = inner;
  tlswire_transport *t;
  ck_assert_int_eq(tlswire_transport_new(&t, &lossy_ops, l), TLSWIRE_OK);
  ck_assert_ptr_eq(tlswire_transport_get_io(t, &lossy_ops), l);
  *out = l;
  return t;
}

/* A DTLS pair over two lossy ends of one datagram pipe. */
static void lossy_pair(tw_pair *p, struct lossy **cl, struct lossy **sl) {
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 262144), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(a, 1), TLSWIRE_OK);
  tlswire_transport *ct = lossy_new(a, cl), *st = lossy_new(b, sl);
  ck_assert_int_eq(tw_bound_pair(p, TLSWIRE_DTLS_METHOD, ct, st), 0);
}

/* --- an event loop that knows nothing but get_wait ----------------------- */

/* Short timers so that a lost flight costs little time; libssl still gives
 * up after its own number of timeouts. */
enum { FIRST_TIMER_US = 100000 };

static unsigned int short_timer(SSL *ssl, unsigned int previous_us) {
  (void)ssl;
  if (previous_us == 0)
    return 20000;
  return previous_us < 160000 ? previous_us * 2 : 160000;
}

static unsigned int one_retry_timer(SSL *ssl, unsigned int previous_us) {
  (void)ssl;
  return previous_us == 0 ? FIRST_TIMER_US : 10000000;
}

/* One step of a side: the handshake until done, then reads (a finished
 * side still answers its peer's retransmissions there). */
static int side_step(tlswire_conn *c, int *done) {
  if (!*done) {
    int rc = tlswire_conn_do_handshake(c);
    *done = rc == TLSWIRE_OK;
    return *done ? TLSWIRE_E_WANT_READ : rc;
  }
  char buf[256];
  size_t n;
  return tlswire_conn_recv(c, buf, sizeof buf, &n);
}

/* The nearer of the two sides' timers, -1 for none. */
static int nearest_timer(tlswire_conn *a, tlswire_conn *b) {
  tlswire_wait wa, wb;
  ck_assert_int_eq(tlswire_conn_get_wait(a, &wa), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_get_wait(b, &wb), TLSWIRE_OK);
  ck_assert_int_eq(wa.read_fd, -1); /* a pipe: no descriptors */
  ck_assert_int_eq(wb.write_fd, -1);
  if (wa.timeout_ms < 0)
    return wb.timeout_ms;
  return wb.timeout_ms < 0 || wa.timeout_ms < wb.timeout_ms ? wa.timeout_ms
                                                            : wb.timeout_ms;
}

/* Runs both handshakes; when a round sent nothing, sleeps until the nearer
 * timer (as poll() would with get_wait's timeout_ms) and calls again: the
 * library retransmits by itself. Returns TLSWIRE_OK or the failure. */
static int loop_handshake(tw_pair *p, struct lossy *cl, struct lossy *sl) {
  int cdone = 0, sdone = 0;
  for (int round = 0; round < 4000 && !(cdone && sdone); round++) {
    unsigned before = cl->sent + sl->sent;
    int crc = side_step(p->client, &cdone);
    int src = side_step(p->server, &sdone);
    if (!is_want(crc))
      return crc;
    if (!is_want(src))
      return src;
    if (cl->sent + sl->sent != before)
      continue;
    int ms = nearest_timer(p->client, p->server);
    if (ms > 0)
      sleep_ms(ms);
  }
  return cdone && sdone ? TLSWIRE_OK : TLSWIRE_E_STATE;
}

/* The handshake completes over 20 % loss and 20 % reordering (_i picks the
 * seed); then 50 datagrams with every 5th lost and others reordered arrive
 * intact and once each, the lost ones never. */
START_TEST(dtls_over_lossy_user_datagrams) {
  tw_pair p;
  struct lossy *cl, *sl;
  lossy_pair(&p, &cl, &sl);
  cl->rng = 0x9e3779b9u + (unsigned)_i * 7919u;
  sl->rng = 0x85ebca6bu + (unsigned)_i * 104729u;
  cl->drop_pct = sl->drop_pct = 20;
  cl->hold_pct = sl->hold_pct = 20;
  DTLS_set_timer_cb(tlswire_conn_get_ssl(p.client), short_timer);
  DTLS_set_timer_cb(tlswire_conn_get_ssl(p.server), short_timer);
  ck_assert_int_eq(loop_handshake(&p, cl, sl), TLSWIRE_OK);
  lossy_release(cl);
  cl->rng = 0, cl->pattern = 1, cl->sent = 0;
  cl->dropped = cl->reordered = 0;
  for (unsigned i = 0; i < 50; i++) {
    unsigned char msg[100];
    memset(msg, (int)i, sizeof msg);
    size_t n;
    ck_assert_int_eq(tlswire_conn_send(p.client, msg, sizeof msg, &n),
                     TLSWIRE_OK);
    ck_assert_uint_eq(n, sizeof msg);
  }
  lossy_release(cl);
  ck_assert_uint_eq(cl->dropped, 10);
  ck_assert_uint_gt(cl->reordered, 0);
  int seen[50] = {0}, got = 0, out_of_order = 0, last = -1;
  unsigned char buf[200];
  size_t n;
  while (tlswire_conn_recv(p.server, buf, sizeof buf, &n) == TLSWIRE_OK) {
    ck_assert_uint_eq(n, 100);
    ck_assert_int_lt(buf[0], 50);
    for (size_t k = 1; k < n; k++)
      ck_assert_int_eq(buf[k], buf[0]);
    ck_assert_int_eq(seen[buf[0]]++, 0); /* once */
    ck_assert_int_ne(buf[0] % 5, 4);     /* never a lost one */
    out_of_order += buf[0] < last;
    last = buf[0];
    got++;
  }
  ck_assert_int_eq(got, 40);
  ck_assert_int_gt(out_of_order, 0);
  tw_pair_free(&p);
}
END_TEST

/* The client's first flight is lost; nobody calls DTLSv1_handle_timeout:
 * the event loop waits get_wait's timeout_ms and calls do_handshake again,
 * and the library retransmits. */
START_TEST(dtls_retransmits_lost_flight_by_itself) {
  tw_pair p;
  struct lossy *cl, *sl;
  lossy_pair(&p, &cl, &sl);
  cl->drop_first = 1;
  DTLS_set_timer_cb(tlswire_conn_get_ssl(p.client), one_retry_timer);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  ck_assert_uint_eq(cl->dropped, 1);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.server), TLSWIRE_E_WANT_READ);
  tlswire_wait w;
  ck_assert_int_eq(tlswire_conn_get_wait(p.client, &w), TLSWIRE_OK);
  ck_assert_uint_eq(w.events, TLSWIRE_WAIT_READ);
  ck_assert_int_ge(w.timeout_ms, 0);
  ck_assert_int_le(w.timeout_ms, FIRST_TIMER_US / 1000);
  ck_assert_int_eq(tlswire_conn_get_wait(p.server, &w), TLSWIRE_OK);
  ck_assert_int_eq(w.timeout_ms, -1); /* the server has sent nothing */
  unsigned sent = cl->sent;
  ck_assert_int_eq(loop_handshake(&p, cl, sl), TLSWIRE_OK);
  ck_assert_uint_gt(cl->sent, sent); /* the ClientHello went again */
  ck_assert_uint_eq(cl->dropped, 1);
  tw_pair_free(&p);
}
END_TEST

/* --- binding checks the method against the caps --------------------------- */

static int stream_recv(void *io, void *buf, size_t len, size_t *received) {
  (void)io, (void)buf, (void)len;
  *received = 0;
  return TLSWIRE_E_WANT_READ;
}

static int stream_send(void *io, const void *buf, size_t len, size_t *sent) {
  (void)io, (void)buf;
  *sent = len;
  return TLSWIRE_OK;
}

static unsigned dgram_caps(void *io) {
  (void)io;
  return TLSWIRE_TRANSPORT_CAP_DATAGRAM;
}

static void count_destroy(void *io) { ++*(int *)io; }

/* _i 0: DTLS on a stream transport; 1: TLS on a datagram one. Refused with
 * a message saying which; the transport is freed. */
START_TEST(method_transport_mismatch_refused) {
  tlswire_transport_ops ops = {.version = TLSWIRE_TRANSPORT_OPS_VERSION,
                               .send = stream_send,
                               .recv = stream_recv,
                               .destroy = count_destroy,
                               .caps = _i ? dgram_caps : NULL};
  int destroyed = 0;
  tlswire_transport *t;
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, &destroyed), TLSWIRE_OK);
  int method = _i ? TLSWIRE_TLS_METHOD : TLSWIRE_DTLS_METHOD;
  tlswire_context *ctx = tw_client_ctx(method, TW_KEY_EC_P256);
  tlswire_conn *conn = (void *)1;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, t), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(conn);
  ck_assert_int_eq(destroyed, 1);
  const tlswire_error *e = tlswire_thread_last_error();
  ck_assert_int_eq(tlswire_error_code(e), TLSWIRE_E_INVALID);
  ck_assert_str_eq(tlswire_error_message(e),
                   _i ? "a TLS context needs a stream transport, not a "
                        "datagram one"
                      : "a DTLS context needs a datagram transport "
                        "(TLSWIRE_TRANSPORT_CAP_DATAGRAM)");
  /* The matching kind binds. */
  ops.caps = _i ? NULL : dgram_caps;
  ck_assert_int_eq(tlswire_transport_new(&t, &ops, &destroyed), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, t), TLSWIRE_OK);
  tlswire_conn_free(conn);
  ck_assert_int_eq(destroyed, 2);
  tlswire_context_free(ctx);
}
END_TEST

/* The pipe: datagram mode shows in its caps; both kinds refuse the other
 * method. */
START_TEST(pipe_caps_follow_datagram_mode) {
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 4096), TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_transport_caps(a),
                    TLSWIRE_TRANSPORT_CAP_HALF_CLOSE);
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(b, 1), TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_transport_caps(a), TLSWIRE_TRANSPORT_CAP_HALF_CLOSE |
                                                   TLSWIRE_TRANSPORT_CAP_DATAGRAM);
  int rfd = 7, wfd = 7;
  tlswire_transport_fds(a, &rfd, &wfd);
  ck_assert_int_eq(rfd, -1);
  ck_assert_int_eq(wfd, -1);
  ck_assert_int_eq(tlswire_transport_fileno(a), -1);
  ck_assert_int_eq(tlswire_transport_wait(a, TLSWIRE_WAIT_READ, 0),
                   TLSWIRE_E_UNSUPPORTED);
  ck_assert_uint_eq(tlswire_transport_mtu(a), 0);
  tlswire_context *ctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_conn *conn;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, a), TLSWIRE_E_INVALID);
  tlswire_context_free(ctx);
  tlswire_transport_free(b);
}
END_TEST

/* A pipe end's half-close: the other end reads what was in flight, then
 * end of file; this end's sends fail with EPIPE, its input stays open. */
START_TEST(pipe_half_close) {
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 64), TLSWIRE_OK);
  size_t n;
  char buf[8];
  ck_assert_int_eq(tlswire_transport_send(a, "abc", 3, &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_shutdown(a), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_send(a, "d", 1, &n), TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(errno, EPIPE);
  ck_assert_int_eq(tlswire_transport_recv(b, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(tlswire_transport_recv(b, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 0); /* end of file */
  ck_assert_int_eq(tlswire_transport_send(b, "xy", 2, &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_recv(a, buf, sizeof buf, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  tlswire_transport_free(a);
  tlswire_transport_free(b);
}
END_TEST

/* --- version 1 tables, refused versions ---------------------------------- */

static int v1_send(void *io, const void *buf, size_t len, size_t *sent) {
  return tlswire_transport_send(io, buf, len, sent);
}

static int v1_recv(void *io, void *buf, size_t len, size_t *received) {
  return tlswire_transport_recv(io, buf, len, received);
}

static void v1_destroy(void *io) { tlswire_transport_free(io); }

/* A transport over a version 1 table (in storage exactly that size, freed
 * right after: the library must copy it and read no further). */
static tlswire_transport *v1_transport(tlswire_transport *inner) {
  tlswire_transport_ops_v1 *v1 = malloc(sizeof *v1);
  ck_assert_ptr_nonnull(v1);
  *v1 = (tlswire_transport_ops_v1){.version = 1,
                                   .send = v1_send,
                                   .recv = v1_recv,
                                   .destroy = v1_destroy};
  tlswire_transport *t;
  ck_assert_int_eq(
      tlswire_transport_new(&t, (const tlswire_transport_ops *)v1, inner),
      TLSWIRE_OK);
  free(v1);
  ck_assert_uint_eq(tlswire_transport_caps(t), 0); /* a stream */
  int rfd, wfd;
  tlswire_transport_fds(t, &rfd, &wfd);
  ck_assert_int_eq(rfd + wfd, -2);
  return t;
}

/* A full TLS handshake and 64 KiB each way over version 1 tables. */
START_TEST(version1_table_still_works) {
  ck_assert_uint_lt(sizeof(tlswire_transport_ops_v1),
                    sizeof(tlswire_transport_ops));
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 4096), TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(
      tw_bound_pair(&p, TLSWIRE_TLS_METHOD, v1_transport(a), v1_transport(b)),
      0);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *data = tw_pattern(65536, 9);
  int who;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, 65536, &who),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_transfer(p.server, p.client, data, 65536, &who),
                   TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
}
END_TEST

/* Version 0 and versions above this header's are refused. */
START_TEST(unknown_versions_refused) {
  unsigned versions[] = {0, TLSWIRE_TRANSPORT_OPS_VERSION + 1, 1000};
  for (size_t i = 0; i < sizeof versions / sizeof *versions; i++) {
    tlswire_transport_ops ops = {
        .version = versions[i], .send = stream_send, .recv = stream_recv};
    tlswire_transport *t = (void *)1;
    ck_assert_int_eq(tlswire_transport_new(&t, &ops, NULL),
                     TLSWIRE_E_UNSUPPORTED);
    ck_assert_ptr_null(t);
  }
  ck_assert_ptr_null(tlswire_transport_get_io(NULL, &lossy_ops));
}
END_TEST

/* --- get_wait on a pipe --------------------------------------------------- */

/* After WANT_READ: READ, no descriptors, no timer (TLS). With the output
 * stuck (a 64-byte pipe cannot take the ClientHello): WRITE. Memory mode
 * and NULL are refused. */
START_TEST(get_wait_on_a_pipe) {
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, _i ? 64 : 65536),
                   TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, a, b), 0);
  int rc = tlswire_conn_do_handshake(p.client);
  ck_assert_int_eq(rc, _i ? TLSWIRE_E_WANT_WRITE : TLSWIRE_E_WANT_READ);
  tlswire_wait w;
  ck_assert_int_eq(tlswire_conn_get_wait(p.client, &w), TLSWIRE_OK);
  ck_assert_uint_eq(w.events, _i ? TLSWIRE_WAIT_WRITE : TLSWIRE_WAIT_READ);
  ck_assert_int_eq(w.read_fd, -1);
  ck_assert_int_eq(w.write_fd, -1);
  ck_assert_int_eq(w.timeout_ms, -1);
  ck_assert_int_eq(tlswire_conn_get_wait(p.client, NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_get_wait(NULL, &w), TLSWIRE_E_INVALID);
  ck_assert_str_eq(tlswire_error_message(tlswire_thread_last_error()),
                   "conn is NULL");
  tw_pair_free(&p);
  tlswire_context *ctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_conn *mem;
  ck_assert_int_eq(tlswire_conn_new(&mem, ctx, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_get_wait(mem, &w), TLSWIRE_E_STATE);
  ck_assert_uint_eq(w.events, 0);
  tlswire_conn_free(mem);
  tlswire_context_free(ctx);
}
END_TEST

static Suite *transport_v2_suite(void) {
  Suite *s = suite_create("transport_v2");
  TCase *tc = tcase_create("dtls_over_lossy_user_datagrams");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, dtls_over_lossy_user_datagrams, 0, 3);
  suite_add_tcase(s, tc);
  tc = tcase_create("dtls_retransmits_lost_flight_by_itself");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, dtls_retransmits_lost_flight_by_itself);
  suite_add_tcase(s, tc);
  tc = tcase_create("method_transport_mismatch_refused");
  tcase_add_loop_test(tc, method_transport_mismatch_refused, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, pipe_caps_follow_datagram_mode);
  TW_ADD(s, pipe_half_close);
  TW_ADD(s, version1_table_still_works);
  TW_ADD(s, unknown_versions_refused);
  tc = tcase_create("get_wait_on_a_pipe");
  tcase_add_loop_test(tc, get_wait_on_a_pipe, 0, 2);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(transport_v2_suite, 1)
