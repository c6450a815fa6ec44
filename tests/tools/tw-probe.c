/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/tools/tw-probe.c - loopback clients that put `tlswire server` under
 * the conditions its tests need, all from one poll() loop of non-blocking
 * tlswire connections (public API only). Prints what it saw on stdout and
 * exits 0 when every check held, 1 otherwise, 2 on bad arguments.
 *
 *   tw-probe load PORT CAFILE N BYTES
 *       N clients at once, each sending BYTES random bytes and checking that
 *       exactly those come back, then closing with close_notify.
 *   tw-probe idle PORT CAFILE N LIMIT_MS DROP_S
 *       N bare TCP connections that never speak, and one client that
 *       completes its handshake and then idles; then a normal client must
 *       be served (handshake, 1 KiB echoed) within LIMIT_MS, and all the
 *       idle ones must be dropped by the server within DROP_S seconds (the
 *       handshaked one with close_notify). Prints when each group ended.
 *   tw-probe hold PORT CAFILE N WAIT_S
 *       N clients complete their handshake and idle; prints "ready", then
 *       waits up to WAIT_S seconds for each to receive close_notify.
 *   tw-probe badrecord PORT
 *       sends a malformed handshake record followed by 64 KiB more, then
 *       reads: the server's alert must arrive, followed by an orderly end of
 *       stream (no connection reset).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/rand.h>

#include <tlswire/tlswire.h>

#define PROBE_DEADLINE_MS 120000 /* nothing in a test may take longer */
#define CHUNK 16384

enum { P_HANDSHAKE, P_ECHO, P_SHUTDOWN, P_IDLE, P_DONE, P_FAILED };

typedef struct probe {
  tlswire_conn *conn;
  int fd, state;
  unsigned char *tx;
  size_t len, sent, got;
  int64_t ended_ms;
  int close_notify; /* the server's close_notify arrived */
} probe;

static int port;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

static int fcntl_nonblock(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* A connected TCP socket to 127.0.0.1:port, or -1. */
static int tcp_connect(void) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
    return fd;
  perror("connect");
  if (fd >= 0)
    close(fd);
  return -1;
}

static tlswire_context *client_ctx(const char *cafile) {
  tlswire_context *ctx = NULL;

  if (tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD) != TLSWIRE_OK ||
      tlswire_context_load_verify_locations(ctx, cafile, NULL) != TLSWIRE_OK ||
      tlswire_context_set_verify(ctx, TLSWIRE_VERIFY_PEER, NULL, NULL) !=
          TLSWIRE_OK) {
    fprintf(stderr, "cannot make the client context with %s\n", cafile);
    tlswire_context_free(ctx);
    return NULL;
  }
  return ctx;
}

/* A client connection on a new non-blocking socket; len random bytes to
 * echo (0: none). 0 or -1. */
static int probe_open(probe *p, tlswire_context *ctx, size_t len) {
  tlswire_transport *t;
  int fd = tcp_connect();

  *p = (probe){.fd = -1, .len = len};
  if (fd < 0 || fcntl_nonblock(fd) != 0)
    return -1;
  if (tlswire_transport_socket_new(&t, fd, TLSWIRE_TRANSPORT_CLOSE) != 0 ||
      tlswire_conn_new(&p->conn, ctx, t) != TLSWIRE_OK ||
      tlswire_conn_set_server_name(p->conn, "localhost") != TLSWIRE_OK)
    return -1;
  tlswire_conn_set_connect_state(p->conn);
  p->fd = fd;
  if (len > 0 && ((p->tx = malloc(len)) == NULL ||
                  RAND_bytes(p->tx, (int)len) != 1))
    return -1;
  return 0;
}

static void probe_fail(probe *p, const char *what, int rc) {
  fprintf(stderr, "client fd %d: %s: %s: %s\n", p->fd, what,
          tlswire_status_name(rc),
          tlswire_error_message(tlswire_conn_last_error(p->conn)));
  p->state = P_FAILED;
  p->ended_ms = now_ms();
}

