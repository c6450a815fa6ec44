/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream.h - the stream-integrity property run shared by tests/check_stream.c
 * and fuzz/fuzz_stream.c.
 *
 * A run builds a client and a server (memory mode, or both bound to a pipe
 * transport pair with faults), then makes random public calls on both until
 * a byte budget has moved each way, and closes with shutdown both ways. Every
 * byte a send reports as accepted is appended to that direction's log; every
 * byte received must equal the log at its position (exactly once, in order,
 * nothing beyond it), a failing call must report no bytes, and OpenSSL's
 * thread error queue must be empty after every public call. The first
 * violation goes to the caller's fail function, which must not return.
 *
 * Only the public API (<tlswire/tlswire.h>) is used.
 */
#ifndef TLSWIRE_TESTS_STREAM_H
#define TLSWIRE_TESTS_STREAM_H

#include <stddef.h>
#include <stdint.h>

/* --- the source of choices ----------------------------------------------- */

/* Choices come from data (a fuzz input) while it lasts, then from a
 * deterministic PRNG; content of offered buffers always comes from the
 * PRNG. */
typedef struct tw_rng {
  uint64_t state;
  const uint8_t *data;
  size_t len, pos;
} tw_rng;

/* Seeds r; data (len bytes, may be NULL) is borrowed for r's lifetime. */
void tw_rng_seed(tw_rng *r, uint64_t seed, const uint8_t *data, size_t len);
/* A choice in [0, n) (0 when n <= 1). */
uint32_t tw_rng_below(tw_rng *r, uint32_t n);
/* A length in [lo, hi], log-uniform (every power of two equally likely). */
size_t tw_rng_logu(tw_rng *r, size_t lo, size_t hi);
/* len PRNG bytes into buf (never from data). */
void tw_rng_fill(tw_rng *r, void *buf, size_t len);

/* --- what a run does ------------------------------------------------------ */

/* The operations a step picks from, each with a per-run weight. */
enum tw_stream_op {
  TW_OP_SEND,       /* send */
  TW_OP_SENDALL,    /* sendall */
  TW_OP_RECV,       /* recv */
  TW_OP_RECV_PEEK,  /* recv_peek, checked against the next recv */
  TW_OP_RECV_INTO,  /* recv_into, with or without TLSWIRE_MSG_PEEK */
  TW_OP_HANDSHAKE,  /* do_handshake */
  TW_OP_SHUTDOWN,   /* shutdown, once the side has sent its budget */
  TW_OP_BIO_READ,   /* memory: bio_read into the test's wire */
  TW_OP_BIO_PEEK,   /* memory: bio_peek + bio_consume, maybe held */
  TW_OP_BIO_WRITE,  /* memory: bio_write from the wire */
  TW_OP_BIO_WINDOW, /* memory: bio_window + bio_commit, maybe held */
  TW_OP_STALL,      /* memory: leave one direction unpumped a while */
  TW_OP_FLUSH,      /* bound: flush */
  TW_OP_COUNT
};

/* The protocol and cipher suites a run can use. */
enum tw_stream_suite {
  TW_SUITE_TLS13_AES128_GCM,
  TW_SUITE_TLS13_CHACHA20,
  TW_SUITE_TLS13_AES256_GCM,
  TW_SUITE_ECDHE_ECDSA_AES128_GCM,
  TW_SUITE_ECDHE_ECDSA_CHACHA20,
  TW_SUITE_RSA_AES128_SHA,       /* CBC, encrypt-then-MAC off: multiblock */
  TW_SUITE_RSA_AES256_SHA,       /* CBC, encrypt-then-MAC off: multiblock */
  TW_SUITE_ECDHE_RSA_AES128_SHA, /* CBC, encrypt-then-MAC off */
  TW_SUITE_COUNT
};

typedef struct tw_stream_cfg {
  int bound;              /* 0 memory mode, 1 pipe transport pair */
  int suite;              /* enum tw_stream_suite */
  size_t ring_capacity;   /* tlswire_context_set_ring_capacity */
  int release_buffers;    /* TLSWIRE_MODE_RELEASE_BUFFERS on both */
  size_t pipe_capacity;   /* bound: bytes per pipe direction */
  size_t max_chunk[2];    /* bound: per end (client, server); 0 off */
  unsigned wouldblock[2]; /* bound: every Nth transport call; 0 off */
  size_t budget;          /* bytes each direction must carry at least */
  size_t max_offer;       /* longest ordinary offer */
  unsigned big_pct;       /* % of offers of 64..256 KiB */
  unsigned hold_pct;      /* % of peeks/windows held across other calls */
  unsigned weight[TW_OP_COUNT];
} tw_stream_cfg;

/* The suite's name as printed in messages. */
const char *tw_stream_suite_name(int suite);

/* Picks every field of cfg from r; suite and bound are picked too when
 * negative. small: budgets and offers for a quick run. */
void tw_stream_cfg_pick(tw_stream_cfg *cfg, tw_rng *r, int small, int suite,
                        int bound);

/* Picks the operation weights from r for cfg->bound (operations of the
 * other mode get 0). */
void tw_stream_cfg_weights(tw_stream_cfg *cfg, tw_rng *r);

/* A one-line description of cfg into buf (always NUL-terminated). */
void tw_stream_describe(const tw_stream_cfg *cfg, char *buf, size_t len);

/* Called with a description of the first violation; must not return. */
typedef void (*tw_stream_fail_fn)(void *arg, const char *msg);

/* Runs one configuration to its end (both logs delivered, both
 * close_notify seen), calling fail on any violation. */
void tw_stream_run(const tw_stream_cfg *cfg, tw_rng *r, tw_stream_fail_fn fail,
                   void *arg);

/* Where the current run is ("step N client send"), for a crash handler:
 * a static buffer, overwritten by every step. */
const char *tw_stream_where(void);

#endif /* TLSWIRE_TESTS_STREAM_H */
