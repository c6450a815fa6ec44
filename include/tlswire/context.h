/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlswire/context.h - tlswire_context, pyOpenSSL's Context.
 *
 * Part of the public API; include <tlswire/tlswire.h> rather than this file.
 *
 * A context holds the configuration shared by connections: method,
 * certificates and keys, trust anchors, verification, ciphers, options.
 * It is reference-counted: every connection keeps its context alive, so the
 * caller may free its own reference right after creating connections.
 *
 * Frozen after use: once a connection has been created from a context, every
 * mutator below returns TLSWIRE_E_STATE (pyOpenSSL 26.2 raises ValueError
 * "Context has already been used to create a Connection, it cannot be
 * mutated again"): the 37 methods pyOpenSSL guards, their memory twins and
 * set_ring_capacity. What stays allowed is what pyOpenSSL leaves unguarded:
 * check_privatekey, get_session_cache_mode, get_verify_mode,
 * get_verify_depth, get_timeout, get_app_data and get_cert_store (whose store
 * stays live), plus the other getters. A frozen context may be shared by
 * connections on several threads: nothing allowed on it writes to it. That
 * is why the calls allowed on a shared context (tlswire_conn_new,
 * tlswire_conn_accept, tlswire_session_from_bytes and
 * tlswire_context_check_privatekey) record their failures in the calling
 * thread's own record, tlswire_thread_last_error(), not in the context's.
 *
 * Unless stated otherwise, functions taking a context return TLSWIRE_OK,
 * TLSWIRE_E_INVALID for a NULL or out-of-range argument, TLSWIRE_E_STATE when
 * the context is frozen, or TLSWIRE_E_SSL with OpenSSL's queue copied into
 * the context's error record (tlswire_context_last_error()).
 */
#ifndef TLSWIRE_CONTEXT_H
#define TLSWIRE_CONTEXT_H

#include <openssl/ssl.h>
#include <stdint.h>
#include <tlswire/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tlswire_context tlswire_context;
typedef struct tlswire_conn tlswire_conn;

/*
 * Creates a context for one of the TLSWIRE_*_METHOD selectors.
 * Sets SSL_MODE_ENABLE_PARTIAL_WRITE and SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
 * as pyOpenSSL does; TLSv1_METHOD, TLSv1_1_METHOD and TLSv1_2_METHOD pin both
 * the minimum and maximum protocol version.
 * On success *out holds the new context (one reference, released with
 * tlswire_context_free()). Returns TLSWIRE_OK, TLSWIRE_E_INVALID (out NULL or
 * an unknown selector), TLSWIRE_E_UNSUPPORTED (SSLv2_METHOD, SSLv3_METHOD),
 * TLSWIRE_E_NOMEM (also when the SSL_CTX's app-data slot, through which
 * every callback finds the context, cannot be stored: a context whose
 * callbacks could not run is never returned) or TLSWIRE_E_SSL. On failure
 * *out is set to NULL and nothing is left allocated.
 */
TLSWIRE_API int tlswire_context_new(tlswire_context **out, int method);

/*
 * Purposes for tlswire_context_new_secure(). Python's ssl module calls them
 * Purpose.SERVER_AUTH (a client authenticating servers) and
 * Purpose.CLIENT_AUTH (a server); tlswire names them after the side that
 * uses the context.
 */
#define TLSWIRE_PURPOSE_CLIENT 1 /* a client that authenticates servers */
#define TLSWIRE_PURPOSE_SERVER 2 /* a server */

/*
 * Beyond pyOpenSSL: a context with secure defaults for one purpose, the
 * equivalent of Python's ssl.create_default_context(). tlswire_context_new
 * keeps pyOpenSSL's (and OpenSSL's) defaults, which verify nothing; start
 * from this one instead unless you need that parity.
 *
 * Both purposes: TLS 1.2 is the lowest protocol version (TLS 1.3 the
 * highest); OpenSSL's default security level is kept (the one SSL_CTX_new
 * sets: 1 on a stock OpenSSL 3.0, or what the system's openssl.cnf says,
 * e.g. 2 on Debian), and raised to 1 should a system configuration set it
 * lower; modes as tlswire_context_new.
 *
 * TLSWIRE_PURPOSE_CLIENT (method TLSWIRE_TLS_CLIENT_METHOD): the system
 * trust store (tlswire_context_set_default_verify_paths: OpenSSL's
 * OPENSSLDIR certificates, or $SSL_CERT_FILE / $SSL_CERT_DIR), peer
 * verification on (TLSWIRE_VERIFY_PEER, no callback), and no partial
 * wildcards ("f*.example.com") in host name checks. A missing system store
 * is not an error: the context then trusts nothing and every handshake
 * fails verification (it fails closed); add anchors with
 * tlswire_context_load_verify_locations(_mem), which add to the system
 * store rather than replace it. Then name the server on each connection
 * with tlswire_conn_set_server_name(): without it the certificate chain is
 * verified but not who it was issued to.
 *
 * TLSWIRE_PURPOSE_SERVER (method TLSWIRE_TLS_SERVER_METHOD): clients are not
 * asked for a certificate and the system store is not loaded (for mutual
 * TLS, load the CA of your clients and set TLSWIRE_VERIFY_PEER |
 * TLSWIRE_VERIFY_FAIL_IF_NO_PEER_CERT: trusting every public CA for client
 * certificates is rarely what a server means). Load its certificate and key
 * as usual.
 *
 * The result is an ordinary context: every setter may change it until a
 * connection is made from it (lowering the protocol floor, turning
 * verification off: your choice, made explicitly). The role of each
 * connection must still be set (tlswire_conn_set_connect_state /
 * set_accept_state); the other role fails its handshake.
 *
 * On success *out holds the context (one reference, released with
 * tlswire_context_free()). TLSWIRE_E_INVALID for out NULL or an unknown
 * purpose; TLSWIRE_E_NOMEM; TLSWIRE_E_SSL. No context exists yet to hold
 * the detail of a failure, so it goes to the calling thread's record,
 * tlswire_thread_last_error(). On failure *out is NULL.
 */
TLSWIRE_API int tlswire_context_new_secure(tlswire_context **out, int purpose);

/* Releases the caller's reference; the context is destroyed when its last
 * connection is freed too. NULL is accepted and ignored. */
TLSWIRE_API void tlswire_context_free(tlswire_context *ctx);

/* The record of the context's last failure (never NULL for a non-NULL ctx;
 * NULL for NULL). Valid while the context lives. It holds the failures of
 * the context's own setup calls (loaders, setters, and mutators refused on a
 * frozen context); the calls allowed on a shared context (tlswire_conn_new,
 * tlswire_conn_accept, tlswire_session_from_bytes,
 * tlswire_context_check_privatekey) never write it: their failures go to
 * tlswire_thread_last_error(). */
TLSWIRE_API const tlswire_error *
tlswire_context_last_error(const tlswire_context *ctx);

/*
 * The calling thread's own error record: the last failure of
 * tlswire_conn_new, tlswire_conn_accept (its failure to make the new
 * connection), tlswire_session_from_bytes or tlswire_context_check_privatekey
 * made by this thread, whatever context they were given. These are the calls
 * allowed on a frozen context shared by several threads, so they must not
 * write to it; each thread reads its own failures here instead, with the
 * tlswire_error_* accessors. Never NULL: a thread that has had no such
 * failure gets an empty record (code TLSWIRE_OK, message ""). Successful
 * calls leave it untouched. The pointer belongs to the calling thread: the
 * record it points to is overwritten by that thread's next tlswire call that
 * fails this way, and the pointer becomes invalid when the thread exits.
 * Do not hand it to another thread.
 */
TLSWIRE_API const tlswire_error *tlswire_thread_last_error(void);

/* The method selector the context was created with. */
TLSWIRE_API int tlswire_context_get_method(const tlswire_context *ctx);

/* Escape hatch: the underlying SSL_CTX, borrowed (valid while the context
 * lives). Changing it behind tlswire's back bypasses the frozen rule. tlswire
 * keeps its own pointer in the SSL_CTX's app data and owns the callbacks it
 * installs: do not replace those through the SSL_CTX (with the app data
 * gone, callbacks are skipped and an OCSP client callback's handshake is
 * rejected). Clearing SSL_MODE_ENABLE_PARTIAL_WRITE or
 * SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER here (SSL_CTX_clear_mode), which
 * tlswire_context_clear_mode refuses, breaks the contract of
 * tlswire_conn_send that every accepted byte is sent exactly once: the
 * caller who does it owns the consequences. */
TLSWIRE_API SSL_CTX *tlswire_context_get_ssl_ctx(const tlswire_context *ctx);

/*
 * Capacity in bytes of each of the two byte rings (ciphertext in, ciphertext
 * out) of connections created later in memory mode; default
 * TLSWIRE_DEFAULT_RING_CAPACITY (one full TLS record). Accepted range:
 * TLSWIRE_MIN_RING_CAPACITY .. TLSWIRE_MAX_RING_CAPACITY. A bound
 * connection uses only the output ring, for what its transport has not
 * taken yet. Each ring's storage is the capacity or one whole TLS record as
 * libssl builds it (about 18 KiB), whichever is larger. The input ring
 * takes at least one whole record of the largest size (16,709 bytes), so a
 * record can always be fed with one bio_write. libssl's output goes in
 * record by record, never split: send starts a record only while the
 * output ring holds less than its capacity, and asks libssl for no more
 * plaintext than the record that fits the free storage, so a record libssl
 * has built is never left behind; handshake flights and alerts may fill the
 * storage.
 * Ring storage is taken on first use and given back whenever a ring is
 * empty at the end of a call (never under an open bio_window or a peeked
 * output), so idle connections hold none, with or without
 * TLSWIRE_MODE_RELEASE_BUFFERS. Storage given back waits in a small pool
 * of the context (a few blocks, shared by its connections and threads) for
 * the next connection or message that needs it, so a busy connection does
 * not call malloc per message.
 */
#define TLSWIRE_DEFAULT_RING_CAPACITY ((size_t)16384)
#define TLSWIRE_MIN_RING_CAPACITY ((size_t)256)
#define TLSWIRE_MAX_RING_CAPACITY ((size_t)1 << 30)
TLSWIRE_API int tlswire_context_set_ring_capacity(tlswire_context *ctx,
                                                  size_t capacity);
/* The configured ring capacity. */
TLSWIRE_API size_t
tlswire_context_get_ring_capacity(const tlswire_context *ctx);

/* --- certificates and keys ------------------------------------------- */

/* Uses cert as the leaf certificate (SSL_CTX_use_certificate). The context
 * takes its own reference; the caller keeps ownership of cert. */
TLSWIRE_API int tlswire_context_use_certificate(tlswire_context *ctx,
                                                X509 *cert);

/* Uses pkey as the private key (SSL_CTX_use_PrivateKey). The context takes
 * its own reference; the caller keeps ownership of pkey. TLSWIRE_E_SSL if it
 * does not match a certificate already set. */
TLSWIRE_API int tlswire_context_use_privatekey(tlswire_context *ctx,
                                               EVP_PKEY *pkey);

/* Loads the leaf certificate from a file; filetype is TLSWIRE_FILETYPE_PEM or
 * TLSWIRE_FILETYPE_ASN1 (anything else: TLSWIRE_E_INVALID). */
TLSWIRE_API int tlswire_context_use_certificate_file(tlswire_context *ctx,
                                                     const char *path,
                                                     int filetype);

/* Loads the leaf certificate from memory: PEM text or DER bytes, as filetype
 * says. The bytes are copied; no NUL terminator is needed. */
TLSWIRE_API int tlswire_context_use_certificate_mem(tlswire_context *ctx,
                                                    const void *buf, size_t len,
                                                    int filetype);

/* Loads the private key from a file (PEM or DER per filetype). An encrypted
 * PEM key needs a passphrase callback (see the Context callbacks). */
TLSWIRE_API int tlswire_context_use_privatekey_file(tlswire_context *ctx,
                                                    const char *path,
                                                    int filetype);

/* Loads the private key from memory: PEM text or DER bytes. */
TLSWIRE_API int tlswire_context_use_privatekey_mem(tlswire_context *ctx,
                                                   const void *buf, size_t len,
                                                   int filetype);

/* Loads a PEM file holding the leaf certificate followed by its chain
 * (SSL_CTX_use_certificate_chain_file). */
TLSWIRE_API int tlswire_context_use_certificate_chain_file(tlswire_context *ctx,
                                                           const char *path);

/* The memory twin of use_certificate_chain_file: PEM text, leaf first, then
 * the chain certificates that are sent to the peer. */
TLSWIRE_API int tlswire_context_use_certificate_chain_mem(tlswire_context *ctx,
                                                          const void *buf,
                                                          size_t len);

/* Checks that the private key matches the certificate: TLSWIRE_OK,
 * TLSWIRE_E_INVALID (ctx NULL) or TLSWIRE_E_SSL (mismatch, or either is
 * missing). Allowed on a frozen context, so a failure is recorded in the
 * calling thread's record (tlswire_thread_last_error()), never in the
 * context's. */
TLSWIRE_API int tlswire_context_check_privatekey(tlswire_context *ctx);

/* --- trust and verification -------------------------------------------- */

/* Trust anchors from a PEM file (cafile) and/or a c_rehash'd directory
 * (capath); either may be NULL, not both. */
TLSWIRE_API int tlswire_context_load_verify_locations(tlswire_context *ctx,
                                                      const char *cafile,
                                                      const char *capath);

/* Trust anchors from memory: one or more PEM certificates
 * (TLSWIRE_FILETYPE_PEM) or one DER certificate (TLSWIRE_FILETYPE_ASN1).
 * TLSWIRE_E_SSL if the buffer holds no certificate. */
TLSWIRE_API int tlswire_context_load_verify_locations_mem(tlswire_context *ctx,
                                                          const void *buf,
                                                          size_t len,
                                                          int filetype);

/*
 * Verify callback, pyOpenSSL's callback(conn, cert, errnum, depth, ok).
 * cert is borrowed for the duration of the call (X509_up_ref to keep it).
 * Return 1 to accept the certificate at this depth (overriding a failed
 * preverify_ok), 0 to reject it: the handshake then fails with TLSWIRE_E_SSL
 * ("certificate verify failed").
 */
typedef int (*tlswire_verify_cb)(tlswire_conn *conn, X509 *cert, int errnum,
                                 int depth, int preverify_ok, void *arg);

/* Sets the verify mode (TLSWIRE_VERIFY_* bits) and an optional callback;
 * cb NULL keeps OpenSSL's own verdict. arg is handed back to every call. */
TLSWIRE_API int tlswire_context_set_verify(tlswire_context *ctx, int mode,
                                           tlswire_verify_cb cb, void *arg);

/* The verify mode set last (TLSWIRE_VERIFY_* bits). */
TLSWIRE_API int tlswire_context_get_verify_mode(const tlswire_context *ctx);

/* --- protocol ------------------------------------------------------------ */

/* TLS 1.2-and-below cipher string (SSL_CTX_set_cipher_list); TLSWIRE_E_SSL
 * with "no cipher match" when nothing matches. */
TLSWIRE_API int tlswire_context_set_cipher_list(tlswire_context *ctx,
                                                const char *ciphers);

/* Adds option bits (TLSWIRE_OP_*). *new_options, if not NULL, receives the
 * resulting mask, as pyOpenSSL's return value. */
TLSWIRE_API int tlswire_context_set_options(tlswire_context *ctx,
                                            uint64_t options,
                                            uint64_t *new_options);

/* Adds mode bits (TLSWIRE_MODE_*). *new_mode, if not NULL, receives the
 * resulting mask. TLSWIRE_MODE_ENABLE_PARTIAL_WRITE and
 * TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER are always set (see clear_mode). */
TLSWIRE_API int tlswire_context_set_mode(tlswire_context *ctx, long mode,
                                         long *new_mode);

/* Lowest / highest protocol version (TLSWIRE_TLS1_2_VERSION, ...); 0 means
 * the library's own limit. TLSWIRE_E_SSL for a version libssl rejects. */
TLSWIRE_API int tlswire_context_set_min_proto_version(tlswire_context *ctx,
                                                      int version);
TLSWIRE_API int tlswire_context_set_max_proto_version(tlswire_context *ctx,
                                                      int version);

/* Removes mode bits; *new_mode, if not NULL, receives the resulting mask
 * (pyOpenSSL's clear_mode return value).
 * TLSWIRE_MODE_ENABLE_PARTIAL_WRITE and TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER
 * are protected: the stream-integrity contract of send (a short write is
 * reported, never retried with the same buffer) depends on them. A mask
 * holding either, alone or with other bits, returns TLSWIRE_E_INVALID with
 * a message and clears nothing, not even its other bits; *new_mode is then
 * left untouched. (Clearing them through tlswire_context_get_ssl_ctx breaks
 * that contract.) TLSWIRE_E_STATE on a frozen context. */
TLSWIRE_API int tlswire_context_clear_mode(tlswire_context *ctx, long mode,
                                           long *new_mode);

/* TLS 1.3 cipher suites, a colon-separated list such as
 * "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"
 * (SSL_CTX_set_ciphersuites). TLSWIRE_E_SSL if libssl rejects the list. */
TLSWIRE_API int tlswire_context_set_tls13_ciphersuites(tlswire_context *ctx,
                                                       const char *suites);

/*
 * Ephemeral ECDH: restricts the key-exchange groups to one curve, given by
 * name ("prime256v1" or "secp256r1", "secp384r1", "P-256", "X25519" ...;
 * pyOpenSSL's set_tmp_ecdh(curve)). OpenSSL 3 does this with
 * SSL_CTX_set1_groups, so the curve must be one TLS can negotiate.
 * TLSWIRE_E_INVALID for a NULL name, TLSWIRE_E_SSL for an unknown curve or one
 * TLS cannot use.
 */
TLSWIRE_API int tlswire_context_set_tmp_ecdh(tlswire_context *ctx,
                                             const char *curve);

/* The same with the curve's OpenSSL NID (NID_X9_62_prime256v1 ...). */
TLSWIRE_API int tlswire_context_set_tmp_ecdh_nid(tlswire_context *ctx, int nid);

/*
 * Ephemeral Diffie-Hellman parameters for the DHE cipher suites, from a PEM
 * file holding "DH PARAMETERS" (pyOpenSSL's load_tmp_dh). Uses OpenSSL 3's
 * SSL_CTX_set0_tmp_dh_pkey. TLSWIRE_E_SSL for a missing file, bytes that are
 * not DH parameters, or parameters libssl refuses (too small).
 */
TLSWIRE_API int tlswire_context_load_tmp_dh(tlswire_context *ctx,
                                            const char *path);

/* The memory twin of load_tmp_dh: PEM text or DER bytes (filetype). */
TLSWIRE_API int tlswire_context_load_tmp_dh_mem(tlswire_context *ctx,
                                                const void *buf, size_t len,
                                                int filetype);

/* DTLS-SRTP profiles to offer or accept, colon-separated, e.g.
 * "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32". TLSWIRE_E_SSL for an
 * unknown profile. */
TLSWIRE_API int tlswire_context_set_tlsext_use_srtp(tlswire_context *ctx,
                                                    const char *profiles);

/* --- sessions ---------------------------------------------------------- */

/* The session ID context (pyOpenSSL's set_session_id: despite the name, the
 * context servers need to resume sessions). The bytes are copied. At most
 * 32 bytes (SSL_MAX_SID_CTX_LENGTH): longer gives TLSWIRE_E_SSL with
 * "ssl session id context too long", as pyOpenSSL. buf may be NULL only
 * with len 0. */
TLSWIRE_API int tlswire_context_set_session_id(tlswire_context *ctx,
                                               const void *buf, size_t len);

/* Sets the session cache mode (TLSWIRE_SESS_CACHE_* bits). *previous, if not
 * NULL, receives the mode that was in force before (pyOpenSSL's return
 * value). TLSWIRE_E_INVALID for unknown bits. */
TLSWIRE_API int tlswire_context_set_session_cache_mode(tlswire_context *ctx,
                                                       long mode,
                                                       long *previous);

/* The session cache mode (>= 0), or TLSWIRE_E_INVALID for a NULL ctx. */
TLSWIRE_API int
tlswire_context_get_session_cache_mode(const tlswire_context *ctx);

/* Session lifetime in seconds (default 7200, OpenSSL's, as in pyOpenSSL).
 * *previous, if not NULL, receives the earlier timeout (pyOpenSSL's set_timeout
 * returns it). TLSWIRE_E_INVALID for a negative timeout. */
TLSWIRE_API int tlswire_context_set_timeout(tlswire_context *ctx, long timeout,
                                            long *previous);

/* The session lifetime in seconds, or TLSWIRE_E_INVALID for a NULL ctx. */
TLSWIRE_API long tlswire_context_get_timeout(const tlswire_context *ctx);

/* --- more trust and verification ------------------------------------- */

/* Uses the platform's default CA locations (SSL_CTX_set_default_verify_paths:
 * OpenSSL's OPENSSLDIR, or $SSL_CERT_FILE / $SSL_CERT_DIR). pyOpenSSL's
 * fallback for its manylinux wheels does not apply to a system OpenSSL. */
TLSWIRE_API int tlswire_context_set_default_verify_paths(tlswire_context *ctx);

/* Maximum certificate chain depth accepted when verifying the peer.
 * TLSWIRE_E_INVALID for a negative depth. */
TLSWIRE_API int tlswire_context_set_verify_depth(tlswire_context *ctx,
                                                 int depth);

/* The verify depth, or TLSWIRE_E_INVALID for a NULL ctx. */
TLSWIRE_API int tlswire_context_get_verify_depth(const tlswire_context *ctx);

/* The context's trust store, borrowed (no reference taken; valid while the
 * context lives), NULL for a NULL ctx. It stays mutable after the context is
 * frozen, as in pyOpenSSL (tests add anchors through it). */
TLSWIRE_API X509_STORE *
tlswire_context_get_cert_store(const tlswire_context *ctx);

/* Appends a certificate to the chain sent to the peer
 * (SSL_CTX_add_extra_chain_cert). cert is copied; the caller keeps it.
 * As in libssl (and pyOpenSSL), these extra certificates are ignored once
 * the leaf has a chain of its own (use_certificate_chain_file / _mem): load
 * the whole chain in one of those instead. */
TLSWIRE_API int tlswire_context_add_extra_chain_cert(tlswire_context *ctx,
                                                     X509 *cert);

/* --- client CA names (sent in the server's CertificateRequest) --------- */

/* Replaces the CA-name list with the subjects of the certificates in a PEM
 * file (SSL_load_client_CA_file). TLSWIRE_E_SSL if the file is missing or
 * holds no certificate. */
TLSWIRE_API int tlswire_context_load_client_ca(tlswire_context *ctx,
                                               const char *cafile);

/* The memory twin of load_client_ca: PEM text with one or more certificates
 * or one DER certificate (filetype). Duplicate names are kept once. */
TLSWIRE_API int tlswire_context_load_client_ca_mem(tlswire_context *ctx,
                                                   const void *buf, size_t len,
                                                   int filetype);

/* Replaces the CA-name list with n names; each name is copied (the caller
 * keeps its own). n == 0 sets an empty list. TLSWIRE_E_INVALID if names is
 * NULL with n > 0 or holds a NULL entry. */
TLSWIRE_API int tlswire_context_set_client_ca_list(tlswire_context *ctx,
                                                   X509_NAME *const *names,
                                                   size_t n);

/* Appends the subject name of cert to the CA-name list (copied). */
TLSWIRE_API int tlswire_context_add_client_ca(tlswire_context *ctx, X509 *cert);

/* --- ALPN (client side) ------------------------------------------------ */

/* The protocols the client offers, most preferred first, e.g.
 * {"h2", "http/1.1"}: each a NUL-terminated name of 1 to 255 bytes. Copied.
 * TLSWIRE_E_INVALID for an empty list (pyOpenSSL: "at least one protocol
 * must be specified"), a NULL, empty or over-long name, or a list whose
 * wire form (each name plus its length byte) exceeds 65,535 bytes, the
 * extension's limit. */
TLSWIRE_API int tlswire_context_set_alpn_protos(tlswire_context *ctx,
                                                const char *const *protos,
                                                size_t n);

/* The same from the wire format (each name preceded by its length byte, as
 * in the TLS extension), for names that hold NUL bytes. Copied.
 * TLSWIRE_E_INVALID for an empty buffer, one over 65,535 bytes, or a
 * malformed one (a zero length byte, or a name running past len): the same
 * rules tlswire_conn_set_alpn_protos and set_alpn_protos apply. */
TLSWIRE_API int tlswire_context_set_alpn_protos_wire(tlswire_context *ctx,
                                                     const unsigned char *wire,
                                                     size_t len);

/* --- application data ---------------------------------------------------- */

/* A pointer slot for the application; tlswire never looks at it. */
TLSWIRE_API int tlswire_context_set_app_data(tlswire_context *ctx, void *data);
/* The pointer set last, or NULL. Allowed on a frozen context. */
TLSWIRE_API void *tlswire_context_get_app_data(const tlswire_context *ctx);

/* --- callbacks ------------------------------------------------------------
 *
 * Every callback setter takes a C function pointer and a void *arg handed
 * back on every call. Passing NULL clears the callback (libssl's default
 * behaviour returns); a setter may replace or clear a callback any time
 * before the context is frozen. Callbacks get the tlswire_conn * of the
 * connection concerned, never the raw SSL * (tlswire_conn_get_ssl() is the
 * escape hatch); a handshake callback may not free that connection.
 *
 * Deferred failures (pyOpenSSL's deferred exceptions): when a handshake
 * callback reports failure, the call that triggered it (usually
 * tlswire_conn_do_handshake) returns TLSWIRE_E_CALLBACK, and the connection's
 * error record holds the callback's own value
 * (tlswire_error_callback_value(tlswire_conn_last_error(conn))). This takes
 * precedence over what libssl reports for the failed handshake. The info and
 * keylog callbacks cannot fail.
 */

/*
 * Passphrase callback for encrypted PEM keys loaded later
 * (use_privatekey_file, use_privatekey_mem, the chain loaders). Called once
 * per key with maxlen, the size of OpenSSL's buffer, and rwflag (0 when
 * reading). Return 0 and set *pass / *pass_len: tlswire copies the bytes,
 * truncated to maxlen, so *pass must still be valid when the callback returns
 * (a static string, or memory owned through arg). A wrong or empty passphrase
 * makes the loader return TLSWIRE_E_SSL. A non-zero return is a failure: the
 * loader returns TLSWIRE_E_CALLBACK with that value in the context's error
 * record. Without a callback, encrypted keys fail (tlswire never prompts).
 */
typedef int (*tlswire_passwd_cb)(size_t maxlen, int rwflag, const void **pass,
                                 size_t *pass_len, void *arg);
TLSWIRE_API int tlswire_context_set_passwd_cb(tlswire_context *ctx,
                                              tlswire_passwd_cb cb, void *arg);

/* State and alert trace for every connection of the context: where is a
 * mask of TLSWIRE_SSL_CB_* / TLSWIRE_SSL_ST_* bits, ret as in libssl's info
 * callback (the alert for TLSWIRE_SSL_CB_ALERT). Cannot fail. */
typedef void (*tlswire_info_cb)(tlswire_conn *conn, int where, int ret,
                                void *arg);
TLSWIRE_API int tlswire_context_set_info_callback(tlswire_context *ctx,
                                                  tlswire_info_cb cb,
                                                  void *arg);

/* Key-log callback: line is one NSS key-log line without a newline
 * ("CLIENT_RANDOM ...", "SERVER_HANDSHAKE_TRAFFIC_SECRET ..."), valid during
 * the call. Cannot fail. Handle the secrets with care. */
typedef void (*tlswire_keylog_cb)(tlswire_conn *conn, const char *line,
                                  void *arg);
TLSWIRE_API int tlswire_context_set_keylog_callback(tlswire_context *ctx,
                                                    tlswire_keylog_cb cb,
                                                    void *arg);

/* SNI callback on the server, called when a ClientHello arrives (the name,
 * if any, is SSL_get_servername(tlswire_conn_get_ssl(conn),
 * TLSEXT_NAMETYPE_host_name)). Return 0 to go on. A non-zero return sends a
 * fatal alert and fails the handshake: the server's call returns
 * TLSWIRE_E_CALLBACK with the value (pyOpenSSL 26, CVE-2026-27448). */
typedef int (*tlswire_servername_cb)(tlswire_conn *conn, void *arg);
TLSWIRE_API int tlswire_context_set_tlsext_servername_callback(
    tlswire_context *ctx, tlswire_servername_cb cb, void *arg);

/* One ALPN protocol name: len bytes at data (not NUL-terminated). */
typedef struct tlswire_alpn_proto {
  const unsigned char *data;
  size_t len;
} tlswire_alpn_proto;

/*
 * ALPN select callback on the server. offered holds the n_offered protocols
 * of the ClientHello in the client's order (valid during the call). Return:
 * - 0 with *selected set: that protocol is chosen (it is not checked against
 *   the offer; point it into offered or at memory that outlives the
 *   handshake call). An empty selection (len 0, or data NULL) fails the
 *   handshake: the server's call returns TLSWIRE_E_SSL ("no application
 *   protocol") and sends the no_application_protocol alert (120), as RFC
 *   7301 asks; the client's call returns TLSWIRE_E_SSL ("tlsv1 alert no
 *   application protocol"). pyOpenSSL's b"" fails the handshake too, but
 *   through a libssl accident (a zero-length copy that reads as out of
 *   memory): its server reports "malloc failure" and "internal error" and
 *   sends internal_error (80). Code that looks only at the status sees the
 *   same failure; code that looks at the alert sees 120, not 80.
 * - TLSWIRE_NO_OVERLAPPING_PROTOCOLS: the handshake goes on without ALPN.
 * - anything else: failure; a fatal alert is sent and the server's call
 *   returns TLSWIRE_E_CALLBACK with the value.
 */
typedef int (*tlswire_alpn_select_cb)(tlswire_conn *conn,
                                      const tlswire_alpn_proto *offered,
                                      size_t n_offered,
                                      tlswire_alpn_proto *selected, void *arg);
TLSWIRE_API int
tlswire_context_set_alpn_select_callback(tlswire_context *ctx,
                                         tlswire_alpn_select_cb cb, void *arg);

/*
 * OCSP stapling. The server and client callbacks share ONE slot, as in
 * libssl and pyOpenSSL: setting either replaces the other. Neither is called
 * unless the client asked for a status (request_ocsp; today
 * SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp)).
 *
 * Server: return 0 with *resp / *resp_len set to the DER OCSP response to
 * staple (tlswire copies it when the callback returns, so it must outlive
 * the call: static, or owned through arg); *resp_len 0 staples nothing. A
 * non-zero return sends a fatal alert; the server's call returns
 * TLSWIRE_E_CALLBACK with the value.
 */
typedef int (*tlswire_ocsp_server_cb)(tlswire_conn *conn,
                                      const unsigned char **resp,
                                      size_t *resp_len, void *arg);
TLSWIRE_API int
tlswire_context_set_ocsp_server_callback(tlswire_context *ctx,
                                         tlswire_ocsp_server_cb cb, void *arg);

/* Client: resp / resp_len is the stapled response (NULL / 0 when the server
 * stapled nothing), valid during the call. Return > 0 to accept, 0 to reject
 * (the handshake fails with TLSWIRE_E_SSL), < 0 for a failure (the client's
 * call returns TLSWIRE_E_CALLBACK with the value). Fails closed: should
 * tlswire be unable to find the context or connection behind the handshake
 * (the SSL_CTX's app data replaced through the escape hatch), the callback
 * is not called and the status is rejected (TLSWIRE_E_SSL). */
typedef int (*tlswire_ocsp_client_cb)(tlswire_conn *conn,
                                      const unsigned char *resp,
                                      size_t resp_len, void *arg);
TLSWIRE_API int
tlswire_context_set_ocsp_client_callback(tlswire_context *ctx,
                                         tlswire_ocsp_client_cb cb, void *arg);

/* Longest DTLS cookie (DTLS1_COOKIE_LENGTH). */
#define TLSWIRE_COOKIE_MAX_LENGTH 255

/*
 * DTLS cookie generation (HelloVerifyRequest, with TLSWIRE_OP_COOKIE_EXCHANGE
 * or DTLSv1_listen). Return 0 with *cookie / *cookie_len set: tlswire copies
 * the bytes when the callback returns. A cookie longer than
 * TLSWIRE_COOKIE_MAX_LENGTH is refused (pyOpenSSL 26, CVE-2026-27459): the
 * call fails with TLSWIRE_E_INVALID. A non-zero return is a failure
 * (TLSWIRE_E_CALLBACK with the value).
 */
typedef int (*tlswire_cookie_generate_cb)(tlswire_conn *conn,
                                          const unsigned char **cookie,
                                          size_t *cookie_len, void *arg);
TLSWIRE_API int tlswire_context_set_cookie_generate_callback(
    tlswire_context *ctx, tlswire_cookie_generate_cb cb, void *arg);

/* DTLS cookie check: return > 0 if the cookie is valid, 0 if not (the
 * client is sent a new HelloVerifyRequest or dropped), < 0 for a failure
 * (TLSWIRE_E_CALLBACK with the value). cookie is valid during the call. */
typedef int (*tlswire_cookie_verify_cb)(tlswire_conn *conn,
                                        const unsigned char *cookie,
                                        size_t cookie_len, void *arg);
TLSWIRE_API int tlswire_context_set_cookie_verify_callback(
    tlswire_context *ctx, tlswire_cookie_verify_cb cb, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* TLSWIRE_CONTEXT_H */
