/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_stream.c - stream integrity: every byte a call reports as accepted
 * reaches the peer exactly once, in order; a call that fails reports no
 * bytes; OpenSSL's error queue is empty after every public call.
 *
 * A property test over seeds (tests/helpers/stream.c does the run), a few
 * fixed configurations for the backpressure cases an outside review found,
 * and the lifetime rules of the zero-copy calls (bio_peek / bio_window).
 *
 * Environment:
 *   TLSWIRE_STREAM_SEED=N   run seed N only (replays a reported failure)
 *   TLSWIRE_STREAM_SEEDS=M  run M seeds (from N when SEED is set too)
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "conn_util.h"
#include "stream.h"
#include "testmain.h"

#define DEFAULT_SEEDS 48
#define SEED_TIMEOUT 60 /* seconds per seed (Check's default is 4) */

static unsigned long first_seed;

static unsigned long env_number(const char *name, unsigned long fallback) {
  const char *v = getenv(name);
  char *end;
  if (v == NULL || *v == '\0')
    return fallback;
  unsigned long n = strtoul(v, &end, 10);
  return *end == '\0' ? n : fallback;
}

/* --- the property test --------------------------------------------------- */

struct seed_ctx {
  unsigned long seed;
  const char *replay; /* how to run this one alone */
  char config[320];
};

static struct seed_ctx *crashing; /* for the signal handler */

static void stream_failed(void *arg, const char *msg) {
  const struct seed_ctx *sc = arg;
  ck_abort_msg("seed %lu (%s): %s; replay: %s", sc->seed, sc->config, msg,
               sc->replay);
}

/* A crash names the seed and step too. */
static void on_crash(int sig) {
  char line[512];
  int n = snprintf(line, sizeof line,
                   "stream: signal %d in seed %lu (%s) at %s; replay: %s\n",
                   sig, crashing ? crashing->seed : 0UL,
                   crashing ? crashing->config : "", tw_stream_where(),
                   crashing ? crashing->replay : "");
  if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
    _exit(127);
  signal(sig, SIG_DFL);
  raise(sig);
}

static void catch_crashes(struct seed_ctx *sc) {
  crashing = sc;
  signal(SIGSEGV, on_crash);
  signal(SIGBUS, on_crash);
  signal(SIGABRT, on_crash);
}

/* Seed n: suite and mode cycle so that every pair comes up in any 16
 * consecutive seeds; the rest is drawn from the seed. */
static void seed_config(tw_stream_cfg *cfg, tw_rng *rng, unsigned long n) {
  tw_rng_seed(rng, 0x7157000000000000ull ^ n, NULL, 0);
  tw_stream_cfg_pick(cfg, rng, 0, (int)(n % TW_SUITE_COUNT),
                     (int)((n / TW_SUITE_COUNT) % 2));
}

START_TEST(stream_integrity) {
  struct seed_ctx sc = {.seed = first_seed + (unsigned long)_i};
  char replay[64];
  snprintf(replay, sizeof replay, "TLSWIRE_STREAM_SEED=%lu", sc.seed);
  sc.replay = replay;
  tw_stream_cfg cfg;
  tw_rng rng;
  seed_config(&cfg, &rng, sc.seed);
  tw_stream_describe(&cfg, sc.config, sizeof sc.config);
  catch_crashes(&sc);
  tw_stream_run(&cfg, &rng, stream_failed, &sc);
}
END_TEST

/* --- fixed configurations --------------------------------------------------
 */

/* The cases of the review, each pinned: a CBC suite with encrypt-then-MAC
 * off and only 64..256 KiB offers reaches libssl's multiblock path; small
 * rings and a blocking pipe make recv meet a full transport; held windows
 * under RELEASE_BUFFERS. */
struct fixed {
  const char *name;
  int suite, bound, release;
  size_t ring, pipe_cap, chunk;
  unsigned wouldblock, big_pct, hold_pct;
};

