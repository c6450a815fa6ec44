/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uart.c - TLS over a serial line, with your own transport.
 *
 * tlswire-example: posix
 *
 * A firmware engineer's UART is a byte stream with no framing: reads return
 * whatever arrived (often a handful of bytes), the FIFO fills up, the driver
 * says "not now". This example stands a pseudo-terminal pair in for the
 * serial line (the slave in raw mode, as a UART driver would configure it)
 * and plugs it into tlswire through a user vtable (tlswire_transport_ops):
 *
 *   - recv reads at most 1 to 64 bytes per call (the size varies, as it
 *     does with a real UART's receive FIFO),
 *   - send writes at most 1 to 64 bytes per call,
 *   - every few calls the driver pretends to be busy and says would-block
 *     (TLSWIRE_E_WANT_READ / WANT_WRITE) without touching the line.
 *
 * A client on the pty's master side and a server on its slave side, in
 * one process, take turns: the client sends 4 KiB, the server echoes each
 * piece as it arrives, both close with close_notify. When neither side can
 * move, the program waits with poll() on both descriptors: where a device
 * would wait for its UART interrupt.
 *
 * Build against an installed tlswire:
 *   cc uart.c $(pkg-config --cflags --libs tlswire libssl libcrypto) -o uart
 * The program takes no arguments and prints TAP ("ok 1 - ...") so `make
 * check` can run it.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* cfmakeraw */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <tlswire/tlswire.h>

enum {
  CHUNK_MAX = 64,        /* the most one UART read or write moves */
  PAYLOAD = 4096,        /* what the client sends and the server echoes */
  WAIT_MS = 1000,        /* one poll() on the line */
  DEADLINE_S = 300       /* the whole run, generous for emulators */
};

/* --- the serial line: a descriptor and a tiny "driver" ---------------- */

struct uart {
  int fd;         /* non-blocking */
  unsigned rng;   /* chunk sizes and busy turns, deterministic per side */
  unsigned calls; /* send + recv calls, for the occasional busy turn */
};

/* A small linear congruential generator: the example needs variety, not
 * quality, and the same run every time. */
static unsigned uart_rand(struct uart *u) {
  u->rng = u->rng * 1103515245u + 12345u;
  return (u->rng >> 16) & 0x7fff;
}

static size_t uart_chunk(struct uart *u, size_t len) {
  size_t n = 1 + uart_rand(u) % CHUNK_MAX;
  return n < len ? n : len;
}

/* Every seventh call or so, the driver is busy (nothing moves). */
static int uart_busy(struct uart *u) {
  return ++u->calls % 7 == 0;
}

static int uart_send(void *io, const void *buf, size_t len, size_t *sent) {
  struct uart *u = io;
  *sent = 0;
  if (uart_busy(u))
    return TLSWIRE_E_WANT_WRITE;
  ssize_t n;
  do
    n = write(u->fd, buf, uart_chunk(u, len));
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK ? TLSWIRE_E_WANT_WRITE
                                                   : TLSWIRE_E_SYSCALL;
  *sent = (size_t)n;
  return TLSWIRE_OK;
}

/* A pty reports the other side's close as EIO: end of file for TLS. */
static int uart_recv(void *io, void *buf, size_t len, size_t *received) {
  struct uart *u = io;
  *received = 0;
  if (uart_busy(u))
    return TLSWIRE_E_WANT_READ;
  ssize_t n;
  do
    n = read(u->fd, buf, uart_chunk(u, len));
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EIO)
    return TLSWIRE_OK;
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK ? TLSWIRE_E_WANT_READ
                                                   : TLSWIRE_E_SYSCALL;
  *received = (size_t)n;
  return TLSWIRE_OK;
}

static void uart_destroy(void *io) {
  struct uart *u = io;
  close(u->fd);
  free(u);
}

static unsigned uart_caps(void *io) {
  (void)io;
  return 0; /* a byte stream, no half-close: a UART has no such thing */
}

static int uart_get_fds(void *io, int *read_fd, int *write_fd) {
  *read_fd = *write_fd = ((struct uart *)io)->fd;
  return TLSWIRE_OK;
}

