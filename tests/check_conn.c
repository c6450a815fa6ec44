/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_conn.c - tlswire_conn in memory mode: handshakes, data, rings,
 * argument checks and error isolation.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include <tlswire/tlswire.h>

#include "conn.h"
#include "context.h"
#include "pump.h"
#include "testmain.h"

static tlswire_conn *fresh_conn(int method) {
  tlswire_context *ctx = NULL;
  tlswire_conn *conn = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, method), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  tlswire_context_free(ctx);
  return conn;
}

static const char *first_reason(const tlswire_conn *conn) {
  const char *reason;
  tlswire_error_entry(tlswire_conn_last_error(conn), 0, NULL, NULL, &reason);
  return reason;
}

/* _i: bit 0 selects the key type, bit 1 the version (1.2 / 1.3). */
START_TEST(handshake_versions_and_keys) {
  tw_key_type type = (_i & 1) ? TW_KEY_EC_P256 : TW_KEY_RSA2048;
  int version = (_i & 2) ? TLS1_3_VERSION : TLS1_2_VERSION;
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, type, version), 0);
  ck_assert_int_eq(tlswire_conn_get_protocol_version(p.client), version);
  ck_assert_int_eq(tlswire_conn_get_protocol_version(p.server), version);
  ck_assert_str_eq(tlswire_conn_get_protocol_version_name(p.client),
                   version == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2");
  const char *name = tlswire_conn_get_cipher_name(p.client);
  ck_assert_ptr_nonnull(name);
  ck_assert_str_eq(name, tlswire_conn_get_cipher_name(p.server));
  if (version == TLS1_2_VERSION)
    ck_assert_ptr_nonnull(
        strstr(name, type == TW_KEY_RSA2048 ? "RSA" : "ECDSA"));
  ck_assert_int_ge(tlswire_conn_get_cipher_bits(p.client), 128);
  ck_assert_str_eq(tlswire_conn_get_cipher_version(p.client),
                   version == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2");
  ck_assert_str_eq(tlswire_conn_get_state_string(p.client),
                   "SSL negotiation finished successfully");
  X509 *peer = tlswire_conn_get_peer_certificate(p.client);
  ck_assert_ptr_nonnull(peer);
  ck_assert_int_eq(X509_cmp(peer, tw_fixture_chain(type)->leaf), 0);
  X509_free(peer);
  ck_assert_int_eq(
      tw_transfer(p.client, p.server, (const unsigned char *)"ping", 4), 0);
  ck_assert_int_eq(
      tw_transfer(p.server, p.client, (const unsigned char *)"pong", 4), 0);
  tw_pair_free(&p);
}
END_TEST

static void fill_pattern(unsigned char *buf, size_t len, unsigned seed) {
  for (size_t i = 0; i < len; i++)
    buf[i] = (unsigned char)((i * 31 + seed) ^ (i >> 8));
}

static void sha256(const unsigned char *buf, size_t len, unsigned char *md) {
  unsigned int mdlen;
  ck_assert_int_eq(EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL), 1);
}

/* Sends len bytes from one side and hashes what arrives on the other. */
static void bulk_one_way(tlswire_conn *from, tlswire_conn *to, size_t len,
                         unsigned seed) {
  unsigned char *out = malloc(len), *in = malloc(len);
  fill_pattern(out, len, seed);
  size_t sent = 0, got = 0;
  int rounds = 0;
  while (got < len) {
    ck_assert_int_lt(rounds++, 100000);
    size_t n = 0;
    if (sent < len) {
      int rc = tlswire_conn_send(from, out + sent, len - sent, &n);
      ck_assert(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE);
      ck_assert_uint_le(n, 16384);
      sent += n;
    }
    tw_pump(from, to);
    int rc;
    while (got < len &&
           (rc = tlswire_conn_recv(to, in + got, len - got, &n)) == TLSWIRE_OK)
      got += n;
  }
  unsigned char a[32], b[32];
  sha256(out, len, a);
  sha256(in, len, b);
  ck_assert_int_eq(memcmp(a, b, 32), 0);
  free(out);
  free(in);
}

/* 1 MiB each way, checked by SHA-256; _i selects TLS 1.2 / 1.3. */
START_TEST(one_mebibyte_each_way) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256,
                                     _i ? TLS1_3_VERSION : TLS1_2_VERSION),
                   0);
  bulk_one_way(p.client, p.server, 1 << 20, 7);
  bulk_one_way(p.server, p.client, 1 << 20, 11);
  tw_pair_free(&p);
}
END_TEST

/* A small output ring fills: send returns WANT_WRITE having accepted
 * nothing more; after bio_read drains it, sending resumes. */
