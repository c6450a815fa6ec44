/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdutil.h - descriptor helpers shared by the socket and fd transports.
 *
 * Part of the transports, not of the core: like the transports it uses only
 * the public header and the system's.
 */
#ifndef TLSWIRE_TRANSPORTS_FDUTIL_H
#define TLSWIRE_TRANSPORTS_FDUTIL_H

/* SOCK_STREAM, SOCK_DGRAM ... for a socket; -1 for any other descriptor. */
int tlswire_fd_socket_type(int fd);

/*
 * ops->wait over descriptors: polls rfd for TLSWIRE_WAIT_READ and wfd for
 * TLSWIRE_WAIT_WRITE (a negative descriptor is not polled) until one is
 * ready or timeout_ms (>= 0; negative: no limit) passed, EINTR retried with
 * the time left. A descriptor set to O_NONBLOCK needs no wait: when every
 * polled one is, TLSWIRE_OK at once. Returns TLSWIRE_OK (ready, or an error
 * or hang-up the next call reports), TLSWIRE_E_WANT_READ (READ asked) or
 * TLSWIRE_E_WANT_WRITE on timeout, TLSWIRE_E_SYSCALL with errno.
 */
int tlswire_fd_wait(int rfd, int wfd, unsigned events, int timeout_ms);

#endif /* TLSWIRE_TRANSPORTS_FDUTIL_H */