/* The table must outlive the transports: make it static const. */
static const tlswire_transport_ops uart_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = uart_send,
    .recv = uart_recv,
    .destroy = uart_destroy,
    .caps = uart_caps,
    .get_fds = uart_get_fds,
};

/* A transport over fd, which it closes when freed (also on failure). */
static tlswire_transport *uart_transport(int fd, unsigned seed) {
  struct uart *u = calloc(1, sizeof *u);
  tlswire_transport *t = NULL;
  if (u == NULL) {
    close(fd);
    return NULL;
  }
  u->fd = fd;
  u->rng = seed;
  if (tlswire_transport_new(&t, &uart_ops, u) != TLSWIRE_OK)
    uart_destroy(u);
  return t;
}

/* --- the pseudo-terminal pair ------------------------------------------ */

static int set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Opens the master and the slave, the slave in raw mode (no echo, no line
 * editing, 8 bits through unchanged), both non-blocking. */
static int open_line(int *master, int *slave) {
  struct termios tio;
  *slave = -1;
  *master = posix_openpt(O_RDWR | O_NOCTTY);
  if (*master < 0)
    return -1;
  const char *name = NULL;
  if (grantpt(*master) == 0 && unlockpt(*master) == 0)
    name = ptsname(*master);
  *slave = name != NULL ? open(name, O_RDWR | O_NOCTTY) : -1;
  if (*slave >= 0 && tcgetattr(*slave, &tio) == 0) {
    cfmakeraw(&tio);
    if (tcsetattr(*slave, TCSANOW, &tio) == 0 &&
        set_nonblocking(*master) == 0 && set_nonblocking(*slave) == 0)
      return 0;
  }
  close(*master);
  if (*slave >= 0)
    close(*slave);
  return -1;
}

/* --- driving both ends ---------------------------------------------------- */

static time_t deadline;

static int expired(void) {
  return time(NULL) > deadline;
}

