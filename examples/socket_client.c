/* SPDX-License-Identifier: Apache-2.0 */
/*
 * socket_client.c - a blocking TLS client over a TCP socket.
 *
 * The client connects a plain socket, binds a connection to it with the
 * socket transport and then calls do_handshake, sendall, recv and shutdown
 * as it would on a Python socket wrapped by pyOpenSSL: on a blocking socket
 * each call returns when it is done.
 *
 * To run without a network it starts its own server first: a child process
 * that listens on 127.0.0.1 (a port the kernel picks), accepts one
 * connection with tlswire and echoes one message. The client trusts that
 * server's throw-away certificate and checks it is for "localhost".
 *
 * Build against an installed tlswire:
 *   cc socket_client.c $(pkg-config --cflags --libs tlswire libssl libcrypto) -o socket_client
 * Run it with no arguments; it prints TAP.
 */
/* tlswire-example: posix */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <tlswire/tlswire.h>

/* --- the client ------------------------------------------------------------ */

/* A TCP connection to 127.0.0.1:port, or -1. */
static int tcp_connect(unsigned short port) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

static int fail(const char *what, tlswire_conn *conn, int rc) {
  printf("not ok - %s: %s: %s\n", what, tlswire_status_name(rc),
         tlswire_error_message(conn ? tlswire_conn_last_error(conn)
                                    : tlswire_thread_last_error()));
  return 1;
}

/* The whole client: connect, verify, send a line, read the echo, close. */
static int client(tlswire_context *ctx, unsigned short port) {
  tlswire_transport *t;
  tlswire_conn *conn;
  int fd = tcp_connect(port);
  if (fd < 0)
    return fail("connect", NULL, TLSWIRE_E_SYSCALL);
  /* CLOSE: the transport closes fd when the connection is freed. */
  int rc = tlswire_transport_socket_new(&t, fd, TLSWIRE_TRANSPORT_CLOSE);
  if (rc != TLSWIRE_OK || (rc = tlswire_conn_new(&conn, ctx, t)) != 0)
    return fail("tlswire_conn_new", NULL, rc);
  tlswire_conn_set_connect_state(conn);
  tlswire_conn_set_server_name(conn, "localhost");
  if ((rc = tlswire_conn_do_handshake(conn)) != TLSWIRE_OK)
    return fail("handshake", conn, rc);
  printf("ok 1 - handshake: %s %s, server verified as localhost\n",
         tlswire_conn_get_protocol_version_name(conn),
         tlswire_conn_get_cipher_name(conn));

  static const char line[] = "hello over TCP\n";
  char buf[64];
  size_t n;
  if ((rc = tlswire_conn_sendall(conn, line, strlen(line), &n)) != 0)
    return fail("sendall", conn, rc);
  if ((rc = tlswire_conn_recv(conn, buf, sizeof buf, &n)) != TLSWIRE_OK)
    return fail("recv", conn, rc);
  int same = n == strlen(line) && memcmp(buf, line, n) == 0;
  printf("%s 2 - the server echoed %zu bytes\n", same ? "ok" : "not ok", n);
  rc = tlswire_conn_shutdown(conn); /* 0: ours sent; 1: theirs came too */
  printf("%s 3 - close_notify sent\n", rc >= 0 ? "ok" : "not ok");
  tlswire_conn_free(conn);
  return same && rc >= 0 ? 0 : 1;
}

/* --- the server the example starts for itself ----------------------------- */

/* Accepts one connection, echoes what one recv returns, closes. */
static int serve_one(tlswire_context *ctx, int listener) {
  tlswire_transport *lt;
  tlswire_conn *lconn, *conn;
  char buf[256];
  size_t n;
  int rc = tlswire_transport_socket_new(&lt, listener, TLSWIRE_TRANSPORT_CLOSE);
  if (rc != TLSWIRE_OK || tlswire_conn_new(&lconn, ctx, lt) != TLSWIRE_OK)
    return 1;
  rc = tlswire_conn_accept(lconn, &conn, NULL, NULL); /* server role set */
  tlswire_conn_free(lconn);
  if (rc != TLSWIRE_OK)
    return 1;
  if (tlswire_conn_do_handshake(conn) == TLSWIRE_OK &&
      tlswire_conn_recv(conn, buf, sizeof buf, &n) == TLSWIRE_OK)
    tlswire_conn_sendall(conn, buf, n, &n);
  tlswire_conn_shutdown(conn);
  tlswire_conn_free(conn);
  return 0;
}

/* A listening socket on 127.0.0.1 and the port the kernel gave it. */
static int tcp_listen(unsigned short *port) {
  struct sockaddr_in sa = {.sin_family = AF_INET};
  socklen_t len = sizeof sa;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
      listen(fd, 1) != 0 || getsockname(fd, (struct sockaddr *)&sa, &len)) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  *port = ntohs(sa.sin_port);
  return fd;
}

/* Both contexts: the server's throw-away identity, the client trusting
 * exactly that certificate (its store, borrowed) on top of the secure
 * defaults. */
static int contexts(tlswire_context **sctx, tlswire_context **cctx) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *cert = X509_new();
  int ok = key != NULL && cert != NULL;
  if (ok) {
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    ok = X509_sign(cert, key, EVP_sha256()) > 0 &&
         tlswire_context_new_secure(sctx, TLSWIRE_PURPOSE_SERVER) == 0 &&
         tlswire_context_new_secure(cctx, TLSWIRE_PURPOSE_CLIENT) == 0 &&
         tlswire_context_use_certificate(*sctx, cert) == TLSWIRE_OK &&
         tlswire_context_use_privatekey(*sctx, key) == TLSWIRE_OK &&
         X509_STORE_add_cert(tlswire_context_get_cert_store(*cctx), cert);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok ? 0 : -1;
}

int main(void) {
  tlswire_context *sctx, *cctx;
  unsigned short port;
  printf("1..3\n");
  int listener = tcp_listen(&port);
  if (listener < 0 || contexts(&sctx, &cctx) != 0) {
    printf("Bail out! setup failed\n");
    return 1;
  }
  fflush(stdout);
  pid_t child = fork();
  if (child == 0)
    _exit(serve_one(sctx, listener));
  close(listener);
  int failed = child < 0 ? 1 : client(cctx, port);
  int status = 0;
  if (child > 0 && (waitpid(child, &status, 0) != child || status != 0))
    failed = 1;
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
  return failed;
}
