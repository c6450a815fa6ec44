/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_integrity.c - regression tests for the stream-integrity bugs of an
 * outside review of the connection I/O core, through the public API only.
 *
 * The invariant they hold the core to (DESIGN.md section 4): every byte a
 * call reports as accepted reaches the peer exactly once, in order; a call
 * that fails reports no bytes; a successful libssl read is never reported as
 * a failure; a zero-copy window stays valid for exactly the span the header
 * states.
 *
 *  1. Multiblock send (TLS 1.2, AES-CBC-HMAC-SHA, no encrypt-then-MAC,
 *     >= 64 KiB): libssl keeps records the output ring did not take while
 *     send reports 0; a later send of other data is then charged for them.
 *  2. Clearing ENABLE_PARTIAL_WRITE / ACCEPT_MOVING_WRITE_BUFFER: refused.
 *  3. A bound recv that got plaintext while earlier output is stuck must
 *     return it (TLSWIRE_OK), not TLSWIRE_E_WANT_WRITE.
 *  4. tlswire_conn_connect / accept set the role behind the connection's
 *     back, so the first send does not finish the handshake on its own.
 *  5. A bio_window survives do_handshake / recv until bio_commit; commit
 *     without an outstanding window is TLSWIRE_E_STATE.
 *
 * Each of them failed on the core before the I/O driver (src/driver.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <tlswire/tlswire.h>

#include "bound.h"
#include "conn_util.h"
#include "testmain.h"

#if TLSWIRE_HAVE_POSIX_TRANSPORTS
#include <netinet/in.h>
#include <sys/socket.h>
#endif

#define BIG ((size_t)128 * 1024)

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

static const char *why(const tlswire_conn *conn) {
  return tlswire_error_message(tlswire_conn_last_error(conn));
}

/* --- byte streams: what was accepted, what arrived ------------------------ */

/* A growable byte string. */
struct bytes {
  unsigned char *buf;
  size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *src, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->buf = realloc(b->buf, b->cap);
    ck_assert_ptr_nonnull(b->buf);
  }
  memcpy(b->buf + b->len, src, n);
  b->len += n;
}

/* Records that the sender had n bytes of value c accepted. */
static void bytes_fill(struct bytes *b, int c, size_t n) {
  while (n > 0) {
    unsigned char chunk[4096];
    size_t k = n < sizeof chunk ? n : sizeof chunk;
    memset(chunk, c, k);
    bytes_add(b, chunk, k);
    n -= k;
  }
}

/* Run-length summary of the first runs of b ("126976 x 'A', 4096 x 'B'"),
 * so a failure shows what arrived instead of what was accepted. */
static const char *runs(const struct bytes *b, char *out, size_t outlen) {
  size_t used = 0, i = 0;
  out[0] = '\0';
  for (int shown = 0; i < b->len && shown < 6; shown++) {
    size_t j = i;
    while (j < b->len && b->buf[j] == b->buf[i])
      j++;
    int w = snprintf(out + used, outlen - used, "%s%zu x 0x%02x",
                     shown ? ", " : "", j - i, b->buf[i]);
    if (w < 0 || (size_t)w >= outlen - used)
      break;
    used += (size_t)w;
    i = j;
  }
  if (i < b->len && used + 5 < outlen)
    strcpy(out + used, ", ...");
  return out;
}

/* The peer received exactly what the sender had accepted. */
static void assert_same_stream(const struct bytes *accepted,
                               const struct bytes *arrived) {
  char a[256], r[256];
  int same = accepted->len == arrived->len &&
             (accepted->len == 0 ||
              memcmp(accepted->buf, arrived->buf, accepted->len) == 0);
  ck_assert_msg(same, "accepted %zu bytes [%s] but the peer got %zu [%s]",
                accepted->len, runs(accepted, a, sizeof a), arrived->len,
                runs(arrived, r, sizeof r));
}

static void bytes_free(struct bytes *b) {
  free(b->buf);
  memset(b, 0, sizeof *b);
}

/* --- memory-mode pairs ---------------------------------------------------- */

/* Receives on to until it has nothing more, appending to arrived. Returns
 * how many bytes came. */
