/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "error.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

void cni_error_clear(struct cni_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err->details);
	err->msg = NULL;
	err->details = NULL;
	err->code = 0;
}

int cni_error_set(struct cni_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return -1;
	cni_error_clear(err);
	va_start(ap, fmt);
	err->msg = vformat(fmt, ap);
	va_end(ap);
	err->code = code ? code : CNI_ERR_INTERNAL;
	return -1;
}

int cni_error_set_errno(struct cni_error *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return -1;
	cni_error_clear(err);
	va_start(ap, fmt);
	err->msg = vformat(fmt, ap);
	va_end(ap);
	err->details = strdup(strerror(errnum));
	err->code = code ? code : CNI_ERR_INTERNAL;
	return -1;
}

void cni_error_set_details(struct cni_error *err, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return;
	free(err->details);
	va_start(ap, fmt);
	err->details = vformat(fmt, ap);
	va_end(ap);
}

int cni_error_wrap(struct cni_error *err, const char *fmt, ...)
{
	va_list ap;
	char *ctx, *joined = NULL;
	if (!err)
		return -1;
	va_start(ap, fmt);
	ctx = vformat(fmt, ap);
	va_end(ap);
	if (ctx && asprintf(&joined, "%s: %s", ctx, err->msg ? err->msg : "") >= 0) {
		free(err->msg);
		err->msg = joined;
	}
	free(ctx);
	if (!err->code)
		err->code = CNI_ERR_INTERNAL;
	return -1;
}

void cni_error_move(struct cni_error *dst, struct cni_error *src)
{
	cni_error_clear(dst);
	*dst = *src;
	src->code = 0;
	src->msg = NULL;
	src->details = NULL;
}

int cni_error_oom(struct cni_error *err)
{
	return cni_error_set_errno(err, CNI_ERR_SYSTEM, ENOMEM, "out of memory");
}
