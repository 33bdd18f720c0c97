/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IPAM runner: the one place that decides how the bridge runs its IPAM
 * plugin, for every command (ADD, DEL, CHECK, STATUS, GC). host-local
 * answers in less time than the kernel takes to make the veth, so ADD runs
 * it on a thread of its own meanwhile (add.c).
 *
 * When the host-local that CNI_PATH resolves to is our own build (its
 * "cni-c" ELF note is exactly HL_NOTE_DESC: same version, same build id),
 * its code runs in this process instead: the same commands
 * (ipam/host-local/hostlocal.h) on the same config bytes and CNI_*
 * variables, the same store and lock, and an ADD's result goes through the
 * same print-in-the-config's-version and parse as an exec'd plugin's
 * stdout, so results and errors are those of the exec. Anything else found
 * (the reference binary, another build of ours, a test plugin) is exec'd. */
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
/* ADD: the parsed result in the config's version, or the plugin's error.
 * On failure nothing stays allocated: a plugin whose ADD succeeded but
 * whose result is unusable is called again with DEL. */
int br_ipam_add(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		struct cni_result **result, struct cni_error *err);
/* DEL, CHECK, STATUS or GC with the same config. */
int br_ipam_cmd(const char *type, enum cni_cmd cmd, const struct cni_env *env,
		const struct cni_conf *conf, struct cni_error *err);

#endif