/* Sends and receives what it can: 1 on progress, 0 to wait. */
static int echo_turn(probe *p) {
  unsigned char buf[CHUNK];
  size_t n, want;
  int rc, progress = 0;

  if (p->sent < p->len) {
    want = p->len - p->sent < CHUNK ? p->len - p->sent : CHUNK;
    rc = tlswire_conn_send(p->conn, p->tx + p->sent, want, &n);
    if (rc == TLSWIRE_OK) {
      p->sent += n;
      progress = 1;
    } else if (!is_want(rc)) {
      probe_fail(p, "send", rc);
      return 0;
    }
  }
  rc = tlswire_conn_recv(p->conn, buf, sizeof buf, &n);
  if (rc == TLSWIRE_OK) {
    if (p->got + n > p->len || memcmp(buf, p->tx + p->got, n) != 0) {
      fprintf(stderr, "client fd %d: echo differs at byte %zu\n", p->fd,
              p->got);
      p->state = P_FAILED;
      return 0;
    }
    p->got += n;
    if (p->got == p->len)
      p->state = P_SHUTDOWN;
    return 1;
  }
  if (!is_want(rc))
    probe_fail(p, "receive", rc);
  return progress;
}

static void shutdown_turn(probe *p) {
  int rc;

  while ((rc = tlswire_conn_shutdown(p->conn)) == 0) {
  }
  if (rc == 1) {
    p->state = P_DONE;
    p->close_notify = 1;
    p->ended_ms = now_ms();
  } else if (!is_want(rc)) {
    probe_fail(p, "shutdown", rc);
  }
}

/* An idle client waits for the server to end the connection. */
static void idle_turn(probe *p) {
  unsigned char buf[256];
  size_t n;
  int rc = tlswire_conn_recv(p->conn, buf, sizeof buf, &n);

  if (is_want(rc))
    return;
  p->state = P_DONE;
  p->ended_ms = now_ms();
  p->close_notify = rc == TLSWIRE_E_ZERO_RETURN;
  if (rc == TLSWIRE_OK)
    probe_fail(p, "idle client received data", rc);
}

static void probe_step(probe *p) {
  int rc;

  if (p->state == P_HANDSHAKE) {
    rc = tlswire_conn_do_handshake(p->conn);
    if (rc == TLSWIRE_OK)
      p->state = p->len > 0 ? P_ECHO : P_IDLE;
    else if (!is_want(rc))
      probe_fail(p, "handshake", rc);
  }
  while (p->state == P_ECHO && echo_turn(p)) {
  }
  if (p->state == P_SHUTDOWN)
    shutdown_turn(p);
  if (p->state == P_IDLE && tlswire_conn_get_protocol_version(p->conn) > 0)
    idle_turn(p);
}

static int probe_active(const probe *p) {
  return p->state != P_DONE && p->state != P_FAILED;
}

/* Runs the probes until none is active, or only idle ones when stop_idle,
 * or the deadline. Returns the number still active. */
static size_t run(probe *ps, size_t n, int stop_idle, int64_t deadline) {
  struct pollfd *pfd = calloc(n, sizeof *pfd);
  size_t active;

  for (size_t i = 0; i < n; i++)
    probe_step(&ps[i]);
  for (;;) {
    active = 0;
    for (size_t i = 0; i < n; i++) {
      probe *p = &ps[i];
      int busy = probe_active(p) && !(stop_idle && p->state == P_IDLE);
      pfd[i].fd = probe_active(p) ? p->fd : -1;
      pfd[i].events =
          POLLIN | (tlswire_conn_want_write(p->conn) == 1 ? POLLOUT : 0);
      active += busy;
    }
    if (active == 0 || now_ms() >= deadline)
      break;
    if (poll(pfd, n, (int)(deadline - now_ms())) < 0 && errno != EINTR)
      break;
    for (size_t i = 0; i < n; i++)
      if (pfd[i].fd >= 0 && pfd[i].revents != 0)
        probe_step(&ps[i]);
  }
  free(pfd);
  return active;
}

static void probes_free(probe *ps, size_t n) {
  for (size_t i = 0; i < n; i++) {
    tlswire_conn_free(ps[i].conn);
    free(ps[i].tx);
  }
}

