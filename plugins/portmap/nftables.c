/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * portmap ADD/DEL/CHECK in nftables (the layout is in nftables.h): one
 * round trip of GETs tells what is there, then one batch changes it. Every
 * element carries its owner "network/containerID/ifname"; an element is
 * only ever removed by its owner (or by GC), and a host port another
 * container holds queues behind it.
 */
#define _GNU_SOURCE
#include "nftables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "util/cleanup.h"

enum obj_kind { OBJ_DNAT, OBJ_WAIT, OBJ_HAIRPIN, OBJ_LOCALHOST, OBJ_LOCALNET };

/* A map or set a call touches, and whether it exists. */
struct obj {
	enum obj_kind kind;
	char name[PM_NAME_MAX];
	int family, prefix;
	bool keyed_host;
	const struct pm_conds *cond;
	size_t q; /* its GETSET */
	/* DEL/GC: the waiting list's elements, dumped when needed */
	struct nft_elem *waiting;
	size_t n_waiting;
	bool dumped;
};

/* DEL: one element of an entry looked up in one map or set. */
struct look {
	size_t obj, item, q;
};

/* One entry: its elements and the GETs of them. */
struct item {
	const struct pm_entry *e;
	size_t dnat, wait, hp; /* objects */
	struct nft_elem d, w, h, l;
	bool want_hp, want_lo;
	size_t qd, qw, qh, ql; /* element GETs (SIZE_MAX: none) */
};

struct plan {
	const struct pm_target *t;
	char owner[NFT_OWNER_MAX + 1];
	struct item *it;
	struct obj *obj;
	size_t n_obj, cap_obj;
	struct nft_query *q;
	size_t nq, capq;
	size_t q_base;	   /* GETCHAIN hostports */
	struct look *look; /* DEL */
	size_t n_look;
	struct pm_legacy legacy;
	bool with_legacy;
	/* the 127.0.0.0/8 drop's element for t->localnet_if (SIZE_MAX: none) */
	size_t q_localnet;
	struct nft_elem localnet;
};

static void objs_free(struct plan *p)
{
	for (size_t i = 0; i < p->n_obj; i++)
		free(p->obj[i].waiting);
	free(p->obj);
	p->obj = NULL;
	p->n_obj = p->cap_obj = 0;
}

static void plan_free(struct plan *p)
{
	objs_free(p);
	free(p->it);
	free(p->q);
	free(p->look);
}
#define cleanup_plan __attribute__((cleanup(plan_free)))

static size_t add_query(struct plan *p, enum nft_query_kind kind, const char *name,
			const struct nft_elem *e)
{
	struct nft_query *q = &p->q[p->nq];

	memset(q, 0, sizeof(*q));
	q->kind = kind;
	q->family = NFPROTO_INET;
	q->table = PM_TABLE;
	q->name = name;
	if (e)
		q->elem = *e;
	return p->nq++;
}

/* The object named so (made, with its GETSET, when new). */
static size_t get_obj(struct plan *p, enum obj_kind kind, const char *name, int family,
		      bool keyed_host, int prefix, const struct pm_conds *cond)
{
	struct obj *o;

	for (size_t i = 0; i < p->n_obj; i++)
		if (!strcmp(p->obj[i].name, name))
			return i;
	o = &p->obj[p->n_obj];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->family = family;
	o->keyed_host = keyed_host;
	o->prefix = prefix;
	o->cond = cond;
	o->q = add_query(p, NFT_Q_SET, o->name, NULL);
	return p->n_obj++;
}

/* Element lookups already queued (several entries share a hairpin or
 * localhost element): an open-addressed table of query indices + 1, so
 * that a call stays linear in its mappings. */
struct seen {
	size_t *slot;
	size_t mask;
};

static int seen_init(struct seen *sn, size_t n)
{
	size_t size = 4;

	while (size < 2 * n)
		size *= 2;
	sn->slot = calloc(size, sizeof(*sn->slot));
	sn->mask = size - 1;
	return sn->slot ? 0 : -1;
}

