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
  struct tlswire_error err;
  struct tlswire_cb_pending cb_pending; /* a callback failed in this call */
};

/* The connection that owns ssl, or NULL for an SSL tlswire did not make. */
tlswire_conn *tlswire_conn_from_ssl(const SSL *ssl);

/* The verify callback in force for conn: its own, else its context's. */
void tlswire_conn_verify_callback(const tlswire_conn *conn,
                                  tlswire_verify_cb *cb, void **arg);

#endif /* TLSWIRE_SRC_CONN_H */
