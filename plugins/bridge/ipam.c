/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "ipam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "cni/delegate.h"
#include "util/elfnote.h"
#include "ipam/host-local/hostlocal.h"

bool br_ipam_early(const char *type)
{
	return type && (strcmp(type, "host-local") == 0 || strcmp(type, "static") == 0);
}

/* The one decision: is `type`, as CNI_PATH resolves it, our host-local of
 * this very build? A type that does not resolve is "no": the exec path then
 * reports it as it always did. The answer for one CNI_PATH is kept: ADD
 * asks before its IPAM thread starts (br_ipam_validate), which then only
 * reads it. */
static bool run_inproc(const char *type, const struct cni_env *env)
{
	static struct {
		const char *cni_path;
		bool known, answer;
	} cache;
	cleanup_error struct cni_error ignored = CNI_ERROR_INIT;
	cleanup_free char *path = NULL;

	if (!type || strcmp(type, "host-local") != 0)
		return false;
	if (cache.known && cache.cni_path == env->path)
		return cache.answer;
	if (!(path = cni_find_plugin(type, env->path, &ignored)))
		return false;
	cache.answer = cni_c_binary_is(path, HL_NOTE_DESC);
	cache.cni_path = env->path;
	cache.known = true;
	return cache.answer;
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

/* host-local's commands other than ADD, in this process. */
static int inproc_cmd(enum cni_cmd cmd, const struct cni_env *env, const struct cni_conf *conf,
		      struct cni_error *err)
{
	cleanup_conf struct cni_conf hconf = {0};
	struct cni_env henv;
	int r;

	if (inproc_setup(cmd, env, conf, &henv, &hconf, err) < 0)
		return as_exec_error(err);
	switch (cmd) {
	case CNI_CMD_DEL:
		r = hl_cmd_del(&henv, &hconf, err);
		break;
	case CNI_CMD_CHECK:
		r = hl_cmd_check(&henv, &hconf, err);
		break;
	case CNI_CMD_STATUS:
		r = hl_cmd_status(&henv, &hconf, err);
		break;
	case CNI_CMD_GC:
		r = hl_cmd_gc(&henv, &hconf, err);
		break;
	default:
		r = cni_error_set(err, CNI_ERR_INTERNAL, "%s is not implemented",
				  cni_cmd_to_string(cmd));
	}
	return r < 0 ? as_exec_error(err) : 0;
}

/* host-local ADD, then its result printed in the config's version and
 * parsed back, as the exec path does with the plugin's stdout. *allocated:
 * the ADD itself succeeded (whatever happens to its result). */
static int inproc_add(const struct cni_env *env, const struct cni_conf *conf,
		      struct cni_result **result, bool *allocated, struct cni_error *err)
{
	cleanup_conf struct cni_conf hconf = {0};
	cleanup_result struct cni_result *r = NULL;
	cleanup_free char *out = NULL;
	struct cni_env henv;

	if (inproc_setup(CNI_CMD_ADD, env, conf, &henv, &hconf, err) < 0)
		return as_exec_error(err);
	if (hl_cmd_add(&henv, &hconf, &r, err) < 0)
		return as_exec_error(err);
	*allocated = true;
	if (!r)
		return cni_error_set(err, CNI_ERR_INTERNAL, "plugin returned no result");
	if (!(out = cni_result_print(r, hconf.cni_version, err)))
		return as_exec_error(err);
	return cni_delegate_parse_result("host-local", out, conf->cni_version, result, err);
}

/* The exec'd plugin's ADD; *allocated once it exited 0. */
static int exec_add(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		    struct cni_result **result, bool *allocated, struct cni_error *err)
{
	cleanup_free char *out = NULL;

	if (cni_delegate_exec(type, CNI_CMD_ADD, env, conf->raw, conf->raw_len, &out, err) < 0)
		return -1;
	*allocated = true;
	return cni_delegate_parse_result(type, out, conf->cni_version, result, err);
}

int br_ipam_validate(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		     struct cni_error *err)
{
	cleanup_conf struct cni_conf hconf = {0};
	struct cni_env henv;

	if (!run_inproc(type, env))
		return 0;
	if (inproc_setup(CNI_CMD_ADD, env, conf, &henv, &hconf, err) < 0 ||
	    hl_cmd_validate_add(&henv, &hconf, err) < 0)
		return as_exec_error(err);
	return 0;
}

int br_ipam_add(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		struct cni_result **result, struct cni_error *err)
{
	cleanup_error struct cni_error e = CNI_ERROR_INIT;
	bool allocated = false;
	int r;

	*result = NULL;
	r = run_inproc(type, env) ? inproc_add(env, conf, result, &allocated, err)
				  : exec_add(type, env, conf, result, &allocated, err);
	if (r == 0)
		return 0;
	cni_result_free(*result);
	*result = NULL;
	/* the plugin allocated, but its answer is unusable: give it back */
	if (allocated && br_ipam_cmd(type, CNI_CMD_DEL, env, conf, &e) < 0)
		fprintf(stderr, "bridge: IPAM DEL after a failed ADD: %s\n", e.msg ? e.msg : "");
	return -1;
}

int br_ipam_cmd(const char *type, enum cni_cmd cmd, const struct cni_env *env,
		const struct cni_conf *conf, struct cni_error *err)
{
	if (cmd == CNI_CMD_ADD)
		return cni_error_set(err, CNI_ERR_INTERNAL, "br_ipam_cmd: ADD");
	if (!run_inproc(type, env))
		return cni_delegate_cmd(type, cmd, env, conf, err);
	return inproc_cmd(cmd, env, conf, err);
}