static const struct fixed fixed_cases[] = {
    {"multiblock, memory", TW_SUITE_RSA_AES128_SHA, 0, 0, 4096, 0, 0, 0, 100,
     0},
    {"multiblock, memory, release", TW_SUITE_RSA_AES256_SHA, 0, 1, 16384, 0, 0,
     0, 100, 30},
    {"multiblock, pipe", TW_SUITE_ECDHE_RSA_AES128_SHA, 1, 0, 4096, 8192, 0, 3,
     100, 0},
    {"recv meets a full transport, TLS 1.3", TW_SUITE_TLS13_AES128_GCM, 1, 0,
     1024, 2048, 700, 4, 10, 0},
    {"recv meets a full transport, TLS 1.2", TW_SUITE_ECDHE_ECDSA_CHACHA20, 1,
     1, 512, 4096, 0, 2, 10, 0},
    {"held windows, release", TW_SUITE_TLS13_CHACHA20, 0, 1, 256, 0, 0, 0, 5,
     100},
    {"held windows, large ring", TW_SUITE_ECDHE_ECDSA_AES128_GCM, 0, 1, 65536,
     0, 0, 0, 20, 100},
};

static void fixed_config(tw_stream_cfg *cfg, tw_rng *rng, const struct fixed *f,
                         unsigned long seed) {
  tw_rng_seed(rng, 0xf1c5ed0000000000ull ^ seed, NULL, 0);
  tw_stream_cfg_pick(cfg, rng, 0, f->suite, f->bound);
  cfg->release_buffers = f->release;
  cfg->ring_capacity = f->ring;
  cfg->pipe_capacity = f->pipe_cap;
  cfg->max_chunk[0] = cfg->max_chunk[1] = f->chunk;
  cfg->wouldblock[0] = cfg->wouldblock[1] = f->wouldblock;
  cfg->big_pct = f->big_pct;
  cfg->hold_pct = f->hold_pct;
  cfg->budget = 256 * 1024;
}

#define FIXED_COUNT ((int)(sizeof fixed_cases / sizeof *fixed_cases))
#define FIXED_SEEDS 3

START_TEST(stream_fixed) {
  const struct fixed *f = &fixed_cases[_i / FIXED_SEEDS];
  struct seed_ctx sc = {.seed = (unsigned long)(_i % FIXED_SEEDS),
                        .replay = "deterministic: rerun the program"};
  tw_stream_cfg cfg;
  tw_rng rng;
  fixed_config(&cfg, &rng, f, sc.seed);
  int n = snprintf(sc.config, sizeof sc.config, "fixed case \"%s\": ", f->name);
  tw_stream_describe(&cfg, sc.config + n, sizeof sc.config - (size_t)n);
  catch_crashes(&sc);
  tw_stream_run(&cfg, &rng, stream_failed, &sc);
}
END_TEST

/* --- zero-copy lifetimes ---------------------------------------------------
 */

static void assert_queue_empty(const char *after) {
  unsigned long e = ERR_peek_error();
  char text[256] = "";
  if (e != 0)
    ERR_error_string_n(e, text, sizeof text);
  ck_assert_msg(e == 0, "error queue not empty after %s: %s", after, text);
}

/* A server in memory mode with its role set, never connected. */
static tlswire_conn *lone_server(void) {
  tlswire_context *ctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(ctx);
  tlswire_conn *conn = NULL;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  tlswire_context_free(ctx);
  tlswire_conn_set_accept_state(conn);
  return conn;
}

static size_t open_window(tlswire_conn *conn, void **buf) {
  size_t len = 0;
  ck_assert_int_eq(tlswire_conn_bio_window(conn, buf, &len), TLSWIRE_OK);
  ck_assert_uint_gt(len, 0);
  ck_assert_ptr_nonnull(*buf);
  return len;
}

START_TEST(commit_needs_an_open_window) {
  tlswire_conn *conn = lone_server();
  ck_assert_int_eq(tlswire_conn_bio_commit(conn, 0), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_bio_commit(conn, 5), TLSWIRE_E_STATE);
  assert_queue_empty("bio_commit without a window");
  ck_assert_uint_eq(tlswire_conn_bio_pending_in(conn), 0);
  tlswire_conn_free(conn);
}
END_TEST