static size_t drain_plaintext(tlswire_conn *to, struct bytes *arrived) {
  unsigned char buf[16384];
  size_t total = 0, n = 0;
  int rc;
  while ((rc = tlswire_conn_recv(to, buf, sizeof buf, &n)) == TLSWIRE_OK) {
    bytes_add(arrived, buf, n);
    total += n;
  }
  ck_assert_msg(rc == TLSWIRE_E_WANT_READ, "peer recv: %s (%s)",
                tlswire_status_name(rc), why(to));
  return total;
}

/* Moves ciphertext both ways and plaintext out of to until nothing moves. */
static void settle(tlswire_conn *from, tlswire_conn *to,
                   struct bytes *arrived) {
  for (int round = 0; round < 100000; round++) {
    size_t moved = tw_pump(from, to);
    if (drain_plaintext(to, arrived) == 0 && moved == 0)
      return;
  }
  ck_abort_msg("the pair never settled");
}

/* A TLS 1.2 pair on the RSA fixture with one cipher suite and the given
 * ring capacity (0: default). With no_etm, both sides refuse
 * encrypt-then-MAC (libssl's multiblock path needs MAC-then-encrypt).
 * clear, if not 0, is passed to clear_mode on the client context first
 * (its status is deliberately not checked here). */
static void tls12_pair(tw_pair *p, const char *suite, size_t ring, int no_etm,
                       long clear) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  ck_assert_ptr_nonnull(s);
  ck_assert_ptr_nonnull(c);
  tlswire_context *both[2] = {s, c};
  for (int i = 0; i < 2; i++) {
    cu_pin(both[i], TLSWIRE_TLS1_2_VERSION);
    ck_assert_int_eq(tlswire_context_set_cipher_list(both[i], suite),
                     TLSWIRE_OK);
    if (ring != 0)
      ck_assert_int_eq(tlswire_context_set_ring_capacity(both[i], ring),
                       TLSWIRE_OK);
    if (no_etm)
      ck_assert_int_eq(tlswire_context_set_options(
                           both[i], (uint64_t)SSL_OP_NO_ENCRYPT_THEN_MAC, NULL),
                       TLSWIRE_OK);
  }
  if (clear != 0)
    (void)tlswire_context_clear_mode(c, clear, NULL);
  cu_connect(p, c, s);
  ck_assert_str_eq(tlswire_conn_get_cipher_name(p->client), suite);
  tlswire_context_free(s);
  tlswire_context_free(c);
}

/* Sends all of buf (each byte value c) over several calls, settling the
 * pair between calls; records what each call reports as accepted. */
static void send_rest(tw_pair *p, int c, size_t len, struct bytes *accepted,
                      struct bytes *arrived) {
  unsigned char *buf = malloc(len);
  ck_assert_ptr_nonnull(buf);
  memset(buf, c, len);
  size_t done = 0;
  for (int call = 0; done < len && call < 10000; call++) {
    size_t n = 0;
    int rc = tlswire_conn_send(p->client, buf + done, len - done, &n);
    ck_assert_msg(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE,
                  "send of %zu bytes of 0x%02x: %s (%s)", len - done, c,
                  tlswire_status_name(rc), why(p->client));
    ck_assert_msg(rc == TLSWIRE_OK || n == 0, "a failed send reported %zu", n);
    bytes_fill(accepted, c, n);
    done += n;
    settle(p->client, p->server, arrived);
  }
  ck_assert_uint_eq(done, len);
  free(buf);
}

/* 128 KiB of 'A' offered once without draining, whatever is accepted of it
 * (may be 0), then 128 KiB of 'B' until all is accepted: the peer gets
 * exactly the accepted 'A's followed by the accepted 'B's. */
static void a_then_b(tw_pair *p) {
  struct bytes accepted = {0}, arrived = {0};
  unsigned char *a = malloc(BIG);
  ck_assert_ptr_nonnull(a);
  memset(a, 'A', BIG);
  size_t n = 0;
  int rc = tlswire_conn_send(p->client, a, BIG, &n);
  ck_assert_msg(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE,
                "send of 128 KiB: %s (%s)", tlswire_status_name(rc),
                why(p->client));
  bytes_fill(&accepted, 'A', n);
  free(a);
  send_rest(p, 'B', BIG, &accepted, &arrived);
  settle(p->client, p->server, &arrived);
  assert_same_stream(&accepted, &arrived);
  bytes_free(&accepted);
  bytes_free(&arrived);
}