START_TEST(backpressure_send) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert_int_eq(tlswire_context_set_ring_capacity(cctx, 4096), TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  static unsigned char data[65536];
  fill_pattern(data, sizeof data, 3);
  size_t total = 0, n;
  int rc;
  while ((rc = tlswire_conn_send(p.client, data + total, sizeof data - total,
                                 &n)) == TLSWIRE_OK)
    total += n;
  ck_assert_int_eq(rc, TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_eq(n, 0);
  ck_assert_uint_gt(total, 0);
  ck_assert_uint_lt(total, sizeof data);
  ck_assert_uint_ge(tlswire_conn_bio_pending_out(p.client), 4096);
  ck_assert_uint_le(tlswire_conn_bio_pending_out(p.client), 4096 + 18432 + 512);
  /* Drain, deliver, and finish: every accepted byte arrives, in order. */
  unsigned char *got = malloc(sizeof data);
  size_t received = 0;
  while (received < sizeof data) {
    tw_pump(p.client, p.server);
    while (tlswire_conn_recv(p.server, got + received, sizeof data - received,
                             &n) == TLSWIRE_OK)
      received += n;
    if (total < sizeof data &&
        tlswire_conn_send(p.client, data + total, sizeof data - total, &n) ==
            TLSWIRE_OK)
      total += n;
  }
  ck_assert_int_eq(memcmp(got, data, sizeof data), 0);
  free(got);
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* A full output ring stops the handshake with WANT_WRITE; draining lets it
 * complete. libssl flushes a handshake flight in 4 KiB pieces, so the
 * server sends a long chain to need more than one. */
START_TEST(backpressure_handshake) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  const tw_chain *other = tw_fixture_client(TW_KEY_RSA2048);
  /* A flight larger than the ring's whole storage (capacity plus room for
   * one record). */
  for (int i = 0; i < 16; i++) {
    ck_assert_int_eq(tlswire_context_add_extra_chain_cert(sctx, other->leaf),
                     TLSWIRE_OK);
    ck_assert_int_eq(
        tlswire_context_add_extra_chain_cert(sctx, other->intermediate),
        TLSWIRE_OK);
  }
  ck_assert_int_eq(tlswire_context_set_ring_capacity(sctx, 256), TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
  /* Deliver the ClientHello (the server's small input ring takes it in
   * pieces) without ever draining the server's output. */
  int rc = TLSWIRE_E_WANT_READ;
  for (int i = 0; i < 20 && rc == TLSWIRE_E_WANT_READ; i++) {
    const void *data;
    size_t len, taken;
    if (tlswire_conn_bio_peek(p.client, &data, &len) == TLSWIRE_OK &&
        tlswire_conn_bio_write(p.server, data, len, &taken) == TLSWIRE_OK)
      tlswire_conn_bio_consume(p.client, taken);
    rc = tlswire_conn_do_handshake(p.server);
  }
  ck_assert_int_eq(rc, TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_ge(tlswire_conn_bio_pending_out(p.server), 256);
  ck_assert_int_eq(tlswire_conn_want_write(p.server), 1);
  /* Flow control is not a failure: the record stays empty. */
  ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(p.server)),
                   TLSWIRE_OK);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* A full input ring refuses more; recv/do_handshake make room. */
/* The input ring takes at least one whole record (16,709 bytes, the
 * largest a peer may send) whatever the capacity, so a record is always fed
 * with one bio_write; beyond that the capacity bounds it. _i: capacity 256
 * (below a record), 20000 (above). */
START_TEST(backpressure_bio_write) {
  static const size_t caps[] = {256, 20000};
  size_t cap = caps[_i], limit = cap > 16709 ? cap : 16709;
  tlswire_context *ctx;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_ring_capacity(ctx, cap), TLSWIRE_OK);
  tlswire_conn *conn;
  ck_assert_int_eq(tlswire_conn_new(&conn, ctx, NULL), TLSWIRE_OK);
  static unsigned char junk[24000];
  size_t n;
  ck_assert_int_eq(tlswire_conn_bio_write(conn, junk, sizeof junk, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, limit);
  ck_assert_int_eq(tlswire_conn_bio_write(conn, junk, 1, &n),
                   TLSWIRE_E_WANT_WRITE);
  ck_assert_uint_eq(n, 0);
  ck_assert_uint_eq(tlswire_conn_bio_pending_in(conn), limit);
  void *w;
  ck_assert_int_eq(tlswire_conn_bio_window(conn, &w, &n), TLSWIRE_E_WANT_WRITE);
  tlswire_conn_free(conn);
  tlswire_context_free(ctx);
}
END_TEST

/* _i: 0 client, 1 server receives garbage. */
START_TEST(garbage_ciphertext) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  tlswire_conn *victim = _i ? p.server : p.client;
  static const unsigned char garbage[] =
      "\x17\x03\x03\x00\x20 this is not an encrypted record!!";
  size_t n;
  ck_assert_int_eq(
      tlswire_conn_bio_write(victim, garbage, sizeof garbage - 1, &n),
      TLSWIRE_OK);
  unsigned char buf[64];
  ck_assert_int_eq(tlswire_conn_recv(victim, buf, sizeof buf, &n),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(n, 0);
  ck_assert_uint_ge(tlswire_error_count(tlswire_conn_last_error(victim)), 1);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  /* The failed connection stays failed, without crashing, and is not
   * mistaken for a truncated stream. */
  ck_assert_int_eq(tlswire_conn_recv(victim, buf, sizeof buf, &n),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_conn_send(victim, "x", 1, &n), TLSWIRE_E_SSL);
  /* A pump loop's WANT_READ from bio_read keeps the failure on record. */
  while (tlswire_conn_bio_read(victim, buf, sizeof buf, &n) == TLSWIRE_OK)
    ;
  ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(victim)),
                   TLSWIRE_E_SSL);
  tw_pair_free(&p);
}
END_TEST

