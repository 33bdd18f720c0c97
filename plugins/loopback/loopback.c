/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loopback ADD/DEL/CHECK: one rtnetlink socket in the container's netns. */
#define _GNU_SOURCE
#include "loopback.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/vfs.h>

#include "cni/version.h"
#include "netlink/netlink.h"
#include "ns/netns.h"
#include "util/cleanup.h"

#define LO "lo"

/* The netns fd, with the reference's messages for a path that is gone
 * (-ENOENT) or is not a network namespace (-EINVAL). */
static int open_netns(const char *path, struct cni_error *err)
{
	struct statfs st;
	int fd = netns_open(path, err);

	if (fd == -ENOENT) {
		cni_error_set_errno(err, CNI_ERR_SYSTEM, ENOENT,
				    "failed to Statfs \"%s\": no such file or directory", path);
	} else if (fd == -EINVAL && statfs(path, &st) == 0) {
		cni_error_set(err, CNI_ERR_SYSTEM, "unknown FS magic on \"%s\": %lx", path,
			      (unsigned long)st.f_type);
	}
	return fd;
}

/* A socket in the netns at path and the state of its lo. */
static int open_lo(const char *path, struct nl_sock **nl, struct nl_link *lo, struct cni_error *err)
{
	cleanup_close int fd = open_netns(path, err);

	if (fd < 0)
		return fd;
	if (nl_open_netns(fd, nl, err) < 0)
		return -1;
	return nl_link_get(*nl, LO, 0, lo, err) < 0 ? -1 : 0;
}

static bool is_loopback(const struct ip_addr *a)
{
	static const uint8_t one6[16] = {[15] = 1};
	if (a->family == AF_INET)
		return a->b[0] == 127;
	return memcmp(a->b, one6, 16) == 0;
}

/* The result the reference builds: lo, its first IPv4 and first IPv6
 * address. Any non-loopback address on lo is an error. */
static int lo_result(const struct cni_env *env, const struct nl_addr *v, size_t n,
		     struct cni_result **out, struct cni_error *err)
{
	cleanup_result struct cni_result *r = cni_result_new();
	bool have4 = false, have6 = false;
	char s[IP_ADDR_STRLEN];

	if (!r || cni_result_add_interface(r, LO, "00:00:00:00:00:00", env->netns) < 0)
		return cni_error_oom(err);
	/* the reference checks every IPv4 address, then every IPv6 one */
	for (int pass = 0; pass < 2; pass++) {
		int family = pass ? AF_INET6 : AF_INET;
		for (size_t i = 0; i < n; i++) {
			bool *have = pass ? &have6 : &have4;
			struct cni_ipconfig ip = {.address = v[i].addr, .interface = 0};

			if (v[i].addr.ip.family != family)
				continue;
			if (!is_loopback(&v[i].addr.ip))
				return cni_error_set(
				    err, CNI_ERR_INVALID_CONFIG,
				    "loopback interface found with non-loopback address \"%s\"",
				    ip_addr_format(&v[i].addr.ip, s));
			if (*have)
				continue;
			*have = true;
			if (cni_result_add_ip(r, &ip) < 0)
				return cni_error_oom(err);
		}
	}
	*out = steal_pointer(&r);
	return 0;
}

int lo_cmd_add(const struct cni_env *env, const struct cni_conf *conf, struct cni_result **result,
	       struct cni_error *err)
{
	cleanup_nl struct nl_sock *nl = NULL;
	cleanup_result struct cni_result *prev = NULL;
	cleanup_free struct nl_addr *addrs = NULL;
	struct nl_link lo;
	size_t n = 0;

	if (conf->prev_result &&
	    cni_result_from_json(conf->prev_result, conf->cni_version, &prev, err) < 0)
		return cni_error_wrap(err, "failed to parse prevResult");
	if (open_lo(env->netns, &nl, &lo, err) < 0 || nl_link_set_up(nl, lo.index, LO, err) < 0 ||
	    nl_addr_list(nl, lo.index, AF_UNSPEC, &addrs, &n, err) < 0)
		return -1;
	if (prev) {
		/* a chained loopback passes the previous result on */
		*result = steal_pointer(&prev);
		return 0;
	}
	if (lo_result(env, addrs, n, result, err) < 0)
		return -1;
	/* As the reference: an explicit pre-1.0.0 cniVersion labels the
	 * 1.0.0-shaped result; none at all gives the 0.1.0 shape. */
	if (conf->cni_version[0] && cni_version_cmp(conf->cni_version, "1.0.0") < 0)
		(*result)->print_shape = "1.0.0";
	return 0;
}

int lo_cmd_del(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_nl struct nl_sock *nl = NULL;
	struct nl_link_change c = NL_LINK_CHANGE_INIT;
	struct nl_link lo;
	int r;

	(void)conf;
	if (!env->netns || !env->netns[0])
		return 0;
	r = open_lo(env->netns, &nl, &lo, err);
	if (r == -ENOENT) {
		/* the runtime removed the netns already (or calls DEL twice) */
		cni_error_clear(err);
		return 0;
	}
	if (r < 0)
		return -1;
	c.up = 0;
	return nl_link_change(nl, lo.index, LO, &c, err) < 0 ? -1 : 0;
}

int lo_cmd_check(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_nl struct nl_sock *nl = NULL;
	struct nl_link lo;

	(void)conf;
	if (open_lo(env->netns, &nl, &lo, err) < 0)
		return -1;
	if (!(lo.flags & IFF_UP))
		return cni_error_set(err, CNI_ERR_CHECK, "loopback interface is down");
	return 0;
}
