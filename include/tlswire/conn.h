/*
 * tlswire/conn.h - tlswire_conn, pyOpenSSL's Connection, in memory mode.
 *
 * Part of the public API; include <tlswire/tlswire.h> rather than this file.
 *
 * A connection in memory mode moves no bytes itself. The caller feeds the
 * ciphertext it received with tlswire_conn_bio_write(), takes the ciphertext
 * to transmit with tlswire_conn_bio_read(), and signals the end of its input
 * with tlswire_conn_bio_shutdown(). Plaintext goes in with tlswire_conn_send()
 * and comes out with tlswire_conn_recv().
 *
 * Both directions pass through bounded byte rings (see
 * tlswire_context_set_ring_capacity()): when the output ring is full,
 * send/do_handshake/shutdown return TLSWIRE_E_WANT_WRITE until bio_read has
 * drained it; when the input ring is full, bio_write accepts less or returns
 * TLSWIRE_E_WANT_WRITE until recv/do_handshake have consumed it.
 *
 * A typical loop: after any call returns TLSWIRE_E_WANT_READ, first drain
 * bio_read (which may hold output the peer waits for), then feed bio_write
 * with whatever the transport delivers, then call again.
 *
 * Unless stated otherwise, functions return TLSWIRE_OK or a negative
 * TLSWIRE_E_* status; details of a failure are in tlswire_conn_last_error().
 * TLSWIRE_E_INVALID means a NULL or out-of-range argument.
 */
#ifndef TLSWIRE_CONN_H
#define TLSWIRE_CONN_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <tlswire/context.h>
#include <tlswire/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tlswire_transport tlswire_transport;

/*
 * Creates a connection from ctx. t == NULL selects memory mode; a non-NULL t
 * binds the connection to that transport (see <tlswire/transport.h>): the
 * connection owns t from then on, also when this call fails (t is freed). The
 * connection takes a reference on ctx and freezes it. The role is not
 * implied by the method: call set_connect_state or set_accept_state.
 * On success *out holds the connection; on failure *out is NULL and the
 * status is TLSWIRE_E_INVALID, TLSWIRE_E_NOMEM or TLSWIRE_E_SSL (details in
 * the context's error record).
 */
TLSWIRE_API int tlswire_conn_new(tlswire_conn **out, tlswire_context *ctx,
                                 tlswire_transport *t);

/* Destroys the connection and drops its context reference. NULL is
 * ignored. A connection freed without a clean shutdown leaves its session
 * non-resumable, as libssl does. */
TLSWIRE_API void tlswire_conn_free(tlswire_conn *conn);

/* The record of the connection's last failure (NULL for NULL). */
TLSWIRE_API const tlswire_error *
tlswire_conn_last_error(const tlswire_conn *conn);

/* Escape hatch: the underlying SSL, borrowed (valid while conn lives). */
TLSWIRE_API SSL *tlswire_conn_get_ssl(const tlswire_conn *conn);

/* Client role (SSL_set_connect_state). Returns TLSWIRE_OK. */
TLSWIRE_API int tlswire_conn_set_connect_state(tlswire_conn *conn);
/* Server role (SSL_set_accept_state). Returns TLSWIRE_OK. */
TLSWIRE_API int tlswire_conn_set_accept_state(tlswire_conn *conn);

/*
 * Runs the handshake as far as the available input allows.
 * Returns TLSWIRE_OK once it is complete; TLSWIRE_E_WANT_READ (feed
 * bio_write, after draining bio_read); TLSWIRE_E_WANT_WRITE (the output ring
 * is full: drain bio_read); TLSWIRE_E_SSL (protocol failure, or no role set:
 * "connection type not set"); TLSWIRE_E_SYSCALL (input ended, errno -1);
 * TLSWIRE_E_CALLBACK (a user callback failed).
 */
TLSWIRE_API int tlswire_conn_do_handshake(tlswire_conn *conn);

