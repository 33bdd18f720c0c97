/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ipam.resolvConf (ipam/host-local/dns.c): any bytes as the file, turned
 * into the result's "dns", which must then print as JSON. */
#define _GNU_SOURCE
#include "fuzz.h"

#include "cni/result.h"
#include "ipam/host-local/dns.h"
#include "util/cleanup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	struct cni_dns dns = {0};
	cJSON *j;
	FILE *fp;
	int rc;

	if (size == 0)
		return 0;
	if (!(fp = fmemopen((void *)data, size, "r")))
		abort();
	rc = hl_parse_resolv_stream(fp, "fuzz", &dns, &err);
	fclose(fp);
	fuzz_outcome(rc, &err);
	for (size_t i = 0; i < dns.n_nameservers; i++)
		FUZZ_ASSERT(*dns.nameservers[i]);
	FUZZ_ASSERT(!dns.domain || *dns.domain);
	j = cni_dns_to_json(&dns);
	FUZZ_ASSERT(j);
	cJSON_Delete(j);
	cni_dns_clear(&dns);
	return 0;
}
