/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portmap ADD/DEL/CHECK/GC: the configuration and prevResult to entries,
 * then nftables (nftables.c). */
#define _GNU_SOURCE
#include "portmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/ip.h>

#include "netlink/netlink.h"
#include "ns/sysctl.h"
#include "util/cleanup.h"

/* The configuration (and, if any, prevResult); ctx prefixes errors as the
 * reference does ("failed to parse config: ..."). */
static int load(const struct cni_conf *conf, const char *ctx, struct pm_conf *pc,
		struct cni_result **prev, struct cni_error *err)
{
	if (pm_conf_parse(conf->root, pc, err) < 0)
		return ctx ? cni_error_wrap(err, "%s", ctx) : -1;
	if (conf->prev_result &&
	    cni_result_from_json(conf->prev_result, conf->cni_version, prev, err) < 0) {
		cni_error_wrap(err, "could not parse prevResult");
		return ctx ? cni_error_wrap(err, "%s", ctx) : -1;
	}
	return 0;
}

/* The entries for addrs (*v malloc'd), and t describing the call. */
static int target(const struct cni_env *env, const struct cni_conf *conf, const struct pm_conf *pc,
		  const struct pm_addrs *addrs, struct pm_entry **v, struct pm_target *t,
		  struct cni_error *err)
{
	size_t n = 0;

	if (pm_entries(pc, addrs, v, &n) < 0)
		return cni_error_oom(err);
	memset(t, 0, sizeof(*t));
	t->network = conf->name ? conf->name : "";
	t->container_id = env->container_id;
	t->ifname = env->ifname ? env->ifname : "";
	t->entries = *v;
	t->n = n;
	t->snat = pc->snat;
	t->masq_all = pc->masq_all;
	t->cond = pc->cond;
	return 0;
}

/* As the reference: with snat, route_localnet on the interface towards
 * the container, so that 127.0.0.1 may be routed to it. localnet_find
 * names that interface (ifname, "" when there is no route: the reference
 * skips it too) and tells whether it is on already; the mappings and the
 * interface's 127.0.0.0/8 drop (nftables.h) go in first, and only then
 * localnet_enable turns it on: the hole it opens for the bridge's
 * containers (CVE-2020-8558) is never open without the drop.
 *
 * Read through /proc/sys: the RTM_GETLINK that would tell takes the RTNL
 * lock, which the kernel's own work on a new bridge port (link watch,
 * IPv6 DAD: the ADD before ours) holds the longer the more ports the
 * bridge has. (The /proc/sys path costs more the more netns have looked
 * at their own /proc/sys/net, but less: docs/benchmarks.md.) The route
 * lookup is RTNL-free; only a change (once per interface) goes by
 * netlink. */
static int localnet_find(struct nl_sock *nl, const struct ip_addr *caddr, char ifname[IF_NAMESIZE],
			 int *oif, bool *on, struct cni_error *err)
{
	char key[sizeof("net/ipv4/conf//route_localnet") + IF_NAMESIZE], cur[16];
	cleanup_error struct cni_error e = CNI_ERROR_INIT;

	ifname[0] = '\0';
	*oif = 0;
	*on = false;
	if (nl_route_get(nl, caddr, oif, &e) < 0 || *oif <= 0) {
		*oif = 0;
		return 0;
	}
	/* no name: the interface went away since the route lookup; the drop
	 * needs its name, so nothing is turned on without it */
	if (!if_indextoname((unsigned)*oif, ifname))
		return cni_error_set(err, CNI_ERR_NETLINK,
				     "unable to enable route_localnet: interface %d: %s", *oif,
				     strerror(errno));
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", ifname);
	*on = sysctl_read(key, cur, sizeof(cur), &e) == 0 && !strcmp(cur, "1");
	return 0;
}

/* Does any entry need route_localnet (with snat: an IPv4 one)? Without
 * one, neither it nor its drop. */
static bool needs_localnet(const struct pm_conf *pc, const struct pm_target *t)
{
	for (size_t i = 0; pc->snat && i < t->n; i++)
		if (t->entries[i].family == AF_INET)
			return true;
	return false;
}

static int localnet_enable(struct nl_sock *nl, int oif, const char *ifname, struct cni_error *err)
{
	if (nl_link_set_ipv4_conf(nl, oif, ifname, IPV4_DEVCONF_ROUTE_LOCALNET, 1, err) < 0)
		return cni_error_wrap(err, "unable to enable route_localnet");
	return 0;
}

/* As the reference, after the mappings are in place: conntrack entries of
 * UDP to a mapped host port would keep sending that traffic where it went
 * before (UDP has no connection end). Failures are only reported. */
static void flush_udp(const struct pm_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cleanup_error struct cni_error e = CNI_ERROR_INIT;
		bool seen = false;

		if (v[i].proto != IPPROTO_UDP)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = v[j].proto == IPPROTO_UDP && v[j].family == v[i].family &&
			       v[j].host_port == v[i].host_port;
		if (!seen &&
		    nl_conntrack_del_dport(v[i].family, IPPROTO_UDP, v[i].host_port, &e) < 0)
			fprintf(stderr,
				"portmap: failed to delete stale UDP conntrack entries: %s\n",
				e.msg ? e.msg : "");
	}
}

