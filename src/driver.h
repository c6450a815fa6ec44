/* SPDX-License-Identifier: Apache-2.0 */
/*
 * driver.h - the one place libssl's I/O calls are made.
 *
 * Every handshake, write, read, peek, shutdown, DTLS listen and DTLS
 * timeout goes through tlswire_drive, which holds the stream invariant:
 * - a byte count is reported only together with TLSWIRE_OK, and a
 *   successful libssl read or write is never reported as a failure;
 * - each step is decided from libssl's own state (SSL_in_before,
 *   SSL_in_init), never from flags of tlswire's: a write first finishes a
 *   handshake in progress (first, renegotiation, KeyUpdate), then starts only
 *   below the output ring's soft limit, and asks for at most one record, so
 *   the record it builds always fits the ring's storage and libssl never
 *   keeps plaintext it has not reported as written;
 * - on a bound connection, output the transport has not taken yet is pushed
 *   before and after the libssl call; an answer libssl gave (a count, a
 *   shutdown's 0 or 1) stands even when output stays stuck (it shows in
 *   want_write, tlswire_conn_state and goes first in the next call), while
 *   a handshake is done only once its flight has left and a would-block
 *   with output stuck becomes TLSWIRE_E_WANT_WRITE;
 * - OpenSSL's error queue is never probed on success or would-block (it
 *   costs about 200 instructions a look); a failure drains it into the
 *   connection's record, so a failed call leaves it empty.
 */
#ifndef TLSWIRE_SRC_DRIVER_H
#define TLSWIRE_SRC_DRIVER_H

#include <openssl/bio.h>

#include "conn.h"

enum tlswire_io_op {
  TLSWIRE_IO_HANDSHAKE,
  TLSWIRE_IO_WRITE,
  TLSWIRE_IO_READ,
  TLSWIRE_IO_PEEK,
  TLSWIRE_IO_SHUTDOWN,
  TLSWIRE_IO_DTLS_LISTEN,
  TLSWIRE_IO_DTLS_TIMEOUT
};

struct tlswire_io {
  enum tlswire_io_op op;
  void *buf;        /* WRITE (read only), READ, PEEK */
  size_t len;       /* > 0 for WRITE, READ, PEEK */
  size_t *done;     /* bytes moved; non-zero only with TLSWIRE_OK */
  BIO_ADDR *peer;   /* DTLS_LISTEN */
};

/* Runs io on conn. Returns TLSWIRE_OK (HANDSHAKE, WRITE, READ, PEEK,
 * DTLS_LISTEN), libssl's non-negative result (SHUTDOWN: 0 sent, 1 done;
 * DTLS_TIMEOUT: 0 or 1), or a negative status recorded on conn. */
int tlswire_drive(tlswire_conn *conn, const struct tlswire_io *io);

#endif /* TLSWIRE_SRC_DRIVER_H */