/* pyOpenSSL 23's scenario: a client fed a bad handshake record. Every later
 * call reports the dead connection as TLSWIRE_E_SSL with a message and no
 * OpenSSL entries (pyOpenSSL: SysCallError(-1, 'Unexpected EOF')); only an
 * input that really ended turns it into TLSWIRE_E_SYSCALL (errno -1). */
START_TEST(calls_after_fatal_error) {
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_conn *client;
  ck_assert_int_eq(tlswire_conn_new(&client, cctx, NULL), TLSWIRE_OK);
  tlswire_conn_set_connect_state(client);
  ck_assert_int_eq(tlswire_conn_do_handshake(client), TLSWIRE_E_WANT_READ);
  static const unsigned char bad[] = "\x16\x03\x01\x00\x05garbagegarbage";
  size_t n;
  ck_assert_int_eq(tlswire_conn_bio_write(client, bad, sizeof bad - 1, &n),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_do_handshake(client), TLSWIRE_E_SSL);
  ck_assert_str_eq(first_reason(client), "unexpected message");
  ck_assert(tlswire_conn_state(client) & TLSWIRE_STATE_CLOSED);
  const tlswire_error *e = tlswire_conn_last_error(client);
  unsigned char buf[16];
  for (int call = 0; call < 4; call++) {
    int rc = call == 0   ? tlswire_conn_do_handshake(client)
             : call == 1 ? tlswire_conn_send(client, "x", 1, &n)
             : call == 2 ? tlswire_conn_recv(client, buf, sizeof buf, &n)
                         : tlswire_conn_recv_peek(client, buf, sizeof buf, &n);
    ck_assert_int_eq(rc, TLSWIRE_E_SSL);
    ck_assert_str_eq(tlswire_error_message(e),
                     "connection unusable after an earlier fatal error");
    ck_assert_uint_eq(tlswire_error_count(e), 0);
    ck_assert_uint_eq(ERR_peek_error(), 0);
  }
  /* shutdown has libssl's own reason: a failed connection counts as one
   * still in its handshake. */
  size_t out = tlswire_conn_bio_pending_out(client);
  ck_assert_int_eq(tlswire_conn_shutdown(client), TLSWIRE_E_SSL);
  ck_assert_str_eq(first_reason(client), "shutdown while in init");
  ck_assert_uint_eq(tlswire_conn_bio_pending_out(client), out);
  tlswire_conn_bio_shutdown(client);
  ck_assert_int_eq(tlswire_conn_recv(client, buf, sizeof buf, &n),
                   TLSWIRE_E_SYSCALL);
  ck_assert_int_eq(tlswire_error_errno(e), -1);
  ck_assert_int_eq(tlswire_conn_do_handshake(client), TLSWIRE_E_SYSCALL);
  tlswire_conn_free(client);
  tlswire_context_free(cctx);
}
END_TEST

/* Random bytes instead of a ClientHello: the server fails cleanly. */
START_TEST(garbage_handshake) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_RSA2048);
  tlswire_conn *server;
  ck_assert_int_eq(tlswire_conn_new(&server, sctx, NULL), TLSWIRE_OK);
  tlswire_conn_set_accept_state(server);
  static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  size_t n;
  ck_assert_int_eq(tlswire_conn_bio_write(server, http, sizeof http - 1, &n),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_do_handshake(server), TLSWIRE_E_SSL);
  ck_assert_str_eq(first_reason(server), "http request");
  tlswire_conn_free(server);
  tlswire_context_free(sctx);
}
END_TEST

