/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_bio.c - the byte-buffer side of a connection in memory mode: the
 * copying calls (bio_write, bio_read, bio_shutdown) and the zero-copy ones
 * (bio_peek/bio_consume, bio_window/bio_commit).
 *
 * None of these reaches libssl: they move ciphertext between the caller and
 * the rings the memory BIO serves libssl from.
 */
#include "conn.h"
#include "safety.h"

/* TLSWIRE_E_STATE (recorded) on a bound connection. */
static int memory_only(tlswire_conn *conn) {
  if (conn->bound == NULL)
    return TLSWIRE_OK;
  return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                           "bio_* on a connection bound to a transport");
}

static int input_ended(tlswire_conn *conn) {
  return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                           "input already ended by bio_shutdown");
}

static int no_input_memory(tlswire_conn *conn) {
  return tlswire_error_set(&conn->err, TLSWIRE_E_NOMEM,
                           "no memory for the input ring");
}

int tlswire_conn_bio_write(tlswire_conn *conn, const void *buf, size_t len,
                           size_t *written) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(memory_only(conn));
  TW_GUARD_ARG(written != NULL, &conn->err, "written is NULL");
  *written = 0;
  TW_GUARD_ARG(buf != NULL && len > 0, &conn->err, "buffer is NULL or empty");
  struct tlswire_ring *in = &conn->mem.in;
  if (conn->mem.in_eof)
    return input_ended(conn);
  tlswire_ring_close_window(in); /* the bytes go where the window was */
  if (tlswire_ring_full(in))
    return TLSWIRE_E_WANT_WRITE;
  size_t room = in->limit - tlswire_ring_len(in);
  *written = tlswire_ring_put(in, buf, len < room ? len : room);
  return *written > 0 ? TLSWIRE_OK : no_input_memory(conn);
}

int tlswire_conn_bio_read(tlswire_conn *conn, void *buf, size_t len,
                          size_t *nread) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(memory_only(conn));
  TW_GUARD_ARG(nread != NULL, &conn->err, "nread is NULL");
  *nread = 0;
  TW_GUARD_ARG(buf != NULL && len > 0, &conn->err, "buffer is NULL or empty");
  *nread = tlswire_ring_get(&conn->mem.out, buf, len);
  if (*nread == 0)
    return TLSWIRE_E_WANT_READ;
  tlswire_conn_release_idle(conn);
  return TLSWIRE_OK;
}

int tlswire_conn_bio_shutdown(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(memory_only(conn));
  tlswire_ring_close_window(&conn->mem.in);
  conn->mem.in_eof = 1;
  return TLSWIRE_OK;
}

int tlswire_conn_bio_peek(tlswire_conn *conn, const void **data, size_t *len) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(memory_only(conn));
  TW_GUARD_ARG(data != NULL && len != NULL, &conn->err, "data or len is NULL");
  *data = tlswire_ring_peek(&conn->mem.out, len);
  return *len > 0 ? TLSWIRE_OK : TLSWIRE_E_WANT_READ;
}

int tlswire_conn_bio_consume(tlswire_conn *conn, size_t n) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(memory_only(conn));
  size_t contiguous;
  tlswire_ring_peek(&conn->mem.out, &contiguous);
  TW_GUARD_ARG(n <= contiguous, &conn->err,
               "consume exceeds the peeked output");
  tlswire_ring_consume(&conn->mem.out, n);
  tlswire_conn_release_idle(conn);
  return TLSWIRE_OK;
}

int tlswire_conn_bio_window(tlswire_conn *conn, void **buf, size_t *len) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(memory_only(conn));
  TW_GUARD_ARG(buf != NULL && len != NULL, &conn->err, "buf or len is NULL");
  *len = 0;
  *buf = NULL;
  if (conn->mem.in_eof)
    return input_ended(conn);
  *buf = tlswire_ring_window(&conn->mem.in, len);
  if (*len > 0)
    return TLSWIRE_OK;
  return conn->mem.in.alloc_failed ? no_input_memory(conn)
                                   : TLSWIRE_E_WANT_WRITE;
}

int tlswire_conn_bio_commit(tlswire_conn *conn, size_t n) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(memory_only(conn));
  struct tlswire_ring *in = &conn->mem.in;
  if (!tlswire_ring_window_open(in))
    return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                             "bio_commit without an open bio_window");
  TW_GUARD_ARG(n <= in->window, &conn->err, "commit exceeds the input window");
  tlswire_ring_commit(in, n);
  return TLSWIRE_OK;
}

size_t tlswire_conn_bio_pending_out(const tlswire_conn *conn) {
  return conn ? tlswire_ring_len(tlswire_conn_out_const(conn)) : 0;
}

size_t tlswire_conn_bio_pending_in(const tlswire_conn *conn) {
  return conn ? tlswire_ring_len(&conn->mem.in) : 0;
}
