/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tools/certgen.c - throw-away EC P-256 certificates made in memory, so
 * `tlswire demo` needs no file and nothing that can expire on disk.
 */
#include "tool.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define TW_HOUR_SECONDS (60L * 60L)
#define TW_DAY_SECONDS (24L * TW_HOUR_SECONDS)

static int set_serial(X509 *x) {
  unsigned char buf[8];
  uint64_t v = 0;

  if (RAND_bytes(buf, (int)sizeof buf) != 1)
    return -1;
  for (size_t i = 0; i < sizeof buf; i++)
    v = (v << 8) | buf[i];
  /* Positive and non-zero, as RFC 5280 asks. */
  v = (v >> 1) | 1;
  return ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), v) == 1 ? 0 : -1;
}

static int set_subject(X509 *x, const char *cn) {
  X509_NAME *name = X509_get_subject_name(x);
  return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    (const unsigned char *)cn, -1, -1, 0) == 1
             ? 0
             : -1;
}

/* Adds one extension given in openssl.cnf syntax; issuer may equal x. */
static int add_ext(X509 *x, X509 *issuer, int nid, const char *value) {
  X509V3_CTX v3;
  X509_EXTENSION *ext;
  int ok;

  X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
  if (ext == NULL)
    return -1;
  ok = X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1 ? 0 : -1;
}

/* A certificate for key, named cn, not yet signed; issuer NULL: self. */
static X509 *cert_new(EVP_PKEY *key, const char *cn, X509 *issuer) {
  X509 *x = X509_new();

  if (x == NULL)
    return NULL;
  if (X509_set_version(x, X509_VERSION_3) != 1 || set_serial(x) != 0 ||
      X509_gmtime_adj(X509_getm_notBefore(x), -TW_HOUR_SECONDS) == NULL ||
      X509_gmtime_adj(X509_getm_notAfter(x), TW_DAY_SECONDS) == NULL ||
      set_subject(x, cn) != 0 || X509_set_pubkey(x, key) != 1)
    goto fail;
  if (X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)) != 1)
    goto fail;
  return x;
fail:
  X509_free(x);
  return NULL;
}

static X509 *make_ca(EVP_PKEY *key, const char *cn) {
  X509 *x = cert_new(key, cn, NULL);

  if (x == NULL)
    return NULL;
  if (add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
      add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") != 0 ||
      add_ext(x, x, NID_subject_key_identifier, "hash") != 0 ||
      X509_sign(x, key, EVP_sha256()) <= 0) {
    X509_free(x);
    return NULL;
  }
  return x;
}

static X509 *make_leaf(EVP_PKEY *key, const char *host, X509 *ca,
                       EVP_PKEY *ca_key) {
  char san[512];
  X509 *x = cert_new(key, host, ca);

  if (x == NULL)
    return NULL;
  snprintf(san, sizeof san, "DNS:%s,IP:127.0.0.1,IP:::1", host);
  if (add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
      add_ext(x, ca, NID_key_usage, "critical,digitalSignature") != 0 ||
      add_ext(x, ca, NID_ext_key_usage, "serverAuth,clientAuth") != 0 ||
      add_ext(x, ca, NID_subject_alt_name, san) != 0 ||
      add_ext(x, ca, NID_authority_key_identifier, "keyid") != 0 ||
      X509_sign(x, ca_key, EVP_sha256()) <= 0) {
    X509_free(x);
    return NULL;
  }
  return x;
}

int tw_certs_make(tw_certs *certs, const char *ca_cn, const char *host) {
  memset(certs, 0, sizeof *certs);
  certs->ca_key = EVP_EC_gen("P-256");
  if (certs->ca_key == NULL)
    goto fail;
  certs->ca = make_ca(certs->ca_key, ca_cn);
  if (certs->ca == NULL)
    goto fail;
  certs->leaf_key = EVP_EC_gen("P-256");
  if (certs->leaf_key == NULL)
    goto fail;
  certs->leaf = make_leaf(certs->leaf_key, host, certs->ca, certs->ca_key);
  if (certs->leaf == NULL)
    goto fail;
  return 0;
fail:
  tw_certs_free(certs);
  return -1;
}

void tw_certs_free(tw_certs *certs) {
  X509_free(certs->leaf);
  EVP_PKEY_free(certs->leaf_key);
  X509_free(certs->ca);
  EVP_PKEY_free(certs->ca_key);
  memset(certs, 0, sizeof *certs);
}
