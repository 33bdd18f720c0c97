/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The environment strings a runtime passes: CNI_ARGS (pkg/cni/cniargs.c)
 * with the keys the plugins know and with any key, and the checks on
 * CNI_CONTAINERID, CNI_IFNAME and the network name (pkg/cni/env.c). */
#include "fuzz.h"

#include "cni/cni.h"
#include "cni/cniargs.h"
#include "util/cleanup.h"

static void args(const char *s, const char *const *known)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	struct cni_args a = {0};
	int rc = cni_args_parse(s, known, &a, &err);

	fuzz_outcome(rc, &err);
	for (size_t i = 0; rc == 0 && i < a.n; i++) {
		FUZZ_ASSERT(a.kv[i].key && a.kv[i].value);
		FUZZ_ASSERT(cni_args_get(&a, a.kv[i].key));
	}
	cni_args_free(&a);
}

static void validate(int (*check)(const char *, struct cni_error *), const char *s)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;

	fuzz_outcome(check(s, &err), &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const known[] = {"IP", "MAC", "GATEWAY", NULL};
	cleanup_free char *s = fuzz_str(data, size);

	args(s, known);
	args(s, NULL);
	validate(cni_validate_container_id, s);
	validate(cni_validate_ifname, s);
	validate(cni_validate_network_name, s);
	return 0;
}
