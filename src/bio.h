/*
 * bio.h - the BIO_METHOD that connects libssl to a connection's two rings.
 *
 * One BIO serves as both rbio and wbio: reads take ciphertext from the input
 * ring, writes put ciphertext into the output ring.
 */
#ifndef TLSWIRE_SRC_BIO_H
#define TLSWIRE_SRC_BIO_H

#include <openssl/bio.h>

#include "ring.h"

/* What the BIO works on; owned by the connection. */
struct tlswire_bio_state {
  struct tlswire_ring in;  /* ciphertext from the peer, read by libssl */
  struct tlswire_ring out; /* ciphertext for the peer, written by libssl */
  int in_eof;              /* the caller ended the input */
  int want_write;          /* the last write found the output ring full */
  /* Bound mode (see bind.h): the transport, NULL in memory mode. */
  struct tlswire_transport *transport;
  int io_errno;      /* the transport's failure, sticky; 0 if none */
  int close_pending; /* shutdown's close_notify is still in the ring */
};

/* A new BIO over state (not owned by the BIO), or NULL. */
BIO *tlswire_bio_new(struct tlswire_bio_state *state);

#endif /* TLSWIRE_SRC_BIO_H */