static int would_block(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

/* The two ends of the line, each with its connection. */
struct link {
  tlswire_conn *client, *server;
  int client_fd, server_fd;
};

/* Neither side could move: waits until a line has input, or can take
 * output where a connection has some waiting (its want_write). A busy turn
 * of a driver returns at once: poll sees the line ready. */
static void wait_lines(const struct link *l) {
  struct pollfd p[2] = {{l->client_fd, POLLIN, 0}, {l->server_fd, POLLIN, 0}};
  if (tlswire_conn_want_write(l->client))
    p[0].events |= POLLOUT;
  if (tlswire_conn_want_write(l->server))
    p[1].events |= POLLOUT;
  poll(p, 2, WAIT_MS);
}

/* One handshake step of a side not done yet; 1 when it moved or finished,
 * 0 when it would block, -1 on failure. */
static int handshake_step(tlswire_conn *conn, int *done) {
  if (*done)
    return 0;
  int rc = tlswire_conn_do_handshake(conn);
  *done = rc == TLSWIRE_OK;
  return rc == TLSWIRE_OK ? 1 : would_block(rc) ? 0 : -1;
}

static int handshake(const struct link *l) {
  int client_done = 0, server_done = 0;
  while (!(client_done && server_done) && !expired()) {
    int c = handshake_step(l->client, &client_done);
    int s = handshake_step(l->server, &server_done);
    if (c < 0 || s < 0)
      return -1;
    if (c == 0 && s == 0)
      wait_lines(l);
  }
  return client_done && server_done ? 0 : -1;
}

/* How far the echo has come. */
struct echo {
  const unsigned char *out; /* what the client sends */
  unsigned char *mid;       /* what the server received, to send back */
  unsigned char *in;        /* what came back to the client */
  size_t sent, heard, echoed, back;
};

/* Adds n to *count on TLSWIRE_OK; 1 when bytes moved, 0 when the call would
 * block, -1 on failure. */
static int moved(int rc, size_t n, size_t *count) {
  if (rc == TLSWIRE_OK) {
    *count += n;
    return n > 0;
  }
  return would_block(rc) ? 0 : -1;
}

/* One round of all four transfers; the sum of moved(), or -1. */
static int echo_round(const struct link *l, struct echo *e) {
  size_t n = 0;
  int rc, c1, s1, s2, c2;
  rc = e->sent < PAYLOAD ? tlswire_conn_send(l->client, e->out + e->sent,
                                             PAYLOAD - e->sent, &n)
                         : tlswire_conn_flush(l->client);
  c1 = moved(rc, n, &e->sent);
  n = 0;
  rc = e->heard < PAYLOAD ? tlswire_conn_recv(l->server, e->mid + e->heard,
                                              PAYLOAD - e->heard, &n)
                          : TLSWIRE_E_WANT_READ;
  s1 = moved(rc, n, &e->heard);
  n = 0;
  rc = e->echoed < e->heard ? tlswire_conn_send(l->server, e->mid + e->echoed,
                                                e->heard - e->echoed, &n)
                            : tlswire_conn_flush(l->server);
  s2 = moved(rc, n, &e->echoed);
  n = 0;
  rc = tlswire_conn_recv(l->client, e->in + e->back, PAYLOAD - e->back, &n);
  c2 = moved(rc, n, &e->back);
  if (c1 < 0 || s1 < 0 || s2 < 0 || c2 < 0)
    return -1;
  return c1 + s1 + s2 + c2;
}

/* The client sends PAYLOAD bytes, the server echoes each piece as it
 * arrives, the client reads the echo: all at once, as a UART's small
 * buffers require. */
static int echo(const struct link *l, const unsigned char *out,
                unsigned char *in) {
  static unsigned char mid[PAYLOAD];
  struct echo e = {out, mid, in, 0, 0, 0, 0};
  while (e.back < PAYLOAD && !expired()) {
    int progress = echo_round(l, &e);
    if (progress < 0)
      return -1;
    if (progress == 0)
      wait_lines(l);
  }
  return e.back == PAYLOAD ? 0 : -1;
}

/* Pushes out what the line has not taken yet. */
static int flush_all(const struct link *l, tlswire_conn *conn) {
  int rc;
  while ((rc = tlswire_conn_flush(conn)) == TLSWIRE_E_WANT_WRITE && !expired())
    wait_lines(l);
  return rc;
}

/* Reads on conn until it stops with something other than would-block. */
static int recv_end(const struct link *l, tlswire_conn *conn) {
  unsigned char buf[64];
  size_t n;
  int rc;
  while (!expired()) {
    rc = tlswire_conn_recv(conn, buf, sizeof buf, &n);
    if (!would_block(rc) && rc != TLSWIRE_OK)
      return rc;
    if (rc != TLSWIRE_OK)
      wait_lines(l);
  }
  return TLSWIRE_E_WANT_READ;
}

/* conn sends close_notify: TLSWIRE_OK once it has left. */
static int close_notify(const struct link *l, tlswire_conn *conn) {
  int rc;
  while (would_block(rc = tlswire_conn_shutdown(conn)) && !expired())
    wait_lines(l);
  return rc >= 0 ? flush_all(l, conn) : rc;
}

/* --- a throwaway self-signed certificate --------------------------------- */

static X509 *make_certificate(EVP_PKEY *key) {
  X509 *cert = X509_new();
  X509_NAME *name = X509_NAME_new();
  int ok =
      cert != NULL && name != NULL && X509_set_version(cert, 2) &&
      ASN1_INTEGER_set(X509_get_serialNumber(cert), 14) &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 (const unsigned char *)"uart.example", -1, -1,
                                 0) &&
      X509_set_subject_name(cert, name) && X509_set_issuer_name(cert, name) &&
      X509_gmtime_adj(X509_getm_notBefore(cert), -600) &&
      X509_gmtime_adj(X509_getm_notAfter(cert), 86400) &&
      X509_set_pubkey(cert, key) && X509_sign(cert, key, EVP_sha256());
  X509_NAME_free(name);
  if (!ok) {
    X509_free(cert);
    return NULL;
  }
  return cert;
}

/* --- the two connections, one per end of the line ----------------------- */

