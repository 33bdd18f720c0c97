/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftables through libnftnl, policy-free: the netlink plumbing (one socket
 * per call, request and batch buffers, answers matched by sequence number),
 * table/chain/set/rule/element builders, dumps, rule expressions, and the
 * owner comment every element we write carries. What a plugin puts in its
 * tables is the plugin's own (plugins/bridge/nftables.h, for example).
 *
 * Every batch is one transaction: on error nothing of it is left in the
 * kernel. Errors are CNI_ERR_NFTABLES naming the refused object, the
 * kernel's errno text in details.
 */
#ifndef CNI_NFT_NFT_H
#define CNI_NFT_NFT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "cni/error.h"
#include "ip/ipnet.h"

struct nlmsghdr;

/* Element owners: "network/containerID/ifname", stored as the element's
 * comment (NFTNL_UDATA_SET_ELEM_COMMENT), so `nft list` shows it. */
#define NFT_OWNER_MAX 240 /* fits one udata TLV and the kernel's 256 bytes */

/* ---- owners (owner.c, pure) ---- */

/* Fill buf (NFT_OWNER_MAX + 1) with the owner string; network may be NULL
 * (""). A container ID too long to fit is replaced by "#" + its sha512. */
char *nft_owner_format(const char *network, const char *cid, const char *ifname, char *buf);
/* Does owner belong to network (its first field)? */
bool nft_owner_in_network(const char *owner, const char *network);

/* The owners of a network's valid attachments (CNI GC): init with room
 * for cap, add each (containerID, ifname), sort, then ask. */
struct nft_owners {
	const char *network;
	char **v;
	size_t n, cap;
	char *pool;
};
int nft_owners_init(struct nft_owners *o, const char *network, size_t cap, struct cni_error *err);
void nft_owners_add(struct nft_owners *o, const char *cid, const char *ifname);
void nft_owners_sort(struct nft_owners *o);
/* Is owner the network's and not a valid attachment's? */
bool nft_owners_stale(const struct nft_owners *o, const char *owner);
void nft_owners_free(struct nft_owners *o);
#define cleanup_nft_owners __attribute__((cleanup(nft_owners_free)))

/* ---- socket and messages (nft_batch.c) ---- */

struct nft_sock {
	struct mnl_socket *nl;
	uint32_t seq;
	char *rbuf;
	size_t dump_len; /* a dump's read size; 0: the largest (the kernel
			    fills its dump parts up to what we last read) */
	int rcvbuf;	 /* the receive buffer's size (0: not read yet) */
	bool raised;	 /* its size was raised for many answers */
};

/* ---- windows of requests (window.c, pure) ---- */

/* What one answer to a GET may cost our receive buffer: a page-sized
 * message (NLMSG_GOODSIZE) and its overhead (most cost less: the kernel
 * trims them). */
#define NFT_ANSWER_COST 4608
/* The most bytes of requests one send carries (well under the send
 * buffer). */
#define NFT_WINDOW_BYTES 65536
/* How many requests may go out before their answers are read, with a
 * receive buffer of rcvbuf bytes (as SO_RCVBUF reads it): at least 1. */
uint32_t nft_window_answers(int rcvbuf);
/* The end (offset) of the next window of requests in buf[off..len): whole
 * messages, at most max_msgs of them and at most max_bytes (but at least
 * one message, whatever its size); *count gets their number. */
size_t nft_window_end(const void *buf, size_t off, size_t len, uint32_t max_msgs, size_t max_bytes,
		      uint32_t *count);

int nft_sock_open(struct nft_sock *s, struct cni_error *err);
/* From now on, this process leaves its nftables sockets open: they close
 * when it exits. Closing one right after a transaction may wait for an
 * RCU grace period while holding the nftables commit mutex (which a veth
 * deletion in the same netns needs too); a worker that reports its outcome
 * first and exits only when released (async_start_held) keeps that wait
 * off the plugin's latency. The transaction is committed when ACKed. */
void nft_defer_socket_close(void);
void nft_sock_close(struct nft_sock *s);
/* Close s, for a process about to exit, without its wait: the socket's
 * last close after a transaction that deleted something waits for the
 * kernel to destroy what it deleted (an RCU grace period, milliseconds,
 * holding the commit mutex); that close is left to a forked child holding
 * nothing else, which waits for this process's exit (the runtime has its
 * answer then), lets a grace period pass, closes and exits. A plain close
 * if the fork fails. The transaction is committed already (ACKed): the
 * child changes nothing. */
