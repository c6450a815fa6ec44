/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poll_server.c - one thread, one poll() loop, many TLS connections.
 *
 * A non-blocking loopback TCP listener and eight clients, every connection
 * a tlswire connection bound to a socket transport. The loop knows nothing
 * of TLS: it asks each connection what it waits for
 * (tlswire_conn_get_wait: events, descriptors, a timeout), poll()s, and
 * calls the connections whose descriptors are ready again. Each client
 * sends 16 KiB, the server echoes it, the client checks every byte and
 * closes.
 *
 * Build against an installed tlswire (the certificate code uses OpenSSL
 * directly, so link it too):
 *   cc poll_server.c $(pkg-config --cflags --libs tlswire libssl libcrypto) -o poll_server
 * The program prints TAP so `make check` can run it.
 * tlswire-example: posix
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <tlswire/tlswire.h>

#define CLIENTS 8
#define ECHO_BYTES 16384
#define MAX_CONNS (2 * CLIENTS + 1)

/* --- a throwaway self-signed certificate ---------------------------------- */

static X509 *self_signed(EVP_PKEY *key) {
  X509 *cert = X509_new();
  X509_NAME *name = X509_NAME_new();
  int ok = cert != NULL && name != NULL && X509_set_version(cert, 2) &&
           ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      (const unsigned char *)"poll.demo", -1,
                                      -1, 0) &&
           X509_set_subject_name(cert, name) &&
           X509_set_issuer_name(cert, name) &&
           X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
           X509_gmtime_adj(X509_getm_notAfter(cert), 3600) &&
           X509_set_pubkey(cert, key) && X509_sign(cert, key, EVP_sha256());
  X509_NAME_free(name);
  if (!ok) {
    X509_free(cert);
    return NULL;
  }
  return cert;
}

/* --- TAP ------------------------------------------------------------------ */

static int test_number, failures;

static void check(int ok, const char *what) {
  printf("%s %d - %s\n", ok ? "ok" : "not ok", ++test_number, what);
  failures += !ok;
}

/* --- the connections ------------------------------------------------------ */

enum role { LISTENER, CLIENT, SERVER };

struct peer {
  tlswire_conn *conn;
  enum role role;
  int handshaken, closing, done, failed;
  unsigned char buf[ECHO_BYTES]; /* client: what came back; server: echo */
  size_t sent, got, pending;
};

static struct peer peers[MAX_CONNS];
static int npeers;
static unsigned char pattern[ECHO_BYTES];

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

static void nonblocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* A status that is neither OK nor a would-block ends the connection. */
static int failed(struct peer *p, int rc) {
  if (rc == TLSWIRE_OK || is_want(rc))
    return 0;
  fprintf(stderr, "# connection failed: %s\n", tlswire_strerror(rc));
  p->failed = p->done = 1;
  return 1;
}

/* Closing: send close_notify, then only push out what is left. */
static void start_close(struct peer *p) {
  p->closing = 1;
  tlswire_conn_shutdown(p->conn);
}

/* The client: send the pattern, read the echo back, compare, close. Each
 * pass makes every call that can progress; the last one's would-block is
 * what get_wait reports. */
static void client_step(struct peer *p) {
  int progress = 1;
  while (progress && !p->closing) {
    progress = 0;
    size_t n = 0;
    int rc = TLSWIRE_OK;
    if (p->sent < ECHO_BYTES) {
      rc = tlswire_conn_send(p->conn, pattern + p->sent,
                             ECHO_BYTES - p->sent, &n);
      p->sent += n;
      progress |= n > 0;
    }
    if (failed(p, rc))
      return;
    rc = tlswire_conn_recv(p->conn, p->buf + p->got, ECHO_BYTES - p->got, &n);
    if (failed(p, rc))
      return;
    p->got += n;
    progress |= n > 0;
    if (p->got == ECHO_BYTES)
      start_close(p);
  }
}

/* The server side: read into the buffer, write it back; the client's
 * close_notify ends it. */
static void server_step(struct peer *p) {
  int progress = 1;
  while (progress && !p->closing) {
    progress = 0;
    size_t n = 0;
    int rc = tlswire_conn_recv(p->conn, p->buf + p->pending,
                               sizeof p->buf - p->pending, &n);
    if (rc == TLSWIRE_E_ZERO_RETURN) {
      start_close(p);
      return;
    }
    if (failed(p, rc))
      return;
    p->pending += n;
    progress |= n > 0;
    if (p->pending == 0)
      continue;
    rc = tlswire_conn_send(p->conn, p->buf, p->pending, &n);
    if (failed(p, rc))
      return;
    memmove(p->buf, p->buf + n, p->pending - n);
    p->pending -= n;
    progress |= n > 0;
  }
}

