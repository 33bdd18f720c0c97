/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "hostlocal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipam/host-local/allocator/allocator.h"
#include "util/cleanup.h"
#include "config.h"
#include "dns.h"
#include "exhausted.h"
#include "ipam/host-local/disk/index.h"
#include "ipstr.h"
#include "ipam/host-local/disk/store.h"

#define HL_INDEX_INIT                                                                              \
	{                                                                                          \
		.fd = -1, .stampfd = -1                                                            \
	}

/* The two keys a container+ifname may hold reservations under. */
struct owner {
	char *key, *legacy;
	size_t keylen, legacylen;
};

static int owner_init(struct owner *o, const struct cni_env *env, struct cni_error *err)
{
	o->key = hl_owner_key(env->container_id, env->ifname, &o->keylen);
	o->legacy = hl_owner_key(env->container_id, NULL, &o->legacylen);
	return o->key && o->legacy ? 0 : cni_error_oom(err);
}

static void owner_free(struct owner *o)
{
	free(o->key);
	free(o->legacy);
}
#define cleanup_owner __attribute__((cleanup(owner_free)))

struct reserve_ctx {
	struct hl_store *st;
	const struct owner *o;
};

static int try_reserve(void *ctx, const struct ip_addr *ip, struct cni_error *err)
{
	struct reserve_ctx *rc = ctx;
	return hl_store_reserve(rc->st, ip, rc->o->key, rc->o->keylen, err);
}

/* Addresses already held by the owner (either key): the duplicate check. */
static int held_addresses(struct hl_index *ix, const struct owner *o, struct ip_addr **out,
			  size_t *n, struct cni_error *err)
{
	const char *keys[2] = {o->key, o->legacy};
	size_t lens[2] = {o->keylen, o->legacylen};

	*out = NULL;
	*n = 0;
	for (int k = 0; k < 2; k++) {
		char **names;
		size_t nn;
		struct ip_addr *p;

		if (hl_index_find(ix, keys[k], lens[k], &names, &nn, err) < 0)
			return -1;
		p = nn ? realloc(*out, (*n + nn) * sizeof(*p)) : *out;
		if (nn && !p) {
			hl_names_free(names, nn);
			return cni_error_oom(err);
		}
		*out = p;
		for (size_t i = 0; i < nn; i++)
			if (ip_addr_parse(names[i], &p[*n]) == 0)
				ip_addr_canonicalize(&p[(*n)++]);
		hl_names_free(names, nn);
	}
	return 0;
}

/* Undo this call's reservations (ADD failing part-way). */
static void release_reserved(struct hl_store *st, struct hl_index *ix, const struct owner *o,
			     const struct ip_addr *got, size_t n)
{
	cleanup_error struct cni_error e = CNI_ERROR_INIT;
	char name[IP_ADDR_STRLEN];

	for (size_t i = 0; i < n; i++) {
		ip_addr_format(&got[i], name);
		if (hl_store_remove(st, name, &e) < 0 ||
		    hl_index_remove(ix, o->key, o->keylen, name, &e) < 0) {
			fprintf(stderr, "host-local: releasing %s: %s\n", name, e.msg);
			cni_error_clear(&e);
		}
	}
	if (hl_index_commit(ix, &e) < 0)
		fprintf(stderr, "host-local: %s\n", e.msg);
}

/* Reserve the address for set i: the requested one, or the next free. */
static int reserve_one(const struct hl_config *c, size_t i, int req, struct hl_store *st,
		       const struct owner *o, const struct ip_addr *held, size_t n_held,
		       struct ip_addr *ip, struct cni_error *err)
{
	const struct hl_range_set *set = &c->sets[i];
	cleanup_free char *ss = NULL;
	char s[IP_ADDR_STRLEN];
	struct reserve_ctx rc = {st, o};
	struct ip_addr last;
	int ret;

