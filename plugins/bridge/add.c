/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ADD: bridge, veth, IPAM, container addresses and routes, gateway,
 * masquerade; on any failure everything done for this container is undone. */
#define _GNU_SOURCE
#include "bridge.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_addr.h>

#include "util/cleanup.h"
#include "container.h"
#include "ipam.h"
#include "ns/netns.h"
#include "nftables.h"
#include "ns/sysctl.h"
#include "veth.h"

/* IPAM, and the masquerade entries for the addresses it gives, on a thread
 * of their own while the ADD's thread makes the links: store and nftables
 * work beside rtnetlink work (each waits on its own kernel lock). Only for
 * IPAM plugins that need no container interface (br_ipam_early). */
struct early {
	pthread_t tid;
	bool running;
	const struct cni_env *env;
	const struct cni_conf *conf;
	const struct br_conf *c;
	struct cni_result *ipam; /* IPAM's result (NULL: it failed, see err) */
	bool masq;		 /* the masquerade entries are in */
	struct cni_error err;
};

/* What to undo, newest first, when the ADD fails. */
enum undo {
	UNDO_VETH,
	UNDO_SPOOFCHK,
	UNDO_IPAM,
	UNDO_MASQ,
};

struct add {
	const struct cni_env *env;
	const struct cni_conf *conf;
	struct br_conf c;
	uint8_t mac[6];
	bool has_mac;
	struct nl_sock *nl;  /* host netns */
	struct nl_sock *cnl; /* container netns */
	int netns_fd;
	struct nl_link br, host, cont;
	struct cni_result *res;
	struct early early;
	enum undo undo[8];
	size_t n_undo;
};

static void add_free(struct add *a)
{
	cni_result_free(a->early.ipam);
	cni_error_clear(&a->early.err);
	br_conf_free(&a->c);
	nl_close(a->nl);
	nl_close(a->cnl);
	if (a->netns_fd >= 0)
		close(a->netns_fd);
	cni_result_free(a->res);
}

static void push_undo(struct add *a, enum undo u)
{
	a->undo[a->n_undo++] = u;
}

static void warn(const char *what, struct cni_error *e)
{
	fprintf(stderr, "bridge: rollback: %s: %s\n", what, e->msg ? e->msg : "failed");
	cni_error_clear(e);
}

static void *early_run(void *arg)
{
	struct early *w = arg;
	const struct br_conf *c = w->c;

	if (br_ipam_add(c->ipam_type, w->env, w->conf, &w->ipam, &w->err) < 0)
		return NULL;
	if (c->ip_masq && w->ipam->n_ips > 0) {
		struct ip_net addrs[w->ipam->n_ips];
		for (size_t i = 0; i < w->ipam->n_ips; i++)
			addrs[i] = w->ipam->ips[i].address;
		if (nft_masq_add(c->name, w->env->container_id, w->env->ifname, addrs,
				 w->ipam->n_ips, &(struct nft_nomasq){c->nomasq, c->n_nomasq},
				 &w->err) == 0)
			w->masq = true;
	}
	return NULL;
}

static int early_start(struct add *a, struct cni_error *err)
{
	struct early *w = &a->early;
	int r;

	w->env = a->env;
	w->conf = a->conf;
	w->c = &a->c;
	r = pthread_create(&w->tid, NULL, early_run, w);
	if (r != 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, r, "failed to start IPAM");
	w->running = true;
	return 0;
}

/* Wait for the thread and take over what it did: its undo entries, and
 * its error if any. */
static int early_join(struct add *a, struct cni_error *err)
{
	struct early *w = &a->early;

	if (!w->running)
		return 0;
	pthread_join(w->tid, NULL);
	w->running = false;
	if (w->ipam)
		push_undo(a, UNDO_IPAM);
	if (w->masq)
		push_undo(a, UNDO_MASQ);
	if (cni_error_is_set(&w->err)) {
		cni_error_move(err, &w->err);
		return -1;
	}
	return 0;
}

