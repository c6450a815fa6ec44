/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.h - the error record kept by every context and connection.
 */
#ifndef TLSWIRE_SRC_ERROR_H
#define TLSWIRE_SRC_ERROR_H

#include <tlswire/status.h>

struct tlswire_error_entry {
  unsigned long code;
  const char *lib;
  const char *func;
  const char *reason;
};

#define TLSWIRE_ERROR_MESSAGE_MAX 256

/* The bulky part of a record (about 800 bytes): allocated by the first
 * failure that is recorded, so an object that never fails never pays it. */
struct tlswire_error_detail {
  struct tlswire_error_entry entries[TLSWIRE_ERROR_MAX_ENTRIES];
  char message[TLSWIRE_ERROR_MESSAGE_MAX];
};

/* A record: code, errno and callback value always (a zeroed record is a
 * valid empty one); entries and message only once detail exists. When the
 * detail cannot be allocated, the status is still recorded, without
 * entries, and the message falls back to tlswire_strerror(code). */
struct tlswire_error {
  int code;
  int sys_errno;
  int callback_value;
  size_t count;
  struct tlswire_error_detail *detail; /* NULL until the first failure */
};

/* Frees the detail of a record its owner is about to free (not the
 * thread's record, whose detail is static). NULL-safe. */
void tlswire_error_release(struct tlswire_error *rec);

/* Makes dst a copy of src's failure in dst's own detail (never sharing
 * src's: records free their detail, and the thread's is static). Without
 * room for a detail, dst keeps the status and errno only. */
void tlswire_error_copy(struct tlswire_error *dst,
                        const struct tlswire_error *src);

/* Records a failure with a fixed message; drops any queued OpenSSL errors.
 * Returns code, so callers can `return tlswire_error_set(...)`. */
int tlswire_error_set(struct tlswire_error *rec, int code, const char *msg);

/* Records code with the whole OpenSSL queue (drained). Returns code. */
int tlswire_error_from_queue(struct tlswire_error *rec, int code);

/* Records a TLSWIRE_E_SYSCALL failure with its errno (-1: unexpected EOF);
 * drains the queue. Returns TLSWIRE_E_SYSCALL. */
int tlswire_error_syscall(struct tlswire_error *rec, int sys_errno);

/* Records a TLSWIRE_E_CALLBACK failure with the callback's value. */
int tlswire_error_callback(struct tlswire_error *rec, int value,
                           const char *what);

/* A would-block status (WANT_READ / WANT_WRITE / WANT_X509_LOOKUP) is flow
 * control, not a failure: the record keeps the last real failure. Only the
 * queue is emptied. Returns code. */
int tlswire_error_want(struct tlswire_error *rec, int code);

/* The calling thread's own record: where the calls allowed on a shared
 * (frozen) context record their failures, so that no thread writes to an
 * object other threads read. Never NULL. */
struct tlswire_error *tlswire_error_thread(void);

/* Empties the thread's OpenSSL queue if anything is on it. */
void tlswire_error_clear_queue(void);

#endif /* TLSWIRE_SRC_ERROR_H */
