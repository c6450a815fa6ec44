/* SPDX-License-Identifier: Apache-2.0 */
/*
 * noposix.c - the socket and fd constructors in a build configured with
 * --disable-posix-transports: they exist (so programs link and can fall
 * back) but return TLSWIRE_E_UNSUPPORTED. The connection's socket methods
 * are not declared in such a build.
 */
#include <tlswire/tlswire.h>

int tlswire_transport_socket_new(tlswire_transport **out, int fd,
                                 unsigned flags) {
  if (out != NULL)
    *out = NULL;
  return TLSWIRE_E_UNSUPPORTED;
}

int tlswire_transport_fd_new(tlswire_transport **out, int rfd, int wfd,
                             unsigned flags) {
  if (out != NULL)
    *out = NULL;
  return TLSWIRE_E_UNSUPPORTED;
}
