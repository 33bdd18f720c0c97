/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container side: sysctls, link up, addresses, routes (the
 * reference's ipam.ConfigureIface), through the container's own socket. */
#define _GNU_SOURCE
#include "container.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/if_addr.h>
#include <linux/ip.h>

#include "util/cleanup.h"
#include "ns/netns.h"
#include "ns/sysctl.h"

#define SETTLE_TIMEOUT_NS (10LL * 1000 * 1000 * 1000)

struct sysctl_args {
	const char *ifname;
	bool enabledad;
	bool has_v6;
};

/* Inside the container netns (/proc/sys/net is the opener's netns). */
static int container_sysctls(void *arg, struct cni_error *err)
{
	cleanup_error struct cni_error ignored = CNI_ERROR_INIT;
	const struct sysctl_args *a = arg;
	const char *ifs[2] = {"lo", a->ifname};
	char key[128], val[16];

	/* Best effort, as the reference: IPv6 may be off altogether. */
	if (a->enabledad) {
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/enhanced_dad", a->ifname);
		sysctl_write(key, "1", &ignored);
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/accept_dad", a->ifname);
		sysctl_write(key, "1", &ignored);
	} else {
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/accept_dad", a->ifname);
		sysctl_write(key, "0", &ignored);
	}
	/* IPv6 addresses need IPv6 on the interface and on lo */
	for (int i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", ifs[i]);
		if (sysctl_read(key, val, sizeof(val), &ignored) < 0) {
			fprintf(stderr, "bridge: failed to read sysctl %s: %s\n", key,
				ignored.msg ? ignored.msg : "");
			continue;
		}
		if (strcmp(val, "0") == 0)
			continue;
		if (sysctl_write(key, "0", err) < 0)
			return cni_error_wrap(err, "failed to enable IPv6 for interface \"%s\"",
					      ifs[i]);
	}
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Wait until no IPv6 address of the result is tentative (DAD done). */
static int settle(struct nl_sock *nl, const struct nl_link *link, const struct cni_result *res,
		  struct cni_error *err)
{
	long long deadline = now_ns() + SETTLE_TIMEOUT_NS;
	long wait_us = 20;

	for (;;) {
		cleanup_free struct nl_addr *addrs = NULL;
		bool pending = false;
		size_t n = 0;
		char s[IP_NET_STRLEN];

		if (nl_addr_list(nl, link->index, AF_INET6, &addrs, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < res->n_ips; i++) {
			const struct ip_net *want = &res->ips[i].address;
			if (want->ip.family != AF_INET6)
				continue;
			for (size_t k = 0; k < n; k++) {
				if (!ip_addr_equal(&addrs[k].addr.ip, &want->ip))
					continue;
				if (addrs[k].flags & IFA_F_DADFAILED)
					return cni_error_set(err, CNI_ERR_NETLINK,
							     "failed to add IP addr %s to %s: "
							     "duplicate address detected",
							     ip_net_format(want, s), link->name);
				if (addrs[k].flags & IFA_F_TENTATIVE)
					pending = true;
			}
		}
		if (!pending)
			return 0;
		if (now_ns() > deadline)
			return cni_error_set(err, CNI_ERR_NETLINK,
					     "link %s still has tentative addresses after %lld "
					     "seconds",
					     link->name, SETTLE_TIMEOUT_NS / 1000000000LL);
		struct timespec ts = {0, wait_us * 1000};
		nanosleep(&ts, NULL);
		if (wait_us < 20000)
			wait_us *= 2;
	}
}

int br_container_configure(struct nl_sock *nl, int netns_fd, const struct nl_link *link,
			   const struct cni_result *res, const struct br_conf *c,
			   struct cni_error *err)
{
	struct sysctl_args sa = {link->name, c->enabledad, false};
	const struct ip_addr *gw4 = NULL, *gw6 = NULL;
	char s[IP_NET_STRLEN], g[IP_ADDR_STRLEN];
	int r;

	for (size_t i = 0; i < res->n_ips; i++)
		sa.has_v6 |= res->ips[i].address.ip.family == AF_INET6;
	/* arp_notify by netlink (best effort, as the reference); the IPv6
	 * settings have no netlink setter: /proc/sys inside the netns, only
	 * when the container gets IPv6 (a /proc/sys lookup costs more the
	 * more network namespaces the host has) */
	{
		cleanup_error struct cni_error ignored = CNI_ERROR_INIT;
		nl_link_set_ipv4_conf(nl, link->index, link->name, IPV4_DEVCONF_ARP_NOTIFY, 1,
				      &ignored);
	}
	if (sa.has_v6 && netns_run(netns_fd, container_sysctls, &sa, err) < 0)
		return -1;
	for (size_t i = 0; i < res->n_ips; i++) {
		const struct cni_ipconfig *ip = &res->ips[i];
		bool v6 = ip->address.ip.family == AF_INET6;

		r = nl_addr_add(nl, link->index, link->name, &ip->address,
				v6 && !c->enabledad ? IFA_F_NODAD : 0, err);
		if (r < 0)
			return r;
		/* routes without a gateway go via the first one of their family */
		if (ip->gateway.family == AF_INET && !gw4)
			gw4 = &ip->gateway;
		else if (ip->gateway.family == AF_INET6 && !gw6)
			gw6 = &ip->gateway;
	}
	if (sa.has_v6 && settle(nl, link, res, err) < 0)
		return -1;
	for (size_t i = 0; i < res->n_routes; i++) {
		const struct cni_route *rt = &res->routes[i];
		struct nl_route nr = NL_ROUTE_INIT;

		nr.dst = rt->dst;
		nr.gw = rt->gw;
		if (!nr.gw.family) {
			const struct ip_addr *d = rt->dst.ip.family == AF_INET ? gw4 : gw6;
			if (d)
				nr.gw = *d;
		}
		nr.oif = link->index;
		nr.mtu = rt->mtu;
		nr.advmss = rt->advmss;
		nr.priority = rt->priority;
		nr.table = rt->table;
		if (rt->has_scope)
			nr.scope = rt->scope;
		r = nl_route_add(nl, &nr, err);
		if (r < 0) {
			/* the reference's wording; the kernel's reason stays in details */
			cleanup_free char *det = err->details ? strdup(err->details) : NULL;
			cni_error_set(err, CNI_ERR_NETLINK,
				      "failed to add route '%s via %s dev %s': %s",
				      ip_net_format(&rt->dst, s),
				      nr.gw.family ? ip_addr_format(&nr.gw, g) : "<nil>",
				      link->name, strerror(-r));
			cni_error_set_details(err, "%s", det ? det : strerror(-r));
			return r;
		}
	}
	return 0;
}
