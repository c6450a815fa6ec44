/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tw.c - the same workloads through tlswire: memory mode with the copying
 * bio_read/bio_write, memory mode with the zero-copy bio_peek/bio_consume
 * and bio_window/bio_commit, or bound to tlswire_transport_socket_new.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tlswire/tlswire.h>

#include "bench.h"

struct tw_end {
  tlswire_conn *conn;
  int fd; /* BASE_SOCK */
};

struct tw_state {
  const struct bench_row *row;
  tlswire_context *cctx, *sctx;
  size_t capacity;          /* ring capacity, for the copying pump */
  tlswire_session *session; /* KIND_RESUME */
  struct tw_end c, s;       /* KIND_BULK, KIND_PING */
  struct tw_end *cc, *cs; /* KIND_CONC: the pairs */
};

static void tw_check(int status, const char *what) {
  if (status < 0) {
    fprintf(stderr, "bench: %s: %s\n", what, tlswire_strerror(status));
    bench_die(what);
  }
}

static void tw_server_creds(tlswire_context *ctx, const tw_chain *ch) {
  tw_check(tlswire_context_use_certificate(ctx, ch->leaf), "tlswire leaf");
  tw_check(tlswire_context_use_privatekey(ctx, ch->leaf_key), "tlswire key");
  tw_check(tlswire_context_add_extra_chain_cert(ctx, ch->intermediate),
           "tlswire chain");
}

static void tw_client_trust(tlswire_context *ctx, const tw_chain *ch) {
  tw_check(tlswire_context_set_verify(ctx, TLSWIRE_VERIFY_PEER, NULL, NULL),
           "tlswire verify");
  if (X509_STORE_add_cert(tlswire_context_get_cert_store(ctx), ch->ca) != 1)
    bench_die("tlswire trust anchor");
}

static void tw_protocol(tlswire_context *ctx, const struct bench_row *row) {
  tw_check(tlswire_context_set_min_proto_version(ctx, row->version),
           "tlswire min version");
  tw_check(tlswire_context_set_max_proto_version(ctx, row->version),
           "tlswire max version");
  tw_check(row->version == TLS1_3_VERSION
               ? tlswire_context_set_tls13_ciphersuites(ctx, row->suite)
               : tlswire_context_set_cipher_list(ctx, row->suite),
           "tlswire suites");
}

static tlswire_context *tw_ctx(const struct bench_row *row, int server) {
  tlswire_context *ctx;
  tw_check(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), "tlswire context");
  if (row->release)
    tw_check(tlswire_context_set_mode(ctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL),
             "tlswire mode");
  tw_protocol(ctx, row);
  tw_check(
      tlswire_context_set_session_cache_mode(ctx, TLSWIRE_SESS_CACHE_OFF, NULL),
      "tlswire cache mode");
  int resume = row->kind == KIND_RESUME;
  /* No tlswire call for the ticket count: set it on libssl's context. */
  SSL_CTX_set_num_tickets(tlswire_context_get_ssl_ctx(ctx), resume ? 1 : 0);
  if (!resume)
    tw_check(tlswire_context_set_options(ctx, TLSWIRE_OP_NO_TICKET, NULL),
             "tlswire options");
  if (server)
    tw_server_creds(ctx, bench_chain(row->key));
  else
    tw_client_trust(ctx, bench_chain(row->key));
  return ctx;
}

static void tw_end_new(struct tw_end *e, tlswire_context *ctx,
                       const struct bench_row *row, int fd,
                       tlswire_session *session, int server) {
  tlswire_transport *t = NULL;
  e->fd = fd;
  if (row->base == BASE_SOCK)
    tw_check(tlswire_transport_socket_new(&t, fd, 0), "tlswire transport");
  tw_check(tlswire_conn_new(&e->conn, ctx, t), "tlswire_conn_new");
  if (server) {
    tlswire_conn_set_accept_state(e->conn);
    return;
  }
  tlswire_conn_set_connect_state(e->conn);
  tw_check(tlswire_conn_set_tlsext_host_name(e->conn, BENCH_HOST,
                                             strlen(BENCH_HOST)),
           "tlswire host name");
  tw_check(tlswire_conn_set_verify_hostname(e->conn, BENCH_HOST),
           "tlswire verify host name");
  if (session != NULL)
    tw_check(tlswire_conn_set_session(e->conn, session), "tlswire session");
}

