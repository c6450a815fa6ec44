/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_socket.c - pyOpenSSL's socket methods on a connection (connect,
 * connect_ex, accept, sock_shutdown); POSIX builds only.
 *
 * The connection reaches its socket only through what the transport
 * exposes publicly (its descriptors) and recognizes a socket by asking the
 * descriptor, so any transport over one socket answers, a user's included.
 */
#include <errno.h>
#include <sys/socket.h>

#include "conn.h"
#include "safety.h"
#include "transport.h"

static int not_a_socket(tlswire_conn *conn) {
  return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                           "the connection is not bound to a socket");
}

/* The socket under conn: the one descriptor its transport polls in both
 * directions, when that is a socket. Else TLSWIRE_E_STATE, recorded. */
static int conn_socket(tlswire_conn *conn, int *fd) {
  tlswire_transport *t = tlswire_conn_transport(conn);
  int rfd = -1, wfd = -1, type = 0;
  socklen_t len = sizeof type;
  if (t != NULL)
    tlswire_transport_fds(t, &rfd, &wfd);
  if (rfd < 0 || rfd != wfd ||
      getsockopt(rfd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
    return not_a_socket(conn);
  *fd = rfd;
  return TLSWIRE_OK;
}

static int would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

int tlswire_conn_connect_ex(tlswire_conn *conn, const struct sockaddr *addr,
                            socklen_t len) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(addr != NULL, &conn->err, "addr is NULL");
  int fd;
  TW_TRY(conn_socket(conn, &fd));
  tlswire_conn_set_connect_state(conn);
  conn->last_want = 0;
  if (connect(fd, addr, len) == 0)
    return 0;
  int err = errno; /* EINTR too: the connection goes on in the background */
  if (err == EINPROGRESS || err == EINTR)
    conn->last_want = TLSWIRE_WAIT_WRITE; /* done when writable */
  return err;
}

int tlswire_conn_connect(tlswire_conn *conn, const struct sockaddr *addr,
                         socklen_t len) {
  int rc = tlswire_conn_connect_ex(conn, addr, len);
  if (rc <= 0)
    return rc;
  return tlswire_error_syscall(&conn->err, rc);
}

static int accept_one(tlswire_conn *conn, int lfd, int *fd,
                      struct sockaddr *addr, socklen_t *len) {
  do
    *fd = accept(lfd, addr, len);
  while (*fd < 0 && errno == EINTR);
  conn->last_want = 0;
  if (*fd >= 0)
    return TLSWIRE_OK;
  if (would_block(errno)) {
    conn->last_want = TLSWIRE_WAIT_READ; /* for tlswire_conn_get_wait */
    return tlswire_error_want(&conn->err, TLSWIRE_E_WANT_READ);
  }
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
    tlswire_error_copy(&conn->err, tlswire_error_thread());
  return rc;
}

int tlswire_conn_accept(tlswire_conn *conn, tlswire_conn **out,
                        struct sockaddr *addr, socklen_t *len) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(out != NULL, &conn->err, "out is NULL");
  *out = NULL;
  TW_GUARD_ARG((addr == NULL) == (len == NULL), &conn->err,
               "addr and len go together");
  int lfd, fd;
  TW_TRY(conn_socket(conn, &lfd));
  TW_TRY(accept_one(conn, lfd, &fd, addr, len));
  TW_TRY(accepted_conn(conn, out, fd));
  tlswire_conn_set_accept_state(*out);
  return TLSWIRE_OK;
}

int tlswire_conn_sock_shutdown(tlswire_conn *conn, int how) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  int fd;
  TW_TRY(conn_socket(conn, &fd));
  if (shutdown(fd, how) == 0)
    return TLSWIRE_OK;
  if (errno == EINVAL)
    return tlswire_error_set(&conn->err, TLSWIRE_E_INVALID,
                             "how is not SHUT_RD, SHUT_WR or SHUT_RDWR");
  return tlswire_error_syscall(&conn->err, errno);
}
