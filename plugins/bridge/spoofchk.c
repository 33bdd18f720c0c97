/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MAC spoof check (the bridge's macspoofchk), in table bridge cni_c_bridge:
 *
 *   set spoofchk_ports   { type ifname }		host veths under check
 *   set spoofchk_allowed { type ifname . ether_addr }	veth . its container's MAC
 *   map spoofchk_owners  { type ifname : ifname . ether_addr }
 *	key: 15 hex digits of sha512("containerID/ifname"); value: veth . MAC
 *   chain prerouting {
 *	type filter hook prerouting priority -300;
 *	iifname @spoofchk_ports iifname . ether saddr != @spoofchk_allowed drop
 *	iifname @spoofchk_ports ether type arp iifname . arp saddr ether != @spoofchk_allowed drop
 *   }
 *
 * The reference (plugins/pkg/link/spoofcheck.go) does the same filtering
 * with a rule and two chains per container in table bridge nat; here each
 * container is three elements (each with its owner "network/containerID/
 * ifname" as comment), so ADD and DEL cost the same for any number of
 * containers. The owners map exists because DEL only knows containerID and
 * ifname: one GET there yields the veth and MAC to remove. The three
 * elements always change together in one batch, so an owners entry always
 * points at elements of the same owner.
 *
 * To delete an element that may or may not be there (it should, but
 * nothing stops an admin) we add it without EXCL then delete it in the same
 * batch: a no-op plus a delete, or an add plus a delete.
 */
#define _GNU_SOURCE
#include "nftables.h"
#include "nft/nft.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_bridge.h>
#include <linux/netlink.h>

#include "util/cleanup.h"

#define CHAIN_PRE "prerouting"
#define PORTS "spoofchk_ports"
#define ALLOWED "spoofchk_allowed"
#define OWNERS "spoofchk_owners"
#define PRIO_PRE (-300)	 /* as the reference: before bridge DNAT */
#define TYPE_ETHERADDR 9 /* nft(8) datatype ids */
#define TYPE_IFNAME 41
#define TYPE_IFNAME_ETHER ((TYPE_IFNAME << 6) | TYPE_ETHERADDR) /* concat */
#define BO_HOST 1						/* nft(8)'s BYTEORDER_HOST_ENDIAN */
#define PAIR_LEN 24 /* ifname (16) . ether_addr (6, padded to 8) */

static const char *const spoofchk_sets[3] = {PORTS, ALLOWED, OWNERS};

static void port_elem(struct nft_elem *e, const char *veth)
{
	memset(e, 0, sizeof(*e));
	e->klen = IFNAMSIZ;
	strncpy((char *)e->key, veth, IFNAMSIZ - 1);
}

static void pair(uint8_t out[PAIR_LEN], const char *veth, const uint8_t mac[6])
{
	memset(out, 0, PAIR_LEN);
	strncpy((char *)out, veth, IFNAMSIZ - 1);
	memcpy(out + IFNAMSIZ, mac, 6);
}

static void allowed_elem(struct nft_elem *e, const char *veth, const uint8_t mac[6])
{
	memset(e, 0, sizeof(*e));
	e->klen = PAIR_LEN;
	pair(e->key, veth, mac);
}

static void owners_elem(struct nft_elem *e, const char *cid, const char *ifname)
{
	memset(e, 0, sizeof(*e));
	e->klen = IFNAMSIZ;
	nft_spoofchk_key(cid, ifname, (char *)e->key);
}

/* iifname @ports [ether type arp] iifname . <mac> != @allowed drop */
static int rule_check(struct nft_msgs *m, bool arp)
{
	cleanup_nftnl_rule struct nftnl_rule *r =
	    nft_rule_new(NFPROTO_BRIDGE, NFT_TABLE, CHAIN_PRE);
	static const uint8_t ethertype_arp[2] = {0x08, 0x06};

	if (!r || nft_x_meta(r, NFT_META_IIFNAME, NFT_REG_1) < 0 ||
	    nft_x_lookup(r, NFT_REG_1, -1, PORTS, 0) < 0)
		return -1;
	if (arp && (nft_x_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1) < 0 ||
		    nft_x_cmp(r, NFT_REG_1, NFT_CMP_EQ, ethertype_arp, 2) < 0))
		return -1;
	/* the concatenation: iifname in reg 1 (16 bytes), the MAC in reg 2 */
	if (nft_x_meta(r, NFT_META_IIFNAME, NFT_REG_1) < 0 ||
	    (arp ? nft_x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 6, NFT_REG_2)
		 : nft_x_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG_2)) < 0 ||
	    nft_x_lookup(r, NFT_REG_1, -1, ALLOWED, NFT_LOOKUP_F_INV) < 0 ||
	    nft_x_verdict(r, NF_DROP) < 0)
		return -1;
	return nft_put_rule(
	    m, r, arp ? "ARP sender MAC not allowed: drop" : "source MAC not allowed: drop");
}

