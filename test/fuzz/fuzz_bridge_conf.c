/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bridge's network configuration (plugins/bridge/conf.c): everything
 * every command reads (nonMasqueradeCIDRs canonical), then ADD's own checks (the MAC), then the
 * VLAN ranges it would program. Input: CNI_ARGS, '\n', the config JSON (no
 * '\n' at all: the whole input is the config). */
#include "fuzz.h"

#include "cni/cni.h"
#include "plugins/bridge/bridge.h"
#include "util/cleanup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_conf struct cni_conf conf = {0};
	cleanup_free char *args = NULL;
	cleanup_free struct nl_vlan *ranges = NULL;
	struct br_conf c = {0};
	uint8_t mac[6];
	bool has_mac = false;
	size_t n_ranges = 0;
	int rc;

	data = fuzz_split(data, &size, &args);
	rc = cni_conf_parse(fuzz_str(data, size), size, &conf, &err);
	fuzz_outcome(rc, &err);
	if (rc < 0)
		return 0;
	rc = br_conf_load(&conf, args, &c, &err);
	fuzz_outcome(rc, &err);
	if (rc == 0) {
		FUZZ_ASSERT(c.bridge && *c.bridge);
		FUZZ_ASSERT(c.vlan >= 0 && c.vlan <= BR_VLAN_MAX);
		for (size_t i = 0; i < c.n_trunk; i++) {
			FUZZ_ASSERT(c.trunk[i] >= 1 && c.trunk[i] <= BR_VLAN_MAX);
			FUZZ_ASSERT(i == 0 || c.trunk[i - 1] < c.trunk[i]);
		}
		/* nonMasqueradeCIDRs: canonical (no host bits, sorted, unique) */
		for (size_t i = 0; i < c.n_nomasq; i++) {
			struct ip_net net;
			ip_net_network(&c.nomasq[i], &net);
			FUZZ_ASSERT(ip_addr_equal(&net.ip, &c.nomasq[i].ip));
			FUZZ_ASSERT(i == 0 ||
				    ip_addr_cmp(&c.nomasq[i - 1].ip, &c.nomasq[i].ip) < 0 ||
				    (ip_addr_equal(&c.nomasq[i - 1].ip, &c.nomasq[i].ip) &&
				     c.nomasq[i - 1].prefix < c.nomasq[i].prefix));
		}
		rc = br_conf_check_add(&c, mac, &has_mac, &err);
		fuzz_outcome(rc, &err);
		(void)br_vlan_filtering(&c);
		if (c.n_trunk) {
			size_t covered = 0;
			FUZZ_ASSERT(br_vlan_ranges(c.trunk, c.n_trunk, 0, &ranges, &n_ranges) == 0);
			for (size_t i = 0; i < n_ranges; i++) {
				FUZZ_ASSERT(ranges[i].min <= ranges[i].max);
				covered += ranges[i].max - ranges[i].min + 1u;
			}
			FUZZ_ASSERT(covered == c.n_trunk);
		}
	}
	br_conf_free(&c);
	return 0;
}
