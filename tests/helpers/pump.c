/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pump.c - moving ciphertext between two memory-mode connections in tests.
 */
#include <stdlib.h>
#include <string.h>

#include "pump.h"

/* Moves what a has pending into b; returns how many bytes moved. */
static size_t pump_one_way(tlswire_conn *a, tlswire_conn *b) {
  size_t moved = 0;
  const void *data;
  size_t len;
  while (tlswire_conn_bio_peek(a, &data, &len) == TLSWIRE_OK) {
    size_t taken;
    if (tlswire_conn_bio_write(b, data, len, &taken) != TLSWIRE_OK)
      break;
    tlswire_conn_bio_consume(a, taken);
    moved += taken;
  }
  return moved;
}

size_t tw_pump(tlswire_conn *a, tlswire_conn *b) {
  size_t total = 0, moved;
  do {
    moved = pump_one_way(a, b) + pump_one_way(b, a);
    total += moved;
  } while (moved > 0);
  return total;
}

static int is_want(int rc) {
  return rc == TLSWIRE_E_WANT_READ || rc == TLSWIRE_E_WANT_WRITE;
}

int tw_handshake(tlswire_conn *client, tlswire_conn *server, int *client_rc,
                 int *server_rc) {
  int crc = TLSWIRE_E_WANT_READ, src = TLSWIRE_E_WANT_READ;
  for (int round = 0; round < 1000; round++) {
    if (crc != TLSWIRE_OK)
      crc = tlswire_conn_do_handshake(client);
    if (src != TLSWIRE_OK)
      src = tlswire_conn_do_handshake(server);
    size_t moved = tw_pump(client, server);
    if ((crc != TLSWIRE_OK && !is_want(crc)) ||
        (src != TLSWIRE_OK && !is_want(src)))
      break;
    if (crc == TLSWIRE_OK && src == TLSWIRE_OK)
      break;
    if (moved == 0 && round > 0)
      break;
  }
  if (client_rc)
    *client_rc = crc;
  if (server_rc)
    *server_rc = src;
  return crc == TLSWIRE_OK && src == TLSWIRE_OK ? 0 : -1;
}

tlswire_context *tw_server_ctx(int method, tw_key_type type) {
  const tw_chain *chain = tw_fixture_chain(type);
  tlswire_context *ctx = NULL;
  if (chain == NULL || tlswire_context_new(&ctx, method) != TLSWIRE_OK)
    return NULL;
  if (tlswire_context_use_certificate(ctx, chain->leaf) != TLSWIRE_OK ||
      tlswire_context_use_privatekey(ctx, chain->leaf_key) != TLSWIRE_OK ||
      tlswire_context_add_extra_chain_cert(ctx, chain->intermediate) !=
          TLSWIRE_OK) {
    tlswire_context_free(ctx);
    return NULL;
  }
  return ctx;
}

tlswire_context *tw_client_ctx(int method, tw_key_type type) {
  const tw_chain *chain = tw_fixture_chain(type);
  tlswire_context *ctx = NULL;
  char *pem = NULL;
  size_t len = 0;
  if (chain == NULL || tlswire_context_new(&ctx, method) != TLSWIRE_OK)
    return NULL;
  int ok = tw_cert_pem(chain->ca, &pem, &len) == 0 &&
           tlswire_context_load_verify_locations_mem(
               ctx, pem, len, TLSWIRE_FILETYPE_PEM) == TLSWIRE_OK &&
           tlswire_context_set_verify(ctx, TLSWIRE_VERIFY_PEER, NULL, NULL) ==
               TLSWIRE_OK;
  free(pem);
  if (!ok) {
    tlswire_context_free(ctx);
    return NULL;
  }
  return ctx;
}

int tw_pair_init(tw_pair *p, tlswire_context *client_ctx,
                 tlswire_context *server_ctx) {
  memset(p, 0, sizeof *p);
  if (tlswire_conn_new(&p->client, client_ctx, NULL) != TLSWIRE_OK ||
      tlswire_conn_new(&p->server, server_ctx, NULL) != TLSWIRE_OK) {
    tw_pair_free(p);
    return -1;
  }
  tlswire_conn_set_connect_state(p->client);
  tlswire_conn_set_accept_state(p->server);
  return 0;
}

void tw_pair_free(tw_pair *p) {
  tlswire_conn_free(p->client);
  tlswire_conn_free(p->server);
  memset(p, 0, sizeof *p);
}

static int pin_version(tlswire_context *ctx, int version) {
  if (version == 0)
    return 0;
  return tlswire_context_set_min_proto_version(ctx, version) == TLSWIRE_OK &&
                 tlswire_context_set_max_proto_version(ctx, version) ==
                     TLSWIRE_OK
             ? 0
             : -1;
}

int tw_pair_connected(tw_pair *p, tw_key_type type, int version) {
  memset(p, 0, sizeof *p);
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, type);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, type);
  int rc = -1;
  if (sctx && cctx && pin_version(sctx, version) == 0 &&
      pin_version(cctx, version) == 0 && tw_pair_init(p, cctx, sctx) == 0)
    rc = tw_handshake(p->client, p->server, NULL, NULL);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
  return rc;
}

/* One step of a transfer: offer more, move ciphertext, take plaintext. */
static int transfer_step(tlswire_conn *from, tlswire_conn *to,
                         const unsigned char *buf, size_t len, size_t *sent,
                         unsigned char *got, size_t *received) {
  size_t n = 0;
  int rc = TLSWIRE_OK;
  if (*sent < len) {
    rc = tlswire_conn_send(from, buf + *sent, len - *sent, &n);
    if (rc != TLSWIRE_OK && rc != TLSWIRE_E_WANT_WRITE)
      return -1;
    *sent += n;
  }
  size_t moved = tw_pump(from, to);
  size_t r = 0;
  int progress = n > 0 || moved > 0;
  while (*received < len &&
         tlswire_conn_recv(to, got + *received, len - *received, &r) ==
             TLSWIRE_OK) {
    *received += r;
    progress = 1;
  }
  return progress ? 0 : -1;
}

int tw_transfer(tlswire_conn *from, tlswire_conn *to, const unsigned char *buf,
                size_t len) {
  unsigned char *got = malloc(len ? len : 1);
  size_t sent = 0, received = 0;
  if (got == NULL)
    return -1;
  while (received < len)
    if (transfer_step(from, to, buf, len, &sent, got, &received) != 0)
      break;
  int ok = received == len && memcmp(got, buf, len) == 0;
  free(got);
  return ok ? 0 : -1;
}
