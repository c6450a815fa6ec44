/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dtls_link.c - bound DTLS: timers and MTU (see dtls_link.h).
 */
#include <limits.h>
#include <sys/time.h>

#include "dtls_link.h"
#include "transport.h"

int tlswire_dtls_timer_ms(const SSL *ssl) {
  struct timeval tv;
  if (!SSL_is_dtls(ssl) || DTLSv1_get_timeout((SSL *)ssl, &tv) != 1)
    return -1;
  long long ms = (long long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
  return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int recv_bound(const void *ssl) { return tlswire_dtls_timer_ms(ssl); }

void tlswire_dtls_bind(tlswire_transport *t, const SSL *ssl) {
  if (t == NULL || !SSL_is_dtls(ssl))
    return;
  t->recv_bound = recv_bound;
  t->recv_bound_arg = ssl;
}

void tlswire_dtls_apply_mtu(tlswire_transport *t, SSL *ssl) {
  if (t == NULL || (SSL_get_options(ssl) & SSL_OP_NO_QUERY_MTU))
    return;
  size_t mtu = tlswire_transport_mtu(t);
  /* A value below libssl's minimum is refused and leaves its default. */
  if (mtu > 0 && mtu <= LONG_MAX && SSL_set_mtu(ssl, (long)mtu) > 0)
    SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
}
