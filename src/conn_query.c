/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_query.c - tlswire_conn settings and getters: context, options,
 * identity, verification, negotiated parameters, secrets, certificates,
 * ALPN/SRTP/groups, the info callback and the level-triggered state.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "alpn.h"
#include "config.h"
#include "callbacks.h"
#include "conn.h"
#include "context.h"
#include "safety.h"
#include "verify.h"

/* --- context, options, identity ------------------------------------------ */

tlswire_context *tlswire_conn_get_context(const tlswire_conn *conn) {
  return conn ? conn->ctx : NULL;
}

/* Whether a context's method selector is one of the datagram ones. */
static int method_is_dtls(int method) {
  switch (method) {
  case TLSWIRE_DTLS_METHOD:
  case TLSWIRE_DTLS_SERVER_METHOD:
  case TLSWIRE_DTLS_CLIENT_METHOD:
    return 1;
  default:
    return 0;
  }
}

int tlswire_conn_set_context(tlswire_conn *conn, tlswire_context *ctx) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(ctx != NULL, &conn->err, "context is NULL");
  if (ctx == conn->ctx)
    return TLSWIRE_OK;
  /* libssl would take it and run the wrong record layer's settings. */
  TW_GUARD_ARG(method_is_dtls(ctx->method) == SSL_is_dtls(conn->ssl),
               &conn->err,
               SSL_is_dtls(conn->ssl)
                   ? "a DTLS connection cannot switch to a TLS context"
                   : "a TLS connection cannot switch to a DTLS context");
  if (SSL_set_SSL_CTX(conn->ssl, ctx->ssl_ctx) == NULL)
    return tlswire_error_from_queue(&conn->err, TLSWIRE_E_SSL);
  /* SSL_new copied the passphrase callback's argument, the old context,
   * which may be freed below: point it at the new one. */
  tlswire_passwd_use(conn->ssl, &ctx->cbs.pw);
  /* libssl keeps the verify mode the connection started with; keep the
   * callback that goes with it (pyOpenSSL keeps its verify helper too). */
  if (!conn->verify_overridden) {
    conn->verify_cb = conn->ctx->verify_cb;
    conn->verify_arg = conn->ctx->verify_arg;
    conn->verify_overridden = 1;
  }
  tlswire_context_ref(ctx);
  tlswire_context_freeze(ctx);
  tlswire_context_free(conn->ctx);
  conn->ctx = ctx;
  return TLSWIRE_OK;
}

int tlswire_conn_set_options(tlswire_conn *conn, uint64_t options,
                             uint64_t *new_options) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  uint64_t now = SSL_set_options(conn->ssl, options);
  if (new_options != NULL)
    *new_options = now;
  return TLSWIRE_OK;
}

const char *tlswire_conn_get_servername(const tlswire_conn *conn) {
  return conn ? SSL_get_servername(conn->ssl, TLSEXT_NAMETYPE_host_name) : NULL;
}

/* --- verification ----------------------------------------------------------
 */

int tlswire_conn_set_verify(tlswire_conn *conn, int mode, tlswire_verify_cb cb,
                            void *arg) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  int known = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT |
              SSL_VERIFY_CLIENT_ONCE | SSL_VERIFY_POST_HANDSHAKE;
  TW_GUARD_ARG((mode & ~known) == 0, &conn->err, "unknown verify mode bits");
  if (!(mode & SSL_VERIFY_PEER) && tlswire_conn_has_host_check(conn))
    return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                             TLSWIRE_HOST_CHECK_NEEDS_PEER_MSG);
  conn->verify_overridden = 1;
  conn->verify_cb = cb;
  conn->verify_arg = arg;
  SSL_set_verify(conn->ssl, mode,
                 cb ? tlswire_context_verify_trampoline : NULL);
  return TLSWIRE_OK;
}

int tlswire_conn_get_verify_mode(const tlswire_conn *conn) {
  return conn ? SSL_get_verify_mode(conn->ssl) : TLSWIRE_E_INVALID;
}

long tlswire_conn_get_verify_result(const tlswire_conn *conn) {
  return conn ? SSL_get_verify_result(conn->ssl) : X509_V_ERR_UNSPECIFIED;
}

