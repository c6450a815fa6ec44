/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_args.c - arguments that must stop at tlswire's door instead of
 * reaching libssl: the exporter's lengths, the ALPN list's total size and
 * framing, a context of the other kind (TLS / DTLS) for set_context, the
 * two modes send's contract depends on, and a context whose callbacks could
 * not find it (context creation under a failing allocator, the OCSP client
 * trampoline failing closed).
 *
 * The program runs under the failing allocator's main (installed before
 * OpenSSL's first allocation, idle until a test arms it), so the context
 * creation test can fail each of tlswire_context_new's allocations in turn.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "conn_util.h"
#include "failmalloc.h"

static const char *message(const tlswire_conn *conn) {
  return tlswire_error_message(tlswire_conn_last_error(conn));
}

static const char *ctx_message(const tlswire_context *ctx) {
  return tlswire_error_message(tlswire_context_last_error(ctx));
}

/* --- exporter --------------------------------------------------------- */

static const char label[] = "EXPORTER-tlswire-test";

/* Exports olen bytes on both ends of p with the given label and context and
 * asserts both succeed with the same bytes. */
static void export_agrees(tw_pair *p, const char *lab, size_t label_len,
                          const void *context, size_t context_len,
                          size_t olen) {
  unsigned char *a = calloc(1, olen), *b = calloc(1, olen);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_int_eq(tlswire_conn_export_keying_material(p->client, lab,
                                                       label_len, context,
                                                       context_len, a, olen),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_export_keying_material(p->server, lab,
                                                       label_len, context,
                                                       context_len, b, olen),
                   TLSWIRE_OK);
  ck_assert_mem_eq(a, b, olen);
  free(a);
  free(b);
}

/* Asserts conn's exporter refuses with TLSWIRE_E_INVALID and a message
 * holding what. */
static void export_refused(tlswire_conn *conn, const void *lab,
                           size_t label_len, const void *context,
                           size_t context_len, void *out, size_t olen,
                           const char *what) {
  ck_assert_int_eq(tlswire_conn_export_keying_material(
                       conn, lab, label_len, context, context_len, out, olen),
                   TLSWIRE_E_INVALID);
  ck_assert_ptr_nonnull(strstr(message(conn), what));
}

/* _i: TLS 1.2, TLS 1.3. The label's bound is 249 bytes under both. */
START_TEST(export_label_bound) {
  int version = _i ? TLSWIRE_TLS1_3_VERSION : TLSWIRE_TLS1_2_VERSION;
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, version), 0);
  char lab[251];
  memset(lab, 'L', sizeof lab);
  export_agrees(&p, lab, 249, NULL, 0, 32);
  unsigned char out[32];
  export_refused(p.client, lab, 250, NULL, 0, out, sizeof out,
                 "label longer than 249");
  export_refused(p.client, lab, SIZE_MAX, NULL, 0, out, sizeof out,
                 "label longer than 249");
  tw_pair_free(&p);
}
END_TEST

/* _i: TLS 1.2, TLS 1.3. The context's bound is RFC 5705's 16-bit length.
 * TLS 1.3 takes a context of 65,535 bytes; OpenSSL 3.0's TLS 1.2 exporter
 * has a smaller limit of its own (a 1 KiB PRF seed), so there the bound
 * only has to let it through to libssl. */
START_TEST(export_context_bound) {
  int version = _i ? TLSWIRE_TLS1_3_VERSION : TLSWIRE_TLS1_2_VERSION;
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, version), 0);
  unsigned char *context = malloc(65536);
  ck_assert_ptr_nonnull(context);
  for (size_t i = 0; i < 65536; i++)
    context[i] = (unsigned char)i;
  unsigned char out[32];
  if (_i) {
    export_agrees(&p, label, strlen(label), context, 65535, 32);
  } else {
    int rc = tlswire_conn_export_keying_material(
        p.client, label, strlen(label), context, 65535, out, sizeof out);
    ck_assert(rc == TLSWIRE_OK || rc == TLSWIRE_E_SSL);
    export_agrees(&p, label, strlen(label), context, 900, 32);
  }
  export_refused(p.client, label, strlen(label), context, 65536, out,
                 sizeof out, "context longer than 65535");
  export_refused(p.client, label, strlen(label), context, SIZE_MAX, out,
                 sizeof out, "context longer than 65535");
  free(context);
  tw_pair_free(&p);
}
END_TEST