	if (req >= 0) {
		*ip = c->requested[req];
		ret = hl_store_reserve(st, ip, o->key, o->keylen, err);
		if (ret < 0)
			return -1;
		if (ret == 0) {
			ss = hl_range_set_string(set);
			return cni_error_set(err, CNI_ERR_IPAM,
					     "failed to allocate for range %zu: requested IP "
					     "address %s is not available in range set %s",
					     i, ip_addr_format(ip, s), ss ? ss : "");
		}
		return 0;
	}
	/* one address per set and owner, as the spec and the reference want */
	for (size_t k = 0; k < n_held; k++)
		if (hl_range_set_find(set, &held[k]) >= 0)
			return cni_error_set(err, CNI_ERR_IPAM,
					     "failed to allocate for range %zu: %s has been "
					     "allocated to %s, duplicate allocation is not allowed",
					     i, ip_addr_format(&held[k], s), o->legacy);
	ret = hl_allocate(set, hl_store_read_last(st, i, &last) == 0 ? &last : NULL, try_reserve,
			  &rc, ip, NULL, err);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		ss = hl_range_set_string(set);
		cni_error_set(err, CNI_ERR_IPAM,
			      "failed to allocate for range %zu: no IP addresses available "
			      "in range set: %s",
			      i, ss ? ss : "");
		hl_explain_exhausted(st, set, time(NULL), err);
		return -1;
	}
	return 0;
}

static int fill_result(struct cni_result *r, const struct hl_config *c, const struct ip_addr *got)
{
	for (size_t i = 0; i < c->n_sets; i++) {
		const struct hl_range *rg = &c->sets[i].r[hl_range_set_find(&c->sets[i], &got[i])];
		struct cni_ipconfig ipc = {
		    .address = {.ip = got[i], .prefix = rg->subnet.prefix},
		    .gateway = rg->gateway,
		    .interface = -1,
		};
		if (cni_result_add_ip(r, &ipc) < 0)
			return -1;
	}
	for (size_t i = 0; i < c->n_routes; i++)
		if (cni_result_add_route(r, &c->routes[i]) < 0)
			return -1;
	return 0;
}

/* Everything ADD checks before it opens the store: the owner key, the
 * config, the resolv.conf, which set each requested address belongs to. */
static int prepare_add(const struct cni_env *env, const struct cni_conf *conf, struct hl_config *c,
		       int **assign, struct cni_dns *dns, struct cni_error *err)
{
	/* the owner key must read back whole, or DEL and GC could not see it */
	if (hl_owner_check(env->container_id, env->ifname, err) < 0 ||
	    hl_config_load(conf, env->args, c, err) < 0)
		return -1;
	if (!(*assign = calloc(c->n_sets ? c->n_sets : 1, sizeof(**assign))))
		return cni_error_oom(err);
	if (c->resolv_conf && hl_parse_resolv_conf(c->resolv_conf, dns, err) < 0)
		return -1;
	return hl_assign_requested(c->sets, c->n_sets, c->requested, c->n_requested, *assign, err);
}

int hl_cmd_validate_add(const struct cni_env *env, const struct cni_conf *conf,
			struct cni_error *err)
{
	cleanup_hl_config struct hl_config c = {0};
	cleanup_free int *assign = NULL;
	struct cni_dns dns = {0};
	int r = prepare_add(env, conf, &c, &assign, &dns, err);

	cni_dns_clear(&dns);
	return r;
}

int hl_cmd_add(const struct cni_env *env, const struct cni_conf *conf, struct cni_result **result,
	       struct cni_error *err)
{
	cleanup_hl_config struct hl_config c = {0};
	cleanup_result struct cni_result *r = NULL;
	cleanup_hl_store struct hl_store st = HL_STORE_INIT;
	cleanup_hl_index struct hl_index ix = HL_INDEX_INIT;
	cleanup_owner struct owner o = {0};
	cleanup_free int *assign = NULL;
	cleanup_free struct ip_addr *got = NULL, *held = NULL;
	cleanup_free char *printed = NULL;
	char name[IP_ADDR_STRLEN];
	size_t n_got = 0, n_held = 0;

	if (owner_init(&o, env, err) < 0 || !(r = cni_result_new()))
		return cni_error_oom(err);
	if (prepare_add(env, conf, &c, &assign, &r->dns, err) < 0)
		return -1;
	if (!(got = calloc(c.n_sets, sizeof(*got))))
		return cni_error_oom(err);
	/* one lock for the whole ADD: the sets are reserved all or nothing */
	if (hl_store_open(&st, c.data_dir, c.name, true, err) < 0 ||
	    hl_index_open(&ix, &st, err) < 0 || held_addresses(&ix, &o, &held, &n_held, err) < 0)
		return -1;
	for (size_t i = 0; i < c.n_sets; i++) {
		if (reserve_one(&c, i, assign[i], &st, &o, held, n_held, &got[n_got], err) < 0)
			goto fail;
		n_got++;
		if (hl_index_add(&ix, o.key, o.keylen, ip_addr_format(&got[i], name), err) < 0 ||
		    hl_store_write_last(&st, i, &got[i], err) < 0)
			goto fail;
	}
	if (fill_result(r, &c, got) < 0) {
		cni_error_oom(err);
		goto fail;
	}
	/* Our caller prints r in the config's version (the skeleton, or the
	 * bridge running us in-process). A result that version cannot express
	 * (in 0.2.0, a route of a family with no address) fails the ADD here,
	 * where what it reserved can still be released. */
	if (!(printed = cni_result_print(r, conf->cni_version, err)))
		goto fail;
	if (hl_index_commit(&ix, err) < 0)
		goto fail;
	*result = steal_pointer(&r);
	return 0;
fail:
	release_reserved(&st, &ix, &o, got, n_got);
	return -1;
}