START_TEST(no_role_handshake) {
  tlswire_conn *conn =
      fresh_conn(_i ? TLSWIRE_TLS_CLIENT_METHOD : TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_conn_do_handshake(conn), TLSWIRE_E_SSL);
  ck_assert_str_eq(first_reason(conn), "connection type not set");
  ck_assert_ptr_nonnull(
      strstr(tlswire_error_message(tlswire_conn_last_error(conn)),
             "connection type not set"));
  tlswire_conn_free(conn);
}
END_TEST

START_TEST(no_role_send_recv) {
  tlswire_conn *conn = fresh_conn(TLSWIRE_TLS_METHOD);
  size_t n;
  char buf[8];
  ck_assert_int_eq(tlswire_conn_send(conn, "x", 1, &n), TLSWIRE_E_SSL);
  ck_assert_str_eq(first_reason(conn), "uninitialized");
  ck_assert_int_eq(tlswire_conn_recv(conn, buf, sizeof buf, &n), TLSWIRE_E_SSL);
  ck_assert_str_eq(first_reason(conn), "uninitialized");
  tlswire_conn_free(conn);
}
END_TEST

/* pyOpenSSL's fresh-connection table (Appendix B). */
START_TEST(fresh_connection_queries) {
  tlswire_conn *conn = fresh_conn(TLSWIRE_TLS_METHOD);
  ck_assert_int_eq(tlswire_conn_want_read(conn), 0);
  ck_assert_int_eq(tlswire_conn_want_write(conn), 0);
  ck_assert_int_eq(tlswire_conn_pending(conn), 0);
  ck_assert_str_eq(tlswire_conn_get_state_string(conn),
                   "before SSL initialization");
  ck_assert_str_eq(tlswire_conn_get_protocol_version_name(conn), "TLSv1.3");
  ck_assert_int_eq(tlswire_conn_get_protocol_version(conn), 772);
  ck_assert_ptr_null(tlswire_conn_get_cipher_name(conn));
  ck_assert_ptr_null(tlswire_conn_get_cipher_version(conn));
  ck_assert_int_eq(tlswire_conn_get_cipher_bits(conn), TLSWIRE_E_STATE);
  ck_assert_int_eq(tlswire_conn_get_shutdown(conn), 0);
  char buf[10];
  size_t n;
  ck_assert_int_eq(tlswire_conn_bio_read(conn, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_uint_eq(n, 0);
  tlswire_conn_free(conn);
}
END_TEST

/* After the client's first do_handshake (Appendix B). */
START_TEST(client_after_first_step) {
  tlswire_conn *conn = fresh_conn(TLSWIRE_TLS_METHOD);
  tlswire_conn_set_connect_state(conn);
  ck_assert_int_eq(tlswire_conn_do_handshake(conn), TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_want_read(conn), 1);
  ck_assert_int_eq(tlswire_conn_want_write(conn), 0);
  ck_assert_str_eq(tlswire_conn_get_state_string(conn),
                   "SSLv3/TLS write client hello");
  unsigned char two[2];
  size_t n;
  ck_assert_int_eq(tlswire_conn_bio_read(conn, two, 2, &n), TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_uint_eq(two[0], 0x16); /* handshake record */
  tlswire_conn_free(conn);
}
END_TEST

START_TEST(null_and_empty_arguments) {
  size_t n = 99;
  char buf[4];
  ck_assert_int_eq(tlswire_conn_new(NULL, NULL, NULL), TLSWIRE_E_INVALID);
  tlswire_conn *c = (void *)1; /* any non-NULL value: it must be reset */
  ck_assert_int_eq(tlswire_conn_new(&c, NULL, NULL), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(c);
  tlswire_conn_free(NULL);
  ck_assert_int_eq(tlswire_conn_do_handshake(NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_send(NULL, "x", 1, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_recv(NULL, buf, 1, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_bio_write(NULL, "x", 1, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_bio_read(NULL, buf, 1, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_bio_shutdown(NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_shutdown(NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_connect_state(NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_accept_state(NULL), TLSWIRE_E_INVALID);
  ck_assert_ptr_null(tlswire_conn_last_error(NULL));
  ck_assert_ptr_null(tlswire_conn_get_ssl(NULL));
  ck_assert_ptr_null(tlswire_conn_get_cipher_name(NULL));
  ck_assert_int_eq(tlswire_conn_pending(NULL), 0);

  tlswire_conn *conn = fresh_conn(TLSWIRE_TLS_METHOD);
  tlswire_conn_set_connect_state(conn);
  ck_assert_int_eq(tlswire_conn_bio_write(conn, "", 0, &n), TLSWIRE_E_INVALID);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(tlswire_conn_bio_write(conn, NULL, 5, &n),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_bio_write(conn, "x", 1, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_bio_read(conn, buf, 0, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_bio_read(conn, NULL, 4, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_bio_read(conn, buf, 4, NULL),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_send(conn, NULL, 1, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_send(conn, "x", 0, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_send(conn, "x", 1, NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_recv(conn, buf, 0, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_recv(conn, NULL, 1, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_recv(conn, buf, 1, NULL), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_set_shutdown(conn, 4), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_bio_consume(conn, 1), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_bio_commit(conn, 1), TLSWIRE_E_STATE);
  void *window;
  ck_assert_int_eq(tlswire_conn_bio_window(conn, &window, &n), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_commit(conn, n + 1), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_conn_bio_commit(conn, 0), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_peek(conn, NULL, &n), TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(conn)),
                   TLSWIRE_E_INVALID);
  /* Nothing was disturbed: the connection still works. */
  ck_assert_int_eq(tlswire_conn_do_handshake(conn), TLSWIRE_E_WANT_READ);
  tlswire_conn_free(conn);
}
END_TEST

/* One connection's failure is never visible on another. */
START_TEST(errors_isolated) {
  tw_pair a, b;
  ck_assert_int_eq(tw_pair_connected(&a, TW_KEY_EC_P256, 0), 0);
  ck_assert_int_eq(tw_pair_connected(&b, TW_KEY_EC_P256, 0), 0);
  size_t n;
  static const unsigned char junk[] = "\x17\x03\x03\x00\x10 garbage garbage";
  tlswire_conn_bio_write(a.server, junk, sizeof junk - 1, &n);
  unsigned char buf[32];
  ck_assert_int_eq(tlswire_conn_recv(a.server, buf, sizeof buf, &n),
                   TLSWIRE_E_SSL);
  ck_assert_uint_eq(ERR_peek_error(), 0);
  /* b is untouched: its records are empty and it still moves data. */
  ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(a.server)),
                   TLSWIRE_E_SSL);
  ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(b.server)),
                   TLSWIRE_OK);
  ck_assert_int_eq(
      tw_transfer(b.client, b.server, (const unsigned char *)"hi", 2), 0);
  ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(a.client)),
                   TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_error_count(tlswire_conn_last_error(b.client)), 0);
  tw_pair_free(&a);
  tw_pair_free(&b);
}
END_TEST

/* A send returns after at most one record; the rest is simply offered
 * again (pyOpenSSL's test_outgoing_overflow: sent < 2**15). */
START_TEST(send_is_partial) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  static unsigned char big[1 << 16];
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.client, big, sizeof big, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 16384);
  tw_pair_free(&p);
}
END_TEST

/* Moving buffer: the remainder of a send may come from another buffer. */
START_TEST(send_from_moved_buffer) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_RSA2048, 0), 0);
  unsigned char *a = malloc(40000);
  fill_pattern(a, 40000, 5);
  unsigned char *copy = malloc(40000);
  memcpy(copy, a, 40000);
  size_t n, off = 0;
  ck_assert_int_eq(tlswire_conn_send(p.client, a, 40000, &n), TLSWIRE_OK);
  off += n;
  free(a); /* the first buffer is gone; continue from the copy */
  ck_assert_int_eq(tw_transfer(p.client, p.server, copy, 0), 0);
  unsigned char got[40000];
  size_t received = 0;
  while (received < 40000) {
    if (off < 40000 &&
        tlswire_conn_send(p.client, copy + off, 40000 - off, &n) == TLSWIRE_OK)
      off += n;
    tw_pump(p.client, p.server);
    while (tlswire_conn_recv(p.server, got + received, 40000 - received, &n) ==
           TLSWIRE_OK)
      received += n;
  }
  ck_assert_int_eq(memcmp(got, copy, 40000), 0);
  free(copy);
  tw_pair_free(&p);
}
END_TEST

/* Zero-copy: receive ciphertext straight into the input window. */
START_TEST(zero_copy_window_commit) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.client, "zero-copy", 9, &n), TLSWIRE_OK);
  const void *out;
  size_t outlen;
  ck_assert_int_eq(tlswire_conn_bio_peek(p.client, &out, &outlen), TLSWIRE_OK);
  void *in;
  size_t inlen;
  ck_assert_int_eq(tlswire_conn_bio_window(p.server, &in, &inlen), TLSWIRE_OK);
  ck_assert_uint_ge(inlen, outlen);
  memcpy(in, out, outlen);
  ck_assert_int_eq(tlswire_conn_bio_commit(p.server, outlen), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_bio_consume(p.client, outlen), TLSWIRE_OK);
  ck_assert_uint_eq(tlswire_conn_bio_pending_out(p.client), 0);
  char buf[16];
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 9);
  ck_assert_int_eq(memcmp(buf, "zero-copy", 9), 0);
  ck_assert_int_eq(tlswire_conn_bio_peek(p.client, &out, &outlen),
                   TLSWIRE_E_WANT_READ);
  tw_pair_free(&p);
}
END_TEST

/* pending() counts decrypted bytes left after a short recv. */
START_TEST(pending_after_short_recv) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.client, "hello", 5, &n), TLSWIRE_OK);
  tw_pump(p.client, p.server);
  char two[2];
  ck_assert_int_eq(tlswire_conn_recv(p.server, two, 2, &n), TLSWIRE_OK);
  ck_assert_int_eq(memcmp(two, "he", 2), 0);
  ck_assert_int_eq(tlswire_conn_pending(p.server), 3);
  tw_pair_free(&p);
}
END_TEST

/* ciphertext fed one byte at a time still completes the handshake. */
START_TEST(handshake_byte_by_byte) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  int crc = TLSWIRE_E_WANT_READ, src = TLSWIRE_E_WANT_READ;
  for (int i = 0; i < 100000 && (crc != TLSWIRE_OK || src != TLSWIRE_OK); i++) {
    if (crc != TLSWIRE_OK)
      crc = tlswire_conn_do_handshake(p.client);
    if (src != TLSWIRE_OK)
      src = tlswire_conn_do_handshake(p.server);
    ck_assert(crc == TLSWIRE_OK || crc == TLSWIRE_E_WANT_READ);
    ck_assert(src == TLSWIRE_OK || src == TLSWIRE_E_WANT_READ);
    unsigned char b;
    size_t n;
    if (tlswire_conn_bio_read(p.client, &b, 1, &n) == TLSWIRE_OK)
      tlswire_conn_bio_write(p.server, &b, 1, &n);
    if (tlswire_conn_bio_read(p.server, &b, 1, &n) == TLSWIRE_OK)
      tlswire_conn_bio_write(p.client, &b, 1, &n);
  }
  ck_assert_int_eq(crc, TLSWIRE_OK);
  ck_assert_int_eq(src, TLSWIRE_OK);
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* Drops n bytes of a's pending output (already delivered by copy). */
static void drop_output(tlswire_conn *a, size_t n) {
  while (n > 0) {
    const void *data;
    size_t len;
    ck_assert_int_eq(tlswire_conn_bio_peek(a, &data, &len), TLSWIRE_OK);
    len = len < n ? len : n;
    ck_assert_int_eq(tlswire_conn_bio_consume(a, len), TLSWIRE_OK);
    n -= len;
  }
}

/* Moves as much of a's pending output to b as b takes, one way only. */
static void move_output(tlswire_conn *a, tlswire_conn *b) {
  const void *data;
  size_t len, taken;
  while (tlswire_conn_bio_peek(a, &data, &len) == TLSWIRE_OK &&
         tlswire_conn_bio_write(b, data, len, &taken) == TLSWIRE_OK)
    tlswire_conn_bio_consume(a, taken);
}

/* Copies all of a's pending output to b without consuming it. */
static size_t copy_output(tlswire_conn *a, tlswire_conn *b) {
  unsigned char buf[4096];
  size_t n;
  const void *data;
  ck_assert_int_eq(tlswire_conn_bio_peek(a, &data, &n), TLSWIRE_OK);
  ck_assert_uint_le(n, sizeof buf);
  memcpy(buf, data, n);
  size_t off = 0, taken;
  while (off < n) {
    ck_assert_int_eq(tlswire_conn_bio_write(b, buf + off, n - off, &taken),
                     TLSWIRE_OK);
    ck_assert_int_eq(tlswire_conn_do_handshake(b), TLSWIRE_E_WANT_READ);
    off += taken;
  }
  return n;
}

/* send while the client's handshake is unfinished and its output ring is
 * close to the soft limit: whatever send reports, a refused send accepted
 * nothing, so offering DIFFERENT bytes afterwards must deliver exactly
 * those. The ring capacity sweeps across the ClientHello size so that the
 * client's Finished lands on every side of the limit. */
START_TEST(send_during_handshake_never_half_accepts) {
  size_t hello = 0;
  int refused = 0;
  for (size_t cap = 256; cap < 700; cap += 3) {
    tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
    tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
    ck_assert_int_eq(tlswire_context_set_ring_capacity(cctx, cap), TLSWIRE_OK);
    tw_pair p;
    ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
    ck_assert_int_eq(tlswire_conn_do_handshake(p.client), TLSWIRE_E_WANT_READ);
    hello = copy_output(p.client, p.server); /* ClientHello stays queued */
    size_t n = 99;
    int rc = TLSWIRE_E_WANT_READ;
    for (int i = 0; i < 100 && rc == TLSWIRE_E_WANT_READ; i++) {
      move_output(p.server, p.client); /* the server's flight, one way */
      rc = tlswire_conn_send(p.client, "AAAA", 4, &n);
    }
    ck_assert(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE);
    drop_output(p.client, hello); /* the server has it already */
    const char *expect = "AAAA";
    if (rc != TLSWIRE_OK) {
      ck_assert_uint_eq(n, 0);
      refused++;
      expect = "BBBB"; /* accepted nothing: offer other bytes */
      for (int i = 0; i < 100 && rc != TLSWIRE_OK; i++) {
        tw_pump(p.client, p.server);
        rc = tlswire_conn_send(p.client, "BBBB", 4, &n);
        ck_assert(rc == TLSWIRE_OK || rc == TLSWIRE_E_WANT_WRITE ||
                  rc == TLSWIRE_E_WANT_READ);
      }
    }
    ck_assert_int_eq(rc, TLSWIRE_OK);
    ck_assert_uint_eq(n, 4);
    char got[8];
    size_t r = 0;
    int src = TLSWIRE_E_WANT_READ;
    for (int i = 0; i < 100 && src == TLSWIRE_E_WANT_READ; i++) {
      tw_pump(p.client, p.server);
      src = tlswire_conn_recv(p.server, got, sizeof got, &r);
    }
    ck_assert_int_eq(src, TLSWIRE_OK);
    ck_assert_uint_eq(r, 4);
    ck_assert_int_eq(memcmp(got, expect, 4), 0);
    tw_pair_free(&p);
    tlswire_context_free(sctx);
    tlswire_context_free(cctx);
  }
  ck_assert_uint_gt(hello, 0);
  ck_assert_int_gt(refused, 0);
}
END_TEST

/* Rings hold storage only while bytes (or a window) are in them, with or
 * without RELEASE_BUFFERS: an idle connection holds none, and storage given
 * back goes to the context's pool, so the next message takes it again
 * without malloc. _i: RELEASE_BUFFERS off / on. */
START_TEST(release_buffers_mode) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  if (_i)
    ck_assert_int_eq(
        tlswire_context_set_mode(cctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL),
        TLSWIRE_OK);
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  ck_assert_ptr_null(p.client->mem.in.data); /* nothing before first use */
  ck_assert_ptr_null(p.client->mem.out.data);
  ck_assert_int_eq(tw_handshake(p.client, p.server, NULL, NULL), 0);
  ck_assert_int_eq(
      tw_transfer(p.client, p.server, (const unsigned char *)"idle", 4), 0);
  ck_assert_int_eq(
      tw_transfer(p.server, p.client, (const unsigned char *)"now", 3), 0);
  ck_assert_ptr_null(p.client->mem.in.data);
  ck_assert_ptr_null(p.client->mem.out.data);
  /* The client's two blocks wait in its context's pool. */
  const struct tlswire_ring_pool *pool = &p.client->ctx->pool;
  int pooled = 0;
  for (int i = 0; i < TLSWIRE_RING_POOL_SLOTS; i++)
    pooled += pool->slot[i] != NULL;
  ck_assert_int_eq(pooled, 2);
  /* Sending takes one of them back, not a new block. */
  const unsigned char *blocks[TLSWIRE_RING_POOL_SLOTS];
  for (int i = 0; i < TLSWIRE_RING_POOL_SLOTS; i++)
    blocks[i] = pool->slot[i];
  size_t n;
  ck_assert_int_eq(tlswire_conn_send(p.client, "again", 5, &n), TLSWIRE_OK);
  int reused = 0;
  for (int i = 0; i < TLSWIRE_RING_POOL_SLOTS; i++)
    reused += blocks[i] != NULL && blocks[i] == p.client->mem.out.data;
  ck_assert_int_eq(reused, 1);
  tw_pump(p.client, p.server);
  unsigned char buf[8];
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 5);
  tw_pair_free(&p);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* The pool keeps at most TLSWIRE_RING_POOL_SLOTS blocks: the storage of
 * many connections going idle at once goes back to the heap (the leak
 * checkers see that nothing is lost either way). */
