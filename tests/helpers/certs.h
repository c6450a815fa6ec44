/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/helpers/certs.h - run-time generated keys and certificates for tests.
 *
 * Everything is produced through the OpenSSL 3.0 API at run time: no files
 * are shipped, nothing expires, nothing is fetched.  Intended for Check-based
 * unit tests; none of it is thread-safe.
 */
#ifndef TLSWIRE_TESTS_HELPERS_CERTS_H
#define TLSWIRE_TESTS_HELPERS_CERTS_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

typedef enum { TW_KEY_RSA2048 = 0, TW_KEY_EC_P256 = 1 } tw_key_type;

/* New private key of the given type, or NULL. Caller frees with EVP_PKEY_free.
 */
EVP_PKEY *tw_key_new(tw_key_type type);

/*
 * New X509 v3 certificate for subject key `key` with subject CN `cn`.
 * issuer == NULL: self-signed (signed by `key`; issuer_key is ignored).
 * Otherwise signed by issuer_key, issuer name taken from issuer's subject,
 * plus an authorityKeyIdentifier.
 * is_ca: basicConstraints critical CA:TRUE, keyUsage keyCertSign,cRLSign and
 * subjectKeyIdentifier; otherwise CA:FALSE, keyUsage digitalSignature,
 * keyEncipherment, extendedKeyUsage serverAuth,clientAuth.
 * dns_san != NULL: subjectAltName DNS:<dns_san>.
 * Valid from now - 1 day to now + 3650 days, random positive 64-bit serial,
 * SHA-256 signature. Returns NULL on failure. Caller frees with X509_free.
 */
X509 *tw_cert_new(const char *cn, EVP_PKEY *key, X509 *issuer,
                  EVP_PKEY *issuer_key, int is_ca, const char *dns_san);

/*
 * As tw_cert_new, with san the whole subjectAltName value in OpenSSL's
 * configuration syntax, e.g. "DNS:a.test,IP:127.0.0.1,IP:::1" (NULL: no
 * subjectAltName). NULL on failure, also for a malformed san.
 */
X509 *tw_cert_new_san(const char *cn, EVP_PKEY *key, X509 *issuer,
                      EVP_PKEY *issuer_key, int is_ca, const char *san);

/* A CA -> intermediate -> leaf chain whose keys are all of one type. */
typedef struct tw_chain {
  EVP_PKEY *ca_key, *int_key, *leaf_key;
  X509 *ca, *intermediate, *leaf;
} tw_chain;

/*
 * Build a chain: CNs "tlswire test CA", "tlswire test intermediate" and
 * leaf_cn; the leaf carries subjectAltName DNS:leaf_cn.
 * Returns 0 on success, -1 on failure (then *out is left zeroed).
 */
int tw_chain_init(tw_chain *out, tw_key_type type, const char *leaf_cn);

/* Free every member of *c and zero it. NULL-safe. */
void tw_chain_free(tw_chain *c);

/*
 * Process-wide cached fixtures, built lazily and kept until exit (an atexit
 * handler frees them).  Call them once in main() before Check forks so each
 * forked test inherits them.  Never free the results.  NULL on failure.
 *
 * tw_fixture_chain(type): chain for leaf "server.test".
 * tw_fixture_client(type): chain for leaf "client.test" under a different CA
 *   (own keys, CNs "tlswire test client CA" / "tlswire test client
 *   intermediate", so CA names can be told apart in CA lists and logs).
 */
const tw_chain *tw_fixture_chain(tw_key_type type);
const tw_chain *tw_fixture_client(tw_key_type type);

/* Encoders into malloc'd buffers (caller frees with free()). 0 ok, -1 failure.
 */

/* Certificate as PEM text; NUL-terminated, *len excludes the NUL. */
int tw_cert_pem(X509 *cert, char **out, size_t *len);

/* Certificate as DER. */
int tw_cert_der(X509 *cert, unsigned char **out, size_t *len);

/*
 * Private key as PKCS#8 PEM ("PRIVATE KEY"); with passphrase != NULL,
 * encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY") with AES-256-CBC.
 * NUL-terminated, *len excludes the NUL.
 */
int tw_key_pem(EVP_PKEY *key, const char *passphrase, char **out, size_t *len);

/* Private key as unencrypted PKCS#8 DER. */
int tw_key_der(EVP_PKEY *key, unsigned char **out, size_t *len);

/*
 * PEM of n certificates concatenated in the given order (e.g. leaf,
 * intermediate). NUL-terminated, *len excludes the NUL.
 */
int tw_certs_pem(X509 *const *certs, size_t n, char **out, size_t *len);

/*
 * Temporary directory, created once per process with mkdtemp under $TMPDIR
 * (or /tmp). Returns its path, or NULL on failure. If called before Check
 * forks, the children share the parent's directory.
 */
const char *tw_tmpdir(void);

/*
 * Write len bytes of data to file `name` (a plain file name, no '/') in
 * tw_tmpdir(), mode 0600. Returns a malloc'd full path (caller frees) or NULL.
 */
char *tw_tmpfile_write(const char *name, const void *data, size_t len);

/*
 * Remove the temporary directory and the files in it. Safe to call when none
 * was made. Only the process that created the directory removes it, so a
 * forked child calling this does not delete its parent's directory.
 */
void tw_tmpdir_remove(void);

#endif /* TLSWIRE_TESTS_HELPERS_CERTS_H */
