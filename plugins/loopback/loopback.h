/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The loopback plugin, as the reference's: ADD sets "lo" up in the
 * container's netns and reports it (127.0.0.1/8 and, where IPv6 is on,
 * ::1/128), or passes a prevResult through; DEL sets it down (a netns that
 * is already gone is success); CHECK verifies it is up. CNI_IFNAME is
 * ignored: this only ever configures "lo".
 */
#ifndef CNI_LOOPBACK_H
#define CNI_LOOPBACK_H

#include "cni/cni.h"

int lo_cmd_add(const struct cni_env *env, const struct cni_conf *conf, struct cni_result **result,
	       struct cni_error *err);
int lo_cmd_del(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);
int lo_cmd_check(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err);

#endif