int tlswire_conn_use_certificate(tlswire_conn *conn, X509 *cert) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(cert != NULL, &conn->err, "certificate is NULL");
  TW_GUARD_OSSL(SSL_use_certificate(conn->ssl, cert), &conn->err);
  return TLSWIRE_OK;
}

int tlswire_conn_use_privatekey(tlswire_conn *conn, EVP_PKEY *pkey) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(pkey != NULL, &conn->err, "private key is NULL");
  TW_GUARD_OSSL(SSL_use_PrivateKey(conn->ssl, pkey), &conn->err);
  /* libssl accepts a key that does not match the certificate already set
   * (and drops the certificate); pyOpenSSL reports that as an Error. */
  if (SSL_get_certificate(conn->ssl) == NULL &&
      SSL_get_privatekey(conn->ssl) != pkey)
    return tlswire_error_from_queue(&conn->err, TLSWIRE_E_SSL);
  return TLSWIRE_OK;
}

/* --- app data, info callback, OCSP ---------------------------------------- */

void *tlswire_conn_get_app_data(const tlswire_conn *conn) {
  return conn ? conn->app_data : NULL;
}

int tlswire_conn_set_app_data(tlswire_conn *conn, void *data) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  conn->app_data = data;
  return TLSWIRE_OK;
}

static void info_trampoline(const SSL *ssl, int where, int ret) {
  tlswire_conn *conn = tlswire_conn_from_ssl(ssl);
  if (conn != NULL && conn->info_cb != NULL)
    conn->info_cb(conn, where, ret, conn->info_arg);
}

int tlswire_conn_set_info_callback(tlswire_conn *conn, tlswire_info_cb cb,
                                   void *arg) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  conn->info_cb = cb;
  conn->info_arg = arg;
  SSL_set_info_callback(conn->ssl, cb ? info_trampoline : NULL);
  return TLSWIRE_OK;
}

int tlswire_conn_request_ocsp(tlswire_conn *conn) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_OSSL(
      (int)SSL_set_tlsext_status_type(conn->ssl, TLSEXT_STATUSTYPE_ocsp),
      &conn->err);
  return TLSWIRE_OK;
}

/* --- lists ------------------------------------------------------------------
 */

size_t tlswire_conn_get_cipher_list_count(const tlswire_conn *conn) {
  STACK_OF(SSL_CIPHER) *sk = conn ? SSL_get_ciphers(conn->ssl) : NULL;
  int n = sk ? sk_SSL_CIPHER_num(sk) : 0;
  return n > 0 ? (size_t)n : 0;
}

const char *tlswire_conn_get_cipher_list(const tlswire_conn *conn, size_t i) {
  if (conn == NULL || i > INT_MAX)
    return NULL;
  return SSL_get_cipher_list(conn->ssl, (int)i);
}

size_t tlswire_conn_get_client_ca_count(const tlswire_conn *conn) {
  STACK_OF(X509_NAME) *sk = conn ? SSL_get_client_CA_list(conn->ssl) : NULL;
  int n = sk ? sk_X509_NAME_num(sk) : 0;
  return n > 0 ? (size_t)n : 0;
}

X509_NAME *tlswire_conn_get_client_ca(const tlswire_conn *conn, size_t i) {
  if (i >= tlswire_conn_get_client_ca_count(conn))
    return NULL;
  return sk_X509_NAME_value(SSL_get_client_CA_list(conn->ssl), (int)i);
}

/* --- secrets and transcripts ------------------------------------------------
 */

/* The byte-getter convention of conn.h: copy a prefix, report the size. */
static int copy_out(const void *src, size_t n, void *buf, size_t len,
                    size_t *size) {
  *size = n;
  if (n == 0)
    return TLSWIRE_E_STATE;
  if (len > 0)
    memcpy(buf, src, n < len ? n : len);
  return TLSWIRE_OK;
}

/* Checks shared by every byte getter; sets *size to 0. */
static int getter_args(const tlswire_conn *conn, const void *buf, size_t len,
                       size_t *size) {
  if (conn == NULL || size == NULL)
    return TLSWIRE_E_INVALID;
  *size = 0;
  return buf == NULL && len > 0 ? TLSWIRE_E_INVALID : TLSWIRE_OK;
}

