/* SPDX-License-Identifier: Apache-2.0 */
/*
 * raw.c - the baseline: libssl used directly, the way a careful program
 * would, over BIO_s_mem, over a BIO pair (zero-copy BIO_nread/BIO_nwrite)
 * or over a socket (SSL_set_fd).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "bench.h"

struct raw_end {
  SSL *ssl;
  BIO *net; /* BASE_ZC: the application's end of the BIO pair */
  int fd;   /* BASE_SOCK */
};

struct raw_state {
  const struct bench_row *row;
  SSL_CTX *cctx, *sctx;
  SSL_SESSION *session; /* KIND_RESUME */
  struct raw_end c, s;  /* KIND_BULK, KIND_PING */
  struct raw_end *cc, *cs; /* KIND_CONC: the pairs */
};

static void raw_server_creds(SSL_CTX *ctx, const tw_chain *ch) {
  if (SSL_CTX_use_certificate(ctx, ch->leaf) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, ch->leaf_key) != 1 ||
      X509_up_ref(ch->intermediate) != 1 ||
      SSL_CTX_add_extra_chain_cert(ctx, ch->intermediate) != 1)
    bench_die("raw server certificate");
}

static void raw_client_trust(SSL_CTX *ctx, const tw_chain *ch) {
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ch->ca) != 1)
    bench_die("raw trust anchor");
}

static SSL_CTX *raw_ctx(const struct bench_row *row, int server) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_method());
  if (ctx == NULL)
    bench_die("SSL_CTX_new");
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            (row->release ? SSL_MODE_RELEASE_BUFFERS : 0));
  int tls13 = row->version == TLS1_3_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, row->version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, row->version) != 1 ||
      (tls13 ? SSL_CTX_set_ciphersuites(ctx, row->suite)
             : SSL_CTX_set_cipher_list(ctx, row->suite)) != 1)
    bench_die("raw protocol settings");
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  int resume = row->kind == KIND_RESUME;
  SSL_CTX_set_num_tickets(ctx, resume ? 1 : 0);
  if (!resume)
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  if (server)
    raw_server_creds(ctx, bench_chain(row->key));
  else
    raw_client_trust(ctx, bench_chain(row->key));
  return ctx;
}