void nft_sock_close_detached(struct nft_sock *s);
#define cleanup_nft_sock __attribute__((cleanup(nft_sock_close)))

/* A buffer of messages: a batch (one transaction) or plain requests. */
struct nft_msgs {
	struct nft_sock *s;
	char *buf;
	size_t len, cap;
	size_t open;   /* offset of the message being built, or SIZE_MAX */
	size_t last;   /* offset of the last message started */
	uint32_t seq0; /* set when sent: batch: seq of BEGIN; requests: of the first */
	uint32_t n;    /* messages (BEGIN/END excluded) */
	char **what;   /* per message: what it does, for error messages */
	size_t what_cap;
	bool batch;
	bool oom;
};

void nft_msgs_init(struct nft_msgs *m, struct nft_sock *s, bool batch);
void nft_msgs_free(struct nft_msgs *m);
#define cleanup_nft_msgs __attribute__((cleanup(nft_msgs_free)))

/* Start a message with room bytes for its payload; what describes it.
 * NULL on ENOMEM (m->oom is then set and the send fails). */
struct nlmsghdr *nft_msgs_add(struct nft_msgs *m, uint16_t type, uint16_t family, uint16_t flags,
			      size_t room, const char *what, ...)
    __attribute__((format(printf, 6, 7)));

/* Called for each data message; idx is the message it answers. */
typedef int (*nft_data_cb)(const struct nlmsghdr *nlh, uint32_t idx, void *data);

/* Send plain GET requests: each is answered by one message (the object,
 * passed to cb) or an error; results[i] gets 0 or -errno for message i.
 * -1 only if the exchange itself failed. */
int nft_msgs_request(struct nft_sock *s, struct nft_msgs *m, nft_data_cb cb, void *data,
		     int *results, struct cni_error *err);
/* Send a batch (closing it); 0 when committed, else -1 with err naming
 * the first message the kernel refused (errno in *kerrno if not NULL). */
int nft_msgs_commit(struct nft_sock *s, struct nft_msgs *m, int *kerrno, struct cni_error *err);

/* Make the batch (nothing in it yet) conditional on the ruleset
 * generation: if any transaction was committed since genid was read, the
 * kernel refuses the whole batch with ERESTART (*kerrno) and changes
 * nothing. The kernel has no conditional delete; this is the way to act
 * on what a GET or dump saw. -1 if m is not a fresh batch. */
int nft_msgs_set_genid(struct nft_msgs *m, uint32_t genid);
/* GET the generation (put it first among requests: what follows was
 * looked at no earlier), and read it from its answer (-1: not it). */
int nft_put_get_gen(struct nft_msgs *m);
int nft_parse_gen(const struct nlmsghdr *nlh, uint32_t *genid);
/* The generation, in a round trip of its own. */
int nft_get_gen(struct nft_sock *s, uint32_t *genid, struct cni_error *err);

/* One try of a look-then-change exchange (GETs or dumps, then a batch);
 * *kerr gets the errno of a refused batch. */
typedef int (*nft_try_fn)(struct nft_sock *s, void *data, int *kerr, struct cni_error *err);
#define NFT_ATTEMPTS 3
/* Run try up to NFT_ATTEMPTS times, again only while the refusal's errno
 * is one of again[] (0-terminated): a parallel writer changed what the try
 * looked at. 0, or -1 with the last try's error. */
int nft_retry(struct nft_sock *s, nft_try_fn try, void *data, const int *again,
	      struct cni_error *err);
/* The same with a bound of one's own (a try made conditional on the
 * generation may meet any writer's commit, not just a conflicting one). */
int nft_retry_n(struct nft_sock *s, nft_try_fn try, void *data, const int *again, int attempts,
		struct cni_error *err);

/* Dump: one request of type with NLM_F_DUMP, payload built by build();
 * returns 0, -ENOENT when the table/set/chain is absent, -EINTR when the
 * ruleset changed during the dump (start over), or -1 (err set). */
int nft_dump(struct nft_sock *s, uint16_t type, uint16_t family,
	     void (*build)(struct nlmsghdr *nlh, void *data), nft_data_cb cb, void *data,
	     struct cni_error *err);

/* ---- objects (nft_objs.c, nft_elem.c, nft_expr.c, nft_dump.c) ---- */