/* --- 1. multiblock send --------------------------------------------------- */

#define CBC_SUITE "ECDHE-RSA-AES128-SHA"

START_TEST(multiblock_default_ring_keeps_stream) {
  tw_pair p;
  tls12_pair(&p, CBC_SUITE, 0, 1, 0);
  a_then_b(&p);
  tw_pair_free(&p);
}
END_TEST

START_TEST(multiblock_small_ring_keeps_stream) {
  tw_pair p;
  tls12_pair(&p, CBC_SUITE, 4096, 1, 0);
  a_then_b(&p);
  tw_pair_free(&p);
}
END_TEST

/* After a big send that stopped, a shorter one is an ordinary call: no
 * "bad length", and the stream stays exact. */
START_TEST(multiblock_shorter_retry_is_no_error) {
  tw_pair p;
  tls12_pair(&p, CBC_SUITE, 0, 1, 0);
  struct bytes accepted = {0}, arrived = {0};
  unsigned char *a = malloc(BIG);
  ck_assert_ptr_nonnull(a);
  memset(a, 'A', BIG);
  size_t n = 0;
  int rc = tlswire_conn_send(p.client, a, BIG, &n);
  ck_assert_msg(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE,
                "send of 128 KiB: %s (%s)", tlswire_status_name(rc),
                why(p.client));
  bytes_fill(&accepted, 'A', n);
  free(a);
  settle(p.client, p.server, &arrived);
  send_rest(&p, 'B', 1000, &accepted, &arrived);
  settle(p.client, p.server, &arrived);
  assert_same_stream(&accepted, &arrived);
  bytes_free(&accepted);
  bytes_free(&arrived);
  tw_pair_free(&p);
}
END_TEST

/* --- 2. the write modes tlswire depends on cannot be cleared -------------- */

static void clear_refused(long mode) {
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_mode(ctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL),
      TLSWIRE_OK);
  long before = SSL_CTX_get_mode(tlswire_context_get_ssl_ctx(ctx));
  long after = -1;
  ck_assert_int_eq(tlswire_context_clear_mode(ctx, mode, &after),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(SSL_CTX_get_mode(tlswire_context_get_ssl_ctx(ctx)), before);
  tlswire_context_free(ctx);
}

