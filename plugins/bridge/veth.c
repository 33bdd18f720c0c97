/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The veth pair: created with its peer already in the container under
 * CNI_IFNAME, its host end on the bridge; bridge port options. */
#define _GNU_SOURCE
#include "veth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <linux/if.h>
#include <linux/if_bridge.h>

#include "util/cleanup.h"

int br_random_veth_name(char name[NL_IFNAMSIZ], struct cni_error *err)
{
	uint8_t b[4];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno,
					   "failed to generate random veth name");
	snprintf(name, NL_IFNAMSIZ, "veth%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
	return 0;
}

int br_veth_create(struct nl_sock *nl, struct nl_sock *peer_nl, int peer_netns_fd,
		   const char *peer_name, const struct nl_link *br, int mtu, const uint8_t *mac,
		   struct nl_link *host, struct cni_error *err)
{
	struct nl_veth_opts o = {
	    .peer_name = peer_name,
	    .peer_netns_fd = peer_netns_fd,
	    .mtu = mtu,
	    .peer_mac = mac,
	    .master = br->index,
	    .up = true,
	};
	char name[NL_IFNAMSIZ];
	struct nl_link l;
	int r;

	for (int i = 0; i < 10; i++) {
		if (br_random_veth_name(name, err) < 0)
			return -1;
		o.name = name;
		r = nl_veth_create(nl, &o, err);
		if (r != -EEXIST)
			break;
		/* Which name is taken: the container's is an error, ours a retry. */
		if (nl_link_get(peer_nl, peer_name, 0, &l, err) == 0) {
			cni_error_set(err, CNI_ERR_NETLINK,
				      "container veth name provided (%s) already exists",
				      peer_name);
			cni_error_set_details(err, "%s", strerror(EEXIST));
			return -EEXIST;
		}
		cni_error_clear(err);
	}
	if (r < 0)
		return r;
	r = nl_link_get(nl, name, 0, host, err);
	if (r < 0) {
		cni_error_wrap(err, "failed to lookup \"%s\"", name);
		nl_link_del(nl, 0, name, NULL);
		return r;
	}
	return 0;
}

int br_port_setup(struct nl_sock *nl, const struct nl_link *br, const struct nl_link *port,
		  const struct br_conf *c, int vlan, const uint16_t *trunk, size_t n_trunk,
		  bool hairpin, bool isolated, struct cni_error *err)
{
	cleanup_free struct nl_vlan *ranges = NULL;
	struct nl_port_opts o = {.hairpin = hairpin ? 1 : -1, .isolated = isolated ? 1 : -1};
	struct nl_vlan access;
	size_t n = 0;
	int r;

	if ((vlan || n_trunk) && !c->preserve_default_vlan && br->br_default_pvid != 0) {
		/* a new port has only the bridge's default PVID: remove it */
		struct nl_vlan dflt = {.min = 1, .max = 1};
		if (br->br_default_pvid > 0)
			dflt.min = dflt.max = (uint16_t)br->br_default_pvid;
		r = nl_bridge_vlan_del(nl, port->index, port->name, &dflt, 1, err);
		if (r < 0 && r != -ENOENT)
			return cni_error_wrap(
			    err, "failed to remove default vlan on interface \"%s\"", port->name);
		cni_error_clear(err);
	}
	if (vlan) {
		access.min = access.max = (uint16_t)vlan;
		access.flags = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED;
		o.vlans = &access;
		o.n_vlans = 1;
	} else if (n_trunk) {
		if (br_vlan_ranges(trunk, n_trunk, 0, &ranges, &n) < 0)
			return cni_error_oom(err);
		o.vlans = ranges;
		o.n_vlans = n;
	}
	if (o.hairpin < 0 && o.isolated < 0 && !o.n_vlans)
		return 0;
	return nl_bridge_port_set(nl, port->index, port->name, &o, err);
}

int br_vlan_gateway(struct nl_sock *nl, const struct nl_link *br, const struct br_conf *c,
		    struct nl_link *out, struct cni_error *err)
{
	char name[32];
	struct nl_link host;
	int r;

	if (snprintf(name, sizeof(name), "%s.%d", br->name, c->vlan) >= NL_IFNAMSIZ)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "vlan gateway name %s is longer than 15 characters", name);
	r = nl_link_get(nl, name, 0, out, err);
	if (r != -ENODEV)
		return r < 0 ? cni_error_wrap(err, "failed to find interface \"%s\"", name) : 0;
	cni_error_clear(err);
	/* As the reference: a veth pair in the host netns, "<bridge>.<vlan>"
	 * holding the gateway address, its peer an access port of the VLAN. */
	r = br_veth_create(nl, nl, -1, name, br, br->mtu, NULL, &host, err);
	if (r == -EEXIST) /* a parallel ADD made it */
		cni_error_clear(err);
	else if (r < 0)
		return cni_error_wrap(err, "failed to create vlan gateway \"%s\"", name);
	else if (br_port_setup(nl, br, &host, c, c->vlan, NULL, 0, false, false, err) < 0)
		return -1;
	r = nl_link_get(nl, name, 0, out, err);
	if (r < 0)
		return cni_error_wrap(err, "failed to lookup \"%s\"", name);
	if (!(out->flags & IFF_UP)) {
		r = nl_link_set_up(nl, out->index, out->name, err);
		if (r < 0)
			return r;
		out->flags |= IFF_UP;
	}
	return 0;
}
