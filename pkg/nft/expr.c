/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule building: the few expressions our rules use; rule comments. */
#define _GNU_SOURCE
#include "nft.h"

#include <string.h>
#include <sys/socket.h>

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
	return nft_x_addr_cmp(r, false, net, NFT_CMP_NEQ);
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

int nft_x_jump(struct nftnl_rule *r, const char *chain)
{
	struct nftnl_expr *e = expr(r, "immediate");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_JUMP);
	return nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain) < 0 ? -1 : 0;
}

int nft_x_ct(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "ct");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
	return 0;
}

int nft_x_fib_daddr_type(struct nftnl_rule *r, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "fib");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, dreg);
	return 0;
}

int nft_x_nat(struct nftnl_rule *r, uint32_t type, uint32_t family, uint32_t reg_addr,
	      uint32_t reg_proto)
{
	struct nftnl_expr *e = expr(r, "nat");
	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, family);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, reg_addr);
	if (reg_proto)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, reg_proto);
	return 0;
}

/* reg & bits, compared with 0 by op */
static int bits_cmp(struct nftnl_rule *r, uint32_t reg, uint32_t bits, uint32_t op)
{
	static const uint32_t zero;
	return nft_x_bitwise_mask(r, reg, &bits, sizeof(bits)) < 0 ||
		       nft_x_cmp(r, reg, op, &zero, sizeof(zero)) < 0
		   ? -1
		   : 0;
}

int nft_x_bits_any(struct nftnl_rule *r, uint32_t reg, uint32_t bits)
{
	return bits_cmp(r, reg, bits, NFT_CMP_NEQ);
}

int nft_x_bits_none(struct nftnl_rule *r, uint32_t reg, uint32_t bits)
{
	return bits_cmp(r, reg, bits, NFT_CMP_EQ);
}

int nft_x_nfproto(struct nftnl_rule *r, int family)
{
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	return nft_x_meta(r, NFT_META_NFPROTO, NFT_REG_1) < 0 ||
		       nft_x_cmp(r, NFT_REG_1, NFT_CMP_EQ, &proto, 1) < 0
		   ? -1
		   : 0;
}

int nft_x_addr_cmp(struct nftnl_rule *r, bool source, const struct ip_net *net, uint32_t op)
{
	struct ip_net n;
	struct ip_addr mask;
	uint32_t alen = (uint32_t)ip_addr_len(net->ip.family);
	uint32_t off = net->ip.family == AF_INET ? (source ? 12 : 16) : (source ? 8 : 24);
	uint32_t len = alen;

	ip_net_network(net, &n);
	if (n.prefix == 0)
		return -1; /* matches everything (or nothing): callers skip it */
	if (n.prefix % 8 == 0) {
		/* whole bytes: compare only the prefix bytes, as nft(8) does */
		len = (uint32_t)n.prefix / 8;
		if (nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1) < 0)
			return -1;
	} else {
		ip_prefix_mask(net->ip.family, n.prefix, &mask);
		if (nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1) < 0 ||
		    nft_x_bitwise_mask(r, NFT_REG_1, mask.b, len) < 0)
			return -1;
	}
	return nft_x_cmp(r, NFT_REG_1, op, n.ip.b, len);
}

int nft_x_ifname_cmp(struct nftnl_rule *r, bool in, const char *name, uint32_t op)
{
	char buf[16] = {0};
	size_t n = strlen(name);
	uint32_t len;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, name, n);
	if (name[n - 1] == '*') {
		/* a prefix: "eth*" compares the first three bytes, as nft(8) does */
		len = (uint32_t)(n - 1);
		if (len == 0)
			return -1;
	} else {
		len = sizeof(buf);
	}
	return nft_x_meta(r, in ? NFT_META_IIFNAME : NFT_META_OIFNAME, NFT_REG_1) < 0 ||
		       nft_x_cmp(r, NFT_REG_1, op, buf, len) < 0
		   ? -1
		   : 0;
}

uint32_t nft_concat_put(uint8_t *key, uint32_t len, const void *field, uint32_t flen)
{
	uint32_t padded = (flen + 3) & ~3u;

	if (len + padded > NFT_KEY_MAX)
		return 0;
	memset(key + len, 0, padded);
	memcpy(key + len, field, flen);
	return len + padded;
}
