/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_integration.c - behaviour that crosses the Context, Connection and
 * transport surfaces: private keys loaded through the context's passphrase
 * callback beside the connection's own use_certificate / use_privatekey,
 * the passphrase callback after set_context, and DTLS on a connection bound
 * to a datagram pipe: DTLSv1_listen with cookies (a failing cookie callback
 * included) and retransmission of a lost flight.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "bound.h"
#include "testmain.h"
#include "transport.h"

/* --- keys: the context's passphrase callback and the connection's key --- */

static const char passphrase[] = "integration-s3cret";

struct pass_probe {
  const char *give;
  int rc, calls;
};

static int pass_cb(size_t maxlen, int rwflag, const void **pass,
                   size_t *pass_len, void *arg) {
  (void)maxlen, (void)rwflag;
  struct pass_probe *p = arg;
  p->calls++;
  *pass = p->give;
  *pass_len = strlen(p->give);
  return p->rc;
}

/* key as AES-256-CBC encrypted PEM (malloc'd, *len bytes). */
static char *encrypted_pem(EVP_PKEY *key, size_t *len) {
  BIO *bio = BIO_new(BIO_s_mem());
  ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, key, EVP_aes_256_cbc(),
                                            (const unsigned char *)passphrase,
                                            (int)strlen(passphrase), NULL,
                                            NULL),
                   1);
  char *data;
  long n = BIO_get_mem_data(bio, &data);
  ck_assert_int_gt(n, 0);
  char *copy = malloc((size_t)n);
  memcpy(copy, data, (size_t)n);
  *len = (size_t)n;
  BIO_free(bio);
  return copy;
}

/* A server context with the EC leaf, its key decrypted by the context's
 * passphrase callback, and the intermediate. */
static tlswire_context *server_with_encrypted_key(struct pass_probe *probe) {
  const tw_chain *ec = tw_fixture_chain(TW_KEY_EC_P256);
  size_t len;
  char *pem = encrypted_pem(ec->leaf_key, &len);
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_passwd_cb(ctx, pass_cb, probe),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_certificate(ctx, ec->leaf), TLSWIRE_OK);
  int rc =
      tlswire_context_use_privatekey_mem(ctx, pem, len, TLSWIRE_FILETYPE_PEM);
  free(pem);
  if (rc != TLSWIRE_OK) {
    tlswire_context_free(ctx);
    return NULL;
  }
  ck_assert_int_eq(tlswire_context_add_extra_chain_cert(ctx, ec->intermediate),
                   TLSWIRE_OK);
  return ctx;
}

