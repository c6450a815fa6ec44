/*
 * socket.c - the POSIX socket transport, and the socket methods of a
 * connection bound to one (fileno aside, which any transport answers).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "safety.h"
#include "transport.h"

struct sock_io {
  int fd;
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

static const tlswire_transport_ops socket_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = sock_send,
    .recv = sock_recv,
    .shutdown = sock_shutdown,
    .fileno = sock_fileno,
    .destroy = sock_destroy,
};

/* SOCK_STREAM / SOCK_DGRAM / ..., or -1 when fd is not a socket. */
static int socket_type(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
    return -1;
  return type;
}

static int socket_check(int fd, unsigned flags, int *datagram) {
  TW_GUARD(fd >= 0, TLSWIRE_E_INVALID);
  TW_GUARD((flags & ~(TLSWIRE_TRANSPORT_CLOSE | TLSWIRE_TRANSPORT_DATAGRAM)) ==
               0,
           TLSWIRE_E_INVALID);
  int type = socket_type(fd);
  TW_GUARD(type >= 0, TLSWIRE_E_INVALID);
  *datagram = type == SOCK_DGRAM;
  TW_GUARD(*datagram || !(flags & TLSWIRE_TRANSPORT_DATAGRAM),
           TLSWIRE_E_INVALID);
  return TLSWIRE_OK;
}

static int socket_make(tlswire_transport **out, int fd, unsigned flags) {
  int datagram = 0;
  TW_TRY(socket_check(fd, flags, &datagram));
  struct sock_io *s = calloc(1, sizeof *s);
  if (s == NULL)
    return TLSWIRE_E_NOMEM;
  s->fd = fd;
  s->flags = flags;
  int rc = tlswire_transport_new(out, &socket_ops, s);
  if (rc != TLSWIRE_OK) {
    free(s);
    return rc;
  }
  (*out)->datagram = datagram;
  return TLSWIRE_OK;
}

int tlswire_transport_socket_new(tlswire_transport **out, int fd,
                                 unsigned flags) {
  TW_GUARD(out != NULL, TLSWIRE_E_INVALID);
  *out = NULL;
  int rc = socket_make(out, fd, flags);
  if (rc != TLSWIRE_OK && fd >= 0 && (flags & TLSWIRE_TRANSPORT_CLOSE))
    close(fd); /* ownership was handed over: honour it on failure too */
  return rc;
}

/* --- socket methods of the connection ------------------------------------ */

/* The socket under conn, or NULL (memory mode, another transport). */
static struct sock_io *conn_socket(const tlswire_conn *conn) {
  return tlswire_transport_io_if(tlswire_conn_transport(conn), &socket_ops);
}

static int not_a_socket(tlswire_conn *conn) {
  return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                           "the connection is not bound to a socket");
}

int tlswire_conn_connect_ex(tlswire_conn *conn, const struct sockaddr *addr,
                            socklen_t len) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(addr != NULL, &conn->err, "addr is NULL");
  struct sock_io *s = conn_socket(conn);
  if (s == NULL)
    return not_a_socket(conn);
  tlswire_conn_set_connect_state(conn);
  if (connect(s->fd, addr, len) == 0)
    return 0;
  return errno; /* EINTR too: the connection goes on in the background */
}

int tlswire_conn_connect(tlswire_conn *conn, const struct sockaddr *addr,
                         socklen_t len) {
  int rc = tlswire_conn_connect_ex(conn, addr, len);
  if (rc <= 0)
    return rc;
  return tlswire_error_syscall(&conn->err, rc);
}

static int accept_one(struct sock_io *s, tlswire_conn *conn, int *fd,
                      struct sockaddr *addr, socklen_t *len) {
  do
    *fd = accept(s->fd, addr, len);
  while (*fd < 0 && errno == EINTR);
  if (*fd >= 0)
    return TLSWIRE_OK;
  if (would_block(errno))
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_READ);
  return tlswire_error_syscall(&conn->err, errno);
}

/* Wraps the accepted fd (closed on failure too) in a connection on the
 * listening connection's context. That context may be shared by several
 * threads, so a failure is recorded in the thread's record (tlswire_conn_new
 * does so) and copied into the listening connection's, never into the
 * context's. */
static int accepted_conn(tlswire_conn *conn, tlswire_conn **out, int fd) {
  tlswire_transport *t;
  int rc = tlswire_transport_socket_new(&t, fd, TLSWIRE_TRANSPORT_CLOSE);
  if (rc == TLSWIRE_OK)
    rc = tlswire_conn_new(out, conn->ctx, t);
  else /* the transport closed fd */
    tlswire_error_set(tlswire_error_thread(), rc,
                      "cannot make a transport for the new socket");
  if (rc != TLSWIRE_OK)
    conn->err = *tlswire_error_thread();
  return rc;
}

int tlswire_conn_accept(tlswire_conn *conn, tlswire_conn **out,
                        struct sockaddr *addr, socklen_t *len) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(out != NULL, &conn->err, "out is NULL");
  *out = NULL;
  TW_GUARD_ARG((addr == NULL) == (len == NULL), &conn->err,
               "addr and len go together");
  struct sock_io *s = conn_socket(conn);
  if (s == NULL)
    return not_a_socket(conn);
  int fd;
  TW_TRY(accept_one(s, conn, &fd, addr, len));
  TW_TRY(accepted_conn(conn, out, fd));
  tlswire_conn_set_accept_state(*out);
  return TLSWIRE_OK;
}

int tlswire_conn_sock_shutdown(tlswire_conn *conn, int how) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  struct sock_io *s = conn_socket(conn);
  if (s == NULL)
    return not_a_socket(conn);
  if (shutdown(s->fd, how) == 0)
    return TLSWIRE_OK;
  if (errno == EINVAL)
    return tlswire_error_set(&conn->err, TLSWIRE_E_INVALID,
                             "how is not SHUT_RD, SHUT_WR or SHUT_RDWR");
  return tlswire_error_syscall(&conn->err, errno);
}
