/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A result (an IPAM plugin's stdout, a prevResult) parsed in one version
 * and printed in every version (pkg/cni/result_parse.c, result_print.c):
 * whatever prints in a version parses back in it and prints the same.
 * Byte 0 picks the version the input is read in when it names none. */
#include "fuzz.h"

#include "cni/result.h"
#include "cni/version.h"
#include "util/cleanup.h"

static void convert(const struct cni_result *r, const char *v)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_result struct cni_result *r2 = NULL;
	cleanup_free char *out = cni_result_print(r, v, &err), *out2 = NULL;
	int rc;

	fuzz_outcome(out ? 0 : -1, &err);
	if (!out)
		return;
	rc = cni_result_parse(out, v, &r2, &err);
	fuzz_outcome(rc, &err);
	if (rc < 0)
		fprintf(stderr, "fuzz: %s does not read back in %s: %s\n", out, v, err.msg);
	FUZZ_ASSERT(rc == 0);
	out2 = cni_result_print(r2, v, &err);
	if (!out2 || strcmp(out, out2) != 0)
		fprintf(stderr, "fuzz: in %s\n  %s\nreads back as\n  %s\n", v, out,
			out2 ? out2 : err.msg);
	FUZZ_ASSERT(out2 && strcmp(out, out2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_result struct cni_result *r = NULL;
	cleanup_free char *text = NULL;
	const char *fallback;
	int rc;

	if (size < 1)
		return 0;
	fallback = cni_supported_versions[data[0] % cni_supported_versions_count];
	text = fuzz_str(data + 1, size - 1);
	rc = cni_result_parse(text, fallback, &r, &err);
	fuzz_outcome(rc, &err);
	if (rc < 0)
		return 0;
	for (int i = 0; i < cni_supported_versions_count; i++)
		convert(r, cni_supported_versions[i]);
	return 0;
}
