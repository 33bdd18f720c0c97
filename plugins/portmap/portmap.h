/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The portmap plugin: DNAT from host ports to a container, as the reference
 * portmap, in nftables (nftables.c has the layout). Pure parts here: the
 * configuration (conf.c), the conditions (conditions.c), the container's
 * addresses and the mappings to install (entries.c), and the names and
 * keys of what goes into nftables (names.c); all unit-tested.
 */
#ifndef CNI_PORTMAP_H
#define CNI_PORTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cni/cni.h"
#include "ip/ipnet.h"
#include "nft/nft.h"

#define PM_TABLE "cni_c_portmap" /* table inet cni_c_portmap */
#define PM_DEFAULT_MARK_BIT 13	 /* the reference's default markMasqBit */
#define PM_MAX_CONDS 16		 /* per family */
#define PM_MAX_MAPPINGS 4096	 /* portMappings entries */

/* ---- configuration (conf.c, conditions.c) ---- */

/* One entry of runtimeConfig.portMappings. */
struct pm_mapping {
	uint16_t host_port, container_port;
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	struct ip_addr host_ip; /* family 0: hostIP empty (any local address) */
	bool host_ip_any;	/* hostIP 0.0.0.0 / ::: any, in that family only */
};

enum pm_cond_kind { PM_COND_SADDR, PM_COND_DADDR, PM_COND_IIFNAME };

/* One condition of conditionsV4/V6, in either notation. */
struct pm_cond {
	enum pm_cond_kind kind;
	bool neg;
	struct ip_net net; /* SADDR, DADDR */
	char ifname[16];   /* IIFNAME; a trailing '*' is a prefix match */
};

struct pm_conds {
	struct pm_cond v[PM_MAX_CONDS];
	size_t n;
	bool nft_style; /* written as nftables expressions (else iptables options) */
	char hash[9];	/* 8 hex digits naming this set of conditions; "" when none */
};

enum pm_backend { PM_BACKEND_UNSET, PM_BACKEND_NFTABLES, PM_BACKEND_IPTABLES };

struct pm_conf {
	bool snat;		    /* default true */
	int mark_bit;		    /* markMasqBit (validated; see docs/differences.md) */
	bool mark_bit_set;	    /* given in the config */
	const char *ext_mark_chain; /* externalSetMarkChain (borrowed) */
	bool masq_all;		    /* masqAll: masquerade every DNAT'd source */
	enum pm_backend backend;
	struct pm_conds cond[2]; /* [0] conditionsV4, [1] conditionsV6 */
	struct pm_mapping *maps; /* malloc'd */
	size_t n_maps;
};

/* Parse a portmap network configuration (the whole object: snat,
 * markMasqBit, externalSetMarkChain, masqAll, backend, conditionsV4/V6,
 * runtimeConfig.portMappings). Pure; code 7 naming the field on error.
 * out borrows strings from root; pm_conf_free it in any case. */
int pm_conf_parse(const cJSON *root, struct pm_conf *out, struct cni_error *err);
void pm_conf_free(struct pm_conf *c);
static inline void cleanup_pm_confp(struct pm_conf *c)
{
	pm_conf_free(c);
}
#define cleanup_pm_conf __attribute__((cleanup(cleanup_pm_confp)))

/* Parse one family's conditions (a JSON array of strings; NULL: none).
 * family AF_INET / AF_INET6; what names the field in errors. */
int pm_conds_parse(const cJSON *arr, int family, const char *what, struct pm_conds *out,
		   struct cni_error *err);

/* ---- what to install (entries.c) ---- */

/* The container's addresses, chosen from prevResult as the reference
 * does: the first IPv4 and the first IPv6 address whose interface (when
 * the result names one) is ifname inside a sandbox. */
struct pm_addrs {
	struct ip_net a[2]; /* [0] IPv4, [1] IPv6; family 0: none */
};
void pm_container_addrs(const struct cni_result *prev, const char *ifname, struct pm_addrs *out);

/* One mapping of one family, as it goes into nftables. */
struct pm_entry {
	int family;
	bool keyed_host; /* hostIP given (not unspecified): keyed on it */
	struct ip_addr host_ip;
	uint8_t proto;
	uint16_t host_port, container_port;
	struct ip_net caddr; /* the container's address, with its prefix */
	const char *cond;    /* the family's condition hash ("" none) */
};

/* The entries for addrs: each mapping in each family the container has an
 * address of (a hostIP of the other family skips it there). A mapping of
 * a key already listed (same family, hostIP, protocol and host port) is
 * dropped: the first one wins, as in the reference's chain. *out
 * malloc'd. 0 or -1 (ENOMEM). */
int pm_entries(const struct pm_conf *c, const struct pm_addrs *addrs, struct pm_entry **out,
	       size_t *n);

