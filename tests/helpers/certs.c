/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/helpers/certs.c - run-time generated keys and certificates for tests.
 * See certs.h.
 */
#include "certs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define TW_DAY_SECONDS (60L * 60L * 24L)
#define TW_VALID_DAYS 3650

/* ------------------------------------------------------------------ keys */

EVP_PKEY *tw_key_new(tw_key_type type) {
  switch (type) {
  case TW_KEY_RSA2048:
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  case TW_KEY_EC_P256:
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  }
  return NULL;
}

/* ------------------------------------------------------------------ certs */

static int set_random_serial(X509 *x) {
  unsigned char buf[8];
  uint64_t v = 0;
  size_t i;

  if (RAND_bytes(buf, (int)sizeof(buf)) != 1)
    return -1;
  for (i = 0; i < sizeof(buf); i++)
    v = (v << 8) | buf[i];
  if (v == 0)
    v = 1;
  return ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), v) == 1 ? 0 : -1;
}

static int set_validity(X509 *x) {
  if (X509_gmtime_adj(X509_getm_notBefore(x), -TW_DAY_SECONDS) == NULL)
    return -1;
  if (X509_time_adj_ex(X509_getm_notAfter(x), TW_VALID_DAYS, 0, NULL) == NULL)
    return -1;
  return 0;
}

static int set_names(X509 *x, const char *cn, X509 *issuer) {
  X509_NAME *name = X509_NAME_new();
  int rc = -1;

  if (name == NULL)
    return -1;
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 (const unsigned char *)cn, -1, -1, 0) != 1)
    goto cleanup;
  if (X509_set_subject_name(x, name) != 1)
    goto cleanup;
  if (X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer)
                                             : name) != 1)
    goto cleanup;
  rc = 0;
cleanup:
  X509_NAME_free(name);
  return rc;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value) {
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
  int rc;

  if (ext == NULL)
    return -1;
  rc = X509_add_ext(x, ext, -1) == 1 ? 0 : -1;
  X509_EXTENSION_free(ext);
  return rc;
}

static int add_extensions(X509 *x, X509 *issuer, int is_ca, const char *san) {
  X509V3_CTX ctx;

  X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
  X509V3_set_ctx_nodb(&ctx);
  if (is_ca) {
    if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
        add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") != 0 ||
        add_ext(x, &ctx, NID_subject_key_identifier, "hash") != 0)
      return -1;
  } else {
    if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
        add_ext(x, &ctx, NID_key_usage,
                "critical,digitalSignature,keyEncipherment") != 0 ||
        add_ext(x, &ctx, NID_ext_key_usage, "serverAuth,clientAuth") != 0)
      return -1;
  }
  /* keyid if the issuer has an SKI, else issuer name + serial. */
  if (issuer != NULL &&
      add_ext(x, &ctx, NID_authority_key_identifier, "keyid,issuer") != 0)
    return -1;
  if (san != NULL && add_ext(x, &ctx, NID_subject_alt_name, san) != 0)
    return -1;
  return 0;
}

X509 *tw_cert_new_san(const char *cn, EVP_PKEY *key, X509 *issuer,
                      EVP_PKEY *issuer_key, int is_ca, const char *san) {
  EVP_PKEY *sign_key = issuer != NULL ? issuer_key : key;
  X509 *x = NULL;

  if (cn == NULL || key == NULL || sign_key == NULL)
    return NULL;
  if ((x = X509_new()) == NULL)
    return NULL;
  if (X509_set_version(x, X509_VERSION_3) != 1 || set_random_serial(x) != 0 ||
      set_validity(x) != 0 || set_names(x, cn, issuer) != 0 ||
      X509_set_pubkey(x, key) != 1 ||
      add_extensions(x, issuer, is_ca, san) != 0 ||
      X509_sign(x, sign_key, EVP_sha256()) <= 0)
    goto fail;
  return x;
fail:
  X509_free(x);
  return NULL;
}

X509 *tw_cert_new(const char *cn, EVP_PKEY *key, X509 *issuer,
                  EVP_PKEY *issuer_key, int is_ca, const char *dns_san) {
  static const char prefix[] = "DNS:";
  char *san = NULL;
  X509 *x;

  if (dns_san != NULL) {
    size_t n = sizeof(prefix) - 1 + strlen(dns_san) + 1;
    if ((san = malloc(n)) == NULL)
      return NULL;
    snprintf(san, n, "%s%s", prefix, dns_san);
  }
  x = tw_cert_new_san(cn, key, issuer, issuer_key, is_ca, san);
  free(san);
  return x;
}

/* ------------------------------------------------------------------ chains */

