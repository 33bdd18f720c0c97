/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The in-memory result rendered in a given spec version. What the version
 * cannot express is an error (code 7), never a silent loss; interfaces are
 * the exception for 0.1.0/0.2.0, which have none (the reference drops them). */
#define _GNU_SOURCE
#include "result.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cleanup.h"
#include "version.h"

enum shape {
	SHAPE_020, /* 0.1.0, 0.2.0 */
	SHAPE_040, /* 0.3.0 .. 0.4.0 */
	SHAPE_100, /* 1.0.0 */
	SHAPE_110, /* 1.1.0 */
};

static bool add_str(cJSON *o, const char *k, const char *v)
{
	return cJSON_AddStringToObject(o, k, v) != NULL;
}

static bool add_addr(cJSON *o, const char *k, const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN];
	return add_str(o, k, ip_addr_format(a, buf));
}

static bool add_net(cJSON *o, const char *k, const struct ip_net *n)
{
	char buf[IP_NET_STRLEN];
	return add_str(o, k, ip_net_format(n, buf));
}

static bool route_has_110(const struct cni_route *rt)
{
	return rt->mtu || rt->advmss || rt->priority || rt->table || rt->has_scope;
}

static cJSON *route_to_json(const struct cni_route *rt, enum shape shape, struct cni_error *err)
{
	cleanup_cjson cJSON *o = cJSON_CreateObject();
	char buf[IP_NET_STRLEN];

	if (shape != SHAPE_110 && route_has_110(rt)) {
		cni_error_set(err, CNI_ERR_INVALID_CONFIG,
			      "route to %s has mtu/advmss/priority/table/scope, which need "
			      "cniVersion 1.1.0",
			      ip_net_format(&rt->dst, buf));
		return NULL;
	}
	if (!o || !add_net(o, "dst", &rt->dst))
		goto nomem;
	if (rt->gw.family && !add_addr(o, "gw", &rt->gw))
		goto nomem;
	if ((rt->mtu && !cJSON_AddNumberToObject(o, "mtu", rt->mtu)) ||
	    (rt->advmss && !cJSON_AddNumberToObject(o, "advmss", rt->advmss)) ||
	    (rt->priority && !cJSON_AddNumberToObject(o, "priority", rt->priority)) ||
	    (rt->table && !cJSON_AddNumberToObject(o, "table", rt->table)) ||
	    (rt->has_scope && !cJSON_AddNumberToObject(o, "scope", rt->scope)))
		goto nomem;
	return steal_pointer(&o);
nomem:
	cni_error_oom(err);
	return NULL;
}

/* Append to arr (created under key in parent on first use). */
static int append(cJSON *parent, const char *key, cJSON **arr, cJSON *item, struct cni_error *err)
{
	if (!item)
		return -1;
	if (!*arr && !(*arr = cJSON_AddArrayToObject(parent, key))) {
		cJSON_Delete(item);
		return cni_error_oom(err);
	}
	if (!cJSON_AddItemToArray(*arr, item)) {
		cJSON_Delete(item);
		return cni_error_oom(err);
	}
	return 0;
}

static cJSON *interface_to_json(const struct cni_interface *ifc, enum shape shape,
				struct cni_error *err)
{
	cleanup_cjson cJSON *o = cJSON_CreateObject();

	if (shape != SHAPE_110 && (ifc->socket_path || ifc->pci_id)) {
		cni_error_set(err, CNI_ERR_INVALID_CONFIG,
			      "interface %s has socketPath/pciID, which need cniVersion 1.1.0",
			      ifc->name ? ifc->name : "");
		return NULL;
	}
	if (!o || !add_str(o, "name", ifc->name ? ifc->name : ""))
		goto nomem;
	if (ifc->mac && *ifc->mac && !add_str(o, "mac", ifc->mac))
		goto nomem;
	/* mtu is 1.1.0 too; older readers ignore it, so it is dropped, not refused. */
	if (shape == SHAPE_110 && ifc->mtu && !cJSON_AddNumberToObject(o, "mtu", ifc->mtu))
		goto nomem;
	if (ifc->sandbox && *ifc->sandbox && !add_str(o, "sandbox", ifc->sandbox))
		goto nomem;
	if (ifc->socket_path && !add_str(o, "socketPath", ifc->socket_path))
		goto nomem;
	if (ifc->pci_id && !add_str(o, "pciID", ifc->pci_id))
		goto nomem;
	return steal_pointer(&o);
nomem:
	cni_error_oom(err);
	return NULL;
}

static cJSON *ip_to_json(const struct cni_result *r, const struct cni_ipconfig *ip,
			 enum shape shape, struct cni_error *err)
{
	cleanup_cjson cJSON *o = cJSON_CreateObject();