static void add_peer(tlswire_conn *conn, enum role role) {
  memset(&peers[npeers], 0, sizeof peers[npeers]);
  peers[npeers].conn = conn;
  peers[npeers].role = role;
  npeers++;
}

/* Accepts every pending connection (non-blocking listener). */
static void listener_step(struct peer *l) {
  tlswire_conn *conn;
  while (npeers < MAX_CONNS &&
         tlswire_conn_accept(l->conn, &conn, NULL, NULL) == TLSWIRE_OK) {
    nonblocking(tlswire_conn_fileno(conn));
    add_peer(conn, SERVER);
  }
}

/* One call of whatever the connection is doing. */
static void step(struct peer *p) {
  if (p->done)
    return;
  if (p->role == LISTENER) {
    listener_step(p);
    return;
  }
  if (p->closing) { /* the close_notify still has to leave */
    int rc = tlswire_conn_flush(p->conn);
    if (rc == TLSWIRE_OK)
      p->done = 1;
    else
      failed(p, rc);
    return;
  }
  if (!p->handshaken) {
    int rc = tlswire_conn_do_handshake(p->conn);
    if (failed(p, rc) || rc != TLSWIRE_OK)
      return;
    p->handshaken = 1;
  }
  if (p->role == CLIENT)
    client_step(p);
  else
    server_step(p);
}

/* --- the loop --------------------------------------------------------------*/

static int all_done(void) {
  int clients = 0;
  for (int i = 0; i < npeers; i++) {
    if (peers[i].role != LISTENER && !peers[i].done)
      return 0;
    clients += peers[i].role == CLIENT;
  }
  return npeers == MAX_CONNS && clients == CLIENTS;
}

static short poll_events(const tlswire_wait *w, int read_side) {
  short ev = 0;
  if ((w->events & TLSWIRE_WAIT_READ) && read_side)
    ev |= POLLIN;
  if ((w->events & TLSWIRE_WAIT_WRITE) && !read_side)
    ev |= POLLOUT;
  return ev;
}

/* What to poll for peer i (one entry per descriptor); returns the
 * connection's timeout, -1 for none; *now is set when it must be called
 * again without waiting. */
static int want_of(int i, struct pollfd *fds, int *owner, nfds_t *n, int *now) {
  tlswire_wait w;
  if (peers[i].done || tlswire_conn_get_wait(peers[i].conn, &w) != TLSWIRE_OK)
    return -1;
  if (w.events == 0) /* not waiting for anything: call it again now */
    *now = 1;
  int fd[2] = {w.read_fd, w.write_fd};
  for (int side = 0; side < 2; side++) {
    short ev = poll_events(&w, side == 0);
    if (ev != 0 && fd[side] >= 0) {
      fds[*n] = (struct pollfd){.fd = fd[side], .events = ev};
      owner[(*n)++] = i;
    }
  }
  return w.timeout_ms;
}

static int min_timeout(int a, int b) {
  if (a < 0)
    return b;
  return b < 0 || a < b ? a : b;
}

/* Polls what every connection waits for and calls the ready ones again.
 * Returns 0 when the loop stalled (nothing ready for 10 s, no timer). */
static int loop_once(void) {
  struct pollfd fds[2 * MAX_CONNS];
  int owner[2 * MAX_CONNS], now = 0, timeout = -1;
  nfds_t n = 0;
  for (int i = 0; i < npeers; i++)
    timeout = min_timeout(timeout, want_of(i, fds, owner, &n, &now));
  int ready = poll(fds, n, now ? 0 : timeout >= 0 ? timeout : 10000);
  if (ready == 0 && !now && timeout < 0)
    return 0;
  int stepped[MAX_CONNS] = {0};
  for (nfds_t k = 0; k < n; k++)
    if (fds[k].revents != 0 && !stepped[owner[k]]++)
      step(&peers[owner[k]]);
  for (int i = 0; i < npeers; i++)
    if (!stepped[i] && (now || timeout == 0))
      step(&peers[i]);
  return 1;
}

/* --- setting up ------------------------------------------------------------*/

