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
 * mutator below returns TLSWIRE_E_STATE (pyOpenSSL 26.2 raises ValueError);
 * getters keep working. A frozen context may be shared by connections on
 * several threads.
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
 * TLSWIRE_E_NOMEM or TLSWIRE_E_SSL. On failure *out is set to NULL.
 */
TLSWIRE_API int tlswire_context_new(tlswire_context **out, int method);

/* Releases the caller's reference; the context is destroyed when its last
 * connection is freed too. NULL is accepted and ignored. */
TLSWIRE_API void tlswire_context_free(tlswire_context *ctx);

/* The record of the context's last failure (never NULL for a non-NULL ctx;
 * NULL for NULL). Valid while the context lives. */
TLSWIRE_API const tlswire_error *
tlswire_context_last_error(const tlswire_context *ctx);

/* The method selector the context was created with. */
TLSWIRE_API int tlswire_context_get_method(const tlswire_context *ctx);

/* Escape hatch: the underlying SSL_CTX, borrowed (valid while the context
 * lives). Changing it behind tlswire's back bypasses the frozen rule. */
TLSWIRE_API SSL_CTX *tlswire_context_get_ssl_ctx(const tlswire_context *ctx);

/*
 * Capacity in bytes of each of the two byte rings (ciphertext in, ciphertext
 * out) of connections created later in memory mode; default
 * TLSWIRE_DEFAULT_RING_CAPACITY (one full TLS record). Accepted range:
 * TLSWIRE_MIN_RING_CAPACITY .. TLSWIRE_MAX_RING_CAPACITY. The output ring may
 * briefly hold up to one extra TLS record beyond its capacity, so a record
 * libssl has built is never split or lost (bounded: capacity + about 18 KiB).
 * Ring storage is allocated on first use; with TLSWIRE_MODE_RELEASE_BUFFERS
 * set on the context (tlswire_context_set_mode), a ring also frees its
 * storage whenever it empties, so idle connections hold none.
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

/* Checks that the private key matches the certificate: TLSWIRE_OK, or
 * TLSWIRE_E_SSL (mismatch, or either is missing). Allowed on a frozen
 * context. */
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
 * resulting mask. */
TLSWIRE_API int tlswire_context_set_mode(tlswire_context *ctx, long mode,
                                         long *new_mode);

/* Lowest / highest protocol version (TLSWIRE_TLS1_2_VERSION, ...); 0 means
 * the library's own limit. TLSWIRE_E_SSL for a version libssl rejects. */
TLSWIRE_API int tlswire_context_set_min_proto_version(tlswire_context *ctx,
                                                      int version);
TLSWIRE_API int tlswire_context_set_max_proto_version(tlswire_context *ctx,
                                                      int version);

#ifdef __cplusplus
}
#endif

#endif /* TLSWIRE_CONTEXT_H */