START_TEST(pool_is_bounded) {
  enum { N = 6 };
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tw_pair p[N];
  for (int i = 0; i < N; i++) {
    ck_assert_int_eq(tw_pair_init(&p[i], cctx, sctx), 0);
    ck_assert_int_eq(tw_handshake(p[i].client, p[i].server, NULL, NULL), 0);
    /* Reads what the server sent after the handshake (TLS 1.3 tickets). */
    ck_assert_int_eq(tw_transfer(p[i].server, p[i].client,
                                 (const unsigned char *)"x", 1),
                     0);
  }
  for (int i = 0; i < N; i++) {
    ck_assert_ptr_null(p[i].client->mem.in.data);
    ck_assert_ptr_null(p[i].client->mem.out.data);
  }
  int pooled = 0;
  for (int i = 0; i < TLSWIRE_RING_POOL_SLOTS; i++)
    pooled += cctx->pool.slot[i] != NULL;
  ck_assert_int_gt(pooled, 0);
  ck_assert_int_le(pooled, TLSWIRE_RING_POOL_SLOTS);
  for (int i = 0; i < N; i++)
    tw_pair_free(&p[i]);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

/* tlswire's own state per idle connection stays under 1 KiB: the struct,
 * no ring storage, and no error record until a failure needs one. */
START_TEST(idle_state_is_small) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  ck_assert_int_eq(
      tw_transfer(p.server, p.client, (const unsigned char *)"x", 1), 0);
  ck_assert_uint_le(sizeof *p.client, 1024);
  ck_assert_ptr_null(p.client->mem.in.data);
  ck_assert_ptr_null(p.client->mem.out.data);
  ck_assert_ptr_null(p.client->err.detail);
  ck_assert_int_eq(tlswire_error_code(tlswire_conn_last_error(p.client)),
                   TLSWIRE_OK);
  ck_assert_str_eq(tlswire_error_message(tlswire_conn_last_error(p.client)),
                   "");
  /* The first failure allocates the detail; the record is complete. */
  size_t n;
  ck_assert_int_eq(tlswire_conn_bio_write(p.client, NULL, 1, &n),
                   TLSWIRE_E_INVALID);
  ck_assert_ptr_nonnull(p.client->err.detail);
  ck_assert_str_eq(tlswire_error_message(tlswire_conn_last_error(p.client)),
                   "buffer is NULL or empty");
  tw_pair_free(&p);
}
END_TEST

