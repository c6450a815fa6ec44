/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_verify.c - verifying servers: the secure-default contexts
 * (tlswire_context_new_secure), the one client call that names the server
 * (tlswire_conn_set_server_name: SNI plus the host name or IP check), the
 * host check's own setter and the rule that a host check needs peer
 * verification. Over the memory API, against a wrong host name, an
 * untrusted chain and IP addresses.
 *
 * The system trust store cannot hold the test CA, so the secure client gets
 * it on top of the defaults (load_verify_locations_mem); the tests that
 * prove the defaults are loaded point OpenSSL's own SSL_CERT_FILE /
 * SSL_CERT_DIR variables at files they write (each test runs in its own
 * process under Check's fork mode, and restores the variables anyway).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "conn_util.h"
#include "testmain.h"

#define FIXTURE_TYPE TW_KEY_EC_P256

/* --- contexts ------------------------------------------------------------ */

static tw_pair pair;
static char sni_seen[300];
static int sni_calls;

static int record_sni(tlswire_conn *conn, void *arg) {
  (void)arg;
  const char *name = tlswire_conn_get_servername(conn);
  snprintf(sni_seen, sizeof sni_seen, "%s", name ? name : "(none)");
  sni_calls++;
  return 0;
}

/* A secure server context with leaf (and the fixture intermediate). */
static tlswire_context *secure_server(X509 *leaf, EVP_PKEY *key) {
  const tw_chain *chain = tw_fixture_chain(FIXTURE_TYPE);
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new_secure(&ctx, TLSWIRE_PURPOSE_SERVER),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_certificate(ctx, leaf), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_privatekey(ctx, key), TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_add_extra_chain_cert(ctx, chain->intermediate),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_tlsext_servername_callback(ctx, record_sni, NULL),
      TLSWIRE_OK);
  return ctx;
}

static tlswire_context *fixture_server(void) {
  const tw_chain *chain = tw_fixture_chain(FIXTURE_TYPE);
  return secure_server(chain->leaf, chain->leaf_key);
}

/* A server whose leaf (under the fixture intermediate) carries san. */
static tlswire_context *san_server(const char *san) {
  const tw_chain *chain = tw_fixture_chain(FIXTURE_TYPE);
  EVP_PKEY *key = tw_key_new(FIXTURE_TYPE);
  ck_assert_ptr_nonnull(key);
  X509 *leaf = tw_cert_new_san("server.test", key, chain->intermediate,
                               chain->int_key, 0, san);
  ck_assert_ptr_nonnull(leaf);
  tlswire_context *ctx = secure_server(leaf, key);
  X509_free(leaf);
  EVP_PKEY_free(key);
  return ctx;
}

/* A secure client context that also trusts the fixture CA. */
static tlswire_context *secure_client(void) {
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new_secure(&ctx, TLSWIRE_PURPOSE_CLIENT),
                   TLSWIRE_OK);
  cu_trust(ctx, tw_fixture_chain(FIXTURE_TYPE)->ca);
  return ctx;
}

/* Points the system trust store at cafile (NULL: a file that does not
 * exist) and an empty directory, so only what a test puts there is
 * trusted. */
static void system_store(const char *cafile) {
  const char *dir = tw_tmpdir();
  ck_assert_ptr_nonnull(dir);
  char missing[4200];
  snprintf(missing, sizeof missing, "%s/no-such-file.pem", dir);
  ck_assert_int_eq(setenv("SSL_CERT_FILE", cafile ? cafile : missing, 1), 0);
  ck_assert_int_eq(setenv("SSL_CERT_DIR", dir, 1), 0);
}

static void system_store_restore(void) {
  unsetenv("SSL_CERT_FILE");
  unsetenv("SSL_CERT_DIR");
}

/* --- a client/server pair and what the server saw ------------------------ */

/* Handshake of a fresh pair on c and s, the client named after name (NULL:
 * not named). The contexts keep the caller's reference. Returns the
 * client's status. */
static int connect_named(tlswire_context *c, tlswire_context *s,
                         const char *name) {
  ck_assert_int_eq(tw_pair_init(&pair, c, s), 0);
  if (name != NULL)
    ck_assert_int_eq(tlswire_conn_set_server_name(pair.client, name),
                     TLSWIRE_OK);
  int crc = TLSWIRE_OK;
  if (tw_handshake(pair.client, pair.server, &crc, NULL) == 0)
    return TLSWIRE_OK;
  return crc;
}

