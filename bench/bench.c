/*
 * bench.c - tlswire's memory mode against raw libssl, in the same run.
 *
 * Both sides use the same certificates, the same OpenSSL and one process.
 * Raw libssl moves ciphertext between two SSL objects through BIO_s_mem
 * pairs; tlswire moves it between two memory-mode connections with the
 * zero-copy peek/consume calls. The rounds alternate raw, tlswire, raw, ...
 * and each figure is the median of the per-round ratios (tlswire / raw, so
 * 1.00 is parity and higher is better for rates). Memory is the heap growth
 * per idle established pair (glibc mallinfo2).
 *
 * Usage: tlswire-bench [rounds [only]]   (default 7 rounds, every workload)
 * `only` keeps the workloads whose name contains it. For instruction counts
 * that repeat run to run, use callgrind on one side's function, e.g.
 *   valgrind --tool=callgrind --toggle-collect=tw_handshakes \
 *     bench/tlswire-bench 1 handshake
 * and the same with raw_handshakes; the ratio of the two totals travels.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>

#include <tlswire/tlswire.h>

#include "certs.h"

static const tw_chain *chain;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what) {
  fprintf(stderr, "bench: %s failed\n", what);
  exit(1);
}

/* --- raw libssl ----------------------------------------------------------- */

struct raw_pair {
  SSL *client, *server;
};

static SSL_CTX *raw_ctx(int server) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_method());
  if (ctx == NULL)
    die("SSL_CTX_new");
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  if (server && (SSL_CTX_use_certificate(ctx, chain->leaf) != 1 ||
                 SSL_CTX_use_PrivateKey(ctx, chain->leaf_key) != 1))
    die("raw certificate");
  return ctx;
}

static SSL *raw_ssl(SSL_CTX *ctx, int server) {
  SSL *ssl = SSL_new(ctx);
  SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
  if (server)
    SSL_set_accept_state(ssl);
  else
    SSL_set_connect_state(ssl);
  return ssl;
}

static size_t raw_move(SSL *from, SSL *to) {
  static char buf[1 << 16];
  size_t total = 0;
  int n;
  while ((n = BIO_read(SSL_get_wbio(from), buf, sizeof buf)) > 0) {
    BIO_write(SSL_get_rbio(to), buf, n);
    total += (size_t)n;
  }
  return total;
}

static void raw_pump(struct raw_pair *p) {
  while (raw_move(p->client, p->server) + raw_move(p->server, p->client) > 0)
    ;
}

static void raw_connect(struct raw_pair *p, SSL_CTX *cctx, SSL_CTX *sctx) {
  p->client = raw_ssl(cctx, 0);
  p->server = raw_ssl(sctx, 1);
  int c = 0, s = 0;
  for (int i = 0; i < 20 && (c != 1 || s != 1); i++) {
    if (c != 1)
      c = SSL_do_handshake(p->client);
    if (s != 1)
      s = SSL_do_handshake(p->server);
    raw_pump(p);
  }
  if (c != 1 || s != 1)
    die("raw handshake");
}

static void raw_free(struct raw_pair *p) {
  SSL_free(p->client);
  SSL_free(p->server);
}

/* --- tlswire
 * ------------------------------------------------------------------ */

struct tw_pair {
  tlswire_conn *client, *server;
};

static tlswire_context *tw_ctx(int server) {
  tlswire_context *ctx;
  if (tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD) != TLSWIRE_OK)
    die("tlswire_context_new");
  tlswire_context_set_min_proto_version(ctx, TLSWIRE_TLS1_3_VERSION);
  SSL_CTX_set_session_cache_mode(tlswire_context_get_ssl_ctx(ctx),
                                 SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(tlswire_context_get_ssl_ctx(ctx), 0);
  if (server &&
      (tlswire_context_use_certificate(ctx, chain->leaf) != TLSWIRE_OK ||
       tlswire_context_use_privatekey(ctx, chain->leaf_key) != TLSWIRE_OK))
    die("tlswire certificate");
  return ctx;
}

static size_t tw_move(tlswire_conn *from, tlswire_conn *to) {
  size_t total = 0, len, taken;
  const void *data;
  while (tlswire_conn_bio_peek(from, &data, &len) == TLSWIRE_OK &&
         tlswire_conn_bio_write(to, data, len, &taken) == TLSWIRE_OK) {
    tlswire_conn_bio_consume(from, taken);
    total += taken;
  }
  return total;
}