void tw_chain_free(tw_chain *c) {
  if (c == NULL)
    return;
  X509_free(c->leaf);
  X509_free(c->intermediate);
  X509_free(c->ca);
  EVP_PKEY_free(c->leaf_key);
  EVP_PKEY_free(c->int_key);
  EVP_PKEY_free(c->ca_key);
  memset(c, 0, sizeof(*c));
}

static int chain_build(tw_chain *out, tw_key_type type, const char *ca_cn,
                       const char *int_cn, const char *leaf_cn) {
  tw_chain c;

  memset(&c, 0, sizeof(c));
  if (out == NULL)
    return -1;
  memset(out, 0, sizeof(*out));
  if (leaf_cn == NULL)
    return -1;
  if ((c.ca_key = tw_key_new(type)) == NULL ||
      (c.int_key = tw_key_new(type)) == NULL ||
      (c.leaf_key = tw_key_new(type)) == NULL)
    goto fail;
  if ((c.ca = tw_cert_new(ca_cn, c.ca_key, NULL, NULL, 1, NULL)) == NULL ||
      (c.intermediate =
           tw_cert_new(int_cn, c.int_key, c.ca, c.ca_key, 1, NULL)) == NULL ||
      (c.leaf = tw_cert_new(leaf_cn, c.leaf_key, c.intermediate, c.int_key, 0,
                            leaf_cn)) == NULL)
    goto fail;
  *out = c;
  return 0;
fail:
  tw_chain_free(&c);
  return -1;
}

int tw_chain_init(tw_chain *out, tw_key_type type, const char *leaf_cn) {
  return chain_build(out, type, "tlswire test CA", "tlswire test intermediate",
                     leaf_cn);
}

/* ------------------------------------------------------------------ fixtures
 */

#define TW_KEY_TYPES 2

static tw_chain fx_server[TW_KEY_TYPES];
static tw_chain fx_client[TW_KEY_TYPES];
static int fx_server_ok[TW_KEY_TYPES];
static int fx_client_ok[TW_KEY_TYPES];
static int fx_atexit_done;

static void fixtures_free(void) {
  int i;

  for (i = 0; i < TW_KEY_TYPES; i++) {
    tw_chain_free(&fx_server[i]);
    tw_chain_free(&fx_client[i]);
    fx_server_ok[i] = fx_client_ok[i] = 0;
  }
}

/* Registered after the first OpenSSL use, so it runs before OpenSSL's own
 * atexit cleanup. */
static void fixtures_register_atexit(void) {
  if (!fx_atexit_done && atexit(fixtures_free) == 0)
    fx_atexit_done = 1;
}

static const tw_chain *fixture_get(tw_chain *slots, int *ok, tw_key_type type,
                                   const char *ca_cn, const char *int_cn,
                                   const char *leaf_cn) {
  if ((unsigned)type >= TW_KEY_TYPES)
    return NULL;
  if (!ok[type]) {
    if (chain_build(&slots[type], type, ca_cn, int_cn, leaf_cn) != 0)
      return NULL;
    ok[type] = 1;
    fixtures_register_atexit();
  }
  return &slots[type];
}

const tw_chain *tw_fixture_chain(tw_key_type type) {
  return fixture_get(fx_server, fx_server_ok, type, "tlswire test CA",
                     "tlswire test intermediate", "server.test");
}

const tw_chain *tw_fixture_client(tw_key_type type) {
  return fixture_get(fx_client, fx_client_ok, type, "tlswire test client CA",
                     "tlswire test client intermediate", "client.test");
}

/* ------------------------------------------------------------------ encoders
 */

/* Copy a memory BIO's contents into a malloc'd, NUL-terminated buffer. */
static int bio_to_buf(BIO *bio, char **out, size_t *len) {
  char *data = NULL;
  long n = BIO_get_mem_data(bio, &data);
  char *buf;

  if (n < 0 || (n > 0 && data == NULL))
    return -1;
  if ((buf = malloc((size_t)n + 1)) == NULL)
    return -1;
  if (n > 0)
    memcpy(buf, data, (size_t)n);
  buf[n] = '\0';
  *out = buf;
  *len = (size_t)n;
  return 0;
}

static int check_out(void *out, size_t *len) {
  return out == NULL || len == NULL ? -1 : 0;
}

int tw_certs_pem(X509 *const *certs, size_t n, char **out, size_t *len) {
  BIO *bio = NULL;
  size_t i;
  int rc = -1;

  if (check_out(out, len) != 0 || (certs == NULL && n > 0))
    return -1;
  if ((bio = BIO_new(BIO_s_mem())) == NULL)
    return -1;
  for (i = 0; i < n; i++)
    if (certs[i] == NULL || PEM_write_bio_X509(bio, certs[i]) != 1)
      goto cleanup;
  rc = bio_to_buf(bio, out, len);
cleanup:
  BIO_free(bio);
  return rc;
}

