/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plugin skeleton: env + config, version negotiation, dispatch, and the
 * only writes to stdout (the result or the error object). */
#define _GNU_SOURCE
#include "cni.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fault.h"
#include "version.h"

/* Write s to stdout in full; 0 or -1 (reported on stderr). */
static int write_stdout(const char *s)
{
	if (fputs(s, stdout) == EOF || fflush(stdout) == EOF) {
		perror("cni: writing to stdout");
		return -1;
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at s, 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t len;
	unsigned int r;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, r = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, r = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, r = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		r = (r << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (r < 0x800 || (r >= 0xd800 && r <= 0xdfff))) ||
	    (len == 4 && (r < 0x10000 || r > 0x10ffff)))
		return 0;
	return len;
}

/* s with invalid UTF-8 replaced by U+FFFD, as Go's encoder does, so the
 * error object stays valid JSON whatever bytes it echoes. */
static char *utf8_sanitize(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) * 3 + 1), *o = out;
	if (!out)
		return NULL;
	while (*p) {
		size_t n = utf8_len(p);
		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	*o = '\0';
	return out;
}

void cni_error_print(const struct cni_error *err, const char *version)
{
	cleanup_cjson cJSON *o = cJSON_CreateObject();
	cleanup_free char *s = NULL;
	cleanup_free char *msg =
	    utf8_sanitize(err && err->msg && *err->msg ? err->msg : "unknown error");
	cleanup_free char *details =
	    err && err->details && *err->details ? utf8_sanitize(err->details) : NULL;
	int code = err && err->code ? err->code : CNI_ERR_INTERNAL;

	if (!version || !*version || !cni_version_supported(version))
		version = CNI_LATEST_VERSION;
	if (!o || !cJSON_AddStringToObject(o, "cniVersion", version) || !msg ||
	    !cJSON_AddNumberToObject(o, "code", code) || !cJSON_AddStringToObject(o, "msg", msg) ||
	    (details && !cJSON_AddStringToObject(o, "details", details)) ||
	    !(s = cJSON_PrintUnformatted(o))) {
		/* Out of memory: a minimal object by hand (msg is not escaped). */
		printf("{\"cniVersion\":\"%s\",\"code\":%d,\"msg\":\"out of memory\"}", version,
		       code);
		fflush(stdout);
		return;
	}
	write_stdout(s);
}

static void print_about(const struct cni_plugin *plugin)
{
	if (plugin->about)
		fprintf(stderr, "%s\n", plugin->about);
	else
		fprintf(stderr, "CNI %s plugin v%s (C)\n", plugin->name ? plugin->name : "",
			CNI_PLUGIN_VERSION);
	fputs("CNI protocol versions supported: ", stderr);
	for (int i = 0; i < cni_supported_versions_count; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", cni_supported_versions[i]);
	fputc('\n', stderr);
}

/* VERSION reads stdin only for cniVersion; anything unusable means latest. */
static int cmd_version(void)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_free char *buf = NULL;
	cleanup_cjson cJSON *j = NULL;
	cleanup_free char *out = NULL;
	const char *v = NULL;
	size_t len = 0;

	if (cni_read_all(STDIN_FILENO, CNI_CONF_MAX_BYTES, &buf, &len, &err) == 0 &&
	    (j = cJSON_ParseWithOpts(buf, NULL, 1)) && cJSON_IsObject(j)) {
		const cJSON *cv = cJSON_GetObjectItemCaseSensitive(j, "cniVersion");
		if (cJSON_IsString(cv) && *cv->valuestring &&
		    cni_version_supported(cv->valuestring))
			v = cv->valuestring;
	}
	out = cni_version_info_json(v);
	if (!out) {
		cni_error_set(&err, CNI_ERR_SYSTEM, "out of memory");
		cni_error_print(&err, v);
		return 1;
	}
	return write_stdout(out) < 0 ? 1 : 0;
}

/* The spec version that introduced each command beyond ADD/DEL. */
static int check_cmd_version(enum cni_cmd cmd, const char *version, struct cni_error *err)
{
	const char *need = NULL;
	if (cmd == CNI_CMD_CHECK)
		need = "0.4.0";
	else if (cmd == CNI_CMD_STATUS || cmd == CNI_CMD_GC)
		need = "1.1.0";
	if (need && cni_version_cmp(version, need) < 0)
		return cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
				     "config version does not allow %s", cni_cmd_to_string(cmd));
	return 0;
}

static int dispatch(const struct cni_plugin *plugin, const struct cni_env *env,
		    const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_result struct cni_result *result = NULL;
	cleanup_free char *out = NULL;

	switch (env->cmd) {
	case CNI_CMD_ADD:
		if (!plugin->cmd_add)
			break;
		if (plugin->cmd_add(env, conf, &result, err) < 0)
			return -1;
		if (!result)
			return cni_error_set(err, CNI_ERR_INTERNAL, "plugin returned no result");
		if (!(out = cni_result_print(result, conf->cni_version, err)))
			return -1;
		return write_stdout(out) < 0 ? cni_error_set(err, CNI_ERR_IO, "writing result") : 0;
	case CNI_CMD_DEL:
		if (!plugin->cmd_del)
			break;
		return plugin->cmd_del(env, conf, err);
	case CNI_CMD_CHECK:
		if (!plugin->cmd_check)
			break;
		return plugin->cmd_check(env, conf, err);
	case CNI_CMD_STATUS:
		return plugin->cmd_status ? plugin->cmd_status(env, conf, err) : 0;
	case CNI_CMD_GC:
		return plugin->cmd_gc ? plugin->cmd_gc(env, conf, err) : 0;
	default:
		break;
	}
	return cni_error_set(err, CNI_ERR_INTERNAL, "%s is not implemented",
			     env->command ? env->command : "command");
}

int cni_plugin_main(const struct cni_plugin *plugin, int argc, char **argv)
{
	cleanup_error struct cni_error env_err = CNI_ERROR_INIT;
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_conf struct cni_conf conf = {0};
	const char *command = getenv("CNI_COMMAND");
	struct cni_env env;
	int env_rc;

	FAULT_INIT(); /* the fault build only: CNI_FAULT, CNI_FAULT_LOG */
	if (!command || !*command) {
		print_about(plugin);
		return 0;
	}
	env_rc = cni_env_load(&env, &env_err);
	if (env_rc == 0 && env.cmd == CNI_CMD_VERSION)
		return cmd_version();

	/* Read the config even when the env is bad: errors are printed in its
	 * cniVersion. The env error wins, as in the reference. */
	if (cni_conf_read(STDIN_FILENO, &conf, &err) < 0 && env_rc == 0)
		goto fail;
	if (env_rc < 0) {
		cni_error_move(&err, &env_err);
		goto fail;
	}
	/* then, as the reference: the name (in the parse), the containerID and
	 * ifname, the version */
	if (cni_env_validate(&env, &err) < 0 || cni_version_check(conf.cni_version, &err) < 0 ||
	    check_cmd_version(env.cmd, conf.cni_version, &err) < 0)
		goto fail;
	if (dispatch(plugin, &env, &conf, &err) < 0)
		goto fail;
	return 0;
fail:
	cni_error_print(&err, conf.cni_version);
	return 1;
}