/* The handshake's random of one side, through libssl's getter for it. */
static int random_out(const tlswire_conn *conn,
                      size_t (*get)(const SSL *, unsigned char *, size_t),
                      void *buf, size_t len, size_t *size) {
  TW_TRY(getter_args(conn, buf, len, size));
  unsigned char rnd[SSL3_RANDOM_SIZE];
  if (SSL_get_session(conn->ssl) == NULL)
    return TLSWIRE_E_STATE;
  size_t n = get(conn->ssl, rnd, sizeof rnd);
  return copy_out(rnd, n, buf, len, size);
}

int tlswire_conn_server_random(const tlswire_conn *conn, void *buf, size_t len,
                               size_t *size) {
  return random_out(conn, SSL_get_server_random, buf, len, size);
}

int tlswire_conn_client_random(const tlswire_conn *conn, void *buf, size_t len,
                               size_t *size) {
  return random_out(conn, SSL_get_client_random, buf, len, size);
}

/*
 * A session without a key. Only a TLS 1.3 client past its handshake can
 * still get one: its session's key comes with the server's next
 * NewSessionTicket, which a recv processes, as long as the connection can
 * still receive. Everywhere else no input will bring it (mid-handshake, a
 * TLS 1.3 server that issued no ticket, a closed client): pyOpenSSL's
 * Error([]). The getter is const, so the reason goes to the thread's record.
 */
static int master_key_missing(const tlswire_conn *conn) {
  SSL *ssl = conn->ssl;
  if (SSL_version(ssl) == TLS1_3_VERSION && !SSL_is_server(ssl) &&
      SSL_is_init_finished(ssl) &&
      !(tlswire_conn_state(conn) & TLSWIRE_STATE_CLOSED))
    return TLSWIRE_E_WANT_READ;
  return tlswire_error_set(tlswire_error_thread(), TLSWIRE_E_SSL,
                           SSL_is_init_finished(ssl)
                               ? "no master key: no session ticket received"
                               : "no master key before the handshake is done");
}

int tlswire_conn_master_key(const tlswire_conn *conn, void *buf, size_t len,
                            size_t *size) {
  TW_TRY(getter_args(conn, buf, len, size));
  const SSL_SESSION *sess = SSL_get_session(conn->ssl);
  if (sess == NULL)
    return TLSWIRE_E_STATE;
  unsigned char key[SSL_MAX_MASTER_KEY_LENGTH];
  size_t n = SSL_SESSION_get_master_key(sess, key, sizeof key);
  if (n == 0)
    return master_key_missing(conn);
  int rc = copy_out(key, n, buf, len, size);
  OPENSSL_cleanse(key, sizeof key);
  return rc;
}

int tlswire_conn_get_finished(const tlswire_conn *conn, void *buf, size_t len,
                              size_t *size) {
  TW_TRY(getter_args(conn, buf, len, size));
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t n = SSL_get_finished(conn->ssl, md, sizeof md);
  return copy_out(md, n < sizeof md ? n : sizeof md, buf, len, size);
}

int tlswire_conn_get_peer_finished(const tlswire_conn *conn, void *buf,
                                   size_t len, size_t *size) {
  TW_TRY(getter_args(conn, buf, len, size));
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t n = SSL_get_peer_finished(conn->ssl, md, sizeof md);
  return copy_out(md, n < sizeof md ? n : sizeof md, buf, len, size);
}

/*
 * The exporter's bounds, the same under every protocol version:
 * - label: TLS 1.3 puts it in an HkdfLabel whose label field holds at most
 *   255 bytes with the 6-byte "tls13 " prefix; a label that works under
 *   TLS 1.2 but not 1.3 would be a trap, so 249 for both;
 * - context: RFC 5705 frames it with a 16-bit length (TLS 1.3 hashes it and
 *   would take any length, but one rule for both is simpler to rely on);
 * - output: TLS 1.3's HkdfLabel frames it with a 16-bit length as well, and
 *   no exporter use needs more.
 * libssl itself adds up these lengths in size_t under TLS 1.2, so without
 * the bounds a huge one wraps the sum and overruns the buffer it sized.
 * libssl has smaller limits of its own (TLS 1.2's PRF seed, TLS 1.3's 255
 * hash lengths of output): those stay TLSWIRE_E_SSL.
 */