static void setup(void) {
  memset(&pair, 0, sizeof pair);
  sni_seen[0] = '\0';
  sni_calls = 0;
}

static void teardown(void) {
  tw_pair_free(&pair);
  system_store_restore();
  tw_tmpdir_remove();
}

/* The client failed verification with X509 result want. */
static void assert_verify_failed(int crc, long want) {
  ck_assert_int_eq(crc, TLSWIRE_E_SSL);
  ck_assert_str_eq(cu_reason(pair.client), "certificate verify failed");
  ck_assert_int_eq(tlswire_conn_get_verify_result(pair.client), want);
  ck_assert_uint_eq(ERR_peek_error(), 0);
}

/* --- the secure contexts ------------------------------------------------- */

START_TEST(secure_client_defaults) {
  tlswire_context *plain = NULL, *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&plain, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_new_secure(&ctx, TLSWIRE_PURPOSE_CLIENT),
                   TLSWIRE_OK);
  SSL_CTX *raw = tlswire_context_get_ssl_ctx(ctx);
  ck_assert_int_eq(tlswire_context_get_method(ctx), TLSWIRE_TLS_CLIENT_METHOD);
  ck_assert_int_eq(tlswire_context_get_verify_mode(ctx), TLSWIRE_VERIFY_PEER);
  ck_assert_int_eq(SSL_CTX_get_min_proto_version(raw), TLS1_2_VERSION);
  ck_assert_int_eq(SSL_CTX_get_max_proto_version(raw), 0);
  /* OpenSSL's default level, never below 1. */
  int level = SSL_CTX_get_security_level(tlswire_context_get_ssl_ctx(plain));
  ck_assert_int_eq(SSL_CTX_get_security_level(raw), level < 1 ? 1 : level);
  ck_assert_uint_eq(X509_VERIFY_PARAM_get_hostflags(SSL_CTX_get0_param(raw)),
                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  long mode = SSL_CTX_get_mode(raw);
  ck_assert(mode & SSL_MODE_ENABLE_PARTIAL_WRITE);
  ck_assert(mode & SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* Connections inherit it. */
  tlswire_conn *conn = NULL;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_get_verify_mode(conn), TLSWIRE_VERIFY_PEER);
  tlswire_conn_free(conn);
  tlswire_context_free(ctx);
  tlswire_context_free(plain);
}
END_TEST

START_TEST(secure_server_defaults) {
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new_secure(&ctx, TLSWIRE_PURPOSE_SERVER),
                   TLSWIRE_OK);
  SSL_CTX *raw = tlswire_context_get_ssl_ctx(ctx);
  ck_assert_int_eq(tlswire_context_get_method(ctx), TLSWIRE_TLS_SERVER_METHOD);
  ck_assert_int_eq(tlswire_context_get_verify_mode(ctx), TLSWIRE_VERIFY_NONE);
  ck_assert_int_eq(SSL_CTX_get_min_proto_version(raw), TLS1_2_VERSION);
  ck_assert_int_ge(SSL_CTX_get_security_level(raw), 1);
  /* The system store is for clients: a server trusts nothing by itself. */
  X509_STORE *store = tlswire_context_get_cert_store(ctx);
  ck_assert_int_eq(sk_X509_OBJECT_num(X509_STORE_get0_objects(store)), 0);
  tlswire_context_free(ctx);
}
END_TEST

/* Each secure context serves one role: the other one fails its handshake,
 * and the role must still be set. _i: client / server purpose. */
START_TEST(secure_wrong_role_fails) {
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(
      tlswire_context_new_secure(&ctx, _i ? TLSWIRE_PURPOSE_SERVER
                                          : TLSWIRE_PURPOSE_CLIENT),
      TLSWIRE_OK);
  tlswire_conn *wrong = NULL, *unset = NULL;
  ck_assert_int_eq(tlswire_conn_new(&wrong, ctx, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&unset, ctx, NULL), TLSWIRE_OK);
  if (_i)
    tlswire_conn_set_connect_state(wrong);
  else
    tlswire_conn_set_accept_state(wrong);
  ck_assert_int_eq(tlswire_conn_do_handshake(wrong), TLSWIRE_E_SSL);
  ck_assert_str_eq(cu_reason(wrong), "called a function you should not call");
  ck_assert_int_eq(tlswire_conn_do_handshake(unset), TLSWIRE_E_SSL);
  ck_assert_str_eq(cu_reason(unset), "connection type not set");
  tlswire_conn_free(wrong);
  tlswire_conn_free(unset);
  tlswire_context_free(ctx);
}
END_TEST

