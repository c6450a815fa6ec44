/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench.c - tlswire against raw libssl doing the identical work in the same
 * process, with the same certificates (a CA -> intermediate -> leaf chain;
 * the client verifies the chain and the host name on both sides).
 *
 * Usage:
 *   tlswire-bench [--rounds N] [--only TEXT]
 *     wall clock: every round runs both sides, raw first in even rounds and
 *     tlswire first in odd ones; each row reports the median, min and max of
 *     the per-round ratios raw cost / tlswire cost (time, or heap bytes), so
 *     1.00 is parity and above 1.00 means tlswire is faster or lighter. The
 *     rates beside it are the medians of each side's own figures.
 *   tlswire-bench --callgrind [--only TEXT]
 *     the instruction table, the gate: every row's side runs in its own
 *     process under valgrind --tool=callgrind --toggle-collect=bench_measured
 *     with the same fixed number of operations, so the totals compare; the
 *     ratio is raw instructions / tlswire instructions.
 *   tlswire-bench --list     the rows
 *   tlswire-bench --one ROW --side raw|tlswire --ops N [--certs DIR]
 *     one side of one row, run once through bench_measured (what --callgrind
 *     starts under valgrind, with DIR holding the chains it generated).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <tlswire/tlswire.h>

#include "bench.h"

extern char **environ;

unsigned char bench_data[65536], bench_sink[65536];

#define T13 TLS1_3_VERSION
#define T12 TLS1_2_VERSION
#define EC TW_KEY_EC_P256
#define RSA TW_KEY_RSA2048
#define AES128 "TLS_AES_128_GCM_SHA256"
#define AES256 "TLS_AES_256_GCM_SHA384"
#define CHACHA "TLS_CHACHA20_POLY1305_SHA256"

/* name, kind, base, key, version, suite, release, size, wall ops, cg ops,
 * pairs */
