/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_common.h - shared pieces of the libFuzzer targets.
 */
#ifndef TLSWIRE_FUZZ_COMMON_H
#define TLSWIRE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <tlswire/tlswire.h>

/* A status outside tlswire's table is a bug worth a crash report. */
static inline int fuzz_check(int rc) {
  if (rc > 1 || strcmp(tlswire_status_name(rc), "TLSWIRE_E_UNKNOWN") == 0)
    __builtin_trap();
  return rc;
}

static inline int fuzz_fatal(int rc) {
  return rc == TLSWIRE_E_SSL || rc == TLSWIRE_E_SYSCALL ||
         rc == TLSWIRE_E_ZERO_RETURN || rc == TLSWIRE_E_NOMEM;
}

/* Drains what the connection wants to send; the peer is imaginary. */
static inline void fuzz_drain(tlswire_conn *conn) {
  unsigned char sink[4096];
  size_t n;
  while (fuzz_check(tlswire_conn_bio_read(conn, sink, sizeof sink, &n)) ==
         TLSWIRE_OK)
    ;
}

/*
 * Feeds data to conn as ciphertext from the peer, in chunks whose sizes
 * come from the first byte, driving the handshake and reading plaintext
 * after each chunk; then ends the input and closes.
 */
static inline void fuzz_feed(tlswire_conn *conn, const uint8_t *data,
                             size_t size) {
  size_t chunk = size > 0 ? (size_t)(data[0] % 97) + 1 : 1;
  unsigned char plain[2048];
  size_t n;
  int rc = TLSWIRE_OK;
  for (size_t off = size > 0 ? 1 : 0; off < size && !fuzz_fatal(rc);) {
    size_t len = size - off < chunk ? size - off : chunk;
    rc = fuzz_check(tlswire_conn_bio_write(conn, data + off, len, &n));
    off += rc == TLSWIRE_OK ? n : 0;
    rc = fuzz_check(tlswire_conn_do_handshake(conn));
    if (rc == TLSWIRE_OK)
      rc = fuzz_check(tlswire_conn_recv(conn, plain, sizeof plain, &n));
    if (rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE)
      rc = TLSWIRE_OK;
    fuzz_drain(conn);
  }
  fuzz_check(tlswire_conn_bio_shutdown(conn));
  fuzz_check(tlswire_conn_recv(conn, plain, sizeof plain, &n));
  fuzz_check(tlswire_conn_shutdown(conn));
  fuzz_drain(conn);
}

#endif /* TLSWIRE_FUZZ_COMMON_H */
