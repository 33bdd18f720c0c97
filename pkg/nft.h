/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftables through libnftnl: the bridge plugin's masquerade and MAC
 * spoof-check, built so ADD and DEL cost the same with 10 or 10,000
 * containers: fixed tables, chains and sets, created when missing, and
 * set elements per container (each with its owner "network/containerID/
 * ifname" as comment), added and removed in a single batch.
 *
 *   table inet cni_c_bridge	masquerade: a set and a rule per subnet
 *				(pkg/nft_masq.c has the layout)
 *   table bridge cni_c_bridge	spoof check: three sets and two rules
 *				(pkg/nft_spoofchk.c)
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

#include "cni.h"
#include "error.h"
#include "ipnet.h"

/* From now on, this process leaves its nftables sockets open: they close
 * when it exits. Closing one right after a transaction may wait for an
 * RCU grace period while holding the nftables commit mutex (which a veth
 * deletion in the same netns needs too); a worker that reports its outcome
 * first and exits only when released (async_start_held) keeps that wait
 * off the plugin's latency. The transaction is committed when ACKed. */
void nft_defer_socket_close(void);

/* Masquerade traffic from each addrs[i].ip to destinations outside
 * addrs[i] (its subnet; multicast excluded), for this network. An element
 * already present for that address with another owner is replaced. */
int nft_masq_add(const char *network, const char *container_id, const char *ifname,
		 const struct ip_net *addrs, size_t n, struct cni_error *err);

/* Remove this container's masquerade entries. addrs (may be NULL/0) are
 * the addresses it is known to have had: removed only if owned by it.
 * With no addrs, its entries are found by owner. Nothing there: success. */
int nft_masq_del(const char *network, const char *container_id, const char *ifname,
		 const struct ip_net *addrs, size_t n, struct cni_error *err);

/* CNI CHECK: each addrs[i] is masqueraded for this container (its element
 * in its subnet's set). CNI_ERR_CHECK when not. */
int nft_masq_check(const char *network, const char *container_id, const char *ifname,
		   const struct ip_net *addrs, size_t n, struct cni_error *err);

/* Drop frames arriving from host_veth (the container's port) whose source
 * MAC is not mac, and ARP whose sender MAC is not mac, as the reference's
 * macspoofchk. Prefer nft_spoofchk_add_net (GC-able). DEL needs only the
 * container ID and ifname (an index maps them to the port and MAC). */
int nft_spoofchk_add(const char *container_id, const char *ifname, const char *host_veth,
		     const uint8_t mac[6], struct cni_error *err);
int nft_spoofchk_del(const char *container_id, const char *ifname, struct cni_error *err);

/* nft_spoofchk_add with the network recorded in the owner, so that nft_gc
 * of that network can collect it (entries made without one never are).
 * DEL is the same for both: entries are keyed by containerID/ifname. */
int nft_spoofchk_add_net(const char *network, const char *container_id, const char *ifname,
			 const char *host_veth, const uint8_t mac[6], struct cni_error *err);
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

#endif