static const struct bench_row rows[] = {
    {"handshake TLS 1.3 ECDSA P-256", KIND_HANDSHAKE, BASE_ZC, EC, T13, AES128,
     0, 0, 200, 10, 0},
    {"handshake TLS 1.3 RSA 2048", KIND_HANDSHAKE, BASE_ZC, RSA, T13, AES128, 0,
     0, 100, 10, 0},
    {"handshake TLS 1.2 ECDSA P-256", KIND_HANDSHAKE, BASE_ZC, EC, T12,
     "ECDHE-ECDSA-AES128-GCM-SHA256", 0, 0, 200, 10, 0},
    {"handshake TLS 1.2 RSA 2048", KIND_HANDSHAKE, BASE_ZC, RSA, T12,
     "ECDHE-RSA-AES128-GCM-SHA256", 0, 0, 100, 10, 0},
    {"resumed TLS 1.3 (ticket)", KIND_RESUME, BASE_ZC, EC, T13, AES128, 0, 0,
     400, 20, 0},
    {"bulk AES-128-GCM, copying vs BIO_s_mem", KIND_BULK, BASE_COPY, EC, T13,
     AES128, 0, 0, 4096, 256, 0},
    {"bulk AES-128-GCM, zero-copy vs BIO pair", KIND_BULK, BASE_ZC, EC, T13,
     AES128, 0, 0, 4096, 256, 0},
    {"bulk AES-256-GCM, copying vs BIO_s_mem", KIND_BULK, BASE_COPY, EC, T13,
     AES256, 0, 0, 4096, 256, 0},
    {"bulk AES-256-GCM, zero-copy vs BIO pair", KIND_BULK, BASE_ZC, EC, T13,
     AES256, 0, 0, 4096, 256, 0},
    {"bulk ChaCha20, copying vs BIO_s_mem", KIND_BULK, BASE_COPY, EC, T13,
     CHACHA, 0, 0, 4096, 256, 0},
    {"bulk ChaCha20, zero-copy vs BIO pair", KIND_BULK, BASE_ZC, EC, T13,
     CHACHA, 0, 0, 4096, 256, 0},
    {"bulk AES-128-GCM, socket vs SSL_set_fd", KIND_BULK, BASE_SOCK, EC, T13,
     AES128, 0, 0, 4096, 256, 0},
    {"ping-pong 64 B, zero-copy vs BIO pair", KIND_PING, BASE_ZC, EC, T13,
     AES128, 0, 64, 20000, 2000, 0},
    {"ping-pong 1 KiB, zero-copy vs BIO pair", KIND_PING, BASE_ZC, EC, T13,
     AES128, 0, 1024, 20000, 2000, 0},
    {"ping-pong 64 B, copying vs BIO_s_mem", KIND_PING, BASE_COPY, EC, T13,
     AES128, 0, 64, 20000, 2000, 0},
    {"ping-pong 64 B, RELEASE_BUFFERS", KIND_PING, BASE_ZC, EC, T13, AES128, 1,
     64, 20000, 2000, 0},
    {"ping-pong 1 KiB, RELEASE_BUFFERS", KIND_PING, BASE_ZC, EC, T13, AES128, 1,
     1024, 20000, 2000, 0},
    {"ping-pong 64 B, socket vs SSL_set_fd", KIND_PING, BASE_SOCK, EC, T13,
     AES128, 0, 64, 5000, 1000, 0},
    {"ping-pong 1 KiB, socket vs SSL_set_fd", KIND_PING, BASE_SOCK, EC, T13,
     AES128, 0, 1024, 5000, 1000, 0},
    {"concurrent: 1 pair, 64 B round-robin", KIND_CONC, BASE_COPY, EC, T13,
     AES128, 0, 64, 20000, 2000, 1},
    {"concurrent: 100 conns, 64 B round-robin", KIND_CONC, BASE_COPY, EC, T13,
     AES128, 0, 64, 20000, 2000, 50},
    {"concurrent: 1,000 conns, 64 B round-robin", KIND_CONC, BASE_COPY, EC,
     T13, AES128, 0, 64, 20000, 2000, 500},
    {"memory: idle established", KIND_MEM_IDLE, BASE_COPY, EC, T13, AES128, 0,
     0, 0, 0, 0},
    {"memory: idle, RELEASE_BUFFERS", KIND_MEM_IDLE, BASE_COPY, EC, T13, AES128,
     1, 0, 0, 0, 0},
    {"memory: handshake peak", KIND_MEM_PEAK, BASE_COPY, EC, T13, AES128, 0, 0,
     0, 0, 0},
    {"memory: idle after traffic", KIND_MEM_AFTER, BASE_COPY, EC, T13, AES128,
     0, 0, 0, 0, 0},
    {"memory: after traffic, RELEASE_BUFFERS", KIND_MEM_AFTER, BASE_COPY, EC,
     T13, AES128, 1, 0, 0, 0, 0},
    {"memory: after traffic, 1 pair", KIND_MEM_AFTER, BASE_COPY, EC, T13,
     AES128, 0, 0, 0, 0, 1},
    {"memory: after traffic, 100 conns", KIND_MEM_AFTER, BASE_COPY, EC, T13,
     AES128, 0, 0, 0, 0, 50},
};
#define NROWS (int)(sizeof rows / sizeof rows[0])

/* --- helpers shared with raw.c and tw.c --------------------------------- */

/* --quick: a tiny run (a smoke test of the table, not a measurement). */
static int quick;

int bench_pairs(const struct bench_row *row) {
  int pairs = row->pairs > 0 ? row->pairs : BENCH_MEM_PAIRS;
  if (row->kind == KIND_MEM_PEAK)
    pairs = 20;
  return quick && pairs > 4 ? 4 : pairs;
}

_Noreturn void bench_die(const char *what) {
  fprintf(stderr, "bench: %s failed\n", what);
  exit(1);
}

/* "bench" when run as `tlswire bench`: the children of --callgrind are
 * started as `<program> bench --one ...`. */
static const char *subcommand;

/* Set by --certs: the children of --callgrind load the parent's chains
 * instead of generating keys (RSA generation is slow under valgrind). */
static const char *certs_dir;

static const char *key_name(tw_key_type key) {
  return key == TW_KEY_RSA2048 ? "rsa" : "ec";
}

static FILE *cert_file(tw_key_type key, const char *what, const char *mode) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s-%s.pem", certs_dir, key_name(key), what);
  FILE *f = fopen(path, mode);
  if (f == NULL)
    bench_die(path);
  return f;
}

static X509 *cert_read(tw_key_type key, const char *what) {
  FILE *f = cert_file(key, what, "r");
  X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  if (x == NULL)
    bench_die("reading a certificate");
  return x;
}

