/*
 * conn.h - the connection object, shared with the callback code.
 */
#ifndef TLSWIRE_SRC_CONN_H
#define TLSWIRE_SRC_CONN_H

#include <tlswire/tlswire.h>

#include "bio.h"
#include "callbacks.h"
#include "error.h"

struct tlswire_conn {
  SSL *ssl;
  tlswire_context *ctx;
  struct tlswire_bio_state bio;
  int verify_overridden; /* set_verify on the connection replaced ctx's */
  tlswire_verify_cb verify_cb;
  void *verify_arg;
  int role_set; /* set_connect_state or set_accept_state was called */
  struct tlswire_error err;
  void *app_data;          /* set_app_data; never touched by tlswire */
  tlswire_info_cb info_cb; /* set_info_callback */
  void *info_arg;
  struct tlswire_cb_pending cb_pending; /* a callback failed in this call */
};

/* The connection that owns ssl, or NULL for an SSL tlswire did not make. */
tlswire_conn *tlswire_conn_from_ssl(const SSL *ssl);

/* The verify callback in force for conn: its own, else its context's. */
void tlswire_conn_verify_callback(const tlswire_conn *conn,
                                  tlswire_verify_cb *cb, void **arg);

/* Runs before each libssl I/O call made outside conn.c. */
void tlswire_conn_io_begin(tlswire_conn *conn);

/* recv (peek 0) and recv_peek (peek 1): one read path, with the transport
 * hooks of a bound connection. */
int tlswire_conn_recv_with(tlswire_conn *conn, void *buf, size_t len,
                           size_t *received, int peek);

/* Maps a failed libssl I/O call (return value ret) to a status; the same
 * mapping as do_handshake/send/recv (pyOpenSSL's _raise_ssl_error). */
int tlswire_conn_io_fail(tlswire_conn *conn, int ret);

/* Called by tlswire_conn_free before SSL_free (src/session.c): keeps the
 * session of a cleanly established connection resumable. */
void tlswire_conn_keep_session(tlswire_conn *conn);

#endif /* TLSWIRE_SRC_CONN_H */
