/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream.c - the stream-integrity property run (see stream.h).
 *
 * The run keeps, per side: the log of bytes its sends reported as accepted,
 * the position up to which it has received the peer's log, the buffer it
 * currently offers, and in memory mode the ciphertext the test has taken out
 * of it but not yet fed to the peer (the "wire"), plus any bio_peek pointer
 * or bio_window it holds across other calls.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <tlswire/tlswire.h>

#include "certs.h"
#include "stream.h"

/* A count no call can legitimately report: shows a call that forgot to set
 * its out-parameter. */
#define SENTINEL ((size_t)0x5eed5eed)
#define GUARD 32 /* canary bytes checked past a recv buffer */
#define GUARD_BYTE 0xA5
#define MAX_READ 65536 /* largest recv / bio_read length */
#define KIB ((size_t)1024)
#define STALL_LIMIT 400000 /* steps without progress: a livelock */

/* --- choices ---------------------------------------------------------------
 */

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void tw_rng_seed(tw_rng *r, uint64_t seed, const uint8_t *data, size_t len) {
  r->state = seed;
  r->data = data;
  r->len = data ? len : 0;
  r->pos = 0;
}

/* A choice from as many input bytes as n needs; 0 once they ran out. */
static int from_data(tw_rng *r, uint32_t n, uint32_t *v) {
  size_t need = n <= 0x100u ? 1 : n <= 0x10000u ? 2 : n <= 0x1000000u ? 3 : 4;
  if (r->len - r->pos < need)
    return 0;
  uint32_t x = 0;
  for (size_t i = 0; i < need; i++)
    x = x << 8 | r->data[r->pos++];
  *v = x % n;
  return 1;
}

uint32_t tw_rng_below(tw_rng *r, uint32_t n) {
  if (n <= 1)
    return 0;
  uint32_t v;
  if (from_data(r, n, &v))
    return v;
  return (uint32_t)(((splitmix(&r->state) >> 32) * (uint64_t)n) >> 32);
}

static unsigned log2_floor(size_t x) {
  unsigned b = 0;
  while (x >>= 1)
    b++;
  return b;
}

size_t tw_rng_logu(tw_rng *r, size_t lo, size_t hi) {
  if (lo < 1)
    lo = 1;
  if (hi <= lo)
    return lo;
  unsigned a = log2_floor(lo), b = log2_floor(hi);
  unsigned e = a + tw_rng_below(r, b - a + 1);
  size_t low = (size_t)1 << e, high = ((size_t)2 << e) - 1;
  if (low < lo)
    low = lo;
  if (high > hi)
    high = hi;
  return low + tw_rng_below(r, (uint32_t)(high - low + 1));
}

void tw_rng_fill(tw_rng *r, void *buf, size_t len) {
  unsigned char *p = buf;
  while (len >= 8) {
    uint64_t v = splitmix(&r->state);
    memcpy(p, &v, 8);
    p += 8;
    len -= 8;
  }
  if (len > 0) {
    uint64_t v = splitmix(&r->state);
    memcpy(p, &v, len);
  }
}

/* --- suites ----------------------------------------------------------------
 */

struct suite_def {
  const char *cipher; /* the name libssl reports once negotiated */
  int version;
  int tls13; /* cipher is a TLS 1.3 suite */
  tw_key_type key;
  int no_etm; /* SSL_OP_NO_ENCRYPT_THEN_MAC on both sides */
};

static const struct suite_def suites[TW_SUITE_COUNT] = {
    [TW_SUITE_TLS13_AES128_GCM] = {"TLS_AES_128_GCM_SHA256", TLS1_3_VERSION, 1,
                                   TW_KEY_EC_P256, 0},
    [TW_SUITE_TLS13_CHACHA20] = {"TLS_CHACHA20_POLY1305_SHA256", TLS1_3_VERSION,
                                 1, TW_KEY_EC_P256, 0},
    [TW_SUITE_TLS13_AES256_GCM] = {"TLS_AES_256_GCM_SHA384", TLS1_3_VERSION, 1,
                                   TW_KEY_RSA2048, 0},
    [TW_SUITE_ECDHE_ECDSA_AES128_GCM] = {"ECDHE-ECDSA-AES128-GCM-SHA256",
                                         TLS1_2_VERSION, 0, TW_KEY_EC_P256, 0},
    [TW_SUITE_ECDHE_ECDSA_CHACHA20] = {"ECDHE-ECDSA-CHACHA20-POLY1305",
                                       TLS1_2_VERSION, 0, TW_KEY_EC_P256, 0},
    [TW_SUITE_RSA_AES128_SHA] = {"AES128-SHA", TLS1_2_VERSION, 0,
                                 TW_KEY_RSA2048, 1},
    [TW_SUITE_RSA_AES256_SHA] = {"AES256-SHA", TLS1_2_VERSION, 0,
                                 TW_KEY_RSA2048, 1},
    [TW_SUITE_ECDHE_RSA_AES128_SHA] = {"ECDHE-RSA-AES128-SHA", TLS1_2_VERSION,
                                       0, TW_KEY_RSA2048, 1},
};

