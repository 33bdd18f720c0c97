/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interface addresses. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

static struct nlmsghdr *addr_msg(void *buf, int type, int flags, int ifindex,
				 const struct ip_net *a)
{
	struct nlmsghdr *nlh = nl_msg(buf, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	int len = ip_addr_len(a->ip.family);

	ifa->ifa_family = a->ip.family;
	ifa->ifa_prefixlen = a->prefix;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->ip.b);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->ip.b);
	return nlh;
}

int nl_addr_add(struct nl_sock *nl, int ifindex, const char *ifname, const struct ip_net *a,
		unsigned int flags, struct cni_error *err)
{
	char buf[NL_REQ_SIZE], s[IP_NET_STRLEN];
	struct nlmsghdr *nlh = addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, a);
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct ip_addr brd;
	int r;

	ifa->ifa_flags = flags & 0xff;
	if (flags > 0xff)
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	/* as the reference (vishvananda/netlink): IPv4 gets its broadcast */
	if (a->ip.family == AF_INET && a->prefix < 31) {
		ip_net_last(a, &brd);
		mnl_attr_put(nlh, IFA_BROADCAST, 4, brd.b);
	}
	r = nl_talk(nl, nlh, NULL, NULL);
	if (r < 0)
		return nl_fail(nl, err, r, "failed to add IP addr %s to %s", ip_net_format(a, s),
			       ifname);
	return 0;
}

int nl_addr_del(struct nl_sock *nl, int ifindex, const char *ifname, const struct ip_net *a,
		struct cni_error *err)
{
	char buf[NL_REQ_SIZE], s[IP_NET_STRLEN];
	struct nlmsghdr *nlh = addr_msg(buf, RTM_DELADDR, 0, ifindex, a);
	int r = nl_talk(nl, nlh, NULL, NULL);

	if (r < 0)
		return nl_fail(nl, err, r, "could not remove IP address %s from %s",
			       ip_net_format(a, s), ifname);
	return 0;
}

struct addr_list {
	int ifindex;
	struct nl_addr *v;
	size_t n, cap;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *l = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1];
	const struct nlattr *a;
	struct nl_addr *e;
	int len;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	if (l->ifindex && (int)ifa->ifa_index != l->ifindex)
		return MNL_CB_OK;
	nl_parse_msg(nlh, sizeof(*ifa), tb, IFA_MAX);
	/* IFA_LOCAL is the address itself (IFA_ADDRESS is the peer on p2p) */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	len = ip_addr_len(ifa->ifa_family);
	if (!a || (int)mnl_attr_get_payload_len(a) != len)
		return MNL_CB_OK;
	void *grown = nl_grow(l->v, &l->cap, l->n, sizeof(*l->v));
	if (!grown)
		return MNL_CB_ERROR;
	l->v = grown;
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->ifindex = (int)ifa->ifa_index;
	e->addr.ip.family = ifa->ifa_family;
	memcpy(e->addr.ip.b, mnl_attr_get_payload(a), len);
	e->addr.prefix = ifa->ifa_prefixlen;
	e->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	e->scope = ifa->ifa_scope;
	return MNL_CB_OK;
}

int nl_addr_list(struct nl_sock *nl, int ifindex, int family, struct nl_addr **out, size_t *n,
		 struct cni_error *err)
{
	struct addr_list l = {ifindex, NULL, 0, 0};
	int r, tries = 0;

	do {
		char buf[NL_REQ_SIZE];
		struct nlmsghdr *nlh = nl_msg(buf, RTM_GETADDR, NLM_F_DUMP);
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

		ifa->ifa_family = family;
		ifa->ifa_index = ifindex; /* filtered by the kernel (strict checking) */
		l.n = 0;
		r = nl_talk(nl, nlh, addr_cb, &l);
	} while (r == -EINTR && ++tries < 5);
	if (r < 0) {
		free(l.v);
		return nl_fail(nl, err, r, "could not get list of IP addresses");
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
