/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bound.h - driving connections bound to transports in tests.
 */
#ifndef TLSWIRE_TESTS_BOUND_H
#define TLSWIRE_TESTS_BOUND_H

#include <tlswire/tlswire.h>

#include "pump.h"

/* A client and a server bound to ct and st (taken over even on failure),
 * with the EC P-256 fixture contexts of method (TLS or DTLS); roles set.
 * Returns 0 or -1. */
int tw_bound_pair(tw_pair *p, int method, tlswire_transport *ct,
                  tlswire_transport *st);

/* Both handshakes in one thread over non-blocking (or in-process)
 * transports, poll()ing the descriptors when nothing moves. TLSWIRE_OK, or
 * the first failing status (stored per side in *client_rc / *server_rc,
 * either may be NULL). */
int tw_bound_handshake(tw_pair *p, int *client_rc, int *server_rc);

/* Sends data (len bytes) from one connection to the other in one thread and
 * compares every byte received. TLSWIRE_OK; the first failing status of
 * send/recv (*who: 0 sender, 1 receiver); TLSWIRE_E_STATE when the bytes
 * differ or nothing moves any more. */
int tw_bound_transfer(tlswire_conn *from, tlswire_conn *to,
                      const unsigned char *data, size_t len, int *who);

/* The same over blocking transports: the client runs in a second thread.
 * Handshake, then len bytes client -> server, then len bytes back, compared
 * byte for byte. TLSWIRE_OK or the first failing status. */
int tw_bound_blocking(tw_pair *p, const unsigned char *data, size_t len);

/* Two connected TCP sockets on 127.0.0.1 (fds[0] connected, fds[1]
 * accepted; blocking), the port chosen by the kernel. 0, or -1 with both
 * set to -1. */
int tw_tcp_pair(int fds[2]);

/* len bytes of a fixed pseudo-random pattern (malloc'd, caller frees). */
unsigned char *tw_pattern(size_t len, unsigned seed);

#endif /* TLSWIRE_TESTS_BOUND_H */
