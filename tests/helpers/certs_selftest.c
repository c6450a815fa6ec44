/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/helpers/certs_selftest.c - standalone check of the certs helper.
 * Build (from tests/helpers):
 *   gcc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
 *       certs.c certs_selftest.c $(pkg-config --cflags --libs openssl)
 */
#include "certs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static int failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ERR_print_errors_fp(stderr);                                             \
      failures++;                                                              \
    }                                                                          \
  } while (0)

static const char *type_name(tw_key_type t) {
  return t == TW_KEY_RSA2048 ? "RSA-2048" : "EC P-256";
}

static double now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_key(tw_key_type t) {
  EVP_PKEY *k = tw_key_new(t);
  char group[64];
  size_t glen = 0;

  CHECK(k != NULL);
  if (k == NULL)
    return;
  if (t == TW_KEY_RSA2048) {
    CHECK(EVP_PKEY_is_a(k, "RSA"));
    CHECK(EVP_PKEY_get_bits(k) == 2048);
  } else {
    CHECK(EVP_PKEY_is_a(k, "EC"));
    CHECK(EVP_PKEY_get_group_name(k, group, sizeof(group), &glen) == 1);
    CHECK(strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0);
  }
  EVP_PKEY_free(k);
}

/* 1 if leaf verifies to ca via intermediate with the given purpose. */
static int verify(X509 *ca, X509 *intermediate, X509 *leaf, int purpose) {
  X509_STORE *store = X509_STORE_new();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  STACK_OF(X509) *untrusted = sk_X509_new_null();
  int ok = 0;

  if (store == NULL || ctx == NULL || untrusted == NULL ||
      X509_STORE_add_cert(store, ca) != 1 ||
      sk_X509_push(untrusted, intermediate) <= 0 ||
      X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1 ||
      X509_STORE_CTX_set_purpose(ctx, purpose) != 1)
    goto cleanup;
  ok = X509_verify_cert(ctx) == 1;
cleanup:
  sk_X509_free(untrusted);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  ERR_clear_error();
  return ok;
}

/* Serial is positive and non-zero, at most 64 bits. */
static int serial_ok(X509 *x) {
  const ASN1_INTEGER *s = X509_get0_serialNumber(x);
  uint64_t v = 0;

  return ASN1_INTEGER_get_uint64(&v, s) == 1 && v != 0;
}

/* notBefore is ~1 day ago, notAfter ~3650 days ahead. */
static int validity_ok(X509 *x) {
  int days = 0, secs = 0;

  if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notBefore(x)) != 1 ||
      days != -1)
    return 0;
  if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)) != 1 ||
      days < 3649 || days > 3650)
    return 0;
  return 1;
}

static int leaf_has_dns(X509 *leaf, const char *dns) {
  GENERAL_NAMES *gens =
      X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
  int i, found = 0;

  for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
    const ASN1_IA5STRING *s = g->d.dNSName;

    if (g->type == GEN_DNS && (size_t)s->length == strlen(dns) &&
        memcmp(s->data, dns, strlen(dns)) == 0)
      found = 1;
  }
  GENERAL_NAMES_free(gens);
  return found && X509_check_host(leaf, dns, 0, 0, NULL) == 1;
}

static void test_chain(tw_key_type t) {
  tw_chain c;
  double t0 = now_ms(), t1;

  CHECK(tw_chain_init(&c, t, "leaf.test") == 0);
  t1 = now_ms();
  printf("# chain %s generated in %.1f ms\n", type_name(t), t1 - t0);
  CHECK(c.ca && c.intermediate && c.leaf && c.ca_key && c.int_key &&
        c.leaf_key);
  if (c.leaf == NULL)
    return;
  CHECK(verify(c.ca, c.intermediate, c.leaf, X509_PURPOSE_SSL_SERVER));
  CHECK(verify(c.ca, c.intermediate, c.leaf, X509_PURPOSE_SSL_CLIENT));
  CHECK(leaf_has_dns(c.leaf, "leaf.test"));
  CHECK(X509_check_ca(c.ca) > 0);
  CHECK(X509_check_ca(c.intermediate) > 0);
  CHECK(X509_check_ca(c.leaf) == 0);
  CHECK(X509_get_version(c.leaf) == X509_VERSION_3);
  CHECK(X509_check_private_key(c.leaf, c.leaf_key) == 1);
  CHECK(X509_get_ext_by_NID(c.leaf, NID_authority_key_identifier, -1) >= 0);
  CHECK(X509_get_ext_by_NID(c.ca, NID_authority_key_identifier, -1) < 0);
  CHECK(X509_get_ext_by_NID(c.ca, NID_subject_key_identifier, -1) >= 0);
  CHECK(X509_get_ext_by_NID(c.ca, NID_subject_alt_name, -1) < 0);
  CHECK(serial_ok(c.leaf) && serial_ok(c.ca));
  CHECK(validity_ok(c.leaf) && validity_ok(c.ca));
  CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(c.ca),
                         X509_get0_serialNumber(c.intermediate)) != 0);
  tw_chain_free(&c);
  CHECK(c.leaf == NULL && c.ca_key == NULL);
  tw_chain_free(&c);   /* idempotent */
  tw_chain_free(NULL); /* NULL-safe */
}

