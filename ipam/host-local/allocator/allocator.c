/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "allocator.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "ipam/host-local/ipstr.h"

void hl_iter_init(struct hl_iter *it, const struct hl_range_set *set,
		  const struct ip_addr *last_reserved)
{
	int idx = -1;

	memset(it, 0, sizeof(*it));
	it->set = set;
	it->done = set->n == 0;
	/* A last address outside the set (ranges changed) just loses the
	 * round-robin position this once. */
	if (last_reserved && ip_addr_is_set(last_reserved))
		idx = hl_range_set_find(set, last_reserved);
	if (idx >= 0) {
		it->idx = (size_t)idx;
		it->cur = *last_reserved; /* the first step goes past it */
	}
}

bool hl_iter_next(struct hl_iter *it, struct ip_addr *out, size_t *range_idx)
{
	while (!it->done) {
		const struct hl_range *r = &it->set->r[it->idx];

		if (!ip_addr_is_set(&it->cur)) {
			it->cur = r->start;
			it->first = r->start;
		} else {
			if (ip_addr_equal(&it->cur, &r->end)) {
				it->idx = (it->idx + 1) % it->set->n;
				r = &it->set->r[it->idx];
				it->cur = r->start;
			} else {
				ip_addr_next(&it->cur);
			}
			if (!ip_addr_is_set(&it->first)) {
				it->first = it->cur;
			} else if (ip_addr_equal(&it->cur, &it->first)) {
				it->done = true;
				break;
			}
		}
		if (hl_range_is_reserved(r, &it->cur))
			continue;
		*out = it->cur;
		if (range_idx)
			*range_idx = it->idx;
		return true;
	}
	return false;
}

int hl_allocate(const struct hl_range_set *set, const struct ip_addr *last_reserved,
		hl_try_reserve_fn try_reserve, void *ctx, struct ip_addr *out, size_t *range_idx,
		struct cni_error *err)
{
	struct hl_iter it;
	struct ip_addr cand;
	size_t idx;

	hl_iter_init(&it, set, last_reserved);
	while (hl_iter_next(&it, &cand, &idx)) {
		int ret = try_reserve(ctx, &cand, err);
		if (ret < 0)
			return -1;
		if (ret > 0) {
			*out = cand;
			if (range_idx)
				*range_idx = idx;
			return 1;
		}
	}
	return 0;
}

int hl_assign_requested(const struct hl_range_set *sets, size_t n_sets, const struct ip_addr *req,
			size_t n_req, int *assign, struct cni_error *err)
{
	char s[IP_ADDR_STRLEN], o[IP_ADDR_STRLEN];

	for (size_t i = 0; i < n_sets; i++)
		assign[i] = -1;
	for (size_t k = 0; k < n_req; k++) {
		bool dup = false;
		size_t i;
		int ri = -1;

		for (size_t j = 0; j < k && !dup; j++)
			dup = ip_addr_equal(&req[j], &req[k]);
		if (dup)
			continue;
		for (i = 0; i < n_sets; i++)
			if ((ri = hl_range_set_find(&sets[i], &req[k])) >= 0)
				break;
		if (i == n_sets)
			return cni_error_set(err, CNI_ERR_IPAM,
					     "requested IP address %s is not in any range set",
					     ip_addr_format(&req[k], s));
		if (ip_addr_equal(&req[k], &sets[i].r[ri].gateway))
			return cni_error_set(err, CNI_ERR_IPAM,
					     "failed to allocate for range %zu: requested ip %s "
					     "is subnet's gateway",
					     i, ip_addr_format(&req[k], s));
		if (hl_range_is_reserved(&sets[i].r[ri], &req[k]))
			return cni_error_set(err, CNI_ERR_IPAM,
					     "failed to allocate for range %zu: requested ip %s "
					     "is the network or broadcast address",
					     i, ip_addr_format(&req[k], s));
		if (assign[i] >= 0)
			return cni_error_set(err, CNI_ERR_IPAM,
					     "requested IP addresses %s and %s are both in range "
					     "set %zu; one address per range set",
					     ip_addr_format(&req[assign[i]], o),
					     ip_addr_format(&req[k], s), i);
		assign[i] = (int)k;
	}
	return 0;
}
