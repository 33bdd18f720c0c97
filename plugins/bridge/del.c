/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DEL: release the IP, remove the container interface (its veth pair with
 * it) and this container's nftables entries; the bridge stays. Idempotent:
 * a missing netns or interface is success. */
#define _GNU_SOURCE
#include "bridge.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cleanup.h"
#include "delegate.h"
#include "netns.h"
#include "nft.h"

/* Delete ifname in the netns; *addrs gets its global unicast addresses
 * (for the masquerade entries). Netns or interface gone: 0. */
static int del_container_link(const char *netns, const char *ifname, struct ip_net **addrs,
			      size_t *n_addrs, struct cni_error *err)
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
	r = nl_link_del(nl, l.index, ifname, err);
	if (r < 0 && r != -ENODEV)
		return cni_error_wrap(err, "failed to delete \"%s\"", ifname);
	cni_error_clear(err);
	if (n && !(*addrs = calloc(n, sizeof(**addrs))))
		return cni_error_set(err, CNI_ERR_SYSTEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (br_ip_is_global_unicast(&list[i].addr.ip))
			(*addrs)[k++] = list[i].addr;
	*n_addrs = k;
	return 0;
}

int br_cmd_del(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_free struct ip_net *addrs = NULL;
	struct br_conf c;
	size_t n = 0;
	int r = -1;

	if (br_conf_load(conf, env->args, &c, err) < 0)
		goto out;
	/* release the IP first: it is what leaks for good if DEL stops here */
	if (c.ipam_type && cni_delegate_cmd(c.ipam_type, CNI_CMD_DEL, env, conf, err) < 0)
		goto out;
	if (env->netns && *env->netns &&
	    del_container_link(env->netns, env->ifname, &addrs, &n, err) < 0)
		goto out;
	if (c.macspoofchk) {
		cleanup_error struct cni_error e = CNI_ERROR_INIT;
		/* as the reference: reported, not fatal */
		if (nft_spoofchk_del(env->container_id, env->ifname, &e) < 0)
			fprintf(stderr, "bridge: %s\n",
				e.msg ? e.msg : "macspoofchk teardown failed");
	}
	if (c.ipam_type && c.ip_masq) {
		if (nft_masq_del(c.name, env->container_id, env->ifname, addrs, n, err) < 0)
			goto out;
		/* what the reference (iptables) made before a migration */
		if (nft_legacy_masq_del(c.name, env->container_id, env->ifname, err) < 0)
			goto out;
	}
	r = 0;
out:
	br_conf_free(&c);
	return r;
}
