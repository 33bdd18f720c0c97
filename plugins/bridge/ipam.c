/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "ipam.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "cni/delegate.h"
#include "util/elfnote.h"
#include "ipam/host-local/hostlocal.h"

#define DETAILS_MAX 512

bool br_ipam_early(const char *type)
{
	return type && (strcmp(type, "host-local") == 0 || strcmp(type, "static") == 0);
}

/* Is `type` our host-local, as CNI_PATH resolves it? A type that does not
 * resolve is "no": the exec path then reports it as it always did. */
static bool run_inproc(const char *type, const struct cni_env *env)
{
	cleanup_error struct cni_error ignored = CNI_ERROR_INIT;
	cleanup_free char *path = NULL;

	if (!type || strcmp(type, "host-local") != 0)
		return false;
	if (!(path = cni_find_plugin(type, env->path, &ignored)))
		return false;
	return cni_c_binary_is(path, "host-local");
}

/* What the exec'd plugin's skeleton would hand our host-local: the config
 * as parsed from the bytes on its stdin, CNI_COMMAND set to cmd. The
 * caller's own parse of those bytes succeeded, and so does this one. */
static int inproc_setup(enum cni_cmd cmd, const struct cni_env *env, const struct cni_conf *conf,
			struct cni_env *henv, struct cni_conf *hconf, struct cni_error *err)
{
	char *raw = malloc(conf->raw_len + 1);

	*henv = *env;
	henv->cmd = cmd;
	henv->command = cni_cmd_to_string(cmd);
	if (!raw)
		return cni_error_oom(err);
	memcpy(raw, conf->raw, conf->raw_len);
	raw[conf->raw_len] = '\0';
	return cni_conf_parse(raw, conf->raw_len, hconf, err);
}

/* The error as it reads once it has been through the plugin's error object
 * (cni_error_print) and our adopt_error: a code, a message, details. */
static int as_exec_error(struct cni_error *err)
{
	if (err->code == 0)
		err->code = CNI_ERR_INTERNAL;
	else if (err->code < 0)
		err->code = CNI_ERR_DELEGATE;
	if (!err->msg || !*err->msg) {
		cleanup_free char *details = steal_pointer(&err->details);
		int code = err->code;
		cni_error_set(err, code, "unknown error");
		if (details && *details)
			cni_error_set_details(err, "%s", details);
	}
	if (err->details && !*err->details) {
		free(err->details);
		err->details = NULL;
	}
	return -1;
}

/* host-local ADD, then its result printed in the config's version and
 * parsed back, as the exec path does with the plugin's stdout. */
static int inproc_add(const struct cni_env *env, const struct cni_conf *conf,
		      struct cni_result **result, struct cni_error *err)
{
	cleanup_error struct cni_error perr = CNI_ERROR_INIT;
	cleanup_conf struct cni_conf hconf = {0};
	cleanup_result struct cni_result *r = NULL;
	cleanup_free char *out = NULL;
	struct cni_env henv;

	*result = NULL;
	if (inproc_setup(CNI_CMD_ADD, env, conf, &henv, &hconf, err) < 0)
		return as_exec_error(err);
	if (hl_cmd_add(&henv, &hconf, &r, err) < 0)
		return as_exec_error(err);
	if (!r)
		return cni_error_set(err, CNI_ERR_INTERNAL, "plugin returned no result");
	if (!(out = cni_result_print(r, hconf.cni_version, err)))
		return as_exec_error(err);
	if (cni_result_parse(out, conf->cni_version, result, &perr) < 0) {
		size_t len = strlen(out);
		cni_error_set(err, CNI_ERR_DELEGATE,
			      "plugin host-local returned an invalid result: %s",
			      perr.msg ? perr.msg : "");
		if (len > DETAILS_MAX)
			cni_error_set_details(err, "output: %.*s...", DETAILS_MAX, out);
		else if (len)
			cni_error_set_details(err, "output: %s", out);
		return -1;
	}
	return 0;
}

int br_ipam_add(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		struct cni_result **result, struct cni_error *err)
{
	*result = NULL;
	if (!run_inproc(type, env))
		return cni_delegate_add(type, env, conf, result, err);
	return inproc_add(env, conf, result, err);
}

int br_ipam_cmd(const char *type, enum cni_cmd cmd, const struct cni_env *env,
		const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_conf struct cni_conf hconf = {0};
	struct cni_env henv;
	int r;

	if ((cmd != CNI_CMD_DEL && cmd != CNI_CMD_CHECK) || !run_inproc(type, env))
		return cni_delegate_cmd(type, cmd, env, conf, err);
	if (inproc_setup(cmd, env, conf, &henv, &hconf, err) < 0)
		return as_exec_error(err);
	r = cmd == CNI_CMD_DEL ? hl_cmd_del(&henv, &hconf, err) : hl_cmd_check(&henv, &hconf, err);
	return r < 0 ? as_exec_error(err) : 0;
}