/*
 * Encrypts up to len bytes of buf (at most one TLS record per call) and
 * stores *sent, the number of bytes accepted (0 on failure). Bytes accepted
 * are never lost and never need to be offered again; the rest is simply
 * offered in a later call, from any buffer. Runs the handshake first if it is
 * not complete. Statuses as do_handshake, plus TLSWIRE_E_ZERO_RETURN after
 * close_notify, and TLSWIRE_E_INVALID for len 0, a NULL buf or sent.
 */
TLSWIRE_API int tlswire_conn_send(tlswire_conn *conn, const void *buf,
                                  size_t len, size_t *sent);

/*
 * Decrypts up to len bytes into buf and stores *received (0 on failure).
 * TLSWIRE_E_WANT_READ: no plaintext yet, feed more ciphertext.
 * TLSWIRE_E_ZERO_RETURN: the peer sent close_notify (clean end).
 * TLSWIRE_E_SYSCALL with errno -1: the input ended (bio_shutdown) without
 * close_notify: a truncated stream, never reported as a clean close.
 * TLSWIRE_E_SSL: protocol failure (e.g. garbage ciphertext, "uninitialized"
 * without a role). TLSWIRE_E_INVALID for len 0, a NULL buf or received.
 */
TLSWIRE_API int tlswire_conn_recv(tlswire_conn *conn, void *buf, size_t len,
                                  size_t *received);

/*
 * Copies up to len bytes of received ciphertext into the input ring and
 * stores *written, how many were taken (possibly fewer than len when the
 * ring is nearly full). TLSWIRE_E_WANT_WRITE: the ring is full, nothing was
 * taken (call recv or do_handshake to consume). TLSWIRE_E_STATE: input was
 * already ended by bio_shutdown. TLSWIRE_E_INVALID: len 0 (pyOpenSSL's
 * bio_write(b"") error), NULL buf or written.
 */
TLSWIRE_API int tlswire_conn_bio_write(tlswire_conn *conn, const void *buf,
                                       size_t len, size_t *written);

/*
 * Moves up to len bytes of ciphertext waiting for the peer into buf and
 * stores *nread. TLSWIRE_E_WANT_READ: nothing is waiting (the pump's stop
 * signal, as in pyOpenSSL). TLSWIRE_E_INVALID: len 0, NULL buf or nread.
 */
TLSWIRE_API int tlswire_conn_bio_read(tlswire_conn *conn, void *buf, size_t len,
                                      size_t *nread);

/*
 * Marks the end of the ciphertext input (the transport reached EOF). Data
 * already in the input ring is still processed; after it, reads report
 * TLSWIRE_E_ZERO_RETURN if close_notify arrived, TLSWIRE_E_SYSCALL (errno -1)
 * otherwise. Idempotent. Returns TLSWIRE_OK.
 */
TLSWIRE_API int tlswire_conn_bio_shutdown(tlswire_conn *conn);

/*
 * Zero-copy access to the rings.
 *
 * bio_peek: *data points at the next *len bytes of pending output (one
 * contiguous piece of it; *len may be less than the total pending). The
 * pointer stays valid until the next call on conn. TLSWIRE_E_WANT_READ when
 * nothing is pending. bio_consume then drops n of those bytes
 * (TLSWIRE_E_INVALID if n exceeds what peek reported).
 *
 * bio_window: *buf points at *len bytes of free input space (contiguous) to
 * receive ciphertext into directly. TLSWIRE_E_WANT_WRITE when the ring is
 * full, TLSWIRE_E_STATE after bio_shutdown. bio_commit then adds n bytes
 * written there (TLSWIRE_E_INVALID if n exceeds the window).
 */
TLSWIRE_API int tlswire_conn_bio_peek(tlswire_conn *conn, const void **data,
                                      size_t *len);
TLSWIRE_API int tlswire_conn_bio_consume(tlswire_conn *conn, size_t n);
TLSWIRE_API int tlswire_conn_bio_window(tlswire_conn *conn, void **buf,
                                        size_t *len);
