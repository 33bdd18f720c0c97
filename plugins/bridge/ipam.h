/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IPAM ADD, run in the background while the links are made, for IPAM
 * plugins known not to look at the container's interface. */
#ifndef CNI_BRIDGE_IPAM_H
#define CNI_BRIDGE_IPAM_H

#include "async.h"
#include "bridge.h"

/* Plugins that only allocate from their own store (host-local, static),
 * so their ADD may run before the veth exists. */
bool br_ipam_early(const char *type);

/* Start the delegated ADD in a worker process. */
int br_ipam_start(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		  struct async_job *job, struct cni_error *err);

/* Wait for it: *result as cni_delegate_add gives it, or its error. */
int br_ipam_finish(struct async_job *job, const char *type, const struct cni_conf *conf,
		   struct cni_result **result, struct cni_error *err);

#endif