static void tw_end_free(struct tw_end *e) {
  tlswire_conn_free(e->conn);
  e->conn = NULL;
}

/* Copying pump: never reads more than the receiving ring has room for. */
static size_t tw_move_copy(const struct tw_state *st, struct tw_end *from,
                           struct tw_end *to) {
  static unsigned char buf[1 << 16];
  size_t total = 0, n, taken;
  for (;;) {
    size_t room = st->capacity - tlswire_conn_bio_pending_in(to->conn);
    if (room > sizeof buf)
      room = sizeof buf;
    if (room == 0 ||
        tlswire_conn_bio_read(from->conn, buf, room, &n) != TLSWIRE_OK)
      return total;
    tw_check(tlswire_conn_bio_write(to->conn, buf, n, &taken), "bio_write");
    if (taken != n)
      bench_die("tlswire bio_write took less than the room it had");
    total += n;
  }
}

static size_t tw_move_zc(struct tw_end *from, struct tw_end *to) {
  size_t total = 0, n, room;
  const void *src;
  void *dst;
  while (tlswire_conn_bio_peek(from->conn, &src, &n) == TLSWIRE_OK &&
         tlswire_conn_bio_window(to->conn, &dst, &room) == TLSWIRE_OK) {
    size_t k = n < room ? n : room;
    memcpy(dst, src, k);
    tlswire_conn_bio_commit(to->conn, k);
    tlswire_conn_bio_consume(from->conn, k);
    total += k;
  }
  return total;
}

static size_t tw_move(const struct tw_state *st, struct tw_end *from,
                      struct tw_end *to) {
  switch (st->row->base) {
  case BASE_COPY:
    return tw_move_copy(st, from, to);
  case BASE_ZC:
    return tw_move_zc(from, to);
  default:
    return 0; /* bound connections move by themselves */
  }
}

static void tw_pump(const struct tw_state *st, struct tw_end *c,
                    struct tw_end *s) {
  while (tw_move(st, c, s) + tw_move(st, s, c) > 0)
    ;
}

/* 1 when the handshake is done, 0 when it waits for the peer. */
static int tw_step(struct tw_end *e) {
  int r = tlswire_conn_do_handshake(e->conn);
  switch (r) {
  case TLSWIRE_OK:
    return 1;
  case TLSWIRE_E_WANT_READ:
  case TLSWIRE_E_WANT_WRITE:
    return 0;
  default:
    tw_check(r, "tlswire handshake");
    return 0;
  }
}

static void tw_handshake(const struct tw_state *st, struct tw_end *c,
                         struct tw_end *s, size_t *peak) {
  int cd = 0, sd = 0;
  for (int i = 0; i < 200 && !(cd && sd); i++) {
    cd = cd || tw_step(c);
    bench_peak(peak);
    sd = sd || tw_step(s);
    bench_peak(peak);
    tw_pump(st, c, s);
    if (st->row->base == BASE_SOCK && !(cd && sd))
      bench_wait_readable(cd ? s->fd : c->fd);
  }
  if (!(cd && sd))
    bench_die("tlswire handshake did not finish");
}

static void tw_pair_new(struct tw_state *st, struct tw_end *c,
                        struct tw_end *s) {
  int fds[2] = {-1, -1};
  if (st->row->base == BASE_SOCK)
    bench_tcp_pair(fds);
  tw_end_new(c, st->cctx, st->row, fds[0], st->session, 0);
  tw_end_new(s, st->sctx, st->row, fds[1], NULL, 1);
}

