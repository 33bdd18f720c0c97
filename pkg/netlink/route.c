/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Routes, with the CNI 1.1.0 fields (mtu, advmss, priority, table, scope). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

static void route_desc(const struct nl_route *r, char *buf, size_t len)
{
	char d[IP_NET_STRLEN], g[IP_ADDR_STRLEN];

	if (r->gw.family)
		snprintf(buf, len, "%s via %s", ip_net_format(&r->dst, d),
			 ip_addr_format(&r->gw, g));
	else
		snprintf(buf, len, "%s", ip_net_format(&r->dst, d));
}

static struct nlmsghdr *route_msg(void *buf, int type, int flags, const struct nl_route *r)
{
	struct nlmsghdr *nlh = nl_msg(buf, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int family = r->dst.ip.family;
	int len = ip_addr_len(family);
	uint32_t table = r->table > 0 ? (uint32_t)r->table : RT_TABLE_MAIN;
	struct nlattr *m;

	rtm->rtm_family = family;
	rtm->rtm_dst_len = r->dst.prefix;
	rtm->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol ? r->protocol : RTPROT_BOOT;
	rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
	if (type == RTM_DELROUTE)
		rtm->rtm_scope = r->scope >= 0 ? r->scope : RT_SCOPE_NOWHERE; /* any */
	else
		rtm->rtm_scope = r->scope >= 0 ? r->scope : RT_SCOPE_UNIVERSE;
	if (r->dst.prefix > 0) {
		struct ip_net net;
		ip_net_network(&r->dst, &net);
		mnl_attr_put(nlh, RTA_DST, len, net.ip.b);
	}
	if (r->gw.family)
		mnl_attr_put(nlh, RTA_GATEWAY, ip_addr_len(r->gw.family), r->gw.b);
	if (r->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (r->priority)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, (uint32_t)r->priority);
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (type != RTM_DELROUTE && (r->mtu || r->advmss)) {
		m = mnl_attr_nest_start(nlh, RTA_METRICS);
		if (r->mtu)
			mnl_attr_put_u32(nlh, RTAX_MTU, (uint32_t)r->mtu);
		if (r->advmss)
			mnl_attr_put_u32(nlh, RTAX_ADVMSS, (uint32_t)r->advmss);
		mnl_attr_nest_end(nlh, m);
	}
	return nlh;
}

int nl_route_add(struct nl_sock *nl, const struct nl_route *r, struct cni_error *err)
{
	char buf[NL_REQ_SIZE], d[128];
	int ret;

	ret = nl_talk(nl, route_msg(buf, RTM_NEWROUTE, NLM_F_CREATE, r), NULL, NULL);
	if (ret < 0) {
		route_desc(r, d, sizeof(d));
		return nl_fail(nl, err, ret, "failed to add route %s", d);
	}
	return 0;
}

struct route_list {
	int table, oif;
	struct nl_route *v;
	size_t n, cap;
};

static void parse_metrics(const struct nlattr *nest, struct nl_route *r)
{
	const struct nlattr *tb[RTAX_MAX + 1];

	nl_parse_nested(nest, tb, RTAX_MAX);
	if (tb[RTAX_MTU])
		r->mtu = (int)mnl_attr_get_u32(tb[RTAX_MTU]);
	if (tb[RTAX_ADVMSS])
		r->advmss = (int)mnl_attr_get_u32(tb[RTAX_ADVMSS]);
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_list *l = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	struct nl_route r = NL_ROUTE_INIT;
	int len;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return MNL_CB_OK;
	if (rtm->rtm_flags & RTM_F_CLONED)
		return MNL_CB_OK;
	nl_parse_msg(nlh, sizeof(*rtm), tb, RTA_MAX);
	len = ip_addr_len(rtm->rtm_family);
	r.dst.ip.family = rtm->rtm_family;
	r.dst.prefix = rtm->rtm_dst_len;
	if (tb[RTA_DST] && (int)mnl_attr_get_payload_len(tb[RTA_DST]) == len)
		memcpy(r.dst.ip.b, mnl_attr_get_payload(tb[RTA_DST]), len);
	if (tb[RTA_GATEWAY] && (int)mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == len) {
		r.gw.family = rtm->rtm_family;
		memcpy(r.gw.b, mnl_attr_get_payload(tb[RTA_GATEWAY]), len);
	}
	if (tb[RTA_OIF])
		r.oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	if (tb[RTA_PRIORITY])
		r.priority = (int)mnl_attr_get_u32(tb[RTA_PRIORITY]);
	r.table = tb[RTA_TABLE] ? (int)mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (tb[RTA_METRICS])
		parse_metrics(tb[RTA_METRICS], &r);
	r.scope = rtm->rtm_scope;
	r.type = rtm->rtm_type;
	r.protocol = rtm->rtm_protocol;
	if (l->table >= 0 && r.table != l->table)
		return MNL_CB_OK;
	if (l->oif && r.oif != l->oif)
		return MNL_CB_OK;
	void *grown = nl_grow(l->v, &l->cap, l->n, sizeof(*l->v));
	if (!grown)
		return MNL_CB_ERROR;
	l->v = grown;
	l->v[l->n++] = r;
	return MNL_CB_OK;
}

int nl_route_list(struct nl_sock *nl, int family, int table, int oif, struct nl_route **out,
		  size_t *n, struct cni_error *err)
{
	struct route_list l = {table == 0 ? RT_TABLE_MAIN : table, oif, NULL, 0, 0};
	int r, tries = 0;

	do {
		char buf[NL_REQ_SIZE];
		struct nlmsghdr *nlh = nl_msg(buf, RTM_GETROUTE, NLM_F_DUMP);
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

		rtm->rtm_family = family;
		/* kernel-side filters (strict checking); re-checked in route_cb */
		if (l.table >= 0)
			mnl_attr_put_u32(nlh, RTA_TABLE, (uint32_t)l.table);
		if (oif)
			mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
		l.n = 0;
		r = nl_talk(nl, nlh, route_cb, &l);
	} while (r == -EINTR && ++tries < 5);
	if (r == -ENOENT) /* no such table */
		r = 0;
	if (r < 0) {
		free(l.v);
		return nl_fail(nl, err, r, "failed to list routes");
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

static int route_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	int *oif = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	nl_parse_msg(nlh, sizeof(struct rtmsg), tb, RTA_MAX);
	if (tb[RTA_OIF])
		*oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	return MNL_CB_OK;
}

int nl_route_get(struct nl_sock *nl, const struct ip_addr *dst, int *oif, struct cni_error *err)
{
	char buf[NL_REQ_SIZE], d[IP_ADDR_STRLEN];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int len = ip_addr_len(dst->family), r;

	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = len * 8;
	mnl_attr_put(nlh, RTA_DST, len, dst->b);
	*oif = 0;
	r = nl_talk(nl, nlh, route_get_cb, oif);
	if (r < 0)
		return nl_fail(nl, err, r, "failed to get the route to %s", ip_addr_format(dst, d));
	return 0;
}