const char *tw_stream_suite_name(int suite) {
  return suite >= 0 && suite < TW_SUITE_COUNT ? suites[suite].cipher : "?";
}

/* --- configurations ------------------------------------------------------- */

void tw_stream_cfg_weights(tw_stream_cfg *cfg, tw_rng *r) {
  for (int op = 0; op < TW_OP_COUNT; op++)
    cfg->weight[op] = 1 + tw_rng_below(r, 8);
  cfg->weight[TW_OP_STALL] = tw_rng_below(r, 2);
  int memory_only[] = {TW_OP_BIO_READ, TW_OP_BIO_PEEK, TW_OP_BIO_WRITE,
                       TW_OP_BIO_WINDOW, TW_OP_STALL};
  for (size_t i = 0; i < sizeof memory_only / sizeof *memory_only; i++)
    if (cfg->bound)
      cfg->weight[memory_only[i]] = 0;
  if (!cfg->bound)
    cfg->weight[TW_OP_FLUSH] = 0;
}

static void pick_pipe(tw_stream_cfg *cfg, tw_rng *r) {
  cfg->pipe_capacity = tw_rng_logu(r, 64, 256 * KIB);
  for (int i = 0; i < 2; i++) {
    cfg->max_chunk[i] = tw_rng_below(r, 2) ? tw_rng_logu(r, 1, 32 * KIB) : 0;
    cfg->wouldblock[i] = tw_rng_below(r, 3) ? 2 + tw_rng_below(r, 8) : 0;
  }
}

/* Byte-at-a-time transports move everything through many calls: keep those
 * runs short. */
static int slow_transport(const tw_stream_cfg *cfg) {
  if (!cfg->bound)
    return 0;
  for (int i = 0; i < 2; i++)
    if ((cfg->max_chunk[i] != 0 && cfg->max_chunk[i] < 64) ||
        cfg->wouldblock[i] == 2)
      return 1;
  return cfg->pipe_capacity < 1024;
}

void tw_stream_cfg_pick(tw_stream_cfg *cfg, tw_rng *r, int small, int suite,
                        int bound) {
  memset(cfg, 0, sizeof *cfg);
  cfg->suite = suite >= 0 ? suite : (int)tw_rng_below(r, TW_SUITE_COUNT);
  cfg->bound = bound >= 0 ? bound : (int)tw_rng_below(r, 2);
  cfg->ring_capacity = tw_rng_logu(r, 256, 1024 * KIB);
  cfg->release_buffers = (int)tw_rng_below(r, 2);
  pick_pipe(cfg, r);
  cfg->budget = small ? tw_rng_logu(r, 256, 32 * KIB)
                      : tw_rng_logu(r, 4 * KIB, 768 * KIB);
  size_t slow_cap = small ? 4 * KIB : 96 * KIB;
  if (slow_transport(cfg) && cfg->budget > slow_cap)
    cfg->budget = slow_cap;
  cfg->max_offer = tw_rng_logu(r, 16, 64 * KIB);
  cfg->big_pct = tw_rng_below(r, 4) ? 2 + tw_rng_below(r, small ? 8 : 25) : 0;
  cfg->hold_pct = tw_rng_below(r, 60);
  tw_stream_cfg_weights(cfg, r);
}

void tw_stream_describe(const tw_stream_cfg *cfg, char *buf, size_t len) {
  char mode[128];
  if (cfg->bound)
    snprintf(mode, sizeof mode, "pipe cap=%zu chunk=%zu/%zu block=%u/%u",
             cfg->pipe_capacity, cfg->max_chunk[0], cfg->max_chunk[1],
             cfg->wouldblock[0], cfg->wouldblock[1]);
  else
    snprintf(mode, sizeof mode, "memory");
  snprintf(buf, len,
           "%s, %s, ring=%zu, release=%d, budget=%zu, offer<=%zu, big=%u%%, "
           "hold=%u%%",
           mode, tw_stream_suite_name(cfg->suite), cfg->ring_capacity,
           cfg->release_buffers, cfg->budget, cfg->max_offer, cfg->big_pct,
           cfg->hold_pct);
}

/* --- run state ------------------------------------------------------------ */

/* A byte queue: live bytes are p[head .. len). */
struct bytes {
  unsigned char *p;
  size_t head, len, cap;
};

