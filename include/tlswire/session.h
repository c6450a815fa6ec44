/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlswire/session.h - tlswire_session, pyOpenSSL's Session.
 *
 * Part of the public API; include <tlswire/tlswire.h> rather than this file.
 *
 * A session holds what a client needs to resume a connection: the SSL_SESSION
 * (a session ID or a ticket) and the context of the connection it came from.
 * That context is pinned (the session keeps a reference on it) because
 * OpenSSL requires a compatible SSL_CTX for resumption but never checks it;
 * tlswire_conn_set_session() compares it by identity, as pyOpenSSL 26.3 does.
 *
 * Resumption recipe, client side:
 *   1. after the first handshake, get the session. With TLS 1.3 the session
 *      (a ticket) arrives after the handshake: call recv at least once
 *      first (TLSWIRE_E_WANT_READ is fine), or get_session gives a session
 *      the server will not resume;
 *   2. end the connection with tlswire_conn_shutdown, or just free it: a
 *      connection that completed its handshake without a fatal error keeps
 *      its session resumable when freed (tlswire marks it shut down, where
 *      libssl alone would discard the session);
 *   3. on a new connection of the same context, tlswire_conn_set_session
 *      before the handshake; tlswire_conn_session_reused tells whether the
 *      server accepted it.
 * A TLS 1.2 server resumes session IDs, and tickets unless
 * TLSWIRE_OP_NO_TICKET. Give a resuming server a session-ID context
 * (tlswire_context_set_session_id): a server that verifies client
 * certificates without one fails every resumption attempt ("session id
 * context uninitialized"); one that does not verify clients resumes anyway.
 */
#ifndef TLSWIRE_SESSION_H
#define TLSWIRE_SESSION_H

#include <stddef.h>
#include <tlswire/context.h>
#include <tlswire/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tlswire_session tlswire_session;

/*
 * The connection's current session as a NEW object the caller frees with
 * tlswire_session_free (SSL_get1_session), pinned to the connection's
 * current context. *out is NULL (and TLSWIRE_OK returned) when no session
 * exists yet (pyOpenSSL's None): a fresh connection.
 * TLSWIRE_E_INVALID for NULL arguments, TLSWIRE_E_NOMEM.
 */
TLSWIRE_API int tlswire_conn_get_session(const tlswire_conn *conn,
                                         tlswire_session **out);

/*
 * Client, before the handshake: offer to resume session. The connection
 * takes its own reference; the caller still frees session.
 * TLSWIRE_E_INVALID for NULL, or when session came from another context than
 * the connection's current one (pyOpenSSL 26.3's ValueError);
 * TLSWIRE_E_SSL if libssl refuses.
 */
TLSWIRE_API int tlswire_conn_set_session(tlswire_conn *conn,
                                         tlswire_session *session);

/* Beyond pyOpenSSL: 1 if the handshake resumed a session, else 0
 * (SSL_session_reused). */
TLSWIRE_API int tlswire_conn_session_reused(const tlswire_conn *conn);

/* Frees a session and its reference on its context. NULL is ignored. */
TLSWIRE_API void tlswire_session_free(tlswire_session *session);

/* The context the session is pinned to, borrowed (valid while session
 * lives). NULL for NULL. */
TLSWIRE_API tlswire_context *
tlswire_session_get_context(const tlswire_session *session);

/* Beyond pyOpenSSL: 1 if a client could offer the session for resumption
 * (it has a session ID or a ticket and was not invalidated), else 0. */
TLSWIRE_API int tlswire_session_is_resumable(const tlswire_session *session);

/*
 * Beyond pyOpenSSL: serializes the session (DER, i2d_SSL_SESSION) so a
 * client can resume after a restart. Copies min(len, size) bytes into buf
 * (buf may be NULL with len 0 to ask for the size) and stores the full size
 * in *size; a truncated copy is useless, so check *size <= len. The bytes
 * include the session's master secret: protect them like a key.
 * TLSWIRE_E_INVALID for NULL arguments; TLSWIRE_E_SSL if encoding fails.
 */
TLSWIRE_API int tlswire_session_to_bytes(const tlswire_session *session,
                                         void *buf, size_t len, size_t *size);

/*
 * Beyond pyOpenSSL: rebuilds a session from tlswire_session_to_bytes output
 * (d2i_SSL_SESSION), pinned to ctx, the context it will be used with (it
 * must be configured like the one the session came from). *out receives a
 * NEW object (free with tlswire_session_free). buf must hold exactly one
 * encoded session: bytes left over after it are refused.
 * TLSWIRE_E_INVALID for NULL arguments, len 0, or trailing bytes after the
 * session; TLSWIRE_E_SSL for bytes that do not decode; TLSWIRE_E_NOMEM.
 * ctx may be frozen and shared by several threads, so failures are recorded
 * in the calling thread's record (tlswire_thread_last_error()), never in the
 * context's.
 */
TLSWIRE_API int tlswire_session_from_bytes(tlswire_session **out,
                                           tlswire_context *ctx,
                                           const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TLSWIRE_SESSION_H */