START_TEST(commit_beyond_the_window_is_invalid) {
  tlswire_conn *conn = lone_server();
  void *buf;
  size_t len = open_window(conn, &buf);
  ck_assert_int_eq(tlswire_conn_bio_commit(conn, len + 1), TLSWIRE_E_INVALID);
  ck_assert_uint_eq(tlswire_conn_bio_pending_in(conn), 0);
  assert_queue_empty("bio_commit beyond the window");
  tlswire_conn_free(conn);
}
END_TEST

/* _i: what closes the window: 0 a commit, 1 bio_write, 2 bio_shutdown. */
START_TEST(window_closed_by_commit_write_or_shutdown) {
  tlswire_conn *conn = lone_server();
  void *buf;
  open_window(conn, &buf);
  size_t n;
  if (_i == 0)
    ck_assert_int_eq(tlswire_conn_bio_commit(conn, 0), TLSWIRE_OK);
  else if (_i == 1)
    ck_assert_int_eq(tlswire_conn_bio_write(conn, "\x16", 1, &n), TLSWIRE_OK);
  else
    ck_assert_int_eq(tlswire_conn_bio_shutdown(conn), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_commit(conn, 0), TLSWIRE_E_STATE);
  assert_queue_empty("bio_commit after the window closed");
  tlswire_conn_free(conn);
}
END_TEST

/* A pair of memory-mode connections, handshake done; _release: both
 * contexts with RELEASE_BUFFERS; ring: their ring capacity. */
static void connected(tw_pair *p, int release, size_t ring) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(s);
  ck_assert_ptr_nonnull(c);
  for (int i = 0; i < 2; i++) {
    tlswire_context *ctx = i ? s : c;
    ck_assert_int_eq(tlswire_context_set_ring_capacity(ctx, ring), TLSWIRE_OK);
    if (release)
      ck_assert_int_eq(
          tlswire_context_set_mode(ctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL),
          TLSWIRE_OK);
  }
  cu_connect(p, c, s);
  tlswire_context_free(c);
  tlswire_context_free(s);
  cu_read_tickets(p->client);
  tw_pump(p->client, p->server);
}

static void send_all(tlswire_conn *conn, const unsigned char *buf, size_t len) {
  size_t sent = 0;
  ck_assert_int_eq(tlswire_conn_sendall(conn, buf, len, &sent), TLSWIRE_OK);
  ck_assert_uint_eq(sent, len);
}

static void recv_exactly(tlswire_conn *conn, const unsigned char *want,
                         size_t len) {
  unsigned char got[4096];
  size_t have = 0, n;
  ck_assert_uint_le(len, sizeof got);
  while (have < len) {
    int rc = tlswire_conn_recv(conn, got + have, len - have, &n);
    ck_assert_msg(rc == TLSWIRE_OK, "recv after %zu of %zu bytes: %s", have,
                  len, tlswire_status_name(rc));
    have += n;
  }
  ck_assert_mem_eq(got, want, len);
}

