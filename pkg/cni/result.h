/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CNI results in one in-memory shape (the 1.1.0 superset), parsed from and
 * printed to every spec version:
 *   0.1.0/0.2.0  {"ip4":{"ip","gateway","routes"},"ip6":{...},"dns"}
 *   0.3.x/0.4.0  interfaces, ips with "version", routes, dns
 *   1.0.0/1.1.0  interfaces, ips without "version"; 1.1.0 adds route
 *                mtu/advmss/priority/table/scope and interface socketPath/pciID
 * Printing a result that an older version cannot express is an error.
 * Exceptions, as the reference: interfaces (and ips' interface index) do not
 * exist before 0.3.0 and are dropped; interface mtu is dropped before 1.1.0.
 * "dns" is always printed ({} when empty), as the reference does.
 */
#ifndef CNI_RESULT_H
#define CNI_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "error.h"
#include "ip/ipnet.h"

struct cni_interface {
	char *name;
	char *mac;	   /* NULL when unknown */
	int mtu;	   /* 0 = absent */
	char *sandbox;	   /* NULL = host */
	char *socket_path; /* 1.1.0 */
	char *pci_id;	   /* 1.1.0 */
};

struct cni_ipconfig {
	struct ip_net address;	/* address with its prefix, host bits kept */
	struct ip_addr gateway; /* family 0 = none */
	int interface;		/* index into interfaces, -1 = none */
};

struct cni_route {
	struct ip_net dst;
	struct ip_addr gw; /* family 0 = none */
	/* 1.1.0 fields; 0 = absent (scope: has_scope) */
	int mtu;
	int advmss;
	int priority;
	int table;
	bool has_scope;
	int scope;
};

struct cni_dns {
	char **nameservers;
	size_t n_nameservers;
	char *domain;
	char **search;
	size_t n_search;
	char **options;
	size_t n_options;
};

struct cni_result {
	char *cni_version; /* version it was parsed from (informational) */
	struct cni_interface *interfaces;
	size_t n_interfaces;
	struct cni_ipconfig *ips;
	size_t n_ips;
	struct cni_route *routes;
	size_t n_routes;
	struct cni_dns dns;
	/* Print in this version's shape (a static string), labelled with the
	 * version asked for; NULL: that version's own shape. The reference
	 * loopback prints its result so (1.0.0 fields under "0.3.1"). */
	const char *print_shape;
};

struct cni_result *cni_result_new(void);
void cni_result_free(struct cni_result *r);
static inline void cleanup_resultp(struct cni_result **r)
{
	cni_result_free(*r);
}
#define cleanup_result __attribute__((cleanup(cleanup_resultp)))

/* Append; return the new element's index, or -1 on allocation failure. */
int cni_result_add_interface(struct cni_result *r, const char *name, const char *mac,
			     const char *sandbox);
int cni_result_add_ip(struct cni_result *r, const struct cni_ipconfig *ip);
int cni_result_add_route(struct cni_result *r, const struct cni_route *route);

/* Deep copy of dns (replacing dst's). 0 / -1. */
int cni_dns_copy(struct cni_dns *dst, const struct cni_dns *src);
void cni_dns_clear(struct cni_dns *dns);
/* Parse a "dns" object ({nameservers,domain,search,options}); code 7/6. */
int cni_dns_from_json(const cJSON *j, struct cni_dns *out, struct cni_error *err);
cJSON *cni_dns_to_json(const struct cni_dns *dns);

/* Parse one route object {dst, gw, and when v110 mtu, advmss, priority,
 * table, scope}; `where` names it in errors (code 7). */
int cni_route_from_json(const cJSON *j, const char *where, bool v110, struct cni_route *rt,
			struct cni_error *err);

/* Parse a result of any supported version; the shape is chosen by its
 * "cniVersion" (fallback_version when the object has none). Code 6/7. */
int cni_result_from_json(const cJSON *j, const char *fallback_version, struct cni_result **out,
			 struct cni_error *err);
int cni_result_parse(const char *text, const char *fallback_version, struct cni_result **out,
		     struct cni_error *err);

/* Render in `version`. NULL and err (code 7 naming what cannot be expressed,
 * or code 1 for an unsupported version). */
cJSON *cni_result_to_json(const struct cni_result *r, const char *version, struct cni_error *err);
/* Same as a malloc'd compact string. */
char *cni_result_print(const struct cni_result *r, const char *version, struct cni_error *err);

#endif