static void rollback(struct add *a)
{
	cleanup_error struct cni_error e = CNI_ERROR_INIT;
	const struct cni_env *env = a->env;

	/* still running: what it allocates is released too */
	early_join(a, &e);
	cni_error_clear(&e);

	while (a->n_undo > 0) {
		switch (a->undo[--a->n_undo]) {
		case UNDO_VETH:
			/* either end takes the pair with it */
			if (nl_link_del(a->nl, a->host.index, a->host.name, &e) < 0)
				warn("veth", &e);
			break;
		case UNDO_SPOOFCHK:
			if (nft_spoofchk_del(env->container_id, env->ifname, &e) < 0)
				warn("macspoofchk", &e);
			break;
		case UNDO_IPAM:
			if (br_ipam_cmd(a->c.ipam_type, CNI_CMD_DEL, env, a->conf, &e) < 0)
				warn("IPAM DEL", &e);
			break;
		case UNDO_MASQ:
			if (nft_masq_del(a->c.name, env->container_id, env->ifname, NULL, 0, NULL,
					 &e) < 0)
				warn("ipMasq", &e);
			break;
		}
	}
}

static int setup_bridge(struct add *a, struct cni_error *err)
{
	cleanup_error struct cni_error ignored = CNI_ERROR_INIT;
	uint8_t mac[6];
	struct nl_bridge_opts o = {
	    .name = a->c.bridge,
	    .mtu = a->c.mtu,
	    .mac = mac,
	    .promisc = a->c.promisc,
	    .vlan_filtering = br_vlan_filtering(&a->c),
	};
	char key[128];

	/* A bridge we create gets a MAC of its own: a set MAC never follows
	 * the ports, so it stays as containers come and go (and never drops
	 * to 00:00:00:00:00:00 when the last port leaves). */
	if (br_random_mac(mac, err) < 0)
		return -1;
	if (nl_bridge_ensure(a->nl, &o, &a->br, NULL, err) < 0)
		return cni_error_wrap(err, "failed to create bridge \"%s\"", a->c.bridge);
	/* We want to own the routes for this interface. Read by netlink, and
	 * written only when needed: a /proc/sys lookup costs more the more
	 * network namespaces the host has. */
	if (a->br.ipv6_accept_ra != 0) {
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/accept_ra", a->c.bridge);
		sysctl_write(key, "0", &ignored);
	}
	return 0;
}

static int add_interface(struct cni_result *r, const struct nl_link *l, const char *sandbox,
			 struct cni_error *err)
{
	char mac[18];
	if (cni_result_add_interface(r, l->name, l->mac_len == 6 ? br_format_mac(l->mac, mac) : "",
				     sandbox) < 0)
		return cni_error_oom(err);
	return 0;
}

static int set_mac(struct cni_interface *i, const struct nl_link *l)
{
	char mac[18];
	char *m;

	if (l->mac_len != 6)
		return 0;
	if (!(m = strdup(br_format_mac(l->mac, mac))))
		return -1;
	free(i->mac);
	i->mac = m;
	return 0;
}

/* IPAM's outcome (from the thread, or run now) and its IPs, routes, DNS. */
static int run_ipam(struct add *a, struct cni_error *err)
{
	cleanup_result struct cni_result *ipam = NULL;

	if (a->early.running || a->early.ipam) {
		if (early_join(a, err) < 0)
			return -1;
		ipam = steal_pointer(&a->early.ipam);
	} else {
		if (br_ipam_add(a->c.ipam_type, a->env, a->conf, &ipam, err) < 0)
			return -1;
		push_undo(a, UNDO_IPAM);
	}
	if (ipam->n_ips == 0)
		return cni_error_set(err, CNI_ERR_IPAM, "IPAM plugin returned missing IP config");
	for (size_t i = 0; i < ipam->n_ips; i++)
		if (cni_result_add_ip(a->res, &ipam->ips[i]) < 0)
			return cni_error_oom(err);
	for (size_t i = 0; i < ipam->n_routes; i++)
		if (cni_result_add_route(a->res, &ipam->routes[i]) < 0)
			return cni_error_oom(err);
	if (cni_dns_copy(&a->res->dns, &ipam->dns) < 0)
		return cni_error_oom(err);
	return 0;
}

