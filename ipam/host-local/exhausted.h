/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why a range set has no free address: the details of ADD's "no IP
 * addresses available" error. */
#ifndef HL_EXHAUSTED_H
#define HL_EXHAUSTED_H

#include <time.h>

#include "ipam/host-local/allocator/range.h"
#include "cni/error.h"
#include "ipam/host-local/disk/store.h"

/* How many oldest holders the details name. */
#define HL_EXHAUSTED_OLDEST 3

/* Set err's details (err is set already): how many reservations set holds,
 * its oldest holders (address, container ID, interface, age at `now`), and
 * what frees stale ones. Best effort: on any failure the details say less. */
void hl_explain_exhausted(struct hl_store *st, const struct hl_range_set *set, time_t now,
			  struct cni_error *err);

/* "42s", "5m3s", "3h12m", "2d3h" (negative: "0s"). */
void hl_format_age(long long secs, char *out, size_t size);

#endif