	if (ip->interface >= 0 && (size_t)ip->interface >= r->n_interfaces) {
		cni_error_set(err, CNI_ERR_INVALID_CONFIG, "ip interface index %d out of range",
			      ip->interface);
		return NULL;
	}
	if (!o)
		goto nomem;
	if (shape == SHAPE_040 &&
	    !add_str(o, "version", ip->address.ip.family == AF_INET6 ? "6" : "4"))
		goto nomem;
	if (ip->interface >= 0 && !cJSON_AddNumberToObject(o, "interface", ip->interface))
		goto nomem;
	if (!add_net(o, "address", &ip->address))
		goto nomem;
	if (ip->gateway.family && !add_addr(o, "gateway", &ip->gateway))
		goto nomem;
	return steal_pointer(&o);
nomem:
	cni_error_oom(err);
	return NULL;
}

static int render_current(const struct cni_result *r, enum shape shape, cJSON *o,
			  struct cni_error *err)
{
	cJSON *arr = NULL;
	for (size_t i = 0; i < r->n_interfaces; i++)
		if (append(o, "interfaces", &arr, interface_to_json(&r->interfaces[i], shape, err),
			   err) < 0)
			return -1;
	arr = NULL;
	for (size_t i = 0; i < r->n_ips; i++)
		if (append(o, "ips", &arr, ip_to_json(r, &r->ips[i], shape, err), err) < 0)
			return -1;
	arr = NULL;
	for (size_t i = 0; i < r->n_routes; i++)
		if (append(o, "routes", &arr, route_to_json(&r->routes[i], shape, err), err) < 0)
			return -1;
	return 0;
}

/* 0.1.0/0.2.0: at most one address per family; routes go under the
 * ip4/ip6 object of their destination's family. */
static int render_legacy(const struct cni_result *r, cJSON *o, struct cni_error *err)
{
	static const struct {
		const char *key;
		int family;
	} fams[] = {{"ip4", AF_INET}, {"ip6", AF_INET6}};

	for (size_t f = 0; f < 2; f++) {
		const struct cni_ipconfig *ip = NULL;
		cJSON *obj, *arr = NULL;

		for (size_t i = 0; i < r->n_ips; i++) {
			if (r->ips[i].address.ip.family != fams[f].family)
				continue;
			if (ip)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "more than one IPv%c address cannot be "
						     "expressed in cniVersion 0.2.0 and earlier",
						     fams[f].family == AF_INET ? '4' : '6');
			ip = &r->ips[i];
		}
		for (size_t i = 0; !ip && i < r->n_routes; i++) {
			char buf[IP_NET_STRLEN];
			if (r->routes[i].dst.ip.family == fams[f].family)
				return cni_error_set(
				    err, CNI_ERR_INVALID_CONFIG,
				    "route to %s has no IPv%c address to go with in "
				    "cniVersion 0.2.0 and earlier",
				    ip_net_format(&r->routes[i].dst, buf),
				    fams[f].family == AF_INET ? '4' : '6');
		}
		if (!ip)
			continue;
		if (!(obj = cJSON_AddObjectToObject(o, fams[f].key)) ||
		    !add_net(obj, "ip", &ip->address) ||
		    (ip->gateway.family && !add_addr(obj, "gateway", &ip->gateway)))
			return cni_error_oom(err);
		for (size_t i = 0; i < r->n_routes; i++) {
			if (r->routes[i].dst.ip.family != fams[f].family)
				continue;
			if (append(obj, "routes", &arr,
				   route_to_json(&r->routes[i], SHAPE_020, err), err) < 0)
				return -1;
		}
	}
	return 0;
}

cJSON *cni_result_to_json(const struct cni_result *r, const char *version, struct cni_error *err)
{
	cleanup_cjson cJSON *o = NULL;
	const char *sv;
	enum shape shape;
	cJSON *dns;
	int rc;

	if (!version || !*version)
		version = "0.1.0";
	if (!cni_version_supported(version)) {
		cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
			      "cannot print a result in unsupported cniVersion \"%s\"", version);
		return NULL;
	}
	sv = r->print_shape ? r->print_shape : version;
	if (cni_version_cmp(sv, "0.3.0") < 0)
		shape = SHAPE_020;
	else if (cni_version_cmp(sv, "1.0.0") < 0)
		shape = SHAPE_040;
	else if (cni_version_cmp(sv, "1.1.0") < 0)
		shape = SHAPE_100;
	else
		shape = SHAPE_110;

	if (!(o = cJSON_CreateObject()) || !add_str(o, "cniVersion", version)) {
		cni_error_oom(err);
		return NULL;
	}
	rc = shape == SHAPE_020 ? render_legacy(r, o, err) : render_current(r, shape, o, err);
	if (rc < 0)
		return NULL;
	/* Always present, {} when empty, as the reference prints it. */
	if (!(dns = cni_dns_to_json(&r->dns)) || !cJSON_AddItemToObject(o, "dns", dns)) {
		cJSON_Delete(dns);
		cni_error_oom(err);
		return NULL;
	}
	return steal_pointer(&o);
}

char *cni_result_print(const struct cni_result *r, const char *version, struct cni_error *err)
{
	cleanup_cjson cJSON *o = cni_result_to_json(r, version, err);
	char *s;
	if (!o)
		return NULL;
	s = cJSON_PrintUnformatted(o);
	if (!s)
		cni_error_oom(err);
	return s;
}
