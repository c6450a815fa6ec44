/* SPDX-License-Identifier: Apache-2.0 */
/*
 * custom_transport.c - TLS over your own transport.
 *
 * Firmware often moves bytes over something that is not a socket: a UART, a
 * USB endpoint, a radio stack, a message queue. tlswire reaches such a link
 * through a small vtable (tlswire_transport_ops): send, recv and optionally
 * destroy. Here a "UART" is simulated by two small byte rings, one per
 * direction; a client and a server in the same process talk TLS 1.3 over
 * them, each connection bound to its own end.
 *
 * Build against an installed tlswire:
 *   cc custom_transport.c $(pkg-config --cflags --libs tlswire libssl libcrypto) -o custom_transport
 * (the throwaway certificate below calls OpenSSL itself: without libssl and
 * libcrypto on the line the link fails; the transport needs only tlswire).
 * The program prints TAP ("ok 1 - ...") so `make check` can run it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <tlswire/tlswire.h>

/* --- the "UART": a 1 KiB FIFO per direction ---------------------------- */

struct fifo {
  unsigned char buf[1024];
  size_t head, len;
};

/* One end of the link: what it transmits and what it receives. */
struct uart_end {
  struct fifo *tx, *rx;
};

/* send: take as many bytes as the FIFO has room for; none -> would block. */
static int uart_send(void *io, const void *data, size_t len, size_t *sent) {
  struct fifo *f = ((struct uart_end *)io)->tx;
  size_t n = 0;
  while (n < len && f->len < sizeof f->buf) {
    f->buf[(f->head + f->len++) % sizeof f->buf] =
        ((const unsigned char *)data)[n++];
  }
  *sent = n;
  return n > 0 ? TLSWIRE_OK : TLSWIRE_E_WANT_WRITE;
}

/* recv: hand over what arrived; nothing yet -> would block. */
static int uart_recv(void *io, void *data, size_t len, size_t *received) {
  struct fifo *f = ((struct uart_end *)io)->rx;
  size_t n = 0;
  while (n < len && f->len > 0) {
    ((unsigned char *)data)[n++] = f->buf[f->head];
    f->head = (f->head + 1) % sizeof f->buf;
    f->len--;
  }
  *received = n;
  return n > 0 ? TLSWIRE_OK : TLSWIRE_E_WANT_READ;
}

/* The table must outlive the transports: make it static const. */
static const tlswire_transport_ops uart_ops = {
    .version = TLSWIRE_TRANSPORT_OPS_VERSION,
    .send = uart_send,
    .recv = uart_recv,
};

/* --- a throwaway self-signed certificate for the demo --------------------- */

static X509 *self_signed(EVP_PKEY *key) {
  X509 *cert = X509_new();
  X509_NAME *name = X509_NAME_new();
  int ok = cert != NULL && name != NULL && X509_set_version(cert, 2) &&
           ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      (const unsigned char *)"uart.demo", -1,
                                      -1, 0) &&
           X509_set_subject_name(cert, name) &&
           X509_set_issuer_name(cert, name) &&
           X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
           X509_gmtime_adj(X509_getm_notAfter(cert), 3600) &&
           X509_set_pubkey(cert, key) && X509_sign(cert, key, EVP_sha256());
  X509_NAME_free(name);
  if (!ok) {
    X509_free(cert);
    return NULL;
  }
  return cert;
}

/* --- TAP ------------------------------------------------------------------ */

static int test_number, failures;

static void check(int ok, const char *what) {
  printf("%s %d - %s\n", ok ? "ok" : "not ok", ++test_number, what);
  failures += !ok;
}

/* --- the demo ------------------------------------------------------------- */

/* Drives both sides until each call has returned OK; both transports never
 * block for long, so alternating is enough (a real device would wait for
 * its UART interrupt on TLSWIRE_E_WANT_READ / WANT_WRITE instead). The
 * FIFO must hold the server's last flight (its session tickets): the client
 * has finished by then and reads them only with its first recv. */
static int handshake(tlswire_conn *client, tlswire_conn *server) {
  int crc = TLSWIRE_E_WANT_READ, src = TLSWIRE_E_WANT_READ;
  for (int i = 0; i < 10000 && (crc != TLSWIRE_OK || src != TLSWIRE_OK); i++) {
    if (crc != TLSWIRE_OK)
      crc = tlswire_conn_do_handshake(client);
    if (src != TLSWIRE_OK)
      src = tlswire_conn_do_handshake(server);
    if (crc < 0 && crc != TLSWIRE_E_WANT_READ && crc != TLSWIRE_E_WANT_WRITE)
      return crc;
    if (src < 0 && src != TLSWIRE_E_WANT_READ && src != TLSWIRE_E_WANT_WRITE)
      return src;
  }
  return crc == TLSWIRE_OK && src == TLSWIRE_OK ? TLSWIRE_OK : TLSWIRE_E_STATE;
}

