/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local answers in about the time the kernel takes to make the veth,
 * so ADD starts it first (cni_delegate_start) and collects its answer
 * after the links are made. */
#ifndef CNI_BRIDGE_IPAM_H
#define CNI_BRIDGE_IPAM_H

#include "bridge.h"

/* Plugins that only allocate from their own store (host-local, static),
 * so their ADD may run before the veth exists. */
bool br_ipam_early(const char *type);

#endif
