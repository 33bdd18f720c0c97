/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portmap's conditionsV4/V6 (plugins/portmap/conditions.c) on their own,
 * where the tokens need no JSON around them. Input: one byte (bit 0: IPv6;
 * bit 1: the rest is the JSON value given as the conditions, else the rest
 * split at '\n' into the array's strings). What parses must come back the
 * same (the same hash) when written out again in its notation. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "plugins/portmap/portmap.h"
#include "util/cleanup.h"

static void check(const struct pm_conds *c, int family)
{
	FUZZ_ASSERT(c->n <= PM_MAX_CONDS);
	FUZZ_ASSERT(strlen(c->hash) == (c->n ? 8u : 0u));
	for (size_t i = 0; i < c->n; i++) {
		const struct pm_cond *k = &c->v[i];
		if (k->kind == PM_COND_IIFNAME) {
			FUZZ_ASSERT(memchr(k->ifname, '\0', sizeof(k->ifname)) && *k->ifname);
			FUZZ_ASSERT(*k->ifname != '*' && !strchr(k->ifname, '/'));
		} else {
			FUZZ_ASSERT(k->kind == PM_COND_SADDR || k->kind == PM_COND_DADDR);
			FUZZ_ASSERT(k->net.ip.family == family);
			FUZZ_ASSERT(k->net.prefix > 0 &&
				    k->net.prefix <= (family == AF_INET ? 32 : 128));
		}
	}
}

/* The conditions written out again, in their notation, as one array. */
static cJSON *render(const struct pm_conds *c, int family)
{
	cJSON *arr = cJSON_CreateArray();
	char addr[INET6_ADDRSTRLEN], s[128];

	FUZZ_ASSERT(arr);
	for (size_t i = 0; i < c->n; i++) {
		const struct pm_cond *k = &c->v[i];
		const char *what = k->kind == PM_COND_SADDR ? "saddr" : "daddr";

		if (k->kind != PM_COND_IIFNAME)
			FUZZ_ASSERT(inet_ntop(family, k->net.ip.b, addr, sizeof(addr)));
		/* quoted: a name may start with what nft reads as syntax ("@eth") */
		if (c->nft_style && k->kind == PM_COND_IIFNAME)
			snprintf(s, sizeof(s), "iifname %s \"%s\"", k->neg ? "!=" : "==", k->ifname);
		else if (c->nft_style)
			snprintf(s, sizeof(s), "%s %s %s %s/%d", family == AF_INET ? "ip" : "ip6",
				 what, k->neg ? "!=" : "==", addr, k->net.prefix);
		else if (k->kind == PM_COND_IIFNAME)
			snprintf(s, sizeof(s), "%s-i %s", k->neg ? "! " : "", k->ifname);
		else
			snprintf(s, sizeof(s), "%s%s %s/%d", k->neg ? "! " : "",
				 k->kind == PM_COND_SADDR ? "-s" : "-d", addr, k->net.prefix);
		FUZZ_ASSERT(cJSON_AddItemToArray(arr, cJSON_CreateString(s)));
	}
	return arr;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_free char *text = NULL;
	struct pm_conds c, again;
	cJSON *arr, *arr2;
	int family, rc;

	if (size == 0)
		return 0;
	family = data[0] & 1 ? AF_INET6 : AF_INET;
	text = fuzz_str(data + 1, size - 1);
	if (data[0] & 2) {
		arr = cJSON_ParseWithLength(text, size - 1);
		if (!arr)
			return 0;
	} else {
		char *save = NULL;
		arr = cJSON_CreateArray();
		FUZZ_ASSERT(arr);
		for (char *p = strtok_r(text, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
			FUZZ_ASSERT(cJSON_AddItemToArray(arr, cJSON_CreateString(p)));
	}
	rc = pm_conds_parse(arr, family, "conditions", &c, &err);
	cJSON_Delete(arr);
	fuzz_outcome(rc, &err);
	if (rc < 0)
		return 0;
	check(&c, family);
	arr2 = render(&c, family);
	rc = pm_conds_parse(arr2, family, "conditions", &again, &err);
	cJSON_Delete(arr2);
	if (rc < 0)
		fprintf(stderr, "fuzz: re-parse: %s\n", err.msg);
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(again.n == c.n && again.nft_style == c.nft_style);
	FUZZ_ASSERT(!strcmp(again.hash, c.hash));
	return 0;
}
