/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.h - the connection object, shared with the files that implement its
 * methods (driver, zero-copy side, queries, sessions, callbacks).
 *
 * A connection is in memory mode (mem: its BIO is the memory BIO over two
 * rings) or bound (bound != NULL: its BIO is the bound BIO over a transport);
 * the mode is chosen once, by tlswire_conn_new.
 */
#ifndef TLSWIRE_SRC_CONN_H
#define TLSWIRE_SRC_CONN_H

#include <tlswire/tlswire.h>

#include "bind.h"
#include "bio.h"
#include "close.h"
#include "error.h"

/* A callback failure waiting to be reported by the connection's current
 * call. code 0: nothing pending. */
struct tlswire_cb_pending {
  int code;         /* TLSWIRE_E_CALLBACK, or TLSWIRE_E_INVALID (bad output) */
  int value;        /* the callback's return value */
  const char *what; /* static: which callback */
};

struct tlswire_conn {
  SSL *ssl;
  tlswire_context *ctx;
  struct tlswire_bio_mem mem;  /* memory mode's rings (unused when bound) */
  struct tlswire_bound *bound; /* bound mode's state, or NULL */
  int verify_overridden; /* set_verify on the connection replaced ctx's */
  tlswire_verify_cb verify_cb;
  void *verify_arg;
  struct tlswire_error err;
  void *app_data;          /* set_app_data; never touched by tlswire */
  tlswire_info_cb info_cb; /* set_info_callback */
  void *info_arg;
  struct tlswire_cb_pending cb_pending; /* a callback failed in this call */
  unsigned last_want; /* TLSWIRE_WAIT_* the last driver call stopped for */
  struct tlswire_close close; /* tlswire_conn_close's progress */
};

/* The connection that owns ssl, or NULL for an SSL tlswire did not make. */
tlswire_conn *tlswire_conn_from_ssl(const SSL *ssl);

/* The verify callback in force for conn: its own, else its context's. */
void tlswire_conn_verify_callback(const tlswire_conn *conn,
                                  tlswire_verify_cb *cb, void **arg);

/* Records a callback failure for the connection's current call; the first
 * failure of a call is kept. */
void tlswire_cb_pending_set(tlswire_conn *conn, int code, int value,
                            const char *what);

/* If a failure is pending on conn, moves it into conn's error record and
 * returns its status; returns TLSWIRE_OK otherwise. */
int tlswire_cb_pending_take(tlswire_conn *conn);

/* The ring libssl's output goes to: the memory output ring, or the bound
 * state's ring of what the transport has not taken yet. */
static inline struct tlswire_ring *tlswire_conn_out(tlswire_conn *conn) {
  return conn->bound ? &conn->bound->out : &conn->mem.out;
}
static inline const struct tlswire_ring *
tlswire_conn_out_const(const tlswire_conn *conn) {
  return conn->bound ? &conn->bound->out : &conn->mem.out;
}

/* The input has ended (bio_shutdown, or the transport's end of stream). */
/* What a call that returned rc stopped for (TLSWIRE_WAIT_*, 0 for none):
 * kept in last_want for tlswire_conn_get_wait. */
static inline unsigned tlswire_want_of(int rc) {
  return rc == TLSWIRE_E_WANT_READ    ? TLSWIRE_WAIT_READ
         : rc == TLSWIRE_E_WANT_WRITE ? TLSWIRE_WAIT_WRITE
                                      : 0u;
}

static inline int tlswire_conn_in_eof(const tlswire_conn *conn) {
  return conn->bound ? conn->bound->in_eof : conn->mem.in_eof;
}

/* The transport of a bound connection, or NULL (memory mode). */
tlswire_transport *tlswire_conn_transport(const tlswire_conn *conn);

/* Gives back the storage of every ring that is empty and has no window
 * open (to the context's pool, or the heap when the pool is full). */
void tlswire_conn_release_idle(tlswire_conn *conn);

/* 1 once tlswire_conn_close was called on conn (also after it finished):
 * the other I/O calls are refused from then on. */
int tlswire_conn_closing(const tlswire_conn *conn);

#endif /* TLSWIRE_SRC_CONN_H */
