/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DEL: release the IP, remove the container interface (its veth pair with
 * it) and this container's nftables entries; the bridge stays. Idempotent:
 * a missing netns or interface is success. */
#define _GNU_SOURCE
#include "bridge.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/async.h"
#include "util/cleanup.h"
#include "ipam.h"
#include "ns/netns.h"
#include "nftables.h"

/* The container interface, looked up (not yet deleted): its socket, index
 * and global unicast addresses (for the masquerade entries). */
struct ctr_link {
	struct nl_sock *nl; /* NULL: netns or interface gone, nothing to delete */
	int index;
	struct ip_net *addrs;
	size_t n_addrs;
};

static void ctr_link_free(struct ctr_link *l)
{
	nl_close(l->nl);
	free(l->addrs);
}

static int find_container_link(const char *netns, const char *ifname, struct ctr_link *out,
			       struct cni_error *err)
{
	cleanup_error struct cni_error ignored = CNI_ERROR_INIT;
	cleanup_close int fd = -1;
	cleanup_nl struct nl_sock *nl = NULL;
	cleanup_free struct nl_addr *list = NULL;
	struct nl_link l;
	size_t n = 0, k = 0;
	int r;

	fd = netns_open(netns, &ignored);
	if (fd == -ENOENT || fd == -EINVAL)
		return 0; /* the netns is gone already */
	if (fd < 0) {
		cni_error_move(err, &ignored);
		return -1;
	}
	if (nl_open_netns(fd, &nl, err) < 0)
		return -1;
	r = nl_link_get(nl, ifname, 0, &l, err);
	if (r == -ENODEV) {
		cni_error_clear(err);
		return 0;
	}
	if (r < 0)
		return -1;
	if (nl_addr_list(nl, l.index, AF_UNSPEC, &list, &n, err) < 0)
		return cni_error_wrap(err, "failed to get IP addresses for \"%s\"", ifname);
	if (n && !(out->addrs = calloc(n, sizeof(*out->addrs))))
		return cni_error_oom(err);
	for (size_t i = 0; i < n; i++)
		if (br_ip_is_global_unicast(&list[i].addr.ip))
			out->addrs[k++] = list[i].addr;
	out->n_addrs = k;
	out->index = l.index;
	out->nl = steal_pointer(&nl);
	return 0;
}

/* This container's nftables entries, in a worker of its own that answers
 * as soon as the kernel has committed, and closes its socket only after
 * the veth is gone: that close may wait an RCU grace period holding the
 * nftables commit mutex, which the kernel's netdev unregister takes too. */
struct del_work {
	const struct cni_env *env;
	const struct cni_conf *conf;
	const struct br_conf *c;
	const struct ctr_link *link;
};

static int nft_del(void *arg, char **out, struct cni_error *err)
{
	const struct del_work *w = arg;
	const struct cni_env *env = w->env;

	nft_defer_socket_close();
	/* Fatal, unlike the reference (which prints it and succeeds): a DEL
	 * that reports success is not asked again, and the entries would stay
	 * until a GC. The runtime retries a failed DEL; the retry finds what
	 * is left (a missing table or element is no error). */
	if (w->c->macspoofchk && nft_spoofchk_del(env->container_id, env->ifname, err) < 0)
		return -1;
	if (w->c->ipam_type && w->c->ip_masq) {
		if (nft_masq_del(w->c->name, env->container_id, env->ifname, w->link->addrs,
				 w->link->n_addrs,
				 &(struct nft_nomasq){w->c->nomasq, w->c->n_nomasq}, err) < 0)
			return -1;
		/* what the reference (iptables) made before a migration */
		if (nft_legacy_masq_del(w->c->name, env->container_id, env->ifname, err) < 0)
			return -1;
	}
	return 0;
}

static int ipam_del(void *arg, char **out, struct cni_error *err)
{
	const struct del_work *w = arg;
	return br_ipam_cmd(w->c->ipam_type, CNI_CMD_DEL, w->env, w->conf, err);
}

/* IPAM DEL, the nftables entries and the veth teardown all wait on
 * something (an exec, RCU grace periods), so they run side by side; DEL
 * reports the first failure, in that order. */
int br_cmd_del(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_error struct cni_error link_err = CNI_ERROR_INIT;
	struct async_job ipam = ASYNC_JOB_INIT, nft = ASYNC_JOB_INIT;
	struct ctr_link link = {0};
	struct br_conf c;
	struct del_work w = {env, conf, &c, &link};
	int r = -1;

	if (br_conf_load(conf, env->args, &c, err) < 0)
		goto out;
	if (c.ipam_type && async_start(&ipam, ipam_del, &w, err) < 0)
		goto out;
	if (env->netns && *env->netns &&
	    find_container_link(env->netns, env->ifname, &link, &link_err) < 0)
		goto finish;
	if ((c.macspoofchk || (c.ipam_type && c.ip_masq)) &&
	    async_start_held(&nft, nft_del, &w, err) < 0)
		goto out;
	if (link.nl) {
		int d = nl_link_del(link.nl, link.index, env->ifname, &link_err);
		if (d < 0 && d != -ENODEV)
			cni_error_wrap(&link_err, "failed to delete \"%s\"", env->ifname);
		else
			cni_error_clear(&link_err);
	}
finish:
	if (async_finish(&ipam, "IPAM DEL", NULL, err) < 0)
		goto out;
	if (cni_error_is_set(&link_err)) {
		cni_error_move(err, &link_err);
		goto out;
	}
	if (async_finish(&nft, "nftables cleanup", NULL, err) < 0)
		goto out;
	r = 0;
out:
	async_abandon(&ipam);
	async_abandon(&nft);
	ctr_link_free(&link);
	br_conf_free(&c);
	return r;
}