START_TEST(clear_mode_refuses_write_modes) {
  clear_refused(TLSWIRE_MODE_ENABLE_PARTIAL_WRITE);
  clear_refused(TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* Mixed with a mode that may be cleared: nothing at all changes. */
  clear_refused(TLSWIRE_MODE_ENABLE_PARTIAL_WRITE |
                TLSWIRE_MODE_RELEASE_BUFFERS);
  clear_refused(TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                TLSWIRE_MODE_RELEASE_BUFFERS);
}
END_TEST

#define GCM_SUITE "ECDHE-RSA-AES128-GCM-SHA256"

START_TEST(gcm_stream_exact_after_clear_partial_write) {
  tw_pair p;
  tls12_pair(&p, GCM_SUITE, 0, 0, TLSWIRE_MODE_ENABLE_PARTIAL_WRITE);
  a_then_b(&p);
  tw_pair_free(&p);
}
END_TEST

START_TEST(gcm_stream_exact_after_clear_both_write_modes) {
  tw_pair p;
  tls12_pair(&p, GCM_SUITE, 4096, 0,
             TLSWIRE_MODE_ENABLE_PARTIAL_WRITE |
                 TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  a_then_b(&p);
  tw_pair_free(&p);
}
END_TEST

/* --- 3. bound recv keeps the plaintext it got ----------------------------- */

static const char server_hello[] = "plaintext from the server";
#define STUCK_LEN ((size_t)16384)

/* A pair bound over a 2 KiB pipe, handshake done; the server's greeting
 * waits in the pipe while most of a 16 KiB record from the client is
 * stuck in the client's output (the pipe's other direction is full). */
static void stuck_pair(tw_pair *p) {
  tlswire_transport *a = NULL, *b = NULL;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 2048), TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_pair(p, TLSWIRE_TLS_METHOD, a, b), 0);
  ck_assert_int_eq(tw_bound_handshake(p, NULL, NULL), TLSWIRE_OK);
  size_t n = 0;
  ck_assert_int_eq(
      tlswire_conn_send(p->server, server_hello, sizeof server_hello, &n),
      TLSWIRE_OK);
  ck_assert_uint_eq(n, sizeof server_hello);
  unsigned char big[STUCK_LEN];
  memset(big, 'c', sizeof big);
  ck_assert_int_eq(tlswire_conn_send(p->client, big, sizeof big, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, sizeof big);
  ck_assert_int_eq(tlswire_conn_want_write(p->client), 1);
}

/* The stuck output is still reported after the successful read, and leaves
 * intact once the server reads. */
static void stuck_output_survives(tw_pair *p) {
  ck_assert_int_eq(tlswire_conn_want_write(p->client), 1);
  ck_assert_uint_ne(tlswire_conn_state(p->client) & TLSWIRE_STATE_HAS_OUTPUT,
                    0);
  unsigned char buf[4096];
  size_t got = 0;
  for (int round = 0; got < STUCK_LEN && round < 10000; round++) {
    int rc = tlswire_conn_flush(p->client);
    ck_assert_msg(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE,
                  "flush: %s (%s)", tlswire_status_name(rc), why(p->client));
    size_t n = 0;
    rc = tlswire_conn_recv(p->server, buf, sizeof buf, &n);
    ck_assert_msg(rc == TLSWIRE_OK || is_want(rc), "server recv: %s (%s)",
                  tlswire_status_name(rc), why(p->server));
    for (size_t i = 0; i < n; i++)
      ck_assert_int_eq(buf[i], 'c');
    got += n;
  }
  ck_assert_uint_eq(got, STUCK_LEN);
}

static void assert_greeting(int rc, const tlswire_conn *c,
                            const unsigned char *buf, size_t n) {
  ck_assert_msg(rc == TLSWIRE_OK, "read with output stuck: %s (%s), %zu bytes",
                tlswire_status_name(rc), why(c), n);
  ck_assert_uint_eq(n, sizeof server_hello);
  ck_assert_mem_eq(buf, server_hello, sizeof server_hello);
}

START_TEST(bound_recv_returns_plaintext_with_output_stuck) {
  tw_pair p;
  stuck_pair(&p);
  unsigned char buf[256];
  size_t n = 0;
  int rc = tlswire_conn_recv(p.client, buf, sizeof buf, &n);
  assert_greeting(rc, p.client, buf, n);
  stuck_output_survives(&p);
  tw_pair_free(&p);
}
END_TEST

START_TEST(bound_recv_into_returns_plaintext_with_output_stuck) {
  tw_pair p;
  stuck_pair(&p);
  unsigned char buf[256];
  size_t n = 0;
  int rc = tlswire_conn_recv_into(p.client, buf, sizeof buf, 0, 0, &n);
  assert_greeting(rc, p.client, buf, n);
  stuck_output_survives(&p);
  tw_pair_free(&p);
}
END_TEST

START_TEST(bound_recv_peek_returns_plaintext_with_output_stuck) {
  tw_pair p;
  stuck_pair(&p);
  unsigned char buf[256];
  size_t n = 0;
  int rc = tlswire_conn_recv_peek(p.client, buf, sizeof buf, &n);
  assert_greeting(rc, p.client, buf, n);
  /* A peek leaves the bytes: the next read returns them again. */
  memset(buf, 0, sizeof buf);
  rc = tlswire_conn_recv(p.client, buf, sizeof buf, &n);
  assert_greeting(rc, p.client, buf, n);
  stuck_output_survives(&p);
  tw_pair_free(&p);
}
END_TEST

/* xorshift32: a small deterministic generator for the seeded runs. */
static unsigned next_rand(unsigned *state) {
  unsigned x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

/* One direction of the seeded exchange. */
struct flow {
  tlswire_conn *conn; /* sends out, receives into expect */
  const unsigned char *out, *expect;
  size_t sent, got;
};

#define FLOW_LEN ((size_t)1024 * 1024)

static size_t flow_send(struct flow *f, unsigned *rng) {
  if (f->sent == FLOW_LEN)
    return 0;
  size_t want = 1 + next_rand(rng) % 40000, n = 0;
  if (want > FLOW_LEN - f->sent)
    want = FLOW_LEN - f->sent;
  int rc = tlswire_conn_send(f->conn, f->out + f->sent, want, &n);
  ck_assert_msg(rc == TLSWIRE_OK || is_want(rc), "send: %s (%s)",
                tlswire_status_name(rc), why(f->conn));
  f->sent += n;
  return n;
}

/* A caller believes the status: bytes count only when recv says OK. */
static size_t flow_recv(struct flow *f, unsigned *rng, unsigned seed) {
  unsigned char buf[20000];
  size_t len = 1 + next_rand(rng) % sizeof buf, n = 0;
  int rc = tlswire_conn_recv(f->conn, buf, len, &n);
  ck_assert_msg(rc == TLSWIRE_OK || is_want(rc), "recv: %s (%s)",
                tlswire_status_name(rc), why(f->conn));
  if (rc != TLSWIRE_OK)
    return 0;
  ck_assert_msg(f->got + n <= FLOW_LEN, "seed %u: more bytes than were sent",
                seed);
  ck_assert_msg(memcmp(buf, f->expect + f->got, n) == 0,
                "seed %u: %zu bytes at offset %zu differ from what was "
                "sent (plaintext was lost before them)",
                seed, n, f->got);
  f->got += n;
  return n;
}

static void flow_flush(struct flow *f) {
  if (!tlswire_conn_want_write(f->conn))
    return;
  int rc = tlswire_conn_flush(f->conn);
  ck_assert_msg(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE,
                "flush: %s (%s)", tlswire_status_name(rc), why(f->conn));
}

/* 1 MiB each way at once over a pipe with random capacity, chunking and
 * would-blocks; every byte must arrive exactly once, in order. */
static void faulty_exchange(unsigned seed) {
  unsigned rng = seed * 2654435761u + 1;
  tlswire_transport *a = NULL, *b = NULL;
  ck_assert_int_eq(
      tlswire_transport_pipe_new(&a, &b, 512 + next_rand(&rng) % 8192),
      TLSWIRE_OK);
  tlswire_transport *ends[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(
                         ends[i], 1 + next_rand(&rng) % 6000),
                     TLSWIRE_OK);
    ck_assert_int_eq(tlswire_transport_pipe_set_wouldblock_every(
                         ends[i], 2 + next_rand(&rng) % 6),
                     TLSWIRE_OK);
  }
  tw_pair p;
  ck_assert_int_eq(tw_bound_pair(&p, TLSWIRE_TLS_METHOD, a, b), 0);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *up = tw_pattern(FLOW_LEN, seed);
  unsigned char *down = tw_pattern(FLOW_LEN, seed + 7919);
  struct flow f[2] = {{p.client, up, down, 0, 0}, {p.server, down, up, 0, 0}};
  int idle = 0;
  while (f[0].got < FLOW_LEN || f[1].got < FLOW_LEN) {
    /* Each step is skipped now and then, so the calls never fall into a
     * period that lines up with the injected would-blocks. */
    size_t moved = 0;
    for (int i = 0; i < 2; i++)
      if (next_rand(&rng) % 4 != 0)
        moved += flow_send(&f[i], &rng);
    for (int i = 0; i < 2; i++)
      if (next_rand(&rng) % 4 != 0)
        moved += flow_recv(&f[i], &rng, seed);
    for (int i = 0; i < 2; i++)
      if (next_rand(&rng) % 4 != 0)
        flow_flush(&f[i]);
    idle = moved ? 0 : idle + 1;
    ck_assert_msg(idle < 1000,
                  "seed %u: stalled, client got %zu of %zu accepted by the "
                  "server, server got %zu of %zu (plaintext was lost)",
                  seed, f[0].got, f[1].sent, f[1].got, f[0].sent);
  }
  free(up);
  free(down);
  tw_pair_free(&p);
}

START_TEST(bound_faulty_pipe_exact_delivery) {
  for (unsigned seed = 1; seed <= 4; seed++)
    faulty_exchange(seed);
}
END_TEST

#if TLSWIRE_HAVE_POSIX_TRANSPORTS
/* --- 4. connect / accept set the role the send path relies on ------------ */

static void nonblocking(int fd) {
  ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/* The smallest socket buffers the kernel allows, so handshake flights
 * cannot all leave at once and stick in the output rings. */
static void tiny_buffers(int fd) {
  int v = 1;
  ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v), 0);
  ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v), 0);
}