START_TEST(secure_bad_arguments) {
  tlswire_context *ctx = (tlswire_context *)&ctx;
  ck_assert_int_eq(tlswire_context_new_secure(NULL, TLSWIRE_PURPOSE_CLIENT),
                   TLSWIRE_E_INVALID);
  static const int bad[] = {0, 3, -1, TLSWIRE_TLS_METHOD};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ctx = (tlswire_context *)&ctx;
    ck_assert_int_eq(tlswire_context_new_secure(&ctx, bad[i]),
                     TLSWIRE_E_INVALID);
    ck_assert_ptr_null(ctx);
    const tlswire_error *e = tlswire_thread_last_error();
    ck_assert_int_eq(tlswire_error_code(e), TLSWIRE_E_INVALID);
    ck_assert_ptr_nonnull(strstr(tlswire_error_message(e), "purpose"));
  }
}
END_TEST

/* The defaults are OpenSSL's system paths: with SSL_CERT_FILE naming a file
 * that holds the test CA, the secure client trusts the server with nothing
 * loaded by hand. */
START_TEST(secure_uses_system_store) {
  char *pem = NULL;
  size_t len = 0;
  ck_assert_int_eq(tw_cert_pem(tw_fixture_chain(FIXTURE_TYPE)->ca, &pem, &len),
                   0);
  char *path = tw_tmpfile_write("system-ca.pem", pem, len);
  ck_assert_ptr_nonnull(path);
  free(pem);
  system_store(path);
  tlswire_context *c = NULL;
  ck_assert_int_eq(tlswire_context_new_secure(&c, TLSWIRE_PURPOSE_CLIENT),
                   TLSWIRE_OK);
  tlswire_context *s = fixture_server();
  ck_assert_int_eq(connect_named(c, s, "server.test"), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_get_verify_result(pair.client), X509_V_OK);
  tlswire_context_free(s);
  tlswire_context_free(c);
  free(path);
}
END_TEST

/* The real system paths load without error: same store as libssl's own
 * SSL_CTX_set_default_verify_paths, nothing left on the queue. A missing
 * store is no error either, and then nothing is trusted (fails closed). */
START_TEST(secure_system_paths_load_cleanly) {
  int before = tlswire_error_code(tlswire_thread_last_error());
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new_secure(&ctx, TLSWIRE_PURPOSE_CLIENT),
                   TLSWIRE_OK);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  ck_assert_int_eq(tlswire_error_code(tlswire_thread_last_error()), before);
  SSL_CTX *ref = SSL_CTX_new(TLS_client_method());
  ck_assert_int_eq(SSL_CTX_set_default_verify_paths(ref), 1);
  ERR_clear_error();
  ck_assert_int_eq(
      sk_X509_OBJECT_num(X509_STORE_get0_objects(SSL_CTX_get_cert_store(ref))),
      sk_X509_OBJECT_num(
          X509_STORE_get0_objects(tlswire_context_get_cert_store(ctx))));
  SSL_CTX_free(ref);
  tlswire_context_free(ctx);

  system_store(NULL);
  ck_assert_int_eq(tlswire_context_new_secure(&ctx, TLSWIRE_PURPOSE_CLIENT),
                   TLSWIRE_OK);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_context *s = fixture_server();
  assert_verify_failed(connect_named(ctx, s, "server.test"),
                       X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  tlswire_context_free(s);
  tlswire_context_free(ctx);
}
END_TEST

/* A context at security level 0 (TLS 1.1 needs it), pinned to max. */
static tlswire_context *legacy_ctx(int method, int max) {
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, method), TLSWIRE_OK);
  SSL_CTX_set_security_level(tlswire_context_get_ssl_ctx(ctx), 0);
  ck_assert_int_eq(tlswire_context_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0"),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_max_proto_version(ctx, max), TLSWIRE_OK);
  return ctx;
}