static int put_base(struct nft_msgs *m)
{
	static const struct nft_set_def ports = {PORTS, TYPE_IFNAME, IFNAMSIZ, 0, 0, BO_HOST};
	static const struct nft_set_def allowed = {ALLOWED, TYPE_IFNAME_ETHER, PAIR_LEN, 0, 0, 0};
	static const struct nft_set_def owners = {
	    OWNERS, TYPE_IFNAME, IFNAMSIZ, TYPE_IFNAME_ETHER, PAIR_LEN, BO_HOST};

	if (nft_put_table(m, NFPROTO_BRIDGE, NFT_TABLE) < 0 ||
	    nft_put_base_chain(m, NFPROTO_BRIDGE, NFT_TABLE, CHAIN_PRE, "filter", NF_BR_PRE_ROUTING,
			       PRIO_PRE) < 0 ||
	    nft_put_set(m, NFPROTO_BRIDGE, NFT_TABLE, &ports) < 0 ||
	    nft_put_set(m, NFPROTO_BRIDGE, NFT_TABLE, &allowed) < 0 ||
	    nft_put_set(m, NFPROTO_BRIDGE, NFT_TABLE, &owners) < 0 ||
	    nft_put_flush_chain(m, NFPROTO_BRIDGE, NFT_TABLE, CHAIN_PRE) < 0 ||
	    rule_check(m, false) < 0 || rule_check(m, true) < 0)
		return -1;
	return 0;
}

static int put(struct nft_msgs *m, uint16_t type, uint16_t flags, const char *set,
	       const struct nft_elem *e, const char *desc)
{
	return nft_put_elem(m, type, flags, NFPROTO_BRIDGE, NFT_TABLE, set, e, desc);
}

/* Remove what an owners entry (key okey, value veth . MAC) points at. */
static int put_remove_entry(struct nft_msgs *m, const struct nft_elem *owner_entry)
{
	struct nft_elem port, allowed, okey;
	char veth[IFNAMSIZ];

	if (owner_entry->dlen != PAIR_LEN)
		return 0; /* not ours to interpret */
	memcpy(veth, owner_entry->data, IFNAMSIZ);
	veth[IFNAMSIZ - 1] = '\0';
	port_elem(&port, veth);
	allowed_elem(&allowed, veth, owner_entry->data + IFNAMSIZ);
	memset(&okey, 0, sizeof(okey));
	memcpy(okey.key, owner_entry->key, owner_entry->klen);
	okey.klen = owner_entry->klen;
	/* add-then-delete: removed whether or not it is still there */
	if (put(m, NFT_MSG_DELSETELEM, 0, OWNERS, &okey, owner_entry->owner) < 0 ||
	    put(m, NFT_MSG_NEWSETELEM, 0, PORTS, &port, veth) < 0 ||
	    put(m, NFT_MSG_DELSETELEM, 0, PORTS, &port, veth) < 0 ||
	    put(m, NFT_MSG_NEWSETELEM, 0, ALLOWED, &allowed, veth) < 0 ||
	    put(m, NFT_MSG_DELSETELEM, 0, ALLOWED, &allowed, veth) < 0)
		return -1;
	return 0;
}

