/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host-local answers in about the time the kernel takes to make the veth,
 * so the two overlap: a forked worker (pkg/async.h) runs the delegated ADD
 * and passes back its stdout or its error.
 */
#define _GNU_SOURCE
#include "ipam.h"

#include <string.h>

#include "cleanup.h"
#include "delegate.h"

bool br_ipam_early(const char *type)
{
	return type && (strcmp(type, "host-local") == 0 || strcmp(type, "static") == 0);
}

struct ipam_add {
	const char *type;
	const struct cni_env *env;
	const struct cni_conf *conf;
};

static int ipam_add(void *arg, char **out, struct cni_error *err)
{
	const struct ipam_add *w = arg;
	return cni_delegate_exec(w->type, CNI_CMD_ADD, w->env, w->conf->raw, w->conf->raw_len, out,
				 err);
}

int br_ipam_start(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		  struct async_job *job, struct cni_error *err)
{
	/* the worker gets a copy of this frame at fork time */
	struct ipam_add w = {type, env, conf};
	return async_start(job, ipam_add, &w, err);
}

int br_ipam_finish(struct async_job *job, const char *type, const struct cni_conf *conf,
		   struct cni_result **result, struct cni_error *err)
{
	cleanup_error struct cni_error perr = CNI_ERROR_INIT;
	cleanup_free char *out = NULL;

	*result = NULL;
	if (async_finish(job, type, &out, err) < 0)
		return -1;
	if (cni_result_parse(out ? out : "", conf->cni_version, result, &perr) < 0)
		return cni_error_set(err, CNI_ERR_DELEGATE,
				     "plugin %s returned an invalid result: %s", type,
				     perr.msg ? perr.msg : "");
	return 0;
}
