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
 * the container, so that 127.0.0.1 may be routed to it; before the
 * mappings: *changed_if gets the interface this call turned it on for (0:
 * none), for the undo if they fail. Read through /proc/sys: the
 * RTM_GETLINK that would tell takes the RTNL lock, which the kernel's own
 * work on a new bridge port (link watch, IPv6 DAD: the ADD before ours)
 * holds the longer the more ports the bridge has. (The /proc/sys path costs
 * more the more netns have looked at their own /proc/sys/net, but less:
 * docs/benchmarks.md.) The route lookup is RTNL-free; only a change (once
 * per interface) goes by netlink. */
static int route_localnet(struct nl_sock *nl, const struct ip_addr *caddr, int *changed_if,
			  struct cni_error *err)
{
	char name[IF_NAMESIZE], key[sizeof("net/ipv4/conf//route_localnet") + IF_NAMESIZE];
	char cur[16];
	int oif = 0;

	*changed_if = 0;
	if (nl_route_get(nl, caddr, &oif, err) < 0) {
		/* no route: the reference skips it too */
		cni_error_clear(err);
		return 0;
	}
	if (oif <= 0)
		return 0;
	/* no name or unreadable: set it anyway (netlink reports a vanished link) */
	if (if_indextoname((unsigned)oif, name)) {
		snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", name);
		if (sysctl_read(key, cur, sizeof(cur), err) == 0 && !strcmp(cur, "1"))
			return 0;
		cni_error_clear(err);
	} else {
		snprintf(name, sizeof(name), "%d", oif);
	}
	if (nl_link_set_ipv4_conf(nl, oif, name, IPV4_DEVCONF_ROUTE_LOCALNET, 1, err) < 0)
		return cni_error_wrap(err, "unable to enable route_localnet");
	*changed_if = oif;
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
		int changed = 0;

		note_backend(&pc);
		pm_container_addrs(prev, env->ifname, &addrs);
		if (target(env, conf, &pc, &addrs, &v, &t, err) < 0)
			return -1;
		if (pc.snat && addrs.a[0].ip.family &&
		    (nl_open(&nl, err) < 0 ||
		     route_localnet(nl, &addrs.a[0].ip, &changed, err) < 0))
			return -1;
		if (pm_nft_add(&t, err) < 0) {
			/* one batch: nothing of it is left; undo route_localnet too */
			cleanup_error struct cni_error e2 = CNI_ERROR_INIT;
			if (changed &&
			    nl_link_set_ipv4_conf(nl, changed, NULL, IPV4_DEVCONF_ROUTE_LOCALNET, 0,
						  &e2) < 0)
				fprintf(stderr, "portmap: route_localnet stays on: %s\n", e2.msg);
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
