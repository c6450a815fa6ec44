/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outoftree.c - a program outside the tree: an in-memory TLS 1.3 handshake
 * and one message each way, using only tlswire's core API.
 * Usage: outoftree CERT.pem KEY.pem
 */
#include <stdio.h>
#include <string.h>

#include <tlswire/tlswire.h>

/* Moves everything one side has for the other. */
static void pump(tlswire_conn *from, tlswire_conn *to) {
  unsigned char buf[4096];
  size_t n, taken;
  while (tlswire_conn_bio_read(from, buf, sizeof buf, &n) == TLSWIRE_OK)
    for (size_t off = 0; off < n; off += taken)
      if (tlswire_conn_bio_write(to, buf + off, n - off, &taken) != TLSWIRE_OK)
        return;
}

static int fail(const char *what, tlswire_conn *conn, int rc) {
  fprintf(stderr, "%s: %s: %s\n", what, tlswire_status_name(rc),
          tlswire_error_message(tlswire_conn_last_error(conn)));
  return 1;
}

int main(int argc, char **argv) {
  tlswire_context *sctx, *cctx;
  tlswire_conn *server, *client;
  if (argc != 3 || tlswire_context_new(&sctx, TLSWIRE_TLS_METHOD) ||
      tlswire_context_new(&cctx, TLSWIRE_TLS_METHOD))
    return 2;
  if (tlswire_context_use_certificate_file(sctx, argv[1],
                                           TLSWIRE_FILETYPE_PEM) ||
      tlswire_context_use_privatekey_file(sctx, argv[2],
                                          TLSWIRE_FILETYPE_PEM) ||
      tlswire_context_load_verify_locations(cctx, argv[1], NULL) ||
      tlswire_context_set_verify(cctx, TLSWIRE_VERIFY_PEER, NULL, NULL) ||
      tlswire_context_set_min_proto_version(cctx, TLSWIRE_TLS1_3_VERSION))
    return 3;
  if (tlswire_conn_new(&server, sctx, NULL) ||
      tlswire_conn_new(&client, cctx, NULL))
    return 4;
  tlswire_context_free(sctx); /* the connections keep them alive */
  tlswire_context_free(cctx);
  tlswire_conn_set_accept_state(server);
  tlswire_conn_set_connect_state(client);

  int crc = -1, src = -1;
  for (int i = 0; i < 10 && (crc || src); i++) {
    if (crc)
      crc = tlswire_conn_do_handshake(client);
    if (src)
      src = tlswire_conn_do_handshake(server);
    pump(client, server);
    pump(server, client);
  }
  if (crc)
    return fail("client handshake", client, crc);
  if (src)
    return fail("server handshake", server, src);

  size_t n;
  char buf[64];
  int rc = tlswire_conn_send(client, "hello, server", 13, &n);
  if (rc)
    return fail("send", client, rc);
  pump(client, server);
  rc = tlswire_conn_recv(server, buf, sizeof buf, &n);
  if (rc || n != 13 || memcmp(buf, "hello, server", 13))
    return fail("recv", server, rc);
  rc = tlswire_conn_send(server, "hello, client", 13, &n);
  pump(server, client);
  rc = tlswire_conn_recv(client, buf, sizeof buf, &n);
  if (rc || n != 13 || memcmp(buf, "hello, client", 13))
    return fail("recv", client, rc);
  printf("%s %s, tlswire %s\n", tlswire_conn_get_protocol_version_name(client),
         tlswire_conn_get_cipher_name(client), tlswire_version());
  tlswire_conn_free(client);
  tlswire_conn_free(server);
  return 0;
}
