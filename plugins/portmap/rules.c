/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fixed part of table inet cni_c_portmap: chains, the maps' and sets'
 * definitions and the one rule each of them has (nftables.c has the
 * whole layout).
 */
#define _GNU_SOURCE
#include "nftables.h"

#include <string.h>
#include <net/if.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include "util/cleanup.h"

#define PRIO_DSTNAT (-100) /* NF_IP_PRI_NAT_DST */
#define PRIO_SRCNAT 100	   /* NF_IP_PRI_NAT_SRC */
#define PRIO_FILTER 0	   /* NF_IP_PRI_FILTER: after dstnat has decided */

static uint32_t addr_type(int family)
{
	return family == AF_INET ? NFT_TYPE_IPADDR : NFT_TYPE_IP6ADDR;
}

void pm_dnat_def(int family, bool keyed_host, bool wait, const char *name, struct nft_set_def *d)
{
	uint32_t alen = (uint32_t)ip_addr_len(family);
	uint32_t kt[4], dt[4];
	size_t nk = 0, nd = 0;

	memset(d, 0, sizeof(*d));
	d->name = name;
	if (keyed_host)
		kt[nk++] = addr_type(family);
	kt[nk++] = NFT_TYPE_INET_PROTO;
	kt[nk++] = NFT_TYPE_INET_SERVICE;
	dt[nd++] = addr_type(family);
	dt[nd++] = NFT_TYPE_INET_SERVICE;
	d->key_len = (keyed_host ? alen : 0) + 8;
	d->data_len = alen + 4;
	if (wait) {
		kt[nk++] = NFT_TYPE_MARK; /* the owner's hash */
		dt[nd++] = NFT_TYPE_MARK; /* sequence, high and low word */
		dt[nd++] = NFT_TYPE_MARK;
		d->key_len += 4;
		d->data_len += 8;
	}
	d->key_type = nft_type_concat(kt, nk);
	d->data_type = nft_type_concat(dt, nd);
}

void pm_hairpin_def(int family, const char *name, struct nft_set_def *d)
{
	uint32_t t[4] = {addr_type(family), addr_type(family), NFT_TYPE_INET_PROTO,
			 NFT_TYPE_INET_SERVICE};

	memset(d, 0, sizeof(*d));
	d->name = name;
	d->key_type = nft_type_concat(t, 4);
	d->key_len = 2 * (uint32_t)ip_addr_len(family) + 8;
}

void pm_localhost_def(struct nft_set_def *d)
{
	uint32_t t[3] = {NFT_TYPE_IPADDR, NFT_TYPE_INET_PROTO, NFT_TYPE_INET_SERVICE};

	memset(d, 0, sizeof(*d));
	d->name = PM_LOCALHOST_SET;
	d->key_type = nft_type_concat(t, 3);
	d->key_len = 12;
}

void pm_localnet_def(struct nft_set_def *d)
{
	memset(d, 0, sizeof(*d));
	d->name = PM_LOCALNET_SET;
	d->key_type = NFT_TYPE_IFNAME;
	d->key_len = IFNAMSIZ;
	d->key_byteorder = 1; /* a string: nft(8) lists names */
}

void pm_localnet_elem(const char *ifname, struct nft_elem *out)
{
	memset(out, 0, sizeof(*out));
	out->klen = IFNAMSIZ;
	memcpy(out->key, ifname, strnlen(ifname, IFNAMSIZ - 1));
}

/* meta nfproto ipv4 iifname @localnet-ifs ip daddr 127.0.0.0/8 */
static struct nftnl_rule *localnet_rule(void)
{
	struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, PM_TABLE, PM_CHAIN_LOCALNET);
	struct ip_net lo = {.ip = {AF_INET, {127, 0, 0, 0}}, .prefix = 8};

	if (r && (nft_x_nfproto(r, AF_INET) < 0 || nft_x_meta(r, NFT_META_IIFNAME, NFT_REG_1) < 0 ||
		  nft_x_lookup(r, NFT_REG_1, -1, PM_LOCALNET_SET, 0) < 0 ||
		  nft_x_addr_cmp(r, false, &lo, NFT_CMP_EQ) < 0)) {
		nftnl_rule_free(r);
		return NULL;
	}
	return r;
}

