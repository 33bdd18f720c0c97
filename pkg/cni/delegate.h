/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Run another plugin (an IPAM plugin) found in CNI_PATH, with our
 * environment (CNI_COMMAND overridden) and the same config on stdin. */
#ifndef CNI_DELEGATE_H
#define CNI_DELEGATE_H

#include "cni.h"

/* Find `type` in the ':'-separated CNI_PATH; malloc'd path or NULL + err
 * (code 7 for a bad name with '/', CNI_ERR_DELEGATE when not found). */
char *cni_find_plugin(const char *type, const char *cni_path, struct cni_error *err);

/* Execute and collect stdout. On the plugin's failure its error object
 * becomes err (same code and message); garbage or a crash: CNI_ERR_DELEGATE.
 * *out (may be NULL) gets stdout as a malloc'd string on success. */
int cni_delegate_exec(const char *type, enum cni_cmd cmd, const struct cni_env *env,
		      const char *stdin_data, size_t stdin_len, char **out, struct cni_error *err);

/* A plugin's ADD output as its caller reads it: the result in version, or
 * CNI_ERR_DELEGATE naming the plugin, with the output in the details. */
int cni_delegate_parse_result(const char *type, const char *out, const char *version,
			      struct cni_result **result, struct cni_error *err);
/* ADD, then parse the result. */
int cni_delegate_add(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		     struct cni_result **result, struct cni_error *err);
/* DEL / CHECK / STATUS / GC with the same config. */
int cni_delegate_cmd(const char *type, enum cni_cmd cmd, const struct cni_env *env,
		     const struct cni_conf *conf, struct cni_error *err);

#endif