/* ---- GETs ---- */

struct got {
	struct nft_elem e;
	bool found;
};

static int got_elem(const struct nft_elem *e, void *data)
{
	struct got *g = data;
	g->e = *e;
	g->found = true;
	return 0;
}

struct query {
	struct got *got;
	size_t n; /* answers 0..n-1 are elements, then the chain */
};

static int got_msg(const struct nlmsghdr *nlh, uint32_t idx, void *data)
{
	struct query *q = data;
	return idx < q->n ? nft_parse_elems(nlh, got_elem, &q->got[idx]) : 0;
}

/* got[i] = element keys[i] of sets[i], if present; with base != NULL also
 * whether chain prerouting exists. */
static int get_elems(struct nft_sock *s, const char *const *sets, const struct nft_elem *keys,
		     size_t n, struct got *got, bool *base, struct cni_error *err)
{
	cleanup_nft_msgs struct nft_msgs m = {0};
	struct query q = {got, n};
	int res[4];

	nft_msgs_init(&m, s, false);
	memset(got, 0, n * sizeof(*got));
	for (size_t i = 0; i < n; i++)
		if (put(&m, NFT_MSG_GETSETELEM, 0, sets[i], &keys[i], "") < 0)
			return cni_error_oom(err);
	if (base && nft_put_get_chain(&m, NFPROTO_BRIDGE, NFT_TABLE, CHAIN_PRE) < 0)
		return cni_error_oom(err);
	if (nft_msgs_request(s, &m, got_msg, &q, res, err) < 0)
		return -1;
	for (size_t i = 0; i < m.n; i++)
		if (res[i] < 0 && res[i] != -ENOENT)
			return cni_error_set_errno(err, CNI_ERR_NFTABLES, -res[i],
						   "nftables: cannot %s", m.what[i]);
	if (base)
		*base = res[n] == 0;
	return 0;
}

/* "net/cid/ifname" -> cid, ifname (the owner's own key); false if hashed. */
static bool owner_split(const char *owner, char *cid, size_t cidsz, char *ifn)
{
	const char *a = strchr(owner, '/'), *b = strrchr(owner, '/');
	if (!a || a == b || a[1] == '#' || (size_t)(b - a - 1) >= cidsz ||
	    strlen(b + 1) >= IFNAMSIZ)
		return false;
	memcpy(cid, a + 1, (size_t)(b - a - 1));
	cid[b - a - 1] = '\0';
	strcpy(ifn, b + 1);
	return true;
}

/* As for masquerade: the steady state only adds elements (nothing for the
 * kernel to free after an RCU grace period); the fixed part is made when
 * missing, remade with repair. */
struct add_req {
	const char *owner, *cid, *ifname, *veth;
	const uint8_t *mac;
	bool repair; /* a try found something missing: remake the fixed part */
};

static int add_try(struct nft_sock *s, const char *owner, const char *cid, const char *ifname,
		   const char *veth, const uint8_t mac[6], bool repair, int *kerr,
		   struct cni_error *err)
{
	bool base = false;
	const char *sets[2] = {OWNERS, PORTS};
	struct nft_elem keys[2], eo, ep, ea;
	struct got got[2], other;
	cleanup_nft_msgs struct nft_msgs m = {0};
	uint8_t want[PAIR_LEN];

	owners_elem(&keys[0], cid, ifname);
	port_elem(&keys[1], veth);
	if (get_elems(s, sets, keys, 2, got, &base, err) < 0)
		return -1;
	pair(want, veth, mac);

