/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_data.c - tlswire_conn data variants (write/read aliases, sendall,
 * peeking, recv_into) and TLS 1.2 renegotiation.
 */
#include <limits.h>

#include "conn.h"
#include "safety.h"

int tlswire_conn_write(tlswire_conn *conn, const void *buf, size_t len,
                       size_t *sent) {
  return tlswire_conn_send(conn, buf, len, sent);
}

int tlswire_conn_read(tlswire_conn *conn, void *buf, size_t len,
                      size_t *received) {
  return tlswire_conn_recv(conn, buf, len, received);
}

int tlswire_conn_sendall(tlswire_conn *conn, const void *buf, size_t len,
                         size_t *sent) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(sent != NULL, &conn->err, "sent is NULL");
  *sent = 0;
  TW_GUARD_ARG(buf != NULL && len > 0, &conn->err, "buffer is NULL or empty");
  const unsigned char *p = buf;
  while (*sent < len) {
    size_t n = 0;
    int rc = tlswire_conn_send(conn, p + *sent, len - *sent, &n);
    *sent += n;
    if (rc != TLSWIRE_OK)
      return rc;
  }
  return TLSWIRE_OK;
}

int tlswire_conn_recv_into(tlswire_conn *conn, void *buf, size_t buflen,
                           size_t nbytes, int flags, size_t *received) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(received != NULL, &conn->err, "received is NULL");
  *received = 0;
  TW_GUARD_ARG((flags & ~TLSWIRE_MSG_PEEK) == 0, &conn->err,
               "unknown recv flags");
  size_t n = nbytes == 0 || nbytes > buflen ? buflen : nbytes;
  if (flags & TLSWIRE_MSG_PEEK)
    return tlswire_conn_recv_peek(conn, buf, n, received);
  return tlswire_conn_recv(conn, buf, n, received);
}

/* --- renegotiation ------------------------------------------------------- */

int tlswire_conn_renegotiate(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  if (SSL_renegotiate_pending(conn->ssl))
    return 0;
  tlswire_error_clear_queue();
  TW_GUARD_OSSL(SSL_renegotiate(conn->ssl), &conn->err);
  return 1;
}

int tlswire_conn_renegotiate_pending(const tlswire_conn *conn) {
  return conn ? SSL_renegotiate_pending(conn->ssl) == 1 : 0;
}

int tlswire_conn_total_renegotiations(const tlswire_conn *conn) {
  long n = conn ? SSL_total_renegotiations(conn->ssl) : 0;
  return n > INT_MAX ? INT_MAX : (int)n;
}