int pm_put_localnet(struct nft_msgs *m)
{
	cleanup_nftnl_rule struct nftnl_rule *notrack = localnet_rule();
	cleanup_nftnl_rule struct nftnl_rule *fresh = localnet_rule();

	/* ... ct state invalid,untracked drop: without a conntrack entry
	 * (which `ct status` needs to match at all) nothing was DNAT'd */
	if (!notrack || !fresh ||
	    nft_put_base_chain(m, NFPROTO_INET, PM_TABLE, PM_CHAIN_LOCALNET, "filter",
			       NF_INET_PRE_ROUTING, PRIO_FILTER) < 0 ||
	    nft_x_ct(notrack, NFT_CT_STATE, NFT_REG_1) < 0 ||
	    nft_x_bits_any(notrack, NFT_REG_1,
			   NF_CT_STATE_INVALID_BIT | NF_CT_STATE_UNTRACKED_BIT) < 0 ||
	    nft_x_verdict(notrack, NF_DROP) < 0 ||
	    nft_put_rule(m, notrack, "127.0.0.0/8 from outside, untracked") < 0)
		return -1;
	/* ... ct state != established,related ct status != dnat drop */
	if (nft_x_ct(fresh, NFT_CT_STATE, NFT_REG_1) < 0 ||
	    nft_x_bits_none(fresh, NFT_REG_1,
			    NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED)) <
		0 ||
	    nft_x_ct(fresh, NFT_CT_STATUS, NFT_REG_1) < 0 ||
	    nft_x_bits_none(fresh, NFT_REG_1, IPS_DST_NAT) < 0 || nft_x_verdict(fresh, NF_DROP) < 0)
		return -1;
	return nft_put_rule(m, fresh, "127.0.0.0/8 from outside, new and not DNAT'd");
}

/* fib daddr type local jump hostports */
static int put_jump_local(struct nft_msgs *m, const char *chain)
{
	cleanup_nftnl_rule struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, PM_TABLE, chain);
	uint32_t local = RTN_LOCAL;

	if (!r || nft_x_fib_daddr_type(r, NFT_REG_1) < 0 ||
	    nft_x_cmp(r, NFT_REG_1, NFT_CMP_EQ, &local, sizeof(local)) < 0 ||
	    nft_x_jump(r, PM_CHAIN_HOSTPORTS) < 0)
		return -1;
	return nft_put_rule(m, r, "to local addresses");
}

int pm_put_base(struct nft_msgs *m)
{
	/* hostports EXCL: of two parallel first ADDs, one starts over, so
	 * the jumps below are made once */
	if (nft_put_table(m, NFPROTO_INET, PM_TABLE) < 0 ||
	    nft_put_new_chain_excl(m, NFPROTO_INET, PM_TABLE, PM_CHAIN_HOSTPORTS) < 0 ||
	    nft_put_base_chain(m, NFPROTO_INET, PM_TABLE, PM_CHAIN_PRE, "nat", NF_INET_PRE_ROUTING,
			       PRIO_DSTNAT) < 0 ||
	    nft_put_base_chain(m, NFPROTO_INET, PM_TABLE, PM_CHAIN_OUT, "nat", NF_INET_LOCAL_OUT,
			       PRIO_DSTNAT) < 0 ||
	    nft_put_base_chain(m, NFPROTO_INET, PM_TABLE, PM_CHAIN_POST, "nat",
			       NF_INET_POST_ROUTING, PRIO_SRCNAT) < 0 ||
	    put_jump_local(m, PM_CHAIN_PRE) < 0 || put_jump_local(m, PM_CHAIN_OUT) < 0)
		return -1;
	return 0;
}

static int put_conds(struct nftnl_rule *r, const struct pm_conds *c)
{
	for (size_t i = 0; c && i < c->n; i++) {
		const struct pm_cond *k = &c->v[i];
		uint32_t op = k->neg ? NFT_CMP_NEQ : NFT_CMP_EQ;
		int rc = k->kind == PM_COND_IIFNAME
			     ? nft_x_ifname_cmp(r, true, k->ifname, op)
			     : nft_x_addr_cmp(r, k->kind == PM_COND_SADDR, &k->net, op);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Load [daddr .] l4proto . th dport from reg 1 on. */
static int put_dnat_key(struct nftnl_rule *r, int family, bool keyed_host)
{
	uint32_t reg = NFT_REG32_00, alen = (uint32_t)ip_addr_len(family);

	if (keyed_host) {
		if (nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 16 : 24, alen,
				  NFT_REG_1) < 0)
			return -1;
		reg += alen / 4;
	}
	if (nft_x_meta(r, NFT_META_L4PROTO, reg) < 0 ||
	    nft_x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg + 1) < 0)
		return -1;
	return 0;
}

