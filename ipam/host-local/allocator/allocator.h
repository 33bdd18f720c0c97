/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Picking addresses from range sets (allocator/allocator.go): the
 * round-robin iterator, the allocation loop over a "try to reserve"
 * callback, and the checks on requested addresses. Pure logic: the store
 * behind the callback decides what "taken" means.
 */
#ifndef HL_ALLOCATOR_H
#define HL_ALLOCATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "cni/error.h"
#include "ip/ipnet.h"
#include "range.h"

/* Walks a range set once round, in the reference's order: from the address
 * after the last reserved one (when that is inside the set) or from the
 * first range's start, range after range, wrapping, ending with the last
 * reserved address itself. Gateways, network and broadcast addresses are
 * skipped. */
struct hl_iter {
	const struct hl_range_set *set;
	size_t idx;	      /* current range */
	struct ip_addr cur;   /* family 0: not started */
	struct ip_addr first; /* where the walk began; family 0: not yet known */
	bool done;
};

void hl_iter_init(struct hl_iter *it, const struct hl_range_set *set,
		  const struct ip_addr *last_reserved);
/* Next candidate (and its range index); false once gone round. */
bool hl_iter_next(struct hl_iter *it, struct ip_addr *out, size_t *range_idx);

/* 1 reserved, 0 already taken, -1 error (err set). */
typedef int (*hl_try_reserve_fn)(void *ctx, const struct ip_addr *ip, struct cni_error *err);

/* Offer candidates to try_reserve until one is reserved. 1 with *out and
 * *range_idx filled, 0 when the set is exhausted, -1 on error. */
int hl_allocate(const struct hl_range_set *set, const struct ip_addr *last_reserved,
		hl_try_reserve_fn try_reserve, void *ctx, struct ip_addr *out, size_t *range_idx,
		struct cni_error *err);

/* Give each range set at most one requested address. assign[i] = index in
 * req of the address for sets[i], or -1. An address in no set, two in one
 * set, or an address that is a gateway/network/broadcast: code CNI_ERR_IPAM
 * naming it. Duplicates in req are fine (the reference dedups them). */
int hl_assign_requested(const struct hl_range_set *sets, size_t n_sets, const struct ip_addr *req,
			size_t n_req, int *assign, struct cni_error *err);

#endif