/* _i: TLS 1.2, TLS 1.3. TLS 1.2's PRF gives 65,535 bytes; TLS 1.3 stops
 * at 255 hash lengths, its own limit (TLSWIRE_E_SSL), not the argument
 * check's. One byte more is refused under both. */
START_TEST(export_output_bound) {
  int version = _i ? TLSWIRE_TLS1_3_VERSION : TLSWIRE_TLS1_2_VERSION;
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, version), 0);
  unsigned char *out = malloc(65536);
  ck_assert_ptr_nonnull(out);
  if (_i) {
    export_agrees(&p, label, strlen(label), NULL, 0, 255 * 32);
    ck_assert_int_eq(tlswire_conn_export_keying_material(
                         p.client, label, strlen(label), NULL, 0, out, 65535),
                     TLSWIRE_E_SSL);
  } else {
    export_agrees(&p, label, strlen(label), NULL, 0, 65535);
  }
  export_refused(p.client, label, strlen(label), NULL, 0, out, 65536,
                 "output longer than 65535");
  export_refused(p.client, label, strlen(label), NULL, 0, out, SIZE_MAX,
                 "output longer than 65535");
  free(out);
  tw_pair_free(&p);
}
END_TEST

/* A NULL pointer with a non-zero length is a mistake, not "none". */
START_TEST(export_null_with_length) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_connected(&p, TW_KEY_EC_P256, 0), 0);
  unsigned char out[32];
  export_refused(p.client, label, strlen(label), NULL, 5, out, sizeof out,
                 "context is NULL");
  export_refused(p.client, label, strlen(label), NULL, SIZE_MAX, out,
                 sizeof out, "context is NULL");
  export_refused(p.client, NULL, 8, NULL, 0, out, sizeof out, "NULL");
  export_refused(p.client, label, strlen(label), NULL, 0, NULL, 32, "NULL");
  /* NULL context with length 0 still means "no context". */
  export_agrees(&p, label, strlen(label), NULL, 0, 32);
  tw_pair_free(&p);
}
END_TEST

/* --- ALPN ------------------------------------------------------------- */

/* count names of 255 'a' bytes plus one of last_len 'b' bytes: a wire form
 * of count * 256 + last_len + 1 bytes. The caller frees with alpn_free. */
static const char **alpn_names(size_t count, size_t last_len) {
  const char **protos = calloc(count + 1, sizeof *protos);
  char *full = malloc(256), *last = malloc(last_len + 1);
  ck_assert(protos != NULL && full != NULL && last != NULL);
  memset(full, 'a', 255);
  full[255] = '\0';
  memset(last, 'b', last_len);
  last[last_len] = '\0';
  for (size_t i = 0; i < count; i++)
    protos[i] = full;
  protos[count] = last;
  return protos;
}

static void alpn_free(const char **protos, size_t count) {
  free((void *)protos[count]);
  free((void *)protos[0]);
  free(protos);
}

/* The same list in wire form, total bytes (framing: names of 255 bytes,
 * then the rest, at least 2 bytes). */
static unsigned char *alpn_wire_of(size_t total) {
  unsigned char *wire = malloc(total);
  ck_assert_ptr_nonnull(wire);
  size_t at = 0;
  while (total - at > 256 + 1) {
    wire[at] = 255;
    memset(wire + at + 1, 'a', 255);
    at += 256;
  }
  wire[at] = (unsigned char)(total - at - 1);
  memset(wire + at + 1, 'b', total - at - 1);
  return wire;
}