/* Opens n probes, each echoing len bytes. 0 or -1. */
static int probes_open(probe *ps, size_t n, tlswire_context *ctx, size_t len) {
  for (size_t i = 0; i < n; i++)
    if (probe_open(&ps[i], ctx, len) != 0) {
      fprintf(stderr, "cannot open client %zu\n", i);
      return -1;
    }
  return 0;
}

static size_t count_state(const probe *ps, size_t n, int state) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += ps[i].state == state;
  return k;
}

/* ------------------------------------------------------------------ modes */

static int mode_load(tlswire_context *ctx, size_t n, size_t len) {
  probe *ps = calloc(n, sizeof *ps);
  int64_t t0 = now_ms();
  size_t done = 0;

  if (ps != NULL && probes_open(ps, n, ctx, len) == 0) {
    run(ps, n, 0, t0 + PROBE_DEADLINE_MS);
    for (size_t i = 0; i < n; i++)
      done += ps[i].state == P_DONE && ps[i].got == len;
  }
  printf("%zu of %zu clients echoed %zu bytes each and closed cleanly "
         "in %.2f s\n",
         done, n, len, (double)(now_ms() - t0) / 1000);
  if (ps != NULL)
    probes_free(ps, n);
  free(ps);
  return done == n ? 0 : 1;
}

/* Waits until every bare socket of fds is closed by the server (end of
 * stream or reset), or the deadline; their end times into ended. */
static size_t bare_wait(const int *fds, int64_t *ended, size_t n,
                        int64_t deadline) {
  struct pollfd pfd[1024];
  size_t open_n = n;
  char c;

  for (size_t i = 0; i < n; i++)
    pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
  while (open_n > 0 && now_ms() < deadline) {
    if (poll(pfd, n, (int)(deadline - now_ms())) < 0 && errno != EINTR)
      break;
    for (size_t i = 0; i < n; i++) {
      if (pfd[i].fd < 0 || pfd[i].revents == 0)
        continue;
      if (recv(pfd[i].fd, &c, 1, MSG_DONTWAIT) > 0)
        continue; /* the server never speaks first; ignore */
      ended[i] = now_ms();
      pfd[i].fd = -1;
      open_n--;
    }
  }
  return open_n;
}

static int64_t max_of(const int64_t *v, size_t n) {
  int64_t m = 0;
  for (size_t i = 0; i < n; i++)
    m = v[i] > m ? v[i] : m;
  return m;
}

static int mode_idle(tlswire_context *ctx, size_t n, long limit_ms,
                     long drop_s) {
  int fds[1024];
  int64_t ended[1024] = {0}, t0 = now_ms(), t1, served_ms;
  probe idler, normal;
  size_t left;
  int ok = 1;

  for (size_t i = 0; i < n; i++)
    if ((fds[i] = tcp_connect()) < 0)
      return 1;
  if (probe_open(&idler, ctx, 0) != 0 || run(&idler, 1, 1, t0 + 30000) != 0 ||
      idler.state != P_IDLE) {
    fprintf(stderr, "the idle client did not complete its handshake\n");
    return 1;
  }
  t1 = now_ms();
  if (probe_open(&normal, ctx, 1024) != 0)
    return 1;
  run(&normal, 1, 0, t1 + PROBE_DEADLINE_MS);
  served_ms = now_ms() - t1;
  ok = normal.state == P_DONE && normal.got == 1024;
  printf("normal client served in %lld ms (limit %ld ms): %s\n",
         (long long)served_ms, limit_ms, ok ? "echoed" : "FAILED");
  ok = ok && served_ms <= limit_ms;
  run(&idler, 1, 0, t0 + drop_s * 1000);
  left = bare_wait(fds, ended, n, t0 + drop_s * 1000);
  printf("%zu of %zu bare connections dropped, the last after %.2f s\n",
         n - left, n, (double)(max_of(ended, n) - t0) / 1000);
  printf("handshaked idle client ended after %.2f s, %s\n",
         (double)(idler.ended_ms - t0) / 1000,
         idler.close_notify ? "with close_notify" : "WITHOUT close_notify");
  ok = ok && left == 0 && idler.close_notify;
  for (size_t i = 0; i < n; i++)
    close(fds[i]);
  probes_free(&idler, 1);
  probes_free(&normal, 1);
  return ok ? 0 : 1;
}

