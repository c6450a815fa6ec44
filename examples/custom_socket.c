/* SPDX-License-Identifier: Apache-2.0 */
/*
 * custom_socket.c - your own socket transport does what the built-in one
 * does.
 *
 * The built-in socket transport is written against the public vtable only,
 * so a user's transport can do all of it: report itself as a stream with
 * half-close or as a datagram transport (caps), expose its descriptor for
 * poll() and for the Connection's socket methods (get_fds), bound a
 * blocking wait in time (wait), and give DTLS the path MTU (mtu). This
 * program runs one scenario twice, over tlswire_transport_socket_new and
 * over the vtable below, and checks that both behave the same:
 *   - TLS over loopback TCP: tlswire_conn_connect (a socket method, which
 *     finds the socket through get_fds), a non-blocking handshake and a
 *     16 KiB echo in a poll() loop driven by tlswire_conn_get_wait,
 *     sock_shutdown;
 *   - DTLS over connected loopback UDP: the MTU taken from the socket, a
 *     handshake and a datagram each way.
 *
 * Build against an installed tlswire (the certificate code uses OpenSSL
 * directly, so link it too):
 *   cc custom_socket.c $(pkg-config --cflags --libs tlswire libssl libcrypto) -o custom_socket
 * The program prints TAP so `make check` can run it.
 * tlswire-example: posix
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <tlswire/tlswire.h>

#define ECHO_BYTES 16384

/* --- the user's socket transport ------------------------------------------ */

struct my_socket {
  int fd;
};

static int my_send(void *io, const void *buf, size_t len, size_t *sent) {
  int fd = ((struct my_socket *)io)->fd;
  ssize_t n;
  do
    n = send(fd, buf, len, MSG_NOSIGNAL); /* EPIPE, never SIGPIPE */
  while (n < 0 && errno == EINTR);
  if (n >= 0)
    *sent = (size_t)n;
  else if (errno == EAGAIN || errno == EWOULDBLOCK)
    return TLSWIRE_E_WANT_WRITE;
  return n >= 0 ? TLSWIRE_OK : TLSWIRE_E_SYSCALL;
}

static int my_recv(void *io, void *buf, size_t len, size_t *received) {
  int fd = ((struct my_socket *)io)->fd;
  ssize_t n;
  do
    n = recv(fd, buf, len, 0);
  while (n < 0 && errno == EINTR);
  if (n >= 0)
    *received = (size_t)n;
  else if (errno == EAGAIN || errno == EWOULDBLOCK)
    return TLSWIRE_E_WANT_READ;
  return n >= 0 ? TLSWIRE_OK : TLSWIRE_E_SYSCALL;
}

static int my_shutdown(void *io) {
  return shutdown(((struct my_socket *)io)->fd, SHUT_WR) == 0
             ? TLSWIRE_OK
             : TLSWIRE_E_SYSCALL;
}

static void my_destroy(void *io) {
  close(((struct my_socket *)io)->fd);
  free(io);
}

static int my_type(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
  return type;
}

static unsigned my_caps(void *io) {
  return my_type(((struct my_socket *)io)->fd) == SOCK_DGRAM
             ? TLSWIRE_TRANSPORT_CAP_DATAGRAM
             : TLSWIRE_TRANSPORT_CAP_HALF_CLOSE;
}

static int my_get_fds(void *io, int *read_fd, int *write_fd) {
  *read_fd = *write_fd = ((struct my_socket *)io)->fd;
  return TLSWIRE_OK;
}

/* A non-blocking socket never needs the wait: its calls say would-block. */
static int my_wait(void *io, unsigned events, int timeout_ms) {
  int fd = ((struct my_socket *)io)->fd;
  if (fcntl(fd, F_GETFL) & O_NONBLOCK)
    return TLSWIRE_OK;
  struct pollfd p = {.fd = fd,
                     .events = (short)(((events & TLSWIRE_WAIT_READ) ? POLLIN
                                                                     : 0) |
                                       ((events & TLSWIRE_WAIT_WRITE) ? POLLOUT
                                                                      : 0))};
  int rc;
  do
    rc = poll(&p, 1, timeout_ms);
  while (rc < 0 && errno == EINTR);
  if (rc != 0)
    return rc > 0 ? TLSWIRE_OK : TLSWIRE_E_SYSCALL;
  return (events & TLSWIRE_WAIT_READ) ? TLSWIRE_E_WANT_READ
                                      : TLSWIRE_E_WANT_WRITE;
}

