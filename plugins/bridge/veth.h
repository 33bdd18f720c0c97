/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's veth pair and bridge ports. */
#ifndef CNI_BRIDGE_VETH_H
#define CNI_BRIDGE_VETH_H

#include "bridge.h"

/* Create a veth pair: a random "veth…" end on br (up) in nl's netns, its
 * peer peer_name in peer_netns_fd (-1: the same netns; down). Retried on a
 * taken host name; a taken peer_name: "container veth name provided (x)
 * already exists" (-EEXIST). *host gets the host end. */
int br_veth_create(struct nl_sock *nl, struct nl_sock *peer_nl, int peer_netns_fd,
		   const char *peer_name, const struct nl_link *br, int mtu, const uint8_t *mac,
		   struct nl_link *host, struct cni_error *err);

/* Port options of a new bridge port: hairpin, isolation, the access VLAN
 * (PVID, untagged) or trunk VIDs (tagged), minus the default VLAN unless
 * preserveDefaultVlan. Nothing to do: no request. */
int br_port_setup(struct nl_sock *nl, const struct nl_link *br, const struct nl_link *port,
		  const struct br_conf *c, int vlan, const uint16_t *trunk, size_t n_trunk,
		  bool hairpin, bool isolated, struct cni_error *err);

/* The "<bridge>.<vlan>" gateway interface, made if missing. */
int br_vlan_gateway(struct nl_sock *nl, const struct nl_link *br, const struct br_conf *c,
		    struct nl_link *out, struct cni_error *err);

#endif
