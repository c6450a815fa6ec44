/*
 * bind.h - a connection bound to a transport.
 *
 * The ring BIO moves bytes through the transport itself: a write goes
 * straight to the transport when the output ring is empty (only the unsent
 * tail of the record is copied into the ring), a read asks the transport
 * directly into libssl's buffer. The ring holds what the transport did not
 * take yet, so every call picks up where the last one stopped. In datagram
 * mode the ring is not used: one BIO write is one datagram, one BIO read one
 * datagram.
 *
 * conn.c calls tlswire_bind_pre() before and tlswire_bind_post() after the
 * libssl call of each I/O function; both are no-ops in memory mode.
 */
#ifndef TLSWIRE_SRC_BIND_H
#define TLSWIRE_SRC_BIND_H

#include <openssl/bio.h>

#include <tlswire/tlswire.h>

#include "bio.h"

/* The operation a hook runs for. */
enum tlswire_bind_op {
  TLSWIRE_BIND_HANDSHAKE,
  TLSWIRE_BIND_SEND,
  TLSWIRE_BIND_RECV,
  TLSWIRE_BIND_SHUTDOWN
};

/* What tlswire_bind_pre returns when the libssl call should go ahead; any
 * other value is the function's result. */
#define TLSWIRE_BIND_GO 2

/* Takes ownership of t (NULL: memory mode) for the connection *out that
 * tlswire_conn_new made with status rc; frees t when rc is a failure.
 * Returns rc. */
int tlswire_bind_attach(tlswire_conn **out, tlswire_transport *t, int rc);

/* Frees the bound transport, if any (after SSL_free). */
void tlswire_bind_free(tlswire_conn *conn);

/* Before the libssl call: pushes pending output to the transport. Returns
 * TLSWIRE_BIND_GO, or the result to return (a transport failure, or the
 * end of a shutdown whose close_notify was waiting in the ring). */
int tlswire_bind_pre(tlswire_conn *conn, enum tlswire_bind_op op);

/* After the libssl call returned status rc: pushes output, and turns rc into
 * TLSWIRE_E_WANT_WRITE when output is stuck and the caller must wait for the
 * transport before anything else can happen. Returns the final status. */
int tlswire_bind_post(tlswire_conn *conn, enum tlswire_bind_op op, int rc);

/* 1 when a bound connection has output its transport has not taken yet
 * (want_write is then true), else 0. */
int tlswire_bind_output_stuck(const tlswire_conn *conn);

/* TLSWIRE_E_STATE (recorded) on a bound connection, TLSWIRE_OK otherwise:
 * the guard of the bio_* functions. */
int tlswire_bind_memory_only(tlswire_conn *conn);

/* The ring BIO's methods in bound mode (see bio.c). */
int tlswire_bind_bio_write(BIO *bio, struct tlswire_bio_state *st,
                           const char *buf, size_t len, size_t *written);
int tlswire_bind_bio_read(BIO *bio, struct tlswire_bio_state *st, char *buf,
                          size_t len, size_t *readbytes);
int tlswire_bind_bio_ctrl_owns(const struct tlswire_bio_state *st, int cmd);
long tlswire_bind_bio_ctrl(BIO *bio, struct tlswire_bio_state *st, int cmd,
                           long num, void *ptr);

#endif /* TLSWIRE_SRC_BIND_H */
