/*
 * tlswire/constants.h - pyOpenSSL's module constants, spelled TLSWIRE_*.
 *
 * Part of the public API; include <tlswire/tlswire.h> rather than this file.
 * Values are pyOpenSSL's: its own integers for the method selectors, libssl's
 * macros for everything else.
 */
#ifndef TLSWIRE_CONSTANTS_H
#define TLSWIRE_CONSTANTS_H

#include <openssl/ssl.h>

/* Context method selectors (pyOpenSSL's integers, not OpenSSL values).
 * SSLv2 and SSLv3 are accepted names but give TLSWIRE_E_UNSUPPORTED. */
#define TLSWIRE_SSLv2_METHOD 1
#define TLSWIRE_SSLv3_METHOD 2
#define TLSWIRE_SSLv23_METHOD 3       /* TLS_method(); deprecated name */
#define TLSWIRE_TLSv1_METHOD 4        /* TLS_method() pinned to TLS 1.0 */
#define TLSWIRE_TLSv1_1_METHOD 5      /* TLS_method() pinned to TLS 1.1 */
#define TLSWIRE_TLSv1_2_METHOD 6      /* TLS_method() pinned to TLS 1.2 */
#define TLSWIRE_TLS_METHOD 7          /* TLS_method() */
#define TLSWIRE_TLS_SERVER_METHOD 8   /* TLS_server_method() */
#define TLSWIRE_TLS_CLIENT_METHOD 9   /* TLS_client_method() */
#define TLSWIRE_DTLS_METHOD 10        /* DTLS_method() */
#define TLSWIRE_DTLS_SERVER_METHOD 11 /* DTLS_server_method() */
#define TLSWIRE_DTLS_CLIENT_METHOD 12 /* DTLS_client_method() */

/* Protocol versions for set_min_proto_version / set_max_proto_version;
 * 0 means the library's lowest or highest. */
#define TLSWIRE_SSL3_VERSION SSL3_VERSION
#define TLSWIRE_TLS1_VERSION TLS1_VERSION
#define TLSWIRE_TLS1_1_VERSION TLS1_1_VERSION
#define TLSWIRE_TLS1_2_VERSION TLS1_2_VERSION
#define TLSWIRE_TLS1_3_VERSION TLS1_3_VERSION

/* Verify modes. */
#define TLSWIRE_VERIFY_NONE SSL_VERIFY_NONE
#define TLSWIRE_VERIFY_PEER SSL_VERIFY_PEER
#define TLSWIRE_VERIFY_FAIL_IF_NO_PEER_CERT SSL_VERIFY_FAIL_IF_NO_PEER_CERT
#define TLSWIRE_VERIFY_CLIENT_ONCE SSL_VERIFY_CLIENT_ONCE

/* File types for the file and memory loaders. */
#define TLSWIRE_FILETYPE_PEM SSL_FILETYPE_PEM
#define TLSWIRE_FILETYPE_ASN1 SSL_FILETYPE_ASN1

/* Options (uint64_t masks, as in OpenSSL 3). The sixteen obsolete ones are 0,
 * as libssl still defines them. */
#define TLSWIRE_OP_ALL ((uint64_t)SSL_OP_ALL)
#define TLSWIRE_OP_NO_SSLv2 ((uint64_t)0)
#define TLSWIRE_OP_NO_SSLv3 ((uint64_t)SSL_OP_NO_SSLv3)
#define TLSWIRE_OP_NO_TLSv1 ((uint64_t)SSL_OP_NO_TLSv1)
#define TLSWIRE_OP_NO_TLSv1_1 ((uint64_t)SSL_OP_NO_TLSv1_1)
#define TLSWIRE_OP_NO_TLSv1_2 ((uint64_t)SSL_OP_NO_TLSv1_2)
#define TLSWIRE_OP_NO_TLSv1_3 ((uint64_t)SSL_OP_NO_TLSv1_3)
#define TLSWIRE_OP_NO_COMPRESSION ((uint64_t)SSL_OP_NO_COMPRESSION)
#define TLSWIRE_OP_NO_QUERY_MTU ((uint64_t)SSL_OP_NO_QUERY_MTU)
#define TLSWIRE_OP_COOKIE_EXCHANGE ((uint64_t)SSL_OP_COOKIE_EXCHANGE)
#define TLSWIRE_OP_NO_TICKET ((uint64_t)SSL_OP_NO_TICKET)
#define TLSWIRE_OP_NO_RENEGOTIATION ((uint64_t)SSL_OP_NO_RENEGOTIATION)
#define TLSWIRE_OP_IGNORE_UNEXPECTED_EOF                                       \
  ((uint64_t)SSL_OP_IGNORE_UNEXPECTED_EOF)
