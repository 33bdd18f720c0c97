/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "cni/cniargs.h"
#include "ipstr.h"
#include "ipam/host-local/disk/store.h"
#include "cni/version.h"

/* An optional address field; "" is absent, as net.IP's UnmarshalText. */
static int parse_addr_field(const cJSON *obj, const char *key, const char *where,
			    struct ip_addr *out, struct cni_error *err)
{
	char what[96];
	const char *s = NULL;

	snprintf(what, sizeof(what), "%s.%s", where, key);
	if (cni_json_string(obj, key, what, &s, err) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return 0;
	if (ip_addr_parse(s, out) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: invalid IP address \"%s\"",
				     what, s);
	ip_addr_canonicalize(out);
	return 0;
}

static int parse_range(const cJSON *obj, struct hl_range *r, struct cni_error *err)
{
	char what[96];
	const char *subnet = NULL;

	if (!cJSON_IsObject(obj))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: must be an object",
				     r->where);
	snprintf(what, sizeof(what), "%s.subnet", r->where);
	if (cni_json_string(obj, "subnet", what, &subnet, err) < 0)
		return -1;
	if (!subnet)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: missing", what);
	if (ip_net_parse(subnet, &r->subnet) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: invalid CIDR address \"%s\"",
				     what, subnet);
	if (parse_addr_field(obj, "rangeStart", r->where, &r->start, err) < 0 ||
	    parse_addr_field(obj, "rangeEnd", r->where, &r->end, err) < 0 ||
	    parse_addr_field(obj, "gateway", r->where, &r->gateway, err) < 0)
		return -1;
	return 0;
}

static int add_set(struct hl_config *c, struct hl_range_set **out)
{
	struct hl_range_set *s = realloc(c->sets, (c->n_sets + 1) * sizeof(*s));
	if (!s)
		return -1;
	c->sets = s;
	*out = &s[c->n_sets++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

/* One range set: a JSON array of ranges. */
static int parse_range_set(struct hl_config *c, const cJSON *arr, const char *where,
			   struct cni_error *err)
{
	struct hl_range_set *s;
	const cJSON *it;
	size_t i = 0;

	if (!cJSON_IsArray(arr))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: must be a list of ranges",
				     where);
	if (add_set(c, &s) < 0)
		return cni_error_oom(err);
	snprintf(s->where, sizeof(s->where), "%s", where);
	s->n = (size_t)cJSON_GetArraySize(arr);
	if (s->n && !(s->r = calloc(s->n, sizeof(*s->r))))
		return cni_error_oom(err);
	cJSON_ArrayForEach(it, arr)
	{
		snprintf(s->r[i].where, sizeof(s->r[i].where), "%s[%zu]", where, i);
		if (parse_range(it, &s->r[i], err) < 0)
			return -1;
		i++;
	}
	return 0;
}

static int range_set_each(const cJSON *it, const char *what, void *c, struct cni_error *err)
{
	return parse_range_set(c, it, what, err);
}

static int parse_range_sets(struct hl_config *c, const cJSON *arr, const char *where,
			    struct cni_error *err)
{
	return cni_json_array_each(arr, where, true, "a list of range sets", range_set_each, c,
				   err);
}

/* The legacy single range: ipam.subnet (+ rangeStart, rangeEnd, gateway). */
static int parse_legacy_range(struct hl_config *c, const cJSON *ipam, struct cni_error *err)
{
	const char *subnet = NULL;
	struct hl_range_set *s;

	if (cni_json_string(ipam, "subnet", "ipam.subnet", &subnet, err) < 0)
		return -1;
	if (!subnet)
		return 0;
	if (add_set(c, &s) < 0 || !(s->r = calloc(1, sizeof(*s->r))))
		return cni_error_oom(err);
	s->n = 1;
	snprintf(s->where, sizeof(s->where), "ipam");
	snprintf(s->r[0].where, sizeof(s->r[0].where), "ipam");
	return parse_range(ipam, &s->r[0], err);
}

struct routes_ctx {
	struct hl_config *c;
	bool v110;
};

static int route_each(const cJSON *it, const char *what, void *data, struct cni_error *err)
{
	struct routes_ctx *x = data;
	return cni_route_from_json(it, what, x->v110, &x->c->routes[x->c->n_routes++], err);
}

static int parse_routes(struct hl_config *c, const cJSON *ipam, struct cni_error *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(ipam, "routes");
	struct routes_ctx x = {c, cni_version_cmp(c->cni_version, "1.1.0") >= 0};
	int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;

	if (n && !(c->routes = calloc((size_t)n, sizeof(*c->routes))))
		return cni_error_oom(err);
	return cni_json_array_each(arr, "ipam.routes", true, "a list", route_each, &x, err);
}

static int add_requested(struct hl_config *c, const char *s, int code, const char *what,
			 struct cni_error *err)
{
	struct ip_addr ip, *p;

	if (hl_ip_parse_loose(s, &ip) < 0)
		return cni_error_set(err, code, "%s: invalid IP address \"%s\"", what, s);
	if (!(p = realloc(c->requested, (c->n_requested + 1) * sizeof(*p))))
		return cni_error_oom(err);
	c->requested = p;
	c->requested[c->n_requested++] = ip;
	return 0;
}

/* CNI_ARGS "IP=a,b": each item an address (or address/prefix). */
static int parse_env_ips(struct hl_config *c, const char *cni_args, struct cni_error *err)
{
	static const char *const known[] = {"IP", NULL};
	struct cni_args args = {0};
	cleanup_free char *copy = NULL;
	const char *v;
	char *save = NULL, *tok;
	int ret = 0;

	if (!cni_args || !*cni_args)
		return 0;
	if (cni_args_parse(cni_args, known, &args, err) < 0)
		return -1;
	v = cni_args_get(&args, "IP");
	if (v && !(copy = strdup(v)))
		ret = cni_error_oom(err);
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && ret == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		char *e;
		while (*tok == ' ' || *tok == '\t')
			tok++;
		for (e = tok + strlen(tok); e > tok && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		ret = add_requested(c, tok, CNI_ERR_INVALID_ENV, "CNI_ARGS IP", err);
	}
	cni_args_free(&args);
	return ret;
}

static int ip_each(const cJSON *it, const char *what, void *c, struct cni_error *err)
{
	if (!cJSON_IsString(it))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: must be a string", what);
	return add_requested(c, it->valuestring, CNI_ERR_INVALID_CONFIG, what, err);
}

static int parse_ip_list(struct hl_config *c, const cJSON *arr, const char *where,
			 struct cni_error *err)
{
	return cni_json_array_each(arr, where, true, "a list", ip_each, c, err);
}

static int parse_requested(struct hl_config *c, const struct cni_conf *conf, const char *cni_args,
			   struct cni_error *err)
{
	const cJSON *cni;

	if (parse_env_ips(c, cni_args, err) < 0)
		return -1;
	cni = conf->args ? cJSON_GetObjectItemCaseSensitive(conf->args, "cni") : NULL;
	if (cJSON_IsObject(cni) &&
	    parse_ip_list(c, cJSON_GetObjectItemCaseSensitive(cni, "ips"), "args.cni.ips", err) < 0)
		return -1;
	if (cJSON_IsObject(conf->runtime_config) &&
	    parse_ip_list(c, cJSON_GetObjectItemCaseSensitive(conf->runtime_config, "ips"),
			  "runtimeConfig.ips", err) < 0)
		return -1;
	return 0;
}

/* Canonicalize every set; refuse overlapping sets and, before 0.3.0, more
 * than one set per family. */
static int validate_sets(struct hl_config *c, struct cni_error *err)
{
	size_t v4 = 0, v6 = 0;

	if (c->n_sets == 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "ipam: no IP ranges specified (ipam.ranges or ipam.subnet)");
	for (size_t i = 0; i < c->n_sets; i++) {
		if (hl_range_set_canonicalize(&c->sets[i], err) < 0)
			return -1;
		if (hl_range_set_family(&c->sets[i]) == AF_INET)
			v4++;
		else
			v6++;
	}
	if ((v4 > 1 || v6 > 1) && cni_version_cmp(c->cni_version, "0.3.0") < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "ipam.ranges: CNI version %s does not support more than 1 "
				     "address per family",
				     c->cni_version);
	for (size_t i = 0; i < c->n_sets; i++)
		for (size_t j = i + 1; j < c->n_sets; j++)
			if (hl_range_set_overlaps(&c->sets[i], &c->sets[j]))
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "%s: range set %zu overlaps with range set "
						     "%zu (%s)",
						     c->sets[j].where, j, i, c->sets[i].where);
	return 0;
}

