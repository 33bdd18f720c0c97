/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Results of every supported version into the one in-memory shape. */
#define _GNU_SOURCE
#include "result.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cleanup.h"
#include "cni.h"
#include "version.h"

static int parse_cidr(const cJSON *o, const char *key, const char *where, bool required,
		      struct ip_net *out, struct cni_error *err)
{
	const char *s = NULL;
	char what[128];
	snprintf(what, sizeof(what), "%s.%s", where, key);
	if (cni_json_string(o, key, what, &s, err) < 0)
		return -1;
	if (!s) {
		if (!required)
			return 0;
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s.%s: missing", where, key);
	}
	if (ip_net_parse(s, out) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s.%s: invalid CIDR address \"%s\"", where, key, s);
	return 0;
}

static int parse_ip(const cJSON *o, const char *key, const char *where, struct ip_addr *out,
		    struct cni_error *err)
{
	const char *s = NULL;
	char what[128];
	snprintf(what, sizeof(what), "%s.%s", where, key);
	if (cni_json_string(o, key, what, &s, err) < 0)
		return -1;
	if (!s || !*s) /* Go's omitempty gateway renders as absent */
		return 0;
	if (ip_addr_parse(s, out) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s.%s: invalid IP address \"%s\"", where, key, s);
	return 0;
}

static int parse_int(const cJSON *o, const char *key, const char *where, long min, long max,
		     int *out, struct cni_error *err)
{
	long v = *out;
	char what[128];
	snprintf(what, sizeof(what), "%s.%s", where, key);
	if (cni_json_int(o, key, what, min, max, &v, err) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

int cni_route_from_json(const cJSON *j, const char *where, bool v110, struct cni_route *rt,
			struct cni_error *err)
{
	const cJSON *scope;
	memset(rt, 0, sizeof(*rt));
	if (!cJSON_IsObject(j))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s must be an object", where);
	if (parse_cidr(j, "dst", where, true, &rt->dst, err) < 0 ||
	    parse_ip(j, "gw", where, &rt->gw, err) < 0)
		return -1;
	if (rt->gw.family && rt->gw.family != rt->dst.ip.family)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s: gw and dst are of different families", where);
	/* the 1.1.0 fields: older versions can neither carry nor print them */
	if (!v110)
		return 0;
	if (parse_int(j, "mtu", where, 0, INT_MAX, &rt->mtu, err) < 0 ||
	    parse_int(j, "advmss", where, 0, INT_MAX, &rt->advmss, err) < 0 ||
	    parse_int(j, "priority", where, 0, INT_MAX, &rt->priority, err) < 0 ||
	    parse_int(j, "table", where, 0, INT_MAX, &rt->table, err) < 0)
		return -1;
	scope = cJSON_GetObjectItemCaseSensitive(j, "scope");
	if (scope && !cJSON_IsNull(scope)) {
		if (parse_int(j, "scope", where, 0, 255, &rt->scope, err) < 0)
			return -1;
		rt->has_scope = true;
	}
	return 0;
}

static int route_each(const cJSON *it, const char *what, void *r, struct cni_error *err)
{
	struct cni_route rt;
	if (cni_route_from_json(it, what, true, &rt, err) < 0)
		return -1;
	return cni_result_add_route(r, &rt) < 0 ? cni_error_oom(err) : 0;
}

static int parse_routes(const cJSON *arr, const char *where, struct cni_result *r,
			struct cni_error *err)
{
	return cni_json_array_each(arr, where, false, "an array", route_each, r, err);
}

static int dup_field(const cJSON *o, const char *key, const char *where, char **out,
		     struct cni_error *err)
{
	const char *s = NULL;
	char what[128];
	snprintf(what, sizeof(what), "%s.%s", where, key);
	if (cni_json_string(o, key, what, &s, err) < 0)
		return -1;
	if (!s || !*s)
		return 0;
	if (!(*out = strdup(s)))
		return cni_error_oom(err);
	return 0;
}

static int interface_each(const cJSON *it, const char *w, void *data, struct cni_error *err)
{
	struct cni_result *r = data;
	const char *name = "";
	struct cni_interface *ifc;
	int idx;

	if (!cJSON_IsObject(it))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s must be an object", w);
	if (cni_json_string(it, "name", "name", &name, err) < 0)
		return cni_error_wrap(err, "%s", w);
	idx = cni_result_add_interface(r, name, NULL, NULL);
	if (idx < 0)
		return cni_error_oom(err);
	ifc = &r->interfaces[idx];
	if (dup_field(it, "mac", w, &ifc->mac, err) < 0 ||
	    dup_field(it, "sandbox", w, &ifc->sandbox, err) < 0 ||
	    dup_field(it, "socketPath", w, &ifc->socket_path, err) < 0 ||
	    dup_field(it, "pciID", w, &ifc->pci_id, err) < 0 ||
	    parse_int(it, "mtu", w, 0, INT_MAX, &ifc->mtu, err) < 0)
		return -1;
	return 0;
}

static int parse_interfaces(const cJSON *arr, struct cni_result *r, struct cni_error *err)
{
	return cni_json_array_each(arr, "interfaces", false, "an array", interface_each, r, err);
}

static int ip_each(const cJSON *it, const char *w, void *data, struct cni_error *err)
{
	struct cni_result *r = data;
	const char *ver = NULL;
	struct cni_ipconfig ip = {.interface = -1};

	if (!cJSON_IsObject(it))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s must be an object", w);
	if (parse_cidr(it, "address", w, true, &ip.address, err) < 0 ||
	    parse_ip(it, "gateway", w, &ip.gateway, err) < 0 ||
	    parse_int(it, "interface", w, 0, INT_MAX, &ip.interface, err) < 0)
		return -1;
	if (ip.interface >= 0 && (size_t)ip.interface >= r->n_interfaces)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s: interface index %d out of range", w, ip.interface);
	/* 0.3.x/0.4.0 "version": checked when present, ignored otherwise. */
	if (cni_json_string(it, "version", "version", &ver, err) < 0)
		return cni_error_wrap(err, "%s", w);
	if (ver && !((strcmp(ver, "4") == 0 && ip.address.ip.family == AF_INET) ||
		     (strcmp(ver, "6") == 0 && ip.address.ip.family == AF_INET6)))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s: version \"%s\" does not match address", w, ver);
	if (ip.gateway.family && ip.gateway.family != ip.address.ip.family)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s: gateway and address are of different families", w);
	if (cni_result_add_ip(r, &ip) < 0)
		return cni_error_oom(err);
	return 0;
}

static int parse_ips(const cJSON *arr, struct cni_result *r, struct cni_error *err)
{
	return cni_json_array_each(arr, "ips", false, "an array", ip_each, r, err);
}

/* 0.1.0/0.2.0: "ip4"/"ip6" objects, each with its own routes. */
static int parse_legacy_ip(const cJSON *j, const char *key, int family, struct cni_result *r,
			   struct cni_error *err)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, key);
	struct cni_ipconfig ip = {.interface = -1};
	char w[16];

	if (!o || cJSON_IsNull(o))
		return 0;
	if (!cJSON_IsObject(o))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s must be an object", key);
	if (parse_cidr(o, "ip", key, true, &ip.address, err) < 0 ||
	    parse_ip(o, "gateway", key, &ip.gateway, err) < 0)
		return -1;
	if (ip.address.ip.family != family || (ip.gateway.family && ip.gateway.family != family))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: address of the wrong family",
				     key);
	if (cni_result_add_ip(r, &ip) < 0)
		return cni_error_oom(err);
	snprintf(w, sizeof(w), "%s.routes", key);
	return parse_routes(cJSON_GetObjectItemCaseSensitive(o, "routes"), w, r, err);
}