	memset(&other, 0, sizeof(other));
	if (got[1].found && strcmp(got[1].e.owner, owner) != 0) {
		/* the veth is registered for someone else (a leak): find the
		 * rest of that owner's entry through its key */
		char ocid[256], oif[IFNAMSIZ];
		if (owner_split(got[1].e.owner, ocid, sizeof(ocid), oif)) {
			struct nft_elem okey;
			owners_elem(&okey, ocid, oif);
			if (get_elems(s, sets, &okey, 1, &other, NULL, err) < 0)
				return -1;
		}
		fprintf(stderr, "nftables: spoof check of %s was for %s: replacing\n", veth,
			got[1].e.owner);
	}

	nft_msgs_init(&m, s, true);
	if ((repair || !base) && put_base(&m) < 0)
		return cni_error_oom(err);
	if (got[0].found && got[0].e.dlen == PAIR_LEN && !memcmp(got[0].e.data, want, PAIR_LEN) &&
	    !strcmp(got[0].e.owner, owner) && got[1].found && !strcmp(got[1].e.owner, owner))
		return nft_msgs_commit(s, &m, kerr, err); /* already in place */
	if (got[0].found && put_remove_entry(&m, &got[0].e) < 0)
		return cni_error_oom(err);
	if (other.found && put_remove_entry(&m, &other.e) < 0)
		return cni_error_oom(err);
	if (got[1].found && !other.found) {
		/* a stray port element with no owners entry */
		if (put(&m, NFT_MSG_NEWSETELEM, 0, PORTS, &keys[1], veth) < 0 ||
		    put(&m, NFT_MSG_DELSETELEM, 0, PORTS, &keys[1], veth) < 0)
			return cni_error_oom(err);
	}

	eo = keys[0];
	memcpy(eo.data, want, PAIR_LEN);
	eo.dlen = PAIR_LEN;
	ep = keys[1];
	allowed_elem(&ea, veth, mac);
	snprintf(eo.owner, sizeof(eo.owner), "%s", owner);
	snprintf(ep.owner, sizeof(ep.owner), "%s", owner);
	snprintf(ea.owner, sizeof(ea.owner), "%s", owner);
	/* EXCL: a parallel writer since our GET makes us start over */
	if (put(&m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, OWNERS, &eo, owner) < 0 ||
	    put(&m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, ALLOWED, &ea, veth) < 0 ||
	    put(&m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, PORTS, &ep, veth) < 0)
		return cni_error_oom(err);
	return nft_msgs_commit(s, &m, kerr, err);
}

static int check_ids(const char *cid, const char *ifname, struct cni_error *err)
{
	if (!cid || !ifname || !cid[0] || !ifname[0])
		return cni_error_set(err, CNI_ERR_INTERNAL, "nftables spoof check: missing owner");
	return 0;
}

static int add_once(struct nft_sock *s, void *data, int *kerr, struct cni_error *err)
{
	struct add_req *q = data;
	int rc = add_try(s, q->owner, q->cid, q->ifname, q->veth, q->mac, q->repair, kerr, err);

	q->repair = q->repair || *kerr == ENOENT;
	return rc;
}

int nft_spoofchk_add_net(const char *network, const char *container_id, const char *ifname,
			 const char *host_veth, const uint8_t mac[6], struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	char owner[NFT_OWNER_MAX + 1];
	struct add_req q = {owner, container_id, ifname, host_veth, mac, false};

	if (check_ids(container_id, ifname, err) < 0)
		return -1;
	if (!host_veth || !host_veth[0] || strlen(host_veth) >= IFNAMSIZ || !mac)
		return cni_error_set(err, CNI_ERR_INTERNAL, "nftables spoof check: bad port '%s'",
				     host_veth ? host_veth : "");
	nft_owner_format(network, container_id, ifname, owner);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	/* EEXIST: a parallel writer; ENOENT: something missing */
	if (nft_retry(&s, add_once, &q, (const int[]){EEXIST, ENOENT, 0}, err) < 0)
		return cni_error_wrap(err, "spoof check for %s", owner);
	return 0;
}