static void cert_write(tw_key_type key, const char *what, X509 *x) {
  FILE *f = cert_file(key, what, "w");
  if (PEM_write_X509(f, x) != 1)
    bench_die("writing a certificate");
  fclose(f);
}

/* Writes the CA, intermediate, leaf and leaf key of chain key to certs_dir. */
static void chain_save(tw_key_type key) {
  const tw_chain *ch = tw_fixture_chain(key);
  if (ch == NULL)
    bench_die("certificates");
  cert_write(key, "ca", ch->ca);
  cert_write(key, "int", ch->intermediate);
  cert_write(key, "leaf", ch->leaf);
  FILE *f = cert_file(key, "key", "w");
  if (PEM_write_PrivateKey(f, ch->leaf_key, NULL, NULL, 0, NULL, NULL) != 1)
    bench_die("writing a key");
  fclose(f);
}

/* The members the benchmark uses, read back from certs_dir; kept until exit. */
static const tw_chain *chain_load(tw_key_type key) {
  static tw_chain loaded[2];
  tw_chain *ch = &loaded[key == TW_KEY_RSA2048];
  if (ch->leaf != NULL)
    return ch;
  ch->ca = cert_read(key, "ca");
  ch->intermediate = cert_read(key, "int");
  ch->leaf = cert_read(key, "leaf");
  FILE *f = cert_file(key, "key", "r");
  ch->leaf_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  if (ch->leaf_key == NULL)
    bench_die("reading a key");
  return ch;
}

const tw_chain *bench_chain(tw_key_type key) {
  if (certs_dir != NULL)
    return chain_load(key);
  const tw_chain *ch = tw_fixture_chain(key);
  if (ch == NULL)
    bench_die("certificates");
  return ch;
}

size_t bench_heap(void) { return mallinfo2().uordblks; }

void bench_peak(size_t *peak) {
  if (peak == NULL)
    return;
  size_t now = bench_heap();
  if (now > *peak)
    *peak = now;
}

static void bench_socket_tune(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
    bench_die("socket options");
}

void bench_tcp_pair(int fds[2]) {
  struct sockaddr_in a = {.sin_family = AF_INET};
  socklen_t len = sizeof a;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int l = socket(AF_INET, SOCK_STREAM, 0);
  if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(l, 1) != 0 || getsockname(l, (struct sockaddr *)&a, &len) != 0)
    bench_die("loopback listener");
  fds[0] = socket(AF_INET, SOCK_STREAM, 0);
  if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&a, sizeof a) != 0)
    bench_die("loopback connect");
  fds[1] = accept(l, NULL, NULL);
  if (fds[1] < 0)
    bench_die("loopback accept");
  close(l);
  bench_socket_tune(fds[0]);
  bench_socket_tune(fds[1]);
}

void bench_wait_readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  if (poll(&p, 1, 1000) != 1)
    bench_die("poll (the peer sent nothing)");
}

/* --- measuring ---------------------------------------------------------- */

/* The only function callgrind counts: called through a volatile pointer so
 * the compiler neither inlines nor clones it. */
static void bench_measured(const struct bench_side *side, void *state,
                           long ops) {
  side->run(state, ops);
}
static void (*volatile measured)(const struct bench_side *, void *,
                                 long) = bench_measured;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Operations per wall-clock round: a few with --quick. */
static long wall_ops(const struct bench_row *row) {
  long ops = quick ? row->wall_ops / 500 : row->wall_ops;
  return ops > 2 ? ops : 2;
}

/* One side of a row: seconds for wall_ops(row) operations, or bytes per
 * connection for a memory row. */
static double bench_cost(const struct bench_side *side,
                         const struct bench_row *row) {
  if (row->kind >= KIND_MEM_IDLE)
    return side->memory(row);
  void *state = side->setup(row);
  double t0 = now();
  measured(side, state, wall_ops(row));
  double t = now() - t0;
  side->teardown(state);
  return t;
}

/* The figure shown for one side: a rate for timed rows, bytes otherwise. */
static double bench_figure(const struct bench_row *row, double cost) {
  switch (row->kind) {
  case KIND_BULK:
    return (double)wall_ops(row) * BENCH_RECORD / (1 << 20) / cost;
  case KIND_HANDSHAKE:
  case KIND_RESUME:
  case KIND_PING:
  case KIND_CONC:
    return (double)wall_ops(row) / cost;
  default:
    return cost;
  }
}