/* Remove every reservation `key` holds; *n = how many. Keeps going past
 * errors (the first is reported), as the reference does. */
static int release_key(struct hl_store *st, struct hl_index *ix, const char *key, size_t keylen,
		       size_t *n, struct cni_error *err)
{
	char **names;
	size_t nn;
	int ret = 0;

	*n = 0;
	if (hl_index_find(ix, key, keylen, &names, &nn, err) < 0)
		return -1;
	for (size_t i = 0; i < nn; i++) {
		cleanup_error struct cni_error e = CNI_ERROR_INIT;
		if (hl_store_remove(st, names[i], &e) < 0 ||
		    hl_index_remove(ix, key, keylen, names[i], &e) < 0) {
			if (ret == 0)
				cni_error_move(err, &e);
			ret = -1;
			continue;
		}
		(*n)++;
	}
	hl_names_free(names, nn);
	return ret;
}

int hl_cmd_del(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_hl_config struct hl_config c = {0};
	cleanup_hl_store struct hl_store st = HL_STORE_INIT;
	cleanup_hl_index struct hl_index ix = HL_INDEX_INIT;
	cleanup_owner struct owner o = {0};
	size_t n = 0, nl = 0;
	int ret;

	if (hl_config_load(conf, env->args, &c, err) < 0 || owner_init(&o, env, err) < 0)
		return -1;
	ret = hl_store_open(&st, c.data_dir, c.name, false, err);
	if (ret != 0)
		return ret < 0 ? -1 : 0; /* no directory: nothing to release */
	/* what an ADD killed before its unlink left (it may hold our owner) */
	if (hl_store_drop_temp(&st, err) < 0 || hl_index_open(&ix, &st, err) < 0)
		return -1;
	ret = release_key(&st, &ix, o.key, o.keylen, &n, err);
	/* Files from before ifnames were recorded hold just the ID. The
	 * reference releases those when nothing matched exactly, and (since
	 * it releases once per range set) always with several sets. */
	if (ret == 0 && (n == 0 || c.n_sets > 1))
		ret = release_key(&st, &ix, o.legacy, o.legacylen, &nl, err);
	if (hl_index_commit(&ix, ret < 0 ? NULL : err) < 0)
		return -1;
	return ret;
}

int hl_cmd_check(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_hl_config struct hl_config c = {0};
	cleanup_hl_store struct hl_store st = HL_STORE_INIT;
	cleanup_hl_index struct hl_index ix = HL_INDEX_INIT;
	cleanup_owner struct owner o = {0};
	char **names = NULL;
	size_t n = 0;
	int ret;

	if (hl_config_load(conf, env->args, &c, err) < 0 || owner_init(&o, env, err) < 0)
		return -1;
	ret = hl_store_open(&st, c.data_dir, c.name, false, err);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		if (hl_index_open(&ix, &st, err) < 0 ||
		    hl_index_find(&ix, o.key, o.keylen, &names, &n, err) < 0)
			return -1;
		hl_names_free(names, n);
		if (n == 0) {
			if (hl_index_find(&ix, o.legacy, o.legacylen, &names, &n, err) < 0)
				return -1;
			hl_names_free(names, n);
		}
		if (hl_index_commit(&ix, err) < 0)
			return -1;
	}
	if (n == 0)
		return cni_error_set(err, CNI_ERR_CHECK,
				     "host-local: Failed to find address added by container %s",
				     env->container_id);
	return 0;
}

struct gc_ctx {
	const struct cni_attachment *att;
	size_t n_att;
	char **doomed;
	size_t n_doomed;
};