static int enable_forward(struct nl_sock *nl, int family, struct cni_error *err)
{
	const char *key =
	    family == AF_INET ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding";
	int on = 0;

	/* usually on already: asked by netlink, /proc/sys only to turn it on */
	if (nl_forwarding_get(nl, family, &on, err) == 0 && on == 1)
		return 0;
	cni_error_clear(err);
	if (sysctl_ensure(key, "1", err) < 0)
		return cni_error_wrap(err, "failed to enable forwarding");
	return 0;
}

/* The gateway addresses on the bridge (or its VLAN interface), forwarding. */
static int setup_gateways(struct add *a, const struct ip_net *gws, size_t n, struct cni_error *err)
{
	struct nl_link vlan_gw, *target = &a->br;
	bool fwd4 = false, fwd6 = false;

	if (!n)
		return 0;
	if (a->c.vlan) {
		if (br_vlan_gateway(a->nl, &a->br, &a->c, &vlan_gw, err) < 0)
			return cni_error_wrap(err, "failed to create vlan interface");
		if (add_interface(a->res, &vlan_gw, NULL, err) < 0)
			return -1;
		target = &vlan_gw;
	}
	for (size_t i = 0; i < n; i++) {
		bool v6 = gws[i].ip.family == AF_INET6;
		/* no DAD for the gateway either: usable as soon as ADD returns */
		unsigned int flags = v6 && !a->c.enabledad ? IFA_F_NODAD : 0;
		if (br_ensure_addr(a->nl, target, &gws[i], a->c.force_address, flags, err) < 0)
			return cni_error_wrap(err, a->c.vlan ? "failed to set vlan interface for "
							       "bridge with addr"
							     : "failed to set bridge addr");
		fwd4 |= !v6;
		fwd6 |= v6;
	}
	if (fwd4 && enable_forward(a->nl, AF_INET, err) < 0)
		return -1;
	if (fwd6 && enable_forward(a->nl, AF_INET6, err) < 0)
		return -1;
	return 0;
}

static int setup_masq(struct add *a, struct cni_error *err)
{
	struct ip_net addrs[a->res->n_ips];

	if (a->early.masq)
		return 0; /* done by the IPAM thread */
	for (size_t i = 0; i < a->res->n_ips; i++)
		addrs[i] = a->res->ips[i].address;
	if (nft_masq_add(a->c.name, a->env->container_id, a->env->ifname, addrs, a->res->n_ips,
			 &(struct nft_nomasq){a->c.nomasq, a->c.n_nomasq}, err) < 0)
		return -1;
	push_undo(a, UNDO_MASQ);
	return 0;
}

static const char *operstate_name(int s)
{
	static const char *const names[] = {"unknown", "not-present", "down", "lower-layer-down",
					    "testing", "dormant",     "up"};
	return s >= 0 && s < (int)(sizeof(names) / sizeof(names[0])) ? names[s] : "unknown";
}

/* Wait for the host end to be up (the kernel sets it asynchronously once
 * both ends are up); refreshes a->host (its MAC may have changed). */
static int wait_port_up(struct add *a, bool wait, struct cni_error *err)
{
	long waited_us = 0, step_us = 50;

	for (;;) {
		if (nl_link_get(a->nl, NULL, a->host.index, &a->host, err) < 0)
			return -1;
		if (!wait || a->host.operstate == IF_OPER_UP)
			return 0;
		if (waited_us > 2500000)
			return cni_error_set(err, CNI_ERR_NETLINK, "bridge port in error state: %s",
					     operstate_name(a->host.operstate));
		usleep((useconds_t)step_us);
		waited_us += step_us;
		if (step_us < 20000)
			step_us *= 2;
	}
}