static const char *bench_unit(const struct bench_row *row) {
  switch (row->kind) {
  case KIND_BULK:
    return "MiB/s";
  case KIND_HANDSHAKE:
  case KIND_RESUME:
    return "handshakes/s";
  case KIND_PING:
  case KIND_CONC:
    return "round trips/s";
  default:
    return "bytes/conn";
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorts v and returns its median. */
static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_ROUNDS 99

static void wall_row(const struct bench_row *row, int rounds) {
  double raw[MAX_ROUNDS], tw[MAX_ROUNDS], ratio[MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    if (r % 2 == 0) {
      raw[r] = bench_cost(&bench_raw, row);
      tw[r] = bench_cost(&bench_tw, row);
    } else {
      tw[r] = bench_cost(&bench_tw, row);
      raw[r] = bench_cost(&bench_raw, row);
    }
    ratio[r] = raw[r] / tw[r];
    raw[r] = bench_figure(row, raw[r]);
    tw[r] = bench_figure(row, tw[r]);
  }
  double raw_mid = median(raw, rounds), tw_mid = median(tw, rounds);
  if (raw_mid <= 0 || tw_mid <= 0) { /* e.g. heap rows under a sanitizer */
    printf("%-42s %10s %10s %-13s %5s  %5s  %5s\n", row->name, "-", "-",
           bench_unit(row), "n/a", "n/a", "n/a");
    fflush(stdout);
    return;
  }
  double mid = median(ratio, rounds);
  printf("%-42s %10.1f %10.1f %-13s %5.3f  %5.3f  %5.3f\n", row->name,
         median(raw, rounds), median(tw, rounds), bench_unit(row), mid,
         ratio[0], ratio[rounds - 1]);
  fflush(stdout);
}

static int bench_wall(int rounds, const char *only) {
  printf("tlswire %s against %s; %d rounds, the order of the two sides "
         "swapped every round\n",
         tlswire_version(), OpenSSL_version(OPENSSL_VERSION), rounds);
  printf("ratio = raw cost / tlswire cost per round (time, or heap bytes): "
         ">= 1.00 means tlswire is as fast or as light\n");
  printf("%-42s %10s %10s %-13s %5s  %5s  %5s\n", "row", "raw", "tlswire",
         "unit", "ratio", "min", "max");
  for (int i = 0; i < NROWS; i++)
    if (strstr(rows[i].name, only) != NULL)
      wall_row(&rows[i], rounds);
  return 0;
}

/* --- callgrind ------------------------------------------------------------ */

static int bench_one(int index, const char *side_name, long ops) {
  const struct bench_side *side =
      strcmp(side_name, "raw") == 0 ? &bench_raw : &bench_tw;
  if (index < 0 || index >= NROWS || rows[index].kind >= KIND_MEM_IDLE ||
      ops <= 0 ||
      (strcmp(side_name, "raw") != 0 && strcmp(side_name, "tlswire") != 0)) {
    fprintf(stderr,
            "bench: --one wants a timed row, raw|tlswire and ops > 0\n");
    return 2;
  }
  void *state = side->setup(&rows[index]);
  measured(side, state, ops);
  side->teardown(state);
  return 0;
}

/* Starts `self --one index --side side --ops ops` under callgrind, writing
 * its profile to out; returns the child's pid. */
static pid_t cg_start(const char *self, int index, const char *side, long ops,
                      const char *out) {
  char idx[16], n[32], outopt[PATH_MAX + 32];
  snprintf(idx, sizeof idx, "%d", index);
  snprintf(n, sizeof n, "%ld", ops);
  snprintf(outopt, sizeof outopt, "--callgrind-out-file=%s", out);
  static char vg[] = "valgrind", tool[] = "--tool=callgrind",
              quiet[] = "--quiet", toggle[] = "--toggle-collect=bench_measured",
              o_one[] = "--one", o_side[] = "--side", o_ops[] = "--ops";
  char side_arg[16], self_arg[PATH_MAX];
  snprintf(side_arg, sizeof side_arg, "%s", side);
  snprintf(self_arg, sizeof self_arg, "%s", self);
  static char o_certs[] = "--certs", o_sub[] = "bench";
  char dir_arg[PATH_MAX];
  snprintf(dir_arg, sizeof dir_arg, "%s", certs_dir);
  char *argv[] = {vg,     tool,     quiet, toggle,  outopt,  self_arg,
                  o_sub,  o_one,    idx,   o_side,  side_arg, o_ops,
                  n,      o_certs,  dir_arg, NULL};
  if (subcommand == NULL) /* tlswire-bench itself: no subcommand */
    memmove(&argv[6], &argv[7], 9 * sizeof argv[0]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int err = posix_spawnp(&pid, "valgrind", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) {
    fprintf(stderr, "bench: cannot start valgrind: %s\n", strerror(err));
    exit(1);
  }
  return pid;
}

/* The instruction total of a callgrind profile ("totals:" line). */
static double cg_total(const char *path) {
  FILE *f = fopen(path, "r");
  char line[256];
  double total = -1;
  if (f == NULL)
    bench_die("reading the callgrind profile");
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "totals:", 7) == 0 || strncmp(line, "summary:", 8) == 0)
      total = strtod(strchr(line, ':') + 1, NULL);
  fclose(f);
  unlink(path);
  if (total <= 0)
    bench_die("callgrind profile without a total");
  return total;
}

static void cg_wait(pid_t pid) {
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0)
    bench_die("a side under callgrind");
}