static void tw_pump(struct tw_pair *p) {
  while (tw_move(p->client, p->server) + tw_move(p->server, p->client) > 0)
    ;
}

static void tw_connect(struct tw_pair *p, tlswire_context *cctx,
                       tlswire_context *sctx) {
  if (tlswire_conn_new(&p->client, cctx, NULL) != TLSWIRE_OK ||
      tlswire_conn_new(&p->server, sctx, NULL) != TLSWIRE_OK)
    die("tlswire_conn_new");
  tlswire_conn_set_connect_state(p->client);
  tlswire_conn_set_accept_state(p->server);
  int c = -1, s = -1;
  for (int i = 0; i < 20 && (c != 0 || s != 0); i++) {
    if (c != 0)
      c = tlswire_conn_do_handshake(p->client);
    if (s != 0)
      s = tlswire_conn_do_handshake(p->server);
    tw_pump(p);
  }
  if (c != 0 || s != 0)
    die("tlswire handshake");
}

static void tw_free(struct tw_pair *p) {
  tlswire_conn_free(p->client);
  tlswire_conn_free(p->server);
}

/* --- workloads
 * ---------------------------------------------------------------- */

static SSL_CTX *raw_c, *raw_s, *raw_c_rel, *raw_s_rel;
static tlswire_context *tw_c, *tw_s, *tw_c_rel, *tw_s_rel;

enum { HANDSHAKES = 100, BULK = 32 << 20, PINGS = 20000, PING = 64 };

static double raw_handshakes(void) {
  double t0 = now();
  for (int i = 0; i < HANDSHAKES; i++) {
    struct raw_pair p;
    raw_connect(&p, raw_c, raw_s);
    raw_free(&p);
  }
  return HANDSHAKES / (now() - t0);
}

static double tw_handshakes(void) {
  double t0 = now();
  for (int i = 0; i < HANDSHAKES; i++) {
    struct tw_pair p;
    tw_connect(&p, tw_c, tw_s);
    tw_free(&p);
  }
  return HANDSHAKES / (now() - t0);
}

static unsigned char data[1 << 16], sink[1 << 16];

static double raw_bulk(void) {
  struct raw_pair p;
  raw_connect(&p, raw_c, raw_s);
  double t0 = now();
  size_t got = 0, sent = 0, n;
  while (got < BULK) {
    if (sent < BULK && SSL_write_ex(p.client, data, sizeof data, &n) == 1)
      sent += n;
    raw_move(p.client, p.server);
    while (SSL_read_ex(p.server, sink, sizeof sink, &n) == 1)
      got += n;
  }
  double mib = BULK / (now() - t0) / (1 << 20);
  raw_free(&p);
  return mib;
}

static double tw_bulk(void) {
  struct tw_pair p;
  tw_connect(&p, tw_c, tw_s);
  double t0 = now();
  size_t got = 0, sent = 0, n;
  while (got < BULK) {
    if (sent < BULK &&
        tlswire_conn_send(p.client, data, sizeof data, &n) == TLSWIRE_OK)
      sent += n;
    tw_move(p.client, p.server);
    while (tlswire_conn_recv(p.server, sink, sizeof sink, &n) == TLSWIRE_OK)
      got += n;
  }
  double mib = BULK / (now() - t0) / (1 << 20);
  tw_free(&p);
  return mib;
}

static double raw_pingpong(void) {
  struct raw_pair p;
  raw_connect(&p, raw_c, raw_s);
  double t0 = now();
  size_t n;
  for (int i = 0; i < PINGS; i++) {
    SSL *from = i % 2 ? p.server : p.client, *to = i % 2 ? p.client : p.server;
    if (SSL_write_ex(from, data, PING, &n) != 1)
      die("raw ping");
    raw_move(from, to);
    if (SSL_read_ex(to, sink, sizeof sink, &n) != 1 || n != PING)
      die("raw pong");
  }
  double rate = PINGS / (now() - t0);
  raw_free(&p);
  return rate;
}

static double tw_pingpong(void) {
  struct tw_pair p;
  tw_connect(&p, tw_c, tw_s);
  double t0 = now();
  size_t n;
  for (int i = 0; i < PINGS; i++) {
    tlswire_conn *from = i % 2 ? p.server : p.client;
    tlswire_conn *to = i % 2 ? p.client : p.server;
    if (tlswire_conn_send(from, data, PING, &n) != TLSWIRE_OK)
      die("tlswire ping");
    tw_move(from, to);
    if (tlswire_conn_recv(to, sink, sizeof sink, &n) != TLSWIRE_OK || n != PING)
      die("tlswire pong");
  }
  double rate = PINGS / (now() - t0);
  tw_free(&p);
  return rate;
}

