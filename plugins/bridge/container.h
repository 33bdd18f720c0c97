/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CNI_BRIDGE_CONTAINER_H
#define CNI_BRIDGE_CONTAINER_H

#include "bridge.h"

/* Configure the container interface link (already up; in netns_fd,
 * reached through nl): DAD/arp_notify sysctls, res's addresses
 * (IFA_F_NODAD unless enabledad; IPv6 waited out of DAD), then res's
 * routes. */
int br_container_configure(struct nl_sock *nl, int netns_fd, const struct nl_link *link,
			   const struct cni_result *res, const struct br_conf *c,
			   struct cni_error *err);

#endif