static void cg_row(const char *self, const char *dir, int index) {
  const struct bench_row *row = &rows[index];
  char raw_out[PATH_MAX], tw_out[PATH_MAX];
  snprintf(raw_out, sizeof raw_out, "%s/raw.%d", dir, index);
  snprintf(tw_out, sizeof tw_out, "%s/tw.%d", dir, index);
  pid_t a = cg_start(self, index, "raw", row->cg_ops, raw_out);
  pid_t b = cg_start(self, index, "tlswire", row->cg_ops, tw_out);
  cg_wait(a);
  cg_wait(b);
  double raw = cg_total(raw_out), tw = cg_total(tw_out);
  printf("%-42s %6ld %14.0f %14.0f %12.0f %12.0f %7.4f\n", row->name,
         row->cg_ops, raw, tw, raw / (double)row->cg_ops,
         tw / (double)row->cg_ops, raw / tw);
  fflush(stdout);
}

static void certs_cleanup(const char *dir) {
  static const char *const what[] = {"ca", "int", "leaf", "key"};
  char path[PATH_MAX];
  for (int k = 0; k < 2; k++)
    for (int w = 0; w < 4; w++) {
      snprintf(path, sizeof path, "%s/%s-%s.pem", dir,
               key_name(k ? TW_KEY_RSA2048 : TW_KEY_EC_P256), what[w]);
      unlink(path);
    }
  rmdir(dir);
}

/* 1 when valgrind is an executable file in a directory of PATH. */
static int valgrind_found(void) {
  const char *path = getenv("PATH");
  char dir[PATH_MAX], file[PATH_MAX + 16];
  while (path != NULL && *path != '\0') {
    size_t len = strcspn(path, ":");
    snprintf(dir, sizeof dir, "%.*s", (int)len, len ? path : ".");
    snprintf(file, sizeof file, "%s/valgrind", dir);
    if (access(file, X_OK) == 0)
      return 1;
    path += len + (path[len] == ':');
  }
  return 0;
}

/* Without valgrind: the exact command for one row's side, to run by hand. */
static int callgrind_missing(const char *self) {
  fprintf(stderr,
          "bench: valgrind not found in PATH: no instruction table.\n"
          "Install valgrind (Debian: apt-get install valgrind) and run "
          "again, or measure one row's side by hand, for example:\n"
          "  valgrind --tool=callgrind --toggle-collect=bench_measured "
          "%s%s --one 0 --side raw --ops 10\n"
          "  valgrind --tool=callgrind --toggle-collect=bench_measured "
          "%s%s --one 0 --side tlswire --ops 10\n"
          "and divide the two \"summary:\" totals (%s --list names the "
          "rows).\n",
          self, subcommand ? " bench" : "", self, subcommand ? " bench" : "",
          self);
  return 1;
}