static void test_cert_encoding(X509 *cert) {
  char *pem = NULL;
  unsigned char *der = NULL;
  const unsigned char *p;
  size_t pem_len = 0, der_len = 0;
  BIO *bio;
  X509 *back;

  CHECK(tw_cert_pem(cert, &pem, &pem_len) == 0);
  CHECK(pem != NULL && strlen(pem) == pem_len);
  bio = BIO_new_mem_buf(pem, (int)pem_len);
  back = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
  CHECK(back != NULL && X509_cmp(back, cert) == 0);
  X509_free(back);
  BIO_free(bio);
  free(pem);

  CHECK(tw_cert_der(cert, &der, &der_len) == 0);
  p = der;
  back = d2i_X509(NULL, &p, (long)der_len);
  CHECK(back != NULL && X509_cmp(back, cert) == 0);
  CHECK(p == der + der_len);
  X509_free(back);
  free(der);
}

static void test_certs_pem(const tw_chain *c) {
  X509 *const list[2] = {c->leaf, c->intermediate};
  char *pem = NULL;
  size_t len = 0;
  BIO *bio;
  X509 *a = NULL, *b = NULL, *extra = NULL;

  CHECK(tw_certs_pem(list, 2, &pem, &len) == 0);
  bio = BIO_new_mem_buf(pem, (int)len);
  if (bio != NULL) {
    a = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    b = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    extra = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  }
  CHECK(a != NULL && X509_cmp(a, c->leaf) == 0);
  CHECK(b != NULL && X509_cmp(b, c->intermediate) == 0);
  CHECK(extra == NULL);
  ERR_clear_error();
  X509_free(a);
  X509_free(b);
  X509_free(extra);
  BIO_free(bio);
  free(pem);
}

static EVP_PKEY *parse_key_pem(const char *pem, size_t len, const char *pass) {
  BIO *bio = BIO_new_mem_buf(pem, (int)len);
  EVP_PKEY *k = NULL;

  if (bio != NULL)
    k = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)pass);
  BIO_free(bio);
  ERR_clear_error();
  return k;
}