static int mode_hold(tlswire_context *ctx, size_t n, long wait_s) {
  probe *ps = calloc(n, sizeof *ps);
  int64_t t0 = now_ms();
  size_t idle = 0, notified = 0;

  if (ps != NULL && probes_open(ps, n, ctx, 0) == 0) {
    run(ps, n, 1, t0 + 30000);
    idle = count_state(ps, n, P_IDLE);
    printf("ready: %zu of %zu clients idle after their handshake\n", idle, n);
    fflush(stdout);
    run(ps, n, 0, now_ms() + wait_s * 1000);
    for (size_t i = 0; i < n; i++)
      notified += ps[i].close_notify;
  }
  printf("%zu of %zu clients received close_notify\n", notified, n);
  if (ps != NULL)
    probes_free(ps, n);
  free(ps);
  return idle == n && notified == n ? 0 : 1;
}

/* A handshake record whose ClientHello is cut short, then 64 KiB more. */
static int send_bad_record(int fd) {
  static const unsigned char bad[] = {0x16, 0x03, 0x01, 0x00, 0x08, 0x01,
                                      0x00, 0x00, 0x40, 0x03, 0x03, 0xde,
                                      0xad};
  unsigned char more[65536];

  memset(more, 0x5a, sizeof more);
  if (send(fd, bad, sizeof bad, MSG_NOSIGNAL) != (ssize_t)sizeof bad)
    return -1;
  for (size_t off = 0; off < sizeof more;) {
    ssize_t k = send(fd, more + off, sizeof more - off, MSG_NOSIGNAL);
    if (k <= 0)
      return -1;
    off += (size_t)k;
  }
  return 0;
}

static int mode_badrecord(void) {
  unsigned char buf[4096], first = 0;
  size_t total = 0;
  ssize_t k;
  int fd = tcp_connect();
  struct timeval tv = {.tv_sec = 30};

  if (fd < 0 || send_bad_record(fd) != 0) {
    perror("sending the bad record");
    return 1;
  }
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while ((k = recv(fd, buf, sizeof buf, 0)) > 0) {
    if (total == 0)
      first = buf[0];
    total += (size_t)k;
  }
  printf("received %zu bytes, first record type %d (21 is an alert), "
         "then %s\n",
         total, first, k == 0 ? "end of stream" : strerror(errno));
  close(fd);
  return total >= 7 && first == 21 && k == 0 ? 0 : 1;
}

static int usage(void) {
  fprintf(stderr, "usage: tw-probe load|idle|hold|badrecord PORT ...\n");
  return 2;
}

static int dispatch(int argc, char **argv, tlswire_context *ctx) {
  if (strcmp(argv[1], "load") == 0 && argc == 6)
    return mode_load(ctx, strtoul(argv[4], NULL, 10),
                     strtoul(argv[5], NULL, 10));
  if (strcmp(argv[1], "idle") == 0 && argc == 7 && atoi(argv[4]) <= 1000)
    return mode_idle(ctx, strtoul(argv[4], NULL, 10), atol(argv[5]),
                     atol(argv[6]));
  if (strcmp(argv[1], "hold") == 0 && argc == 6)
    return mode_hold(ctx, strtoul(argv[4], NULL, 10), atol(argv[5]));
  return usage();
}

int main(int argc, char **argv) {
  tlswire_context *ctx;
  int ex;

  if (argc < 3 || (port = atoi(argv[2])) <= 0 || port > 65535)
    return usage();
  if (strcmp(argv[1], "badrecord") == 0)
    return mode_badrecord();
  if (argc < 4 || (ctx = client_ctx(argv[3])) == NULL)
    return usage();
  ex = dispatch(argc, argv, ctx);
  tlswire_context_free(ctx);
  return ex;
}