/* The path MTU of a connected UDP socket less the IP and UDP headers. */
#if defined(IP_MTU) && defined(IPV6_MTU)
static size_t my_mtu(void *io) {
  int fd = ((struct my_socket *)io)->fd, mtu = 0;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss, mlen = sizeof mtu;
  if (my_type(fd) != SOCK_DGRAM ||
      getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
    return 0;
  int v6 = ss.ss_family == AF_INET6;
  if (getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU,
                 &mtu, &mlen) != 0 ||
      mtu <= (v6 ? 48 : 28))
    return 0;
  return (size_t)(mtu - (v6 ? 48 : 28));
}
#else
static size_t my_mtu(void *io) {
  (void)io;
  return 0;
}
#endif

static const tlswire_transport_ops my_socket_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = my_send,
    .recv = my_recv,
    .shutdown = my_shutdown,
    .destroy = my_destroy,
    .caps = my_caps,
    .get_fds = my_get_fds,
    .wait = my_wait,
    .mtu = my_mtu,
};

/* Takes fd over (closes it on free, and on failure here). */
static int my_socket_new(tlswire_transport **out, int fd) {
  struct my_socket *s = malloc(sizeof *s);
  int rc = s != NULL ? tlswire_transport_new(out, &my_socket_ops, s)
                     : TLSWIRE_E_NOMEM;
  if (rc != TLSWIRE_OK) {
    free(s);
    close(fd);
    return rc;
  }
  s->fd = fd;
  return TLSWIRE_OK;
}

static int builtin_socket_new(tlswire_transport **out, int fd) {
  return tlswire_transport_socket_new(out, fd, TLSWIRE_TRANSPORT_CLOSE);
}

typedef int (*make_transport)(tlswire_transport **out, int fd);

/* --- a throwaway self-signed certificate ---------------------------------- */

static X509 *self_signed(EVP_PKEY *key) {
  X509 *cert = X509_new();
  X509_NAME *name = X509_NAME_new();
  int ok = cert != NULL && name != NULL && X509_set_version(cert, 2) &&
           ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      (const unsigned char *)"socket.demo",
                                      -1, -1, 0) &&
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

static void check(int ok, const char *what, const char *which) {
  printf("%s %d - %s: %s\n", ok ? "ok" : "not ok", ++test_number, which,
         what);
  failures += !ok;
}

/* --- driving two connections ---------------------------------------------- */

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

static void nonblocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Waits as tlswire_conn_get_wait says for both connections (at most 5 s). */
static void wait_for(tlswire_conn *a, tlswire_conn *b) {
  struct pollfd fds[4];
  nfds_t n = 0;
  int timeout = 5000;
  tlswire_conn *c[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    tlswire_wait w;
    if (tlswire_conn_get_wait(c[i], &w) != TLSWIRE_OK)
      continue;
    if (w.events == 0)
      timeout = 0; /* call it again now */
    if (w.timeout_ms >= 0 && w.timeout_ms < timeout)
      timeout = w.timeout_ms;
    if ((w.events & TLSWIRE_WAIT_READ) && w.read_fd >= 0)
      fds[n++] = (struct pollfd){.fd = w.read_fd, .events = POLLIN};
    if ((w.events & TLSWIRE_WAIT_WRITE) && w.write_fd >= 0)
      fds[n++] = (struct pollfd){.fd = w.write_fd, .events = POLLOUT};
  }
  poll(fds, n, timeout);
}

static int handshake(tlswire_conn *c, tlswire_conn *s) {
  int crc = TLSWIRE_E_WANT_READ, src = TLSWIRE_E_WANT_READ;
  for (int i = 0; i < 1000 && (crc != TLSWIRE_OK || src != TLSWIRE_OK); i++) {
    if (crc != TLSWIRE_OK)
      crc = tlswire_conn_do_handshake(c);
    if (src != TLSWIRE_OK)
      src = tlswire_conn_do_handshake(s);
    if ((crc != TLSWIRE_OK && !is_want(crc)) ||
        (src != TLSWIRE_OK && !is_want(src)))
      return 0;
    if (crc != TLSWIRE_OK || src != TLSWIRE_OK)
      wait_for(c, s);
  }
  return crc == TLSWIRE_OK && src == TLSWIRE_OK;
}

struct echo {
  unsigned char out[ECHO_BYTES], back[ECHO_BYTES], mid[ECHO_BYTES];
  size_t sent, got, mid_len, mid_sent;
};

/* One pass: the client sends, the server echoes, the client reads back.
 * Returns -1 on a failure, else whether anything moved. */