/* The passphrase callback decides: right, wrong, or failing. */
START_TEST(context_passphrase_callback_outcomes) {
  struct pass_probe right = {passphrase, 0, 0}, wrong = {"nope", 0, 0},
                    failing = {passphrase, 42, 0};
  tlswire_context *ctx = server_with_encrypted_key(&right);
  ck_assert_ptr_nonnull(ctx);
  ck_assert_int_eq(right.calls, 1);
  ck_assert_int_eq(tlswire_context_check_privatekey(ctx), TLSWIRE_OK);
  tlswire_context_free(ctx);
  ck_assert_ptr_null(server_with_encrypted_key(&wrong));
  ck_assert_ptr_null(server_with_encrypted_key(&failing));
  ck_assert_int_eq(failing.calls, 1);
  ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

/* A connection of that context serves with the decrypted key; a second
 * connection replaces certificate and key with its own EC pair
 * (tlswire_conn_use_certificate / use_privatekey) and serves those. (An
 * RSA pair would sit beside the context's EC one, libssl keeps one per key
 * type, and the handshake would pick either.) */
START_TEST(connection_key_beside_context_key) {
  struct pass_probe right = {passphrase, 0, 0};
  tlswire_context *s = server_with_encrypted_key(&right);
  tlswire_context *c = NULL;
  ck_assert_int_eq(tlswire_context_new(&c, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  const tw_chain *ec = tw_fixture_chain(TW_KEY_EC_P256);
  const tw_chain *mine = tw_fixture_client(TW_KEY_EC_P256);
  for (int own = 0; own < 2; own++) {
    tw_pair p;
    ck_assert_int_eq(tw_pair_init(&p, c, s), 0);
    if (own) {
      ck_assert_int_eq(tlswire_conn_use_certificate(p.server, mine->leaf),
                       TLSWIRE_OK);
      ck_assert_int_eq(tlswire_conn_use_privatekey(p.server, mine->leaf_key),
                       TLSWIRE_OK);
    }
    ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
    X509 *peer = tlswire_conn_get_peer_certificate(p.client);
    ck_assert_int_eq(X509_cmp(peer, own ? mine->leaf : ec->leaf), 0);
    X509_free(peer);
    tw_pair_free(&p);
  }
  ck_assert_int_eq(right.calls, 1); /* decrypted once, at load time */
  tlswire_context_free(s);
  tlswire_context_free(c);
}
END_TEST

/* A key that does not match the certificate of its type: TLSWIRE_E_SSL
 * from the context and from the connection alike, each in its own error
 * record, with OpenSSL's queue left empty. A key of another type is no
 * mismatch: it fills that type's slot (the EC key beside the RSA leaf). */
START_TEST(mismatched_key_same_answer_on_context_and_connection) {
  const tw_chain *ec = tw_fixture_chain(TW_KEY_EC_P256);
  const tw_chain *rsa = tw_fixture_chain(TW_KEY_RSA2048);
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_certificate(ctx, ec->leaf), TLSWIRE_OK);
  tlswire_conn *conn = NULL;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_use_certificate(conn, rsa->leaf), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_use_privatekey(conn, rsa->ca_key),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(conn)),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tlswire_conn_free(conn);
  tlswire_context_free(ctx);

  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_certificate(ctx, rsa->leaf), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_use_privatekey(ctx, rsa->ca_key),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_error_code(tlswire_context_last_error(ctx)),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  ck_assert_int_eq(tlswire_context_use_privatekey(ctx, ec->leaf_key),
                   TLSWIRE_OK);
  tlswire_context_free(ctx);
}
END_TEST

/* libssl copies the passphrase callback and its argument (the context)
 * into each SSL and set_context does not update them: a key read through
 * the escape hatch after set_context must use the NEW context's callback,
 * not a context the connection no longer holds (freed here). */
START_TEST(passphrase_callback_follows_set_context) {
  struct pass_probe a_probe = {"nope", 0, 0}, b_probe = {passphrase, 0, 0};
  tlswire_context *a = NULL, *b = NULL;
  ck_assert_int_eq(tlswire_context_new(&a, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_new(&b, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_passwd_cb(a, pass_cb, &a_probe),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_passwd_cb(b, pass_cb, &b_probe),
                   TLSWIRE_OK);
  tlswire_conn *conn = NULL;
  ck_assert_int_eq(tlswire_conn_new(&conn, a, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_context(conn, b), TLSWIRE_OK);
  tlswire_context_free(a); /* the last reference: a is gone */
  tlswire_context_free(b); /* the connection keeps b */
  size_t len;
  char *pem = encrypted_pem(tw_fixture_chain(TW_KEY_EC_P256)->leaf_key, &len);
  char *path = tw_tmpfile_write("key.pem", pem, len);
  ck_assert_ptr_nonnull(path);
  SSL *ssl = tlswire_conn_get_ssl(conn);
  ck_assert_int_eq(SSL_use_PrivateKey_file(ssl, path, SSL_FILETYPE_PEM), 1);
  ck_assert_int_eq(b_probe.calls, 1);
  ck_assert_int_eq(a_probe.calls, 0);
  free(path);
  free(pem);
  tw_tmpdir_remove();
  tlswire_conn_free(conn);
}
END_TEST

/* --- DTLS over a bound datagram pipe ------------------------------------- */

struct cookie_probe {
  int generated, verified, gen_rc, verify_rc;
};

static int cookie_gen(tlswire_conn *conn, const unsigned char **cookie,
                      size_t *len, void *arg) {
  (void)conn;
  struct cookie_probe *p = arg;
  p->generated++;
  *cookie = (const unsigned char *)"integration";
  *len = 11;
  return p->gen_rc;
}

static int cookie_verify(tlswire_conn *conn, const unsigned char *cookie,
                         size_t len, void *arg) {
  (void)conn;
  struct cookie_probe *p = arg;
  p->verified++;
  if (p->verify_rc != 1)
    return p->verify_rc;
  return len == 11 && memcmp(cookie, "integration", 11) == 0;
}

/* DTLS client and server contexts; the server with the cookie callbacks. */
static void dtls_contexts(tlswire_context **c, tlswire_context **s,
                          struct cookie_probe *probe) {
  *s = tw_server_ctx(TLSWIRE_DTLS_METHOD, TW_KEY_EC_P256);
  *c = tw_client_ctx(TLSWIRE_DTLS_METHOD, TW_KEY_EC_P256);
  ck_assert_ptr_nonnull(*s);
  ck_assert_ptr_nonnull(*c);
  ck_assert_int_eq(
      tlswire_context_set_cookie_generate_callback(*s, cookie_gen, probe),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_cookie_verify_callback(*s, cookie_verify, probe),
      TLSWIRE_OK);
}

static tlswire_conn *dtls_conn(tlswire_context *ctx, tlswire_transport *t,
                               int server) {
  tlswire_conn *conn = NULL;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, t), TLSWIRE_OK);
  if (server)
    tlswire_conn_set_accept_state(conn);
  else
    tlswire_conn_set_connect_state(conn);
  ck_assert_int_eq(tlswire_conn_set_ciphertext_mtu(conn, 1200), TLSWIRE_OK);
  return conn;
}

static void datagram_pipe(tlswire_transport **a, tlswire_transport **b) {
  ck_assert_int_eq(tlswire_transport_pipe_new(a, b, 65536), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_datagram(*a, 1), TLSWIRE_OK);
}

/* Stateless listen on a bound datagram pipe: ClientHello, the
 * HelloVerifyRequest goes out through the transport, the ClientHello with
 * the cookie is accepted; the handshake and data then go on. */
START_TEST(dtls_listen_over_bound_pipe) {
  struct cookie_probe probe = {0, 0, 0, 1};
  tlswire_context *c, *s;
  dtls_contexts(&c, &s, &probe);
  tlswire_transport *a, *b;
  datagram_pipe(&a, &b);
  tw_pair p = {dtls_conn(c, a, 0), dtls_conn(s, b, 1)};
  ck_assert_int_eq(tlswire_conn_DTLSv1_listen(p.server), TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_DTLSv1_listen(p.server), TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(probe.generated, 1);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_DTLSv1_listen(p.server), TLSWIRE_OK);
  ck_assert_int_eq(probe.verified, 1);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  unsigned char *data = tw_pattern(5000, 4);
  int who = -1;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, 1000, &who),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_bound_transfer(p.server, p.client, data, 1000, &who),
                   TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
  tlswire_context_free(c);
  tlswire_context_free(s);
}
END_TEST

/* A failing cookie callback (generate for _i 0, verify for _i 1) surfaces
 * from DTLSv1_listen on a bound connection as TLSWIRE_E_CALLBACK with its
 * value, with OpenSSL's queue left empty. */
START_TEST(dtls_listen_failing_cookie_callback_over_bound_pipe) {
  struct cookie_probe probe = {0, 0, _i == 0 ? 7 : 0, _i == 1 ? -9 : 1};
  tlswire_context *c, *s;
  dtls_contexts(&c, &s, &probe);
  tlswire_transport *a, *b;
  datagram_pipe(&a, &b);
  tw_pair p = {dtls_conn(c, a, 0), dtls_conn(s, b, 1)};
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  int rc = tlswire_conn_DTLSv1_listen(p.server);
  if (_i == 1) { /* the cookie has to come back before it is verified */
    ck_assert_int_eq(rc, TLSWIRE_E_WANT_READ);
    ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
    rc = tlswire_conn_DTLSv1_listen(p.server);
  }
  ck_assert_int_eq(rc, TLSWIRE_E_CALLBACK);
  const tlswire_error *err = tlswire_conn_last_error(p.server);
  ck_assert_int_eq(tlswire_error_code(err), TLSWIRE_E_CALLBACK);
  ck_assert_int_eq(tlswire_error_callback_value(err), _i == 0 ? 7 : -9);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  tw_pair_free(&p);
  tlswire_context_free(c);
  tlswire_context_free(s);
}
END_TEST

/* A first timer short enough to wait out but long enough that load does
 * not expire it early; long ones after it, so nothing else is resent. */
static unsigned int short_timer(SSL *ssl, unsigned int previous_us) {
  (void)ssl;
  return previous_us == 0 ? 200000 : 10000000;
}

/* The client's first flight is lost on the way (read off the pipe before
 * a server exists); once the timer expires, handle_timeout retransmits it
 * through the bound transport, and the handshake completes from the copy.
 * The 200 ms timer comes from DTLS_set_timer_cb on the escape hatch. */
START_TEST(dtls_retransmission_over_bound_pipe) {
  tlswire_context *c = tw_client_ctx(TLSWIRE_DTLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *s = tw_server_ctx(TLSWIRE_DTLS_METHOD, TW_KEY_EC_P256);
  tlswire_transport *a, *b;
  datagram_pipe(&a, &b);
  tw_pair p = {dtls_conn(c, a, 0), NULL};
  DTLS_set_timer_cb(tlswire_conn_get_ssl(p.client), short_timer);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  unsigned char first[2048];
  size_t n1 = 0;
  ck_assert_int_eq(tlswire_transport_recv(b, first, sizeof first, &n1),
                   TLSWIRE_OK); /* lost */
  ck_assert_uint_gt(n1, 0);
  ck_assert_int_eq(tlswire_transport_recv(b, first, sizeof first, &n1),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_DTLSv1_handle_timeout(p.client), 0);
  unsigned long long usec = 0;
  ck_assert_int_eq(tlswire_conn_DTLSv1_get_timeout(p.client, &usec), 1);
  struct timespec ts = {0, (long)(usec + 1000) * 1000};
  nanosleep(&ts, NULL);
  ck_assert_int_eq(tlswire_conn_DTLSv1_handle_timeout(p.client), 1);
  /* Only the retransmitted copy waits on the server's end now. */
  p.server = dtls_conn(s, b, 1);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  tw_pair_free(&p);
  tlswire_context_free(c);
  tlswire_context_free(s);
}
END_TEST

/* --- reads on a bound connection with stuck output ---------------------- */

/* A client whose first call is a read runs the handshake from it. Over a
 * pipe that takes only 64 bytes, the ClientHello's tail is stuck: recv,
 * recv_peek and recv_into with MSG_PEEK must all say WANT_WRITE (wait for
 * the transport to take output), not WANT_READ (wait for input that cannot
 * come while the peer lacks our ClientHello). _i picks the call. */
START_TEST(read_with_stuck_output_wants_write) {
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 64), TLSWIRE_OK);
  tlswire_conn *conn = NULL;
  ck_assert_int_eq(tlswire_conn_new(&conn, c, a), TLSWIRE_OK);
  tlswire_conn_set_connect_state(conn);
  char buf[16];
  size_t n = 99;
  int rc = _i == 0   ? tlswire_conn_recv(conn, buf, sizeof buf, &n)
           : _i == 1 ? tlswire_conn_recv_peek(conn, buf, sizeof buf, &n)
                     : tlswire_conn_recv_into(conn, buf, sizeof buf, 0,
                                              TLSWIRE_MSG_PEEK, &n);
  ck_assert_int_eq(rc, TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(tlswire_conn_want_write(conn), 1);
  ck_assert_uint_eq(tlswire_conn_state(conn) & TLSWIRE_STATE_HAS_OUTPUT,
                    TLSWIRE_STATE_HAS_OUTPUT);
  tlswire_conn_free(conn);
  tlswire_transport_free(b);
  tlswire_context_free(c);
}
END_TEST

/* --- info callback precedence ------------------------------------------- */

struct info_log {
  int calls, start, done;
};

static void info_cb(tlswire_conn *conn, int where, int ret, void *arg) {
  (void)conn, (void)ret;
  struct info_log *log = arg;
  log->calls++;
  log->start += (where & TLSWIRE_SSL_CB_HANDSHAKE_START) != 0;
  log->done += (where & TLSWIRE_SSL_CB_HANDSHAKE_DONE) != 0;
}

static int switch_context(tlswire_conn *conn, void *arg) {
  return tlswire_conn_set_context(conn, arg) == TLSWIRE_OK ? 0 : 1;
}

/* The context's info callback follows the connection's context: a server
 * moved from its first context (a) to b by the server-name callback reports
 * the handshake's start to a's callback and its end to b's. A connection's
 * own callback (_i 1) replaces both for the whole handshake. */
START_TEST(info_callback_precedence) {
  struct info_log la = {0}, lb = {0}, lc = {0};
  tlswire_context *a = NULL;
  ck_assert_int_eq(tlswire_context_new(&a, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  tlswire_context *b = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(tlswire_context_set_info_callback(a, info_cb, &la),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_info_callback(b, info_cb, &lb),
                   TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_tlsext_servername_callback(a, switch_context, b),
      TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, c, a), 0);
  ck_assert_int_eq(
      tlswire_conn_set_tlsext_host_name(p.client, "server.test", 11),
      TLSWIRE_OK);
  if (_i)
    ck_assert_int_eq(tlswire_conn_set_info_callback(p.server, info_cb, &lc),
                     TLSWIRE_OK);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_ptr_eq(tlswire_conn_get_context(p.server), b);
  if (_i) {
    ck_assert_int_eq(la.calls + lb.calls, 0);
    ck_assert_int_eq(lc.start, 1);
    ck_assert_int_eq(lc.done, 1);
  } else {
    ck_assert_int_eq(la.start, 1);
    ck_assert_int_eq(la.done, 0);
    ck_assert_int_eq(lb.start, 0);
    ck_assert_int_eq(lb.done, 1);
    ck_assert_int_eq(lc.calls, 0);
  }
  tw_pair_free(&p);
  tlswire_context_free(a);
  tlswire_context_free(b);
  tlswire_context_free(c);
}
END_TEST

/* --- TLS 1.2 renegotiation over a bound transport ----------------------- */

/* pyOpenSSL's test_renegotiate, over a bound pipe (every transport call
 * moving at most 100 bytes for _i 1): the server schedules a
 * renegotiation and sends data (HelloRequest first); from then on both
 * sides run the new handshake inside recv, the client's reads deliver the
 * data; the renegotiation completes (pending 0, one in total) and data
 * still flows. */
START_TEST(renegotiation_over_bound_pipe) {
  tlswire_context *c = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *s = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(
      tlswire_context_set_max_proto_version(c, TLSWIRE_TLS1_2_VERSION),
      TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_max_proto_version(s, TLSWIRE_TLS1_2_VERSION),
      TLSWIRE_OK);
  tlswire_transport *a, *b;
  ck_assert_int_eq(tlswire_transport_pipe_new(&a, &b, 4096), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(a, _i ? 100 : 0),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_transport_pipe_set_max_chunk(b, _i ? 100 : 0),
                   TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tlswire_conn_new(&p.client, c, a), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&p.server, s, b), TLSWIRE_OK);
  tlswire_conn_set_connect_state(p.client);
  tlswire_conn_set_accept_state(p.server);
  ck_assert_int_eq(tw_bound_handshake(&p, NULL, NULL), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_renegotiate(p.server), 1);
  ck_assert_int_eq(tlswire_conn_renegotiate_pending(p.server), 1);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.server, "hello world", 11, &n),
                   TLSWIRE_OK);
  char buf[64];
  size_t got = 0;
  for (int i = 0;
       i < 1000 && (got < 11 || tlswire_conn_renegotiate_pending(p.server));
       i++) {
    int rc = tlswire_conn_recv(p.client, buf + got, sizeof buf - got, &n);
    ck_assert(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_READ);
    got += n;
    rc = tlswire_conn_recv(p.server, buf, sizeof buf, &n);
    ck_assert_int_eq(rc, TLSWIRE_E_WANT_READ); /* no data, the handshake */
  }
  ck_assert_uint_eq(got, 11);
  ck_assert_mem_eq(buf, "hello world", 11);
  ck_assert_int_eq(tlswire_conn_renegotiate_pending(p.server), 0);
  ck_assert_int_eq(tlswire_conn_total_renegotiations(p.server), 1);
  unsigned char *data = tw_pattern(30000, 8);
  int who = -1;
  ck_assert_int_eq(tw_bound_transfer(p.client, p.server, data, 30000, &who),
                   TLSWIRE_OK);
  free(data);
  tw_pair_free(&p);
  tlswire_context_free(c);
  tlswire_context_free(s);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("integration");
  TW_ADD(s, context_passphrase_callback_outcomes);
  TW_ADD(s, connection_key_beside_context_key);
  TW_ADD(s, mismatched_key_same_answer_on_context_and_connection);
  TW_ADD(s, passphrase_callback_follows_set_context);
  TW_ADD(s, dtls_listen_over_bound_pipe);
  TCase *tc =
      tcase_create("dtls_listen_failing_cookie_callback_over_bound_pipe");
  tcase_add_loop_test(tc, dtls_listen_failing_cookie_callback_over_bound_pipe,
                      0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, dtls_retransmission_over_bound_pipe);
  tc = tcase_create("info_callback_precedence");
  tcase_add_loop_test(tc, info_callback_precedence, 0, 2);
  suite_add_tcase(s, tc);
  tc = tcase_create("renegotiation_over_bound_pipe");
  tcase_add_loop_test(tc, renegotiation_over_bound_pipe, 0, 2);
  suite_add_tcase(s, tc);
  tc = tcase_create("read_with_stuck_output_wants_write");
  tcase_add_loop_test(tc, read_with_stuck_output_wants_write, 0, 3);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(make_suite, 1)