static int bench_callgrind(const char *only) {
  char self[PATH_MAX], dir[] = "/tmp/tlswire-bench-XXXXXX";
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    bench_die("finding the benchmark program");
  self[n] = '\0';
  if (!valgrind_found())
    return callgrind_missing(self);
  if (mkdtemp(dir) == NULL)
    bench_die("making a temporary directory");
  certs_dir = dir;
  chain_save(TW_KEY_EC_P256);
  chain_save(TW_KEY_RSA2048);
  printf("tlswire %s against %s: instructions under callgrind "
         "(--toggle-collect=bench_measured), fixed operation counts\n",
         tlswire_version(), OpenSSL_version(OPENSSL_VERSION));
  printf("ratio = raw instructions / tlswire instructions: >= 1.00 means "
         "tlswire runs no more instructions than raw libssl\n");
  printf("%-42s %6s %14s %14s %12s %12s %7s\n", "row", "ops", "raw Ir",
         "tlswire Ir", "raw Ir/op", "tlswire/op", "ratio");
  for (int i = 0; i < NROWS; i++)
    if (rows[i].kind < KIND_MEM_IDLE && strstr(rows[i].name, only) != NULL)
      cg_row(self, dir, i);
  certs_cleanup(dir);
  return 0;
}

/* --- command line ----------------------------------------------------------
 */

static const char *arg_value(int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    fprintf(stderr, "bench: %s needs a value\n", argv[*i]);
    exit(2);
  }
  return argv[++*i];
}

static long arg_number(const char *s, long lo, long hi) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0' || end == s || v < lo || v > hi) {
    fprintf(stderr, "bench: %s is not a number from %ld to %ld\n", s, lo, hi);
    exit(2);
  }
  return v;
}

/* Prints the usage to stdout and exits 0 (--help), or to stderr with 2. */
static int usage(int status) {
  const char *me = subcommand ? "tlswire bench" : "tlswire-bench";
  fprintf(status ? stderr : stdout,
          "usage: %s [--rounds N] [--only TEXT] [--quick]\n"
          "       %s --callgrind [--only TEXT]\n"
          "       %s --list\n"
          "       %s --one ROW --side raw|tlswire --ops N [--certs DIR]\n"
          "tlswire against raw libssl doing the same work in this process.\n"
          "  (default)    wall clock: both sides every round, the order "
          "swapped\n"
          "               each round; median, min and max of the per-round\n"
          "               ratios raw cost / tlswire cost (>= 1: tlswire as "
          "fast\n"
          "               or as light)\n"
          "  --quick      a tiny run in a few seconds (checks the table, "
          "measures\n"
          "               nothing)\n"
          "  --callgrind  the instruction table (the figures that repeat): "
          "each\n"
          "               row's two sides run again under valgrind\n"
          "               --tool=callgrind; without valgrind, prints the "
          "command\n"
          "               to run by hand\n"
          "  --only TEXT  only the rows whose name contains TEXT\n",
          me, me, me, me);
  return status;
}

static int list_rows(void) {
  for (int i = 0; i < NROWS; i++)
    printf("%2d  %s\n", i, rows[i].name);
  return 0;
}

int bench_main(int argc, char **argv) {
  int rounds = 5, one = -1, callgrind = 0;
  long ops = 0;
  const char *only = "", *side = "";
  if (argc > 0 && strcmp(argv[0], "bench") == 0)
    subcommand = argv[0];
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rounds") == 0)
      rounds = (int)arg_number(arg_value(argc, argv, &i), 1, MAX_ROUNDS);
    else if (strcmp(argv[i], "--only") == 0)
      only = arg_value(argc, argv, &i);
    else if (strcmp(argv[i], "--quick") == 0)
      quick = 1;
    else if (strcmp(argv[i], "--callgrind") == 0)
      callgrind = 1;
    else if (strcmp(argv[i], "--list") == 0)
      return list_rows();
    else if (strcmp(argv[i], "--one") == 0)
      one = (int)arg_number(arg_value(argc, argv, &i), 0, NROWS - 1);
    else if (strcmp(argv[i], "--side") == 0)
      side = arg_value(argc, argv, &i);
    else if (strcmp(argv[i], "--certs") == 0)
      certs_dir = arg_value(argc, argv, &i);
    else if (strcmp(argv[i], "--ops") == 0)
      ops = arg_number(arg_value(argc, argv, &i), 1, 1L << 30);
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return usage(0);
    else {
      fprintf(stderr, "bench: unknown option '%s'\n", argv[i]);
      return usage(2);
    }
  }
  memset(bench_data, 'x', sizeof bench_data);
  if (quick)
    rounds = 1;
  if (one >= 0)
    return bench_one(one, side, ops);
  if (callgrind)
    return bench_callgrind(only);
  return bench_wall(rounds, only);
}
