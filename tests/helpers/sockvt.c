/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sockvt.c - a counting user-vtable transport over a socket (see sockvt.h).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockvt.h"

static int would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

static int sv_send(void *io, const void *buf, size_t len, size_t *sent) {
  tw_sockvt *s = io;
  ssize_t n;
  s->send_calls++;
  if (s->budgeted && len > s->send_budget)
    len = s->send_budget;
  if (len == 0)
    return TLSWIRE_E_WANT_WRITE;
  do
    n = send(s->fd, buf, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return would_block(errno) ? TLSWIRE_E_WANT_WRITE : TLSWIRE_E_SYSCALL;
  *sent = (size_t)n;
  if (s->budgeted)
    s->send_budget -= *sent;
  return TLSWIRE_OK;
}

static int sv_recv(void *io, void *buf, size_t len, size_t *received) {
  tw_sockvt *s = io;
  ssize_t n;
  s->recv_calls++;
  do
    n = recv(s->fd, buf, len, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return would_block(errno) ? TLSWIRE_E_WANT_READ : TLSWIRE_E_SYSCALL;
  s->recv_bytes_calls += n > 0;
  *received = (size_t)n;
  return TLSWIRE_OK;
}

static int sv_shutdown(void *io) {
  tw_sockvt *s = io;
  s->shutdown_calls++;
  return shutdown(s->fd, SHUT_WR) == 0 ? TLSWIRE_OK : TLSWIRE_E_SYSCALL;
}

static int sv_get_fds(void *io, int *read_fd, int *write_fd) {
  const tw_sockvt *s = io;
  *read_fd = *write_fd = s->fd;
  return TLSWIRE_OK;
}

static int sv_wait(void *io, unsigned events, int timeout_ms) {
  tw_sockvt *s = io;
  struct pollfd p = {.fd = s->fd};
  s->wait_calls++;
  p.events = (short)((events & TLSWIRE_WAIT_READ ? POLLIN : 0) |
                     (events & TLSWIRE_WAIT_WRITE ? POLLOUT : 0));
  int n;
  do
    n = poll(&p, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return TLSWIRE_E_SYSCALL;
  if (n > 0)
    return TLSWIRE_OK;
  return events & TLSWIRE_WAIT_READ ? TLSWIRE_E_WANT_READ
                                    : TLSWIRE_E_WANT_WRITE;
}

static void sv_destroy(void *io) {
  tw_sockvt *s = io;
  if (s->fd >= 0)
    close(s->fd);
  s->fd = -1;
}

static const tlswire_transport_ops with_wait_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = sv_send,
    .recv = sv_recv,
    .shutdown = sv_shutdown,
    .destroy = sv_destroy,
    .get_fds = sv_get_fds,
    .wait = sv_wait,
};

static const tlswire_transport_ops no_wait_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = sv_send,
    .recv = sv_recv,
    .shutdown = sv_shutdown,
    .destroy = sv_destroy,
    .get_fds = sv_get_fds,
};

int tw_sockvt_new(tlswire_transport **out, tw_sockvt *s, int fd,
                  int with_wait) {
  memset(s, 0, sizeof *s);
  s->fd = fd;
  return tlswire_transport_new(out, with_wait ? &with_wait_ops : &no_wait_ops,
                               s);
}
