/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.c - the status table and the per-object error records.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <tlswire/context.h>

#include "error.h"

struct status_row {
  int code;
  const char *name;
  const char *message;
};

static const struct status_row status_table[] = {
#define TW_STATUS_ROW_(name, value, message) {value, "TLSWIRE_" #name, message},
    TLSWIRE_STATUS_MAP(TW_STATUS_ROW_)
#undef TW_STATUS_ROW_
};

static const struct status_row *status_find(int code) {
  size_t n = sizeof status_table / sizeof status_table[0];
  for (size_t i = 0; i < n; i++)
    if (status_table[i].code == code)
      return &status_table[i];
  return NULL;
}

/* Non-negative results are not statuses of the table but are returned by
 * the same functions: 1 is "done" (shutdown's both close_notify alerts, a
 * true answer), larger values are counts. */
static const struct status_row done_row = {1, "TLSWIRE_DONE", "done"};
static const struct status_row positive_row = {
    2, "TLSWIRE_POSITIVE", "positive result (a count or value, not an error)"};

static const struct status_row *status_or_result(int code) {
  if (code == 1)
    return &done_row;
  if (code > 1)
    return &positive_row;
  return status_find(code);
}

const char *tlswire_strerror(int code) {
  const struct status_row *row = status_or_result(code);
  return row ? row->message : "unknown tlswire status";
}

const char *tlswire_status_name(int code) {
  const struct status_row *row = status_or_result(code);
  return row ? row->name : "TLSWIRE_E_UNKNOWN";
}

static const char *nonnull(const char *s) { return s ? s : ""; }

void tlswire_error_clear_queue(void) {
  if (ERR_peek_error() != 0)
    ERR_clear_error();
}

/* The record's message buffer, allocating the detail on first use; NULL
 * when that fails (the status is recorded all the same). */
static char *record_text(struct tlswire_error *rec) {
  if (rec->detail == NULL)
    rec->detail = OPENSSL_malloc(sizeof *rec->detail);
  return rec->detail ? rec->detail->message : NULL;
}

static void record_reset(struct tlswire_error *rec, int code) {
  rec->code = code;
  rec->sys_errno = 0;
  rec->callback_value = 0;
  rec->count = 0;
  char *text = record_text(rec);
  if (text != NULL)
    text[0] = '\0';
}

/* Formats the record's message, if it has room for one. */
static void record_printf(struct tlswire_error *rec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void record_printf(struct tlswire_error *rec, const char *fmt, ...) {
  if (rec->detail == NULL)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rec->detail->message, sizeof rec->detail->message, fmt, ap);
  va_end(ap);
}

void tlswire_error_release(struct tlswire_error *rec) {
  if (rec == NULL)
    return;
  OPENSSL_free(rec->detail);
  rec->detail = NULL;
}

void tlswire_error_copy(struct tlswire_error *dst,
                        const struct tlswire_error *src) {
  record_reset(dst, src->code);
  dst->sys_errno = src->sys_errno;
  dst->callback_value = src->callback_value;
  if (dst->detail == NULL || src->detail == NULL)
    return; /* no room, or nothing to copy: the status alone */
  *dst->detail = *src->detail;
  dst->count = src->count;
}

/* The queue is emptied after the record is reset, so that a failure to
 * allocate its detail leaves nothing behind either. */
int tlswire_error_set(struct tlswire_error *rec, int code, const char *msg) {
  if (rec != NULL)
    record_reset(rec, code);
  tlswire_error_clear_queue();
  if (rec == NULL)
    return code;
  record_printf(rec, "%s", nonnull(msg));
  return code;
}

int tlswire_error_want(struct tlswire_error *rec, int code) {
  (void)rec; /* flow control, not a failure: the record keeps the last one */
  tlswire_error_clear_queue();
  return code;
}

/* Copies one queue entry; later entries beyond the cap (or all of them,
 * without a detail) are dropped. */