int cni_result_from_json(const cJSON *j, const char *fallback_version, struct cni_result **out,
			 struct cni_error *err)
{
	cleanup_result struct cni_result *r = NULL;
	const char *version = NULL;
	int rc;

	*out = NULL;
	if (!cJSON_IsObject(j))
		return cni_error_set(err, CNI_ERR_DECODE, "result is not a JSON object");
	if (cni_json_string(j, "cniVersion", "result cniVersion", &version, err) < 0)
		return -1;
	if (!version || !*version)
		version = fallback_version;
	if (!version || !*version)
		version = "0.1.0";
	if (!cni_version_supported(version))
		return cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
				     "unsupported CNI result version \"%s\"", version);
	if (!(r = cni_result_new()) || !(r->cni_version = strdup(version)))
		return cni_error_oom(err);

	if (cni_version_cmp(version, "0.3.0") < 0)
		rc = parse_legacy_ip(j, "ip4", AF_INET, r, err) < 0 ||
		     parse_legacy_ip(j, "ip6", AF_INET6, r, err) < 0;
	else
		rc = parse_interfaces(cJSON_GetObjectItemCaseSensitive(j, "interfaces"), r, err) <
			 0 ||
		     parse_ips(cJSON_GetObjectItemCaseSensitive(j, "ips"), r, err) < 0 ||
		     parse_routes(cJSON_GetObjectItemCaseSensitive(j, "routes"), "routes", r, err) <
			 0;
	if (rc)
		return -1;
	if (cni_dns_from_json(cJSON_GetObjectItemCaseSensitive(j, "dns"), &r->dns, err) < 0)
		return -1;
	*out = steal_pointer(&r);
	return 0;
}

int cni_result_parse(const char *text, const char *fallback_version, struct cni_result **out,
		     struct cni_error *err)
{
	cleanup_cjson cJSON *j = NULL;
	*out = NULL;
	if (!text || !(j = cJSON_ParseWithOpts(text, NULL, 1)))
		return cni_error_set(err, CNI_ERR_DECODE, "failed to parse result: invalid JSON");
	return cni_result_from_json(j, fallback_version, out, err);
}