static tlswire_conn *socket_conn(int fd, tlswire_context *ctx) {
  tlswire_transport *t = NULL;
  tlswire_conn *c = NULL;
  ck_assert_int_eq(
      tlswire_transport_socket_new(&t, fd, TLSWIRE_TRANSPORT_CLOSE),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&c, ctx, t), TLSWIRE_OK);
  return c;
}

/* A client from tlswire_conn_connect and a server from tlswire_conn_accept
 * over loopback TCP, mutual TLS with `extra` more copies of the client's
 * intermediate in its chain, both rings at their smallest; no role set by
 * hand, no handshake run. */
static void accepted_pair(tw_pair *p, int extra) {
  tlswire_context *s = cu_mtls_server_ctx(TW_KEY_RSA2048, 0);
  tlswire_context *c = cu_mtls_client_ctx(TW_KEY_RSA2048, 0);
  for (int i = 0; i < extra; i++)
    ck_assert_int_eq(tlswire_context_add_extra_chain_cert(
                         c, tw_fixture_client(TW_KEY_RSA2048)->intermediate),
                     TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_ring_capacity(s, TLSWIRE_MIN_RING_CAPACITY),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_ring_capacity(c, TLSWIRE_MIN_RING_CAPACITY),
      TLSWIRE_OK);

  int l = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(l, 0);
  tiny_buffers(l);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof addr;
  ck_assert_int_eq(bind(l, (struct sockaddr *)&addr, sizeof addr), 0);
  ck_assert_int_eq(listen(l, 1), 0);
  ck_assert_int_eq(getsockname(l, (struct sockaddr *)&addr, &alen), 0);
  tlswire_conn *listener = socket_conn(l, s);

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  tiny_buffers(fd);
  p->client = socket_conn(fd, c);
  ck_assert_int_eq(
      tlswire_conn_connect(p->client, (struct sockaddr *)&addr, sizeof addr),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_accept(listener, &p->server, NULL, NULL),
                   TLSWIRE_OK);
  tlswire_conn_free(listener);
  nonblocking(tlswire_conn_fileno(p->client));
  nonblocking(tlswire_conn_fileno(p->server));
  tlswire_context_free(s);
  tlswire_context_free(c);
}