int pm_put_dnat_rule(struct nft_msgs *m, int family, bool keyed_host, const struct pm_conds *c,
		     const char *map)
{
	cleanup_nftnl_rule struct nftnl_rule *r =
	    nft_rule_new(NFPROTO_INET, PM_TABLE, PM_CHAIN_HOSTPORTS);
	uint32_t alen = (uint32_t)ip_addr_len(family);

	/* meta nfproto F [conditions] dnat F to [F daddr .] meta l4proto .
	 * th dport map @map: addr in reg 1, port in the 32-bit register after */
	if (!r || nft_x_nfproto(r, family) < 0 || put_conds(r, c) < 0 ||
	    put_dnat_key(r, family, keyed_host) < 0 ||
	    nft_x_lookup(r, NFT_REG_1, NFT_REG_1, map, 0) < 0 ||
	    nft_x_nat(r, NFT_NAT_DNAT, family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6, NFT_REG_1,
		      NFT_REG32_00 + alen / 4) < 0)
		return -1;
	/* a mapping for one host address goes before those for any */
	return keyed_host ? nft_put_rule_head(m, r, map) : nft_put_rule(m, r, map);
}

/* ct status dnat meta nfproto F */
static int put_dnatted(struct nftnl_rule *r, int family)
{
	return nft_x_ct(r, NFT_CT_STATUS, NFT_REG_1) < 0 ||
		       nft_x_bits_any(r, NFT_REG_1, IPS_DST_NAT) < 0 || nft_x_nfproto(r, family) < 0
		   ? -1
		   : 0;
}

/* daddr . l4proto . th dport from register reg on. */
static int put_dest_key(struct nftnl_rule *r, int family, uint32_t reg)
{
	uint32_t alen = (uint32_t)ip_addr_len(family);

	if (nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 16 : 24, alen, reg) <
		0 ||
	    nft_x_meta(r, NFT_META_L4PROTO, reg + alen / 4) < 0 ||
	    nft_x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg + alen / 4 + 1) < 0)
		return -1;
	return 0;
}

int pm_put_hairpin_rule(struct nft_msgs *m, int family, int prefix, const char *set)
{
	cleanup_nftnl_rule struct nftnl_rule *r =
	    nft_rule_new(NFPROTO_INET, PM_TABLE, PM_CHAIN_POST);
	uint32_t alen = (uint32_t)ip_addr_len(family);
	struct ip_addr mask;

	/* ct status dnat F saddr & MASK . F daddr . meta l4proto . th dport
	 * @set masquerade: DNAT'd from the container's subnet back to it */
	ip_prefix_mask(family, prefix, &mask);
	if (!r || put_dnatted(r, family) < 0 ||
	    nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, family == AF_INET ? 12 : 8, alen,
			  NFT_REG_1) < 0 ||
	    (prefix < (int)alen * 8 && nft_x_bitwise_mask(r, NFT_REG_1, mask.b, alen) < 0) ||
	    put_dest_key(r, family, NFT_REG32_00 + alen / 4) < 0 ||
	    nft_x_lookup(r, NFT_REG_1, -1, set, 0) < 0 || nft_x_masq(r) < 0)
		return -1;
	return nft_put_rule(m, r, set);
}

int pm_put_localhost_rule(struct nft_msgs *m)
{
	cleanup_nftnl_rule struct nftnl_rule *r =
	    nft_rule_new(NFPROTO_INET, PM_TABLE, PM_CHAIN_POST);
	struct ip_net lo = {.ip = {AF_INET, {127, 0, 0, 1}}, .prefix = 32};

	/* ct status dnat ip saddr 127.0.0.1 ip daddr . meta l4proto . th dport
	 * @localhost4 masquerade: DNAT'd from the host's 127.0.0.1 */
	if (!r || put_dnatted(r, AF_INET) < 0 || nft_x_addr_cmp(r, true, &lo, NFT_CMP_EQ) < 0 ||
	    put_dest_key(r, AF_INET, NFT_REG32_00) < 0 ||
	    nft_x_lookup(r, NFT_REG_1, -1, PM_LOCALHOST_SET, 0) < 0 || nft_x_masq(r) < 0)
		return -1;
	return nft_put_rule(m, r, PM_LOCALHOST_SET);
}