static int echo_pass(tlswire_conn *c, tlswire_conn *s, struct echo *e) {
  size_t n = 0;
  int moved = 0, rc;
  if (e->sent < ECHO_BYTES)
    rc = tlswire_conn_send(c, e->out + e->sent, ECHO_BYTES - e->sent, &n);
  else
    rc = tlswire_conn_flush(c);
  e->sent += n, moved |= n > 0;
  if (rc != TLSWIRE_OK && !is_want(rc))
    return -1;
  rc = tlswire_conn_recv(s, e->mid + e->mid_len, ECHO_BYTES - e->mid_len, &n);
  e->mid_len += rc == TLSWIRE_OK ? n : 0, moved |= rc == TLSWIRE_OK;
  if (e->mid_sent < e->mid_len)
    rc = tlswire_conn_send(s, e->mid + e->mid_sent, e->mid_len - e->mid_sent,
                           &n);
  else
    rc = tlswire_conn_flush(s), n = 0;
  e->mid_sent += rc == TLSWIRE_OK ? n : 0, moved |= n > 0;
  rc = tlswire_conn_recv(c, e->back + e->got, ECHO_BYTES - e->got, &n);
  if (rc != TLSWIRE_OK && !is_want(rc))
    return -1;
  e->got += rc == TLSWIRE_OK ? n : 0, moved |= rc == TLSWIRE_OK;
  return moved;
}

/* Seconds on a monotonic clock. */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bounded in time, not in passes: a connection that just moved bytes asks
 * to be called again at once (get_wait's events are 0), so passes can spin
 * while the kernel still holds a segment back (Nagle, delayed ACKs). */
static int echo(tlswire_conn *c, tlswire_conn *s) {
  struct echo *e = calloc(1, sizeof *e);
  int ok = e != NULL;
  for (size_t i = 0; ok && i < ECHO_BYTES; i++)
    e->out[i] = (unsigned char)(i * 13 + 5);
  double deadline = now() + 20.0;
  while (ok && e->got < ECHO_BYTES && now() < deadline) {
    int moved = echo_pass(c, s, e);
    ok = moved >= 0;
    if (moved == 0)
      wait_for(c, s);
  }
  ok = ok && e->got == ECHO_BYTES && memcmp(e->out, e->back, ECHO_BYTES) == 0;
  free(e);
  return ok;
}

/* --- the scenario --------------------------------------------------------- */

static int loopback(int type, struct sockaddr_in *addr) {
  int fd = socket(AF_INET, type, 0);
  socklen_t len = sizeof *addr;
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 ||
                  getsockname(fd, (struct sockaddr *)addr, &len) != 0)) {
    close(fd);
    fd = -1;
  }
  return fd;
}

/* A connection on ctx over a transport made by make from fd. */
static tlswire_conn *conn_on(tlswire_context *ctx, make_transport make,
                             int fd) {
  tlswire_transport *t;
  tlswire_conn *conn = NULL;
  if (fd >= 0 && make(&t, fd) == TLSWIRE_OK)
    tlswire_conn_new(&conn, ctx, t);
  return conn;
}

static void tls_over_tcp(tlswire_context *sctx, tlswire_context *cctx,
                         make_transport make, const char *which) {
  struct sockaddr_in addr;
  int lfd = loopback(SOCK_STREAM, &addr);
  tlswire_conn *c = NULL, *s = NULL;
  if (lfd >= 0 && listen(lfd, 1) == 0)
    c = conn_on(cctx, make, socket(AF_INET, SOCK_STREAM, 0));
  int ok = c != NULL && tlswire_conn_connect(c, (struct sockaddr *)&addr,
                                             sizeof addr) == TLSWIRE_OK;
  if (ok)
    s = conn_on(sctx, make, accept(lfd, NULL, NULL));
  ok = ok && s != NULL;
  check(ok, "connect through the Connection's socket method", which);
  if (ok) {
    tlswire_conn_set_accept_state(s);
    nonblocking(tlswire_conn_fileno(c));
    nonblocking(tlswire_conn_fileno(s));
  }
  check(ok && handshake(c, s), "TLS handshake in a get_wait poll loop", which);
  check(ok && echo(c, s), "16 KiB echoed intact", which);
  check(ok && tlswire_conn_sock_shutdown(c, SHUT_RDWR) == TLSWIRE_OK,
        "sock_shutdown", which);
  tlswire_conn_free(c);
  tlswire_conn_free(s);
  if (lfd >= 0)
    close(lfd);
}