/* The secure client refuses what a plain one accepts: a TLS 1.1 server. */
START_TEST(secure_refuses_tls11) {
  const tw_chain *chain = tw_fixture_chain(FIXTURE_TYPE);
  tlswire_context *s = legacy_ctx(TLSWIRE_TLS_METHOD, TLS1_1_VERSION);
  ck_assert_int_eq(tlswire_context_use_certificate(s, chain->leaf), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_privatekey(s, chain->leaf_key),
                   TLSWIRE_OK);
  tlswire_context *plain = legacy_ctx(TLSWIRE_TLS_METHOD, 0);
  ck_assert_int_eq(connect_named(plain, s, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_get_protocol_version(pair.client),
                   TLS1_1_VERSION);
  tw_pair_free(&pair);
  tlswire_context *c = secure_client();
  /* The server refuses the ClientHello first; its alert then reaches the
   * client. */
  ck_assert_int_ne(connect_named(c, s, "server.test"), TLSWIRE_OK);
  ck_assert_str_eq(cu_reason(pair.server), "unsupported protocol");
  tw_pump(pair.client, pair.server);
  ck_assert_int_eq(tlswire_conn_do_handshake(pair.client), TLSWIRE_E_SSL);
  ck_assert_ptr_nonnull(strstr(cu_reason(pair.client), "protocol version"));
  tlswire_context_free(plain);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* --- naming the server --------------------------------------------------- */

/* _i: TLS 1.2 / TLS 1.3. The right name passes and is sent as SNI. */
START_TEST(server_name_matches) {
  int version = _i ? TLS1_3_VERSION : TLS1_2_VERSION;
  tlswire_context *c = secure_client();
  cu_pin(c, version);
  tlswire_context *s = fixture_server();
  ck_assert_int_eq(connect_named(c, s, "server.test"), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_get_protocol_version(pair.client), version);
  ck_assert_int_eq(tlswire_conn_get_verify_result(pair.client), X509_V_OK);
  ck_assert_str_eq(sni_seen, "server.test");
  ck_assert_str_eq(tlswire_conn_get_servername(pair.client), "server.test");
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* _i: TLS 1.2 / TLS 1.3. A certificate for another name is refused. */
START_TEST(server_name_wrong_host) {
  tlswire_context *c = secure_client();
  cu_pin(c, _i ? TLS1_3_VERSION : TLS1_2_VERSION);
  tlswire_context *s = fixture_server();
  assert_verify_failed(connect_named(c, s, "wrong.test"),
                       X509_V_ERR_HOSTNAME_MISMATCH);
  ck_assert_str_eq(sni_seen, "wrong.test");
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* No partial wildcards: "*.example.test" matches, "s*.example.test" does
 * not. */
START_TEST(server_name_partial_wildcard_refused) {
  tlswire_context *c = secure_client();
  tlswire_context *s = san_server("DNS:s*.example.test");
  assert_verify_failed(connect_named(c, s, "server.example.test"),
                       X509_V_ERR_HOSTNAME_MISMATCH);
  tlswire_context_free(s);
  tw_pair_free(&pair);
  s = san_server("DNS:*.example.test");
  ck_assert_int_eq(connect_named(c, s, "server.example.test"), TLSWIRE_OK);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* _i 0: nothing trusted beyond an empty system store; 1: another CA (the
 * client fixture's) trusted. Either way the chain is refused, whatever the
 * name. */
START_TEST(untrusted_chain) {
  system_store(NULL);
  tlswire_context *c = NULL;
  ck_assert_int_eq(tlswire_context_new_secure(&c, TLSWIRE_PURPOSE_CLIENT),
                   TLSWIRE_OK);
  if (_i == 1)
    cu_trust(c, tw_fixture_client(FIXTURE_TYPE)->ca);
  tlswire_context *s = fixture_server();
  assert_verify_failed(connect_named(c, s, "server.test"),
                       X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* A self-signed server certificate is refused too. */
START_TEST(untrusted_self_signed) {
  EVP_PKEY *key = tw_key_new(FIXTURE_TYPE);
  X509 *leaf = tw_cert_new("server.test", key, NULL, NULL, 0, "server.test");
  ck_assert_ptr_nonnull(leaf);
  tlswire_context *s = secure_server(leaf, key);
  tlswire_context *c = secure_client();
  assert_verify_failed(connect_named(c, s, "server.test"),
                       X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  tlswire_context_free(s);
  tlswire_context_free(c);
  X509_free(leaf);
  EVP_PKEY_free(key);
}
END_TEST

/* Without set_server_name the chain is still verified, but not the name:
 * what the header warns about. */
START_TEST(unnamed_server_checks_chain_only) {
  tlswire_context *c = secure_client();
  tlswire_context *s = fixture_server();
  ck_assert_int_eq(connect_named(c, s, NULL), TLSWIRE_OK);
  ck_assert_str_eq(sni_seen, "(none)");
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* IP addresses: checked against subjectAltName IP entries, never sent as
 * SNI. */
static const struct {
  const char *name;
  long result; /* X509_V_OK: the handshake passes */
} ip_cases[] = {
    {"127.0.0.1", X509_V_OK},
    {"::1", X509_V_OK},
    {"0:0:0:0:0:0:0:1", X509_V_OK},
    {"127.0.0.2", X509_V_ERR_IP_ADDRESS_MISMATCH},
    {"::2", X509_V_ERR_IP_ADDRESS_MISMATCH},
    {"server.test", X509_V_OK},
};

START_TEST(server_name_ip_address) {
  tlswire_context *c = secure_client();
  tlswire_context *s = san_server("DNS:server.test,IP:127.0.0.1,IP:::1");
  int crc = connect_named(c, s, ip_cases[_i].name);
  if (ip_cases[_i].result == X509_V_OK)
    ck_assert_int_eq(crc, TLSWIRE_OK);
  else
    assert_verify_failed(crc, ip_cases[_i].result);
  int is_ip = strcmp(ip_cases[_i].name, "server.test") != 0;
  ck_assert_int_eq(sni_calls, 1);
  ck_assert_str_eq(sni_seen, is_ip ? "(none)" : "server.test");
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* A name in the certificate does not stand for an address: the fixture
 * leaf (DNS:server.test only) fails an IP check, and so does a leaf with a
 * DNS entry spelling the address but no IP entry. */
START_TEST(ip_needs_ip_entry) {
  tlswire_context *c = secure_client();
  tlswire_context *s = fixture_server();
  assert_verify_failed(connect_named(c, s, "127.0.0.1"),
                       X509_V_ERR_IP_ADDRESS_MISMATCH);
  tlswire_context_free(s);
  tw_pair_free(&pair);
  s = san_server("DNS:127.0.0.1");
  assert_verify_failed(connect_named(c, s, "127.0.0.1"),
                       X509_V_ERR_IP_ADDRESS_MISMATCH);
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* Each call replaces the whole identity: an address after a name removes
 * the name's SNI and check; a name after an address drops the address. */
START_TEST(server_name_replaces_identity) {
  tlswire_context *c = secure_client();
  tlswire_context *s = san_server("DNS:server.test,IP:127.0.0.1");
  ck_assert_int_eq(tw_pair_init(&pair, c, s), 0);
  ck_assert_int_eq(tlswire_conn_set_server_name(pair.client, "other.test"),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_server_name(pair.client, "127.0.0.1"),
                   TLSWIRE_OK);
  ck_assert_ptr_null(tlswire_conn_get_servername(pair.client));
  X509_VERIFY_PARAM *param = SSL_get0_param(tlswire_conn_get_ssl(pair.client));
  ck_assert_ptr_null(X509_VERIFY_PARAM_get0_host(param, 0));
  ck_assert_int_eq(tw_handshake(pair.client, pair.server, NULL, NULL), 0);
  ck_assert_str_eq(sni_seen, "(none)");
  tw_pair_free(&pair);

  ck_assert_int_eq(tw_pair_init(&pair, c, s), 0);
  ck_assert_int_eq(tlswire_conn_set_server_name(pair.client, "127.0.0.9"),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_server_name(pair.client, "server.test"),
                   TLSWIRE_OK);
  char *ip = X509_VERIFY_PARAM_get1_ip_asc(
      SSL_get0_param(tlswire_conn_get_ssl(pair.client)));
  ck_assert_ptr_null(ip);
  ck_assert_int_eq(tw_handshake(pair.client, pair.server, NULL, NULL), 0);
  ck_assert_str_eq(sni_seen, "server.test");
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

START_TEST(server_name_bad_arguments) {
  tlswire_context *c = secure_client();
  tlswire_conn *conn = NULL;
  ck_assert_int_eq(tlswire_conn_new(&conn, c, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_server_name(NULL, "a.test"),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_server_name(conn, NULL), TLSWIRE_E_INVALID);
  ck_assert_ptr_nonnull(strstr(
      tlswire_error_message(tlswire_conn_last_error(conn)), "server name"));
  ck_assert_int_eq(tlswire_conn_set_server_name(conn, ""), TLSWIRE_E_INVALID);
  char longname[300];
  memset(longname, 'a', 256);
  longname[256] = '\0';
  ck_assert_int_eq(tlswire_conn_set_server_name(conn, longname),
                   TLSWIRE_E_INVALID);
  ck_assert_ptr_nonnull(
      strstr(tlswire_error_message(tlswire_conn_last_error(conn)), "255"));
  ck_assert_ptr_null(tlswire_conn_get_servername(conn));
  longname[255] = '\0';
  ck_assert_int_eq(tlswire_conn_set_server_name(conn, longname), TLSWIRE_OK);
  ck_assert_str_eq(tlswire_conn_get_servername(conn), longname);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_conn_free(conn);
  tlswire_context_free(c);
}
END_TEST

/* --- a host check needs peer verification -------------------------------- */

static int has_host_check(tlswire_conn *conn) {
  X509_VERIFY_PARAM *param = SSL_get0_param(tlswire_conn_get_ssl(conn));
  char *ip = X509_VERIFY_PARAM_get1_ip_asc(param);
  int set = X509_VERIFY_PARAM_get0_host(param, 0) != NULL || ip != NULL;
  OPENSSL_free(ip);
  return set;
}

/* _i: set_server_name / set_verify_hostname, each with a name and an IP. */
START_TEST(host_check_refused_without_verify_peer) {
  static const char *names[] = {"server.test", "127.0.0.1"};
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD); /* pyOpenSSL defaults */
  const char *name = names[_i & 1];
  int rc = (_i & 2) ? tlswire_conn_set_verify_hostname(conn, name)
                    : tlswire_conn_set_server_name(conn, name);
  ck_assert_int_eq(rc, TLSWIRE_E_STATE);
  ck_assert_ptr_nonnull(
      strstr(tlswire_error_message(tlswire_conn_last_error(conn)),
             "TLSWIRE_VERIFY_PEER is off"));
  ck_assert_int_eq(has_host_check(conn), 0);
  ck_assert_ptr_null(tlswire_conn_get_servername(conn));
  /* Clearing is always allowed; turning verification on makes it work. */
  ck_assert_int_eq(tlswire_conn_set_verify_hostname(conn, NULL), TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_conn_set_verify(conn, TLSWIRE_VERIFY_PEER, NULL, NULL),
      TLSWIRE_OK);
  rc = (_i & 2) ? tlswire_conn_set_verify_hostname(conn, name)
                : tlswire_conn_set_server_name(conn, name);
  ck_assert_int_eq(rc, TLSWIRE_OK);
  ck_assert_int_eq(has_host_check(conn), 1);
  tlswire_conn_free(conn);
}
END_TEST

/* Nor can verification be switched off under a host check. */
START_TEST(verify_off_refused_under_host_check) {
  tlswire_context *c = secure_client();
  tlswire_conn *conn = NULL;
  ck_assert_int_eq(tlswire_conn_new(&conn, c, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_server_name(conn, "server.test"),
                   TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_conn_set_verify(conn, TLSWIRE_VERIFY_NONE, NULL, NULL),
      TLSWIRE_E_STATE);
  ck_assert_ptr_nonnull(
      strstr(tlswire_error_message(tlswire_conn_last_error(conn)),
             "needs peer verification"));
  ck_assert_int_eq(tlswire_conn_get_verify_mode(conn), TLSWIRE_VERIFY_PEER);
  /* Other modes that keep VERIFY_PEER are fine. */
  ck_assert_int_eq(
      tlswire_conn_set_verify(
          conn, TLSWIRE_VERIFY_PEER | TLSWIRE_VERIFY_FAIL_IF_NO_PEER_CERT, NULL,
          NULL),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_verify_hostname(conn, NULL), TLSWIRE_OK);
  ck_assert_int_eq(has_host_check(conn), 0);
  ck_assert_int_eq(
      tlswire_conn_set_verify(conn, TLSWIRE_VERIFY_NONE, NULL, NULL),
      TLSWIRE_OK);
  tlswire_conn_free(conn);
  tlswire_context_free(c);
}
END_TEST

/* --- tlswire_conn_set_verify_hostname replaces the identity -------------- */

/* Each row: two calls in order, then the handshake against a leaf with
 * DNS:server.test and IP:127.0.0.1 (NULL second: clear). libssl's
 * SSL_set1_host alone kept an IP across a later name or NULL. */
static const struct {
  const char *first, *second;
  long result;
} replace_cases[] = {
    {"127.0.0.9", "server.test", X509_V_OK},
    {"127.0.0.9", NULL, X509_V_OK},
    {"other.test", "127.0.0.1", X509_V_OK},
    {"other.test", NULL, X509_V_OK},
    {"server.test", "127.0.0.9", X509_V_ERR_IP_ADDRESS_MISMATCH},
    {"127.0.0.1", "other.test", X509_V_ERR_HOSTNAME_MISMATCH},
};

START_TEST(verify_hostname_replaces_identity) {
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, FIXTURE_TYPE);
  tlswire_context *s = san_server("DNS:server.test,IP:127.0.0.1");
  ck_assert_int_eq(tw_pair_init(&pair, c, s), 0);
  ck_assert_int_eq(
      tlswire_conn_set_verify_hostname(pair.client, replace_cases[_i].first),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_conn_set_verify_hostname(pair.client, replace_cases[_i].second),
      TLSWIRE_OK);
  ck_assert_int_eq(has_host_check(pair.client),
                   replace_cases[_i].second != NULL);
  int crc = TLSWIRE_OK;
  int rc = tw_handshake(pair.client, pair.server, &crc, NULL);
  if (replace_cases[_i].result == X509_V_OK)
    ck_assert_int_eq(rc, 0);
  else
    assert_verify_failed(crc, replace_cases[_i].result);
  /* set_verify_hostname never touches SNI. */
  ck_assert_ptr_null(tlswire_conn_get_servername(pair.client));
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("verify");
  TCase *tc = tcase_create("secure_context");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, secure_client_defaults);
  tcase_add_test(tc, secure_server_defaults);
  tcase_add_loop_test(tc, secure_wrong_role_fails, 0, 2);
  tcase_add_test(tc, secure_bad_arguments);
  tcase_add_test(tc, secure_uses_system_store);
  tcase_add_test(tc, secure_system_paths_load_cleanly);
  tcase_add_test(tc, secure_refuses_tls11);
  tcase_set_timeout(tc, 20);
  suite_add_tcase(s, tc);
  tc = tcase_create("server_name");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_loop_test(tc, server_name_matches, 0, 2);
  tcase_add_loop_test(tc, server_name_wrong_host, 0, 2);
  tcase_add_test(tc, server_name_partial_wildcard_refused);
  tcase_add_loop_test(tc, untrusted_chain, 0, 2);
  tcase_add_test(tc, untrusted_self_signed);
  tcase_add_test(tc, unnamed_server_checks_chain_only);
  tcase_add_loop_test(tc, server_name_ip_address, 0,
                      sizeof ip_cases / sizeof ip_cases[0]);
  tcase_add_test(tc, ip_needs_ip_entry);
  tcase_add_test(tc, server_name_replaces_identity);
  tcase_add_test(tc, server_name_bad_arguments);
  tcase_set_timeout(tc, 20);
  suite_add_tcase(s, tc);
  tc = tcase_create("host_check_needs_peer");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_loop_test(tc, host_check_refused_without_verify_peer, 0, 4);
  tcase_add_test(tc, verify_off_refused_under_host_check);
  suite_add_tcase(s, tc);
  tc = tcase_create("verify_hostname");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_loop_test(tc, verify_hostname_replaces_identity, 0,
                      sizeof replace_cases / sizeof replace_cases[0]);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
