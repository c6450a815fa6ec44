/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dtls.h - DTLS helpers the driver and the event-loop call share.
 */
#ifndef TLSWIRE_SRC_DTLS_H
#define TLSWIRE_SRC_DTLS_H

#include "conn.h"

/* Milliseconds (rounded up) until conn's DTLS retransmission timer expires:
 * 0 when it has, -1 when none runs (or conn is not DTLS). */
int tlswire_dtls_timer_ms(const tlswire_conn *conn);

/* Bound DTLS: each recv of the transport waits (through ops->wait) no
 * longer than the retransmission timer. Called once, at bind. */
void tlswire_dtls_bind(tlswire_conn *conn);

/* Bound DTLS: the transport's MTU (ops->mtu > 0) becomes the connection's,
 * unless it was set already (SSL_OP_NO_QUERY_MTU). */
void tlswire_dtls_apply_mtu(tlswire_conn *conn);

#endif /* TLSWIRE_SRC_DTLS_H */