/* A peek pointer outlives send, recv and do_handshake on its connection. */
START_TEST(peek_survives_send_recv_handshake) {
  tw_pair p;
  connected(&p, _i, 4096);
  unsigned char one[100], two[1500], scratch[64];
  memset(one, 'a', sizeof one);
  memset(two, 'b', sizeof two);
  send_all(p.client, one, sizeof one);
  const void *data;
  size_t len, n;
  ck_assert_int_eq(tlswire_conn_bio_peek(p.client, &data, &len), TLSWIRE_OK);
  unsigned char *copy = malloc(len);
  ck_assert_ptr_nonnull(copy);
  memcpy(copy, data, len);
  send_all(p.client, two, sizeof two);
  ck_assert_int_eq(tlswire_conn_recv(p.client, scratch, sizeof scratch, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_OK);
  assert_queue_empty("calls under a held peek");
  ck_assert_mem_eq(data, copy, len);
  ck_assert_int_eq(tlswire_conn_bio_write(p.server, copy, len, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, len);
  ck_assert_int_eq(tlswire_conn_bio_consume(p.client, len), TLSWIRE_OK);
  free(copy);
  tw_pump(p.client, p.server);
  recv_exactly(p.server, one, sizeof one);
  recv_exactly(p.server, two, sizeof two);
  tw_pair_free(&p);
}
END_TEST

/* Takes all of conn's pending ciphertext (at most cap bytes) into buf. */
static size_t take_output(tlswire_conn *conn, unsigned char *buf, size_t cap) {
  size_t total = 0, n;
  while (total < cap && tlswire_conn_bio_read(conn, buf + total, cap - total,
                                              &n) == TLSWIRE_OK)
    total += n;
  ck_assert_uint_eq(tlswire_conn_bio_pending_out(conn), 0);
  return total;
}

/* A window outlives a recv that empties the input ring (which, under
 * RELEASE_BUFFERS, gives the ring's storage back): the review's case.
 * _i: RELEASE_BUFFERS off / on. */
START_TEST(window_survives_recv_that_empties_the_ring) {
  tw_pair p;
  connected(&p, _i, 65536);
  unsigned char one[1000], two[1000], wire[4096];
  memset(one, 'x', sizeof one);
  memset(two, 'y', sizeof two);
  send_all(p.client, one, sizeof one);
  tw_pump(p.client, p.server); /* the first record waits in the input ring */
  send_all(p.client, two, sizeof two);
  size_t cipher = take_output(p.client, wire, sizeof wire);

  void *window;
  size_t room = open_window(p.server, &window);
  ck_assert_uint_ge(room, cipher);
  recv_exactly(p.server, one, sizeof one); /* empties the input ring */
  assert_queue_empty("recv under a held window");
  memcpy(window, wire, cipher);
  ck_assert_int_eq(tlswire_conn_bio_commit(p.server, cipher), TLSWIRE_OK);
  recv_exactly(p.server, two, sizeof two);
  tw_pair_free(&p);
}
END_TEST

/* --- the suite --------------------------------------------------------------
 */

static Suite *stream_suite(void) {
  Suite *s = suite_create("stream");
  unsigned long seeds = DEFAULT_SEEDS;
  first_seed = 0;
  if (getenv("TLSWIRE_STREAM_SEED") != NULL) {
    first_seed = env_number("TLSWIRE_STREAM_SEED", 0);
    seeds = 1;
  }
  seeds = env_number("TLSWIRE_STREAM_SEEDS", seeds);
  if (seeds > INT_MAX)
    seeds = INT_MAX;

  TCase *tc = tcase_create("stream integrity");
  tcase_set_timeout(tc, SEED_TIMEOUT);
  tcase_add_loop_test(tc, stream_integrity, 0, (int)seeds);
  suite_add_tcase(s, tc);

  if (getenv("TLSWIRE_STREAM_SEED") == NULL) {
    tc = tcase_create("fixed configurations");
    tcase_set_timeout(tc, SEED_TIMEOUT);
    tcase_add_loop_test(tc, stream_fixed, 0, FIXED_COUNT * FIXED_SEEDS);
    suite_add_tcase(s, tc);

    tc = tcase_create("zero-copy lifetimes");
    tcase_add_test(tc, commit_needs_an_open_window);
    tcase_add_test(tc, commit_beyond_the_window_is_invalid);
    tcase_add_loop_test(tc, window_closed_by_commit_write_or_shutdown, 0, 3);
    tcase_add_loop_test(tc, peek_survives_send_recv_handshake, 0, 2);
    tcase_add_loop_test(tc, window_survives_recv_that_empties_the_ring, 0, 2);
    suite_add_tcase(s, tc);
  }
  return s;
}

TW_TEST_MAIN(stream_suite, 1)
