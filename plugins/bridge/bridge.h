/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bridge plugin's internals, shared by plugins/bridge/ sources (and the
 * unit tests, which link build/libbridge.a). */
#ifndef CNI_BRIDGE_H
#define CNI_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "cni/cni.h"
#include "cni/error.h"
#include "ip/ipnet.h"
#include "netlink/netlink.h"
#include "cni/result.h"

#define BR_DEFAULT_NAME "cni0"
#define BR_VLAN_MAX 4094

/* The network configuration, as the reference's NetConf. Strings borrow
 * from the cni_conf. */
struct br_conf {
	const char *name;      /* network name */
	const char *bridge;    /* "bridge", default cni0 */
	const char *ipam_type; /* NULL: L2 only, no IPAM */
	bool is_gw;	       /* isGateway (or isDefaultGateway) */
	bool is_default_gw;
	bool force_address;
	bool ip_masq;
	const char *ip_masq_backend; /* NULL when absent */
	struct ip_net *nomasq;	     /* nonMasqueradeCIDRs, canonical (br_nomasq_canon) */
	size_t n_nomasq;
	int mtu;
	bool hairpin;
	bool promisc;
	int vlan;
	bool vlan_trunk_set; /* "vlanTrunk" present (turns VLAN filtering on) */
	uint16_t *trunk;     /* sorted, unique VIDs of vlanTrunk */
	size_t n_trunk;
	bool preserve_default_vlan; /* default true */
	bool macspoofchk;
	bool enabledad;
	bool disable_container_iface;
	bool port_isolation;
	bool has_dns;	    /* "dns" sets any of its fields: it replaces IPAM's */
	struct cni_dns dns; /* the config's "dns" (when has_dns) */
	const char *mac;    /* runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC */
	char *mac_args;	    /* owned copy of the CNI_ARGS value */
};

/* Parse and validate what every command needs (as the reference's
 * loadNetConf: VLAN and vlanTrunk ranges, CNI_ARGS). Code 7 (4 for
 * CNI_ARGS). br_conf_free afterwards, even on failure. */
int br_conf_load(const struct cni_conf *conf, const char *cni_args, struct br_conf *c,
		 struct cni_error *err);
void br_conf_free(struct br_conf *c);
/* The checks the reference makes in ADD only; mac gets the parsed MAC
 * (has_mac false when none is configured). Code 7. */
int br_conf_check_add(const struct br_conf *c, uint8_t mac[6], bool *has_mac,
		      struct cni_error *err);
bool br_vlan_filtering(const struct br_conf *c);
/* The line ADD prints on stderr when ipMasq asks for the "iptables"
 * backend, which is served from our nftables table; NULL otherwise. */
const char *br_masq_backend_note(const struct br_conf *c);

/* nonMasqueradeCIDRs: a list of CIDR strings, both families; host bits
 * are accepted and cleared (as Go's net.ParseCIDR); *out canonical
 * (br_nomasq_canon), malloc'd (NULL when empty). Code 7 naming the entry. */
int br_nomasq_parse(const cJSON *arr, struct ip_net **out, size_t *n, struct cni_error *err);
/* In place: host bits cleared, sorted (family, address, prefix),
 * duplicates dropped; *n updated. */
void br_nomasq_canon(struct ip_net *v, size_t *n);

/* "aa:bb:cc:dd:ee:ff", "aa-bb-...", "aabb.ccdd.eeff". 0 or -1. */
int br_parse_mac(const char *s, uint8_t mac[6]);
/* Lowercase "aa:bb:cc:dd:ee:ff" into buf (18 bytes). */
char *br_format_mac(const uint8_t mac[6], char *buf);

/* vlanTrunk -> sorted unique VIDs (NULL when none). Code 7. */
int br_vlan_trunk_parse(const cJSON *arr, uint16_t **out, size_t *n, struct cni_error *err);
/* Sorted VIDs -> ranges with flags; *out malloc'd. */
int br_vlan_ranges(const uint16_t *vids, size_t n, uint16_t flags, struct nl_vlan **out,
		   size_t *n_out);

/* The reference's calcGateways: every IP points at interface 2; with
 * isGateway a missing gateway becomes the subnet's first address; with
 * isDefaultGateway a default route via it is added per family unless
 * the result has one. gws (n_ips entries) gets the gateway addresses to
 * put on the bridge (with the IP's prefix), v4 first. -1 on ENOMEM. */
int br_calc_gateways(struct cni_result *r, const struct br_conf *c, struct ip_net *gws,
		     size_t *n_gws);

/* ensureAddr: put gw on link (listing its addresses of that family first):
 * an equal address: done; a different IPv4 address, or an overlapping
 * IPv6 one: error unless force, then it is replaced. Then pin the link's
 * MAC (the bridge would otherwise follow its lowest port's); a zero MAC
 * (a bridge whose last port left) is never written back. */
int br_ensure_addr(struct nl_sock *nl, const struct nl_link *link, const struct ip_net *gw,
		   bool force, unsigned int flags, struct cni_error *err);

/* Global unicast (not link-local, loopback, multicast, unspecified). */
bool br_ip_is_global_unicast(const struct ip_addr *a);

/* veth "veth" + 8 random hex digits */
int br_random_veth_name(char name[NL_IFNAMSIZ], struct cni_error *err);
/* A random locally administered unicast MAC (never all zeroes). */
int br_random_mac(uint8_t mac[6], struct cni_error *err);
/* 00:00:00:00:00:00, or no hardware address at all. */
bool br_link_mac_unset(const struct nl_link *l);

/* plugin commands */
int br_cmd_add(const struct cni_env *env, const struct cni_conf *conf, struct cni_result **result,
	       struct cni_error *err);
int br_cmd_del(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);
int br_cmd_check(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);
int br_cmd_status(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);
int br_cmd_gc(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);

#endif
