/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule building: the few expressions our rules use; rule comments. */
#define _GNU_SOURCE
#include "nft.h"

#include <string.h>

#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "util/cleanup.h"

struct nftnl_rule *nft_rule_new(uint16_t family, const char *table, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, family);
	if (nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain) < 0) {
		nftnl_rule_free(r);
		return NULL;
	}
	return r;
}

static struct nftnl_expr *expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);
	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

int nft_x_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "meta");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	return 0;
}

int nft_x_cmp(struct nftnl_rule *r, uint32_t sreg, uint32_t op, const void *d, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	return nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, d, len) < 0 ? -1 : 0;
}

int nft_x_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "payload");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	return 0;
}

int nft_x_bitwise_mask(struct nftnl_rule *r, uint32_t reg, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = expr(r, "bitwise");
	if (!e || len > sizeof(zero))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	if (nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len) < 0 ||
	    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len) < 0)
		return -1;
	return 0;
}

int nft_x_lookup(struct nftnl_rule *r, uint32_t sreg, int dreg, const char *set, uint32_t flags)
{
	struct nftnl_expr *e = expr(r, "lookup");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	if (flags)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, flags);
	return nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set) < 0 ? -1 : 0;
}

int nft_x_verdict(struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr *e = expr(r, "immediate");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	return 0;
}

int nft_x_masq(struct nftnl_rule *r)
{
	return expr(r, "masq") ? 0 : -1;
}

int nft_x_daddr_not_in(struct nftnl_rule *r, const struct ip_net *net)
{
	struct ip_net n;
	struct ip_addr mask;
	uint32_t alen = (uint32_t)ip_addr_len(net->ip.family);
	uint32_t off = net->ip.family == AF_INET ? 16 : 24; /* daddr in the IP header */
	uint32_t len = alen;

	ip_net_network(net, &n);
	if (n.prefix % 8 == 0) {
		/* whole bytes: compare only the prefix bytes, as nft(8) does */
		len = (uint32_t)n.prefix / 8;
		if (len == 0)
			return -1; /* ::/0 has no outside: callers skip it */
		if (nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1) < 0)
			return -1;
	} else {
		ip_prefix_mask(net->ip.family, n.prefix, &mask);
		if (nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1) < 0 ||
		    nft_x_bitwise_mask(r, NFT_REG_1, mask.b, len) < 0)
			return -1;
	}
	return nft_x_cmp(r, NFT_REG_1, NFT_CMP_NEQ, n.ip.b, len);
}

struct comment {
	const char *p;
	uint8_t len;
};

static int rule_comment_cb(const struct nftnl_udata *attr, void *data)
{
	struct comment *c = data;
	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && !c->p) {
		c->p = nftnl_udata_get(attr);
		c->len = nftnl_udata_len(attr);
	}
	return 0;
}

void nft_rule_comment(struct nftnl_rule *r, char *buf, size_t size)
{
	uint32_t len = 0;
	const void *ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	struct comment c = {NULL, 0};
	size_t n;

	buf[0] = '\0';
	if (!ud || !len)
		return;
	nftnl_udata_parse(ud, len, rule_comment_cb, &c);
	if (!c.p)
		return;
	n = strnlen(c.p, c.len); /* the value is NUL-terminated by nft(8) */
	if (n >= size)
		n = size - 1;
	memcpy(buf, c.p, n);
	buf[n] = '\0';
}

struct uses_set {
	const char *set;
	bool found;
};

static int uses_set_cb(struct nftnl_expr *e, void *data)
{
	struct uses_set *u = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const char *set;

	if (!name || strcmp(name, "lookup") != 0 || !nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_SET))
		return 0;
	set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	if (set && strcmp(set, u->set) == 0)
		u->found = true;
	return 0;
}

bool nft_rule_uses_set(struct nftnl_rule *r, const char *set)
{
	struct uses_set u = {set, false};
	nftnl_expr_foreach(r, uses_set_cb, &u);
	return u.found;
}