static void wait_both(tw_pair *p) {
  struct pollfd fds[2] = {{tlswire_conn_fileno(p->client), POLLIN, 0},
                          {tlswire_conn_fileno(p->server), POLLIN, 0}};
  for (int i = 0; i < 2; i++)
    if (tlswire_conn_want_write(i ? p->server : p->client))
      fds[i].events |= POLLOUT;
  poll(fds, 2, 20);
}

/* The receiving side of the loop: handshake, then all it can read. */
static void receiver_step(tlswire_conn *conn, int *done,
                          struct bytes *arrived) {
  if (!*done) {
    int rc = tlswire_conn_do_handshake(conn);
    ck_assert_msg(rc == TLSWIRE_OK || is_want(rc), "peer handshake: %s (%s)",
                  tlswire_status_name(rc), why(conn));
    *done = rc == TLSWIRE_OK;
    return;
  }
  unsigned char buf[16384];
  size_t n = 0;
  int rc;
  while ((rc = tlswire_conn_recv(conn, buf, sizeof buf, &n)) == TLSWIRE_OK)
    bytes_add(arrived, buf, n);
  ck_assert_msg(is_want(rc), "peer recv: %s (%s)", tlswire_status_name(rc),
                why(conn));
}

/* One sending call of len bytes, each call with bytes of its own value;
 * once ENOUGH were accepted the sender only flushes. */