struct side {
  const char *name;
  tlswire_conn *conn;
  struct bytes log;     /* every byte this side's sends accepted */
  unsigned char *offer; /* the buffer offered now; offer_off bytes taken */
  size_t offer_len, offer_off;
  int tx_done;      /* the log reached the budget: no more sends */
  int close_called; /* shutdown was called: close_notify may be on its way */
  int close_sent;   /* shutdown returned 0 or 1: close_notify is out */
  int close_done;   /* shutdown returned 1 */
  int zero_seen;    /* recv reported the peer's close_notify */
  int hs_done;
  size_t rx_pos;         /* bytes of the peer's log received */
  unsigned char *peeked; /* what the last recv_peek showed, until a recv */
  size_t peeked_len;
  struct bytes wire;    /* memory: our ciphertext not yet fed to the peer */
  uint64_t stall_until; /* memory: our output is not pumped before */
  const unsigned char *held_peek; /* a bio_peek pointer kept across calls */
  size_t held_len;
  unsigned char *held_copy;
  unsigned char *window; /* a bio_window kept across calls */
  size_t window_len, window_filled;
};

struct run {
  const tw_stream_cfg *cfg;
  tw_rng *rng;
  tw_stream_fail_fn fail;
  void *arg;
  struct side side[2]; /* client, server */
  uint64_t step, last_progress;
  unsigned char *scratch; /* MAX_READ + GUARD */
};

static struct {
  uint64_t step;
  const char *side, *op;
} where;

const char *tw_stream_where(void) {
  static char buf[96];
  snprintf(buf, sizeof buf, "step %llu %s %s", (unsigned long long)where.step,
           where.side ? where.side : "-", where.op ? where.op : "setup");
  return buf;
}

static void failf(struct run *r, const struct side *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void failf(struct run *r, const struct side *s, const char *fmt, ...) {
  char detail[512], msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  const char *last =
      s && s->conn ? tlswire_error_message(tlswire_conn_last_error(s->conn))
                   : "";
  snprintf(msg, sizeof msg, "%s: %s%s%s%s", tw_stream_where(), detail,
           *last ? " (last error: " : "", last, *last ? ")" : "");
  r->fail(r->arg, msg);
  abort(); /* fail must not return */
}

static struct side *peer_of(struct run *r, struct side *s) {
  return s == &r->side[0] ? &r->side[1] : &r->side[0];
}

static void progress(struct run *r) { r->last_progress = r->step; }

/* After every public call: libssl's thread error queue must be empty. */
static int chk(struct run *r, struct side *s, const char *call, int rc) {
  unsigned long e = ERR_peek_error();
  if (e == 0)
    return rc;
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  failf(r, s, "%s returned %s and left OpenSSL's error queue non-empty: %s",
        call, tlswire_status_name(rc), text);
  return rc;
}

/* The statuses of flow control; anything else is a failure here. */
static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

static void expect_flow(struct run *r, struct side *s, const char *call,
                        int rc) {
  if (rc != TLSWIRE_OK && !is_want(rc))
    failf(r, s, "%s failed with %s", call, tlswire_status_name(rc));
}

static void *xmalloc(struct run *r, size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL)
    failf(r, NULL, "out of memory (%zu bytes)", n);
  return p;
}

/* --- byte queues ---------------------------------------------------------- */

static size_t bytes_live(const struct bytes *b) { return b->len - b->head; }

static void bytes_append(struct run *r, struct bytes *b, const void *src,
                         size_t n) {
  if (b->head > 0 && b->head == b->len)
    b->head = b->len = 0;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
      cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (p == NULL)
      failf(r, NULL, "out of memory (%zu bytes)", cap);
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, src, n);
  b->len += n;
}

static void bytes_pop(struct bytes *b, size_t n) {
  b->head += n;
  if (b->head > 4096 && b->head * 2 > b->len) {
    memmove(b->p, b->p + b->head, b->len - b->head);
    b->len -= b->head;
    b->head = 0;
  }
}

/* --- sending ---------------------------------------------------------------
 */

static size_t offer_length(struct run *r) {
  if (tw_rng_below(r->rng, 100) < r->cfg->big_pct)
    return tw_rng_logu(r->rng, 64 * KIB, 256 * KIB);
  return tw_rng_logu(r->rng, 1, r->cfg->max_offer);
}

/* A new offer: another buffer (allocated before the old one is freed, so
 * the pointer differs) with freshly generated content. */
static void offer_new(struct run *r, struct side *s) {
  size_t len = offer_length(r);
  unsigned char *p = xmalloc(r, len);
  tw_rng_fill(r->rng, p, len);
  free(s->offer);
  s->offer = p;
  s->offer_len = len;
  s->offer_off = 0;
}