/* 255 * 256 + 255 = 65,535 bytes pass on both; 65,536 fail on both. */
START_TEST(alpn_names_total_bound) {
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  const char **fits = alpn_names(255, 254), **over = alpn_names(255, 255);
  ck_assert_int_eq(tlswire_conn_set_alpn_protos(conn, fits, 256), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_alpn_protos(ctx, fits, 256), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_alpn_protos(conn, over, 256),
                   TLSWIRE_E_INVALID);
  ck_assert_str_eq(message(conn), "ALPN protocol list longer than 65535 bytes");
  ck_assert_int_eq(tlswire_context_set_alpn_protos(ctx, over, 256),
                   TLSWIRE_E_INVALID);
  ck_assert_str_eq(ctx_message(ctx), message(conn));
  alpn_free(fits, 255);
  alpn_free(over, 255);
  tlswire_context_free(ctx);
  tlswire_conn_free(conn);
}
END_TEST

/* The wire form: 65,535 bytes pass, 65,536 do not; neither does a zero
 * length byte, a name running past the end or a trailing length byte with
 * nothing after it. */
START_TEST(alpn_wire_checked) {
  static const unsigned char zero[] = {2, 'h', '2', 0};
  static const unsigned char overrun[] = {2, 'h', '2', 9, 'x'};
  static const unsigned char trailing[] = {2, 'h', '2', 1};
  static const unsigned char *const bad[] = {zero, overrun, trailing};
  static const size_t bad_len[] = {sizeof zero, sizeof overrun,
                                   sizeof trailing};
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  unsigned char *fits = alpn_wire_of(65535), *over = alpn_wire_of(65536);
  ck_assert_int_eq(tlswire_context_set_alpn_protos_wire(ctx, fits, 65535),
                   TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_set_alpn_protos_wire(ctx, over, 65536),
                   TLSWIRE_E_INVALID);
  ck_assert_str_eq(ctx_message(ctx),
                   "ALPN protocol list longer than 65535 bytes");
  for (size_t i = 0; i < 3; i++) {
    ck_assert_int_eq(
        tlswire_context_set_alpn_protos_wire(ctx, bad[i], bad_len[i]),
        TLSWIRE_E_INVALID);
    ck_assert_ptr_nonnull(strstr(ctx_message(ctx), "malformed ALPN"));
  }
  free(fits);
  free(over);
  tlswire_context_free(ctx);
}
END_TEST

/* Context and connection give the same status and message for the same
 * bad list: one validation. */
START_TEST(alpn_same_rules_on_both) {
  static const char *const empty_name[] = {"h2", ""};
  tlswire_conn *conn = cu_fresh(TLSWIRE_TLS_METHOD);
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_alpn_protos(conn, empty_name, 2),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_alpn_protos(ctx, empty_name, 2),
                   TLSWIRE_E_INVALID);
  ck_assert_str_eq(message(conn), ctx_message(ctx));
  ck_assert_int_eq(tlswire_conn_set_alpn_protos(conn, empty_name, 0),
                   TLSWIRE_E_INVALID);
  ck_assert_int_eq(tlswire_context_set_alpn_protos(ctx, empty_name, 0),
                   TLSWIRE_E_INVALID);
  ck_assert_str_eq(message(conn), "at least one protocol must be specified");
  ck_assert_str_eq(ctx_message(ctx), message(conn));
  tlswire_context_free(ctx);
  tlswire_conn_free(conn);
}
END_TEST

/* --- set_context across TLS / DTLS -------------------------------------- */

/* _i 0: a TLS connection offered a DTLS context; 1: the reverse. Refused
 * with a message; the connection keeps its context and the offered one is
 * not frozen. A context of the same kind still switches. */
