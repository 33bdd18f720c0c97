/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host-local commands, as plugged into cni_plugin_main, and the ELF
 * note that names our host-local binary. */
#ifndef HL_CMD_H
#define HL_CMD_H

#include "build-id.h" /* generated: CNI_C_BUILD_ID */
#include "cni/cni.h"
#include "cni/version.h"

/* The desc of the "cni-c" ELF note (util/elfnote.h) in our host-local
 * binary: name, version and build id (a hash of every source host-local is
 * made of). The bridge runs host-local's code in-process only when the
 * binary CNI_PATH resolves to carries exactly this note: the same code. */
#define HL_NOTE_DESC "host-local " CNI_PLUGIN_VERSION " " CNI_C_BUILD_ID

/* Reserve one address per range set for container+ifname (requested ones
 * where given); all-or-nothing. */
int hl_cmd_add(const struct cni_env *env, const struct cni_conf *conf, struct cni_result **result,
	       struct cni_error *err);
/* What ADD checks before it touches the store (the container ID's and
 * ifname's length, config, resolvConf, requested addresses), with ADD's
 * errors; nothing is changed. */
int hl_cmd_validate_add(const struct cni_env *env, const struct cni_conf *conf,
			struct cni_error *err);
/* Release every address of container+ifname; nothing to release is fine. */
int hl_cmd_del(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);
/* Fail unless container+ifname holds an address. */
int hl_cmd_check(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);
/* Release every reservation not held by a valid attachment. */
int hl_cmd_gc(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);
/* Ready when the store is usable and every range set has a free address. */
int hl_cmd_status(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);

#endif