/* Sends msg from one side and collects it on the other. */
static int exchange(tlswire_conn *from, tlswire_conn *to, const char *msg,
                    char *got, size_t cap) {
  size_t len = strlen(msg), sent = 0, have = 0;
  for (int i = 0; i < 10000 && have < len; i++) {
    size_t n = 0;
    if (sent < len &&
        tlswire_conn_send(from, msg + sent, len - sent, &n) == TLSWIRE_OK)
      sent += n;
    else if (sent == len)
      tlswire_conn_flush(from); /* the tail the UART did not take yet */
    if (tlswire_conn_recv(to, got + have, cap - have, &n) == TLSWIRE_OK)
      have += n;
  }
  return have == len && memcmp(got, msg, len) == 0;
}

static int run(EVP_PKEY *key, X509 *cert) {
  struct fifo wire[2] = {{{0}, 0, 0}, {{0}, 0, 0}};
  struct uart_end client_end = {&wire[0], &wire[1]};
  struct uart_end server_end = {&wire[1], &wire[0]};
  tlswire_context *sctx = NULL, *cctx = NULL;
  tlswire_transport *ct = NULL, *st = NULL;
  tlswire_conn *client = NULL, *server = NULL;

  check(tlswire_context_new(&sctx, TLSWIRE_TLS_METHOD) == TLSWIRE_OK &&
            tlswire_context_use_certificate(sctx, cert) == TLSWIRE_OK &&
            tlswire_context_use_privatekey(sctx, key) == TLSWIRE_OK,
        "server context with a certificate");
  check(tlswire_context_new(&cctx, TLSWIRE_TLS_METHOD) == TLSWIRE_OK &&
            X509_STORE_add_cert(tlswire_context_get_cert_store(cctx), cert) ==
                1 &&
            tlswire_context_set_verify(cctx, TLSWIRE_VERIFY_PEER, NULL, NULL) ==
                TLSWIRE_OK,
        "client context trusting it");
  check(tlswire_transport_new(&ct, &uart_ops, &client_end) == TLSWIRE_OK &&
            tlswire_transport_new(&st, &uart_ops, &server_end) == TLSWIRE_OK,
        "two transports over the user's vtable");
  /* The connections own the transports from here on. */
  check(tlswire_conn_new(&client, cctx, ct) == TLSWIRE_OK &&
            tlswire_conn_new(&server, sctx, st) == TLSWIRE_OK,
        "connections bound to them");
  tlswire_context_free(cctx); /* the connections keep their contexts */
  tlswire_context_free(sctx);
  if (client == NULL || server == NULL) {
    tlswire_conn_free(client);
    tlswire_conn_free(server);
    return 1;
  }
  tlswire_conn_set_connect_state(client);
  tlswire_conn_set_accept_state(server);

  check(handshake(client, server) == TLSWIRE_OK, "handshake over the UART");
  const char *version = tlswire_conn_get_protocol_version_name(client);
  check(version != NULL && strcmp(version, "TLSv1.3") == 0, "TLS 1.3");
  char got[256] = {0};
  check(exchange(client, server, "ping over a 1 KiB FIFO", got, sizeof got),
        "client to server");
  memset(got, 0, sizeof got);
  check(exchange(server, client, "pong", got, sizeof got), "server to client");
  check(tlswire_conn_shutdown(client) == 0, "client sends close_notify");
  size_t n;
  check(tlswire_conn_recv(server, got, sizeof got, &n) == TLSWIRE_E_ZERO_RETURN,
        "server sees the clean close");
  tlswire_conn_free(client); /* frees the transports too */
  tlswire_conn_free(server);
  return 0;
}

int main(void) {
  printf("1..10\n");
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *cert = key != NULL ? self_signed(key) : NULL;
  if (cert == NULL) {
    printf("Bail out! cannot make a key and certificate\n");
    return 1;
  }
  run(key, cert);
  X509_free(cert);
  EVP_PKEY_free(key);
  return failures == 0 && test_number == 10 ? 0 : 1;
}