static void note_backend(const struct pm_conf *pc)
{
	if (pc->backend == PM_BACKEND_IPTABLES)
		fprintf(stderr,
			"portmap: backend \"iptables\" is served by nftables (table inet %s)\n",
			PM_TABLE);
}

int pm_cmd_add(const struct cni_env *env, const struct cni_conf *conf, struct cni_result **result,
	       struct cni_error *err)
{
	cleanup_free char *out = NULL;
	cleanup_pm_conf struct pm_conf pc = {0};
	cleanup_result struct cni_result *prev = NULL;
	cleanup_free struct pm_entry *v = NULL;
	struct pm_addrs addrs;
	struct pm_target t;

	if (load(conf, "failed to parse config", &pc, &prev, err) < 0)
		return -1;
	if (!prev)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "must be called as chained plugin");
	/* the result must print in the config's version: know before any change */
	if (!(out = cni_result_print(prev, conf->cni_version, err)))
		return -1;
	if (pc.n_maps) {
		cleanup_nl struct nl_sock *nl = NULL;
		char lif[IF_NAMESIZE] = "";
		int oif = 0;
		bool on = false;

		note_backend(&pc);
		pm_container_addrs(prev, env->ifname, &addrs);
		if (target(env, conf, &pc, &addrs, &v, &t, err) < 0)
			return -1;
		if (needs_localnet(&pc, &t) &&
		    (nl_open(&nl, err) < 0 ||
		     localnet_find(nl, &addrs.a[0].ip, lif, &oif, &on, err) < 0))
			return -1;
		t.localnet_if = lif;
		if (pm_nft_add(&t, err) < 0)
			return -1; /* one batch: nothing of it is left */
		if (oif && !on && localnet_enable(nl, oif, lif, err) < 0) {
			/* undo the mappings (the drop stays: harmless, GC's) */
			cleanup_error struct cni_error e2 = CNI_ERROR_INIT;
			if (pm_nft_del(&t, &e2) < 0)
				fprintf(stderr, "portmap: the mappings stay: %s\n", e2.msg);
			return -1;
		}
		flush_udp(v, t.n);
	}
	/* pass the previous result on */
	*result = steal_pointer(&prev);
	return 0;
}

int pm_cmd_del(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_pm_conf struct pm_conf pc = {0};
	cleanup_result struct cni_result *prev = NULL;
	cleanup_free struct pm_entry *v = NULL;
	struct pm_addrs addrs;
	struct pm_target t;
	bool unknown;

	if (load(conf, "failed to parse config", &pc, &prev, err) < 0)
		return -1;
	if (pc.n_maps == 0)
		return 0; /* as the reference: nothing was mapped */
	note_backend(&pc);
	pm_container_addrs(prev, env->ifname, &addrs);
	/* no address known: the DNAT keys do not need one; look in both
	 * families (the masquerade elements are then found by owner) */
	unknown = !addrs.a[0].ip.family && !addrs.a[1].ip.family;
	if (unknown) {
		addrs.a[0].ip.family = AF_INET;
		addrs.a[1].ip.family = AF_INET6;
	}
	if (target(env, conf, &pc, &addrs, &v, &t, err) < 0)
		return -1;
	t.addr_unknown = unknown;
	return pm_nft_del(&t, err);
}

int pm_cmd_check(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_nl struct nl_sock *nl = NULL;
	char lif[IF_NAMESIZE] = "";
	int oif = 0;
	bool on = false;
	cleanup_pm_conf struct pm_conf pc = {0};
	cleanup_result struct cni_result *prev = NULL;
	cleanup_free struct pm_entry *v = NULL;
	struct pm_addrs addrs;
	struct pm_target t;

	if (load(conf, NULL, &pc, &prev, err) < 0)
		return -1;
	if (!prev)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "Required prevResult missing");
	if (pc.n_maps == 0)
		return 0;
	pm_container_addrs(prev, env->ifname, &addrs);
	if (target(env, conf, &pc, &addrs, &v, &t, err) < 0)
		return -1;
	/* the interface route_localnet serves needs its drop */
	if (needs_localnet(&pc, &t) &&
	    (nl_open(&nl, err) < 0 || localnet_find(nl, &addrs.a[0].ip, lif, &oif, &on, err) < 0))
		return -1;
	t.localnet_if = lif;
	return pm_nft_check(&t, err);
}

int pm_cmd_gc(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_pm_conf struct pm_conf pc = {0};
	cleanup_free struct cni_attachment *valid = NULL;
	size_t n = 0;

	(void)env;
	if (pm_conf_parse(conf->root, &pc, err) < 0)
		return -1;
	if (!conf->name || !conf->name[0])
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "GC needs the network's name");
	/* without the list nothing can be told valid: refuse, change nothing
	 * (JSON null or [] means none is valid) */
	if (!cJSON_GetObjectItemCaseSensitive(conf->root, "cni.dev/valid-attachments"))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "GC needs cni.dev/valid-attachments");
	if (cni_gc_attachments(conf, &valid, &n, err) < 0)
		return -1;
	return pm_nft_gc(conf->name, valid, n, err);
}
