/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bind.h - the bound state: a connection's transport and the BIO over it.
 *
 * The bound BIO moves bytes through the transport itself: a write goes
 * straight to the transport when nothing waits before it (only the unsent
 * tail of the record is copied into the output ring), a read asks the
 * transport directly into libssl's buffer. The output ring holds what the
 * transport did not take yet; every later write or flush sends it first. In
 * datagram mode the ring is not used: one BIO write is one datagram, one BIO
 * read one datagram.
 *
 * The write rule is the memory BIO's (bio.h): a record is taken whole or not
 * at all, so libssl never keeps part of a record it reported.
 *
 * This code knows transports and rings, not connections: the connection
 * owns one struct tlswire_bound and asks it to flush.
 */
#ifndef TLSWIRE_SRC_BIND_H
#define TLSWIRE_SRC_BIND_H

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <tlswire/tlswire.h>

#include "ring.h"

struct tlswire_bound {
  tlswire_transport *transport;
  struct tlswire_ring out; /* ciphertext the transport has not taken yet */
  int in_eof;              /* the transport reported end of stream */
  int io_errno;            /* the transport's failure, sticky; 0 if none */
  int would_block;         /* the transport answered would-block once: it
                              is non-blocking (tlswire_conn_close) */
  int read_ahead;          /* libssl's read-ahead is on (streams only) */
};

/* Makes the bound state for t, whose output ring has soft capacity limit
 * and storage size. TLSWIRE_E_INVALID when t is bound already (t is then
 * left alone), TLSWIRE_E_NOMEM. On success the state owns t. */
int tlswire_bound_new(struct tlswire_bound **out, tlswire_transport *t,
                      size_t limit, size_t size);

/* Frees the state and its transport; NULL-safe. */
void tlswire_bound_free(struct tlswire_bound *b);

/* A new bound BIO over b (not owned by the BIO), or NULL. */
BIO *tlswire_bound_bio_new(struct tlswire_bound *b);

/* Sends what waits in the output ring: TLSWIRE_OK once it is empty,
 * TLSWIRE_E_WANT_WRITE, or TLSWIRE_E_SYSCALL (b->io_errno says why). */
int tlswire_bound_flush(struct tlswire_bound *b);

/* Turns libssl's read-ahead on for ssl reading from a stream b once its
 * handshake has completed (see bind.c); called after every step, it does
 * the work once and then costs one test. */
void tlswire_bound_read_ahead(struct tlswire_bound *b, SSL *ssl);

/* 1 for a transport that carries datagrams. */
int tlswire_bound_datagram(const struct tlswire_bound *b);

#endif /* TLSWIRE_SRC_BIND_H */