static void tw_pair_free(struct tw_end *c, struct tw_end *s) {
  int cfd = c->fd, sfd = s->fd;
  tw_end_free(c);
  tw_end_free(s);
  if (cfd >= 0) {
    close(cfd);
    close(sfd);
  }
}

static void tw_recv_exact(const struct tw_state *st, struct tw_end *e,
                          size_t len) {
  size_t got = 0, n;
  while (got < len) {
    int r = tlswire_conn_recv(e->conn, bench_sink, sizeof bench_sink, &n);
    if (r == TLSWIRE_OK) {
      got += n;
      continue;
    }
    if (st->row->base != BASE_SOCK || r != TLSWIRE_E_WANT_READ)
      tw_check(r < 0 ? r : TLSWIRE_E_STATE, "tlswire recv");
    bench_wait_readable(e->fd);
  }
}

static void tw_send_all(const struct tw_state *st, struct tw_end *from,
                        struct tw_end *to, size_t len) {
  size_t n;
  tw_check(tlswire_conn_send(from->conn, bench_data, len, &n), "tlswire send");
  if (n != len)
    bench_die("tlswire short send");
  tw_move(st, from, to);
}

static void tw_bulk(const struct tw_state *st, struct tw_end *c,
                    struct tw_end *s, long ops) {
  size_t want = (size_t)ops * BENCH_RECORD, sent = 0, got = 0, n;
  while (got < want) {
    size_t len = want - sent < BENCH_RECORD ? want - sent : BENCH_RECORD;
    int r = sent < want ? tlswire_conn_send(c->conn, bench_data, len, &n)
                        : TLSWIRE_E_WANT_WRITE;
    if (r == TLSWIRE_OK)
      sent += n;
    else if (r != TLSWIRE_E_WANT_WRITE)
      tw_check(r, "tlswire bulk send");
    tw_move(st, c, s);
    while (tlswire_conn_recv(s->conn, bench_sink, sizeof bench_sink, &n) ==
           TLSWIRE_OK)
      got += n;
  }
}

static void tw_ping(const struct tw_state *st, struct tw_end *c,
                    struct tw_end *s, long ops, size_t size) {
  for (long i = 0; i < ops; i++) {
    tw_send_all(st, c, s, size);
    tw_recv_exact(st, s, size);
    tw_send_all(st, s, c, size);
    tw_recv_exact(st, c, size);
  }
}

static void tw_handshakes(struct tw_state *st, long ops) {
  struct tw_end c, s;
  for (long i = 0; i < ops; i++) {
    tw_pair_new(st, &c, &s);
    tw_handshake(st, &c, &s, NULL);
    if ((st->session != NULL) != (tlswire_conn_session_reused(c.conn) == 1))
      bench_die("tlswire resumption");
    tw_pair_free(&c, &s);
  }
}

/* TLS 1.3 sends the session after the handshake: recv once, then take it. */
static void tw_take_session(struct tw_state *st) {
  struct tw_end c, s;
  size_t n;
  tw_pair_new(st, &c, &s);
  tw_handshake(st, &c, &s, NULL);
  tw_pump(st, &c, &s);
  if (tlswire_conn_recv(c.conn, bench_sink, sizeof bench_sink, &n) !=
      TLSWIRE_E_WANT_READ)
    bench_die("tlswire unexpected data");
  tw_check(tlswire_conn_get_session(c.conn, &st->session), "tlswire session");
  if (st->session == NULL || !tlswire_session_is_resumable(st->session))
    bench_die("tlswire session not resumable");
  tw_pair_free(&c, &s);
}

/* KIND_CONC: bench_pairs(row) established pairs. */
static void tw_conc_new(struct tw_state *st) {
  int n = bench_pairs(st->row);
  st->cc = calloc((size_t)n, sizeof *st->cc);
  st->cs = calloc((size_t)n, sizeof *st->cs);
  if (st->cc == NULL || st->cs == NULL)
    bench_die("calloc");
  for (int i = 0; i < n; i++) {
    tw_pair_new(st, &st->cc[i], &st->cs[i]);
    tw_handshake(st, &st->cc[i], &st->cs[i], NULL);
  }
}