static int del_once(struct nft_sock *s, void *key, int *kerr, struct cni_error *err)
{
	const char *sets[1] = {OWNERS};
	cleanup_nft_msgs struct nft_msgs m = {0};
	struct got got;

	if (get_elems(s, sets, key, 1, &got, NULL, err) < 0)
		return -1;
	if (!got.found)
		return 0;
	nft_msgs_init(&m, s, true);
	if (put_remove_entry(&m, &got.e) < 0)
		return cni_error_oom(err);
	return nft_msgs_commit(s, &m, kerr, err);
}

int nft_spoofchk_del(const char *container_id, const char *ifname, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	struct nft_elem key;

	if (check_ids(container_id, ifname, err) < 0)
		return -1;
	owners_elem(&key, container_id, ifname);
	if (nft_sock_open(&s, err) < 0)
		return -1;
	if (nft_retry(&s, del_once, &key, (const int[]){ENOENT, 0}, err) < 0)
		return cni_error_wrap(err, "removing spoof check for %s/%s", container_id, ifname);
	return 0;
}

static int count_rules_cb(struct nftnl_rule *r, void *data)
{
	if (nft_rule_uses_set(r, ALLOWED))
		(*(int *)data)++;
	return 0;
}

int nft_spoofchk_check(const char *container_id, const char *ifname, const char *host_veth,
		       const uint8_t mac[6], struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	const char *sets[3] = {OWNERS, PORTS, ALLOWED};
	struct nft_elem keys[3];
	struct got got[3];
	uint8_t want[PAIR_LEN];
	int rules = 0, rc;

	if (check_ids(container_id, ifname, err) < 0)
		return -1;
	if (!host_veth || strlen(host_veth) >= IFNAMSIZ)
		return cni_error_set(err, CNI_ERR_INTERNAL, "nftables spoof check: bad port");
	owners_elem(&keys[0], container_id, ifname);
	port_elem(&keys[1], host_veth);
	allowed_elem(&keys[2], host_veth, mac);
	pair(want, host_veth, mac);
	if (nft_sock_open(&s, err) < 0 || get_elems(&s, sets, keys, 3, got, NULL, err) < 0)
		return -1;
	if (!got[0].found || got[0].e.dlen != PAIR_LEN || memcmp(got[0].e.data, want, PAIR_LEN))
		return cni_error_set(
		    err, CNI_ERR_CHECK,
		    "macspoofchk: no spoof check of %s for %s/%s in table bridge %s", host_veth,
		    container_id, ifname, NFT_TABLE);
	if (!got[1].found || !got[2].found)
		return cni_error_set(err, CNI_ERR_CHECK,
				     "macspoofchk: spoof check of %s is incomplete (set %s)",
				     host_veth, got[1].found ? ALLOWED : PORTS);
	/* and the two rules (frames, ARP) that use them */
	rc = nft_dump_rules(&s, NFPROTO_BRIDGE, NFT_TABLE, CHAIN_PRE, count_rules_cb, &rules, err);
	if (rc == -EINTR)
		return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: dump interrupted");
	if (rc < 0 && rc != -ENOENT)
		return -1;
	if (rules < 2)
		return cni_error_set(
		    err, CNI_ERR_CHECK,
		    "macspoofchk: the drop rules are missing from chain %s of table "
		    "bridge %s",
		    CHAIN_PRE, NFT_TABLE);
	return 0;
}

/* ---- GC (called from nft_gc.c) ---- */

int nft_spoofchk_gc_put(struct nft_sock *s, struct nft_msgs *m,
			bool (*stale)(const struct nft_elem *e, void *data), void *data,
			struct cni_error *err)
{
	for (int i = 0; i < 3; i++) {
		cleanup_free struct nft_elem *v = NULL;
		size_t n = 0;
		int rc = nft_collect_elems(s, NFPROTO_BRIDGE, NFT_TABLE, spoofchk_sets[i], stale,
					   data, &v, &n, NULL, err);
		if (rc < 0)
			return rc;
		if (nft_put_del_collected(m, NFPROTO_BRIDGE, NFT_TABLE, spoofchk_sets[i], v, n) < 0)
			return cni_error_oom(err);
	}
	return 0;
}
