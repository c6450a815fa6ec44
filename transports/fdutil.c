/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdutil.c - descriptor helpers shared by the socket and fd transports.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <tlswire/tlswire.h>

#include "fdutil.h"

int tlswire_fd_socket_type(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
    return -1;
  return type;
}

static int nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl != -1 && (fl & O_NONBLOCK) != 0;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (-1: none), for poll. */
static int left_ms(long long deadline) {
  if (deadline < 0)
    return -1;
  long long left = deadline - now_ms();
  if (left <= 0)
    return 0;
  return left > INT_MAX ? INT_MAX : (int)left;
}

/* The pollfd entries for events; returns how many, 0 for none. */
static nfds_t wait_set(struct pollfd p[2], int rfd, int wfd, unsigned events) {
  nfds_t n = 0;
  if ((events & TLSWIRE_WAIT_READ) && rfd >= 0)
    p[n++] = (struct pollfd){.fd = rfd, .events = POLLIN};
  if ((events & TLSWIRE_WAIT_WRITE) && wfd >= 0)
    p[n++] = (struct pollfd){.fd = wfd, .events = POLLOUT};
  return n;
}

static int all_nonblocking(const struct pollfd *p, nfds_t n) {
  for (nfds_t i = 0; i < n; i++)
    if (!nonblocking(p[i].fd))
      return 0;
  return 1;
}

int tlswire_fd_wait(int rfd, int wfd, unsigned events, int timeout_ms) {
  struct pollfd p[2];
  nfds_t n = wait_set(p, rfd, wfd, events);
  if (n == 0 || all_nonblocking(p, n))
    return TLSWIRE_OK;
  long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  int rc;
  do
    rc = poll(p, n, left_ms(deadline));
  while (rc < 0 && errno == EINTR);
  if (rc > 0)
    return TLSWIRE_OK;
  if (rc < 0)
    return TLSWIRE_E_SYSCALL;
  return (events & TLSWIRE_WAIT_READ) ? TLSWIRE_E_WANT_READ
                                      : TLSWIRE_E_WANT_WRITE;
}