static int do_add(struct add *a, struct cni_error *err)
{
	const struct cni_env *env = a->env;
	struct br_conf *c = &a->c;
	size_t n_gws = 0;
	int r;

	a->netns_fd = netns_open(env->netns, err);
	if (a->netns_fd < 0)
		return -1;
	/* host-local allocates while the kernel makes the links */
	if (c->ipam_type && br_ipam_early(c->ipam_type) && early_start(a, err) < 0)
		return -1;
	if (nl_open(&a->nl, err) < 0 || setup_bridge(a, err) < 0)
		return -1;
	if (nl_open_netns(a->netns_fd, &a->cnl, err) < 0)
		return -1;

	r = br_veth_create(a->nl, a->cnl, a->netns_fd, env->ifname, &a->br, c->mtu,
			   a->has_mac ? a->mac : NULL, &a->host, err);
	if (r < 0)
		return r;
	push_undo(a, UNDO_VETH);
	/* An existing bridge without a MAC (its last port left before anyone
	 * pinned one) has taken the new port's now: that is what the gateway
	 * pins, never the zero one read before. */
	if (br_link_mac_unset(&a->br) && nl_link_get(a->nl, NULL, a->br.index, &a->br, err) < 0)
		return -1;
	if (br_port_setup(a->nl, &a->br, &a->host, c, c->vlan, c->trunk, c->n_trunk, c->hairpin,
			  c->port_isolation, err) < 0)
		return -1;
	if (nl_link_get(a->cnl, env->ifname, 0, &a->cont, err) < 0)
		return -1;
	/* Up now: the kernel turns the port's carrier on asynchronously,
	 * meanwhile IPAM runs. */
	if (!c->disable_container_iface &&
	    nl_link_set_up(a->cnl, a->cont.index, a->cont.name, err) < 0)
		return -1;

	if (!(a->res = cni_result_new()))
		return cni_error_oom(err);
	if (add_interface(a->res, &a->br, NULL, err) < 0 ||
	    add_interface(a->res, &a->host, NULL, err) < 0 ||
	    add_interface(a->res, &a->cont, env->netns, err) < 0)
		return -1;

	if (c->macspoofchk) {
		if (nft_spoofchk_add_net(c->name, env->container_id, env->ifname, a->host.name,
					 a->cont.mac, err) < 0)
			return -1;
		push_undo(a, UNDO_SPOOFCHK);
	}

	if (c->ipam_type) {
		if (run_ipam(a, err) < 0)
			return -1;
		struct ip_net gws[a->res->n_ips];
		if (br_calc_gateways(a->res, c, gws, &n_gws) < 0)
			return cni_error_oom(err);
		if (br_container_configure(a->cnl, a->netns_fd, &a->cont, a->res, c, err) < 0)
			return -1;
		if (c->is_gw && setup_gateways(a, gws, n_gws, err) < 0)
			return -1;
		if (c->ip_masq && setup_masq(a, err) < 0)
			return -1;
	}

	if (wait_port_up(a, !c->disable_container_iface, err) < 0)
		return -1;
	/* the bridge's MAC may have changed with its first port */
	if (nl_link_get(a->nl, NULL, a->br.index, &a->br, err) < 0)
		return -1;
	if (set_mac(&a->res->interfaces[0], &a->br) < 0 ||
	    set_mac(&a->res->interfaces[1], &a->host) < 0)
		return cni_error_oom(err);

	if (c->has_dns && cni_dns_copy(&a->res->dns, &c->dns) < 0)
		return cni_error_oom(err);
	return 0;
}

int br_cmd_add(const struct cni_env *env, const struct cni_conf *conf, struct cni_result **result,
	       struct cni_error *err)
{
	struct add a = {.env = env, .conf = conf, .netns_fd = -1};
	int r = -1;

	if (br_conf_load(conf, env->args, &a.c, err) < 0 ||
	    br_conf_check_add(&a.c, a.mac, &a.has_mac, err) < 0 ||
	    (a.c.ipam_type && br_ipam_validate(a.c.ipam_type, env, conf, err) < 0))
		goto out;
	if (br_masq_backend_note(&a.c))
		fprintf(stderr, "%s\n", br_masq_backend_note(&a.c));
	r = do_add(&a, err);
	if (r < 0) {
		rollback(&a);
		goto out;
	}
	*result = steal_pointer(&a.res);
	r = 0;
out:
	add_free(&a);
	return r < 0 ? -1 : 0;
}
