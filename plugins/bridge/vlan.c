/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vlanTrunk: validation as the reference (ovs-cni's collectVlanTrunk) and
 * the VID list as ranges for the kernel. */
#define _GNU_SOURCE
#include "bridge.h"

#include <stdlib.h>
#include <string.h>

/* An optional integer member; 1 present, 0 absent, -1 wrong type. */
static int trunk_int(const cJSON *item, const char *key, long *out, struct cni_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (cni_json_int(item, key, "vlanTrunk entry", -2147483647L, 2147483647L, out, err) < 0)
		return -1;
	return 1;
}

int br_vlan_trunk_parse(const cJSON *arr, uint16_t **out, size_t *n, struct cni_error *err)
{
	bool seen[BR_VLAN_MAX + 1] = {false};
	const cJSON *item;
	uint16_t *v;
	size_t cnt = 0;
	long lo, hi, id;
	int has_lo, has_hi, has_id;

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(arr))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "vlanTrunk must be an array");
	cJSON_ArrayForEach(item, arr)
	{
		if (cJSON_IsNull(item))
			continue;
		if (!cJSON_IsObject(item))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "vlanTrunk entries must be objects");
		if ((has_lo = trunk_int(item, "minID", &lo, err)) < 0 ||
		    (has_hi = trunk_int(item, "maxID", &hi, err)) < 0 ||
		    (has_id = trunk_int(item, "id", &id, err)) < 0)
			return -1;
		if (has_lo && has_hi) {
			if (lo <= 0 || lo > BR_VLAN_MAX)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "incorrect trunk minID parameter");
			if (hi <= 0 || hi > BR_VLAN_MAX)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "incorrect trunk maxID parameter");
			if (hi < lo)
				return cni_error_set(
				    err, CNI_ERR_INVALID_CONFIG,
				    "minID is greater than maxID in trunk parameter");
			for (long i = lo; i <= hi; i++)
				seen[i] = true;
		} else if (has_hi) {
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "minID and maxID should be configured simultaneously, "
					     "minID is missing");
		} else if (has_lo) {
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "minID and maxID should be configured simultaneously, "
					     "maxID is missing");
		}
		if (has_id) {
			if (id <= 0 || id > BR_VLAN_MAX)
				return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
						     "incorrect trunk id parameter");
			seen[id] = true;
		}
	}
	for (int i = 1; i <= BR_VLAN_MAX; i++)
		cnt += seen[i];
	if (!cnt)
		return 0;
	v = malloc(cnt * sizeof(*v));
	if (!v)
		return cni_error_oom(err);
	cnt = 0;
	for (int i = 1; i <= BR_VLAN_MAX; i++)
		if (seen[i])
			v[cnt++] = (uint16_t)i;
	*out = v;
	*n = cnt;
	return 0;
}

int br_vlan_ranges(const uint16_t *vids, size_t n, uint16_t flags, struct nl_vlan **out,
		   size_t *n_out)
{
	struct nl_vlan *r;
	size_t k = 0;

	*out = NULL;
	*n_out = 0;
	if (!n)
		return 0;
	r = malloc(n * sizeof(*r));
	if (!r)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (k && r[k - 1].max + 1 == vids[i]) {
			r[k - 1].max = vids[i];
			continue;
		}
		r[k].min = r[k].max = vids[i];
		r[k].flags = flags;
		k++;
	}
	*out = r;
	*n_out = k;
	return 0;
}
