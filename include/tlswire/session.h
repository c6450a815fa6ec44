/*
 * tlswire/session.h - tlswire_session, pyOpenSSL's Session.
 *
 * Part of the public API; include <tlswire/tlswire.h> rather than this file.
 */
#ifndef TLSWIRE_SESSION_H
#define TLSWIRE_SESSION_H

#include <tlswire/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tlswire_session tlswire_session;

#ifdef __cplusplus
}
#endif

#endif /* TLSWIRE_SESSION_H */
