/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alpn.c - the ALPN protocol list's wire form, shared by
 * tlswire_context_set_alpn_protos(_wire) and tlswire_conn_set_alpn_protos.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "alpn.h"
#include "safety.h"

#define ALPN_EMPTY_MSG "at least one protocol must be specified"

/* The framing alone: every name 1..255 bytes, together exactly len. */
static int alpn_framing_ok(const unsigned char *wire, size_t len) {
  size_t i = 0;
  while (i < len) {
    if (wire[i] == 0 || wire[i] > len - i - 1)
      return 0;
    i += 1u + wire[i];
  }
  return 1;
}

int tlswire_alpn_wire_check(struct tlswire_error *err,
                            const unsigned char *wire, size_t len) {
  TW_GUARD_ARG(wire != NULL && len > 0, err, ALPN_EMPTY_MSG);
  TW_GUARD_ARG(len <= TLSWIRE_ALPN_MAX_WIRE, err,
               "ALPN protocol list longer than 65535 bytes");
  TW_GUARD_ARG(alpn_framing_ok(wire, len), err,
               "malformed ALPN protocol list (a zero length byte, or a name "
               "running past the end)");
  return TLSWIRE_OK;
}

/* Bytes of the wire form of protos, or 0 if a name is NULL, empty or over
 * 255 bytes. Stops counting past the limit, so the sum cannot wrap. */
static size_t alpn_names_len(const char *const *protos, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = protos[i] ? strlen(protos[i]) : 0;
    if (len == 0 || len > 255)
      return 0;
    total += 1 + len;
    if (total > TLSWIRE_ALPN_MAX_WIRE)
      return total;
  }
  return total;
}

int tlswire_alpn_wire_build(struct tlswire_error *err,
                            const char *const *protos, size_t n,
                            unsigned char **wire, size_t *len) {
  *wire = NULL;
  TW_GUARD_ARG(protos != NULL && n > 0, err, ALPN_EMPTY_MSG);
  size_t total = alpn_names_len(protos, n);
  TW_GUARD_ARG(total > 0, err,
               "a protocol name is NULL, empty or longer than 255 bytes");
  TW_GUARD_ARG(total <= TLSWIRE_ALPN_MAX_WIRE, err,
               "ALPN protocol list longer than 65535 bytes");
  unsigned char *p = OPENSSL_malloc(total);
  if (p == NULL)
    return tlswire_error_set(err, TLSWIRE_E_NOMEM, "out of memory");
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    size_t name_len = strlen(protos[i]);
    p[at] = (unsigned char)name_len;
    memcpy(p + at + 1, protos[i], name_len);
    at += 1 + name_len;
  }
  *wire = p;
  *len = total;
  return TLSWIRE_OK;
}