START_TEST(set_context_kind_mismatch) {
  int own = _i ? TLSWIRE_DTLS_METHOD : TLSWIRE_TLS_METHOD;
  int other = _i ? TLSWIRE_TLS_CLIENT_METHOD : TLSWIRE_DTLS_SERVER_METHOD;
  tlswire_conn *conn = cu_fresh(own);
  tlswire_context *before = tlswire_conn_get_context(conn);
  tlswire_context *wrong = NULL, *same = NULL;
  ck_assert_int_eq(tlswire_context_new(&wrong, other), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_context_new(&same, own), TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_context(conn, wrong), TLSWIRE_E_INVALID);
  ck_assert_str_eq(message(conn),
                   _i ? "a DTLS connection cannot switch to a TLS context"
                      : "a TLS connection cannot switch to a DTLS context");
  ck_assert_ptr_eq(tlswire_conn_get_context(conn), before);
  ck_assert_ptr_eq(SSL_get_SSL_CTX(tlswire_conn_get_ssl(conn)),
                   tlswire_context_get_ssl_ctx(before));
  ck_assert_int_eq(
      tlswire_context_set_options(wrong, TLSWIRE_OP_NO_TICKET, NULL),
      TLSWIRE_OK);
  ck_assert_int_eq(tlswire_conn_set_context(conn, same), TLSWIRE_OK);
  ck_assert_ptr_eq(tlswire_conn_get_context(conn), same);
  tlswire_context_free(wrong);
  tlswire_context_free(same);
  tlswire_conn_free(conn);
}
END_TEST

/* --- protected modes ---------------------------------------------------- */

static const long protected_modes =
    TLSWIRE_MODE_ENABLE_PARTIAL_WRITE | TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER;

/* _i: ENABLE_PARTIAL_WRITE, ACCEPT_MOVING_WRITE_BUFFER, both, either with
 * RELEASE_BUFFERS in the same mask. Nothing is cleared, not even
 * RELEASE_BUFFERS, and *new_mode is left alone. Clearing other modes
 * still works and leaves the protected two set. */
START_TEST(clear_mode_protected) {
  static const long masks[] = {
      TLSWIRE_MODE_ENABLE_PARTIAL_WRITE,
      TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER,
      TLSWIRE_MODE_ENABLE_PARTIAL_WRITE |
          TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER,
      TLSWIRE_MODE_RELEASE_BUFFERS | TLSWIRE_MODE_ENABLE_PARTIAL_WRITE,
      TLSWIRE_MODE_RELEASE_BUFFERS | TLSWIRE_MODE_ACCEPT_MOVING_WRITE_BUFFER,
  };
  tlswire_context *ctx = NULL;
  ck_assert_int_eq(tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD), TLSWIRE_OK);
  ck_assert_int_eq(
      tlswire_context_set_mode(ctx, TLSWIRE_MODE_RELEASE_BUFFERS, NULL),
      TLSWIRE_OK);
  SSL_CTX *ssl_ctx = tlswire_context_get_ssl_ctx(ctx);
  long before = SSL_CTX_get_mode(ssl_ctx);
  long new_mode = -7;
  ck_assert_int_eq(tlswire_context_clear_mode(ctx, masks[_i], &new_mode),
                   TLSWIRE_E_INVALID);
  ck_assert_ptr_nonnull(strstr(ctx_message(ctx), "stream-integrity"));
  ck_assert_int_eq(new_mode, -7);
  ck_assert_int_eq(SSL_CTX_get_mode(ssl_ctx), before);
  ck_assert_int_eq(before & protected_modes, protected_modes);
  ck_assert(before & TLSWIRE_MODE_RELEASE_BUFFERS);

  long others = TLSWIRE_MODE_RELEASE_BUFFERS | TLSWIRE_MODE_AUTO_RETRY;
  ck_assert_int_eq(tlswire_context_clear_mode(ctx, others, &new_mode),
                   TLSWIRE_OK);
  ck_assert_int_eq(new_mode & others, 0);
  ck_assert_int_eq(new_mode & protected_modes, protected_modes);
  ck_assert_int_eq(SSL_CTX_get_mode(ssl_ctx), new_mode);
  ck_assert_int_eq(tlswire_context_clear_mode(ctx, 0, NULL), TLSWIRE_OK);
  tlswire_context_free(ctx);
}
END_TEST

/* --- a context its callbacks cannot find --------------------------------- */

/* One context's creation; returns 1 if it was created. A context that
 * exists must be findable through its SSL_CTX's app data. */