static tlswire_conn *server_conn(int fd, EVP_PKEY *key, X509 *cert) {
  tlswire_context *ctx = NULL;
  tlswire_conn *conn = NULL;
  tlswire_transport *t = uart_transport(fd, 0x5e77e7u);
  int ok = tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD) == TLSWIRE_OK &&
           tlswire_context_use_certificate(ctx, cert) == TLSWIRE_OK &&
           tlswire_context_use_privatekey(ctx, key) == TLSWIRE_OK && t != NULL;
  if (ok && tlswire_conn_new(&conn, ctx, t) == TLSWIRE_OK)
    tlswire_conn_set_accept_state(conn);
  else if (!ok)
    tlswire_transport_free(t); /* tlswire_conn_new frees it itself */
  tlswire_context_free(ctx);  /* the connection keeps it */
  return conn;
}

static tlswire_conn *client_conn(int fd, X509 *cert) {
  tlswire_context *ctx = NULL;
  tlswire_conn *conn = NULL;
  tlswire_transport *t = uart_transport(fd, 0xc1137u);
  int ok = tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD) == TLSWIRE_OK &&
           X509_STORE_add_cert(tlswire_context_get_cert_store(ctx), cert) ==
               1 &&
           tlswire_context_set_verify(ctx, TLSWIRE_VERIFY_PEER, NULL, NULL) ==
               TLSWIRE_OK &&
           t != NULL;
  if (ok && tlswire_conn_new(&conn, ctx, t) == TLSWIRE_OK)
    tlswire_conn_set_connect_state(conn);
  else if (!ok)
    tlswire_transport_free(t); /* tlswire_conn_new frees it itself */
  tlswire_context_free(ctx);  /* the connection keeps it */
  return conn;
}

/* --- TAP ------------------------------------------------------------------ */

static int test_number, failures;

static void check(int ok, const char *what) {
  printf("%s %d - %s\n", ok ? "ok" : "not ok", ++test_number, what);
  failures += !ok;
}

static void session(const struct link *l) {
  static unsigned char out[PAYLOAD], in[PAYLOAD];
  for (size_t i = 0; i < PAYLOAD; i++)
    out[i] = (unsigned char)(i * 7 + i / 251);
  check(handshake(l) == 0, "handshake over the serial line");
  const char *version = tlswire_conn_get_protocol_version_name(l->client);
  check(version != NULL && strcmp(version, "TLSv1.3") == 0, "TLS 1.3");
  check(echo(l, out, in) == 0,
        "4 KiB sent and echoed back, 1 to 64 bytes per read");
  check(memcmp(in, out, PAYLOAD) == 0, "the echo matches");
  check(close_notify(l, l->client) == TLSWIRE_OK, "client sends close_notify");
  check(recv_end(l, l->server) == TLSWIRE_E_ZERO_RETURN,
        "server sees the clean close");
  check(close_notify(l, l->server) == TLSWIRE_OK, "server answers it");
  check(recv_end(l, l->client) == TLSWIRE_E_ZERO_RETURN,
        "client sees the server's close_notify");
}

static void run(EVP_PKEY *key, X509 *cert) {
  int master = -1, slave = -1;
  check(open_line(&master, &slave) == 0,
        "a pseudo-terminal pair, the slave in raw mode");
  if (master < 0)
    return;
  /* The connections own the descriptors from here on. */
  struct link l = {client_conn(master, cert), server_conn(slave, key, cert),
                   master, slave};
  check(l.client != NULL && l.server != NULL,
        "client on the master side, server on the slave side");
  if (l.client != NULL && l.server != NULL)
    session(&l);
  tlswire_conn_free(l.client); /* closes the descriptors */
  tlswire_conn_free(l.server);
}

int main(void) {
  enum { PLANNED = 10 };
  printf("1..%d\n", PLANNED);
  deadline = time(NULL) + DEADLINE_S;
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *cert = key != NULL ? make_certificate(key) : NULL;
  if (cert == NULL) {
    printf("Bail out! cannot make a key and certificate\n");
    return 1;
  }
  run(key, cert);
  X509_free(cert);
  EVP_PKEY_free(key);
  return failures == 0 && test_number == PLANNED ? 0 : 1;
}