static int listen_loopback(struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  socklen_t len = sizeof *addr;
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 ||
      listen(fd, CLIENTS) != 0 ||
      getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  nonblocking(fd);
  return fd;
}

/* A connection over a new socket transport (which owns fd). */
static tlswire_conn *bound_conn(tlswire_context *ctx, int fd) {
  tlswire_transport *t;
  tlswire_conn *conn = NULL;
  if (tlswire_transport_socket_new(&t, fd, TLSWIRE_TRANSPORT_CLOSE) ==
      TLSWIRE_OK)
    tlswire_conn_new(&conn, ctx, t); /* takes t, also on failure */
  return conn;
}

/* A client: connect (blocking: loopback answers at once), then
 * non-blocking for the loop. */
static int add_client(tlswire_context *ctx, const struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  tlswire_conn *conn = fd >= 0 ? bound_conn(ctx, fd) : NULL;
  if (conn == NULL)
    return 0;
  if (tlswire_conn_connect(conn, (const struct sockaddr *)addr,
                           sizeof *addr) != TLSWIRE_OK) {
    tlswire_conn_free(conn);
    return 0;
  }
  nonblocking(fd);
  add_peer(conn, CLIENT);
  return 1;
}

static int make_contexts(tlswire_context **sctx, tlswire_context **cctx,
                         EVP_PKEY *key, X509 *cert) {
  return tlswire_context_new(sctx, TLSWIRE_TLS_METHOD) == TLSWIRE_OK &&
         tlswire_context_use_certificate(*sctx, cert) == TLSWIRE_OK &&
         tlswire_context_use_privatekey(*sctx, key) == TLSWIRE_OK &&
         tlswire_context_new(cctx, TLSWIRE_TLS_METHOD) == TLSWIRE_OK &&
         X509_STORE_add_cert(tlswire_context_get_cert_store(*cctx), cert) ==
             1 &&
         tlswire_context_set_verify(*cctx, TLSWIRE_VERIFY_PEER, NULL, NULL) ==
             TLSWIRE_OK;
}

static void report(void) {
  int c = 0, servers_ok = 0, servers = 0;
  char what[80];
  for (int i = 0; i < npeers; i++) {
    const struct peer *p = &peers[i];
    if (p->role == CLIENT) {
      snprintf(what, sizeof what, "client %d: %d bytes echoed intact", ++c,
               ECHO_BYTES);
      check(!p->failed && p->got == ECHO_BYTES &&
                memcmp(p->buf, pattern, ECHO_BYTES) == 0,
            what);
    } else if (p->role == SERVER) {
      servers++;
      servers_ok += p->done && !p->failed;
    }
  }
  check(servers == CLIENTS && servers_ok == CLIENTS,
        "every server side saw its client's close_notify");
}

static void run(tlswire_context *sctx, tlswire_context *cctx) {
  struct sockaddr_in addr;
  int lfd = listen_loopback(&addr);
  tlswire_conn *listener = lfd >= 0 ? bound_conn(sctx, lfd) : NULL;
  check(listener != NULL, "non-blocking loopback listener");
  if (listener == NULL)
    return;
  add_peer(listener, LISTENER);
  int clients = 0;
  for (int i = 0; i < CLIENTS; i++)
    clients += add_client(cctx, &addr);
  check(clients == CLIENTS, "eight clients connected");
  int rounds = 0;
  while (!all_done() && rounds++ < 100000 && loop_once())
    ;
  check(all_done(), "one poll() loop served every connection");
  report();
  for (int i = 0; i < npeers; i++)
    tlswire_conn_free(peers[i].conn);
}

int main(void) {
  printf("1..%d\n", 5 + CLIENTS);
  for (size_t i = 0; i < sizeof pattern; i++)
    pattern[i] = (unsigned char)(i * 7 + i / 251);
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *cert = key != NULL ? self_signed(key) : NULL;
  tlswire_context *sctx = NULL, *cctx = NULL;
  int ok = cert != NULL && make_contexts(&sctx, &cctx, key, cert);
  check(ok, "server and client contexts");
  if (ok)
    run(sctx, cctx);
  tlswire_context_free(sctx); /* the connections kept their own references */
  tlswire_context_free(cctx);
  X509_free(cert);
  EVP_PKEY_free(key);
  return failures == 0 && test_number == 5 + CLIENTS ? 0 : 1;
}