static void offer_drop(struct side *s) {
  free(s->offer);
  s->offer = NULL;
  s->offer_len = s->offer_off = 0;
}

/* n bytes at buf were accepted: they are the next bytes of the stream. */
static void accepted(struct run *r, struct side *s, const unsigned char *buf,
                     size_t n) {
  if (n == 0)
    return;
  bytes_append(r, &s->log, buf, n);
  s->offer_off += n;
  progress(r);
  if (s->log.len >= r->cfg->budget) {
    s->tx_done = 1;
    offer_drop(s);
  }
}

static void check_sent(struct run *r, struct side *s, int all, int rc,
                       size_t sent, size_t len) {
  const char *call = all ? "sendall" : "send";
  if (sent == SENTINEL)
    failf(r, s, "%s returned %s without setting *sent", call,
          tlswire_status_name(rc));
  if (sent > len)
    failf(r, s, "%s reported %zu bytes of %zu offered", call, sent, len);
  if (rc == TLSWIRE_OK && (all ? sent != len : sent == 0))
    failf(r, s, "%s returned TLSWIRE_OK with %zu of %zu bytes", call, sent,
          len);
  /* sendall's *sent always counts what it accepted; send's failure none. */
  if (rc != TLSWIRE_OK && !all && sent != 0)
    failf(r, s, "send returned %s but reported %zu bytes accepted",
          tlswire_status_name(rc), sent);
}

static void op_send(struct run *r, struct side *s, int all) {
  if (s->tx_done || s->close_sent)
    return;
  if (s->offer == NULL || s->offer_off == s->offer_len)
    offer_new(r, s);
  const unsigned char *buf = s->offer + s->offer_off;
  size_t len = s->offer_len - s->offer_off, sent = SENTINEL;
  int rc = all ? tlswire_conn_sendall(s->conn, buf, len, &sent)
               : tlswire_conn_send(s->conn, buf, len, &sent);
  chk(r, s, all ? "sendall" : "send", rc);
  expect_flow(r, s, all ? "sendall" : "send", rc);
  check_sent(r, s, all, rc, sent, len);
  accepted(r, s, buf, sent);
  /* After a stop, the next call offers other bytes from another buffer;
   * after a success, sometimes the rest and sometimes a new offer. */
  if (!s->tx_done && (rc != TLSWIRE_OK || tw_rng_below(r->rng, 2)))
    offer_new(r, s);
}

/* --- receiving ------------------------------------------------------------ */

/* Whether a read now can only meet data, or the peer's close_notify once
 * this side has nothing more to send (a side reads the close_notify only
 * after its own sends are done, so the test never depends on half-close). */
static int may_read(struct run *r, struct side *s) {
  struct side *p = peer_of(r, s);
  if (s->zero_seen || s->rx_pos < p->log.len || !p->tx_done)
    return 1;
  return s->tx_done;
}

static void check_bytes(struct run *r, struct side *s, const char *call,
                        const unsigned char *got, size_t n) {
  struct side *p = peer_of(r, s);
  if (s->rx_pos + n > p->log.len)
    failf(r, s,
          "%s returned %zu bytes at stream offset %zu, but the peer's sends "
          "accepted only %zu bytes in all",
          call, n, s->rx_pos, p->log.len);
  const unsigned char *want = p->log.p + s->rx_pos;
  if (memcmp(got, want, n) == 0)
    return;
  size_t i = 0;
  while (got[i] == want[i])
    i++;
  failf(r, s,
        "%s returned %zu bytes; stream byte %zu is 0x%02x, the log says "
        "0x%02x",
        call, n, s->rx_pos + i, got[i], want[i]);
}

static void received(struct run *r, struct side *s, const char *call,
                     const unsigned char *buf, size_t n, int peek) {
  check_bytes(r, s, call, buf, n);
  if (peek) {
    free(s->peeked);
    s->peeked = xmalloc(r, n);
    memcpy(s->peeked, buf, n);
    s->peeked_len = n;
    return;
  }
  size_t common = n < s->peeked_len ? n : s->peeked_len;
  if (common > 0 && memcmp(buf, s->peeked, common) != 0)
    failf(r, s, "%s returned other bytes than recv_peek showed", call);
  free(s->peeked);
  s->peeked = NULL;
  s->peeked_len = 0;
  s->rx_pos += n;
  progress(r);
}

static void zero_returned(struct run *r, struct side *s, const char *call) {
  struct side *p = peer_of(r, s);
  if (s->rx_pos != p->log.len || !p->close_called)
    failf(r, s,
          "%s reported close_notify after %zu of %zu stream bytes (peer "
          "called shutdown: %d)",
          call, s->rx_pos, p->log.len, p->close_called);
  if (!s->zero_seen)
    progress(r);
  s->zero_seen = 1;
}

