/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dtls_link.h - bound DTLS: the retransmission timer and the MTU, shared by
 * the driver, the binding and the event-loop call. Below the driver: it
 * makes no libssl I/O call.
 */
#ifndef TLSWIRE_SRC_DTLS_LINK_H
#define TLSWIRE_SRC_DTLS_LINK_H

#include <openssl/ssl.h>

#include <tlswire/tlswire.h>

/* Milliseconds (rounded up) until ssl's DTLS retransmission timer expires:
 * 0 when it has, -1 when none runs (or ssl is not DTLS). */
int tlswire_dtls_timer_ms(const SSL *ssl);

/* Bound DTLS: each recv of the transport waits (through ops->wait) no
 * longer than the retransmission timer. Called once, at bind. */
void tlswire_dtls_bind(tlswire_transport *t, const SSL *ssl);

/* Bound DTLS: the transport's MTU (ops->mtu > 0) becomes the connection's,
 * unless it was set already (SSL_OP_NO_QUERY_MTU). */
void tlswire_dtls_apply_mtu(tlswire_transport *t, SSL *ssl);

#endif /* TLSWIRE_SRC_DTLS_LINK_H */