static int context_scenario(void) {
  tlswire_context *ctx = NULL;
  int rc = tlswire_context_new(&ctx, TLSWIRE_TLS_METHOD);
  if (rc != TLSWIRE_OK) {
    ck_assert(rc == TLSWIRE_E_NOMEM || rc == TLSWIRE_E_SSL);
    ck_assert_ptr_null(ctx);
    return 0;
  }
  ck_assert_ptr_eq(SSL_CTX_get_app_data(tlswire_context_get_ssl_ctx(ctx)), ctx);
  tlswire_context_free(ctx);
  return 1;
}

START_TEST(context_new_every_allocation_fails) {
  ck_assert_int_gt(tw_failmalloc_sweep(0, 1, context_scenario), 0);
}
END_TEST

struct ocsp_probe {
  int calls;
};

static int accept_all(tlswire_conn *conn, const unsigned char *resp, size_t len,
                      void *arg) {
  (void)conn;
  (void)resp;
  (void)len;
  ((struct ocsp_probe *)arg)->calls++;
  return 1;
}

/* One handshake with an OCSP request from the client; returns
 * tw_handshake's result and the client's status in *crc. */
static int ocsp_handshake(tlswire_context *cctx, tlswire_context *sctx,
                          int *crc) {
  tw_pair p;
  ck_assert_int_eq(tw_pair_init(&p, cctx, sctx), 0);
  ck_assert_int_eq(tlswire_conn_request_ocsp(p.client), TLSWIRE_OK);
  int src = 0;
  int done = tw_handshake(p.client, p.server, crc, &src);
  tw_pair_free(&p);
  return done;
}

/* With its app data in place the client context's callback runs and
 * accepts. With the app data gone (escape hatch) the trampoline cannot find
 * the context: the status is rejected, never silently accepted. */
START_TEST(ocsp_client_trampoline_fails_closed) {
  tlswire_context *sctx = tw_server_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  tlswire_context *cctx = tw_client_ctx(TLSWIRE_TLS_METHOD, TW_KEY_EC_P256);
  ck_assert(sctx != NULL && cctx != NULL);
  struct ocsp_probe probe = {0};
  ck_assert_int_eq(
      tlswire_context_set_ocsp_client_callback(cctx, accept_all, &probe),
      TLSWIRE_OK);
  int crc = 0;
  ck_assert_int_eq(ocsp_handshake(cctx, sctx, &crc), 0);
  ck_assert_int_eq(probe.calls, 1);

  SSL_CTX_set_app_data(tlswire_context_get_ssl_ctx(cctx), NULL);
  ck_assert_int_eq(ocsp_handshake(cctx, sctx, &crc), -1);
  ck_assert_int_eq(crc, TLSWIRE_E_SSL);
  ck_assert_int_eq(probe.calls, 1);
  tlswire_context_free(sctx);
  tlswire_context_free(cctx);
}
END_TEST

static Suite *args_suite(void) {
  Suite *s = suite_create("args");
  TCase *tc = tcase_create("export");
  tcase_add_loop_test(tc, export_label_bound, 0, 2);
  tcase_add_loop_test(tc, export_context_bound, 0, 2);
  tcase_add_loop_test(tc, export_output_bound, 0, 2);
  tcase_add_test(tc, export_null_with_length);
  suite_add_tcase(s, tc);
  tc = tcase_create("alpn");
  tcase_add_test(tc, alpn_names_total_bound);
  tcase_add_test(tc, alpn_wire_checked);
  tcase_add_test(tc, alpn_same_rules_on_both);
  suite_add_tcase(s, tc);
  tc = tcase_create("set_context");
  tcase_add_loop_test(tc, set_context_kind_mismatch, 0, 2);
  suite_add_tcase(s, tc);
  tc = tcase_create("modes");
  tcase_add_loop_test(tc, clear_mode_protected, 0, 5);
  suite_add_tcase(s, tc);
  tc = tcase_create("context_lookup");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, context_new_every_allocation_fails);
  tcase_add_test(tc, ocsp_client_trampoline_fails_closed);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tw_failmalloc_main(args_suite); }