/* A whole record of the largest size fits the default input ring: one
 * bio_write takes it all. */
START_TEST(whole_record_in_one_bio_write) {
  tlswire_conn *conn = fresh_conn(TLSWIRE_TLS_METHOD);
  static unsigned char record[16709];
  size_t n;
  ck_assert_int_eq(tlswire_conn_bio_write(conn, record, sizeof record, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, sizeof record);
  tlswire_conn_free(conn);
}
END_TEST

/* Entries the caller left on OpenSSL's queue do not turn a would-block
 * into a failure (the driver does not look at the queue on that path), and
 * a success leaves them alone: they are the caller's. */
START_TEST(stale_queue_not_taken_for_failure) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  unsigned char buf[16];
  size_t n;
  ERR_raise(ERR_LIB_USER, 42);
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_E_WANT_READ);
  ck_assert_int_eq(tlswire_conn_send(p.client, "hi", 2, &n), TLSWIRE_OK);
  ck_assert_uint_eq(ERR_GET_LIB(ERR_peek_error()), ERR_LIB_USER);
  tw_pump(p.client, p.server);
  ck_assert_int_eq(tlswire_conn_recv(p.server, buf, sizeof buf, &n),
                   TLSWIRE_OK);
  ck_assert_uint_eq(n, 2);
  ERR_clear_error();
  tw_pair_free(&p);
}
END_TEST