static size_t seen_hash(const struct nft_query *q)
{
	uint64_t h = 1469598103934665603ull ^ (uintptr_t)q->name;

	for (uint32_t i = 0; i < q->elem.klen; i++)
		h = (h ^ q->elem.key[i]) * 1099511628211ull;
	return (size_t)(h ^ h >> 29);
}

/* Is the lookup p->q[i] queued already (same set, same key)? If not, note
 * it. Set names are compared by address: each object has one. */
static bool seen_add(struct seen *sn, const struct plan *p, size_t i)
{
	const struct nft_query *x = &p->q[i];

	for (size_t k = seen_hash(x) & sn->mask;; k = (k + 1) & sn->mask) {
		const struct nft_query *y;

		if (!sn->slot[k]) {
			sn->slot[k] = i + 1;
			return false;
		}
		y = &p->q[sn->slot[k] - 1];
		if (y->name == x->name && y->elem.klen == x->elem.klen &&
		    !memcmp(y->elem.key, x->elem.key, x->elem.klen))
			return true;
	}
}

/* What ADD and CHECK look at: per entry its DNAT element, its waiting
 * element and (snat) its hairpin and localhost elements; the maps and
 * sets; the base chain. DEL (with_legacy) looks wherever the table has
 * maps and sets: del_plan(), each attempt. */
static int plan_build(struct plan *p, const struct pm_target *t, bool with_legacy,
		      struct cni_error *err)
{
	char name[PM_NAME_MAX];
	cleanup_free size_t *slots = NULL;
	struct seen sn;
	uint64_t seq;
	struct timespec ts;

	memset(p, 0, sizeof(*p));
	p->t = t;
	p->with_legacy = with_legacy;
	p->q_localnet = SIZE_MAX;
	nft_owner_format(t->network, t->container_id, t->ifname, p->owner);
	if (with_legacy)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	seq = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	/* at most 4 per entry, 4 objects per entry, the base, the localnet
	 * set and element */
	p->capq = 8 * t->n + 8;
	p->q = calloc(p->capq, sizeof(*p->q));
	p->it = calloc(t->n ? t->n : 1, sizeof(*p->it));
	p->cap_obj = 64 + 4;
	p->obj = calloc(p->cap_obj, sizeof(*p->obj));
	if (!p->q || !p->it || !p->obj || seen_init(&sn, 2 * t->n) < 0)
		return cni_error_oom(err);
	slots = sn.slot;
	p->q_base = add_query(p, NFT_Q_CHAIN, PM_CHAIN_HOSTPORTS, NULL);
	if (t->localnet_if && t->localnet_if[0]) {
		get_obj(p, OBJ_LOCALNET, PM_LOCALNET_SET, AF_INET, false, 0, NULL);
		pm_localnet_elem(t->localnet_if, &p->localnet);
		p->q_localnet = add_query(p, NFT_Q_ELEM, PM_LOCALNET_SET, &p->localnet);
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct pm_entry *e = &t->entries[i];
		const struct pm_conds *c = &t->cond[e->family == AF_INET ? 0 : 1];
		struct item *it = &p->it[i];
		int prefix = t->masq_all ? 0 : e->caddr.prefix;
		size_t lo;

		if (p->n_obj + 4 > p->cap_obj)
			return cni_error_set(err, CNI_ERR_INTERNAL, "portmap: too many maps");
		it->e = e;
		it->qh = it->ql = SIZE_MAX;
		it->dnat =
		    get_obj(p, OBJ_DNAT, pm_dnat_map_name(e->family, e->keyed_host, e->cond, name),
			    e->family, e->keyed_host, 0, c);
		it->wait =
		    get_obj(p, OBJ_WAIT, pm_wait_map_name(e->family, e->keyed_host, e->cond, name),
			    e->family, e->keyed_host, 0, c);
		pm_dnat_elem(e, &it->d);
		pm_wait_elem(e, p->owner, seq, &it->w);
		snprintf(it->d.owner, sizeof(it->d.owner), "%s", p->owner);
		snprintf(it->w.owner, sizeof(it->w.owner), "%s", p->owner);
		it->qd = add_query(p, NFT_Q_ELEM, p->obj[it->dnat].name, &it->d);
		it->qw = add_query(p, NFT_Q_ELEM, p->obj[it->wait].name, &it->w);
		if (!t->snat)
			continue;
		it->hp = get_obj(p, OBJ_HAIRPIN, pm_hairpin_set_name(e->family, prefix, name),
				 e->family, false, prefix, NULL);
		pm_hairpin_elem(e, t->masq_all, &it->h);
		snprintf(it->h.owner, sizeof(it->h.owner), "%s", p->owner);
		it->qh = add_query(p, NFT_Q_ELEM, p->obj[it->hp].name, &it->h);
		it->want_hp = !seen_add(&sn, p, it->qh);
		if (!it->want_hp) {
			p->nq--; /* another entry's already */
			it->qh = SIZE_MAX;
		}
		if (e->family != AF_INET || t->masq_all)
			continue;
		lo = get_obj(p, OBJ_LOCALHOST, PM_LOCALHOST_SET, AF_INET, false, 32, NULL);
		pm_localhost_elem(e, &it->l);
		snprintf(it->l.owner, sizeof(it->l.owner), "%s", p->owner);
		it->ql = add_query(p, NFT_Q_ELEM, p->obj[lo].name, &it->l);
		it->want_lo = !seen_add(&sn, p, it->ql);
		if (!it->want_lo) {
			p->nq--;
			it->ql = SIZE_MAX;
		}
	}
	return 0;
}