/* Heap growth per idle established pair, over 50 pairs. */
enum { PAIRS = 50 };

static double raw_memory_with(SSL_CTX *c, SSL_CTX *s) {
  static struct raw_pair p[PAIRS];
  size_t before = mallinfo2().uordblks;
  for (int i = 0; i < PAIRS; i++)
    raw_connect(&p[i], c, s);
  size_t after = mallinfo2().uordblks;
  for (int i = 0; i < PAIRS; i++)
    raw_free(&p[i]);
  return (double)(after - before) / PAIRS / 1024;
}

static double tw_memory_with(tlswire_context *c, tlswire_context *s) {
  static struct tw_pair p[PAIRS];
  size_t before = mallinfo2().uordblks;
  for (int i = 0; i < PAIRS; i++)
    tw_connect(&p[i], c, s);
  size_t after = mallinfo2().uordblks;
  for (int i = 0; i < PAIRS; i++)
    tw_free(&p[i]);
  return (double)(after - before) / PAIRS / 1024;
}

static double raw_memory(void) { return raw_memory_with(raw_c, raw_s); }
static double tw_memory(void) { return tw_memory_with(tw_c, tw_s); }
static double raw_memory_rel(void) {
  return raw_memory_with(raw_c_rel, raw_s_rel);
}
static double tw_memory_rel(void) { return tw_memory_with(tw_c_rel, tw_s_rel); }

struct workload {
  const char *name, *unit;
  double (*raw)(void), (*tw)(void);
};

static const struct workload workloads[] = {
    {"full TLS 1.3 handshake (ECDSA P-256)", "handshakes/s", raw_handshakes,
     tw_handshakes},
    {"bulk transfer, one direction", "MiB/s", raw_bulk, tw_bulk},
    {"64-byte ping-pong", "messages/s", raw_pingpong, tw_pingpong},
    {"heap per idle established pair", "KiB", raw_memory, tw_memory},
    {"  the same with MODE_RELEASE_BUFFERS", "KiB", raw_memory_rel,
     tw_memory_rel},
};

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 7;
  if (rounds < 1 || rounds > 100)
    rounds = 7;
  chain = tw_fixture_chain(TW_KEY_EC_P256);
  if (chain == NULL)
    die("certificates");
  raw_c = raw_ctx(0);
  raw_s = raw_ctx(1);
  tw_c = tw_ctx(0);
  tw_s = tw_ctx(1);
  raw_c_rel = raw_ctx(0);
  raw_s_rel = raw_ctx(1);
  tw_c_rel = tw_ctx(0);
  tw_s_rel = tw_ctx(1);
  SSL_CTX_set_mode(raw_c_rel, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_mode(raw_s_rel, SSL_MODE_RELEASE_BUFFERS);
  tlswire_context_set_mode(tw_c_rel, TLSWIRE_MODE_RELEASE_BUFFERS, NULL);
  tlswire_context_set_mode(tw_s_rel, TLSWIRE_MODE_RELEASE_BUFFERS, NULL);
  memset(data, 'x', sizeof data);
  printf("tlswire %s against %s, %d interleaved rounds\n", tlswire_version(),
         OpenSSL_version(OPENSSL_VERSION), rounds);
  const char *only = argc > 2 ? argv[2] : "";
  for (size_t w = 0; w < sizeof workloads / sizeof workloads[0]; w++) {
    double ratio[100], raw[100], tw[100];
    if (strstr(workloads[w].name, only) == NULL)
      continue;
    for (int r = 0; r < rounds; r++) {
      raw[r] = workloads[w].raw();
      tw[r] = workloads[w].tw();
      ratio[r] = tw[r] / raw[r];
    }
    printf("%-38s raw %10.1f  tlswire %10.1f %-13s ratio %.2f\n",
           workloads[w].name, median(raw, rounds), median(tw, rounds),
           workloads[w].unit, median(ratio, rounds));
  }
  tlswire_context_free(tw_c);
  tlswire_context_free(tw_s);
  tlswire_context_free(tw_c_rel);
  tlswire_context_free(tw_s_rel);
  SSL_CTX_free(raw_c);
  SSL_CTX_free(raw_s);
  SSL_CTX_free(raw_c_rel);
  SSL_CTX_free(raw_s_rel);
  return 0;
}
