/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fd.c - the file-descriptor transport: any pair of descriptors.
 *
 * Writes to a socket use send(MSG_NOSIGNAL). Other descriptors (pipes,
 * ttys) have no such flag, so SIGPIPE is blocked in the calling thread for
 * the duration of the write and a SIGPIPE that this write raised is taken
 * back with sigtimedwait: the process's handlers are never touched.
 *
 * Written as a user's transport would be, on the public API alone.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <tlswire/tlswire.h>

#include "fdutil.h"

struct fd_io {
  int rfd;
  int wfd;
  int wfd_is_socket;
  unsigned flags;
};

static int would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

static ssize_t write_socket(int fd, const void *buf, size_t len) {
  return send(fd, buf, len, MSG_NOSIGNAL);
}

/* A write with SIGPIPE blocked; a SIGPIPE it raised is discarded, one that
 * was already pending before it stays pending. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len) {
  sigset_t pipe_set, old_set, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigemptyset(&pending);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  sigpending(&pending);
  int was_pending = sigismember(&pending, SIGPIPE);
  ssize_t n = write(fd, buf, len);
  int saved = errno;
  if (n < 0 && saved == EPIPE && !was_pending) {
    static const struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
      ;
  }
  pthread_sigmask(SIG_SETMASK, &old_set, NULL);
  errno = saved;
  return n;
}

static int fd_send(void *io, const void *buf, size_t len, size_t *sent) {
  struct fd_io *f = io;
  ssize_t n;
  do
    n = f->wfd_is_socket ? write_socket(f->wfd, buf, len)
                         : write_nosigpipe(f->wfd, buf, len);
  while (n < 0 && errno == EINTR);
  if (n >= 0) {
    *sent = (size_t)n;
    return TLSWIRE_OK;
  }
  return would_block(errno) ? TLSWIRE_E_WANT_WRITE : TLSWIRE_E_SYSCALL;
}

static int fd_recv(void *io, void *buf, size_t len, size_t *received) {
  struct fd_io *f = io;
  ssize_t n;
  do
    n = read(f->rfd, buf, len);
  while (n < 0 && errno == EINTR);
  if (n >= 0) {
    *received = (size_t)n;
    return TLSWIRE_OK;
  }
  return would_block(errno) ? TLSWIRE_E_WANT_READ : TLSWIRE_E_SYSCALL;
}

/* Half-close: a socket is shut for writing; any other write descriptor can
 * only be closed, and only when the transport owns it and it is not also
 * the read side. */
static int fd_shutdown(void *io) {
  struct fd_io *f = io;
  if (f->wfd_is_socket)
    return shutdown(f->wfd, SHUT_WR) == 0 ? TLSWIRE_OK : TLSWIRE_E_SYSCALL;
  if (!(f->flags & TLSWIRE_TRANSPORT_CLOSE) || f->wfd == f->rfd || f->wfd < 0)
    return TLSWIRE_OK;
  int rc = close(f->wfd) == 0 ? TLSWIRE_OK : TLSWIRE_E_SYSCALL;
  f->wfd = -1;
  return rc;
}

static int fd_fileno(void *io) { return ((struct fd_io *)io)->rfd; }

static int fd_get_fds(void *io, int *read_fd, int *write_fd) {
  struct fd_io *f = io;
  *read_fd = f->rfd;
  *write_fd = f->wfd;
  return TLSWIRE_OK;
}

static int fd_wait(void *io, unsigned events, int timeout_ms) {
  struct fd_io *f = io;
  return tlswire_fd_wait(f->rfd, f->wfd, events, timeout_ms);
}

/* Half-close only where fd_shutdown can really end the output alone: a
 * socket, or a write descriptor of its own that the transport may close. */
static unsigned fd_caps(void *io) {
  struct fd_io *f = io;
  unsigned caps = (f->flags & TLSWIRE_TRANSPORT_DATAGRAM)
                      ? TLSWIRE_TRANSPORT_CAP_DATAGRAM
                      : 0u;
  if (f->wfd_is_socket ||
      ((f->flags & TLSWIRE_TRANSPORT_CLOSE) && f->wfd != f->rfd))
    caps |= TLSWIRE_TRANSPORT_CAP_HALF_CLOSE;
  return caps;
}

static void fd_close_all(int rfd, int wfd) {
  if (rfd >= 0)
    close(rfd);
  if (wfd >= 0 && wfd != rfd)
    close(wfd);
}

static void fd_destroy(void *io) {
  struct fd_io *f = io;
  if (f->flags & TLSWIRE_TRANSPORT_CLOSE)
    fd_close_all(f->rfd, f->wfd);
  free(f);
}

static const tlswire_transport_ops fd_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = fd_send,
    .recv = fd_recv,
    .shutdown = fd_shutdown,
    .fileno = fd_fileno,
    .destroy = fd_destroy,
    .caps = fd_caps,
    .get_fds = fd_get_fds,
    .wait = fd_wait,
};

static int fd_make(tlswire_transport **out, int rfd, int wfd, unsigned flags) {
  if (rfd < 0 || wfd < 0 ||
      (flags & ~(TLSWIRE_TRANSPORT_CLOSE | TLSWIRE_TRANSPORT_DATAGRAM)) != 0)
    return TLSWIRE_E_INVALID;
  struct fd_io *f = calloc(1, sizeof *f);
  if (f == NULL)
    return TLSWIRE_E_NOMEM;
  f->rfd = rfd;
  f->wfd = wfd;
  f->flags = flags;
  f->wfd_is_socket = tlswire_fd_socket_type(wfd) >= 0;
  int rc = tlswire_transport_new(out, &fd_ops, f);
  if (rc != TLSWIRE_OK)
    free(f);
  return rc;
}

int tlswire_transport_fd_new(tlswire_transport **out, int rfd, int wfd,
                             unsigned flags) {
  if (out == NULL)
    return TLSWIRE_E_INVALID;
  *out = NULL;
  int rc = fd_make(out, rfd, wfd, flags);
  if (rc != TLSWIRE_OK && (flags & TLSWIRE_TRANSPORT_CLOSE))
    fd_close_all(rfd, wfd);
  return rc;
}