static inline void cleanup_nftnl_tablep(struct nftnl_table **p)
{
	if (*p)
		nftnl_table_free(*p);
}
static inline void cleanup_nftnl_chainp(struct nftnl_chain **p)
{
	if (*p)
		nftnl_chain_free(*p);
}
static inline void cleanup_nftnl_rulep(struct nftnl_rule **p)
{
	if (*p)
		nftnl_rule_free(*p);
}
static inline void cleanup_nftnl_setp(struct nftnl_set **p)
{
	if (*p)
		nftnl_set_free(*p);
}
#define cleanup_nftnl_table __attribute__((cleanup(cleanup_nftnl_tablep)))
#define cleanup_nftnl_chain __attribute__((cleanup(cleanup_nftnl_chainp)))
#define cleanup_nftnl_rule __attribute__((cleanup(cleanup_nftnl_rulep)))
#define cleanup_nftnl_set __attribute__((cleanup(cleanup_nftnl_setp)))

#define NFT_KEY_MAX 64 /* NFT_DATA_VALUE_MAXLEN */

/* One set element as we write and read it. */
struct nft_elem {
	uint8_t key[NFT_KEY_MAX];
	uint32_t klen;
	uint8_t data[NFT_KEY_MAX]; /* maps (value data only) */
	uint32_t dlen;
	char owner[NFT_OWNER_MAX + 1]; /* comment ("" none) */
};

/* A set (or map) definition. */
struct nft_set_def {
	const char *name;
	uint32_t key_type, key_len;
	uint32_t data_type, data_len; /* data_type 0: a plain set */
	uint32_t key_byteorder;	      /* for nft(8)'s listing: 1 host (strings) */
};

/* "inet", "ip", "ip6", "bridge" (for messages). */
const char *nft_family_name(uint16_t family);
/* A libnftnl set naming table/set only (for element messages), or NULL. */
struct nftnl_set *nft_set_named(const char *table, const char *set);

/* Add (create-if-absent, never EXCL) table, base chain, set. */
int nft_put_table(struct nft_msgs *m, uint16_t family, const char *table);
int nft_put_base_chain(struct nft_msgs *m, uint16_t family, const char *table, const char *chain,
		       const char *type, uint32_t hook, int32_t prio);
int nft_put_set(struct nft_msgs *m, uint16_t family, const char *table,
		const struct nft_set_def *def);
/* Create a set only if absent (EEXIST otherwise); GET one (exists?). */
int nft_put_set_excl(struct nft_msgs *m, uint16_t family, const char *table,
		     const struct nft_set_def *def);
int nft_put_get_set(struct nft_msgs *m, uint16_t family, const char *table, const char *name);
/* Delete a set (with its elements; no rule may still use it). */
int nft_put_del_set(struct nft_msgs *m, uint16_t family, const char *table, const char *name);
/* Flush a chain (delete all its rules) / delete a chain. */
int nft_put_flush_chain(struct nft_msgs *m, uint16_t family, const char *table, const char *chain);
int nft_put_del_chain(struct nft_msgs *m, uint16_t family, const char *table, const char *chain);
/* GET a chain (does it exist?) / create a regular chain only if absent. */
int nft_put_get_chain(struct nft_msgs *m, uint16_t family, const char *table, const char *chain);
int nft_put_new_chain_excl(struct nft_msgs *m, uint16_t family, const char *table,
			   const char *chain);
/* Append rule r (its table/chain/family set by the caller). */
int nft_put_rule(struct nft_msgs *m, struct nftnl_rule *r, const char *what);
/* Insert rule r at the head of its chain. */
int nft_put_rule_head(struct nft_msgs *m, struct nftnl_rule *r, const char *what);
int nft_put_del_rule(struct nft_msgs *m, uint16_t family, const char *table, const char *chain,
		     uint64_t handle, const char *what);

/* One element: NFT_MSG_{NEW,DEL,GET}SETELEM (flags added to REQUEST|ACK
 * as needed). desc describes the element in error messages. */
int nft_put_elem(struct nft_msgs *m, uint16_t type, uint16_t flags, uint16_t family,
		 const char *table, const char *set, const struct nft_elem *e, const char *desc);
/* Delete many elements (keys only), packed into as few messages as fit. */
int nft_put_del_elems(struct nft_msgs *m, uint16_t family, const char *table, const char *set,
		      const struct nft_elem *const *elems, size_t n);
/* Parse a NEWSETELEM message (answer to GET or dump): cb per element. */
int nft_parse_elems(const struct nlmsghdr *nlh, int (*cb)(const struct nft_elem *e, void *data),
		    void *data);