static const struct nft_query *q_of(const struct plan *p, size_t i)
{
	return i == SIZE_MAX ? NULL : &p->q[i];
}

static bool found(const struct plan *p, size_t i)
{
	const struct nft_query *q = q_of(p, i);
	return q && q->found;
}

static bool obj_exists(const struct plan *p, size_t o)
{
	/* SIZE_MAX: DEL's, seen in the table's list of sets */
	return p->obj[o].q == SIZE_MAX || p->q[p->obj[o].q].found;
}

static int put_elem(struct nft_msgs *m, uint16_t type, uint16_t flags, const char *set,
		    const struct nft_elem *e, const char *desc)
{
	return nft_put_elem(m, type, flags, NFPROTO_INET, PM_TABLE, set, e, desc);
}

/* "tcp/8080 to 10.88.0.5:80", for messages */
static const char *entry_desc(const struct pm_entry *e, char *buf, size_t size)
{
	char h[IP_ADDR_STRLEN], c[IP_ADDR_STRLEN];
	snprintf(buf, size, "%s %s%s%s%u to %s%s%s:%u", pm_proto_name(e->proto),
		 e->keyed_host ? (e->family == AF_INET6 ? "[" : "") : "",
		 e->keyed_host ? ip_addr_format(&e->host_ip, h) : "",
		 e->keyed_host ? (e->family == AF_INET6 ? "]:" : ":") : "", e->host_port,
		 e->family == AF_INET6 ? "[" : "", ip_addr_format(&e->caddr.ip, c),
		 e->family == AF_INET6 ? "]" : "", e->container_port);
	return buf;
}

/* "the 127.0.0.0/8 drop on cni0", for messages */
static const char *t_localnet_desc(const struct plan *p, char *buf, size_t size)
{
	snprintf(buf, size, "the 127.0.0.0/8 drop on %s", p->t->localnet_if);
	return buf;
}

static bool same_data(const struct nft_elem *a, const struct nft_elem *b)
{
	return a->dlen == b->dlen && !memcmp(a->data, b->data, a->dlen);
}

/* Two waiting elements for the same target (their sequence aside). */
static bool same_wait(const struct nft_elem *a, const struct nft_elem *b)
{
	return a->dlen == b->dlen && a->dlen >= 8 && !memcmp(a->data, b->data, a->dlen - 8);
}