static Suite *conn_suite(void) {
  Suite *s = suite_create("conn");
  TCase *tc = tcase_create("handshake");
  tcase_add_loop_test(tc, handshake_versions_and_keys, 0, 4);
  suite_add_tcase(s, tc);
  tc = tcase_create("bulk");
  tcase_set_timeout(tc, 30);
  tcase_add_loop_test(tc, one_mebibyte_each_way, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, backpressure_send);
  TW_ADD(s, backpressure_handshake);
  tc = tcase_create("backpressure_bio_write");
  tcase_add_loop_test(tc, backpressure_bio_write, 0, 2);
  suite_add_tcase(s, tc);
  tc = tcase_create("garbage");
  tcase_add_loop_test(tc, garbage_ciphertext, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, garbage_handshake);
  TW_ADD(s, calls_after_fatal_error);
  tc = tcase_create("no_role");
  tcase_add_loop_test(tc, no_role_handshake, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, no_role_send_recv);
  TW_ADD(s, fresh_connection_queries);
  TW_ADD(s, client_after_first_step);
  TW_ADD(s, null_and_empty_arguments);
  TW_ADD(s, errors_isolated);
  TW_ADD(s, send_is_partial);
  TW_ADD(s, send_from_moved_buffer);
  TW_ADD(s, zero_copy_window_commit);
  TW_ADD(s, pending_after_short_recv);
  TW_ADD(s, handshake_byte_by_byte);
  tc = tcase_create("release_buffers");
  tcase_add_loop_test(tc, release_buffers_mode, 0, 2);
  suite_add_tcase(s, tc);
  TW_ADD(s, pool_is_bounded);
  TW_ADD(s, idle_state_is_small);
  TW_ADD(s, whole_record_in_one_bio_write);
  TW_ADD(s, stale_queue_not_taken_for_failure);
  tc = tcase_create("send_during_handshake");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, send_during_handshake_never_half_accepts);
  suite_add_tcase(s, tc);
  return s;
}

TW_TEST_MAIN(conn_suite, 1)
