/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Links: look-up, bridge and veth creation, changes, deletion. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	size_t n = strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));

	if (n >= len)
		n = len - 1;
	memcpy(dst, mnl_attr_get_payload(a), n);
	dst[n] = '\0';
}

static int u8_attr(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) >= 1 ? mnl_attr_get_u8(a) : -1;
}

static void parse_linkinfo(const struct nlattr *info, struct nl_link *l)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1];

	nl_parse_nested(info, tb, IFLA_INFO_MAX);
	if (tb[IFLA_INFO_KIND])
		copy_str(l->kind, sizeof(l->kind), tb[IFLA_INFO_KIND]);
	if (tb[IFLA_INFO_SLAVE_KIND])
		copy_str(l->slave_kind, sizeof(l->slave_kind), tb[IFLA_INFO_SLAVE_KIND]);
	if (tb[IFLA_INFO_DATA] && strcmp(l->kind, "bridge") == 0) {
		const struct nlattr *br[IFLA_BR_MAX + 1];
		nl_parse_nested(tb[IFLA_INFO_DATA], br, IFLA_BR_MAX);
		l->br_vlan_filtering = u8_attr(br[IFLA_BR_VLAN_FILTERING]);
		if (br[IFLA_BR_VLAN_DEFAULT_PVID])
			l->br_default_pvid = mnl_attr_get_u16(br[IFLA_BR_VLAN_DEFAULT_PVID]);
	}
	if (tb[IFLA_INFO_SLAVE_DATA] && strcmp(l->slave_kind, "bridge") == 0) {
		const struct nlattr *p[IFLA_BRPORT_MAX + 1];
		nl_parse_nested(tb[IFLA_INFO_SLAVE_DATA], p, IFLA_BRPORT_MAX);
		l->port_hairpin = u8_attr(p[IFLA_BRPORT_MODE]);
		l->port_isolated = u8_attr(p[IFLA_BRPORT_ISOLATED]);
	}
}

/* IFLA_AF_SPEC: the IPv6 devconf array (IFLA_INET6_CONF, s32 by DEVCONF_*) */
static void parse_af_spec(const struct nlattr *spec, struct nl_link *l)
{
	const struct nlattr *af, *a;

	mnl_attr_for_each_nested(af, spec)
	{
		if (mnl_attr_get_type(af) != AF_INET6)
			continue;
		mnl_attr_for_each_nested(a, af)
		{
			if (mnl_attr_get_type(a) == IFLA_INET6_CONF &&
			    mnl_attr_get_payload_len(a) >=
				(DEVCONF_ACCEPT_RA + 1) * sizeof(int32_t)) {
				const int32_t *conf = mnl_attr_get_payload(a);
				l->ipv6_accept_ra = conf[DEVCONF_ACCEPT_RA];
			}
		}
	}
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;
	size_t len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		copy_str(l->name, sizeof(l->name), a);
		break;
	case IFLA_ADDRESS:
		if (len <= sizeof(l->mac)) {
			memcpy(l->mac, mnl_attr_get_payload(a), len);
			l->mac_len = (int)len;
		}
		break;
	case IFLA_MTU:
		l->mtu = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_MASTER:
		l->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINK:
		l->link = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINK_NETNSID:
		l->link_netnsid = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_OPERSTATE:
		l->operstate = mnl_attr_get_u8(a);
		break;
	case IFLA_PROMISCUITY:
		l->promiscuity = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		parse_linkinfo(a, l);
		break;
	case IFLA_AF_SPEC:
		parse_af_spec(a, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_link *l = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(l, 0, sizeof(*l));
	l->link_netnsid = -1;
	l->br_vlan_filtering = l->br_default_pvid = -1;
	l->port_hairpin = l->port_isolated = -1;
	l->ipv6_accept_ra = -1;
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
	return MNL_CB_OK;
}

static int check_name(const char *name, struct cni_error *err)
{
	if (!name || !*name || strlen(name) >= NL_IFNAMSIZ) {
		cni_error_set(err, CNI_ERR_NETLINK, "invalid interface name \"%s\"",
			      name ? name : "");
		return -EINVAL;
	}
	return 0;
}

static struct ifinfomsg *put_ifi(struct nlmsghdr *nlh, int family, int index)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = family;
	ifi->ifi_index = index;
	return ifi;
}