/* Two UDP sockets on loopback connected to each other. */
static int udp_pair(int fd[2]) {
  struct sockaddr_in a[2];
  fd[0] = loopback(SOCK_DGRAM, &a[0]);
  fd[1] = loopback(SOCK_DGRAM, &a[1]);
  if (fd[0] >= 0 && fd[1] >= 0 &&
      connect(fd[0], (struct sockaddr *)&a[1], sizeof a[1]) == 0 &&
      connect(fd[1], (struct sockaddr *)&a[0], sizeof a[0]) == 0) {
    nonblocking(fd[0]);
    nonblocking(fd[1]);
    return 1;
  }
  return 0;
}

static int datagram_each_way(tlswire_conn *c, tlswire_conn *s) {
  const char msg[] = "one datagram";
  char buf[64];
  size_t n = 0;
  tlswire_conn *from[2] = {c, s}, *to[2] = {s, c};
  for (int d = 0; d < 2; d++) {
    if (tlswire_conn_send(from[d], msg, sizeof msg, &n) != TLSWIRE_OK)
      return 0;
    int rc = TLSWIRE_E_WANT_READ;
    for (int i = 0; i < 100 && is_want(rc); i++) {
      rc = tlswire_conn_recv(to[d], buf, sizeof buf, &n);
      if (is_want(rc))
        wait_for(to[d], from[d]);
    }
    if (rc != TLSWIRE_OK || n != sizeof msg || memcmp(buf, msg, n) != 0)
      return 0;
  }
  return 1;
}

/* Returns the DTLS payload MTU the connection settled on (0 if none). */
static int dtls_over_udp(tlswire_context *sctx, tlswire_context *cctx,
                         make_transport make, const char *which) {
  int fd[2] = {-1, -1};
  tlswire_conn *c = NULL, *s = NULL;
  if (udp_pair(fd)) {
    c = conn_on(cctx, make, fd[0]);
    s = conn_on(sctx, make, fd[1]);
  } else {
    close(fd[0]), close(fd[1]);
  }
  int ok = c != NULL && s != NULL;
  if (ok) {
    tlswire_conn_set_connect_state(c);
    tlswire_conn_set_accept_state(s);
  }
  check(ok && handshake(c, s), "DTLS handshake over connected UDP", which);
  check(ok && datagram_each_way(c, s), "a datagram each way", which);
  int mtu = ok ? tlswire_conn_get_cleartext_mtu(c) : 0;
  tlswire_conn_free(c);
  tlswire_conn_free(s);
  return mtu;
}

static int make_contexts(tlswire_context *ctx[2], int method, EVP_PKEY *key,
                         X509 *cert) {
  ctx[0] = ctx[1] = NULL;
  return tlswire_context_new(&ctx[0], method) == TLSWIRE_OK &&
         tlswire_context_use_certificate(ctx[0], cert) == TLSWIRE_OK &&
         tlswire_context_use_privatekey(ctx[0], key) == TLSWIRE_OK &&
         tlswire_context_new(&ctx[1], method) == TLSWIRE_OK &&
         X509_STORE_add_cert(tlswire_context_get_cert_store(ctx[1]), cert) ==
             1 &&
         tlswire_context_set_verify(ctx[1], TLSWIRE_VERIFY_PEER, NULL, NULL) ==
             TLSWIRE_OK;
}

int main(void) {
  printf("1..14\n");
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *cert = key != NULL ? self_signed(key) : NULL;
  tlswire_context *tls[2] = {NULL, NULL}, *dtls[2] = {NULL, NULL};
  if (cert == NULL || !make_contexts(tls, TLSWIRE_TLS_METHOD, key, cert) ||
      !make_contexts(dtls, TLSWIRE_DTLS_METHOD, key, cert)) {
    printf("Bail out! cannot make a key, a certificate and contexts\n");
    return 1;
  }
  make_transport make[2] = {builtin_socket_new, my_socket_new};
  const char *which[2] = {"built-in socket", "user vtable"};
  int mtu[2];
  for (int i = 0; i < 2; i++) {
    tls_over_tcp(tls[0], tls[1], make[i], which[i]);
    mtu[i] = dtls_over_udp(dtls[0], dtls[1], make[i], which[i]);
  }
  printf("# DTLS payload MTU: built-in %d, user vtable %d\n", mtu[0], mtu[1]);
  check(mtu[0] > 0 && mtu[0] == mtu[1], "the same DTLS MTU from both",
        "both");
  check(tlswire_transport_get_io(NULL, &my_socket_ops) == NULL,
        "get_io refuses what is not ours", "both");
  for (int i = 0; i < 2; i++) {
    tlswire_context_free(tls[i]);
    tlswire_context_free(dtls[i]);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return failures == 0 && test_number == 14 ? 0 : 1;
}