int tw_cert_pem(X509 *cert, char **out, size_t *len) {
  return tw_certs_pem(&cert, 1, out, len);
}

int tw_cert_der(X509 *cert, unsigned char **out, size_t *len) {
  unsigned char *buf, *p;
  int n;

  if (cert == NULL || check_out(out, len) != 0)
    return -1;
  if ((n = i2d_X509(cert, NULL)) <= 0)
    return -1;
  if ((buf = malloc((size_t)n)) == NULL)
    return -1;
  p = buf;
  if (i2d_X509(cert, &p) != n) {
    free(buf);
    return -1;
  }
  *out = buf;
  *len = (size_t)n;
  return 0;
}

int tw_key_pem(EVP_PKEY *key, const char *passphrase, char **out, size_t *len) {
  const EVP_CIPHER *enc = passphrase != NULL ? EVP_aes_256_cbc() : NULL;
  size_t plen = passphrase != NULL ? strlen(passphrase) : 0;
  BIO *bio = NULL;
  int rc = -1;

  if (key == NULL || check_out(out, len) != 0 || plen > INT32_MAX)
    return -1;
  if ((bio = BIO_new(BIO_s_mem())) == NULL)
    return -1;
  if (PEM_write_bio_PKCS8PrivateKey(bio, key, enc, passphrase, (int)plen, NULL,
                                    NULL) != 1)
    goto cleanup;
  rc = bio_to_buf(bio, out, len);
cleanup:
  BIO_free(bio);
  return rc;
}

int tw_key_der(EVP_PKEY *key, unsigned char **out, size_t *len) {
  BIO *bio = NULL;
  char *buf = NULL;
  int rc = -1;

  if (key == NULL || check_out(out, len) != 0)
    return -1;
  if ((bio = BIO_new(BIO_s_mem())) == NULL)
    return -1;
  /* No cipher: plain PKCS#8 PrivateKeyInfo. */
  if (i2d_PKCS8PrivateKey_bio(bio, key, NULL, NULL, 0, NULL, NULL) != 1)
    goto cleanup;
  if (bio_to_buf(bio, &buf, len) != 0)
    goto cleanup;
  *out = (unsigned char *)buf;
  rc = 0;
cleanup:
  BIO_free(bio);
  return rc;
}

/* ------------------------------------------------------------------ tmpdir */

static char tmpdir_path[4096];
static pid_t tmpdir_owner;

const char *tw_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  int n;

  if (tmpdir_path[0] != '\0')
    return tmpdir_path;
  if (base == NULL || base[0] == '\0')
    base = "/tmp";
  n = snprintf(tmpdir_path, sizeof(tmpdir_path), "%s/tlswire-test-XXXXXX",
               base);
  if (n < 0 || (size_t)n >= sizeof(tmpdir_path) ||
      mkdtemp(tmpdir_path) == NULL) {
    tmpdir_path[0] = '\0';
    return NULL;
  }
  tmpdir_owner = getpid();
  return tmpdir_path;
}

static int valid_name(const char *name) {
  return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
         strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static int write_all(int fd, const unsigned char *p, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, p, len);

    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

char *tw_tmpfile_write(const char *name, const void *data, size_t len) {
  const char *dir = tw_tmpdir();
  char *path;
  size_t n;
  int fd;

  if (dir == NULL || !valid_name(name) || (data == NULL && len > 0))
    return NULL;
  n = strlen(dir) + 1 + strlen(name) + 1;
  if ((path = malloc(n)) == NULL)
    return NULL;
  snprintf(path, n, "%s/%s", dir, name);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    goto fail;
  if (write_all(fd, data, len) != 0) {
    close(fd);
    goto fail;
  }
  if (close(fd) != 0)
    goto fail;
  return path;
fail:
  free(path);
  return NULL;
}

void tw_tmpdir_remove(void) {
  char path[sizeof(tmpdir_path) + 256];
  struct dirent *de;
  DIR *d;

  if (tmpdir_path[0] == '\0' || tmpdir_owner != getpid())
    return;
  if ((d = opendir(tmpdir_path)) != NULL) {
    while ((de = readdir(d)) != NULL) {
      if (!valid_name(de->d_name))
        continue;
      snprintf(path, sizeof(path), "%s/%s", tmpdir_path, de->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(tmpdir_path);
  tmpdir_path[0] = '\0';
}
