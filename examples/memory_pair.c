/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memory_pair.c - a TLS client and server in one process, in memory mode.
 *
 * Neither connection touches a socket: the program moves the ciphertext
 * between them itself, the way a program that owns its transport (an event
 * loop, a radio stack, a test) drives tlswire. The pump loop is the one the
 * README shows: it keeps pumping after do_handshake returns TLSWIRE_OK
 * until both sides are idle, treats TLSWIRE_E_WANT_WRITE as "drain, then
 * call again", and never hands bio_write an empty buffer.
 *
 * Build against an installed tlswire (the certificate is made with
 * OpenSSL's API, so OpenSSL is linked too):
 *   cc memory_pair.c $(pkg-config --cflags --libs tlswire libssl libcrypto) -o memory_pair
 * Run it with no arguments; it prints TAP ("ok 1 - ...").
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <tlswire/tlswire.h>

/* --- the pump loop (the README's) ----------------------------------------- */

/* Moves the ciphertext waiting in from's output into to's input, in place
 * (bio_peek / bio_consume: nothing is copied twice, nothing is lost when
 * to's input ring is full). Adds the bytes moved to *moved. */
static int transfer(tlswire_conn *from, tlswire_conn *to, size_t *moved) {
  const void *data;
  size_t len, taken;
  while (tlswire_conn_bio_peek(from, &data, &len) == TLSWIRE_OK) {
    int rc = tlswire_conn_bio_write(to, data, len, &taken);
    if (rc == TLSWIRE_E_WANT_WRITE)
      return TLSWIRE_OK; /* to's input is full: let it consume first */
    if (rc != TLSWIRE_OK)
      return rc;
    tlswire_conn_bio_consume(from, taken);
    *moved += taken;
  }
  return TLSWIRE_OK; /* TLSWIRE_E_WANT_READ from bio_peek: nothing left */
}

/* Moves ciphertext both ways until neither side has any for the other. */
static int pump(tlswire_conn *a, tlswire_conn *b, size_t *moved) {
  size_t before;
  int rc;
  *moved = 0;
  do {
    before = *moved;
    if ((rc = transfer(a, b, moved)) != TLSWIRE_OK ||
        (rc = transfer(b, a, moved)) != TLSWIRE_OK)
      return rc;
  } while (*moved > before);
  return TLSWIRE_OK;
}

/* WANT_READ and WANT_WRITE mean "not yet": pump, then call again. */
static int is_failure(int rc) {
  return rc != TLSWIRE_OK && rc != TLSWIRE_E_WANT_READ &&
         rc != TLSWIRE_E_WANT_WRITE;
}

/* Runs both handshakes to the end. TLSWIRE_OK from do_handshake is not the
 * end of the work: the client's last flight (and a TLS 1.3 server's
 * tickets) still wait in an output ring, so the loop goes on until both
 * sides are done AND a pump moved nothing. */
static int handshake(tlswire_conn *client, tlswire_conn *server) {
  int crc = TLSWIRE_E_WANT_READ, src = TLSWIRE_E_WANT_READ;
  for (int round = 0; round < 64; round++) {
    if (crc != TLSWIRE_OK)
      crc = tlswire_conn_do_handshake(client);
    if (src != TLSWIRE_OK)
      src = tlswire_conn_do_handshake(server);
    if (is_failure(crc))
      return crc;
    if (is_failure(src))
      return src;
    size_t moved;
    int rc = pump(client, server, &moved);
    if (rc != TLSWIRE_OK)
      return rc;
    if (crc == TLSWIRE_OK && src == TLSWIRE_OK && moved == 0)
      return TLSWIRE_OK;
  }
  return TLSWIRE_E_STATE; /* no progress: a bug in the caller's pump */
}

/* --- end of the pump loop ------------------------------------------------- */

/* A throw-away EC P-256 key and a self-signed certificate for "localhost". */
static int make_identity(EVP_PKEY **key, X509 **cert) {
  *key = EVP_EC_gen("P-256");
  *cert = X509_new();
  if (*key == NULL || *cert == NULL)
    return -1;
  X509_NAME *name = X509_get_subject_name(*cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             (const unsigned char *)"localhost", -1, -1, 0);
  X509_set_issuer_name(*cert, name);
  ASN1_INTEGER_set(X509_get_serialNumber(*cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(*cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(*cert), 3600);
  X509_set_pubkey(*cert, *key);
  return X509_sign(*cert, *key, EVP_sha256()) > 0 ? 0 : -1;
}

/* The client trusts exactly this certificate, given as PEM text. */
static int trust(tlswire_context *ctx, X509 *cert) {
  BIO *mem = BIO_new(BIO_s_mem());
  char *pem;
  int rc = TLSWIRE_E_NOMEM;
  if (mem != NULL && PEM_write_bio_X509(mem, cert)) {
    long len = BIO_get_mem_data(mem, &pem);
    rc = tlswire_context_load_verify_locations_mem(ctx, pem, (size_t)len,
                                                   TLSWIRE_FILETYPE_PEM);
  }
  BIO_free(mem);
  return rc;
}

static int contexts(tlswire_context **sctx, tlswire_context **cctx) {
  EVP_PKEY *key;
  X509 *cert;
  int rc = -1;
  if (make_identity(&key, &cert) == 0 &&
      tlswire_context_new_secure(sctx, TLSWIRE_PURPOSE_SERVER) == TLSWIRE_OK &&
      tlswire_context_new_secure(cctx, TLSWIRE_PURPOSE_CLIENT) == TLSWIRE_OK &&
      tlswire_context_use_certificate(*sctx, cert) == TLSWIRE_OK &&
      tlswire_context_use_privatekey(*sctx, key) == TLSWIRE_OK &&
      trust(*cctx, cert) == TLSWIRE_OK)
    rc = 0;
  X509_free(cert); /* the contexts keep their own references */
  EVP_PKEY_free(key);
  return rc;
}

/* Prints one TAP line; returns 1 for a failure, to count them. */
static int report(int ok, int n, const char *what, tlswire_conn *conn,
                  int rc) {
  if (ok) {
    printf("ok %d - %s\n", n, what);
    return 0;
  }
  printf("not ok %d - %s: %s (%s)\n", n, what, tlswire_status_name(rc),
         tlswire_error_message(tlswire_conn_last_error(conn)));
  return 1;
}

/* Sends msg on from, pumps, and reads it on to. */
static int deliver(tlswire_conn *from, tlswire_conn *to, const char *msg) {
  size_t len = strlen(msg), n, moved;
  char buf[256];
  int rc = tlswire_conn_send(from, msg, len, &n);
  if (rc != TLSWIRE_OK || n != len)
    return rc != TLSWIRE_OK ? rc : TLSWIRE_E_STATE;
  if ((rc = pump(from, to, &moved)) != TLSWIRE_OK)
    return rc;
  rc = tlswire_conn_recv(to, buf, sizeof buf, &n);
  if (rc != TLSWIRE_OK)
    return rc;
  return n == len && memcmp(buf, msg, len) == 0 ? TLSWIRE_OK
                                                : TLSWIRE_E_STATE;
}

/* close_notify both ways: the client starts, the server answers. */
static int close_both(tlswire_conn *client, tlswire_conn *server) {
  char buf[16];
  size_t n, moved;
  if (tlswire_conn_shutdown(client) != 0) /* 0: ours sent, theirs to come */
    return TLSWIRE_E_STATE;
  pump(client, server, &moved);
  if (tlswire_conn_recv(server, buf, sizeof buf, &n) != TLSWIRE_E_ZERO_RETURN)
    return TLSWIRE_E_STATE;
  if (tlswire_conn_shutdown(server) != 1) /* 1: both alerts done */
    return TLSWIRE_E_STATE;
  pump(server, client, &moved);
  return tlswire_conn_shutdown(client) == 1 ? TLSWIRE_OK : TLSWIRE_E_STATE;
}

int main(void) {
  tlswire_context *sctx = NULL, *cctx = NULL;
  tlswire_conn *server = NULL, *client = NULL;
  printf("1..4\n");
  if (contexts(&sctx, &cctx) != 0 ||
      tlswire_conn_new(&server, sctx, NULL) != TLSWIRE_OK ||
      tlswire_conn_new(&client, cctx, NULL) != TLSWIRE_OK) {
    printf("Bail out! setup: %s\n",
           tlswire_error_message(tlswire_thread_last_error()));
    return 1;
  }
  tlswire_context_free(sctx); /* the connections keep them alive */
  tlswire_context_free(cctx);
  tlswire_conn_set_accept_state(server);
  tlswire_conn_set_connect_state(client);
  tlswire_conn_set_server_name(client, "localhost"); /* SNI + name check */

  int failed = 0, rc = handshake(client, server);
  failed += report(rc == TLSWIRE_OK, 1, "handshake, server verified as localhost",
         client, rc);
  printf("# %s %s\n", tlswire_conn_get_protocol_version_name(client),
         tlswire_conn_get_cipher_name(client));
  rc = deliver(client, server, "hello, server");
  failed += report(rc == TLSWIRE_OK, 2, "client to server", server, rc);
  rc = deliver(server, client, "hello, client");
  failed += report(rc == TLSWIRE_OK, 3, "server to client", client, rc);
  rc = close_both(client, server);
  failed += report(rc == TLSWIRE_OK, 4, "close_notify both ways", client, rc);
  tlswire_conn_free(client);
  tlswire_conn_free(server);
  return failed == 0 ? 0 : 1;
}
