/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "dns" object of configs and results: nameservers, domain, search, options. */
#define _GNU_SOURCE
#include "result.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strv.h"

void cni_dns_clear(struct cni_dns *dns)
{
	strv_free(dns->nameservers, dns->n_nameservers);
	strv_free(dns->search, dns->n_search);
	strv_free(dns->options, dns->n_options);
	free(dns->domain);
	memset(dns, 0, sizeof(*dns));
}

static int copy_strv(char ***dst, size_t *dn, char *const *src, size_t n)
{
	*dst = NULL;
	*dn = 0;
	for (size_t i = 0; i < n; i++)
		if (strv_push(dst, dn, src[i]) < 0)
			return -1;
	return 0;
}

int cni_dns_copy(struct cni_dns *dst, const struct cni_dns *src)
{
	struct cni_dns d = {0};
	if (copy_strv(&d.nameservers, &d.n_nameservers, src->nameservers, src->n_nameservers) < 0 ||
	    copy_strv(&d.search, &d.n_search, src->search, src->n_search) < 0 ||
	    copy_strv(&d.options, &d.n_options, src->options, src->n_options) < 0 ||
	    (src->domain && !(d.domain = strdup(src->domain)))) {
		cni_dns_clear(&d);
		return -1;
	}
	cni_dns_clear(dst);
	*dst = d;
	return 0;
}

/* A JSON array of strings into a malloc'd vector. */
static int strv_from_json(const cJSON *j, const char *key, char ***out, size_t *n,
			  struct cni_error *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, key);
	const cJSON *it;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "dns.%s must be an array", key);
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "dns.%s must contain strings", key);
		if (strv_push(out, n, it->valuestring) < 0)
			return cni_error_oom(err);
	}
	return 0;
}

int cni_dns_from_json(const cJSON *j, struct cni_dns *out, struct cni_error *err)
{
	struct cni_dns d = {0};
	const cJSON *dom;

	if (!j || cJSON_IsNull(j)) {
		cni_dns_clear(out);
		return 0;
	}
	if (!cJSON_IsObject(j))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "dns must be an object");
	if (strv_from_json(j, "nameservers", &d.nameservers, &d.n_nameservers, err) < 0 ||
	    strv_from_json(j, "search", &d.search, &d.n_search, err) < 0 ||
	    strv_from_json(j, "options", &d.options, &d.n_options, err) < 0)
		goto fail;
	dom = cJSON_GetObjectItemCaseSensitive(j, "domain");
	if (dom && !cJSON_IsNull(dom)) {
		if (!cJSON_IsString(dom)) {
			cni_error_set(err, CNI_ERR_INVALID_CONFIG, "dns.domain must be a string");
			goto fail;
		}
		if (!(d.domain = strdup(dom->valuestring))) {
			cni_error_oom(err);
			goto fail;
		}
	}
	cni_dns_clear(out);
	*out = d;
	return 0;
fail:
	cni_dns_clear(&d);
	return -1;
}

static int add_strv(cJSON *o, const char *key, char *const *v, size_t n)
{
	cJSON *arr;
	if (!n)
		return 0;
	arr = cJSON_AddArrayToObject(o, key);
	if (!arr)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateString(v[i]);
		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return -1;
		}
	}
	return 0;
}

cJSON *cni_dns_to_json(const struct cni_dns *dns)
{
	cleanup_cjson cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	/* Field order as the reference's types.DNS. */
	if (add_strv(o, "nameservers", dns->nameservers, dns->n_nameservers) < 0)
		return NULL;
	if (dns->domain && *dns->domain && !cJSON_AddStringToObject(o, "domain", dns->domain))
		return NULL;
	if (add_strv(o, "search", dns->search, dns->n_search) < 0 ||
	    add_strv(o, "options", dns->options, dns->n_options) < 0)
		return NULL;
	return steal_pointer(&o);
}
