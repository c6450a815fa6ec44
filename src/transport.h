/* SPDX-License-Identifier: Apache-2.0 */
/*
 * transport.h - the transport object behind the public vtable.
 *
 * The core reaches a transport only through these inline calls; it knows
 * nothing of sockets or descriptors.
 */
#ifndef TLSWIRE_SRC_TRANSPORT_H
#define TLSWIRE_SRC_TRANSPORT_H

#include <tlswire/tlswire.h>

/* How long a recv may wait (ms, rounded up; -1: no bound), asked before
 * each recv of a transport that has ops->wait. */
typedef int (*tlswire_recv_bound_fn)(const void *arg);

struct tlswire_transport {
  tlswire_transport_ops ops; /* a copy; version 2 fields NULL for a v1 table */
  const tlswire_transport_ops *table; /* the caller's table, for identity */
  void *io;
  unsigned caps; /* TLSWIRE_TRANSPORT_CAP_*, cached when bound */
  int bound;     /* owned by a connection */
  /* Set by the connection that binds a DTLS transport: its retransmission
   * timer bounds each recv through ops->wait. */
  tlswire_recv_bound_fn recv_bound;
  const void *recv_bound_arg;
  int recv_timed_out; /* the last recv ended at that bound; reset by reader */
};

/* One call of the transport's send / recv. A SYSCALL status always comes
 * with errno != 0 (a callback that forgot to set it gives EIO). With
 * recv_bound set and ops->wait present, recv first waits for input at most
 * that long; when the wait times out it returns TLSWIRE_E_WANT_READ without
 * calling ops->recv and sets recv_timed_out. */
int tlswire_transport_send(tlswire_transport *t, const void *buf, size_t len,
                           size_t *sent);
int tlswire_transport_recv(tlswire_transport *t, void *buf, size_t len,
                           size_t *received);

/* ops->caps (or what a table without it implies), asked now; a bound
 * transport's answer at bind time is in t->caps. */
unsigned tlswire_transport_caps(const tlswire_transport *t);

/* ops->shutdown: TLSWIRE_OK, TLSWIRE_E_WANT_WRITE, TLSWIRE_E_SYSCALL;
 * TLSWIRE_E_UNSUPPORTED when the transport has none. */
int tlswire_transport_shutdown(tlswire_transport *t);

/* ops->get_fds, else ops->fileno for both; -1 where there is none. */
void tlswire_transport_fds(const tlswire_transport *t, int *read_fd,
                           int *write_fd);

/* ops->wait: TLSWIRE_OK, TLSWIRE_E_WANT_*, TLSWIRE_E_SYSCALL;
 * TLSWIRE_E_UNSUPPORTED when the transport has none. */
int tlswire_transport_wait(tlswire_transport *t, unsigned events,
                           int timeout_ms);

/* ops->mtu, or 0. */
size_t tlswire_transport_mtu(tlswire_transport *t);

/* Takes (and clears) the recv_timed_out flag. */
int tlswire_transport_take_timeout(tlswire_transport *t);

#endif /* TLSWIRE_SRC_TRANSPORT_H */