/* Dump the elements of table/set: cb per element (cb < 0 stops, and err
 * is the callback's). Returns as nft_dump(). */
int nft_dump_elems(struct nft_sock *s, uint16_t family, const char *table, const char *set,
		   int (*cb)(const struct nft_elem *e, void *data), void *data,
		   struct cni_error *err);

/* Dump table/set and keep the elements keep() accepts: *out (malloc'd,
 * *n of them; an absent set is empty). *total (may be NULL): how many
 * elements the set holds, SIZE_MAX when it is absent. 0, -EINTR (start
 * over) or -1. */
int nft_collect_elems(struct nft_sock *s, uint16_t family, const char *table, const char *set,
		      bool (*keep)(const struct nft_elem *e, void *data), void *data,
		      struct nft_elem **out, size_t *n, size_t *total, struct cni_error *err);
/* Read the first elements of table/set only: cb per element (its key
 * alone: no data, no owner) until it returns 1 (stop; the rest is never
 * read), or < 0 (error, err is cb's).
 * On a socket of its own, so the cost is bounded whatever the set holds.
 * 1 stopped, 0 every element seen, -ENOENT, -EINTR (start over) or -1. */
int nft_peek_elems(uint16_t family, const char *table, const char *set,
		   int (*cb)(const struct nft_elem *e, void *data), void *data,
		   struct cni_error *err);
/* Queue the deletion of v[0..n) (by key) from family/table/set. */
int nft_put_del_collected(struct nft_msgs *m, uint16_t family, const char *table, const char *set,
			  const struct nft_elem *v, size_t n);

/* Rule expressions; each returns 0 or -1 (ENOMEM). */
int nft_x_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
int nft_x_cmp(struct nftnl_rule *r, uint32_t sreg, uint32_t op, const void *d, uint32_t len);
int nft_x_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg);
int nft_x_bitwise_mask(struct nftnl_rule *r, uint32_t reg, const void *mask, uint32_t len);
int nft_x_lookup(struct nftnl_rule *r, uint32_t sreg, int dreg, const char *set, uint32_t flags);
int nft_x_verdict(struct nftnl_rule *r, int verdict);
int nft_x_masq(struct nftnl_rule *r);
/* ip/ip6 daddr != net (nft's own encoding: byte-aligned prefixes load
 * fewer bytes, others mask). family: AF_INET / AF_INET6. */
int nft_x_daddr_not_in(struct nftnl_rule *r, const struct ip_net *net);
/* ip/ip6 saddr (source) or daddr <op> net, as above; op NFT_CMP_EQ/NEQ.
 * A /0 is refused (-1): it matches everything. */
