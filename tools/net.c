/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/net.c - name resolution and the listening socket for the client and
 * server subcommands, and the poll() wait that answers a TLSWIRE_E_WANT_*
 * status. (The client connects in client.c, through tlswire_conn_connect.)
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TW_LISTEN_BACKLOG SOMAXCONN

struct addrinfo *tw_net_resolve(const char *host, const char *port) {
  struct addrinfo hints = {0}, *res;
  int err;

  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  err = getaddrinfo(host, port, &hints, &res);
  if (err != 0) {
    tw_err(TW_EXIT_PEER, "cannot resolve %s port %s: %s", host, port,
           gai_strerror(err));
    return NULL;
  }
  return res;
}

int tw_net_listen(const char *addr, const char *port) {
  struct addrinfo hints = {0}, *res;
  int fd, on = 1, err;

  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  err = getaddrinfo(addr, port, &hints, &res);
  if (err != 0) {
    tw_err(TW_EXIT_SETUP, "cannot use address %s port %s: %s", addr, port,
           gai_strerror(err));
    return -1;
  }
  fd =
      socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
      bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
      listen(fd, TW_LISTEN_BACKLOG) != 0) {
    tw_err(TW_EXIT_SETUP, "cannot listen on %s port %s: %s", addr, port,
           strerror(errno));
    if (fd >= 0)
      close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

static void format_addr(const struct sockaddr *sa, socklen_t len, char *buf,
                        size_t size) {
  char host[NI_MAXHOST], serv[NI_MAXSERV];

  if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    snprintf(buf, size, "?");
    return;
  }
  snprintf(buf, size, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
           serv);
}

void tw_net_local_name(int fd, char *buf, size_t size) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
    snprintf(buf, size, "?");
  else
    format_addr((struct sockaddr *)&ss, len, buf, size);
}

void tw_net_peer_name(int fd, char *buf, size_t size) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
    snprintf(buf, size, "?");
  else
    format_addr((struct sockaddr *)&ss, len, buf, size);
}

int tw_net_nonblock(int fd) {
  int flags = fcntl(fd, F_GETFL);

  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    return -1;
  return 0;
}

int tw_net_wait(int fd, int want, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int n;

  if (want == TLSWIRE_E_WANT_WRITE)
    p.events = POLLOUT;
  do
    n = poll(&p, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  return n;
}
