/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local's configuration (ipam/host-local/config.c): ranges, routes,
 * requested addresses from CNI_ARGS, args and runtimeConfig; then what ADD
 * does with it before touching the store: requested addresses matched to
 * range sets, and an allocation walk over each set (against a store where
 * the first few candidates are taken), whose answer must be an address of
 * the set that is never a gateway, network or broadcast address.
 * Input: CNI_ARGS, '\n', the config JSON (no '\n': all config). */
#include "fuzz.h"

#include "cni/cni.h"
#include "ipam/host-local/allocator/allocator.h"
#include "ipam/host-local/config.h"
#include "util/cleanup.h"

#define TAKEN_MAX 16

struct store {
	unsigned taken; /* so many candidates are taken before one is free */
	unsigned tries;
};

static int try_reserve(void *ctx, const struct ip_addr *ip, struct cni_error *err)
{
	struct store *s = ctx;
	return s->tries++ < s->taken ? 0 : 1;
}

static void allocate(const struct hl_config *c, size_t i, const struct ip_addr *last,
		     unsigned taken)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_free char *str = hl_range_set_string(&c->sets[i]);
	struct store s = {taken, 0};
	struct ip_addr ip;
	size_t ri = 0;
	int rc;

	FUZZ_ASSERT(str);
	rc = hl_allocate(&c->sets[i], last, try_reserve, &s, &ip, &ri, &err);
	fuzz_outcome(rc, &err);
	if (rc != 1)
		return;
	FUZZ_ASSERT(ri < c->sets[i].n);
	FUZZ_ASSERT(hl_range_contains(&c->sets[i].r[ri], &ip));
	FUZZ_ASSERT(!hl_range_is_reserved(&c->sets[i].r[ri], &ip));
	FUZZ_ASSERT(hl_range_set_find(&c->sets[i], &ip) >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_conf struct cni_conf conf = {0};
	cleanup_hl_config struct hl_config c = {0};
	cleanup_free char *args = NULL;
	cleanup_free int *assign = NULL;
	unsigned taken = 0;
	int rc;

	/* how many candidates are taken: any function of the input will do */
	for (size_t i = 0; i < size; i++)
		taken += data[i];
	taken %= TAKEN_MAX;

	data = fuzz_split(data, &size, &args);
	rc = cni_conf_parse(fuzz_str(data, size), size, &conf, &err);
	fuzz_outcome(rc, &err);
	if (rc < 0)
		return 0;
	rc = hl_config_load(&conf, args, &c, &err);
	fuzz_outcome(rc, &err);
	if (rc < 0)
		return 0;
	FUZZ_ASSERT(c.n_sets > 0 && c.data_dir && c.name);
	assign = calloc(c.n_sets, sizeof(*assign));
	FUZZ_ASSERT(assign);
	rc = hl_assign_requested(c.sets, c.n_sets, c.requested, c.n_requested, assign, &err);
	fuzz_outcome(rc, &err);
	for (size_t i = 0; i < c.n_sets; i++) {
		if (rc == 0 && assign[i] >= 0)
			FUZZ_ASSERT(hl_range_set_find(&c.sets[i], &c.requested[assign[i]]) >= 0);
		/* a requested address as the last reserved one: a walk from anywhere */
		allocate(&c, i, c.n_requested ? &c.requested[i % c.n_requested] : NULL, taken);
	}
	return 0;
}