/* Two records and more: the stuck first one and the call after it. */
#define ENOUGH ((size_t)24 * 1024)

static void sender_step(tlswire_conn *conn, int *call, struct bytes *accepted,
                        unsigned char *buf, size_t len) {
  if (accepted->len >= ENOUGH) {
    int rc = tlswire_conn_flush(conn);
    ck_assert_msg(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE,
                  "flush: %s (%s)", tlswire_status_name(rc), why(conn));
    return;
  }
  int c = 'a' + (*call)++ % 26;
  memset(buf, c, len);
  size_t n = 0;
  int rc = tlswire_conn_send(conn, buf, len, &n);
  ck_assert_msg(rc == TLSWIRE_OK || is_want(rc), "send: %s (%s)",
                tlswire_status_name(rc), why(conn));
  bytes_fill(accepted, c, n);
}

#define FIRST_SEND ((size_t)64 * 1024)

/* The sender (client or server) offers 64 KiB per call from before the
 * handshake, each call with different bytes, until ENOUGH were accepted;
 * the peer must receive exactly the bytes each call reported, in order. */
static void first_send_case(int extra, int server_sends) {
  tw_pair p = {0};
  accepted_pair(&p, extra);
  tlswire_conn *from = server_sends ? p.server : p.client;
  tlswire_conn *to = server_sends ? p.client : p.server;
  struct bytes accepted = {0}, arrived = {0};
  unsigned char *buf = malloc(FIRST_SEND);
  ck_assert_ptr_nonnull(buf);
  int peer_done = 0, call = 0;
  for (int round = 0; round < 20000; round++) {
    sender_step(from, &call, &accepted, buf, FIRST_SEND);
    receiver_step(to, &peer_done, &arrived);
    if (arrived.len > accepted.len ||
        (arrived.len > 0 && memcmp(arrived.buf, accepted.buf, arrived.len)))
      break;
    if (accepted.len >= ENOUGH && arrived.len >= accepted.len &&
        !tlswire_conn_want_write(from))
      break;
    wait_both(&p);
  }
  assert_same_stream(&accepted, &arrived);
  free(buf);
  bytes_free(&accepted);
  bytes_free(&arrived);
  tw_pair_free(&p);
}

/* The client's record sizes shift with its chain length, which moves where
 * the socket stops taking bytes; several lengths cover the boundary cases.
 * Then the same with the server (from accept) sending first. */
START_TEST(connect_accept_first_send_keeps_stream) {
  for (int extra = 0; extra <= 11; extra++)
    first_send_case(extra, 0);
  for (int extra = 0; extra <= 1; extra++)
    first_send_case(extra, 1);
}
END_TEST

static void add_socket_tests(Suite *s) {
  TW_ADD(s, connect_accept_first_send_keeps_stream);
}
#else
/* A build without the POSIX transports has no tlswire_conn_connect. */
static void add_socket_tests(Suite *s) { (void)s; }
#endif

/* --- 5. zero-copy window lifetime ----------------------------------------- */

/* A memory-mode pair whose contexts release ring storage when it empties. */
static void releasing_pair(tw_pair *p) {
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(s);
  ck_assert_ptr_nonnull(c);
  ck_assert_int_eq(
      tlswire_context_set_mode(s, TLSWIRE_MODE_RELEASE_BUFFERS, NULL),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_mode(c, TLSWIRE_MODE_RELEASE_BUFFERS, NULL),
      TLSWIRE_OK);
  ck_assert_int_eq(tw_pair_init(p, c, s), 0);
  tlswire_context_free(s);
  tlswire_context_free(c);
}

/* Window taken, then do_handshake and recv (both finding no input), then
 * the ClientHello copied in from a peek pointer that also lived across
 * calls: committed, the handshake completes. */
