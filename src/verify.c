/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.c - verifying who the peer is: secure-default contexts, and the
 * host name or IP address the peer's certificate must match (with SNI set
 * from the same name).
 */
#include <string.h>

#include <openssl/x509v3.h>

#include "context.h"
#include "safety.h"
#include "verify.h"

/* --- secure-default contexts ---------------------------------------------- */

/* OpenSSL 3.0's built-in security level. A system configuration may raise
 * it (Debian's openssl.cnf sets 2), which is kept; a lower one is not. */
#define SECURE_MIN_SECURITY_LEVEL 1

static int secure_common(tlswire_context *ctx) {
  TW_TRY(tlswire_context_set_min_proto_version(ctx, TLS1_2_VERSION));
  if (SSL_CTX_get_security_level(ctx->ssl_ctx) < SECURE_MIN_SECURITY_LEVEL)
    SSL_CTX_set_security_level(ctx->ssl_ctx, SECURE_MIN_SECURITY_LEVEL);
  return TLSWIRE_OK;
}

static int secure_client(tlswire_context *ctx) {
  TW_TRY(tlswire_context_set_default_verify_paths(ctx));
  TW_TRY(tlswire_context_set_verify(ctx, TLSWIRE_VERIFY_PEER, NULL, NULL));
  /* Inherited by every connection: no "f*.example" partial wildcards. */
  X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx->ssl_ctx),
                                  X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return TLSWIRE_OK;
}

static int secure_configure(tlswire_context *ctx, int purpose) {
  TW_TRY(secure_common(ctx));
  if (purpose == TLSWIRE_PURPOSE_CLIENT)
    TW_TRY(secure_client(ctx));
  return TLSWIRE_OK;
}

int tlswire_context_new_secure(tlswire_context **out, int purpose) {
  struct tlswire_error *rec = tlswire_error_thread();
  TW_GUARD_ARG(out != NULL, rec, "out is NULL");
  *out = NULL;
  TW_GUARD_ARG(purpose == TLSWIRE_PURPOSE_CLIENT ||
                   purpose == TLSWIRE_PURPOSE_SERVER,
               rec, "unknown purpose (TLSWIRE_PURPOSE_CLIENT or _SERVER)");
  int method = purpose == TLSWIRE_PURPOSE_CLIENT ? TLSWIRE_TLS_CLIENT_METHOD
                                                 : TLSWIRE_TLS_SERVER_METHOD;
  tlswire_context *ctx = NULL;
  int rc = tlswire_context_new(&ctx, method);
  if (rc != TLSWIRE_OK)
    return tlswire_error_set(rec, rc, "cannot create the context");
  rc = secure_configure(ctx, purpose);
  if (rc != TLSWIRE_OK) {
    *rec = ctx->err; /* the context goes, its record with it */
    tlswire_context_free(ctx);
    return rc;
  }
  *out = ctx;
  return TLSWIRE_OK;
}

/* --- the identity the peer's certificate must match ----------------------- */

static int is_ip_literal(const char *host) {
  ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);
  int found = ip != NULL;
  ASN1_OCTET_STRING_free(ip);
  tlswire_error_clear_queue();
  return found;
}

int tlswire_conn_has_host_check(const tlswire_conn *conn) {
  X509_VERIFY_PARAM *param = SSL_get0_param(conn->ssl);
  if (X509_VERIFY_PARAM_get0_host(param, 0) != NULL)
    return 1;
  char *ip = X509_VERIFY_PARAM_get1_ip_asc(param);
  OPENSSL_free(ip);
  tlswire_error_clear_queue();
  return ip != NULL;
}

/* A check that can never run is refused rather than silently ignored. */
static int host_check_allowed(tlswire_conn *conn) {
  if (SSL_get_verify_mode(conn->ssl) & SSL_VERIFY_PEER)
    return TLSWIRE_OK;
  return tlswire_error_set(&conn->err, TLSWIRE_E_STATE,
                           TLSWIRE_HOST_CHECK_NEEDS_PEER_MSG);
}

/*
 * Replaces the identity to check: host is a DNS name or an IP literal (ip
 * says which), NULL clears it. SSL_set1_host alone keeps an earlier IP
 * address across a later DNS name or NULL. The new identity is set before
 * the other kind is cleared, so a failure leaves the earlier check in force
 * (fails closed); clearing cannot fail.
 */
static int peer_identity_set(tlswire_conn *conn, const char *host, int ip) {
  X509_VERIFY_PARAM *param = SSL_get0_param(conn->ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (host != NULL && ip) {
    TW_GUARD_OSSL(X509_VERIFY_PARAM_set1_ip_asc(param, host), &conn->err);
    X509_VERIFY_PARAM_set1_host(param, NULL, 0);
    return TLSWIRE_OK;
  }
  if (host != NULL)
    TW_GUARD_OSSL(X509_VERIFY_PARAM_set1_host(param, host, 0), &conn->err);
  else
    X509_VERIFY_PARAM_set1_host(param, NULL, 0);
  X509_VERIFY_PARAM_set1_ip(param, NULL, 0);
  return TLSWIRE_OK;
}

int tlswire_conn_set_verify_hostname(tlswire_conn *conn, const char *host) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(host == NULL || host[0] != '\0', &conn->err,
               "host name is empty");
  if (host != NULL)
    TW_TRY(host_check_allowed(conn));
  return peer_identity_set(conn, host, host != NULL && is_ip_literal(host));
}

int tlswire_conn_set_tlsext_host_name(tlswire_conn *conn, const char *name,
                                      size_t len) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(name != NULL && len > 0 && len <= TLSEXT_MAXLEN_host_name,
               &conn->err, "host name is NULL, empty or longer than 255");
  TW_GUARD_ARG(memchr(name, '\0', len) == NULL, &conn->err,
               "host name contains a NUL byte");
  char copy[TLSEXT_MAXLEN_host_name + 1];
  memcpy(copy, name, len);
  copy[len] = '\0';
  TW_GUARD_OSSL(SSL_set_tlsext_host_name(conn->ssl, copy), &conn->err);
  return TLSWIRE_OK;
}

int tlswire_conn_set_server_name(tlswire_conn *conn, const char *name) {
  TW_GUARD(conn != NULL, TLSWIRE_E_INVALID);
  TW_GUARD_ARG(name != NULL && name[0] != '\0', &conn->err,
               "server name is NULL or empty");
  TW_GUARD_ARG(strlen(name) <= TLSEXT_MAXLEN_host_name, &conn->err,
               "server name longer than 255 bytes");
  TW_TRY(host_check_allowed(conn));
  int ip = is_ip_literal(name);
  TW_TRY(peer_identity_set(conn, name, ip));
  /* RFC 6066 section 3: SNI carries no IP address literal; an earlier name
   * is dropped so that the whole identity is this call's. */
  if (!ip)
    return tlswire_conn_set_tlsext_host_name(conn, name, strlen(name));
  TW_GUARD_OSSL(SSL_set_tlsext_host_name(conn->ssl, NULL), &conn->err);
  return TLSWIRE_OK;
}
