/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bridge ports: port flags and port VLANs. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

/* VLAN entries per request: each is 8 bytes (16 for a range). */
#define VLANS_PER_MSG 200

static void put_vlan(struct nlmsghdr *nlh, const struct nl_vlan *v)
{
	struct bridge_vlan_info vi = {.flags = v->flags, .vid = v->min};

	if (v->max <= v->min) {
		mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
		return;
	}
	vi.flags |= BRIDGE_VLAN_INFO_RANGE_BEGIN;
	mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
	vi.flags = (v->flags & ~BRIDGE_VLAN_INFO_RANGE_BEGIN) | BRIDGE_VLAN_INFO_RANGE_END;
	vi.vid = v->max;
	mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
}

/* One AF_BRIDGE request of type: port flags (first chunk only) and up to
 * VLANS_PER_MSG VLAN entries. */
static int port_msg(struct nl_sock *nl, int type, int index, const struct nl_port_opts *o,
		    const struct nl_vlan *v, size_t n)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, type, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *nest;
	size_t i;

	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = index;
	if (o && (o->hairpin >= 0 || o->isolated >= 0)) {
		nest = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
		if (o->hairpin >= 0)
			mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, o->hairpin ? 1 : 0);
		if (o->isolated >= 0)
			mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, o->isolated ? 1 : 0);
		mnl_attr_nest_end(nlh, nest);
	}
	if (n) {
		nest = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
		for (i = 0; i < n; i++)
			put_vlan(nlh, &v[i]);
		mnl_attr_nest_end(nlh, nest);
	}
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_bridge_port_set(struct nl_sock *nl, int index, const char *name,
		       const struct nl_port_opts *o, struct cni_error *err)
{
	size_t done = 0, n;
	int r;

	do {
		n = o->n_vlans - done;
		if (n > VLANS_PER_MSG)
			n = VLANS_PER_MSG;
		r = port_msg(nl, RTM_SETLINK, index, done ? NULL : o, o->vlans + done, n);
		if (r < 0) {
			if (n)
				return nl_fail(nl, err, r,
					       "failed to setup vlan tag on interface %s", name);
			return nl_fail(nl, err, r, "failed to set bridge port options on %s", name);
		}
		done += n;
	} while (done < o->n_vlans);
	return 0;
}

int nl_bridge_vlan_del(struct nl_sock *nl, int index, const char *name, const struct nl_vlan *v,
		       size_t n, struct cni_error *err)
{
	size_t done = 0, k;
	int r;

	while (done < n) {
		k = n - done > VLANS_PER_MSG ? VLANS_PER_MSG : n - done;
		r = port_msg(nl, RTM_DELLINK, index, NULL, v + done, k);
		if (r < 0)
			return nl_fail(nl, err, r, "failed to remove vlan from interface %s", name);
		done += k;
	}
	return 0;
}
