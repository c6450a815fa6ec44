/* SPDX-License-Identifier: Apache-2.0 */
/*
 * socket.c - the POSIX socket transport: TCP, Unix-domain stream, UDP.
 *
 * Written as a user's transport would be, on the public API alone: the
 * connection's socket methods (connect, accept ...) live in the core
 * (src/conn_socket.c) and reach the descriptor through get_fds.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tlswire/tlswire.h>

#include "fdutil.h"

/* IP and UDP headers a datagram's payload leaves room for. */
#define UDP4_OVERHEAD 28
#define UDP6_OVERHEAD 48

struct sock_io {
  int fd;
  int datagram; /* SOCK_DGRAM */
  unsigned flags;
};

static int would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

/* MSG_NOSIGNAL: a closed peer is EPIPE, never SIGPIPE. */
static int sock_send(void *io, const void *buf, size_t len, size_t *sent) {
  struct sock_io *s = io;
  ssize_t n;
  do
    n = send(s->fd, buf, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n >= 0) {
    *sent = (size_t)n;
    return TLSWIRE_OK;
  }
  return would_block(errno) ? TLSWIRE_E_WANT_WRITE : TLSWIRE_E_SYSCALL;
}

static int sock_recv(void *io, void *buf, size_t len, size_t *received) {
  struct sock_io *s = io;
  ssize_t n;
  do
    n = recv(s->fd, buf, len, 0);
  while (n < 0 && errno == EINTR);
  if (n >= 0) {
    *received = (size_t)n;
    return TLSWIRE_OK;
  }
  return would_block(errno) ? TLSWIRE_E_WANT_READ : TLSWIRE_E_SYSCALL;
}

static int sock_shutdown(void *io) {
  struct sock_io *s = io;
  return shutdown(s->fd, SHUT_WR) == 0 ? TLSWIRE_OK : TLSWIRE_E_SYSCALL;
}

static int sock_fileno(void *io) { return ((struct sock_io *)io)->fd; }

static void sock_destroy(void *io) {
  struct sock_io *s = io;
  if (s->flags & TLSWIRE_TRANSPORT_CLOSE)
    close(s->fd);
  free(s);
}

static unsigned sock_caps(void *io) {
  struct sock_io *s = io;
  return s->datagram ? TLSWIRE_TRANSPORT_CAP_DATAGRAM
                     : TLSWIRE_TRANSPORT_CAP_HALF_CLOSE;
}

static int sock_get_fds(void *io, int *read_fd, int *write_fd) {
  *read_fd = *write_fd = ((struct sock_io *)io)->fd;
  return TLSWIRE_OK;
}

static int sock_wait(void *io, unsigned events, int timeout_ms) {
  struct sock_io *s = io;
  return tlswire_fd_wait(s->fd, s->fd, events, timeout_ms);
}

/* --- the path MTU of a connected datagram socket ------------------------- */

#if defined(IP_MTU) && defined(IPV6_MTU)
static int sock_family(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
    return AF_UNSPEC;
  return ss.ss_family;
}

/* getsockopt(level, name) as a payload size: the MTU less overhead, 0 when
 * the system does not know it (not connected, no such option). */
static size_t mtu_option(int fd, int level, int name, int overhead) {
  int mtu = 0;
  socklen_t len = sizeof mtu;
  if (getsockopt(fd, level, name, &mtu, &len) != 0 || mtu <= overhead)
    return 0;
  return (size_t)(mtu - overhead);
}

static size_t path_mtu(int fd) {
  switch (sock_family(fd)) {
  case AF_INET:
    return mtu_option(fd, IPPROTO_IP, IP_MTU, UDP4_OVERHEAD);
  case AF_INET6:
    return mtu_option(fd, IPPROTO_IPV6, IPV6_MTU, UDP6_OVERHEAD);
  default:
    return 0;
  }
}
#else
static size_t path_mtu(int fd) {
  (void)fd;
  return 0; /* no per-socket path MTU on this system */
}
#endif

static size_t sock_mtu(void *io) {
  struct sock_io *s = io;
  return s->datagram ? path_mtu(s->fd) : 0;
}

static const tlswire_transport_ops socket_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = sock_send,
    .recv = sock_recv,
    .shutdown = sock_shutdown,
    .fileno = sock_fileno,
    .destroy = sock_destroy,
    .caps = sock_caps,
    .get_fds = sock_get_fds,
    .wait = sock_wait,
    .mtu = sock_mtu,
};

/* --- the constructor ------------------------------------------------------ */

static int socket_check(int fd, unsigned flags, int *datagram) {
  if (fd < 0 ||
      (flags & ~(TLSWIRE_TRANSPORT_CLOSE | TLSWIRE_TRANSPORT_DATAGRAM)) != 0)
    return TLSWIRE_E_INVALID;
  int type = tlswire_fd_socket_type(fd);
  if (type < 0)
    return TLSWIRE_E_INVALID;
  *datagram = type == SOCK_DGRAM;
  if (!*datagram && (flags & TLSWIRE_TRANSPORT_DATAGRAM))
    return TLSWIRE_E_INVALID;
  return TLSWIRE_OK;
}

static int socket_make(tlswire_transport **out, int fd, unsigned flags) {
  int datagram = 0;
  int rc = socket_check(fd, flags, &datagram);
  if (rc != TLSWIRE_OK)
    return rc;
  struct sock_io *s = calloc(1, sizeof *s);
  if (s == NULL)
    return TLSWIRE_E_NOMEM;
  s->fd = fd;
  s->datagram = datagram;
  s->flags = flags;
  rc = tlswire_transport_new(out, &socket_ops, s);
  if (rc != TLSWIRE_OK)
    free(s);
  return rc;
}

int tlswire_transport_socket_new(tlswire_transport **out, int fd,
                                 unsigned flags) {
  if (out == NULL)
    return TLSWIRE_E_INVALID;
  *out = NULL;
  int rc = socket_make(out, fd, flags);
  if (rc != TLSWIRE_OK && fd >= 0 && (flags & TLSWIRE_TRANSPORT_CLOSE))
    close(fd); /* ownership was handed over: honour it on failure too */
  return rc;
}
