/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dtls.c - DTLS on a tlswire_conn: MTU, stateless listen, retransmission.
 *
 * Every entry point checks SSL_is_dtls first: libssl's DTLS calls on a TLS
 * connection range from meaningless to a crash (DTLS_get_data_mtu).
 */
#include <limits.h>
#include <sys/time.h>

#include <openssl/err.h>

#include "driver.h"
#include "safety.h"
#include "transport.h"

#define NOT_DTLS_MSG "not a DTLS connection"

int tlswire_conn_set_ciphertext_mtu(tlswire_conn *conn, long mtu) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  if (!SSL_is_dtls(conn->ssl))
    return tlswire_error_set(&conn->err, TLSWIRE_E_STATE, NOT_DTLS_MSG);
  TW_GUARD_ARG(mtu > 0, &conn->err, "MTU must be positive");
  /* The ring BIO cannot report a path MTU: use exactly this one. */
  SSL_set_options(conn->ssl, SSL_OP_NO_QUERY_MTU);
  if (!SSL_set_mtu(conn->ssl, mtu))
    return tlswire_error_set(&conn->err, TLSWIRE_E_INVALID,
                             "MTU below the DTLS minimum");
  return TLSWIRE_OK;
}

int tlswire_conn_get_cleartext_mtu(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  if (!SSL_is_dtls(conn->ssl))
    return tlswire_error_set(&conn->err, TLSWIRE_E_STATE, NOT_DTLS_MSG);
  size_t n = DTLS_get_data_mtu(conn->ssl);
  return n > INT_MAX ? INT_MAX : (int)n;
}

int tlswire_conn_DTLSv1_listen(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  if (!SSL_is_dtls(conn->ssl))
    return tlswire_error_set(&conn->err, TLSWIRE_E_STATE, NOT_DTLS_MSG);
  BIO_ADDR *peer = BIO_ADDR_new();
  if (peer == NULL)
    return tlswire_error_from_queue(&conn->err, TLSWIRE_E_NOMEM);
  const struct tlswire_io io = {.op = TLSWIRE_IO_DTLS_LISTEN, .peer = peer};
  int rc = tlswire_drive(conn, &io);
  BIO_ADDR_free(peer);
  return rc;
}

int tlswire_conn_DTLSv1_get_timeout(const tlswire_conn *conn,
                                    unsigned long long *usec) {
  TW_GUARD(conn != NULL && usec != NULL, TLSWIRE_E_INVALID);
  *usec = 0;
  struct timeval tv;
  if (!SSL_is_dtls(conn->ssl) || DTLSv1_get_timeout(conn->ssl, &tv) != 1)
    return 0;
  *usec = (unsigned long long)tv.tv_sec * 1000000ull +
          (unsigned long long)tv.tv_usec;
  return 1;
}

int tlswire_conn_DTLSv1_handle_timeout(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  if (!SSL_is_dtls(conn->ssl))
    return 0;
  const struct tlswire_io io = {.op = TLSWIRE_IO_DTLS_TIMEOUT};
  return tlswire_drive(conn, &io);
}