/* One read call into a buffer of len bytes; *cap is how many of them it
 * may write. */
static int read_call(struct run *r, struct side *s, int kind, size_t len,
                     size_t *cap, int *peek, size_t *got, const char **call) {
  unsigned char *buf = r->scratch;
  *cap = len;
  *peek = kind == TW_OP_RECV_PEEK;
  if (kind == TW_OP_RECV)
    return *call = "recv", tlswire_conn_recv(s->conn, buf, len, got);
  if (kind == TW_OP_RECV_PEEK)
    return *call = "recv_peek", tlswire_conn_recv_peek(s->conn, buf, len, got);
  size_t nbytes = tw_rng_below(r->rng, 4) ? tw_rng_logu(r->rng, 1, 2 * len) : 0;
  *cap = nbytes == 0 || nbytes > len ? len : nbytes;
  *peek = tw_rng_below(r->rng, 3) == 0;
  *call = *peek ? "recv_into(PEEK)" : "recv_into";
  return tlswire_conn_recv_into(s->conn, buf, len, nbytes,
                                *peek ? TLSWIRE_MSG_PEEK : 0, got);
}

static void op_recv(struct run *r, struct side *s, int kind) {
  if (!may_read(r, s))
    return;
  size_t len = tw_rng_logu(r->rng, 1, MAX_READ), cap, got = SENTINEL;
  memset(r->scratch, GUARD_BYTE, len + GUARD);
  int peek;
  const char *call;
  int rc = read_call(r, s, kind, len, &cap, &peek, &got, &call);
  chk(r, s, call, rc);
  for (size_t i = cap; i < len + GUARD; i++)
    if (r->scratch[i] != GUARD_BYTE)
      failf(r, s, "%s wrote at offset %zu of a %zu-byte read", call, i, cap);
  if (got == SENTINEL || (rc != TLSWIRE_OK && got != 0))
    failf(r, s, "%s returned %s and reported %zu bytes", call,
          tlswire_status_name(rc), got == SENTINEL ? (size_t)0 : got);
  if (rc == TLSWIRE_OK && (got == 0 || got > cap))
    failf(r, s, "%s returned TLSWIRE_OK with %zu bytes (at most %zu)", call,
          got, cap);
  if (s->zero_seen && rc != TLSWIRE_E_ZERO_RETURN && !is_want(rc))
    failf(r, s, "%s returned %s after close_notify was reported", call,
          tlswire_status_name(rc));
  if (rc == TLSWIRE_OK)
    received(r, s, call, r->scratch, got, peek);
  else if (rc == TLSWIRE_E_ZERO_RETURN)
    zero_returned(r, s, call);
  else
    expect_flow(r, s, call, rc);
}

/* --- handshake and shutdown ----------------------------------------------- */

static void op_handshake(struct run *r, struct side *s) {
  int rc = chk(r, s, "do_handshake", tlswire_conn_do_handshake(s->conn));
  expect_flow(r, s, "do_handshake", rc);
  if (rc == TLSWIRE_OK && !s->hs_done) {
    s->hs_done = 1;
    progress(r);
  }
}

/* shutdown's statuses: 0/1 or flow control. */
static int shutdown_call(struct run *r, struct side *s) {
  int rc = chk(r, s, "shutdown", tlswire_conn_shutdown(s->conn));
  if (rc != 0 && rc != 1 && !is_want(rc))
    failf(r, s, "shutdown failed with %s", tlswire_status_name(rc));
  return rc;
}

static void op_shutdown(struct run *r, struct side *s) {
  struct side *p = peer_of(r, s);
  if (!s->tx_done)
    return;
  /* A second call reads: only once nothing but close_notify can come, so
   * no application data is discarded. */
  if (s->close_sent && !(s->rx_pos == p->log.len && p->tx_done))
    return;
  s->close_called = 1;
  int rc = shutdown_call(r, s);
  if (s->close_done && rc != 1 && rc != TLSWIRE_E_WANT_WRITE)
    failf(r, s, "shutdown returned %s after it had returned 1",
          tlswire_status_name(rc));
  if (rc >= 0 && !s->close_sent) {
    s->close_sent = 1;
    progress(r);
  }
  if (rc == 1 && !s->close_done) {
    s->close_done = 1;
    progress(r);
  }
}

static void op_flush(struct run *r, struct side *s) {
  int rc = chk(r, s, "flush", tlswire_conn_flush(s->conn));
  if (rc != TLSWIRE_OK && rc != TLSWIRE_E_WANT_WRITE)
    failf(r, s, "flush failed with %s", tlswire_status_name(rc));
}

/* --- memory mode: the test is the wire ------------------------------------ */

static int stalled(const struct run *r, const struct side *s) {
  return r->step < s->stall_until;
}

