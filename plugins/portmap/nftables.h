/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portmap's nftables layout (on pkg/nft's plumbing), table inet
 * cni_c_portmap. A container costs set elements only, so ADD and DEL cost
 * the same with 10 or 10,000 mapped containers:
 *
 *   chain prerouting  { type nat hook prerouting priority dstnat;
 *			 fib daddr type local jump hostports }
 *   chain output      { type nat hook output priority dstnat;
 *			 fib daddr type local jump hostports }
 *   chain hostports   { one rule per DNAT map, those keyed on a host address first:
 *	meta nfproto ipv4 [conditions] dnat ip to ip daddr . meta l4proto . th dport map @dnat4-ip
 *	meta nfproto ipv4 [conditions] dnat ip to meta l4proto . th dport map @dnat4
 *	... ipv6 alike (dnat6-ip, dnat6) }
 *   chain postrouting { type nat hook postrouting priority srcnat;
 *	ct status dnat ip saddr & <mask> . ip daddr . meta l4proto . th dport @hairpin4-<len>
 *masquerade ct status dnat ip saddr 127.0.0.1 ip daddr . meta l4proto . th dport @localhost4
 *masquerade
 *	... ipv6 hairpin alike }
 *
 *   chain localnet    { type filter hook prerouting priority filter;
 *	meta nfproto ipv4 iifname @localnet-ifs ip daddr 127.0.0.0/8 ct state invalid,untracked drop
 *	meta nfproto ipv4 iifname @localnet-ifs ip daddr 127.0.0.0/8
 *		ct state != established,related ct status != dnat drop }
 *	the hole route_localnet opens (CVE-2020-8558): with it on, a container
 *	reaches the host's loopback services with frames to 127.0.0.1. After
 *	dstnat, so the host's 127.0.0.1:hostPort (DNAT'd in output; its
 *	replies established) passes. IPv4 only: route_localnet has no IPv6
 *	counterpart, the kernel drops ::1 from any interface but lo.
 *   set localnet-ifs { type ifname }
 *	"cni0": each interface ADD turned (or found) route_localnet on for,
 *	owned by no container: it stays while route_localnet does (DEL leaves
 *	both, as the reference leaves the sysctl); GC removes it once the
 *	interface is gone or its route_localnet is off
 *
 *   map dnat4 { type inet_proto . inet_service : ipv4_addr . inet_service }
 *	elements: tcp . 8080 : 10.88.0.5 . 80 comment "net/<containerID>/eth0"
 *   map dnat4-ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service }
 *   map wait4[-ip] { DNAT key . mark : DNAT data . mark . mark }
 *	a mapping of a host port another container holds, keyed also by a
 *	hash of its owner, with the ADD's time: when the holder goes, the
 *	oldest waiting one takes over (the reference's chain order)
 *   set hairpin4-24 { type ipv4_addr . ipv4_addr . inet_proto . inet_service }
 *	10.88.0.0 . 10.88.0.5 . tcp . 80 (snat: the container's subnet
 *	reaching it through a host port is masqueraded; masqAll: 0.0.0.0)
 *   set localhost4 { type ipv4_addr . inet_proto . inet_service }
 *	10.88.0.5 . tcp . 80 (snat: 127.0.0.1 reaching it is masqueraded)
 *
 * conditionsV4/V6 give maps of their own: "dnat4-<8 hex of the
 * conditions>" and its rule carrying them. Maps and sets are created when
 * first needed (EXCL, so each gets one rule: a parallel creator makes us
 * start over) and stay.
 *
 * Every call is one round trip of GETs and one batch (plus dumps only
 * where a dump is the only way: promoting a waiting mapping, GC). DEL
 * first dumps the names of the table's maps and sets (a few, whatever the
 * number of containers) and looks for the container's elements in every
 * one its keys fit, so an edited conflist (conditions, masqAll, snat)
 * leaves nothing behind. Thousands of GETs go out in windows (pkg/nft).
 */
#ifndef CNI_PORTMAP_NFTABLES_H
#define CNI_PORTMAP_NFTABLES_H

#include "portmap.h"

#define PM_CHAIN_PRE "prerouting"
#define PM_CHAIN_OUT "output"
#define PM_CHAIN_POST "postrouting"
#define PM_CHAIN_HOSTPORTS "hostports"
#define PM_CHAIN_LOCALNET "localnet"
#define PM_LOCALNET_SET "localnet-ifs"

/* rules.c */
void pm_dnat_def(int family, bool keyed_host, bool wait, const char *name, struct nft_set_def *d);
void pm_hairpin_def(int family, const char *name, struct nft_set_def *d);
void pm_localhost_def(struct nft_set_def *d);
void pm_localnet_def(struct nft_set_def *d);
/* The element of localnet-ifs for an interface. */
void pm_localnet_elem(const char *ifname, struct nft_elem *out);
/* Chain localnet (created if absent) and its two drop rules. */
int pm_put_localnet(struct nft_msgs *m);
/* Table and chains (hostports EXCL) with the prerouting/output jumps. */
int pm_put_base(struct nft_msgs *m);
int pm_put_dnat_rule(struct nft_msgs *m, int family, bool keyed_host, const struct pm_conds *c,
		     const char *map);
int pm_put_hairpin_rule(struct nft_msgs *m, int family, int prefix, const char *set);
int pm_put_localhost_rule(struct nft_msgs *m);

/* nftables.c: queue the promotion of the oldest mapping in waiting[] (of
 * list wait) for the DNAT key of d, skipping those skip() selects, into
 * map dnat. 1 queued, 0 none waits, -1 ENOMEM. */
int pm_put_promote(struct nft_msgs *m, const char *dnat, const char *wait,
		   const struct nft_elem *waiting, size_t n, const struct nft_elem *d,
		   bool (*skip)(const struct nft_elem *w, void *data), void *data);

#endif
