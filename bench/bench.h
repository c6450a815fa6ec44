/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench.h - the benchmark's rows and the interface both sides implement.
 *
 * A row is one workload under one configuration. Each side (raw libssl,
 * tlswire) sets the row up, runs a fixed number of operations in
 * bench_measured() (the only function counted under callgrind), and tears
 * it down. Both sides use the same certificates, the same verification and
 * the same OpenSSL in one process.
 */
#ifndef TLSWIRE_BENCH_H
#define TLSWIRE_BENCH_H

#include <stddef.h>

#include "certs.h"

/* How ciphertext travels between the two ends of a pair. */
enum bench_base {
  BASE_COPY, /* raw: BIO_s_mem + BIO_read/BIO_write; tlswire: bio_read/write */
  BASE_ZC,   /* raw: BIO pair + BIO_nread/nwrite; tlswire: peek/window */
  BASE_SOCK  /* raw: SSL_set_fd; tlswire: tlswire_transport_socket_new */
};

enum bench_kind {
  KIND_HANDSHAKE, /* one op: a full handshake, new pair to freed pair */
  KIND_RESUME,    /* one op: a resumed handshake */
  KIND_BULK,      /* one op: one 16 KiB record, client to server */
  KIND_PING,      /* one op: a round trip of `size` bytes each way */
  KIND_CONC,      /* one op: a round trip of `size` bytes on the next of
                     `pairs` established pairs, round-robin */
  KIND_MEM_IDLE,  /* heap per idle established connection */
  KIND_MEM_PEAK,  /* heap peak per connection during the handshake */
  KIND_MEM_AFTER  /* heap per idle connection after traffic */
};

struct bench_row {
  const char *name;
  enum bench_kind kind;
  enum bench_base base;
  tw_key_type key;
  int version;       /* TLS1_2_VERSION or TLS1_3_VERSION */
  const char *suite; /* TLS 1.3 suite, or a TLS 1.2 cipher string */
  int release;       /* MODE_RELEASE_BUFFERS on both contexts */
  size_t size;       /* ping-pong message size */
  long wall_ops;     /* operations per wall-clock round */
  long cg_ops;       /* operations under callgrind */
  int pairs;         /* KIND_CONC and memory rows: pairs (0: default) */
};

#define BENCH_RECORD 16384 /* plaintext bytes per bulk operation */
#define BENCH_HOST "server.test"
#define BENCH_MEM_PAIRS 500 /* memory rows: 1,000 connections */

/* Pairs a memory or concurrency row sets up (fewer with --quick). */
int bench_pairs(const struct bench_row *row);

/* The benchmark's command line (bench.c): the tlswire-bench program's
 * main, and `tlswire bench` (argv[0] "bench": the children it starts
 * under callgrind are then `<program> bench ...`). Returns the exit
 * status: 0, 1 on failure, 2 on a usage error. */
int bench_main(int argc, char **argv);

/* One side of the comparison. */
struct bench_side {
  const char *name;
  /* Contexts, and for bulk and ping-pong an established pair. */
  void *(*setup)(const struct bench_row *row);
  /* The measured work: ops operations of the row. */
  void (*run)(void *state, long ops);
  void (*teardown)(void *state);
  /* Memory rows: bytes per connection. */
  double (*memory)(const struct bench_row *row);
};

extern const struct bench_side bench_raw, bench_tw;

/* Shared helpers (bench.c). */
_Noreturn void bench_die(const char *what);
const tw_chain *bench_chain(tw_key_type key);
/* A connected, non-blocking TCP pair over 127.0.0.1 with TCP_NODELAY. */
void bench_tcp_pair(int fds[2]);
/* Waits (poll, up to 1 s) until fd is readable. */
void bench_wait_readable(int fd);
/* Heap bytes in use now (glibc mallinfo2). */
size_t bench_heap(void);
/* With peak not NULL: raises *peak to the heap in use now, if higher. */
void bench_peak(size_t *peak);
/* The bulk and ping-pong payload (64 KiB) and a sink of the same size. */
extern unsigned char bench_data[65536], bench_sink[65536];

#endif /* TLSWIRE_BENCH_H */
