/* SPDX-License-Identifier: Apache-2.0 */
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
 * tlswire_context_set_ring_capacity()): when the output ring holds its
 * capacity, or has no room left for a record, send returns
 * TLSWIRE_E_WANT_WRITE until bio_read has drained it (do_handshake and
 * shutdown too once a record no longer fits its storage); when the input
 * ring is full (its capacity, and at least one whole record), bio_write
 * accepts less or returns TLSWIRE_E_WANT_WRITE until recv/do_handshake have
 * consumed it.
 *
 * The stream contract (every data call, memory mode and bound alike):
 * - every byte send reports in *sent reaches the peer exactly once, in
 *   order, and is never offered again; every byte recv reports is the next
 *   byte of the peer's stream;
 * - a byte count is non-zero only together with TLSWIRE_OK: a call that
 *   returns any other status moved no plaintext, and a call whose libssl
 *   read or write succeeded always returns TLSWIRE_OK;
 * - after any TLSWIRE_E_WANT_* the next call may pass a different buffer of
 *   a different length: nothing is kept from the failed call.
 *
 * After a fatal error (a failed handshake, a fatal alert sent or received,
 * a protocol failure) a connection is unusable, as in libssl: every later
 * do_handshake, send, recv (and variants) and renegotiation step returns
 * TLSWIRE_E_SSL with the message "connection unusable after an earlier
 * fatal error" and no OpenSSL entries in the record; once the input has
 * been ended (bio_shutdown, a bound transport's end of file) they return
 * TLSWIRE_E_SYSCALL (errno -1) instead. shutdown returns TLSWIRE_E_SSL with
 * libssl's own reason, "shutdown while in init" (libssl counts a failed
 * connection as one in its handshake); no close_notify is sent. pyOpenSSL 23
 * raises SysCallError(-1, 'Unexpected EOF') for all of them; tlswire keeps
 * TLSWIRE_E_SYSCALL for an input that really ended, so a caller can tell a
 * truncated stream from a dead connection. Free the connection.
 *
 * A typical loop: after any call, drain bio_read (output may be waiting
 * even after TLSWIRE_OK, e.g. the client's last handshake flight), feed
 * bio_write with whatever the transport delivers, then call again.
 *
 * Unless stated otherwise, functions return TLSWIRE_OK or a negative
 * TLSWIRE_E_* status; details of a failure are in tlswire_conn_last_error().
 * TLSWIRE_E_INVALID means a NULL or out-of-range argument.
 */
#ifndef TLSWIRE_CONN_H
#define TLSWIRE_CONN_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>
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
 * status is TLSWIRE_E_INVALID, TLSWIRE_E_NOMEM or TLSWIRE_E_SSL, with the
 * detail in the calling thread's record (tlswire_thread_last_error()): ctx
 * may be shared by several threads, so the context's own record is never
 * written. (A t already bound to another connection is refused with
 * TLSWIRE_E_INVALID without a record.)
 */
TLSWIRE_API int tlswire_conn_new(tlswire_conn **out, tlswire_context *ctx,
                                 tlswire_transport *t);

/* Destroys the connection and drops its context reference. NULL is
 * ignored. A connection whose handshake completed and that saw no fatal
 * error keeps its session resumable even without shutdown (libssl alone
 * would discard it); a failed or truncated one does not.
 * A bound connection's transport is freed with it, at once: ciphertext
 * still waiting in the output ring (tlswire_conn_want_write() true) is
 * dropped, never sent, even where the transport would take it now, and no
 * close_notify is sent. A socket closed with the peer's bytes unread makes
 * the kernel send a reset. For an orderly end call tlswire_conn_close()
 * (or at least tlswire_conn_flush()) first. */
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
 * Returns TLSWIRE_OK once it is complete (in memory mode its last flight may
 * still wait in the output ring: drain bio_read; a bound connection returns
 * TLSWIRE_E_WANT_WRITE until the transport has taken it);
 * TLSWIRE_E_WANT_READ (feed bio_write, after draining bio_read);
 * TLSWIRE_E_WANT_WRITE (the output ring has no room for the next record:
 * drain bio_read); TLSWIRE_E_SSL (protocol failure, or no role set:
 * "connection type not set"); TLSWIRE_E_SYSCALL (input ended, errno -1);
 * TLSWIRE_E_CALLBACK (a user callback failed).
 */
TLSWIRE_API int tlswire_conn_do_handshake(tlswire_conn *conn);

/*
 * Encrypts up to len bytes of buf and stores *sent, the number of bytes
 * accepted (0 on failure). At most one TLS record is built per call: the
 * negotiated maximum fragment length, else 16,384 bytes (a DTLS send is one
 * datagram, passed whole). Bytes accepted are never lost and never need to
 * be offered again; the rest is simply offered in a later call, from any
 * buffer (see the stream contract above). Finishes a handshake in progress
 * first (the first one, a renegotiation, or a TLS 1.3 KeyUpdate to answer),
 * then starts a record only when the output ring has room for all of it:
 * otherwise TLSWIRE_E_WANT_WRITE with *sent == 0. A len larger than INT_MAX
 * is fine (size_t): the call accepts one record's worth, returns TLSWIRE_OK
 * and reports it in *sent, like any other (pyOpenSSL raises ValueError
 * "Cannot send more than 2**31-1 bytes at once" there).
 * Statuses as do_handshake, plus TLSWIRE_E_ZERO_RETURN after close_notify,
 * and TLSWIRE_E_INVALID for len 0, a NULL buf or sent.
 */
TLSWIRE_API int tlswire_conn_send(tlswire_conn *conn, const void *buf,
                                  size_t len, size_t *sent);

/*
 * Decrypts up to len bytes into buf and stores *received (0 on failure).
 * TLSWIRE_E_WANT_READ: no plaintext yet, feed more ciphertext.
 * TLSWIRE_E_ZERO_RETURN: the peer sent close_notify (clean end).
 * TLSWIRE_E_SYSCALL with errno -1: the input ended (bio_shutdown) without
 * close_notify: a truncated stream, never reported as a clean close unless
 * the connection has TLSWIRE_OP_IGNORE_UNEXPECTED_EOF: that option turns it
 * into TLSWIRE_E_ZERO_RETURN, indistinguishable from close_notify (see the
 * warning in <tlswire/constants.h>).
 * TLSWIRE_E_SSL: protocol failure (e.g. garbage ciphertext, "uninitialized"
 * without a role). TLSWIRE_E_INVALID for len 0, a NULL buf or received.
 * Plaintext that libssl handed over is always reported with TLSWIRE_OK,
 * even when the same call also had output to send that could not leave
 * yet (a bound connection then shows it in tlswire_conn_want_write() and
 * pushes it first in its next call).
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
 * Zero-copy access to the rings (memory mode; TLSWIRE_E_STATE when bound).
 *
 * bio_peek: *data points at the next *len bytes of pending output (one
 * contiguous piece of it; *len may be less than the total pending).
 * TLSWIRE_E_WANT_READ (and *data NULL) when nothing is pending. The pointer
 * and those *len bytes stay valid until the next bio_read or bio_consume on
 * conn, or tlswire_conn_free; send, recv, do_handshake, shutdown and the
 * input-side calls in between leave them alone (they only append output).
 * bio_consume then drops n of those bytes (TLSWIRE_E_INVALID if n exceeds
 * what the last peek could report; nothing is dropped then).
 *
 * bio_window: opens a window, *buf pointing at *len bytes of free input
 * space (contiguous) to receive ciphertext into directly.
 * TLSWIRE_E_WANT_WRITE when the ring is full, TLSWIRE_E_STATE after
 * bio_shutdown, TLSWIRE_E_NOMEM when its storage cannot be allocated. The
 * window stays valid until bio_commit, bio_write, bio_shutdown, the next
 * bio_window or tlswire_conn_free; send, recv, do_handshake, shutdown and
 * the output-side calls in between leave it alone, also with
 * TLSWIRE_MODE_RELEASE_BUFFERS (storage is never released under an open
 * window). bio_commit then adds the first n bytes written there as
 * ciphertext and closes the window: TLSWIRE_E_STATE (nothing added) when no
 * window is open, TLSWIRE_E_INVALID (window left open) when n exceeds it;
 * n == 0 just closes it.
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

/* ======================================================================== */
/* The rest of pyOpenSSL's Connection. Ownership is stated per function:  */
/* "new reference" means the caller frees it; "borrowed" means the pointer */
/* stays valid only until the event named.                                 */
/*                                                                          */
/* Socket-only methods (connect, connect_ex, accept, sock_shutdown, fileno) */
/* belong to the transports (tlswire/transport.h). pyOpenSSL's makefile()   */
/* has no C counterpart: it always raises NotImplementedError there, and a  */
/* C program has no file objects to make.                                   */
/* ======================================================================== */

/* --- context, options, identity ----------------------------------------- */

/* The connection's current context, borrowed (valid while conn holds it:
 * until set_context or free; tlswire_context_ref is internal, so keep your
 * own reference if you need it longer). NULL for NULL. */
TLSWIRE_API tlswire_context *tlswire_conn_get_context(const tlswire_conn *conn);

/*
 * Switches the connection to ctx (SSL_set_SSL_CTX), e.g. from a server-name
 * callback. ctx is frozen, the connection takes a reference on it and drops
 * its reference on the old one. Certificates and key (and the session-ID
 * context, if it was the old context's) come from the new context; the
 * verify mode and callback, options and ring capacity stay those the
 * connection had, as in libssl and pyOpenSSL.
 * TLSWIRE_E_INVALID for NULL, or with a message for a context of the other
 * kind (a DTLS context on a TLS connection or a TLS context on a DTLS one:
 * the connection's method cannot change); TLSWIRE_E_SSL if libssl refuses.
 */
TLSWIRE_API int tlswire_conn_set_context(tlswire_conn *conn,
                                         tlswire_context *ctx);

/* Adds option bits (TLSWIRE_OP_*) to this connection only. *new_options, if
 * not NULL, receives the resulting mask (pyOpenSSL's return value). */
TLSWIRE_API int tlswire_conn_set_options(tlswire_conn *conn, uint64_t options,
                                         uint64_t *new_options);

/* The SNI host name: the one received (server) or set (client). Borrowed,
 * valid until the next handshake step or free; NULL when there is none. */
TLSWIRE_API const char *tlswire_conn_get_servername(const tlswire_conn *conn);

/* Client: the SNI host name to send; len bytes of name are copied. Names are
 * bytes without NUL: an embedded NUL, len 0 or len > 255 gives
 * TLSWIRE_E_INVALID (pyOpenSSL's TypeError). TLSWIRE_E_SSL if libssl
 * refuses. SNI alone verifies nothing: a client that means to check who
 * it talks to calls tlswire_conn_set_server_name() instead, which also
 * keeps IP addresses out of SNI (this call, like pyOpenSSL's, sends
 * whatever it is given). */
TLSWIRE_API int tlswire_conn_set_tlsext_host_name(tlswire_conn *conn,
                                                  const char *name, size_t len);

/*
 * Overrides the context's verification for this connection: mode is
 * TLSWIRE_VERIFY_* bits, cb (may be NULL: OpenSSL's own verdict) receives
 * arg. The context's callback is no longer called for this connection.
 * TLSWIRE_E_INVALID for unknown mode bits. TLSWIRE_E_STATE (nothing
 * changed) for a mode without TLSWIRE_VERIFY_PEER while a host name or IP
 * check is set (set_server_name, set_verify_hostname): that check would
 * silently stop running; clear it first with set_verify_hostname(conn,
 * NULL).
 */
TLSWIRE_API int tlswire_conn_set_verify(tlswire_conn *conn, int mode,
                                        tlswire_verify_cb cb, void *arg);

/* The verify mode in force (the connection's own or inherited). */
TLSWIRE_API int tlswire_conn_get_verify_mode(const tlswire_conn *conn);

/*
 * Beyond pyOpenSSL. Client: the one call that names the server. name is a
 * DNS name ("example.com") or an IP address literal ("192.0.2.1", "::1"),
 * copied. For a DNS name it sends name as SNI (as set_tlsext_host_name) and
 * makes the handshake check that the server's certificate is for name
 * (its subjectAltName DNS entries, or its subject CN when it has none:
 * OpenSSL's rule; a wildcard only as the whole left-most label).
 * For an IP address it sends no SNI (RFC 6066 forbids addresses there; an
 * SNI set earlier is removed) and checks the certificate's subjectAltName
 * IP entries for that address (X509_VERIFY_PARAM_set1_ip_asc); a name in
 * the certificate does not match an address. Each call replaces the whole
 * identity set before, of either kind.
 *
 * A mismatch fails the handshake like any verify failure: TLSWIRE_E_SSL
 * "certificate verify failed", tlswire_conn_get_verify_result() giving
 * X509_V_ERR_HOSTNAME_MISMATCH (or X509_V_ERR_IP_ADDRESS_MISMATCH).
 *
 * The check runs inside certificate verification, so it needs
 * TLSWIRE_VERIFY_PEER on the connection (a context from
 * tlswire_context_new_secure(TLSWIRE_PURPOSE_CLIENT) has it). Without it,
 * this call is REFUSED with TLSWIRE_E_STATE and a message, and nothing is
 * set: libssl would otherwise accept the name and never check it, the
 * worst failure a client can have, found only by an attacker. tlswire
 * refuses rather than turning verification on behind the caller's back.
 * (Changing the verify mode through the escape hatch, SSL_set_verify,
 * bypasses this.)
 *
 * Returns TLSWIRE_OK; TLSWIRE_E_INVALID for NULL conn or name, an empty
 * name or one longer than 255 bytes; TLSWIRE_E_STATE as above;
 * TLSWIRE_E_SSL if libssl refuses the name (earlier identity kept).
 */
TLSWIRE_API int tlswire_conn_set_server_name(tlswire_conn *conn,
                                             const char *name);

/*
 * Beyond pyOpenSSL: the check of set_server_name without the SNI. Client:
 * verify that the server certificate matches host (a DNS name, or an IP
 * address literal, told apart as set_server_name does). host is copied and
 * replaces the identity set before, of either kind: a DNS name after an IP
 * address drops the address requirement, and NULL clears both (the check
 * is then off). A mismatch fails the handshake as for set_server_name.
 * Like set_server_name, a non-NULL host is REFUSED with TLSWIRE_E_STATE
 * (nothing set) while TLSWIRE_VERIFY_PEER is off, since the check would
 * never run; NULL is always accepted. TLSWIRE_E_INVALID for an empty host;
 * TLSWIRE_E_SSL if libssl refuses it (earlier identity kept).
 */
TLSWIRE_API int tlswire_conn_set_verify_hostname(tlswire_conn *conn,
                                                 const char *host);

/* Beyond pyOpenSSL: the X509_V_* result of certificate verification
 * (SSL_get_verify_result); X509_V_OK when nothing failed. */
TLSWIRE_API long tlswire_conn_get_verify_result(const tlswire_conn *conn);

/* This connection's own certificate / private key (SSL_use_certificate,
 * SSL_use_PrivateKey). The connection takes its own reference. A key that
 * does not match the certificate, or an unusable object, gives
 * TLSWIRE_E_SSL. TLSWIRE_E_INVALID for NULL. */
TLSWIRE_API int tlswire_conn_use_certificate(tlswire_conn *conn, X509 *cert);
TLSWIRE_API int tlswire_conn_use_privatekey(tlswire_conn *conn, EVP_PKEY *pkey);

/* The application's pointer slot (pyOpenSSL's app data). Not touched by
 * tlswire; NULL until set. */
TLSWIRE_API void *tlswire_conn_get_app_data(const tlswire_conn *conn);
TLSWIRE_API int tlswire_conn_set_app_data(tlswire_conn *conn, void *data);

/*
 * Per-connection info callback (SSL_set_info_callback): where is a set of
 * SSL_CB_* bits (SSL_CB_HANDSHAKE_START, SSL_CB_HANDSHAKE_DONE, ...), ret
 * libssl's value. It replaces the context's callback for this connection;
 * cb NULL removes it (the context's callback, if any, applies again).
 * The callback type is the context's (tlswire_info_cb, in context.h).
 * Returns TLSWIRE_OK.
 */
TLSWIRE_API int tlswire_conn_set_info_callback(tlswire_conn *conn,
                                               tlswire_info_cb cb, void *arg);

/* Client: ask the server for a stapled OCSP response (the context's OCSP
 * callbacks then run). TLSWIRE_E_SSL if libssl refuses. */
TLSWIRE_API int tlswire_conn_request_ocsp(tlswire_conn *conn);

/* --- data: aliases and variants ----------------------------------------- */

/* Flags for tlswire_conn_recv_into: TLSWIRE_MSG_PEEK leaves the data in the
 * connection (SSL_peek), as recv(n, MSG_PEEK) in pyOpenSSL. */
#define TLSWIRE_MSG_PEEK 0x1

/* pyOpenSSL's write / read: exactly tlswire_conn_send / tlswire_conn_recv. */
TLSWIRE_API int tlswire_conn_write(tlswire_conn *conn, const void *buf,
                                   size_t len, size_t *sent);
TLSWIRE_API int tlswire_conn_read(tlswire_conn *conn, void *buf, size_t len,
                                  size_t *received);

/*
 * Offers all len bytes of buf, calling send until everything is accepted or
 * a call stops. *sent ALWAYS receives the number of bytes accepted, also when
 * the call stops early (unlike pyOpenSSL, issue #176, which loses the count):
 * resume with buf + *sent. In memory mode, when the output ring fills it
 * returns TLSWIRE_E_WANT_WRITE (drain bio_read, then call again with the
 * rest). On a connection bound to a non-blocking transport,
 * TLSWIRE_E_WANT_WRITE means the transport would block: wait until it is
 * writable and call again with the rest; bytes accepted but still in the
 * output ring leave with that call (or tlswire_conn_flush()). On a
 * blocking transport it returns only when all is sent or on failure.
 * Other statuses as send.
 */
TLSWIRE_API int tlswire_conn_sendall(tlswire_conn *conn, const void *buf,
                                     size_t len, size_t *sent);

/*
 * Like recv, but peeks: the bytes stay buffered and a later recv returns
 * them again (SSL_peek). pyOpenSSL's recv(n, MSG_PEEK).
 */
TLSWIRE_API int tlswire_conn_recv_peek(tlswire_conn *conn, void *buf,
                                       size_t len, size_t *received);

/*
 * pyOpenSSL's recv_into(buffer, nbytes, flags): reads at most
 * min(nbytes, buflen) bytes into buf (nbytes 0 means buflen, pyOpenSSL's
 * None), so a caller can bound one read without slicing its buffer; never
 * writes past buflen. flags: 0 or TLSWIRE_MSG_PEEK; any other bit gives
 * TLSWIRE_E_INVALID (pyOpenSSL silently ignores them). Statuses as recv.
 */
TLSWIRE_API int tlswire_conn_recv_into(tlswire_conn *conn, void *buf,
                                       size_t buflen, size_t nbytes, int flags,
                                       size_t *received);

/* --- renegotiation (TLS 1.2 and below) ---------------------------------- */

/* Schedules a renegotiation; the next do_handshake/recv/send runs it.
 * Returns 1 when scheduled, 0 if one is already pending (pyOpenSSL's False),
 * TLSWIRE_E_SSL when libssl refuses (TLS 1.3: "wrong ssl version"). */
TLSWIRE_API int tlswire_conn_renegotiate(tlswire_conn *conn);
/* 1 while a renegotiation is scheduled or running, else 0. */
TLSWIRE_API int tlswire_conn_renegotiate_pending(const tlswire_conn *conn);
/* How many renegotiations were started on this connection. */
TLSWIRE_API int tlswire_conn_total_renegotiations(const tlswire_conn *conn);

/* --- what was negotiated: lists ---------------------------------------- */

/* pyOpenSSL's get_cipher_list, as a count and an accessor: the number of
 * ciphers this connection may use (TLS 1.3 suites included), and the name
 * of cipher i (0-based), a static string; NULL past the end. */
TLSWIRE_API size_t tlswire_conn_get_cipher_list_count(const tlswire_conn *conn);
TLSWIRE_API const char *tlswire_conn_get_cipher_list(const tlswire_conn *conn,
                                                     size_t i);

/* pyOpenSSL's get_client_ca_list, as a count and an accessor.
 * Server: the CA names it sends in CertificateRequest; client: the names it
 * received (0 before the handshake). Entry i is borrowed, valid until the
 * next handshake step, set_context or free; NULL past the end. */
TLSWIRE_API size_t tlswire_conn_get_client_ca_count(const tlswire_conn *conn);
TLSWIRE_API X509_NAME *tlswire_conn_get_client_ca(const tlswire_conn *conn,
                                                  size_t i);

/* --- what was negotiated: secrets and transcripts ---------------------- */

/*
 * Byte getters share one convention: copy min(len, size) bytes into buf
 * (buf may be NULL when len is 0, to ask for the size) and store the full
 * size in *size. Statuses:
 *   TLSWIRE_OK             copied (check *size > len for truncation);
 *   TLSWIRE_E_STATE        nothing yet (pyOpenSSL's None): no session, no
 *                          Finished message; *size is 0;
 *   TLSWIRE_E_INVALID      conn or size NULL, or buf NULL with len > 0.
 */
TLSWIRE_API int tlswire_conn_server_random(const tlswire_conn *conn, void *buf,
                                           size_t len, size_t *size);
TLSWIRE_API int tlswire_conn_client_random(const tlswire_conn *conn, void *buf,
                                           size_t len, size_t *size);
/*
 * As above (TLSWIRE_E_STATE before any session exists, pyOpenSSL's None),
 * and for a session without a key:
 *   TLSWIRE_E_WANT_READ  exactly when the connection is a TLS 1.3 client
 *                        whose handshake is complete, that has not yet
 *                        processed a NewSessionTicket, and that is not
 *                        closed (TLSWIRE_STATE_CLOSED unset). Under TLS 1.3
 *                        a client's session gets its key with the server's
 *                        ticket: a recv that processes one makes it
 *                        available. A server that sends no ticket (or not
 *                        yet) never provides one; the status then stays
 *                        until the connection closes, so poll it after recv
 *                        rather than loop on it.
 *   TLSWIRE_E_SSL        everywhere else no input will bring a key: during
 *                        the handshake, on a TLS 1.3 server that issued no
 *                        ticket, on a closed client (pyOpenSSL's Error([])
 *                        in all of these, and for the WANT_READ case too).
 *                        The function is const, so the message goes to the
 *                        calling thread's record, tlswire_thread_last_error().
 */
TLSWIRE_API int tlswire_conn_master_key(const tlswire_conn *conn, void *buf,
                                        size_t len, size_t *size);
/* The last Finished message sent / received: 12 bytes for TLS 1.2, the hash
 * length for TLS 1.3 (48 with SHA-384). The client's get_finished equals the
 * server's get_peer_finished. */
TLSWIRE_API int tlswire_conn_get_finished(const tlswire_conn *conn, void *buf,
                                          size_t len, size_t *size);
TLSWIRE_API int tlswire_conn_get_peer_finished(const tlswire_conn *conn,
                                               void *buf, size_t len,
                                               size_t *size);

/*
 * RFC 5705 / RFC 8446 exporter: fills out[0..olen) from label (label_len
 * bytes) and, when context is not NULL, context (context_len bytes, may be
 * 0: an empty context differs from none). Nothing is kept.
 * Bounds, the same under every protocol version: label_len at most 249
 * (the longest label TLS 1.3 can carry), context_len at most 65,535 (RFC
 * 5705's 16-bit length), olen 1..65,535 (TLS 1.3's 16-bit output length).
 * libssl refuses some values within them with TLSWIRE_E_SSL: TLS 1.3 gives
 * at most 255 hash lengths of output (8,160 bytes with SHA-256), and
 * OpenSSL 3.0's TLS 1.2 exporter takes at most 1,024 bytes of label,
 * context, their framing and the two 32-byte randoms together.
 * TLSWIRE_E_INVALID with a message for NULL conn, label or out, olen 0, a
 * NULL context with context_len > 0, or any length over its bound;
 * TLSWIRE_E_SSL before the handshake (pyOpenSSL's Error([])) or when libssl
 * refuses (a reserved TLS 1.2 label such as "client finished").
 */
TLSWIRE_API int
tlswire_conn_export_keying_material(tlswire_conn *conn, const void *label,
                                    size_t label_len, const void *context,
                                    size_t context_len, void *out, size_t olen);

/* --- certificates ------------------------------------------------------- */

/* Our own certificate / the peer's leaf: a NEW reference the caller frees
 * with X509_free, or NULL when there is none. */
TLSWIRE_API X509 *tlswire_conn_get_certificate(const tlswire_conn *conn);
TLSWIRE_API X509 *tlswire_conn_get_peer_certificate(const tlswire_conn *conn);

/*
 * The chain the peer sent (a client's includes the server leaf, a server's
 * excludes the client leaf, OpenSSL's convention) / the chain verification
 * built, leaf to trust anchor. *out receives a NEW stack of new references:
 * free it with sk_X509_pop_free(*out, X509_free), also when it is empty.
 * NULL and empty differ, as pyOpenSSL's None and []:
 *  - *out NULL: libssl has no chain: before the handshake, a server that
 *    did not ask for a client certificate, or (verified chain) no
 *    verification ran, e.g. the client sent no certificate;
 *  - *out empty (sk_X509_num == 0), on a server that asked for a client
 *    certificate: the client sent none, or sent only its leaf (a server's
 *    peer chain never holds the leaf). Tell the two apart with
 *    tlswire_conn_get_peer_certificate(): NULL when nothing was sent.
 * TLSWIRE_OK in all of these; TLSWIRE_E_NOMEM; TLSWIRE_E_INVALID for NULL
 * arguments.
 */
TLSWIRE_API int tlswire_conn_get_peer_cert_chain(const tlswire_conn *conn,
                                                 STACK_OF(X509) * *out);
TLSWIRE_API int tlswire_conn_get_verified_chain(const tlswire_conn *conn,
                                                STACK_OF(X509) * *out);

/* --- ALPN, SRTP, groups ------------------------------------------------- */

/* Client: the protocols to offer, in order of preference: count
 * NUL-terminated names of 1..255 bytes, copied. TLSWIRE_E_INVALID (with a
 * message; pyOpenSSL's ValueError) for an empty list, a NULL, empty or
 * over-long name, or a list whose wire form (each name plus its length
 * byte) exceeds 65,535 bytes: the rules of
 * tlswire_context_set_alpn_protos(_wire). TLSWIRE_E_NOMEM, TLSWIRE_E_SSL. */
TLSWIRE_API int tlswire_conn_set_alpn_protos(tlswire_conn *conn,
                                             const char *const *protos,
                                             size_t count);

/* The ALPN protocol selected: *proto borrowed (valid until the next
 * handshake step or free), *len 0 and *proto NULL when none (pyOpenSSL's
 * b""). Returns TLSWIRE_OK, or TLSWIRE_E_INVALID for NULL arguments. */
TLSWIRE_API int tlswire_conn_get_alpn_proto_negotiated(
    const tlswire_conn *conn, const unsigned char **proto, size_t *len);

/* The SRTP profile negotiated ("SRTP_AES128_CM_SHA1_80"), a static string;
 * "" when none (pyOpenSSL's b""). */
TLSWIRE_API const char *
tlswire_conn_get_selected_srtp_profile(const tlswire_conn *conn);

/* The key-exchange group's TLS name ("x25519", "secp256r1", "ffdhe2048"),
 * a static string in *name; *name NULL when no session exists yet
 * (pyOpenSSL's None) or no group was used (TLS 1.2 RSA key exchange).
 * Built on OpenSSL 3.2's SSL_get0_group_name when present, else on 3.0's
 * SSL_get_negotiated_group and SSL_group_to_name: the same names either
 * way. TLSWIRE_OK, or TLSWIRE_E_INVALID for NULL arguments. */
TLSWIRE_API int tlswire_conn_get_group_name(const tlswire_conn *conn,
                                            const char **name);

/* --- DTLS ---------------------------------------------------------------- */

/*
 * DTLS in memory mode. Every datagram libssl writes lands in the output
 * ring back to back; bio_read does not keep their boundaries, so hand the
 * peer whole flights (libssl's DTLS record layer accepts several records in
 * one read). On input, feed whole datagrams: a record cut in two is dropped
 * as a lost packet and recovered by retransmission. A transport that
 * preserves datagram boundaries is the transports' concern.
 */

/* DTLS: the largest datagram payload (SSL_set_mtu), and OP_NO_QUERY_MTU on
 * the connection, since a memory transport cannot report an MTU.
 * TLSWIRE_E_STATE on a TLS connection (pyOpenSSL does not guard it);
 * TLSWIRE_E_INVALID for an MTU below DTLS's minimum. */
TLSWIRE_API int tlswire_conn_set_ciphertext_mtu(tlswire_conn *conn, long mtu);

/* DTLS: the largest plaintext that fits one record under the MTU
 * (DTLS_get_data_mtu); 0 before the handshake. TLSWIRE_E_STATE on a TLS
 * connection (where pyOpenSSL segfaults). */
TLSWIRE_API int tlswire_conn_get_cleartext_mtu(tlswire_conn *conn);

/*
 * DTLS server, stateless: consumes ClientHellos from the input, answers
 * those without a valid cookie with a HelloVerifyRequest, and returns
 * TLSWIRE_OK once one carries a valid cookie; then continue with
 * do_handshake (no second copy of the ClientHello is needed: libssl keeps
 * the one it accepted). TLSWIRE_E_WANT_READ when the input ran dry first.
 * Needs the cookie callbacks (SSL_CTX_set_cookie_generate_cb / verify).
 * TLSWIRE_E_STATE on a TLS connection; TLSWIRE_E_SSL otherwise.
 */
TLSWIRE_API int tlswire_conn_DTLSv1_listen(tlswire_conn *conn);

/* DTLS: returns 1 and stores in *usec the microseconds until
 * DTLSv1_handle_timeout should be called (0: now; libssl counts a timer
 * with less than 15 ms left as expired), or 0 when no timer runs
 * (pyOpenSSL's None; always for TLS). The timer starts at 1 s and doubles
 * (DTLS_set_timer_cb on the escape hatch changes that); libssl also
 * retransmits by itself when a read finds the timer expired.
 * TLSWIRE_E_INVALID for NULL. */
TLSWIRE_API int tlswire_conn_DTLSv1_get_timeout(const tlswire_conn *conn,
                                                unsigned long long *usec);

/* DTLS: retransmits the last flight if the timer expired. Returns 1 when it
 * did, 0 when nothing was due; a negative status if retransmission failed
 * (TLSWIRE_E_WANT_WRITE: output ring full; TLSWIRE_E_SSL). */
TLSWIRE_API int tlswire_conn_DTLSv1_handle_timeout(tlswire_conn *conn);

/* --- level-triggered state ---------------------------------------------- */

/*
 * Bits of tlswire_conn_state(), a snapshot of the current state for event
 * loops (level-triggered: the same answer until something changes). With
 * none of the bits set, call recv or do_handshake: input is waiting.
 *  NEEDS_INPUT   nothing can progress until ciphertext arrives (sending
 *                aside): the input ring is empty, no plaintext is buffered
 *                (nor whole records read ahead, on a bound stream),
 *                libssl is not waiting for output room, the connection is
 *                not closed and is not a client that has yet to call
 *                do_handshake. Wait for the transport to be readable.
 *  HAS_OUTPUT    ciphertext waits in the output ring: drain bio_read.
 *  HAS_PLAINTEXT decrypted bytes are buffered: recv returns them without
 *                new input (SSL_pending > 0).
 *  CLOSED        no more plaintext will arrive: the peer's close_notify or
 *                a fatal alert was received, the connection failed with a
 *                fatal error, or the input was ended (bio_shutdown) and all
 *                of it consumed.
 * On a connection bound to a transport the bits read: NEEDS_INPUT, poll
 * the transport for input (tlswire cannot see bytes the transport holds
 * before it reads them); HAS_OUTPUT, ciphertext the transport has not taken
 * yet: poll for writability, then tlswire_conn_flush() or the next call;
 * CLOSED also after the transport's end of file or a transport failure.
 */
#define TLSWIRE_STATE_NEEDS_INPUT 0x1u
#define TLSWIRE_STATE_HAS_OUTPUT 0x2u
#define TLSWIRE_STATE_HAS_PLAINTEXT 0x4u
#define TLSWIRE_STATE_CLOSED 0x8u

/* The TLSWIRE_STATE_* bits now in force; 0 for NULL. */
TLSWIRE_API unsigned tlswire_conn_state(const tlswire_conn *conn);

#ifdef __cplusplus
}
#endif

#endif /* TLSWIRE_CONN_H */