#define EXPORT_MAX_LABEL 249
#define EXPORT_MAX_CONTEXT 65535
#define EXPORT_MAX_OUT 65535

static int export_args_check(struct tlswire_error *err, const void *label,
                             size_t label_len, const void *context,
                             size_t context_len, const void *out, size_t olen) {
  TW_GUARD_ARG(label != NULL && out != NULL && olen > 0, err,
               "label or output is NULL, or the output is empty");
  TW_GUARD_ARG(context != NULL || context_len == 0, err,
               "context is NULL but context_len is not 0");
  TW_GUARD_ARG(label_len <= EXPORT_MAX_LABEL, err,
               "exporter label longer than 249 bytes");
  TW_GUARD_ARG(context_len <= EXPORT_MAX_CONTEXT, err,
               "exporter context longer than 65535 bytes");
  TW_GUARD_ARG(olen <= EXPORT_MAX_OUT, err,
               "exporter output longer than 65535 bytes");
  return TLSWIRE_OK;
}

int tlswire_conn_export_keying_material(tlswire_conn *conn, const void *label,
                                        size_t label_len, const void *context,
                                        size_t context_len, void *out,
                                        size_t olen) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_TRY(export_args_check(&conn->err, label, label_len, context, context_len,
                           out, olen));
  tlswire_error_clear_queue();
  TW_GUARD_OSSL(SSL_export_keying_material(conn->ssl, out, olen, label,
                                           label_len,
                                           context ? context : (const void *)"",
                                           context_len, context != NULL),
                &conn->err);
  return TLSWIRE_OK;
}

/* --- certificates ------------------------------------------------------------
 */

X509 *tlswire_conn_get_certificate(const tlswire_conn *conn) {
  X509 *cert = conn ? SSL_get_certificate(conn->ssl) : NULL;
  if (cert != NULL)
    X509_up_ref(cert);
  return cert;
}

X509 *tlswire_conn_get_peer_certificate(const tlswire_conn *conn) {
  return conn ? SSL_get1_peer_certificate(conn->ssl) : NULL;
}

/* A new stack of new references to every certificate of sk; an empty sk
 * gives an empty stack (pyOpenSSL's []), only a NULL one gives NULL. The
 * getters are const, so an allocation failure is not recorded, only
 * returned. */
static int chain_dup(STACK_OF(X509) * sk, STACK_OF(X509) * *out) {
  *out = NULL;
  if (sk == NULL)
    return TLSWIRE_OK;
  *out = X509_chain_up_ref(sk);
  if (*out == NULL) {
    tlswire_error_clear_queue();
    return TLSWIRE_E_NOMEM;
  }
  return TLSWIRE_OK;
}

int tlswire_conn_get_peer_cert_chain(const tlswire_conn *conn,
                                     STACK_OF(X509) * *out) {
  TW_GUARD(conn != NULL && out != NULL, TLSWIRE_E_INVALID);
  return chain_dup(SSL_get_peer_cert_chain(conn->ssl), out);
}

int tlswire_conn_get_verified_chain(const tlswire_conn *conn,
                                    STACK_OF(X509) * *out) {
  TW_GUARD(conn != NULL && out != NULL, TLSWIRE_E_INVALID);
  return chain_dup(SSL_get0_verified_chain(conn->ssl), out);
}

/* --- ALPN, SRTP, groups ------------------------------------------------------
 */

int tlswire_conn_set_alpn_protos(tlswire_conn *conn, const char *const *protos,
                                 size_t count) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  unsigned char *wire = NULL;
  size_t len = 0;
  TW_TRY(tlswire_alpn_wire_build(&conn->err, protos, count, &wire, &len));
  /* 0 is success here, unlike most of libssl. */
  int failed = SSL_set_alpn_protos(conn->ssl, wire, (unsigned)len);
  OPENSSL_free(wire);
  if (failed)
    return tlswire_error_from_queue(&conn->err, TLSWIRE_E_SSL);
  return TLSWIRE_OK;
}

