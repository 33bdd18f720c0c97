/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host-local configuration (allocator/config.go), read from the network
 * configuration's "ipam" object plus the requested addresses:
 *
 *   ipam.ranges       [[{subnet, rangeStart, rangeEnd, gateway}, ...], ...]
 *   ipam.subnet ...   legacy single range, becomes the first range set
 *   ipam.routes       [{dst, gw[, mtu, advmss, priority, table, scope]}]
 *   ipam.dataDir      default /var/lib/cni/networks
 *   ipam.resolvConf   resolv.conf to return as "dns"
 *   runtimeConfig.ipRanges  (capability) range sets put before all others
 *   requested addresses, in this order (duplicates collapse):
 *     CNI_ARGS IP=a[,b...], args.cni.ips, runtimeConfig.ips (capability)
 */
#ifndef HL_CONFIG_H
#define HL_CONFIG_H

#include <stddef.h>

#include "cni/cni.h"
#include "cni/error.h"
#include "ip/ipnet.h"
#include "ipam/host-local/allocator/range.h"
#include "cni/result.h"

struct hl_config {
	/* borrowed from the cni_conf */
	const char *name;
	const char *cni_version;
	const char *data_dir;
	const char *resolv_conf; /* NULL: none */
	/* owned */
	struct hl_range_set *sets; /* canonical; index = last_reserved_ip.<n> */
	size_t n_sets;
	struct cni_route *routes;
	size_t n_routes;
	struct ip_addr *requested;
	size_t n_requested;
};

/* Parse and validate; code 7 naming the field (4 for CNI_ARGS). On failure
 * c is left empty (hl_config_free is still safe). */
int hl_config_load(const struct cni_conf *conf, const char *cni_args, struct hl_config *c,
		   struct cni_error *err);
void hl_config_free(struct hl_config *c);
static inline void hl_config_cleanup(struct hl_config *c)
{
	hl_config_free(c);
}
#define cleanup_hl_config __attribute__((cleanup(hl_config_cleanup)))

#endif