static void raw_attach(struct raw_end *e, enum bench_base base, int fd) {
  BIO *inner;
  switch (base) {
  case BASE_COPY:
    SSL_set_bio(e->ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    break;
  case BASE_ZC:
    if (BIO_new_bio_pair(&inner, 0, &e->net, 0) != 1)
      bench_die("BIO_new_bio_pair");
    SSL_set_bio(e->ssl, inner, inner);
    break;
  case BASE_SOCK:
    if (SSL_set_fd(e->ssl, fd) != 1)
      bench_die("SSL_set_fd");
    break;
  default:
    bench_die("raw base");
  }
}

static void raw_end_new(struct raw_end *e, SSL_CTX *ctx,
                        const struct bench_row *row, int fd,
                        SSL_SESSION *session, int server) {
  memset(e, 0, sizeof *e);
  e->fd = fd;
  e->ssl = SSL_new(ctx);
  if (e->ssl == NULL)
    bench_die("SSL_new");
  raw_attach(e, row->base, fd);
  if (server) {
    SSL_set_accept_state(e->ssl);
    return;
  }
  SSL_set_connect_state(e->ssl);
  if (SSL_set_tlsext_host_name(e->ssl, BENCH_HOST) != 1 ||
      SSL_set1_host(e->ssl, BENCH_HOST) != 1 ||
      (session != NULL && SSL_set_session(e->ssl, session) != 1))
    bench_die("raw client settings");
}

/* A connection that finished its handshake ends as libssl would keep its
 * session (marked shut down, as tlswire_conn_free does), without an alert. */
static void raw_end_free(struct raw_end *e) {
  SSL_set_shutdown(e->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(e->ssl);
  BIO_free(e->net);
  e->ssl = NULL;
  e->net = NULL;
}

static size_t raw_move_copy(struct raw_end *from, struct raw_end *to) {
  static unsigned char buf[1 << 16];
  size_t total = 0;
  int n;
  while ((n = BIO_read(SSL_get_wbio(from->ssl), buf, sizeof buf)) > 0) {
    if (BIO_write(SSL_get_rbio(to->ssl), buf, n) != n)
      bench_die("raw BIO_write");
    total += (size_t)n;
  }
  return total;
}

static size_t raw_move_zc(struct raw_end *from, struct raw_end *to) {
  size_t total = 0;
  char *src, *dst;
  int n, room;
  while ((n = BIO_nread0(from->net, &src)) > 0 &&
         (room = BIO_nwrite0(to->net, &dst)) > 0) {
    int k = n < room ? n : room;
    memcpy(dst, src, (size_t)k);
    BIO_nwrite(to->net, &dst, k);
    BIO_nread(from->net, &src, k);
    total += (size_t)k;
  }
  return total;
}

static size_t raw_move(const struct raw_state *st, struct raw_end *from,
                       struct raw_end *to) {
  switch (st->row->base) {
  case BASE_COPY:
    return raw_move_copy(from, to);
  case BASE_ZC:
    return raw_move_zc(from, to);
  default:
    return 0; /* sockets move by themselves */
  }
}

static void raw_pump(const struct raw_state *st, struct raw_end *c,
                     struct raw_end *s) {
  while (raw_move(st, c, s) + raw_move(st, s, c) > 0)
    ;
}

/* 1 when the handshake is done, 0 when it waits for the peer. */
static int raw_step(struct raw_end *e) {
  int r = SSL_do_handshake(e->ssl);
  if (r == 1)
    return 1;
  switch (SSL_get_error(e->ssl, r)) {
  case SSL_ERROR_WANT_READ:
  case SSL_ERROR_WANT_WRITE:
    return 0;
  default:
    bench_die("raw handshake");
  }
}

/* Runs the handshake of c and s; *peak, when not NULL, gets the highest heap
 * figure seen between steps. */
static void raw_handshake(const struct raw_state *st, struct raw_end *c,
                          struct raw_end *s, size_t *peak) {
  int cd = 0, sd = 0;
  for (int i = 0; i < 200 && !(cd && sd); i++) {
    cd = cd || raw_step(c);
    bench_peak(peak);
    sd = sd || raw_step(s);
    bench_peak(peak);
    raw_pump(st, c, s);
    if (st->row->base == BASE_SOCK && !(cd && sd))
      bench_wait_readable(cd ? s->fd : c->fd);
  }
  if (!(cd && sd))
    bench_die("raw handshake did not finish");
}

static void raw_pair_new(struct raw_state *st, struct raw_end *c,
                         struct raw_end *s) {
  int fds[2] = {-1, -1};
  if (st->row->base == BASE_SOCK)
    bench_tcp_pair(fds);
  raw_end_new(c, st->cctx, st->row, fds[0], st->session, 0);
  raw_end_new(s, st->sctx, st->row, fds[1], NULL, 1);
}

static void raw_pair_free(struct raw_end *c, struct raw_end *s) {
  int cfd = c->fd, sfd = s->fd;
  raw_end_free(c);
  raw_end_free(s);
  if (cfd >= 0) {
    close(cfd);
    close(sfd);
  }
}

/* Reads exactly len bytes of plaintext on e. */
static void raw_recv_exact(const struct raw_state *st, struct raw_end *e,
                           size_t len) {
  size_t got = 0, n;
  while (got < len) {
    if (SSL_read_ex(e->ssl, bench_sink, sizeof bench_sink, &n) == 1) {
      got += n;
      continue;
    }
    if (st->row->base != BASE_SOCK ||
        SSL_get_error(e->ssl, 0) != SSL_ERROR_WANT_READ)
      bench_die("raw read");
    bench_wait_readable(e->fd);
  }
}

static void raw_send_all(const struct raw_state *st, struct raw_end *from,
                         struct raw_end *to, size_t len) {
  size_t n;
  if (SSL_write_ex(from->ssl, bench_data, len, &n) != 1 || n != len)
    bench_die("raw write");
  raw_move(st, from, to);
}

/* Client to server, ops records; the server reads as data arrives. */
static void raw_bulk(const struct raw_state *st, struct raw_end *c,
                     struct raw_end *s, long ops) {
  size_t want = (size_t)ops * BENCH_RECORD, sent = 0, got = 0, n;
  while (got < want) {
    size_t len = want - sent < BENCH_RECORD ? want - sent : BENCH_RECORD;
    if (sent < want && SSL_write_ex(c->ssl, bench_data, len, &n) == 1)
      sent += n;
    else if (sent < want && SSL_get_error(c->ssl, 0) != SSL_ERROR_WANT_WRITE)
      bench_die("raw bulk write");
    raw_move(st, c, s);
    while (SSL_read_ex(s->ssl, bench_sink, sizeof bench_sink, &n) == 1)
      got += n;
  }
}

static void raw_ping(const struct raw_state *st, struct raw_end *c,
                     struct raw_end *s, long ops, size_t size) {
  for (long i = 0; i < ops; i++) {
    raw_send_all(st, c, s, size);
    raw_recv_exact(st, s, size);
    raw_send_all(st, s, c, size);
    raw_recv_exact(st, c, size);
  }
}

static void raw_handshakes(struct raw_state *st, long ops) {
  struct raw_end c, s;
  for (long i = 0; i < ops; i++) {
    raw_pair_new(st, &c, &s);
    raw_handshake(st, &c, &s, NULL);
    if ((st->session != NULL) != (SSL_session_reused(c.ssl) == 1))
      bench_die("raw resumption");
    raw_pair_free(&c, &s);
  }
}

/* A session to resume: TLS 1.3 sends it after the handshake, so the client
 * reads once before taking it. */
static void raw_take_session(struct raw_state *st) {
  struct raw_end c, s;
  size_t n;
  raw_pair_new(st, &c, &s);
  raw_handshake(st, &c, &s, NULL);
  raw_pump(st, &c, &s);
  if (SSL_read_ex(c.ssl, bench_sink, sizeof bench_sink, &n) == 1)
    bench_die("raw unexpected data");
  st->session = SSL_get1_session(c.ssl);
  if (st->session == NULL || !SSL_SESSION_is_resumable(st->session))
    bench_die("raw session");
  raw_pair_free(&c, &s);
}

/* KIND_CONC: bench_pairs(row) established pairs. */
static void raw_conc_new(struct raw_state *st) {
  int n = bench_pairs(st->row);
  st->cc = calloc((size_t)n, sizeof *st->cc);
  st->cs = calloc((size_t)n, sizeof *st->cs);
  if (st->cc == NULL || st->cs == NULL)
    bench_die("calloc");
  for (int i = 0; i < n; i++) {
    raw_pair_new(st, &st->cc[i], &st->cs[i]);
    raw_handshake(st, &st->cc[i], &st->cs[i], NULL);
  }
}

/* One round trip on each pair in turn, ops in all. */
static void raw_conc(const struct raw_state *st, long ops) {
  int n = bench_pairs(st->row);
  for (long i = 0; i < ops; i++)
    raw_ping(st, &st->cc[i % n], &st->cs[i % n], 1, st->row->size);
}

static void *raw_setup(const struct bench_row *row) {
  struct raw_state *st = calloc(1, sizeof *st);
  if (st == NULL)
    bench_die("calloc");
  st->row = row;
  st->cctx = raw_ctx(row, 0);
  st->sctx = raw_ctx(row, 1);
  if (row->kind == KIND_RESUME)
    raw_take_session(st);
  if (row->kind == KIND_BULK || row->kind == KIND_PING) {
    raw_pair_new(st, &st->c, &st->s);
    raw_handshake(st, &st->c, &st->s, NULL);
  }
  if (row->kind == KIND_CONC)
    raw_conc_new(st);
  return st;
}

static void raw_run(void *state, long ops) {
  struct raw_state *st = state;
  switch (st->row->kind) {
  case KIND_HANDSHAKE:
  case KIND_RESUME:
    raw_handshakes(st, ops);
    break;
  case KIND_BULK:
    raw_bulk(st, &st->c, &st->s, ops);
    break;
  case KIND_PING:
    raw_ping(st, &st->c, &st->s, ops, st->row->size);
    break;
  case KIND_CONC:
    raw_conc(st, ops);
    break;
  default:
    bench_die("raw row kind");
  }
}

static void raw_teardown(void *state) {
  struct raw_state *st = state;
  if (st->c.ssl != NULL)
    raw_pair_free(&st->c, &st->s);
  for (int i = 0; st->cc != NULL && i < bench_pairs(st->row); i++)
    raw_pair_free(&st->cc[i], &st->cs[i]);
  free(st->cc);
  free(st->cs);
  SSL_SESSION_free(st->session);
  SSL_CTX_free(st->cctx);
  SSL_CTX_free(st->sctx);
  free(st);
}

/* Some traffic both ways: ping-pongs of 1 KiB and 64 KiB of records. */
static void raw_traffic(const struct raw_state *st, struct raw_end *c,
                        struct raw_end *s) {
  raw_ping(st, c, s, 4, 1024);
  raw_bulk(st, c, s, 4);
  raw_bulk(st, s, c, 4);
  raw_pump(st, c, s);
}

/* Bytes per connection: the handshake peak over 20 pairs one at a time, or
 * the heap held by bench_pairs(row) established pairs (1,000 connections
 * by default). */
static double raw_memory(const struct bench_row *row) {
  static struct raw_end c[BENCH_MEM_PAIRS], s[BENCH_MEM_PAIRS];
  struct raw_state *st = raw_setup(row);
  int peak_row = row->kind == KIND_MEM_PEAK;
  int pairs = bench_pairs(row);
  double total = 0;
  size_t before = bench_heap(), peak;
  for (int i = 0; i < pairs; i++) {
    size_t base = peak = bench_heap();
    raw_pair_new(st, &c[i], &s[i]);
    raw_handshake(st, &c[i], &s[i], peak_row ? &peak : NULL);
    if (row->kind == KIND_MEM_AFTER)
      raw_traffic(st, &c[i], &s[i]);
    if (peak_row) {
      total += (double)(peak - base);
      raw_pair_free(&c[i], &s[i]);
    }
  }
  if (!peak_row) {
    total = (double)(bench_heap() - before);
    for (int i = 0; i < pairs; i++)
      raw_pair_free(&c[i], &s[i]);
  }
  raw_teardown(st);
  return total / (2.0 * pairs);
}

const struct bench_side bench_raw = {"raw libssl", raw_setup, raw_run,
                                     raw_teardown, raw_memory};