/* Address a link by index, or by name when index is 0. 0 or -EINVAL. */
static int put_link_id(struct nlmsghdr *nlh, int index, const char *name, struct cni_error *err)
{
	int r;

	if (!index && (r = check_name(name, err)) < 0)
		return r;
	put_ifi(nlh, AF_UNSPEC, index);
	if (!index)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return 0;
}

int nl_link_get(struct nl_sock *nl, const char *name, int index, struct nl_link *out,
		struct cni_error *err)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_GETLINK, 0);
	int r;

	if ((r = put_link_id(nlh, index, name, err)) < 0)
		return r;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	out->index = 0;
	r = nl_talk(nl, nlh, link_cb, out);
	if (r == 0 && out->index == 0)
		r = -ENODEV;
	if (r < 0) {
		if (index)
			return nl_fail(nl, err, r, "failed to look up link %d", index);
		return nl_fail(nl, err, r, "failed to look up link %s", name);
	}
	return 0;
}

static int bridge_create(struct nl_sock *nl, const struct nl_bridge_opts *o, struct cni_error *err)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = put_ifi(nlh, AF_UNSPEC, 0);
	struct nlattr *info, *data;
	int r;

	ifi->ifi_flags = ifi->ifi_change = IFF_UP | (o->promisc ? IFF_PROMISC : 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, o->name);
	if (o->mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)o->mtu);
	if (o->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, o->mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	if (o->vlan_filtering) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, 1);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	r = nl_talk(nl, nlh, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return nl_fail(nl, err, r, "could not add \"%s\"", o->name);
	return r;
}

/* Bring an existing bridge up / promiscuous / VLAN-filtering, in one request. */
static int bridge_update(struct nl_sock *nl, const struct nl_bridge_opts *o, struct nl_link *br,
			 struct cni_error *err)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = put_ifi(nlh, AF_UNSPEC, br->index);
	bool vlan = o->vlan_filtering && br->br_vlan_filtering != 1;
	unsigned int want = IFF_UP | (o->promisc ? IFF_PROMISC : 0);
	struct nlattr *info, *data;
	int r;

	if ((br->flags & want) == want && !vlan)
		return 0;
	ifi->ifi_flags = ifi->ifi_change = want;
	if (vlan) {
		info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, 1);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, info);
	}
	r = nl_talk(nl, nlh, NULL, NULL);
	if (r < 0)
		return nl_fail(nl, err, r, "could not set up bridge \"%s\"", o->name);
	br->flags |= want;
	if (vlan)
		br->br_vlan_filtering = 1;
	return 0;
}

int nl_bridge_ensure(struct nl_sock *nl, const struct nl_bridge_opts *o, struct nl_link *out,
		     bool *created, struct cni_error *err)
{
	bool made = false;
	int r;

	if (created)
		*created = false;
	if ((r = check_name(o->name, err)) < 0)
		return r;
	r = nl_link_get(nl, o->name, 0, out, err);
	if (r == -ENODEV) {
		/* EEXIST: a parallel ADD made it first; look at what is there. */
		r = bridge_create(nl, o, err);
		if (r < 0 && r != -EEXIST)
			return r;
		made = r == 0;
		r = nl_link_get(nl, o->name, 0, out, err);
	}
	if (r < 0)
		return r;
	if (strcmp(out->kind, "bridge") != 0) {
		cni_error_set(err, CNI_ERR_INVALID_CONFIG,
			      "\"%s\" already exists but is not a bridge", o->name);
		return -EEXIST;
	}
	if (created)
		*created = made;
	return made ? 0 : bridge_update(nl, o, out, err);
}

