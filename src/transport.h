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
  const tlswire_transport_ops *ops;
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

/* The io pointer of t if t runs on ops, else NULL: how a built-in transport
 * recognizes its own objects. */
void *tlswire_transport_io_if(const tlswire_transport *t,
                              const tlswire_transport_ops *ops);

#endif /* TLSWIRE_SRC_TRANSPORT_H */
