/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CNI_ARGS "K=V;K=V", checked as the reference's types.LoadArgs. */
#define _GNU_SOURCE
#include "cniargs.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

void cni_args_free(struct cni_args *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->kv[i].key);
		free(a->kv[i].value);
	}
	free(a->kv);
	a->kv = NULL;
	a->n = 0;
}

const char *cni_args_get(const struct cni_args *a, const char *key)
{
	/* The last one wins, as repeated assignments do in the reference. */
	for (size_t i = a->n; i > 0; i--)
		if (strcmp(a->kv[i - 1].key, key) == 0)
			return a->kv[i - 1].value;
	return NULL;
}

/* UnmarshallableBool: "1"/"true"/"True" and "0"/"false"/"False". */
static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "True"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "False"))
		*out = false;
	else
		return -1;
	return 0;
}

static bool is_known(const char *key, const char *const *known)
{
	if (!known)
		return true;
	if (strcmp(key, "IgnoreUnknown") == 0 || strncmp(key, "K8S_POD_", 8) == 0)
		return true;
	for (; *known; known++)
		if (strcmp(key, *known) == 0)
			return true;
	return false;
}

int cni_args_parse(const char *s, const char *const *known, struct cni_args *out,
		   struct cni_error *err)
{
	cleanup_free char *copy = NULL;
	struct cni_args a = {0};
	cleanup_free char *unknown = NULL;
	size_t n = 1, unknown_len = 0;
	bool ignore_unknown = false;
	char *p;

	out->kv = NULL;
	out->n = 0;
	if (!s || !*s)
		return 0;
	if (!(copy = strdup(s)))
		return cni_error_oom(err);
	for (p = copy; *p; p++)
		n += *p == ';';
	if (!(a.kv = calloc(n, sizeof(*a.kv))))
		return cni_error_oom(err);

	/* Split on ';' keeping empty fields: each must be exactly "K=V". */
	p = copy;
	for (size_t i = 0; i < n; i++) {
		char *semi = strchr(p, ';'), *eq;
		if (semi)
			*semi = '\0';
		eq = strchr(p, '=');
		if (!eq || strchr(eq + 1, '=')) {
			cni_error_set(err, CNI_ERR_INVALID_ENV, "ARGS: invalid pair \"%s\"", p);
			goto fail;
		}
		*eq = '\0';
		a.kv[a.n].key = strdup(p);
		a.kv[a.n].value = strdup(eq + 1);
		if (!a.kv[a.n].key || !a.kv[a.n].value) {
			a.n++;
			cni_error_oom(err);
			goto fail;
		}
		a.n++;
		p = semi ? semi + 1 : p + strlen(p);
	}

	if (cni_args_get(&a, "IgnoreUnknown") &&
	    parse_bool(cni_args_get(&a, "IgnoreUnknown"), &ignore_unknown) < 0) {
		cni_error_set(err, CNI_ERR_INVALID_ENV,
			      "ARGS: error parsing value of pair \"IgnoreUnknown=%s\"",
			      cni_args_get(&a, "IgnoreUnknown"));
		goto fail;
	}
	if (!ignore_unknown) {
		/* Name all unknown pairs at once, as the reference does. */
		for (size_t i = 0; i < a.n; i++) {
			size_t add;
			char *nu;
			if (is_known(a.kv[i].key, known))
				continue;
			add = strlen(a.kv[i].key) + strlen(a.kv[i].value) + 4;
			nu = realloc(unknown, unknown_len + add + 1);
			if (!nu) {
				cni_error_oom(err);
				goto fail;
			}
			unknown = nu;
			unknown_len +=
			    (size_t)sprintf(unknown + unknown_len, "%s\"%s=%s\"",
					    unknown_len ? " " : "", a.kv[i].key, a.kv[i].value);
		}
		if (unknown) {
			cni_error_set(err, CNI_ERR_INVALID_ENV, "ARGS: unknown args [%s]", unknown);
			goto fail;
		}
	}
	*out = a;
	return 0;
fail:
	cni_args_free(&a);
	return -1;
}
