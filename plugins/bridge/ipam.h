/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IPAM runner. host-local answers in less time than the kernel takes
 * to make the veth, so ADD runs it on a thread of its own meanwhile.
 *
 * When the host-local that CNI_PATH resolves to is our own build (its
 * "cni-c" ELF note says so), its code runs in this process instead: the
 * same commands (ipam/host-local/cmd.c) on the same config bytes and
 * CNI_* variables, the same store and lock, and the result goes through
 * the same print-in-the-config's-version and parse as an exec'd plugin's
 * stdout, so results and errors are those of the exec. Anything else
 * found (the reference binary, a test plugin) is exec'd as before. */
#ifndef CNI_BRIDGE_IPAM_H
#define CNI_BRIDGE_IPAM_H

#include "bridge.h"

/* Plugins that only allocate from their own store (host-local, static),
 * so their ADD may run before the veth exists. */
bool br_ipam_early(const char *type);

/* Before ADD changes anything: when the IPAM is our host-local (run in
 * this process), the checks its ADD makes before it touches its store,
 * with its errors, so a bad IPAM config fails before any change. Other
 * plugins: 0 (they can only be asked by running them). */
int br_ipam_validate(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		     struct cni_error *err);
/* ADD: the parsed result in the config's version, or the plugin's error. */
int br_ipam_add(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		struct cni_result **result, struct cni_error *err);
/* DEL or CHECK with the same config. */
int br_ipam_cmd(const char *type, enum cni_cmd cmd, const struct cni_env *env,
		const struct cni_conf *conf, struct cni_error *err);

#endif
