/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CNI_ARGS: "K=V;K=V". Unknown keys are an error unless IgnoreUnknown is
 * true ("1", "true", "True"), as the reference's LoadArgs does. */
#ifndef CNI_CNIARGS_H
#define CNI_CNIARGS_H

#include <stddef.h>
#include "error.h"

struct cni_kv {
	char *key;
	char *value;
};

struct cni_args {
	struct cni_kv *kv;
	size_t n;
};

/* Parse; a pair without '=' is code 4. known = NULL-terminated list of keys
 * the caller understands ("IgnoreUnknown" and the K8S_POD_* keys runtimes
 * pass are always accepted); known = NULL accepts every key. Each ';'-field
 * must be exactly one "K=V" (so "A=1;" and "A=1=2" fail, as the reference). */
int cni_args_parse(const char *s, const char *const *known, struct cni_args *out,
		   struct cni_error *err);
/* Value for key, or NULL. */
const char *cni_args_get(const struct cni_args *a, const char *key);
void cni_args_free(struct cni_args *a);

#endif