int nl_veth_create(struct nl_sock *nl, const struct nl_veth_opts *o, struct cni_error *err)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = put_ifi(nlh, AF_UNSPEC, 0), *peer;
	struct nlattr *info, *data, *pn;
	int r;

	if ((r = check_name(o->name, err)) < 0 || (r = check_name(o->peer_name, err)) < 0)
		return r;
	if (o->up)
		ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	/* txqueuelen 0 (noqueue), as the reference's veths: a veth does not
	 * need a queue of its own */
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, o->name);
	if (o->mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)o->mtu);
	if (o->master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)o->master);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pn = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow its own ifinfomsg. */
	peer = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer));
	(void)peer; /* zero: the peer cannot be opened before the pair is linked */
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, o->peer_name);
	if (o->peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)o->peer_netns_fd);
	if (o->mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)o->mtu);
	if (o->peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, o->peer_mac);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	r = nl_talk(nl, nlh, NULL, NULL);
	if (r < 0)
		return nl_fail(nl, err, r, "failed to create veth %s", o->name);
	return 0;
}

int nl_link_change(struct nl_sock *nl, int index, const char *name, const struct nl_link_change *c,
		   struct cni_error *err)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = put_ifi(nlh, AF_UNSPEC, index);
	int r;

	if (c->up >= 0) {
		ifi->ifi_change |= IFF_UP;
		ifi->ifi_flags |= c->up ? IFF_UP : 0;
	}
	if (c->promisc >= 0) {
		ifi->ifi_change |= IFF_PROMISC;
		ifi->ifi_flags |= c->promisc ? IFF_PROMISC : 0;
	}
	if (c->mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)c->mtu);
	if (c->master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)c->master);
	if (c->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, c->mac);
	r = nl_talk(nl, nlh, NULL, NULL);
	if (r < 0)
		return nl_fail(nl, err, r, "failed to change link %s", name ? name : "");
	return 0;
}

int nl_link_set_up(struct nl_sock *nl, int index, const char *name, struct cni_error *err)
{
	struct nl_link_change c = NL_LINK_CHANGE_INIT;
	int r;

	c.up = 1;
	r = nl_link_change(nl, index, name, &c, err);
	if (r < 0)
		return nl_fail(nl, err, r, "failed to set %s up", name ? name : "");
	return 0;
}

int nl_link_set_ipv4_conf(struct nl_sock *nl, int index, const char *name, int key, uint32_t value,
			  struct cni_error *err)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_SETLINK, 0);
	struct nlattr *spec, *inet, *conf;
	int r;

	put_ifi(nlh, AF_UNSPEC, index);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inet = mnl_attr_nest_start(nlh, AF_INET);
	conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	mnl_attr_put_u32(nlh, (uint16_t)key, value);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, inet);
	mnl_attr_nest_end(nlh, spec);
	r = nl_talk(nl, nlh, NULL, NULL);
	if (r < 0)
		return nl_fail(nl, err, r, "failed to set IPv4 setting %d on %s", key,
			       name ? name : "");
	return 0;
}

static int netconf_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NETCONFA_MAX + 1] = {0};
	int *value = data;

	if (nlh->nlmsg_type != RTM_NEWNETCONF)
		return MNL_CB_OK;
	nl_parse_msg(nlh, sizeof(struct netconfmsg), tb, NETCONFA_MAX);
	if (tb[NETCONFA_FORWARDING])
		*value = (int)mnl_attr_get_u32(tb[NETCONFA_FORWARDING]);
	return MNL_CB_OK;
}

int nl_forwarding_get(struct nl_sock *nl, int family, int *value, struct cni_error *err)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_GETNETCONF, 0);
	struct netconfmsg *ncm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));
	int r;

	ncm->ncm_family = (unsigned char)family;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_ALL);
	*value = -1;
	r = nl_talk(nl, nlh, netconf_cb, value);
	if (r < 0)
		return nl_fail(nl, err, r, "failed to read the %s forwarding setting",
			       family == AF_INET ? "IPv4" : "IPv6");
	if (*value < 0)
		return nl_fail(nl, err, -ENODATA, "no %s forwarding setting in the answer",
			       family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

int nl_link_del(struct nl_sock *nl, int index, const char *name, struct cni_error *err)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_DELLINK, 0);
	int r;

	if ((r = put_link_id(nlh, index, name, err)) < 0)
		return r;
	r = nl_talk(nl, nlh, NULL, NULL);
	if (r < 0)
		return nl_fail(nl, err, r, "failed to delete link %s", name ? name : "");
	return 0;
}