static void op_stall(struct run *r, struct side *s) {
  s->stall_until = r->step + tw_rng_logu(r->rng, 1, 2000);
}

static void consume(struct run *r, struct side *s, const unsigned char *data,
                    size_t avail) {
  size_t n = tw_rng_below(r->rng, 4) ? avail : tw_rng_below(r->rng, avail + 1);
  if (n > 0)
    bytes_append(r, &s->wire, data, n);
  int rc = chk(r, s, "bio_consume", tlswire_conn_bio_consume(s->conn, n));
  if (rc != TLSWIRE_OK)
    failf(r, s, "bio_consume(%zu) after a peek of %zu returned %s", n, avail,
          tlswire_status_name(rc));
  if (n > 0)
    progress(r);
}

/* A held peek pointer must still show the bytes it showed. */
static void release_peek(struct run *r, struct side *s) {
  if (memcmp(s->held_peek, s->held_copy, s->held_len) != 0)
    failf(r, s, "bytes under a held bio_peek pointer changed");
  consume(r, s, s->held_copy, s->held_len);
  free(s->held_copy);
  s->held_copy = NULL;
  s->held_peek = NULL;
  s->held_len = 0;
}

static void op_bio_peek(struct run *r, struct side *s) {
  if (stalled(r, s))
    return;
  if (s->held_peek) {
    release_peek(r, s);
    return;
  }
  const void *data = NULL;
  size_t len = SENTINEL;
  int rc = chk(r, s, "bio_peek", tlswire_conn_bio_peek(s->conn, &data, &len));
  if (rc == TLSWIRE_E_WANT_READ && len == 0)
    return;
  if (rc != TLSWIRE_OK || data == NULL || len == 0 || len == SENTINEL)
    failf(r, s, "bio_peek returned %s with %zu bytes", tlswire_status_name(rc),
          len == SENTINEL ? (size_t)0 : len);
  if (tw_rng_below(r->rng, 100) >= r->cfg->hold_pct) {
    consume(r, s, data, len);
    return;
  }
  s->held_peek = data;
  s->held_len = len;
  s->held_copy = xmalloc(r, len);
  memcpy(s->held_copy, data, len);
}

static void op_bio_read(struct run *r, struct side *s) {
  if (stalled(r, s))
    return;
  if (s->held_peek) { /* bio_read would end the held pointer's life */
    release_peek(r, s);
    return;
  }
  size_t len = tw_rng_logu(r->rng, 1, MAX_READ), n = SENTINEL;
  int rc = chk(r, s, "bio_read",
               tlswire_conn_bio_read(s->conn, r->scratch, len, &n));
  if (rc == TLSWIRE_E_WANT_READ && n == 0)
    return;
  if (rc != TLSWIRE_OK || n == 0 || n > len)
    failf(r, s, "bio_read(%zu) returned %s with %zu bytes", len,
          tlswire_status_name(rc), n == SENTINEL ? (size_t)0 : n);
  bytes_append(r, &s->wire, r->scratch, n);
  progress(r);
}

/* Closes the held window, committing some of the peer's wire into it. */
static void commit_window(struct run *r, struct side *s) {
  struct bytes *wire = &peer_of(r, s)->wire;
  size_t most =
      bytes_live(wire) < s->window_len ? bytes_live(wire) : s->window_len;
  size_t n = s->window_filled +
             tw_rng_below(r->rng, (uint32_t)(most - s->window_filled + 1));
  if (n > s->window_filled)
    memcpy(s->window + s->window_filled,
           wire->p + wire->head + s->window_filled, n - s->window_filled);
  int rc = chk(r, s, "bio_commit", tlswire_conn_bio_commit(s->conn, n));
  if (rc != TLSWIRE_OK)
    failf(r, s, "bio_commit(%zu) into a window of %zu returned %s", n,
          s->window_len, tlswire_status_name(rc));
  bytes_pop(wire, n);
  s->window = NULL;
  s->window_len = s->window_filled = 0;
  if (n > 0)
    progress(r);
}

static void op_bio_window(struct run *r, struct side *s) {
  struct bytes *wire = &peer_of(r, s)->wire;
  if (stalled(r, peer_of(r, s)))
    return;
  if (s->window) {
    commit_window(r, s);
    return;
  }
  void *buf = NULL;
  size_t len = SENTINEL;
  int rc =
      chk(r, s, "bio_window", tlswire_conn_bio_window(s->conn, &buf, &len));
  if (rc == TLSWIRE_E_WANT_WRITE && len == 0)
    return;
  if (rc != TLSWIRE_OK || buf == NULL || len == 0 || len == SENTINEL)
    failf(r, s, "bio_window returned %s with %zu bytes",
          tlswire_status_name(rc), len == SENTINEL ? (size_t)0 : len);
  s->window = buf;
  s->window_len = len;
  /* Sometimes part of the bytes go in now and the rest at commit time. */
  size_t most = bytes_live(wire) < len ? bytes_live(wire) : len;
  s->window_filled = tw_rng_below(r->rng, (uint32_t)(most + 1));
  if (s->window_filled > 0)
    memcpy(s->window, wire->p + wire->head, s->window_filled);
  if (tw_rng_below(r->rng, 100) >= r->cfg->hold_pct)
    commit_window(r, s);
}

