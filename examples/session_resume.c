/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session_resume.c - resuming a TLS session after a restart.
 *
 * A client saves its session to a file (tlswire_session_to_bytes), forgets
 * everything as a restarted process would (its connection and its
 * context), then reads the file back (tlswire_session_from_bytes) into a
 * fresh context and offers the session on a new connection: the handshake
 * is abbreviated and tlswire_conn_session_reused says so.
 *
 * The two connections of each round are bound to the two ends of
 * tlswire's in-process pipe transport, so they move their bytes
 * themselves: the program only calls do_handshake on each until both are
 * done. The server keeps its context (its ticket keys) across the client's
 * "restart", as a long-running server would.
 *
 * Build against an installed tlswire:
 *   cc session_resume.c $(pkg-config --cflags --libs tlswire libssl libcrypto) -o session_resume
 * Run: ./session_resume [FILE]   (without FILE the session goes to a
 * temporary file). Prints TAP.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <tlswire/tlswire.h>

/* A throw-away EC key and a self-signed certificate for the server. */
static int server_identity(tlswire_context *sctx) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *cert = X509_new();
  int ok = key != NULL && cert != NULL;
  if (ok) {
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)"resume.test", -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    ok = X509_sign(cert, key, EVP_sha256()) > 0 &&
         tlswire_context_use_certificate(sctx, cert) == TLSWIRE_OK &&
         tlswire_context_use_privatekey(sctx, key) == TLSWIRE_OK;
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok ? 0 : -1;
}

/* A client and a server connection over the two ends of one pipe. */
static int connect_pair(tlswire_context *cctx, tlswire_context *sctx,
                        tlswire_conn **client, tlswire_conn **server) {
  tlswire_transport *a, *b;
  *client = *server = NULL;
  if (tlswire_transport_pipe_new(&a, &b, 1 << 16) != TLSWIRE_OK)
    return -1;
  int rc = tlswire_conn_new(client, cctx, a); /* owns a, even on failure */
  if (tlswire_conn_new(server, sctx, b) != TLSWIRE_OK || rc != TLSWIRE_OK)
    return -1;
  tlswire_conn_set_connect_state(*client);
  tlswire_conn_set_accept_state(*server);
  return 0;
}

/* Bound connections move their own bytes: call each until both are done. */
static int handshake(tlswire_conn *client, tlswire_conn *server) {
  int crc = TLSWIRE_E_WANT_READ, src = TLSWIRE_E_WANT_READ;
  for (int i = 0; i < 64 && (crc != TLSWIRE_OK || src != TLSWIRE_OK); i++) {
    if (crc != TLSWIRE_OK)
      crc = tlswire_conn_do_handshake(client);
    if (src != TLSWIRE_OK)
      src = tlswire_conn_do_handshake(server);
    if (crc < TLSWIRE_E_WANT_WRITE)
      return crc; /* a failure, not a would-block */
    if (src < TLSWIRE_E_WANT_WRITE)
      return src;
  }
  return crc != TLSWIRE_OK ? crc : src;
}

/* First run: a full handshake, then the session goes to the file. Under TLS
 * 1.3 the session (a ticket) arrives after the handshake: one recv reads
 * it (TLSWIRE_E_WANT_READ then just means no application data). */
static int first_run(tlswire_context *sctx, FILE *file) {
  tlswire_context *cctx;
  tlswire_conn *client, *server;
  tlswire_session *session = NULL;
  unsigned char buf[4096];
  size_t n;
  if (tlswire_context_new(&cctx, TLSWIRE_TLS_CLIENT_METHOD) != TLSWIRE_OK)
    return -1;
  int rc = connect_pair(cctx, sctx, &client, &server);
  tlswire_context_free(cctx);
  if (rc == 0 && handshake(client, server) == TLSWIRE_OK &&
      tlswire_conn_recv(client, buf, sizeof buf, &n) == TLSWIRE_E_WANT_READ &&
      tlswire_conn_get_session(client, &session) == TLSWIRE_OK &&
      session != NULL &&
      tlswire_session_to_bytes(session, buf, sizeof buf, &n) == TLSWIRE_OK &&
      n <= sizeof buf && fwrite(buf, 1, n, file) == n && fflush(file) == 0)
    rc = tlswire_conn_session_reused(client); /* 0: a full handshake */
  else
    rc = -1;
  tlswire_session_free(session);
  tlswire_conn_free(client); /* a clean, complete connection: the session */
  tlswire_conn_free(server); /* stays resumable */
  return rc;
}

/* After the "restart": a new client context, the session read back from
 * the file. Returns 1 if the server resumed it, 0 if not, -1 on failure. */
static int second_run(tlswire_context *sctx, FILE *file) {
  tlswire_context *cctx;
  tlswire_conn *client = NULL, *server = NULL;
  tlswire_session *session = NULL;
  unsigned char buf[4096];
  rewind(file);
  size_t n = fread(buf, 1, sizeof buf, file);
  if (tlswire_context_new(&cctx, TLSWIRE_TLS_CLIENT_METHOD) != TLSWIRE_OK)
    return -1;
  int rc = -1;
  if (n > 0 &&
      tlswire_session_from_bytes(&session, cctx, buf, n) == TLSWIRE_OK &&
      connect_pair(cctx, sctx, &client, &server) == 0 &&
      tlswire_conn_set_session(client, session) == TLSWIRE_OK &&
      handshake(client, server) == TLSWIRE_OK)
    rc = tlswire_conn_session_reused(client);
  else
    fprintf(stderr, "second run: %s\n",
            tlswire_error_message(tlswire_thread_last_error()));
  tlswire_session_free(session);
  tlswire_conn_free(client);
  tlswire_conn_free(server);
  tlswire_context_free(cctx);
  return rc;
}

int main(int argc, char **argv) {
  tlswire_context *sctx;
  FILE *file = argc > 1 ? fopen(argv[1], "w+b") : tmpfile();
  printf("1..2\n");
  if (file == NULL ||
      tlswire_context_new(&sctx, TLSWIRE_TLS_SERVER_METHOD) != TLSWIRE_OK ||
      server_identity(sctx) != 0) {
    printf("Bail out! setup failed\n");
    return 1;
  }
  int first = first_run(sctx, file);
  printf("%s 1 - full handshake, session saved to a file\n",
         first == 0 ? "ok" : "not ok");
  int second = first == 0 ? second_run(sctx, file) : -1;
  printf("%s 2 - new context after a restart: session %s\n",
         second == 1 ? "ok" : "not ok",
         second == 1 ? "resumed" : "not resumed");
  fclose(file);
  tlswire_context_free(sctx);
  return first == 0 && second == 1 ? 0 : 1;
}
