/* SPDX-License-Identifier: Apache-2.0 */
/*
 * transport.c - the generic transport object and the callback transport.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "safety.h"
#include "transport.h"

int tlswire_transport_new(tlswire_transport **out,
                          const tlswire_transport_ops *ops, void *io) {
  TW_GUARD(out != NULL, TLSWIRE_E_INVALID);
  *out = NULL;
  TW_GUARD(ops != NULL, TLSWIRE_E_INVALID);
  TW_GUARD(ops->version >= 1 && ops->version <= TLSWIRE_TRANSPORT_OPS_VERSION,
           TLSWIRE_E_UNSUPPORTED);
  TW_GUARD(ops->send != NULL && ops->recv != NULL, TLSWIRE_E_INVALID);
  tlswire_transport *t = OPENSSL_zalloc(sizeof *t);
  if (t == NULL)
    return TLSWIRE_E_NOMEM;
  /* A version 1 table ends after destroy: read no further. */
  if (ops->version == 1)
    memcpy(&t->ops, ops, sizeof(tlswire_transport_ops_v1));
  else
    t->ops = *ops;
  t->table = ops;
  t->io = io;
  *out = t;
  return TLSWIRE_OK;
}

void tlswire_transport_free(tlswire_transport *t) {
  if (t == NULL)
    return;
  if (t->ops.destroy != NULL)
    t->ops.destroy(t->io);
  OPENSSL_free(t);
}

int tlswire_transport_fileno(const tlswire_transport *t) {
  if (t == NULL)
    return -1;
  int rfd, wfd;
  tlswire_transport_fds(t, &rfd, &wfd);
  return rfd >= 0 ? rfd : wfd;
}

void *tlswire_transport_get_io(const tlswire_transport *t,
                               const tlswire_transport_ops *ops) {
  return t != NULL && ops != NULL && t->table == ops ? t->io : NULL;
}

unsigned tlswire_transport_caps(const tlswire_transport *t) {
  if (t->ops.caps != NULL)
    return t->ops.caps(t->io);
  return t->ops.shutdown != NULL ? TLSWIRE_TRANSPORT_CAP_HALF_CLOSE : 0u;
}

void tlswire_transport_fds(const tlswire_transport *t, int *read_fd,
                           int *write_fd) {
  *read_fd = *write_fd = -1;
  if (t->ops.get_fds != NULL) {
    if (t->ops.get_fds(t->io, read_fd, write_fd) != TLSWIRE_OK)
      *read_fd = *write_fd = -1;
  } else if (t->ops.fileno != NULL) {
    *read_fd = *write_fd = t->ops.fileno(t->io);
  }
  if (*read_fd < 0)
    *read_fd = -1;
  if (*write_fd < 0)
    *write_fd = -1;
}

size_t tlswire_transport_mtu(tlswire_transport *t) {
  return t->ops.mtu != NULL ? t->ops.mtu(t->io) : 0;
}

/* A user callback may return anything: only the documented statuses pass,
 * and a failure always carries an errno. */
static int transport_status(int rc) {
  switch (rc) {
  case TLSWIRE_OK:
  case TLSWIRE_E_WANT_READ:
  case TLSWIRE_E_WANT_WRITE:
    return rc;
  case TLSWIRE_E_SYSCALL:
  default:
    if (errno == 0)
      errno = EIO;
    return TLSWIRE_E_SYSCALL;
  }
}

/* A callback claimed more bytes than it was given: a broken transport. */
static int overrun(void) {
  errno = EIO;
  return TLSWIRE_E_SYSCALL;
}

int tlswire_transport_send(tlswire_transport *t, const void *buf, size_t len,
                           size_t *sent) {
  *sent = 0;
  errno = 0;
  int rc = transport_status(t->ops.send(t->io, buf, len, sent));
  if (rc == TLSWIRE_OK && *sent > len)
    rc = overrun();
  if (rc != TLSWIRE_OK)
    *sent = 0;
  return rc;
}

/* A bounded recv: waits for input no longer than recv_bound says. OK when
 * the recv itself may go ahead (input ready, no bound, or a transport whose
 * wait failed: its recv will report why). */
static int recv_wait(tlswire_transport *t) {
  if (t->recv_bound == NULL || t->ops.wait == NULL)
    return TLSWIRE_OK;
  int ms = t->recv_bound(t->recv_bound_arg);
  if (ms < 0)
    return TLSWIRE_OK;
  int rc = tlswire_transport_wait(t, TLSWIRE_WAIT_READ, ms);
  if (rc != TLSWIRE_E_WANT_READ && rc != TLSWIRE_E_WANT_WRITE)
    return TLSWIRE_OK;
  t->recv_timed_out = 1;
  return TLSWIRE_E_WANT_READ;
}

int tlswire_transport_take_timeout(tlswire_transport *t) {
  int was = t->recv_timed_out;
  t->recv_timed_out = 0;
  return was;
}

int tlswire_transport_recv(tlswire_transport *t, void *buf, size_t len,
                           size_t *received) {
  *received = 0;
  if (recv_wait(t) != TLSWIRE_OK)
    return TLSWIRE_E_WANT_READ;
  errno = 0;
  int rc = transport_status(t->ops.recv(t->io, buf, len, received));
  if (rc == TLSWIRE_OK && *received > len)
    rc = overrun();
  if (rc != TLSWIRE_OK)
    *received = 0;
  return rc;
}

int tlswire_transport_shutdown(tlswire_transport *t) {
  if (t->ops.shutdown == NULL)
    return TLSWIRE_E_UNSUPPORTED;
  errno = 0;
  return transport_status(t->ops.shutdown(t->io));
}

int tlswire_transport_wait(tlswire_transport *t, unsigned events,
                           int timeout_ms) {
  if (t->ops.wait == NULL)
    return TLSWIRE_E_UNSUPPORTED;
  errno = 0;
  return transport_status(t->ops.wait(t->io, events, timeout_ms));
}