static void test_key_encoding(EVP_PKEY *key) {
  char *pem = NULL;
  unsigned char *der = NULL;
  const unsigned char *p;
  size_t len = 0;
  EVP_PKEY *back;

  CHECK(tw_key_pem(key, NULL, &pem, &len) == 0);
  CHECK(pem != NULL && strstr(pem, "-----BEGIN PRIVATE KEY-----") == pem);
  back = parse_key_pem(pem, len, NULL);
  CHECK(back != NULL && EVP_PKEY_eq(back, key) == 1);
  EVP_PKEY_free(back);
  free(pem);

  CHECK(tw_key_pem(key, "s3cret", &pem, &len) == 0);
  CHECK(pem != NULL &&
        strstr(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----") == pem);
  back = parse_key_pem(pem, len, "s3cret");
  CHECK(back != NULL && EVP_PKEY_eq(back, key) == 1);
  EVP_PKEY_free(back);
  back = parse_key_pem(pem, len, "wrong");
  CHECK(back == NULL);
  EVP_PKEY_free(back);
  free(pem);

  CHECK(tw_key_der(key, &der, &len) == 0);
  p = der;
  back = d2i_AutoPrivateKey(NULL, &p, (long)len);
  CHECK(back != NULL && EVP_PKEY_eq(back, key) == 1);
  EVP_PKEY_free(back);
  free(der);
}

static void test_fixtures(tw_key_type t) {
  const tw_chain *s = tw_fixture_chain(t);
  const tw_chain *c = tw_fixture_client(t);

  CHECK(s != NULL && c != NULL);
  if (s == NULL || c == NULL)
    return;
  CHECK(tw_fixture_chain(t) == s);
  CHECK(tw_fixture_client(t) == c);
  CHECK(leaf_has_dns(s->leaf, "server.test"));
  CHECK(leaf_has_dns(c->leaf, "client.test"));
  CHECK(verify(s->ca, s->intermediate, s->leaf, X509_PURPOSE_SSL_SERVER));
  CHECK(verify(c->ca, c->intermediate, c->leaf, X509_PURPOSE_SSL_CLIENT));
  CHECK(!verify(s->ca, c->intermediate, c->leaf, X509_PURPOSE_SSL_CLIENT));
  CHECK(!verify(c->ca, s->intermediate, s->leaf, X509_PURPOSE_SSL_SERVER));
  CHECK(X509_cmp(s->ca, c->ca) != 0);
  test_cert_encoding(s->leaf);
  test_cert_encoding(s->ca);
  test_certs_pem(s);
  test_key_encoding(s->leaf_key);
}

static void test_failures(void) {
  tw_chain c;
  EVP_PKEY *k = tw_key_new(TW_KEY_EC_P256);
  X509 *self = tw_cert_new("x", k, NULL, NULL, 1, NULL);

  memset(&c, 0xff, sizeof(c));
  CHECK(tw_chain_init(&c, TW_KEY_EC_P256, NULL) == -1);
  CHECK(c.ca == NULL && c.leaf_key == NULL);
  CHECK(tw_chain_init(NULL, TW_KEY_EC_P256, "x") == -1);
  CHECK(tw_key_new((tw_key_type)7) == NULL);
  CHECK(tw_fixture_chain((tw_key_type)7) == NULL);
  CHECK(tw_cert_new(NULL, k, NULL, NULL, 0, NULL) == NULL);
  CHECK(tw_cert_new("x", k, self, NULL, 0, NULL) == NULL);
  CHECK(tw_certs_pem(NULL, 0, NULL, NULL) == -1);
  X509_free(self);
  EVP_PKEY_free(k);
}

static void test_tmpfiles(void) {
  static const char data[] = "hello\0world";
  const char *dir = tw_tmpdir();
  char *path, dircopy[4096], buf[64];
  struct stat st;
  size_t n;
  FILE *f;

  CHECK(dir != NULL);
  if (dir == NULL)
    return;
  CHECK(tw_tmpdir() == dir);
  snprintf(dircopy, sizeof(dircopy), "%s", dir);
  path = tw_tmpfile_write("a.bin", data, sizeof(data));
  CHECK(path != NULL && strncmp(path, dir, strlen(dir)) == 0);
  f = path != NULL ? fopen(path, "rb") : NULL;
  CHECK(f != NULL);
  if (f != NULL) {
    n = fread(buf, 1, sizeof(buf), f);
    CHECK(n == sizeof(data) && memcmp(buf, data, n) == 0);
    fclose(f);
  }
  CHECK(tw_tmpfile_write("../escape", data, 1) == NULL);
  CHECK(tw_tmpfile_write("", data, 1) == NULL);
  free(tw_tmpfile_write("empty", NULL, 0));
  tw_tmpdir_remove();
  f = path != NULL ? fopen(path, "rb") : NULL;
  CHECK(f == NULL);
  if (f != NULL)
    fclose(f);
  CHECK(stat(dircopy, &st) != 0); /* directory gone */
  tw_tmpdir_remove();             /* safe when none */
  free(path);
}

int main(void) {
  int t;

  printf("1..1\n");
  for (t = TW_KEY_RSA2048; t <= TW_KEY_EC_P256; t++) {
    test_key((tw_key_type)t);
    test_chain((tw_key_type)t);
    test_fixtures((tw_key_type)t);
  }
  test_failures();
  test_tmpfiles();
  if (failures != 0) {
    printf("not ok 1 - certs selftest: %d check(s) failed\n", failures);
    return 1;
  }
  printf("ok 1 - certs selftest: all checks passed\n");
  return 0;
}
