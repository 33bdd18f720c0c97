/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IPAM ADD, run in the background while the links are made, for IPAM
 * plugins known not to look at the container's interface. */
#ifndef CNI_BRIDGE_IPAM_H
#define CNI_BRIDGE_IPAM_H

#include <sys/types.h>

#include "bridge.h"

struct br_ipam_job {
	pid_t pid; /* 0: none started */
	int fd;	   /* its answer */
};

/* Plugins that only allocate from their own store (host-local, static),
 * so their ADD may run before the veth exists. */
bool br_ipam_early(const char *type);

/* Fork a helper that runs the delegated ADD and pipes its answer back. */
int br_ipam_start(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		  struct br_ipam_job *job, struct cni_error *err);

/* Wait for the answer: *result as cni_delegate_add gives it, or its error. */
int br_ipam_finish(struct br_ipam_job *job, const char *type, const struct cni_conf *conf,
		   struct cni_result **result, struct cni_error *err);

#endif