TLSWIRE_API int tlswire_conn_bio_commit(tlswire_conn *conn, size_t n);

/* Bytes of ciphertext waiting in the output ring / input ring. */
TLSWIRE_API size_t tlswire_conn_bio_pending_out(const tlswire_conn *conn);
TLSWIRE_API size_t tlswire_conn_bio_pending_in(const tlswire_conn *conn);

/*
 * Sends close_notify (once) and looks for the peer's.
 * Returns 1 when both close_notify alerts are done, 0 when ours was sent and
 * the peer's has not arrived yet (call again after feeding input; pyOpenSSL's
 * False), or a negative status: TLSWIRE_E_WANT_WRITE (output ring full),
 * TLSWIRE_E_WANT_READ (waiting for the peer's close_notify on a second call),
 * TLSWIRE_E_SYSCALL errno -1 (input ended first), TLSWIRE_E_SSL (no role:
 * "uninitialized").
 */
TLSWIRE_API int tlswire_conn_shutdown(tlswire_conn *conn);

/* The shutdown state: TLSWIRE_SENT_SHUTDOWN | TLSWIRE_RECEIVED_SHUTDOWN bits
 * (0 for NULL). */
TLSWIRE_API int tlswire_conn_get_shutdown(const tlswire_conn *conn);

/* Sets the shutdown state bits; TLSWIRE_E_INVALID for other bits. */
TLSWIRE_API int tlswire_conn_set_shutdown(tlswire_conn *conn, int state);

/* Plaintext bytes decrypted and buffered, ready for recv without new input
 * (SSL_pending); 0 for NULL. */
TLSWIRE_API int tlswire_conn_pending(const tlswire_conn *conn);

/* 1 if the last operation stopped for lack of input (SSL_want_read), else
 * 0. */
TLSWIRE_API int tlswire_conn_want_read(const tlswire_conn *conn);

/* 1 if the last operation stopped because the output could not be written
 * (SSL_want_write), else 0. In memory mode this is 1 only when the output
 * ring was full; output waiting in the ring is bio_pending_out(). On a
 * connection bound to a transport it is also 1 while ciphertext the
 * transport has not taken yet waits (see tlswire_conn_flush()). */
TLSWIRE_API int tlswire_conn_want_write(const tlswire_conn *conn);

/* --- what was negotiated ------------------------------------------------ */

/* The current cipher's name ("TLS_AES_256_GCM_SHA384"), or NULL before a
 * cipher is negotiated. Static string. */
TLSWIRE_API const char *tlswire_conn_get_cipher_name(const tlswire_conn *conn);

/* The current cipher's secret bits (> 0), or TLSWIRE_E_STATE before a cipher
 * is negotiated. */
TLSWIRE_API int tlswire_conn_get_cipher_bits(const tlswire_conn *conn);

/* The protocol version the current cipher belongs to ("TLSv1.3"), or NULL
 * before a cipher is negotiated. Static string. */
TLSWIRE_API const char *
tlswire_conn_get_cipher_version(const tlswire_conn *conn);

/* The protocol version (TLSWIRE_TLS1_3_VERSION, ...). Before the handshake
 * libssl reports the highest version the method allows, as pyOpenSSL shows
 * (772 on a fresh TLS_METHOD connection). */
TLSWIRE_API int tlswire_conn_get_protocol_version(const tlswire_conn *conn);

/* The protocol version's name ("TLSv1.2"); static string, NULL for NULL. */
TLSWIRE_API const char *
tlswire_conn_get_protocol_version_name(const tlswire_conn *conn);

/* A long description of the handshake state ("before SSL initialization",
 * "SSL negotiation finished successfully"); static string. */
TLSWIRE_API const char *tlswire_conn_get_state_string(const tlswire_conn *conn);

#ifdef __cplusplus
}
#endif

#endif /* TLSWIRE_CONN_H */