/* Create the missing maps and sets (EXCL) with their rules. */
static int put_objs(struct plan *p, struct nft_msgs *m, bool need_wait)
{
	for (size_t i = 0; i < p->n_obj; i++) {
		struct obj *o = &p->obj[i];
		struct nft_set_def d;

		if (obj_exists(p, i))
			continue;
		switch (o->kind) {
		case OBJ_DNAT:
			pm_dnat_def(o->family, o->keyed_host, false, o->name, &d);
			if (nft_put_set_excl(m, NFPROTO_INET, PM_TABLE, &d) < 0 ||
			    pm_put_dnat_rule(m, o->family, o->keyed_host, o->cond, o->name) < 0)
				return -1;
			break;
		case OBJ_WAIT:
			/* only when something waits: plain create, no rule */
			if (!need_wait)
				break;
			pm_dnat_def(o->family, o->keyed_host, true, o->name, &d);
			if (nft_put_set(m, NFPROTO_INET, PM_TABLE, &d) < 0)
				return -1;
			break;
		case OBJ_HAIRPIN:
			pm_hairpin_def(o->family, o->name, &d);
			if (nft_put_set_excl(m, NFPROTO_INET, PM_TABLE, &d) < 0 ||
			    pm_put_hairpin_rule(m, o->family, o->prefix, o->name) < 0)
				return -1;
			break;
		case OBJ_LOCALHOST:
			pm_localhost_def(&d);
			if (nft_put_set_excl(m, NFPROTO_INET, PM_TABLE, &d) < 0 ||
			    pm_put_localhost_rule(m) < 0)
				return -1;
			break;
		case OBJ_LOCALNET:
			pm_localnet_def(&d);
			if (nft_put_set_excl(m, NFPROTO_INET, PM_TABLE, &d) < 0 ||
			    pm_put_localnet(m) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* An element of ours in set: add it, replace another owner's (a leak: the
 * address was reused), or leave ours. */
static int put_owned(struct plan *p, struct nft_msgs *m, const char *set, const struct nft_elem *e,
		     const struct nft_query *q, const char *desc)
{
	if (q->found && !strcmp(q->elem.owner, p->owner))
		return 0;
	if (q->found) {
		fprintf(stderr, "portmap: %s in %s was %s's: replacing\n", desc, set,
			q->elem.owner);
		if (put_elem(m, NFT_MSG_DELSETELEM, 0, set, e, desc) < 0)
			return -1;
	}
	return put_elem(m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, set, e, desc);
}

static int add_once(struct nft_sock *s, void *data, int *kerr, struct cni_error *err)
{
	struct plan *p = data;
	cleanup_nft_msgs struct nft_msgs m = {0};
	bool need_wait = false;
	char desc[128];

	if (nft_query_run(s, p->q, p->nq, err) < 0)
		return -1;
	for (size_t i = 0; i < p->t->n; i++)
		if (found(p, p->it[i].qd) && strcmp(p->q[p->it[i].qd].elem.owner, p->owner))
			need_wait = true;

	nft_msgs_init(&m, s, true);
	if (!p->q[p->q_base].found && pm_put_base(&m) < 0)
		return cni_error_oom(err);
	if (put_objs(p, &m, need_wait) < 0)
		return cni_error_oom(err);
	/* the interface's 127.0.0.0/8 drop: one element, shared by every
	 * container behind it (a parallel ADD adding it too: EEXIST, again) */
	if (p->q_localnet != SIZE_MAX && !found(p, p->q_localnet) &&
	    put_elem(&m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, PM_LOCALNET_SET, &p->localnet,
		     t_localnet_desc(p, desc, sizeof(desc))) < 0)
		return cni_error_oom(err);
	for (size_t i = 0; i < p->t->n; i++) {
		struct item *it = &p->it[i];
		const struct nft_query *qd = &p->q[it->qd], *qw = &p->q[it->qw];
		const char *dn = p->obj[it->dnat].name, *wn = p->obj[it->wait].name;

		entry_desc(it->e, desc, sizeof(desc));
		if (!qd->found || !strcmp(qd->elem.owner, p->owner)) {
			/* free, or ours already (replaced if it changed) */
			if (qd->found && same_data(&qd->elem, &it->d))
				;
			else if ((qd->found &&
				  put_elem(&m, NFT_MSG_DELSETELEM, 0, dn, &it->d, desc) < 0) ||
				 put_elem(&m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, dn, &it->d, desc) < 0)
				return cni_error_oom(err);
			/* waiting no more */
			if (qw->found && put_elem(&m, NFT_MSG_DELSETELEM, 0, wn, &it->w, desc) < 0)
				return cni_error_oom(err);
		} else if (!qw->found || !same_wait(&qw->elem, &it->w)) {
			/* another container holds the host port: wait behind it */
			fprintf(stderr,
				"portmap: %s: the host port is mapped to %s; %s waits for it\n",
				desc, qd->elem.owner, p->owner);
			if ((qw->found &&
			     put_elem(&m, NFT_MSG_DELSETELEM, 0, wn, &it->w, desc) < 0) ||
			    put_elem(&m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, wn, &it->w, desc) < 0)
				return cni_error_oom(err);
		}
		if (it->want_hp &&
		    put_owned(p, &m, p->obj[it->hp].name, &it->h, &p->q[it->qh], desc) < 0)
			return cni_error_oom(err);
		if (it->want_lo &&
		    put_owned(p, &m, PM_LOCALHOST_SET, &it->l, &p->q[it->ql], desc) < 0)
			return cni_error_oom(err);
	}
	return nft_msgs_commit(s, &m, kerr, err);
}

int pm_nft_add(const struct pm_target *t, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	cleanup_plan struct plan p = {0};

	if (t->n == 0)
		return 0;
	if (plan_build(&p, t, false, err) < 0 || nft_sock_open(&s, err) < 0)
		return -1;
	/* EEXIST: another writer added an element, map or the base since
	 * our GETs; ENOENT: something went away since */
	if (nft_retry(&s, add_once, &p, (const int[]){EEXIST, ENOENT, 0}, err) < 0)
		return cni_error_wrap(err, "port mappings for %s", p.owner);
	return 0;
}

/* ---- DEL ---- */

static bool keep_all(const struct nft_elem *e, void *data)
{
	(void)e;
	(void)data;
	return true;
}

/* The waiting list of object o, dumped once per attempt. */
static int waiting_of(struct nft_sock *s, struct plan *p, size_t o, struct cni_error *err)
{
	struct obj *w = &p->obj[o];

	int rc;

	if (w->dumped || !obj_exists(p, o))
		return 0;
	free(w->waiting);
	w->waiting = NULL;
	w->n_waiting = 0;
	rc = nft_collect_elems(s, NFPROTO_INET, PM_TABLE, w->name, keep_all, NULL, &w->waiting,
			       &w->n_waiting, NULL, err);
	if (rc < 0)
		return rc;
	w->dumped = true;
	return 0;
}

/* Queue the promotion of the oldest mapping waiting for dnat key d (none
 * of skip_owner's, and none stale() rejects): out of waiting list w, into
 * map dnat. */
int pm_put_promote(struct nft_msgs *m, const char *dnat, const char *wait,
		   const struct nft_elem *waiting, size_t n, const struct nft_elem *d,
		   bool (*skip)(const struct nft_elem *w, void *data), void *data)
{
	const struct nft_elem *best = NULL;
	struct nft_elem next;

	for (size_t i = 0; i < n; i++) {
		/* the waiting key is the DNAT key . owner hash */
		if (waiting[i].klen != d->klen + 4 || memcmp(waiting[i].key, d->key, d->klen) ||
		    skip(&waiting[i], data))
			continue;
		if (!best || pm_wait_seq(&waiting[i]) < pm_wait_seq(best))
			best = &waiting[i];
	}
	if (!best)
		return 0;
	pm_wait_to_dnat(best, &next);
	fprintf(stderr, "portmap: the host port goes to %s, which waited for it\n", next.owner);
	if (put_elem(m, NFT_MSG_DELSETELEM, 0, wait, best, "a waiting mapping") < 0 ||
	    put_elem(m, NFT_MSG_NEWSETELEM, NLM_F_EXCL, dnat, &next, "a waiting mapping") < 0)
		return -1;
	return 1;
}

static bool owned_by(const struct nft_elem *w, void *owner)
{
	return !strcmp(w->owner, owner);
}

static int del_by_owner(struct nft_sock *s, struct plan *p, struct nft_msgs *m,
			struct cni_error *err);

/* What a set's name says (dnat4, dnat6-ip-1a2b3c4d, wait4-ip, hairpin6-64,
 * localhost4: nftables.h); false: not one of ours. */
static bool parse_obj(const char *name, struct obj *o)
{
	const char *r;
	char *end;
	long v;

	memset(o, 0, sizeof(*o));
	o->q = SIZE_MAX;
	snprintf(o->name, sizeof(o->name), "%s", name);
	if (!strcmp(name, PM_LOCALHOST_SET)) {
		o->kind = OBJ_LOCALHOST;
		o->family = AF_INET;
		return true;
	}
	if (!strncmp(name, "dnat", 4) || !strncmp(name, "wait", 4)) {
		o->kind = name[0] == 'd' ? OBJ_DNAT : OBJ_WAIT;
		r = name + 4;
	} else if (!strncmp(name, "hairpin", 7)) {
		o->kind = OBJ_HAIRPIN;
		r = name + 7;
	} else {
		return false;
	}
	if (*r != '4' && *r != '6')
		return false;
	o->family = *r++ == '4' ? AF_INET : AF_INET6;
	if (o->kind != OBJ_HAIRPIN) {
		o->keyed_host = !strncmp(r, "-ip", 3) && (r[3] == '\0' || r[3] == '-');
		return true;
	}
	if (r[0] != '-' || r[1] < '0' || r[1] > '9')
		return false;
	v = strtol(r + 1, &end, 10);
	if (*end || v > (o->family == AF_INET ? 32 : 128))
		return false;
	o->prefix = (int)v;
	return true;
}

/* Would entry e have an element in object o, and which (its key)? */
static bool elem_in(const struct plan *p, const struct pm_entry *e, const struct obj *o,
		    struct nft_elem *x)
{
	struct pm_entry c;

	if (o->family != e->family)
		return false;
	switch (o->kind) {
	case OBJ_DNAT:
		if (o->keyed_host != e->keyed_host)
			return false;
		if (x)
			pm_dnat_elem(e, x);
		return true;
	case OBJ_WAIT:
		if (o->keyed_host != e->keyed_host)
			return false;
		if (x)
			pm_wait_elem(e, p->owner, 0, x);
		return true;
	case OBJ_HAIRPIN:
		/* no address known: found by owner (del_by_owner) */
		if (p->t->addr_unknown)
			return false;
		c = *e;
		c.caddr.prefix = o->prefix;
		if (x)
			pm_hairpin_elem(&c, false, x);
		return true;
	case OBJ_LOCALHOST:
		if (p->t->addr_unknown)
			return false;
		if (x)
			pm_localhost_elem(e, x);
		return true;
	case OBJ_LOCALNET:
		/* the interface's, not a container's: DEL leaves it (GC's) */
		return false;
	}
	return false;
}

/* DEL's lookups, each attempt: the maps and sets of the table (one dump
 * of their names), and in each every element an entry would have there,
 * whatever the configuration said when it was added (conditions, masqAll,
 * snat). The base chain and the reference's chains too. 0, -EINTR or -1. */
static int del_plan(struct nft_sock *s, struct plan *p, struct cni_error *err)
{
	static const char *const prefixes[] = {"dnat", "wait", "hairpin", PM_LOCALHOST_SET, NULL};
	cleanup_free char(*names)[NFT_SET_NAME_MAX] = NULL;
	cleanup_free size_t *slots = NULL;
	struct seen sn = {0};
	size_t nn = 0, nl = 0;
	int rc = nft_collect_sets(s, NFPROTO_INET, PM_TABLE, prefixes, &names, &nn, err);

	if (rc < 0)
		return rc;
	objs_free(p);
	free(p->look);
	free(p->q);
	p->look = NULL;
	p->q = NULL;
	p->nq = p->n_look = 0;
	p->obj = calloc(nn ? nn : 1, sizeof(*p->obj));
	if (!p->obj)
		return cni_error_oom(err);
	p->cap_obj = nn;
	for (size_t i = 0; i < nn; i++)
		if (parse_obj(names[i], &p->obj[p->n_obj]))
			p->n_obj++;
	for (size_t i = 0; i < p->t->n; i++)
		for (size_t o = 0; o < p->n_obj; o++)
			nl += elem_in(p, &p->t->entries[i], &p->obj[o], NULL);
	p->capq = 1 + PM_LEGACY_QUERIES + nl;
	p->q = calloc(p->capq, sizeof(*p->q));
	p->look = calloc(nl ? nl : 1, sizeof(*p->look));
	if (!p->q || !p->look || seen_init(&sn, nl) < 0)
		return cni_error_oom(err);
	slots = sn.slot;
	p->q_base = add_query(p, NFT_Q_CHAIN, PM_CHAIN_HOSTPORTS, NULL);
	pm_legacy_queries(p->t->network, p->t->container_id, &p->legacy, &p->q[p->nq]);
	p->nq += PM_LEGACY_QUERIES;
	for (size_t i = 0; i < p->t->n; i++) {
		for (size_t o = 0; o < p->n_obj; o++) {
			struct look *l = &p->look[p->n_look];
			struct nft_elem x;

			if (!elem_in(p, &p->t->entries[i], &p->obj[o], &x))
				continue;
			l->obj = o;
			l->item = i;
			l->q = add_query(p, NFT_Q_ELEM, p->obj[o].name, &x);
			if (seen_add(&sn, p, l->q))
				p->nq--; /* another entry's already */
			else
				p->n_look++;
		}
	}
	return 0;
}

static size_t find_obj(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_obj; i++)
		if (!strcmp(p->obj[i].name, name))
			return i;
	return SIZE_MAX;
}

static int del_once(struct nft_sock *s, void *data, int *kerr, struct cni_error *err)
{
	struct plan *p = data;
	cleanup_nft_msgs struct nft_msgs m = {0};
	char desc[128], wait[PM_NAME_MAX];
	int rc = del_plan(s, p, err);

	if (rc < 0) {
		if (rc == -EINTR)
			goto dump_failed;
		return -1;
	}
	if (nft_query_run(s, p->q, p->nq, err) < 0)
		return -1;
	nft_msgs_init(&m, s, true);
	for (size_t i = 0; i < p->n_look; i++) {
		const struct look *l = &p->look[i];
		const struct obj *o = &p->obj[l->obj];
		const struct nft_query *q = &p->q[l->q];
		size_t w;

		if (!q->found || strcmp(q->elem.owner, p->owner) != 0)
			continue; /* absent, or another container's: not ours to remove */
		if (o->kind == OBJ_DNAT || o->kind == OBJ_WAIT)
			entry_desc(&p->t->entries[l->item], desc, sizeof(desc));
		else
			snprintf(desc, sizeof(desc), "%s",
				 o->kind == OBJ_HAIRPIN ? "hairpin" : "localhost");
		if (put_elem(&m, NFT_MSG_DELSETELEM, 0, o->name, &q->elem, desc) < 0)
			return cni_error_oom(err);
		if (o->kind != OBJ_DNAT)
			continue;
		/* the host port goes to the oldest mapping waiting for it */
		snprintf(wait, sizeof(wait), "wait%s", o->name + 4);
		if ((w = find_obj(p, wait)) == SIZE_MAX)
			continue;
		if (waiting_of(s, p, w, err) < 0)
			goto dump_failed;
		if (pm_put_promote(&m, o->name, wait, p->obj[w].waiting, p->obj[w].n_waiting,
				   &q->elem, owned_by, p->owner) < 0)
			return cni_error_oom(err);
	}
	if (p->t->addr_unknown && p->t->n && del_by_owner(s, p, &m, err) < 0)
		goto dump_failed;
	if (p->with_legacy) {
		rc = pm_legacy_put_del(s, &m, &p->legacy, p->t->container_id, err);
		if (rc < 0) {
			if (rc == -EINTR)
				goto dump_failed;
			return -1;
		}
	}
	return nft_msgs_commit(s, &m, kerr, err);

dump_failed:
	if (cni_error_is_set(err))
		return -1;
	*kerr = EINTR;
	return cni_error_set(err, CNI_ERR_NFTABLES, "nftables: dump interrupted");
}

/* No address known (DEL without prevResult): find this owner's hairpin and
 * localhost elements by dumping those sets. */
static int del_by_owner(struct nft_sock *s, struct plan *p, struct nft_msgs *m,
			struct cni_error *err)
{
	static const char *const prefixes[] = {"hairpin", PM_LOCALHOST_SET, NULL};
	return nft_put_del_picked(s, m, NFPROTO_INET, PM_TABLE, prefixes, owned_by, p->owner, err);
}

int pm_nft_del(const struct pm_target *t, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	cleanup_plan struct plan p = {0};

	if (plan_build(&p, t, true, err) < 0 || nft_sock_open(&s, err) < 0)
		return -1;
	/* ENOENT: removed since we looked (a parallel DEL or GC); EEXIST: a
	 * promotion raced with an ADD; EBUSY: a rule jumping to the
	 * reference's chain appeared after our dump */
	if (nft_retry(&s, del_once, &p, (const int[]){ENOENT, EINTR, EEXIST, EBUSY, 0}, err) < 0)
		return cni_error_wrap(err, "removing port mappings of %s", p.owner);
	/* DEL is the plugin's last act: its socket's close-wait is left to a
	 * child (nft.h), not charged to the runtime */
	nft_sock_close_detached(&s);
	return 0;
}

/* ---- CHECK ---- */

int pm_nft_check(const struct pm_target *t, struct cni_error *err)
{
	cleanup_nft_sock struct nft_sock s = {0};
	cleanup_plan struct plan p = {0};
	char desc[128];

	if (t->n == 0)
		return 0;
	if (plan_build(&p, t, false, err) < 0 || nft_sock_open(&s, err) < 0 ||
	    nft_query_run(&s, p.q, p.nq, err) < 0)
		return -1;
	if (!p.q[p.q_base].found)
		return cni_error_set(err, CNI_ERR_CHECK, "no table inet %s chain %s", PM_TABLE,
				     PM_CHAIN_HOSTPORTS);
	if (p.q_localnet != SIZE_MAX && !found(&p, p.q_localnet))
		return cni_error_set(
		    err, CNI_ERR_CHECK,
		    "route_localnet is on for %s without its 127.0.0.0/8 drop (set "
		    "%s)",
		    t->localnet_if, PM_LOCALNET_SET);
	for (size_t i = 0; i < t->n; i++) {
		struct item *it = &p.it[i];
		const struct nft_query *qd = &p.q[it->qd], *qw = &p.q[it->qw];

		entry_desc(it->e, desc, sizeof(desc));
		if (qd->found && !strcmp(qd->elem.owner, p.owner)) {
			if (!same_data(&qd->elem, &it->d))
				return cni_error_set(err, CNI_ERR_CHECK,
						     "port mapping %s: map %s has another target",
						     desc, p.obj[it->dnat].name);
		} else if (!qw->found || !same_wait(&qw->elem, &it->w)) {
			return cni_error_set(err, CNI_ERR_CHECK,
					     "port mapping %s of %s is missing from map %s", desc,
					     p.owner, p.obj[it->dnat].name);
		}
		if (it->want_hp && (!p.q[it->qh].found || strcmp(p.q[it->qh].elem.owner, p.owner)))
			return cni_error_set(err, CNI_ERR_CHECK,
					     "port mapping %s: no hairpin masquerade in set %s",
					     desc, p.obj[it->hp].name);
		if (it->want_lo && (!p.q[it->ql].found || strcmp(p.q[it->ql].elem.owner, p.owner)))
			return cni_error_set(err, CNI_ERR_CHECK,
					     "port mapping %s: no masquerade from 127.0.0.1 in set "
					     "%s",
					     desc, PM_LOCALHOST_SET);
	}
	return 0;
}
