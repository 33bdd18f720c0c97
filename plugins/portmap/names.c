/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names and element layouts of our nftables objects, and the reference's
 * chain names (pure, unit-tested). */
#define _GNU_SOURCE
#include "portmap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/sha512.h"

static char *map_name(const char *kind, int family, bool keyed_host, const char *cond,
		      char buf[PM_NAME_MAX])
{
	snprintf(buf, PM_NAME_MAX, "%s%c%s%s%s", kind, family == AF_INET ? '4' : '6',
		 keyed_host ? "-ip" : "", cond && cond[0] ? "-" : "", cond ? cond : "");
	return buf;
}

char *pm_dnat_map_name(int family, bool keyed_host, const char *cond, char buf[PM_NAME_MAX])
{
	return map_name("dnat", family, keyed_host, cond, buf);
}

char *pm_wait_map_name(int family, bool keyed_host, const char *cond, char buf[PM_NAME_MAX])
{
	return map_name("wait", family, keyed_host, cond, buf);
}

char *pm_hairpin_set_name(int family, int prefix, char buf[PM_NAME_MAX])
{
	snprintf(buf, PM_NAME_MAX, "hairpin%c-%d", family == AF_INET ? '4' : '6', prefix);
	return buf;
}

static uint32_t put_addr(uint8_t *k, uint32_t len, const struct ip_addr *a)
{
	return nft_concat_put(k, len, a->b, (uint32_t)ip_addr_len(a->family));
}

static uint32_t put_proto_port(uint8_t *k, uint32_t len, uint8_t proto, uint16_t port)
{
	uint16_t p = htons(port);
	len = nft_concat_put(k, len, &proto, 1);
	return nft_concat_put(k, len, &p, 2);
}

static uint32_t put_u32(uint8_t *k, uint32_t len, uint32_t v)
{
	return nft_concat_put(k, len, &v, 4);
}

void pm_dnat_elem(const struct pm_entry *e, struct nft_elem *out)
{
	uint16_t p = htons(e->container_port);

	memset(out, 0, sizeof(*out));
	if (e->keyed_host)
		out->klen = put_addr(out->key, out->klen, &e->host_ip);
	out->klen = put_proto_port(out->key, out->klen, e->proto, e->host_port);
	out->dlen = put_addr(out->data, 0, &e->caddr.ip);
	out->dlen = nft_concat_put(out->data, out->dlen, &p, 2);
}

uint32_t pm_owner_hash(const char *owner)
{
	uint8_t d[SHA512_DIGEST_LEN];
	uint32_t h;

	sha512(owner, strlen(owner), d);
	memcpy(&h, d, sizeof(h));
	return h;
}

void pm_wait_elem(const struct pm_entry *e, const char *owner, uint64_t seq, struct nft_elem *out)
{
	pm_dnat_elem(e, out);
	out->klen = put_u32(out->key, out->klen, pm_owner_hash(owner));
	out->dlen = put_u32(out->data, out->dlen, (uint32_t)(seq >> 32));
	out->dlen = put_u32(out->data, out->dlen, (uint32_t)seq);
}

void pm_wait_to_dnat(const struct nft_elem *w, struct nft_elem *out)
{
	memset(out, 0, sizeof(*out));
	if (w->klen < 4 || w->dlen < 8)
		return;
	out->klen = w->klen - 4;
	memcpy(out->key, w->key, out->klen);
	out->dlen = w->dlen - 8;
	memcpy(out->data, w->data, out->dlen);
	memcpy(out->owner, w->owner, sizeof(out->owner));
}

uint64_t pm_wait_seq(const struct nft_elem *w)
{
	uint32_t hi, lo;

	if (w->dlen < 8)
		return 0;
	memcpy(&hi, w->data + w->dlen - 8, 4);
	memcpy(&lo, w->data + w->dlen - 4, 4);
	return (uint64_t)hi << 32 | lo;
}

void pm_hairpin_elem(const struct pm_entry *e, bool masq_all, struct nft_elem *out)
{
	struct ip_net net = e->caddr;

	if (masq_all)
		net.prefix = 0;
	ip_net_network(&net, &net);
	memset(out, 0, sizeof(*out));
	out->klen = put_addr(out->key, 0, &net.ip);
	out->klen = put_addr(out->key, out->klen, &e->caddr.ip);
	out->klen = put_proto_port(out->key, out->klen, e->proto, e->container_port);
}

void pm_localhost_elem(const struct pm_entry *e, struct nft_elem *out)
{
	memset(out, 0, sizeof(*out));
	out->klen = put_addr(out->key, 0, &e->caddr.ip);
	out->klen = put_proto_port(out->key, out->klen, e->proto, e->container_port);
}

char *pm_legacy_chain_name(const char *network, const char *cid, const char *prefix, char buf[29])
{
	size_t pl = strlen(prefix);

	if (pl > 20)
		pl = 20;
	memcpy(buf, "CNI-", 4);
	memcpy(buf + 4, prefix, pl);
	sha512_hex2(network, cid, 28 - 4 - pl, buf + 4 + pl);
	return buf;
}

const char *pm_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	default:
		return "?";
	}
}
