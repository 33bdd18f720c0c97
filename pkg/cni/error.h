/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One error type for the whole project, and one return convention: a
 * function returns 0 (or a count) on success and a negative errno-style
 * value on failure with its `struct cni_error *err` filled; a positive
 * value is used only where "absent" is a normal answer, and the function's
 * comment names it. The plugin's main prints the error once, as the CNI
 * error object, on stdout. Nothing in pkg/ calls exit().
 */
#ifndef CNI_ERROR_H
#define CNI_ERROR_H

#include <stdarg.h>

/* Codes from the CNI spec (SPEC.md, "Error"), then our own (100+). */
enum cni_code {
	CNI_OK = 0,
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_NOT_AVAILABLE = 50,
	CNI_ERR_LIMITED_CONNECTIVITY = 51,
	/* ours */
	CNI_ERR_SYSTEM = 100,	/* a syscall failed (details: strerror) */
	CNI_ERR_NETLINK = 101,	/* rtnetlink request refused by the kernel */
	CNI_ERR_NFTABLES = 102, /* nftables batch refused by the kernel */
	CNI_ERR_IPAM = 103,	/* IPAM allocation failed (exhausted, taken...) */
	CNI_ERR_DELEGATE = 104, /* a delegated plugin could not be run or answered garbage */
	CNI_ERR_CHECK = 105,	/* CHECK found state different from prevResult */
	CNI_ERR_INTERNAL = 999,
};

struct cni_error {
	int code;
	char *msg;
	char *details;
};

#define CNI_ERROR_INIT                                                                             \
	{                                                                                          \
		0, NULL, NULL                                                                      \
	}

/* Set (or replace) the error; always returns -1 so callers can
 * `return cni_error_set(err, ...)`. err may be NULL. */
int cni_error_set(struct cni_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, with details = strerror(errnum). */
int cni_error_set_errno(struct cni_error *err, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* CNI_ERR_SYSTEM "out of memory" (details: ENOMEM's text). Returns -1. */
int cni_error_oom(struct cni_error *err);

/* Set details (replacing any) on an error already set. */
void cni_error_set_details(struct cni_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix the message with context: "ctx: old message". Returns -1. */
int cni_error_wrap(struct cni_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void cni_error_clear(struct cni_error *err);

static inline int cni_error_is_set(const struct cni_error *err)
{
	return err && err->code != 0;
}

/* Move src into dst (dst cleared first); src becomes empty. */
void cni_error_move(struct cni_error *dst, struct cni_error *src);

#define cleanup_error __attribute__((cleanup(cni_error_clear)))

#endif
