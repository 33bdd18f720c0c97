/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bridge's nftables policy (on pkg/nft's plumbing): masquerade and MAC
 * spoof-check, built so ADD and DEL cost the same with 10 or 10,000
 * containers: fixed tables, chains and sets, created when missing, and
 * set elements per container (each with its owner "network/containerID/
 * ifname" as comment), added and removed in a single batch.
 *
 *   table inet cni_c_bridge	masquerade: a set and a rule per subnet
 *				(and nonMasqueradeCIDRs list) in use
 *				(masq.c has the layout)
 *   table bridge cni_c_bridge	spoof check: three sets and two rules
 *				(spoofchk.c)
 *
 * Every call is one nftables transaction (or none); on error nothing of
 * that call is left in the kernel. Errors are CNI_ERR_NFTABLES naming the
 * refused object, the kernel's errno text in details. Calls that remove
 * anything take one RCU grace period more (a few ms: the kernel frees the
 * removed objects when the netlink socket closes); adds do not.
 */
#ifndef CNI_NFT_H
#define CNI_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "cni/cni.h"
#include "cni/error.h"
#include "ip/ipnet.h"
#include "nft/nft.h"

/* Our tables: "inet cni_c_bridge" (masquerade) and "bridge cni_c_bridge"
 * (spoof check). Tables are per family, so one name serves both. */
#define NFT_TABLE "cni_c_bridge"

/* The network's nonMasqueradeCIDRs: destinations its containers reach
 * with their own address. v is canonical (br_nomasq_canon: host bits
 * cleared, sorted, unique), both families; n 0 (or a NULL pointer where
 * one is taken): none. */
struct nft_nomasq {
	const struct ip_net *v;
	size_t n;
};

/* Masquerade traffic from each addrs[i].ip to destinations outside
 * addrs[i] (its subnet; multicast excluded) and outside x's CIDRs of its
 * family, for this network. An element already present for that address
 * (in the set of this subnet and list) with another owner is replaced. */
int nft_masq_add(const char *network, const char *container_id, const char *ifname,
		 const struct ip_net *addrs, size_t n, const struct nft_nomasq *x,
		 struct cni_error *err);

/* Remove this container's masquerade entries. addrs (may be NULL/0) are
 * the addresses it is known to have had: removed only if owned by it,
 * looked up in the sets of x (the config's list). With no addrs, or one
 * of them absent from those sets (the list was edited since the ADD), its
 * entries are found by owner. Nothing there: success. */
int nft_masq_del(const char *network, const char *container_id, const char *ifname,
		 const struct ip_net *addrs, size_t n, const struct nft_nomasq *x,
		 struct cni_error *err);

/* CNI CHECK: each addrs[i] is masqueraded for this container, with x's
 * exceptions (its element in the set of its subnet and of that list, and
 * the set's rule). CNI_ERR_CHECK when not. */
int nft_masq_check(const char *network, const char *container_id, const char *ifname,
		   const struct ip_net *addrs, size_t n, const struct nft_nomasq *x,
		   struct cni_error *err);

/* Drop frames arriving from host_veth (the container's port) whose source
 * MAC is not mac, and ARP whose sender MAC is not mac, as the reference's
 * macspoofchk. The network (may be NULL) is recorded in the owner, so that
 * nft_gc of that network can collect it (entries made without one never
 * are). DEL needs only the container ID and ifname (an index maps them to
 * the port and MAC). */
int nft_spoofchk_add_net(const char *network, const char *container_id, const char *ifname,
			 const char *host_veth, const uint8_t mac[6], struct cni_error *err);
int nft_spoofchk_del(const char *container_id, const char *ifname, struct cni_error *err);
/* CNI CHECK: the spoof check of host_veth for mac is in place for this
 * container. CNI_ERR_CHECK when not. */
int nft_spoofchk_check(const char *container_id, const char *ifname, const char *host_veth,
		       const uint8_t mac[6], struct cni_error *err);

/* Remove every masquerade / spoof-check entry of this network whose owner
 * is not among valid[] (CNI GC). Dumps: cost grows with the entries. */
int nft_gc(const char *network, const struct cni_attachment *valid, size_t n,
	   struct cni_error *err);

/* Migration from the reference plugins: remove what the reference bridge
 * made for this container: the iptables-nft chain CNI-<sha512(network +
 * container_id) first 24 hex> in table ip/ip6 nat and the POSTROUTING rule
 * jumping to it, and its rule(s) in table inet cni_plugins_masquerade
 * (matched by comment). Absent: success, after one round trip of GETs. */
int nft_legacy_masq_del(const char *network, const char *container_id, const char *ifname,
			struct cni_error *err);

/* CNI CHECK of a container the reference bridge set up (a node switched
 * to ours with it running): is its masquerade there (either backend), is
 * its spoof check (table bridge nat, chain cni-br-iface-<cid>-<ifname>-mac)? */
int nft_legacy_masq_present(const char *network, const char *container_id, const char *ifname,
			    bool *present, struct cni_error *err);
int nft_legacy_spoofchk_present(const char *container_id, const char *ifname, bool *present,
				struct cni_error *err);

/* ---- names (nft_names.c, pure) ---- */

/* Spoof-check index key: 15 hex digits of sha512("cid/ifname") in a
 * 16-byte NUL-padded ifname-typed key. */
void nft_spoofchk_key(const char *cid, const char *ifname, char key[16]);
/* Per-subnet masquerade set: "masq4-10.1.2.0/24", "masq6-fd00__/64"
 * (':' -> '_' so nft can parse its own listing); with a tag (a
 * nonMasqueradeCIDRs list's, may be NULL or ""): "masq4-10.1.2.0/24-<tag>".
 * buf: NFT_CHAIN_NAME_MAX (the longest: 49 + 1 + 12 characters). */
#define NFT_CHAIN_NAME_MAX 64
char *nft_masq_set_name(const struct ip_net *subnet, const char *tag, char *buf);
/* The tag of x's CIDRs of family (AF_INET/AF_INET6): the first 12 hex
 * digits of sha512 of their canonical spelling joined by ','; "" when x
 * has none of that family. tag: NFT_NOMASQ_TAG_LEN + 1 bytes. */
#define NFT_NOMASQ_TAG_LEN 12
char *nft_nomasq_tag(const struct nft_nomasq *x, int family, char *tag);
/* Does x exempt every destination of family (a /0)? */
bool nft_nomasq_all(const struct nft_nomasq *x, int family);
/* The reference's iptables chain: "CNI-" + sha512(network + cid)[:24]. */
char *nft_legacy_chain_name(const char *network, const char *cid, char buf[29]);
/* The reference's nftables rule comment prefix:
 * sha512(network)[:16] + "-" + sha512(ifname ":" cid)[:16]. */
char *nft_legacy_comment_prefix(const char *network, const char *cid, const char *ifname,
				char buf[34]);
/* Does a comment of the reference's nftables backend belong to this
 * container? It starts with the full 33-character hash prefix (as the
 * reference matches it). */
bool nft_legacy_comment_match(const char *comment, const char *network, const char *cid,
			      const char *ifname);

/* ---- GC internals ---- */

/* Queue the deletion of every masquerade element pick() selects, over all
 * the per-subnet sets (masq.c); with tidy, a set left empty (or empty
 * already) goes whole, with its rule: m must then have been started by
 * nft_masq_begin (the batch is conditional on the generation). 0, -EINTR
 * or -1. */
int nft_masq_put_collected(struct nft_sock *s, struct nft_msgs *m,
			   bool (*pick)(const struct nft_elem *e, void *data), void *data,
			   bool tidy, struct cni_error *err);
/* Start batch m; with tidy, read the generation first and make m
 * conditional on it. */
int nft_masq_begin(struct nft_sock *s, struct nft_msgs *m, bool tidy, struct cni_error *err);
/* nft_retry for a try that tidies when *tidy: ERESTART (someone committed
 * since it looked) is tried again, up to a bound; then once more without
 * tidying (*tidy false), the elements alone. */
int nft_masq_retry_tidy(struct nft_sock *s, nft_try_fn try, void *data, bool *tidy,
			const int *again, struct cni_error *err);
/* GC of the spoof check: queue the deletion of every element of its sets
 * that stale() selects (spoofchk.c). 0, -EINTR or -1. */
int nft_spoofchk_gc_put(struct nft_sock *s, struct nft_msgs *m,
			bool (*stale)(const struct nft_elem *e, void *data), void *data,
			struct cni_error *err);

#endif