/* ---- names and keys (names.c) ---- */

#define PM_NAME_MAX 64

/* The DNAT map of an entry: "dnat4", "dnat6-ip" (keyed on the host
 * address), "dnat4-1a2b3c4d" (with conditions). */
char *pm_dnat_map_name(int family, bool keyed_host, const char *cond, char buf[PM_NAME_MAX]);
/* Its waiting list ("wait4", ...): mappings of a host port another
 * container holds, taking over when that one goes. */
char *pm_wait_map_name(int family, bool keyed_host, const char *cond, char buf[PM_NAME_MAX]);
/* Hairpin masquerade set of a prefix length: "hairpin4-24", "hairpin6-64". */
char *pm_hairpin_set_name(int family, int prefix, char buf[PM_NAME_MAX]);
#define PM_LOCALHOST_SET "localhost4"

/* The DNAT map element: key [host address .] protocol . host port,
 * data container address . container port. */
void pm_dnat_elem(const struct pm_entry *e, struct nft_elem *out);
/* The waiting element: the DNAT key . hash of owner, data . sequence
 * (the order of ADDs: the oldest waiting mapping takes over first). */
void pm_wait_elem(const struct pm_entry *e, const char *owner, uint64_t seq, struct nft_elem *out);
/* The DNAT key of a waiting element (its key without the owner hash). */
void pm_wait_to_dnat(const struct nft_elem *w, struct nft_elem *out);
uint64_t pm_wait_seq(const struct nft_elem *w);
/* Hairpin element: subnet . container address . protocol . container port
 * (subnet 0 with masqAll). Localhost: container address . protocol . port. */
void pm_hairpin_elem(const struct pm_entry *e, bool masq_all, struct nft_elem *out);
void pm_localhost_elem(const struct pm_entry *e, struct nft_elem *out);
/* The 32-bit owner hash in waiting keys. */
uint32_t pm_owner_hash(const char *owner);

/* The reference's iptables chain for a container: "CNI-" prefix
 * sha512(network + containerID)[:28 - 4 - strlen(prefix)] ("DN-", "SN-"). */
char *pm_legacy_chain_name(const char *network, const char *cid, const char *prefix, char buf[29]);

/* "tcp" "udp" "sctp" for a protocol number. */
const char *pm_proto_name(uint8_t proto);

/* ---- nftables (nftables.c, legacy.c) ---- */

/* What a call works on: this container's entries and options. */
struct pm_target {
	const char *network, *container_id, *ifname;
	const struct pm_entry *entries;
	size_t n;
	bool snat, masq_all;
	bool addr_unknown;	     /* DEL without prevResult: entries of both families */
	const struct pm_conds *cond; /* [0] IPv4, [1] IPv6 */
	/* ADD, CHECK: the interface route_localnet is on for (the route to
	 * the container's IPv4 address), whose 127.0.0.0/8 drop goes with
	 * the mappings; NULL or "": none (no snat, no IPv4 address) */
	const char *localnet_if;
};

/* Install the mappings (one batch; a host port another container holds
 * is queued behind it). */
int pm_nft_add(const struct pm_target *t, struct cni_error *err);
/* Remove this container's mappings (and promote what waited behind them),
 * and what the reference portmap made for it (iptables-nft CNI-DN-<hash>
 * chains and the jumps to them, its nftables rules), in one batch.
 * Nothing there: success. */
int pm_nft_del(const struct pm_target *t, struct cni_error *err);
/* CNI CHECK: every entry is installed for this container (or waiting). */
int pm_nft_check(const struct pm_target *t, struct cni_error *err);
/* CNI GC: remove every element of this network whose owner is not among
 * valid[]. */
int pm_nft_gc(const char *network, const struct cni_attachment *valid, size_t n,
	      struct cni_error *err);

/* legacy.c: queue the GETs telling which of the reference's chains exist
 * (q: room for PM_LEGACY_QUERIES), then the deletions for those that do. */
#define PM_LEGACY_QUERIES 10
struct pm_legacy {
	char dn[29], sn[29];
	struct nft_query *q; /* PM_LEGACY_QUERIES of them */
};
void pm_legacy_queries(const char *network, const char *cid, struct pm_legacy *l,
		       struct nft_query *q);
int pm_legacy_put_del(struct nft_sock *s, struct nft_msgs *m, const struct pm_legacy *l,
		      const char *cid, struct cni_error *err);

/* ---- commands (cmd.c) ---- */

int pm_cmd_add(const struct cni_env *env, const struct cni_conf *conf, struct cni_result **result,
	       struct cni_error *err);
int pm_cmd_del(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);
int pm_cmd_check(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);
int pm_cmd_gc(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);

#endif