static int load(const struct cni_conf *conf, const char *cni_args, struct hl_config *c,
		struct cni_error *err)
{
	const cJSON *ipam = conf->ipam;

	if (!cJSON_IsObject(ipam))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "IPAM config missing 'ipam' key");
	c->name = conf->name;
	c->cni_version = conf->cni_version ? conf->cni_version : "";
	if (!c->name)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "name: missing");
	if (cni_validate_network_name(c->name, err) < 0)
		return -1;
	c->data_dir = NULL;
	if (cni_json_string(ipam, "dataDir", "ipam.dataDir", &c->data_dir, err) < 0 ||
	    cni_json_string(ipam, "resolvConf", "ipam.resolvConf", &c->resolv_conf, err) < 0)
		return -1;
	if (!c->data_dir || !*c->data_dir)
		c->data_dir = HL_DEFAULT_DATA_DIR;
	if (c->resolv_conf && !*c->resolv_conf)
		c->resolv_conf = NULL;
	if (parse_requested(c, conf, cni_args, err) < 0)
		return -1;
	/* order fixes the set indexes: capability, legacy, ranges */
	if (cJSON_IsObject(conf->runtime_config) &&
	    parse_range_sets(c, cJSON_GetObjectItemCaseSensitive(conf->runtime_config, "ipRanges"),
			     "runtimeConfig.ipRanges", err) < 0)
		return -1;
	if (parse_legacy_range(c, ipam, err) < 0 ||
	    parse_range_sets(c, cJSON_GetObjectItemCaseSensitive(ipam, "ranges"), "ipam.ranges",
			     err) < 0)
		return -1;
	if (validate_sets(c, err) < 0)
		return -1;
	return parse_routes(c, ipam, err);
}

int hl_config_load(const struct cni_conf *conf, const char *cni_args, struct hl_config *c,
		   struct cni_error *err)
{
	memset(c, 0, sizeof(*c));
	if (load(conf, cni_args, c, err) < 0) {
		hl_config_free(c);
		return -1;
	}
	return 0;
}

void hl_config_free(struct hl_config *c)
{
	for (size_t i = 0; i < c->n_sets; i++)
		hl_range_set_free(&c->sets[i]);
	free(c->sets);
	free(c->routes);
	free(c->requested);
	memset(c, 0, sizeof(*c));
}