int nft_x_addr_cmp(struct nftnl_rule *r, bool source, const struct ip_net *net, uint32_t op);
/* iifname (in) / oifname <op> name; a trailing '*' matches a prefix. */
int nft_x_ifname_cmp(struct nftnl_rule *r, bool in, const char *name, uint32_t op);
/* meta nfproto ipv4 / ipv6 (family AF_INET / AF_INET6), in reg 1. */
int nft_x_nfproto(struct nftnl_rule *r, int family);
/* immediate jump to chain. */
int nft_x_jump(struct nftnl_rule *r, const char *chain);
/* ct <key> (original direction's view) into dreg. */
int nft_x_ct(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
/* reg & bits != 0 (e.g. ct status dnat). */
int nft_x_bits_any(struct nftnl_rule *r, uint32_t reg, uint32_t bits);
/* reg & bits == 0 (e.g. ct state != established,related). */
int nft_x_bits_none(struct nftnl_rule *r, uint32_t reg, uint32_t bits);
/* fib daddr type into dreg (compare with RTN_LOCAL...). */
int nft_x_fib_daddr_type(struct nftnl_rule *r, uint32_t dreg);
/* nat: type NFT_NAT_SNAT/DNAT, family NFPROTO_IPV4/IPV6, the address in
 * reg_addr and (reg_proto != 0) the port in reg_proto. */
int nft_x_nat(struct nftnl_rule *r, uint32_t type, uint32_t family, uint32_t reg_addr,
	      uint32_t reg_proto);

/* Concatenations (keys and map data): fields are padded to 4 bytes.
 * Append field (flen bytes) at key[len]; returns the new length, or 0 when
 * it would exceed NFT_KEY_MAX. */
uint32_t nft_concat_put(uint8_t *key, uint32_t len, const void *field, uint32_t flen);

/* nft(8)'s datatype ids, for set definitions it can list, and the id of a
 * concatenation of them (nft's "a . b . c"). */
#define NFT_TYPE_MARK 19
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8
#define NFT_TYPE_INET_PROTO 12
#define NFT_TYPE_INET_SERVICE 13
#define NFT_TYPE_IFNAME 41 /* 16 bytes, host byte order (key_byteorder 1) */
#define NFT_TYPE_BITS 6
static inline uint32_t nft_type_concat(const uint32_t *types, size_t n)
{
	uint32_t t = 0;
	for (size_t i = 0; i < n; i++)
		t = (t << NFT_TYPE_BITS) | types[i];
	return t;
}
/* A new rule for family/table/chain (NULL on ENOMEM). */
struct nftnl_rule *nft_rule_new(uint16_t family, const char *table, const char *chain);

/* Dump the chains of family/table: cb(name) each. As nft_dump(). */
int nft_dump_chains(struct nft_sock *s, uint16_t family, const char *table,
		    int (*cb)(const char *name, void *data), void *data, struct cni_error *err);
/* Dump the sets of family/table: cb(name) each. As nft_dump(). */
int nft_dump_sets(struct nft_sock *s, uint16_t family, const char *table,
		  int (*cb)(const char *name, void *data), void *data, struct cni_error *err);
/* The sets of family/table whose names start with one of prefixes[]
 * (NULL-terminated; NULL: every set): *out malloc'd, *n of them. An absent
 * table has none. 0, -EINTR or -1. */
#define NFT_SET_NAME_MAX 64
int nft_collect_sets(struct nft_sock *s, uint16_t family, const char *table,
		     const char *const *prefixes, char (**out)[NFT_SET_NAME_MAX], size_t *n,
		     struct cni_error *err);
/* Queue the deletion of every element pick() selects in those sets
 * (dumps: for GC and lookups by owner). 0, -EINTR or -1. */
int nft_put_del_picked(struct nft_sock *s, struct nft_msgs *m, uint16_t family, const char *table,
		       const char *const *prefixes,
		       bool (*pick)(const struct nft_elem *e, void *data), void *data,
		       struct cni_error *err);
/* Dump the rules of family/table/chain: cb(rule) each. As nft_dump(). */
int nft_dump_rules(struct nft_sock *s, uint16_t family, const char *table, const char *chain,
		   int (*cb)(struct nftnl_rule *r, void *data), void *data, struct cni_error *err);

/* Does the rule look up (match against) that set? */
bool nft_rule_uses_set(struct nftnl_rule *r, const char *set);

/* ---- lookups (nft_query.c) ---- */

/* One thing to look up: an element (by key), a set or a chain. */
enum nft_query_kind { NFT_Q_ELEM, NFT_Q_SET, NFT_Q_CHAIN };
struct nft_query {
	enum nft_query_kind kind;
	uint16_t family;
	const char *table;
	const char *name;     /* set or chain */
	const char *desc;     /* NFT_Q_ELEM: the element, for messages */
	struct nft_elem elem; /* NFT_Q_ELEM: key in, the element found out */
	bool found;	      /* out: it exists */
};
/* All of q[] as plain GETs in one round trip. Absent (ENOENT, also when
 * the table or set is) is not an error. 0 or -1. */
int nft_query_run(struct nft_sock *s, struct nft_query *q, size_t n, struct cni_error *err);

/* ---- rules by content (nft_dump.c) ---- */

/* Does rule r jump (or goto) to chain? */
bool nft_rule_jumps_to(struct nftnl_rule *r, const char *chain);
/* Dump family/table/chain and collect the handles of the rules pick()
 * selects into *out (malloc'd, *n). An absent chain has none. 0, -EINTR
 * (the ruleset changed: start over) or -1. */
int nft_collect_rules(struct nft_sock *s, uint16_t family, const char *table, const char *chain,
		      bool (*pick)(struct nftnl_rule *r, void *data), void *data, uint64_t **out,
		      size_t *n, struct cni_error *err);
/* Queue the deletion of those rules (what names them in messages). As
 * nft_collect_rules. */
int nft_put_del_rules_picked(struct nft_sock *s, struct nft_msgs *m, uint16_t family,
			     const char *table, const char *chain,
			     bool (*pick)(struct nftnl_rule *r, void *data), void *data,
			     const char *what, struct cni_error *err);

/* Parse a rule's comment (NFTNL_UDATA_RULE_COMMENT) into buf ("" none). */
void nft_rule_comment(struct nftnl_rule *r, char *buf, size_t size);

#endif
