/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's addresses and the mappings to install (pure). */
#define _GNU_SOURCE
#include "portmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void pm_container_addrs(const struct cni_result *prev, const char *ifname, struct pm_addrs *out)
{
	memset(out, 0, sizeof(*out));
	if (!prev)
		return;
	for (size_t i = 0; i < prev->n_ips; i++) {
		const struct cni_ipconfig *ip = &prev->ips[i];
		int f = ip->address.ip.family == AF_INET ? 0 : 1;

		if (out->a[f].ip.family)
			continue; /* the first of each family */
		/* skip addresses of known interfaces that are not the
		 * container's ifname, or not in a sandbox */
		if (ip->interface >= 0 && (size_t)ip->interface < prev->n_interfaces) {
			const struct cni_interface *itf = &prev->interfaces[ip->interface];
			if (!itf->name || strcmp(itf->name, ifname ? ifname : "") != 0 ||
			    !itf->sandbox || !itf->sandbox[0])
				continue;
		}
		out->a[f] = ip->address;
	}
}

static bool same_key(const struct pm_entry *a, const struct pm_entry *b)
{
	return a->family == b->family && a->keyed_host == b->keyed_host &&
	       (!a->keyed_host || ip_addr_equal(&a->host_ip, &b->host_ip)) &&
	       a->proto == b->proto && a->host_port == b->host_port;
}

/* A hash of what same_key() compares. */
static size_t key_hash(const struct pm_entry *e)
{
	uint64_t h = 1469598103934665603ull;
	uint8_t k[4 + sizeof(e->host_ip.b)];
	size_t len = 4;

	k[0] = (uint8_t)e->family;
	k[1] = e->keyed_host;
	k[2] = e->proto;
	k[3] = (uint8_t)(e->host_port ^ e->host_port >> 8);
	if (e->keyed_host) {
		size_t al = ip_addr_len(e->host_ip.family);
		memcpy(k + 4, e->host_ip.b, al);
		len += al;
	}
	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	h ^= e->host_port;
	return (size_t)(h ^ h >> 29);
}

int pm_entries(const struct pm_conf *c, const struct pm_addrs *addrs, struct pm_entry **out,
	       size_t *n)
{
	struct pm_entry *v = calloc(2 * c->n_maps + 1, sizeof(*v));
	size_t k = 0, size = 4, *slot;

	*out = NULL;
	*n = 0;
	/* the keys listed so far: an open-addressed table of v's indices + 1
	 * (linear in the mappings) */
	while (size < 4 * c->n_maps + 2)
		size *= 2;
	slot = calloc(size, sizeof(*slot));
	if (!v || !slot) {
		free(v);
		free(slot);
		return -1;
	}
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		if (!addrs->a[f].ip.family)
			continue;
		for (size_t i = 0; i < c->n_maps; i++) {
			const struct pm_mapping *m = &c->maps[i];
			struct pm_entry e = {0};
			size_t j;

			/* a hostIP of the other family: not in this one */
			if (m->host_ip.family && m->host_ip.family != family)
				continue;
			e.family = family;
			e.keyed_host = m->host_ip.family && !m->host_ip_any;
			if (e.keyed_host)
				e.host_ip = m->host_ip;
			e.proto = m->proto;
			e.host_port = m->host_port;
			e.container_port = m->container_port;
			e.caddr = addrs->a[f];
			e.cond = c->cond[f].hash;
			for (j = key_hash(&e) & (size - 1);
			     slot[j] && !same_key(&v[slot[j] - 1], &e); j = (j + 1) & (size - 1))
				;
			if (slot[j])
				continue; /* listed: the first one wins */
			v[k++] = e;
			slot[j] = k;
		}
	}
	free(slot);
	*out = v;
	*n = k;
	return 0;
}
