/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CHECK: the state in prevResult is still there (as the reference:
 * bridge, container veth and its host peer on the bridge, addresses,
 * routes), after the IPAM plugin's own CHECK; then, beyond the reference,
 * this container's nftables entries (masquerade, spoof check), so that a
 * flushed ruleset is found. */
#define _GNU_SOURCE
#include "bridge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if.h>

#include "util/cleanup.h"
#include "ipam.h"
#include "nftables.h"
#include "ns/netns.h"

static int check_err(struct cni_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int check_err(struct cni_error *err, const char *fmt, ...)
{
	cleanup_free char *m = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	return cni_error_set(err, CNI_ERR_CHECK, "%s", m ? m : "check failed");
}

static bool mac_matches(const char *want, const struct nl_link *l)
{
	uint8_t m[6];
	return !want || !*want ||
	       (br_parse_mac(want, m) == 0 && l->mac_len == 6 && memcmp(m, l->mac, 6) == 0);
}

static char *fmt_mac(const struct nl_link *l, char buf[18])
{
	return l->mac_len == 6 ? br_format_mac(l->mac, buf) : strcpy(buf, "");
}

static int check_bridge(struct nl_sock *nl, const struct cni_interface *i, const struct br_conf *c,
			struct nl_link *br, struct cni_error *err)
{
	bool promisc;

	if (!i)
		return check_err(err, "CNI created bridge %s in host namespace was not found",
				 c->bridge);
	if (i->sandbox && *i->sandbox)
		return check_err(err, "Interface %s should not be in sandbox", i->name);
	if (nl_link_get(nl, i->name, 0, br, err) < 0)
		return check_err(err, "Interface name %s not found", i->name);
	if (strcmp(br->kind, "bridge") != 0)
		return check_err(err, "Interface %s does not have link type of bridge", i->name);
	if (!mac_matches(i->mac, br))
		return check_err(err, "Bridge interface %s Mac doesn't match: %s", i->name, i->mac);
	promisc = br->flags & IFF_PROMISC;
	if (promisc != c->promisc)
		return check_err(err,
				 "Bridge interface %s configured Promisc Mode %s doesn't match "
				 "current state: %s ",
				 i->name, c->promisc ? "true" : "false",
				 promisc ? "true" : "false");
	return 0;
}

static int check_container(struct nl_sock *cnl, const struct cni_interface *i, struct nl_link *cont,
			   struct cni_error *err)
{
	char mac[18];

	if (nl_link_get(cnl, i->name, 0, cont, err) < 0)
		return check_err(err, "Interface name %s not found", i->name);
	if (strcmp(cont->kind, "veth") != 0)
		return check_err(err, "Error: Container interface %s not of type veth", i->name);
	if (!mac_matches(i->mac, cont))
		return check_err(err, "Interface %s Mac %s doesn't match container Mac: %s",
				 i->name, i->mac, fmt_mac(cont, mac));
	return 0;
}

/* The host veth among the other interfaces: peer of the container's, on
 * the bridge. 1 found, 0 not, -1 error. */
static int find_host_veth(struct nl_sock *nl, const struct cni_result *prev,
			  const struct cni_interface *bri, const struct cni_interface *ci,
			  const struct nl_link *br, const struct nl_link *cont,
			  struct nl_link *host, struct cni_error *err)
{
	for (size_t k = 0; k < prev->n_interfaces; k++) {
		const struct cni_interface *i = &prev->interfaces[k];
		struct nl_link l;

		if (!i->name || (bri && strcmp(i->name, bri->name) == 0) ||
		    strcmp(i->name, ci->name) == 0)
			continue;
		if (i->sandbox && *i->sandbox)
			return check_err(err, "Interface %s should not be in sandbox", i->name);
		if (nl_link_get(nl, i->name, 0, &l, err) < 0)
			return check_err(err, "Interface name %s not found", i->name);
		if (strcmp(l.kind, "veth") != 0)
			continue; /* not what we made */
		if (l.index != cont->link || cont->index != l.link || l.master != br->index)
			continue;
		if (!mac_matches(i->mac, &l))
			return check_err(err, "Interface %s Mac doesn't match: %s not found",
					 i->name, i->mac);
		*host = l;
		return 1;
	}
	return 0;
}

static bool route_present(const struct nl_route *rs, size_t n, const struct ip_net *dst,
			  const struct ip_addr *gw)
{
	for (size_t i = 0; i < n; i++) {
		if (rs[i].dst.prefix != dst->prefix)
			continue;
		struct ip_net a, b;
		ip_net_network(&rs[i].dst, &a);
		ip_net_network(dst, &b);
		if (!ip_addr_equal(&a.ip, &b.ip))
			continue;
		if (gw && gw->family && !ip_addr_equal(&rs[i].gw, gw))
			continue;
		return true;
	}
	return false;
}

static int routes_of(struct nl_sock *nl, int family, int table, struct nl_route **rs, size_t *n,
		     struct cni_error *err)
{
	free(*rs);
	*rs = NULL;
	return nl_route_list(nl, family, table, 0, rs, n, err);
}

/* ValidateExpectedInterfaceIPs and ValidateExpectedRoute */
static int check_ips_routes(struct nl_sock *cnl, const struct nl_link *cont,
			    const struct cni_result *prev, struct cni_error *err)
{
	cleanup_free struct nl_addr *addrs = NULL;
	cleanup_free struct nl_route *rs = NULL;
	char s[IP_NET_STRLEN], g[IP_ADDR_STRLEN];
	size_t n = 0, nr = 0;

	if (nl_addr_list(cnl, cont->index, AF_UNSPEC, &addrs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < prev->n_ips; i++) {
		const struct cni_ipconfig *ip = &prev->ips[i];
		bool found = false;

		for (size_t k = 0; k < n && !found; k++)
			found = addrs[k].addr.prefix == ip->address.prefix &&
				ip_addr_equal(&addrs[k].addr.ip, &ip->address.ip);
		if (!found)
			return check_err(err, "Failed to match addr %s on interface %s",
					 ip_net_format(&ip->address, s), cont->name);
		if (routes_of(cnl, ip->address.ip.family, 0, &rs, &nr, err) < 0)
			return -1;
		if (!route_present(rs, nr, &ip->address, NULL))
			return check_err(err, "Failed to find Gateway %s for interface %s",
					 ip->gateway.family ? ip_addr_format(&ip->gateway, g)
							    : "<nil>",
					 cont->name);
	}
	for (size_t i = 0; i < prev->n_routes; i++) {
		const struct cni_route *rt = &prev->routes[i];

		if (routes_of(cnl, rt->dst.ip.family, rt->table, &rs, &nr, err) < 0)
			return -1;
		/* the default route is matched on its destination alone */
		if (!route_present(rs, nr, &rt->dst, rt->dst.prefix ? &rt->gw : NULL))
			return check_err(err, "Expected Route %s not found in routing table",
					 ip_net_format(&rt->dst, s));
	}
	return 0;
}

/* A CHECK mismatch of ours (err) stands unless the reference's own
 * entries are there instead (present() answers): a container it made
 * before the node switched to us. */
static int unless_reference(int rc, bool present, int lookup_rc, struct cni_error *err)
{
	if (rc == 0)
		return 0;
	if (err->code != CNI_ERR_CHECK || lookup_rc < 0 || !present)
		return -1;
	cni_error_clear(err);
	return 0;
}

/* The nftables entries ADD made for this container (made in the host netns). */
static int check_nft(const struct cni_env *env, const struct br_conf *c,
		     const struct cni_result *prev, const struct nl_link *host,
		     const struct nl_link *cont, struct cni_error *err)
{
	cleanup_error struct cni_error lookup = CNI_ERROR_INIT;
	bool ref = false;
	int rc, lr = 0;

	if (c->macspoofchk && cont->mac_len == 6) {
		rc = nft_spoofchk_check(env->container_id, env->ifname, host->name, cont->mac, err);
		if (rc < 0 && err->code == CNI_ERR_CHECK)
			lr = nft_legacy_spoofchk_present(env->container_id, env->ifname, &ref,
							 &lookup);
		if (unless_reference(rc, ref, lr, err) < 0)
			return -1;
	}
	if (c->ipam_type && c->ip_masq && prev->n_ips) {
		struct ip_net addrs[prev->n_ips];
		for (size_t i = 0; i < prev->n_ips; i++)
			addrs[i] = prev->ips[i].address;
		rc = nft_masq_check(c->name, env->container_id, env->ifname, addrs, prev->n_ips,
				    &(struct nft_nomasq){c->nomasq, c->n_nomasq}, err);
		ref = false;
		if (rc < 0 && err->code == CNI_ERR_CHECK)
			lr = nft_legacy_masq_present(c->name, env->container_id, env->ifname, &ref,
						     &lookup);
		if (unless_reference(rc, ref, lr, err) < 0)
			return -1;
	}
	return 0;
}

static int do_check(const struct cni_env *env, const struct cni_conf *conf, const struct br_conf *c,
		    struct cni_error *err)
{
	cleanup_result struct cni_result *prev = NULL;
	cleanup_nl struct nl_sock *nl = NULL;
	cleanup_nl struct nl_sock *cnl = NULL;
	cleanup_close int fd = -1;
	const struct cni_interface *bri = NULL, *ci = NULL;
	struct nl_link br, cont, host;
	int r;

	fd = netns_open(env->netns, err);
	if (fd < 0)
		return -1;
	if (c->ipam_type && br_ipam_cmd(c->ipam_type, CNI_CMD_CHECK, env, conf, err) < 0)
		return -1;
	if (!conf->prev_result)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "Required prevResult missing");
	if (cni_result_from_json(conf->prev_result, conf->cni_version, &prev, err) < 0)
		return -1;
	for (size_t k = 0; k < prev->n_interfaces; k++) {
		const struct cni_interface *i = &prev->interfaces[k];
		if (!i->name)
			continue;
		if (strcmp(i->name, c->bridge) == 0)
			bri = i;
		else if (strcmp(i->name, env->ifname) == 0 && i->sandbox &&
			 strcmp(i->sandbox, env->netns) == 0)
			ci = i;
	}
	if (nl_open(&nl, err) < 0 || check_bridge(nl, bri, c, &br, err) < 0)
		return -1;
	if (!ci)
		return check_err(err, "Sandbox in prevResult %s doesn't match configured netns: %s",
				 "", env->netns);
	if (nl_open_netns(fd, &cnl, err) < 0 || check_container(cnl, ci, &cont, err) < 0)
		return -1;
	r = find_host_veth(nl, prev, bri, ci, &br, &cont, &host, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return check_err(err, "CNI veth created for bridge %s was not found", c->bridge);
	if (check_ips_routes(cnl, &cont, prev, err) < 0)
		return -1;
	return check_nft(env, c, prev, &host, &cont, err);
}

int br_cmd_check(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	struct br_conf c;
	int r = -1;

	if (br_conf_load(conf, env->args, &c, err) == 0)
		r = do_check(env, conf, &c, err);
	br_conf_free(&c);
	return r;
}