/* Is a reservation with this owner key held by a valid attachment? */
static bool gc_keep(const struct gc_ctx *g, const char *key, size_t keylen)
{
	const char *sep = keylen ? memmem(key, keylen, "\r\n", 2) : NULL;
	size_t idlen = sep ? (size_t)(sep - key) : keylen;

	if (keylen == 0)
		return false; /* empty or torn: nobody's */
	for (size_t i = 0; i < g->n_att; i++) {
		const char *id = g->att[i].container_id, *ifn = g->att[i].ifname;
		if (!id || strlen(id) != idlen || memcmp(id, key, idlen) != 0)
			continue;
		/* a legacy file (no ifname) belongs to any interface of its ID */
		if (!sep || (ifn && strcmp(ifn, sep + 2) == 0))
			return true;
	}
	return false;
}

static int gc_cb(void *ctx, const char *name, const struct ip_addr *ip, const char *key,
		 size_t keylen, struct cni_error *err)
{
	struct gc_ctx *g = ctx;
	char **p;

	if (gc_keep(g, key, keylen))
		return 0;
	if (!(p = realloc(g->doomed, (g->n_doomed + 1) * sizeof(*p))) ||
	    !(p[g->n_doomed] = strdup(name))) {
		if (p)
			g->doomed = p;
		return cni_error_oom(err);
	}
	g->doomed = p;
	g->n_doomed++;
	return 0;
}

int hl_cmd_gc(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_hl_config struct hl_config c = {0};
	cleanup_hl_store struct hl_store st = HL_STORE_INIT;
	cleanup_hl_index struct hl_index ix = HL_INDEX_INIT;
	cleanup_free struct cni_attachment *att = NULL;
	struct gc_ctx g = {0};
	size_t n_att = 0;
	int ret;

	if (hl_config_load(conf, env->args, &c, err) < 0 ||
	    cni_gc_attachments(conf, &att, &n_att, err) < 0)
		return -1;
	ret = hl_store_open(&st, c.data_dir, c.name, false, err);
	if (ret != 0)
		return ret < 0 ? -1 : 0;
	if (hl_store_drop_temp(&st, err) < 0)
		return -1;
	g.att = att;
	g.n_att = n_att;
	/* GC never trusts the index: it reads every reservation */
	ret = hl_store_scan(&st, HL_SCAN_OWNER, gc_cb, &g, err);
	for (size_t i = 0; i < g.n_doomed; i++) {
		if (ret == 0 && hl_store_remove(&st, g.doomed[i], err) < 0)
			ret = -1;
		free(g.doomed[i]);
	}
	free(g.doomed);
	if (ret < 0)
		return -1;
	/* and leaves a fresh one behind */
	if (hl_index_open(&ix, &st, err) < 0)
		return -1;
	return ix.rebuilt ? 0 : hl_index_rebuild(&ix, err);
}

int hl_cmd_status(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_hl_config struct hl_config c = {0};
	cleanup_hl_store struct hl_store st = HL_STORE_INIT;
	cleanup_error struct cni_error e = CNI_ERROR_INIT;
	char name[IP_ADDR_STRLEN];

	if (hl_config_load(conf, env->args, &c, err) < 0)
		return -1;
	if (hl_store_open(&st, c.data_dir, c.name, true, &e) < 0 ||
	    hl_store_check_writable(&st, &e) < 0)
		return cni_error_set(err, CNI_ERR_NOT_AVAILABLE, "dataDir %s unusable: %s%s%s",
				     c.data_dir, e.msg, e.details ? ": " : "",
				     e.details ? e.details : "");
	for (size_t i = 0; i < c.n_sets; i++) {
		struct hl_iter it;
		struct ip_addr last, ip;
		bool free_found = false;

		/* Each probe that hits a file is a distinct reservation, so this
		 * costs at most (reservations + 1) fstatat, never the set's size. */
		hl_iter_init(&it, &c.sets[i],
			     hl_store_read_last(&st, i, &last) == 0 ? &last : NULL);
		while (!free_found && hl_iter_next(&it, &ip, NULL))
			free_found = hl_store_is_free(&st, ip_addr_format(&ip, name));
		if (!free_found) {
			cleanup_free char *ss = hl_range_set_string(&c.sets[i]);
			return cni_error_set(err, CNI_ERR_NOT_AVAILABLE,
					     "no IP addresses available in range set %zu: %s", i,
					     ss ? ss : "");
		}
	}
	return 0;
}