int tlswire_conn_get_alpn_proto_negotiated(const tlswire_conn *conn,
                                           const unsigned char **proto,
                                           size_t *len) {
  TW_GUARD(conn != NULL && proto != NULL && len != NULL, TLSWIRE_E_INVALID);
  unsigned int n = 0;
  *proto = NULL;
  SSL_get0_alpn_selected(conn->ssl, proto, &n);
  *len = n;
  if (n == 0)
    *proto = NULL;
  return TLSWIRE_OK;
}

const char *tlswire_conn_get_selected_srtp_profile(const tlswire_conn *conn) {
  SRTP_PROTECTION_PROFILE *p =
      conn ? SSL_get_selected_srtp_profile(conn->ssl) : NULL;
  return p ? p->name : "";
}

/* Without a session both ways dereference NULL in libssl (pyOpenSSL's
 * guard). Both give the group's TLS name ("x25519", "secp256r1"). */
#ifdef HAVE_SSL_GET0_GROUP_NAME
static const char *group_name(SSL *ssl) {
  return SSL_get_session(ssl) ? SSL_get0_group_name(ssl) : NULL;
}
#else
/* OpenSSL 3.0 and 3.1: the negotiated group's NID (NID_undef for none),
 * then its name. */
static const char *group_name(SSL *ssl) {
  if (SSL_get_session(ssl) == NULL)
    return NULL;
  int nid = SSL_get_negotiated_group(ssl);
  return nid != NID_undef ? SSL_group_to_name(ssl, nid) : NULL;
}
#endif

int tlswire_conn_get_group_name(const tlswire_conn *conn, const char **name) {
  TW_GUARD(conn != NULL && name != NULL, TLSWIRE_E_INVALID);
  *name = group_name(conn->ssl);
  return TLSWIRE_OK;
}

/* --- level-triggered state ---------------------------------------------------
 */

/* Input libssl holds that a recv may turn into plaintext without a new
 * byte: decrypted bytes, or records read ahead (bound streams). Read-ahead
 * bytes may also be a partial record: once a call stopped for input
 * (SSL_want_read) they are known to be one, and do not count. */
static int buffered_input(const tlswire_conn *conn) {
  return SSL_pending(conn->ssl) > 0 ||
         (SSL_has_pending(conn->ssl) && !SSL_want_read(conn->ssl));
}

static int conn_closed(const tlswire_conn *conn) {
  if (SSL_get_shutdown(conn->ssl) & SSL_RECEIVED_SHUTDOWN)
    return 1;
  /* A fatal error: libssl's only public sign of its error state is the
   * state string ("SSLERR"). */
  if (strcmp(SSL_state_string(conn->ssl), "SSLERR") == 0)
    return 1;
  /* A bound connection's transport failed (sticky): nothing more arrives. */
  if (conn->bound != NULL && conn->bound->io_errno != 0)
    return 1;
  return tlswire_conn_in_eof(conn) && tlswire_ring_len(&conn->mem.in) == 0 &&
         !buffered_input(conn);
}

/* Nothing can happen until ciphertext arrives (sending aside): a client
 * that has not started its handshake must call do_handshake first, and a
 * connection waiting for output room must be drained first. */
static int conn_needs_input(const tlswire_conn *conn) {
  if (tlswire_ring_len(&conn->mem.in) > 0 || buffered_input(conn))
    return 0;
  if (SSL_want_write(conn->ssl))
    return 0;
  return !(SSL_in_before(conn->ssl) && !SSL_is_server(conn->ssl));
}

unsigned tlswire_conn_state(const tlswire_conn *conn) {
  if (conn == NULL)
    return 0;
  unsigned state = 0;
  if (conn_closed(conn))
    state |= TLSWIRE_STATE_CLOSED;
  else if (conn_needs_input(conn))
    state |= TLSWIRE_STATE_NEEDS_INPUT;
  if (tlswire_ring_len(tlswire_conn_out_const(conn)) > 0)
    state |= TLSWIRE_STATE_HAS_OUTPUT;
  if (SSL_pending(conn->ssl) > 0)
    state |= TLSWIRE_STATE_HAS_PLAINTEXT;
  return state;
}