static void op_bio_write(struct run *r, struct side *s) {
  struct bytes *wire = &peer_of(r, s)->wire;
  if (stalled(r, peer_of(r, s)))
    return;
  if (s->window) { /* bio_write would end the held window's life */
    commit_window(r, s);
    return;
  }
  if (bytes_live(wire) == 0)
    return;
  size_t len = tw_rng_logu(r->rng, 1, bytes_live(wire)), n = SENTINEL;
  int rc = chk(r, s, "bio_write",
               tlswire_conn_bio_write(s->conn, wire->p + wire->head, len, &n));
  if (rc == TLSWIRE_E_WANT_WRITE && n == 0)
    return;
  if (rc != TLSWIRE_OK || n == 0 || n > len)
    failf(r, s, "bio_write(%zu) returned %s with %zu bytes", len,
          tlswire_status_name(rc), n == SENTINEL ? (size_t)0 : n);
  bytes_pop(wire, n);
  progress(r);
}

/* --- setup ---------------------------------------------------------------- */

static const char *op_names[TW_OP_COUNT] = {
    "send",         "sendall",  "recv",     "recv_peek", "recv_into",
    "do_handshake", "shutdown", "bio_read", "bio_peek",  "bio_write",
    "bio_window",   "stall",    "flush"};

static void ctx_ok(struct run *r, const char *call, int rc) {
  chk(r, NULL, call, rc);
  if (rc != TLSWIRE_OK)
    failf(r, NULL, "%s failed with %s", call, tlswire_status_name(rc));
}

static void ctx_suite(struct run *r, tlswire_context *ctx,
                      const struct suite_def *d) {
  ctx_ok(r, "set_min_proto_version",
         tlswire_context_set_min_proto_version(ctx, d->version));
  ctx_ok(r, "set_max_proto_version",
         tlswire_context_set_max_proto_version(ctx, d->version));
  if (d->tls13)
    ctx_ok(r, "set_tls13_ciphersuites",
           tlswire_context_set_tls13_ciphersuites(ctx, d->cipher));
  else
    ctx_ok(r, "set_cipher_list",
           tlswire_context_set_cipher_list(ctx, d->cipher));
  /* No TLSWIRE_OP_ name for it: the libssl bit, which set_options takes. */
  if (d->no_etm)
    ctx_ok(r, "set_options",
           tlswire_context_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC, NULL));
}

static tlswire_context *ctx_new(struct run *r, int server) {
  const struct suite_def *d = &suites[r->cfg->suite];
  tlswire_context *ctx = NULL;
  ctx_ok(r, "context_new", tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD));
  ctx_suite(r, ctx, d);
  ctx_ok(r, "set_ring_capacity",
         tlswire_context_set_ring_capacity(ctx, r->cfg->ring_capacity));
  if (r->cfg->release_buffers)
    ctx_ok(r, "set_mode",
           tlswire_context_set_mode(ctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL));
  if (!server)
    return ctx;
  const tw_chain *chain = tw_fixture_chain(d->key);
  if (chain == NULL)
    failf(r, NULL, "no fixture certificate");
  ctx_ok(r, "use_certificate",
         tlswire_context_use_certificate(ctx, chain->leaf));
  ctx_ok(r, "use_privatekey",
         tlswire_context_use_privatekey(ctx, chain->leaf_key));
  return ctx;
}

static tlswire_transport *pipe_end_setup(struct run *r, tlswire_transport *t,
                                         int i) {
  ctx_ok(r, "pipe_set_max_chunk",
         tlswire_transport_pipe_set_max_chunk(t, r->cfg->max_chunk[i]));
  ctx_ok(r, "pipe_set_wouldblock_every",
         tlswire_transport_pipe_set_wouldblock_every(t, r->cfg->wouldblock[i]));
  return t;
}

