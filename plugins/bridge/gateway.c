/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Gateways: which addresses the bridge gets, the default routes, and
 * putting an address on the bridge (the reference's calcGateways and
 * ensureAddr). */
#define _GNU_SOURCE
#include "bridge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

static bool has_default_route(const struct cni_result *r, int family)
{
	static const uint8_t zero[16];

	for (size_t i = 0; i < r->n_routes; i++) {
		const struct cni_route *rt = &r->routes[i];
		if (rt->dst.ip.family == family && rt->dst.prefix == 0 && rt->gw.family &&
		    memcmp(rt->dst.ip.b, zero, ip_addr_len(family)) == 0)
			return true;
	}
	return false;
}

int br_calc_gateways(struct cni_result *r, const struct br_conf *c, struct ip_net *gws,
		     size_t *n_gws)
{
	struct ip_net v6[r->n_ips ? r->n_ips : 1];
	size_t n4 = 0, n6 = 0;
	bool dflt[2] = {false, false};

	for (size_t i = 0; i < r->n_ips; i++) {
		struct cni_ipconfig *ip = &r->ips[i];
		int fam = ip->address.ip.family;
		int k = fam == AF_INET ? 0 : 1;

		ip->interface = 2; /* every IP is the container interface's */
		if (!ip->gateway.family && c->is_gw) {
			struct ip_net net;
			ip_net_network(&ip->address, &net);
			ip->gateway = net.ip;
			ip_addr_next(&ip->gateway);
		}
		if (c->is_default_gw && !dflt[k]) {
			if (!has_default_route(r, fam)) {
				struct cni_route rt = {0};
				rt.dst.ip.family = fam;
				rt.gw = ip->gateway;
				if (cni_result_add_route(r, &rt) < 0)
					return -1;
			}
			dflt[k] = true;
		}
		if (c->is_gw) {
			struct ip_net gw = {ip->gateway, ip->address.prefix};
			if (fam == AF_INET)
				gws[n4++] = gw;
			else
				v6[n6++] = gw;
		}
	}
	memcpy(gws + n4, v6, n6 * sizeof(*v6));
	*n_gws = n4 + n6;
	return 0;
}

static bool ip_net_equal(const struct ip_net *a, const struct ip_net *b)
{
	return a->prefix == b->prefix && ip_addr_equal(&a->ip, &b->ip);
}

int br_ensure_addr(struct nl_sock *nl, const struct nl_link *link, const struct ip_net *gw,
		   bool force, unsigned int flags, struct cni_error *err)
{
	cleanup_free struct nl_addr *addrs = NULL;
	char s[IP_NET_STRLEN];
	size_t n = 0;
	int r;

	r = nl_addr_list(nl, link->index, gw->ip.family, &addrs, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const struct ip_net *a = &addrs[i].addr;
		if (ip_net_equal(a, gw))
			return 0;
		/* IPv6 allows several addresses if the subnets do not overlap */
		if (gw->ip.family == AF_INET || ip_net_contains(a, &gw->ip) ||
		    ip_net_contains(gw, &a->ip)) {
			if (!force)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "\"%s\" already has an IP address different "
						     "from %s",
						     link->name, ip_net_format(gw, s));
			r = nl_addr_del(nl, link->index, link->name, a, err);
			if (r < 0 && r != -EADDRNOTAVAIL)
				return r;
		}
	}
	r = nl_addr_add(nl, link->index, link->name, gw, flags, err);
	if (r < 0 && r != -EEXIST)
		return cni_error_wrap(err, "could not add IP address to \"%s\"", link->name);
	cni_error_clear(err);
	/* Pin the MAC: a bridge otherwise takes its lowest port's, which
	 * changes as containers come and go. A zero MAC is refused by the
	 * kernel (and would mean "no MAC"): never written back. */
	if (!br_link_mac_unset(link)) {
		struct nl_link_change ch = NL_LINK_CHANGE_INIT;
		ch.mac = link->mac;
		r = nl_link_change(nl, link->index, link->name, &ch, err);
		if (r < 0)
			return cni_error_wrap(err, "could not set bridge's mac");
	}
	return 0;
}

bool br_ip_is_global_unicast(const struct ip_addr *a)
{
	const uint8_t *b = a->b;
	static const uint8_t zero[16];

	if (a->family == AF_INET) {
		if (b[0] == 0 || b[0] == 127 || b[0] >= 224)
			return false;
		if (b[0] == 169 && b[1] == 254)
			return false;
		return true;
	}
	if (a->family != AF_INET6 || memcmp(b, zero, 16) == 0)
		return false;
	if (memcmp(b, zero, 15) == 0 && b[15] == 1)
		return false; /* ::1 */
	if (b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
		return false;
	return true;
}