static void record_entry(struct tlswire_error *rec, unsigned long packed,
                         const char *func) {
  if (rec->detail == NULL || rec->count == TLSWIRE_ERROR_MAX_ENTRIES)
    return;
  struct tlswire_error_entry *e = &rec->detail->entries[rec->count++];
  e->code = packed;
  e->lib = nonnull(ERR_lib_error_string(packed));
  e->func = nonnull(func);
  e->reason = nonnull(ERR_reason_error_string(packed));
}

/* The message names the first entry, as the most specific cause. */
static void record_message(struct tlswire_error *rec) {
  if (rec->count == 0) {
    record_printf(rec, "%s", tlswire_strerror(rec->code));
    return;
  }
  const struct tlswire_error_entry *e = &rec->detail->entries[0];
  record_printf(rec, "%s: %s", e->lib,
                e->reason[0] ? e->reason : "unknown reason");
}

int tlswire_error_from_queue(struct tlswire_error *rec, int code) {
  if (rec == NULL) {
    tlswire_error_clear_queue();
    return code;
  }
  record_reset(rec, code);
  unsigned long packed;
  const char *func = NULL;
  while ((packed = ERR_get_error_all(NULL, NULL, &func, NULL, NULL)) != 0)
    record_entry(rec, packed, func);
  record_message(rec);
  return code;
}

int tlswire_error_syscall(struct tlswire_error *rec, int sys_errno) {
  record_reset(rec, TLSWIRE_E_SYSCALL);
  tlswire_error_clear_queue();
  rec->sys_errno = sys_errno;
  if (sys_errno == -1)
    record_printf(rec, "Unexpected EOF");
  else
    record_printf(rec, "%s", strerror(sys_errno));
  return TLSWIRE_E_SYSCALL;
}

int tlswire_error_callback(struct tlswire_error *rec, int value,
                           const char *what) {
  record_reset(rec, TLSWIRE_E_CALLBACK);
  tlswire_error_clear_queue();
  rec->callback_value = value;
  record_printf(rec, "%s callback failed with %d", nonnull(what), value);
  return TLSWIRE_E_CALLBACK;
}

/* --- the per-thread record -------------------------------------------------
 */

/* Zero-initialized in every thread: code TLSWIRE_OK, message "". Its
 * detail is thread-local storage too (nothing to free at thread exit). */
static _Thread_local struct tlswire_error thread_record;
static _Thread_local struct tlswire_error_detail thread_detail;

struct tlswire_error *tlswire_error_thread(void) {
  thread_record.detail = &thread_detail;
  return &thread_record;
}

const tlswire_error *tlswire_thread_last_error(void) { return &thread_record; }

/* --- public accessors ---------------------------------------------------- */

int tlswire_error_code(const tlswire_error *err) {
  return err ? err->code : TLSWIRE_E_INVALID;
}

int tlswire_error_errno(const tlswire_error *err) {
  return err ? err->sys_errno : 0;
}

int tlswire_error_callback_value(const tlswire_error *err) {
  return err ? err->callback_value : 0;
}

const char *tlswire_error_message(const tlswire_error *err) {
  if (err == NULL)
    return "";
  const char *text = err->detail ? err->detail->message : "";
  if (text[0] == '\0' && err->code != TLSWIRE_OK)
    return tlswire_strerror(err->code);
  return text;
}

size_t tlswire_error_count(const tlswire_error *err) {
  return err ? err->count : 0;
}

static void set_out(const char **out, const char *value) {
  if (out != NULL)
    *out = value;
}

unsigned long tlswire_error_entry(const tlswire_error *err, size_t i,
                                  const char **lib, const char **func,
                                  const char **reason) {
  const struct tlswire_error_entry *e =
      (err != NULL && err->detail != NULL && i < err->count)
          ? &err->detail->entries[i]
          : NULL;
  set_out(lib, e ? e->lib : "");
  set_out(func, e ? e->func : "");
  set_out(reason, e ? e->reason : "");
  return e ? e->code : 0;
}
