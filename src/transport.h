/*
 * transport.h - the transport object behind the public vtable.
 *
 * The core reaches a transport only through these inline calls; it knows
 * nothing of sockets or descriptors.
 */
#ifndef TLSWIRE_SRC_TRANSPORT_H
#define TLSWIRE_SRC_TRANSPORT_H

#include <tlswire/tlswire.h>

struct tlswire_transport {
  tlswire_transport_ops ops; /* a copy; version 2 fields NULL for a v1 table */
  const tlswire_transport_ops *table; /* the caller's table, for identity */
  void *io;
  int datagram; /* one send / one recv per datagram */
  int bound;    /* owned by a connection */
};

/* One call of the transport's send / recv. A SYSCALL status always comes
 * with errno != 0 (a callback that forgot to set it gives EIO). */
int tlswire_transport_send(tlswire_transport *t, const void *buf, size_t len,
                           size_t *sent);
int tlswire_transport_recv(tlswire_transport *t, void *buf, size_t len,
                           size_t *received);

/* ops->caps (or what a table without it implies). */
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

/* The io pointer of t if t runs on ops, else NULL: how a built-in transport
 * recognizes its own objects. */
void *tlswire_transport_io_if(const tlswire_transport *t,
                              const tlswire_transport_ops *ops);

#endif /* TLSWIRE_SRC_TRANSPORT_H */