/* One round trip on each pair in turn, ops in all. */
static void tw_conc(const struct tw_state *st, long ops) {
  int n = bench_pairs(st->row);
  for (long i = 0; i < ops; i++)
    tw_ping(st, &st->cc[i % n], &st->cs[i % n], 1, st->row->size);
}

static void *tw_setup(const struct bench_row *row) {
  struct tw_state *st = calloc(1, sizeof *st);
  if (st == NULL)
    bench_die("calloc");
  st->row = row;
  st->cctx = tw_ctx(row, 0);
  st->sctx = tw_ctx(row, 1);
  st->capacity = tlswire_context_get_ring_capacity(st->sctx);
  if (row->kind == KIND_RESUME)
    tw_take_session(st);
  if (row->kind == KIND_BULK || row->kind == KIND_PING) {
    tw_pair_new(st, &st->c, &st->s);
    tw_handshake(st, &st->c, &st->s, NULL);
  }
  if (row->kind == KIND_CONC)
    tw_conc_new(st);
  return st;
}

static void tw_run(void *state, long ops) {
  struct tw_state *st = state;
  switch (st->row->kind) {
  case KIND_HANDSHAKE:
  case KIND_RESUME:
    tw_handshakes(st, ops);
    break;
  case KIND_BULK:
    tw_bulk(st, &st->c, &st->s, ops);
    break;
  case KIND_PING:
    tw_ping(st, &st->c, &st->s, ops, st->row->size);
    break;
  case KIND_CONC:
    tw_conc(st, ops);
    break;
  default:
    bench_die("tlswire row kind");
  }
}

static void tw_teardown(void *state) {
  struct tw_state *st = state;
  if (st->c.conn != NULL)
    tw_pair_free(&st->c, &st->s);
  for (int i = 0; st->cc != NULL && i < bench_pairs(st->row); i++)
    tw_pair_free(&st->cc[i], &st->cs[i]);
  free(st->cc);
  free(st->cs);
  tlswire_session_free(st->session);
  tlswire_context_free(st->cctx);
  tlswire_context_free(st->sctx);
  free(st);
}

/* Some traffic both ways: ping-pongs of 1 KiB and 64 KiB of records. */
static void tw_traffic(const struct tw_state *st, struct tw_end *c,
                       struct tw_end *s) {
  tw_ping(st, c, s, 4, 1024);
  tw_bulk(st, c, s, 4);
  tw_bulk(st, s, c, 4);
  tw_pump(st, c, s);
}

/* Bytes per connection: the handshake peak over 20 pairs one at a time, or
 * the heap held by bench_pairs(row) established pairs (1,000 connections
 * by default). */
static double tw_memory(const struct bench_row *row) {
  static struct tw_end c[BENCH_MEM_PAIRS], s[BENCH_MEM_PAIRS];
  struct tw_state *st = tw_setup(row);
  int peak_row = row->kind == KIND_MEM_PEAK;
  int pairs = bench_pairs(row);
  double total = 0;
  size_t before = bench_heap(), peak;
  for (int i = 0; i < pairs; i++) {
    size_t base = peak = bench_heap();
    tw_pair_new(st, &c[i], &s[i]);
    tw_handshake(st, &c[i], &s[i], peak_row ? &peak : NULL);
    if (row->kind == KIND_MEM_AFTER)
      tw_traffic(st, &c[i], &s[i]);
    if (peak_row) {
      total += (double)(peak - base);
      tw_pair_free(&c[i], &s[i]);
    }
  }
  if (!peak_row) {
    total = (double)(bench_heap() - before);
    for (int i = 0; i < pairs; i++)
      tw_pair_free(&c[i], &s[i]);
  }
  tw_teardown(st);
  return total / (2.0 * pairs);
}

const struct bench_side bench_tw = {"tlswire", tw_setup, tw_run, tw_teardown,
                                    tw_memory};