#define TLSWIRE_OP_LEGACY_SERVER_CONNECT                                       \
  ((uint64_t)SSL_OP_LEGACY_SERVER_CONNECT)
#define TLSWIRE_OP_CIPHER_SERVER_PREFERENCE                                    \
  ((uint64_t)SSL_OP_CIPHER_SERVER_PREFERENCE)
#define TLSWIRE_OP_TLS_ROLLBACK_BUG ((uint64_t)SSL_OP_TLS_ROLLBACK_BUG)
#define TLSWIRE_OP_DONT_INSERT_EMPTY_FRAGMENTS                                 \
  ((uint64_t)SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS)
#define TLSWIRE_OP_SINGLE_DH_USE ((uint64_t)0)
#define TLSWIRE_OP_SINGLE_ECDH_USE ((uint64_t)0)
#define TLSWIRE_OP_EPHEMERAL_RSA ((uint64_t)0)
#define TLSWIRE_OP_MICROSOFT_SESS_ID_BUG ((uint64_t)0)
#define TLSWIRE_OP_NETSCAPE_CHALLENGE_BUG ((uint64_t)0)
#define TLSWIRE_OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG ((uint64_t)0)
#define TLSWIRE_OP_SSLREF2_REUSE_CERT_TYPE_BUG ((uint64_t)0)
#define TLSWIRE_OP_MICROSOFT_BIG_SSLV3_BUFFER ((uint64_t)0)
#define TLSWIRE_OP_MSIE_SSLV2_RSA_PADDING ((uint64_t)0)
#define TLSWIRE_OP_SSLEAY_080_CLIENT_DH_BUG ((uint64_t)0)
#define TLSWIRE_OP_TLS_D5_BUG ((uint64_t)0)
#define TLSWIRE_OP_TLS_BLOCK_PADDING_BUG ((uint64_t)0)
#define TLSWIRE_OP_PKCS1_CHECK_1 ((uint64_t)0)
#define TLSWIRE_OP_PKCS1_CHECK_2 ((uint64_t)0)
#define TLSWIRE_OP_NETSCAPE_CA_DN_BUG ((uint64_t)0)
#define TLSWIRE_OP_NETSCAPE_DEMO_CIPHER_CHANGE_BUG ((uint64_t)0)

/* Modes. pyOpenSSL exports only RELEASE_BUFFERS; the three below it are set
 * by tlswire on every Context (PARTIAL_WRITE, MOVING_WRITE_BUFFER) and
 * connection (AUTO_RETRY) and exported so they can be cleared on purpose. */
#define TLSWIRE_MODE_RELEASE_BUFFERS ((long)SSL_MODE_RELEASE_BUFFERS)
#define TLSWIRE_MODE_ENABLE_PARTIAL_WRITE ((long)SSL_MODE_ENABLE_PARTIAL_WRITE)
#define TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER                                \
  ((long)SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
#define TLSWIRE_MODE_AUTO_RETRY ((long)SSL_MODE_AUTO_RETRY)

/* Session cache modes. */
#define TLSWIRE_SESS_CACHE_OFF SSL_SESS_CACHE_OFF
#define TLSWIRE_SESS_CACHE_CLIENT SSL_SESS_CACHE_CLIENT
#define TLSWIRE_SESS_CACHE_SERVER SSL_SESS_CACHE_SERVER
#define TLSWIRE_SESS_CACHE_BOTH SSL_SESS_CACHE_BOTH
#define TLSWIRE_SESS_CACHE_NO_AUTO_CLEAR SSL_SESS_CACHE_NO_AUTO_CLEAR
#define TLSWIRE_SESS_CACHE_NO_INTERNAL_LOOKUP SSL_SESS_CACHE_NO_INTERNAL_LOOKUP
#define TLSWIRE_SESS_CACHE_NO_INTERNAL_STORE SSL_SESS_CACHE_NO_INTERNAL_STORE
#define TLSWIRE_SESS_CACHE_NO_INTERNAL SSL_SESS_CACHE_NO_INTERNAL

/* Shutdown state bits (get_shutdown / set_shutdown). */
#define TLSWIRE_SENT_SHUTDOWN SSL_SENT_SHUTDOWN
#define TLSWIRE_RECEIVED_SHUTDOWN SSL_RECEIVED_SHUTDOWN

#endif /* TLSWIRE_CONSTANTS_H */