START_TEST(window_survives_handshake_and_recv) {
  tw_pair p;
  releasing_pair(&p);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  const void *hello = NULL;
  size_t hello_len = 0;
  ck_assert_int_eq(tlswire_conn_bio_peek(p.client, &hello, &hello_len),
                   TLSWIRE_OK);
  void *win = NULL;
  size_t win_len = 0;
  ck_assert_int_eq(tlswire_conn_bio_window(p.server, &win, &win_len),
                   TLSWIRE_OK);
  ck_assert_uint_ge(win_len, hello_len);

  ck_assert_int_eq(tlswire_conn_do_handshake(p.server), TLSWIRE_E_WANT_READ);
  unsigned char buf[64];
  size_t n = 0;
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);

  memcpy(win, hello, hello_len);
  ck_assert_int_eq(tlswire_conn_bio_commit(p.server, hello_len), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_consume(p.client, hello_len), TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_conn_bio_pending_in(p.server), hello_len);
  int crc, src;
  ck_assert_msg(tw_handshake(p.client, p.server, &crc, &src) == 0,
                "handshake: client %s (%s), server %s (%s)",
                tlswire_status_name(crc), why(p.client),
                tlswire_status_name(src), why(p.server));
  cu_roundtrip(p.client, p.server, "after a window kept across calls");
  tw_pair_free(&p);
}
END_TEST

/* Commit needs an outstanding window and stays inside it. */
START_TEST(commit_needs_open_window) {
  tw_pair p;
  releasing_pair(&p);
  void *win = NULL;
  size_t win_len = 0;
  /* Never opened. */
  ck_assert_int_eq(tlswire_conn_bio_commit(p.server, 16), TLSWIRE_E_STATE);
  ck_assert_uint_eq(tlswire_conn_bio_pending_in(p.server), 0);
  /* Larger than the window. */
  ck_assert_int_eq(tlswire_conn_bio_window(p.server, &win, &win_len),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_commit(p.server, win_len + 1),
                   TLSWIRE_E_INVALID);
  ck_assert_uint_eq(tlswire_conn_bio_pending_in(p.server), 0);
  /* Closed by a commit. */
  ck_assert_int_eq(tlswire_conn_bio_window(p.server, &win, &win_len),
                   TLSWIRE_OK);
  memset(win, 0x16, 1);
  ck_assert_int_eq(tlswire_conn_bio_commit(p.server, 1), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_commit(p.server, 1), TLSWIRE_E_STATE);
  ck_assert_uint_eq(tlswire_conn_bio_pending_in(p.server), 1);
  /* Closed by bio_write. */
  ck_assert_int_eq(tlswire_conn_bio_window(p.server, &win, &win_len),
                   TLSWIRE_OK);
  size_t w = 0;
  ck_assert_int_eq(tlswire_conn_bio_write(p.server, "\x03\x03", 2, &w),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_commit(p.server, 1), TLSWIRE_E_STATE);
  ck_assert_uint_eq(tlswire_conn_bio_pending_in(p.server), 3);
  /* Closed by bio_shutdown. */
  ck_assert_int_eq(tlswire_conn_bio_window(p.server, &win, &win_len),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_shutdown(p.server), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_commit(p.server, 1), TLSWIRE_E_STATE);
  ck_assert_uint_eq(tlswire_conn_bio_pending_in(p.server), 3);
  tw_pair_free(&p);
}
END_TEST

/* --- the program ------------------------------------------------------------
 */

static Suite *make_suite(void) {
  Suite *s = suite_create("integrity");
  TW_ADD(s, multiblock_default_ring_keeps_stream);
  TW_ADD(s, multiblock_small_ring_keeps_stream);
  TW_ADD(s, multiblock_shorter_retry_is_no_error);
  TW_ADD(s, clear_mode_refuses_write_modes);
  TW_ADD(s, gcm_stream_exact_after_clear_partial_write);
  TW_ADD(s, gcm_stream_exact_after_clear_both_write_modes);
  TW_ADD(s, bound_recv_returns_plaintext_with_output_stuck);
  TW_ADD(s, bound_recv_into_returns_plaintext_with_output_stuck);
  TW_ADD(s, bound_recv_peek_returns_plaintext_with_output_stuck);
  TW_ADD(s, bound_faulty_pipe_exact_delivery);
  add_socket_tests(s);
  TW_ADD(s, window_survives_handshake_and_recv);
  TW_ADD(s, commit_needs_open_window);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
