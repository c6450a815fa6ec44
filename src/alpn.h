/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alpn.h - the ALPN protocol list in its wire form (RFC 7301: each name
 * preceded by its one-byte length), built and checked in one place for the
 * context's and the connection's setters.
 */
#ifndef TLSWIRE_SRC_ALPN_H
#define TLSWIRE_SRC_ALPN_H

#include <stddef.h>

#include "error.h"

/* The extension's ProtocolNameList carries a 16-bit length. */
#define TLSWIRE_ALPN_MAX_WIRE 65535

/* Checks wire[0..len) as a list to offer: not empty, at most
 * TLSWIRE_ALPN_MAX_WIRE bytes, every length byte non-zero and the names
 * filling len exactly. Returns TLSWIRE_OK, or records TLSWIRE_E_INVALID with
 * a message in err and returns it. */
int tlswire_alpn_wire_check(struct tlswire_error *err,
                            const unsigned char *wire, size_t len);

/* The wire form of n NUL-terminated names into *wire (a new buffer the
 * caller frees with OPENSSL_free) and its length into *len, by the rules of
 * tlswire_alpn_wire_check.
 * TLSWIRE_E_INVALID for an empty list, a NULL, empty or over-long name, or
 * a list over TLSWIRE_ALPN_MAX_WIRE bytes; TLSWIRE_E_NOMEM. Either failure is
 * recorded in err, *wire stays NULL. */
int tlswire_alpn_wire_build(struct tlswire_error *err,
                            const char *const *protos, size_t n,
                            unsigned char **wire, size_t *len);

#endif /* TLSWIRE_SRC_ALPN_H */