static void conns_new(struct run *r) {
  tlswire_context *cctx = ctx_new(r, 0), *sctx = ctx_new(r, 1);
  tlswire_transport *ct = NULL, *st = NULL;
  if (r->cfg->bound) {
    ctx_ok(r, "transport_pipe_new",
           tlswire_transport_pipe_new(&ct, &st, r->cfg->pipe_capacity));
    pipe_end_setup(r, ct, 0);
    pipe_end_setup(r, st, 1);
  }
  ctx_ok(r, "conn_new", tlswire_conn_new(&r->side[0].conn, cctx, ct));
  ctx_ok(r, "conn_new", tlswire_conn_new(&r->side[1].conn, sctx, st));
  tlswire_context_free(cctx);
  tlswire_context_free(sctx);
  ctx_ok(r, "set_connect_state",
         tlswire_conn_set_connect_state(r->side[0].conn));
  ctx_ok(r, "set_accept_state", tlswire_conn_set_accept_state(r->side[1].conn));
}

static void side_free(struct side *s) {
  tlswire_conn_free(s->conn);
  free(s->log.p);
  free(s->wire.p);
  free(s->offer);
  free(s->peeked);
  free(s->held_copy);
}

/* --- the run ---------------------------------------------------------------
 */

static int pick_op(struct run *r) {
  unsigned total = 0;
  for (int op = 0; op < TW_OP_COUNT; op++)
    total += r->cfg->weight[op];
  unsigned x = tw_rng_below(r->rng, total);
  for (int op = 0; op < TW_OP_COUNT; op++) {
    if (x < r->cfg->weight[op])
      return op;
    x -= r->cfg->weight[op];
  }
  return TW_OP_HANDSHAKE;
}

static void step(struct run *r, struct side *s, int op) {
  switch (op) {
  case TW_OP_SEND:
  case TW_OP_SENDALL:
    op_send(r, s, op == TW_OP_SENDALL);
    break;
  case TW_OP_RECV:
  case TW_OP_RECV_PEEK:
  case TW_OP_RECV_INTO:
    op_recv(r, s, op);
    break;
  case TW_OP_HANDSHAKE:
    op_handshake(r, s);
    break;
  case TW_OP_SHUTDOWN:
    op_shutdown(r, s);
    break;
  case TW_OP_BIO_READ:
    op_bio_read(r, s);
    break;
  case TW_OP_BIO_PEEK:
    op_bio_peek(r, s);
    break;
  case TW_OP_BIO_WRITE:
    op_bio_write(r, s);
    break;
  case TW_OP_BIO_WINDOW:
    op_bio_window(r, s);
    break;
  case TW_OP_STALL:
    op_stall(r, s);
    break;
  case TW_OP_FLUSH:
  default:
    op_flush(r, s);
    break;
  }
}

static int finished(const struct run *r) {
  return r->side[0].zero_seen && r->side[1].zero_seen &&
         r->side[0].close_done && r->side[1].close_done;
}

static void stuck(struct run *r) {
  const struct side *c = &r->side[0], *s = &r->side[1];
  failf(r, NULL,
        "no progress in %d steps: client sent %zu/%zu received %zu "
        "close %d/%d zero %d; server sent %zu/%zu received %zu close %d/%d "
        "zero %d",
        STALL_LIMIT, c->log.len, r->cfg->budget, c->rx_pos, c->close_sent,
        c->close_done, c->zero_seen, s->log.len, r->cfg->budget, s->rx_pos,
        s->close_sent, s->close_done, s->zero_seen);
}

/* Each side negotiated the suite the run asked for. */
static void check_cipher(struct run *r) {
  for (int i = 0; i < 2; i++) {
    const char *name = tlswire_conn_get_cipher_name(r->side[i].conn);
    chk(r, &r->side[i], "get_cipher_name", TLSWIRE_OK);
    if (name == NULL || strcmp(name, suites[r->cfg->suite].cipher) != 0)
      failf(r, &r->side[i], "negotiated %s instead of %s",
            name ? name : "nothing", suites[r->cfg->suite].cipher);
  }
}

void tw_stream_run(const tw_stream_cfg *cfg, tw_rng *rng,
                   tw_stream_fail_fn fail, void *arg) {
  struct run r = {.cfg = cfg, .rng = rng, .fail = fail, .arg = arg};
  r.side[0].name = "client";
  r.side[1].name = "server";
  memset(&where, 0, sizeof where);
  ERR_clear_error();
  r.scratch = xmalloc(&r, MAX_READ + GUARD);
  conns_new(&r);
  while (!finished(&r)) {
    if (r.step - r.last_progress > STALL_LIMIT)
      stuck(&r);
    r.step++;
    struct side *s = &r.side[tw_rng_below(rng, 2)];
    int op = pick_op(&r);
    where.step = r.step;
    where.side = s->name;
    where.op = op_names[op];
    step(&r, s, op);
  }
  where.op = "end";
  check_cipher(&r);
  side_free(&r.side[0]);
  side_free(&r.side[1]);
  free(r.scratch);
}
