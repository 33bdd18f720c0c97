/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portmap's network configuration (plugins/portmap/conf.c, conditions.c):
 * the whole object as every command reads it (snat, markMasqBit, backend,
 * conditionsV4/V6, runtimeConfig.portMappings), then prevResult, the
 * container's addresses and the entries ADD would install, with their
 * nftables names and elements (entries.c, names.c). Input: the config
 * JSON. */
#include "fuzz.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "cni/cni.h"
#include "cni/result.h"
#include "plugins/portmap/portmap.h"
#include "util/cleanup.h"

static void check_conds(const struct pm_conds *c, int family)
{
	FUZZ_ASSERT(c->n <= PM_MAX_CONDS);
	FUZZ_ASSERT(strlen(c->hash) == (c->n ? 8u : 0u));
	for (size_t i = 0; i < c->n; i++) {
		const struct pm_cond *k = &c->v[i];
		if (k->kind == PM_COND_IIFNAME) {
			FUZZ_ASSERT(memchr(k->ifname, '\0', sizeof(k->ifname)));
			FUZZ_ASSERT(*k->ifname);
		} else {
			FUZZ_ASSERT(k->net.ip.family == family);
			FUZZ_ASSERT(k->net.prefix >= 0 &&
				    k->net.prefix <= (family == AF_INET ? 32 : 128));
		}
	}
}

static void check_entries(const struct pm_conf *c, const struct pm_addrs *addrs)
{
	cleanup_free struct pm_entry *v = NULL;
	char name[PM_NAME_MAX];
	struct nft_elem el, back;
	size_t n = 0;

	FUZZ_ASSERT(pm_entries(c, addrs, &v, &n) == 0);
	FUZZ_ASSERT(n <= 2 * c->n_maps);
	for (size_t i = 0; i < n; i++) {
		const struct pm_entry *e = &v[i];
		int f = e->family == AF_INET ? 0 : 1;

		FUZZ_ASSERT(e->family == AF_INET || e->family == AF_INET6);
		FUZZ_ASSERT(addrs->a[f].ip.family == e->family);
		FUZZ_ASSERT(e->host_port && e->container_port);
		FUZZ_ASSERT(pm_proto_name(e->proto));
		FUZZ_ASSERT(!e->keyed_host || e->host_ip.family == e->family);
		FUZZ_ASSERT(e->cond && !strcmp(e->cond, c->cond[f].hash));
		/* no two entries share a key: the first one won */
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(
			    !(v[j].family == e->family && v[j].keyed_host == e->keyed_host &&
			      (!e->keyed_host || ip_addr_equal(&v[j].host_ip, &e->host_ip)) &&
			      v[j].proto == e->proto && v[j].host_port == e->host_port));
		FUZZ_ASSERT(pm_dnat_map_name(e->family, e->keyed_host, e->cond, name));
		FUZZ_ASSERT(strlen(name) < PM_NAME_MAX);
		FUZZ_ASSERT(pm_wait_map_name(e->family, e->keyed_host, e->cond, name));
		FUZZ_ASSERT(pm_hairpin_set_name(e->family, e->caddr.prefix, name));
		pm_dnat_elem(e, &el);
		FUZZ_ASSERT(el.klen && el.klen <= NFT_KEY_MAX && el.dlen && el.dlen <= NFT_KEY_MAX);
		/* a waiting element leads back to the DNAT key it waits for */
		pm_wait_elem(e, "net/ctr/eth0", 7, &el);
		FUZZ_ASSERT(pm_wait_seq(&el) == 7);
		pm_wait_to_dnat(&el, &back);
		pm_dnat_elem(e, &el);
		FUZZ_ASSERT(back.klen == el.klen && !memcmp(back.key, el.key, el.klen));
		pm_hairpin_elem(e, c->masq_all, &el);
		FUZZ_ASSERT(el.klen <= NFT_KEY_MAX);
		pm_localhost_elem(e, &el);
		FUZZ_ASSERT(el.klen <= NFT_KEY_MAX);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_conf struct cni_conf conf = {0};
	cleanup_pm_conf struct pm_conf pc = {0};
	cleanup_result struct cni_result *prev = NULL;
	struct pm_addrs addrs;
	int rc;

	rc = cni_conf_parse(fuzz_str(data, size), size, &conf, &err);
	fuzz_outcome(rc, &err);
	if (rc < 0)
		return 0;
	rc = pm_conf_parse(conf.root, &pc, &err);
	fuzz_outcome(rc, &err);
	if (rc < 0)
		return 0;
	FUZZ_ASSERT(pc.n_maps <= PM_MAX_MAPPINGS);
	FUZZ_ASSERT(pc.mark_bit >= 0 && pc.mark_bit <= 31);
	check_conds(&pc.cond[0], AF_INET);
	check_conds(&pc.cond[1], AF_INET6);
	for (size_t i = 0; i < pc.n_maps; i++) {
		const struct pm_mapping *m = &pc.maps[i];
		FUZZ_ASSERT(m->host_port && m->container_port && pm_proto_name(m->proto));
		FUZZ_ASSERT(!m->host_ip_any || m->host_ip.family);
	}
	if (conf.prev_result) {
		rc = cni_result_from_json(conf.prev_result, conf.cni_version, &prev, &err);
		fuzz_outcome(rc, &err);
		if (rc < 0)
			return 0;
	}
	pm_container_addrs(prev, "eth0", &addrs);
	check_entries(&pc, &addrs);
	/* and for every address family, whatever prevResult held */
	FUZZ_ASSERT(ip_net_parse("10.1.0.2/24", &addrs.a[0]) == 0);
	FUZZ_ASSERT(ip_net_parse("fd00:1::2/64", &addrs.a[1]) == 0);
	check_entries(&pc, &addrs);
	return 0;
}
