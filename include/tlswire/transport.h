/*
 * tlswire/transport.h - the transport vtable and the built-in transports.
 *
 * Part of the public API; include <tlswire/tlswire.h> rather than this file.
 */
#ifndef TLSWIRE_TRANSPORT_H
#define TLSWIRE_TRANSPORT_H

#include <stddef.h>
#include <tlswire/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tlswire_transport tlswire_transport;

#ifdef __cplusplus
}
#endif

#endif /* TLSWIRE_TRANSPORT_H */
