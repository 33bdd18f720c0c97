/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The network configuration on stdin (pkg/cni/conf.c) as every plugin reads
 * it: parse, version checks, GC's valid attachments, the
 * prevResult converted from the config's version and printed back, and the
 * error object the skeleton would print. */
#include "fuzz.h"

#include "cni/cni.h"
#include "cni/version.h"
#include "util/cleanup.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* cni_error_print writes the error object to stdout */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

static void prev_result(const struct cni_conf *conf)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_result struct cni_result *r = NULL, *r2 = NULL;
	cleanup_free char *out = NULL, *out2 = NULL;
	int rc = cni_result_from_json(conf->prev_result, conf->cni_version, &r, &err);

	fuzz_outcome(rc, &err);
	if (rc < 0)
		return;
	out = cni_result_print(r, conf->cni_version, &err);
	fuzz_outcome(out ? 0 : -1, &err);
	if (!out)
		return;
	/* what we print in a version we read back the same */
	rc = cni_result_parse(out, conf->cni_version, &r2, &err);
	fuzz_outcome(rc, &err);
	FUZZ_ASSERT(rc == 0);
	out2 = cni_result_print(r2, conf->cni_version, &err);
	FUZZ_ASSERT(out2 && strcmp(out, out2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_conf struct cni_conf conf = {0};
	cleanup_free struct cni_attachment *att = NULL;
	cleanup_free char *info = NULL;
	size_t n_att;
	int rc;

	rc = cni_conf_parse(fuzz_str(data, size), size, &conf, &err);
	fuzz_outcome(rc, &err);
	if (rc < 0) {
		cni_error_print(&err, conf.cni_version);
		return 0;
	}
	FUZZ_ASSERT(conf.cni_version && conf.root);
	rc = cni_version_check(conf.cni_version, &err);
	fuzz_outcome(rc, &err);
	if (rc == 0) {
		info = cni_version_info_json(conf.cni_version);
		FUZZ_ASSERT(info);
	}
	cni_error_print(&err, conf.cni_version);
	cni_error_clear(&err);

	rc = cni_gc_attachments(&conf, &att, &n_att, &err);
	fuzz_outcome(rc, &err);
	for (size_t i = 0; rc == 0 && i < n_att; i++)
		FUZZ_ASSERT(att[i].container_id && att[i].ifname);
	cni_error_clear(&err);

	if (conf.prev_result)
		prev_result(&conf);
	return 0;
}
