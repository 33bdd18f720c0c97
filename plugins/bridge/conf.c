/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bridge network configuration: parsing and validation. */
#define _GNU_SOURCE
#include "bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_bridge.h>

#include "util/cleanup.h"
#include "cni/cniargs.h"
#include "util/text.h"

static const cJSON *obj_field(const cJSON *o, const char *key)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
	return cJSON_IsNull(v) ? NULL : v;
}

static int get_bool(const cJSON *root, const char *key, bool *out, struct cni_error *err)
{
	return cni_json_bool(root, key, NULL, out, err);
}

static int get_int(const cJSON *root, const char *key, long min, long max, int *out,
		   struct cni_error *err)
{
	long v = *out;
	if (cni_json_int(root, key, NULL, min, max, &v, err) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* A "dns" that sets anything replaces the IPAM's (as dnsConfSet). */
static bool dns_set(const cJSON *dns)
{
	const cJSON *d;
	if (!dns)
		return false;
	if (obj_field(dns, "nameservers") || obj_field(dns, "search") || obj_field(dns, "options"))
		return true;
	d = obj_field(dns, "domain");
	return cJSON_IsString(d) && *d->valuestring;
}

static int mac_from_args(const char *cni_args, struct br_conf *c, struct cni_error *err)
{
	static const char *const known[] = {"MAC", NULL};
	struct cni_args a = {0};
	const char *v;

	if (!cni_args || !*cni_args)
		return 0;
	if (cni_args_parse(cni_args, known, &a, err) < 0) {
		cni_args_free(&a);
		return -1;
	}
	v = cni_args_get(&a, "MAC");
	if (v && *v && !(c->mac_args = strdup(v))) {
		cni_args_free(&a);
		return cni_error_oom(err);
	}
	cni_args_free(&a);
	if (c->mac_args)
		c->mac = c->mac_args;
	return 0;
}

static int mac_from_conf(const struct cni_conf *conf, struct br_conf *c, struct cni_error *err)
{
	const cJSON *cni = obj_field(conf->args, "cni");
	const char *m = NULL;

	if (cni && cJSON_IsObject(cni)) {
		if (cni_json_string(cni, "mac", "args.cni.mac", &m, err) < 0)
			return -1;
		if (m && *m)
			c->mac = m;
	}
	m = NULL;
	if (cni_json_string(conf->runtime_config, "mac", "runtimeConfig.mac", &m, err) < 0)
		return -1;
	if (m && *m)
		c->mac = m;
	return 0;
}

int br_conf_load(const struct cni_conf *conf, const char *cni_args, struct br_conf *c,
		 struct cni_error *err)
{
	const cJSON *root = conf->root, *trunk;

	memset(c, 0, sizeof(*c));
	c->name = conf->name;
	c->bridge = BR_DEFAULT_NAME;
	c->preserve_default_vlan = true;
	if (cni_json_string(root, "bridge", NULL, &c->bridge, err) < 0)
		return -1;
	if (!c->bridge || !*c->bridge)
		c->bridge = BR_DEFAULT_NAME;
	if (get_bool(root, "isGateway", &c->is_gw, err) < 0 ||
	    get_bool(root, "isDefaultGateway", &c->is_default_gw, err) < 0 ||
	    get_bool(root, "forceAddress", &c->force_address, err) < 0 ||
	    get_bool(root, "ipMasq", &c->ip_masq, err) < 0 ||
	    get_bool(root, "hairpinMode", &c->hairpin, err) < 0 ||
	    get_bool(root, "promiscMode", &c->promisc, err) < 0 ||
	    get_bool(root, "preserveDefaultVlan", &c->preserve_default_vlan, err) < 0 ||
	    get_bool(root, "macspoofchk", &c->macspoofchk, err) < 0 ||
	    get_bool(root, "enabledad", &c->enabledad, err) < 0 ||
	    get_bool(root, "disableContainerInterface", &c->disable_container_iface, err) < 0 ||
	    get_bool(root, "portIsolation", &c->port_isolation, err) < 0)
		return -1;
	if (c->is_default_gw)
		c->is_gw = true;
	if (cni_json_string(root, "ipMasqBackend", NULL, &c->ip_masq_backend, err) < 0)
		return -1;
	/* validated with or without ipMasq (which alone gives it effect) */
	if (br_nomasq_parse(obj_field(root, "nonMasqueradeCIDRs"), &c->nomasq, &c->n_nomasq, err) <
	    0)
		return -1;
	if (get_int(root, "mtu", 0, 65535, &c->mtu, err) < 0)
		return -1;
	c->vlan = 0;
	if (get_int(root, "vlan", -2147483647L, 2147483647L, &c->vlan, err) < 0)
		return -1;
	if (c->vlan < 0 || c->vlan > BR_VLAN_MAX)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "invalid VLAN ID %d (must be between 0 and %d)", c->vlan,
				     BR_VLAN_MAX);
	trunk = obj_field(root, "vlanTrunk");
	if (trunk) {
		c->vlan_trunk_set = true;
		if (br_vlan_trunk_parse(trunk, &c->trunk, &c->n_trunk, err) < 0)
			return -1;
	}
	/* only access (untagged) or trunk (tagged) ports */
	if (c->vlan > 0 && c->n_trunk > 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "cannot set vlan and vlanTrunk at the same time");
	if (conf->ipam && cni_json_string(conf->ipam, "type", "ipam.type", &c->ipam_type, err) < 0)
		return -1;
	if (c->ipam_type && !*c->ipam_type)
		c->ipam_type = NULL;
	c->has_dns = dns_set(conf->dns);
	if (c->has_dns && cni_dns_from_json(conf->dns, &c->dns, err) < 0)
		return -1;
	/* MAC precedence: CNI_ARGS < args.cni.mac < runtimeConfig.mac */
	if (mac_from_args(cni_args, c, err) < 0 || mac_from_conf(conf, c, err) < 0)
		return -1;
	return 0;
}

void br_conf_free(struct br_conf *c)
{
	free(c->trunk);
	free(c->mac_args);
	free(c->nomasq);
	c->nomasq = NULL;
	c->n_nomasq = 0;
	cni_dns_clear(&c->dns);
	c->trunk = NULL;
	c->mac_args = NULL;
}

bool br_vlan_filtering(const struct br_conf *c)
{
	return c->vlan != 0 || c->vlan_trunk_set;
}

int br_conf_check_add(const struct br_conf *c, uint8_t mac[6], bool *has_mac, struct cni_error *err)
{
	*has_mac = false;
	if (c->ipam_type && c->disable_container_iface)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "cannot use IPAM when DisableContainerInterface flag is set");
	if (c->hairpin && c->promisc)
		return cni_error_set(
		    err, CNI_ERR_INVALID_CONFIG,
		    "cannot set hairpin mode and promiscuous mode at the same time.");
	/* the VLAN gateway interface's name, known now (br_vlan_gateway) */
	if (c->ipam_type && c->is_gw && c->vlan > 0) {
		char name[32];
		if (snprintf(name, sizeof(name), "%s.%d", c->bridge, c->vlan) >= NL_IFNAMSIZ)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "vlan gateway name %s is longer than 15 characters",
					     name);
	}
	/* "iptables" (reference 1.5+) is served from our nftables table too:
	 * br_masq_backend_note says so */
	if (c->ip_masq_backend && strcmp(c->ip_masq_backend, "nftables") != 0 &&
	    strcmp(c->ip_masq_backend, "iptables") != 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "unknown ipMasqBackend \"%s\" (must be \"nftables\" or "
				     "\"iptables\")",
				     c->ip_masq_backend);
	if (c->mac) {
		if (br_parse_mac(c->mac, mac) < 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "invalid MAC address \"%s\"", c->mac);
		/* the kernel refuses both for a veth (the reference's error, 999,
		 * after it made the bridge): said here, before anything is made */
		if (mac[0] & 1)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "invalid MAC address \"%s\": multicast", c->mac);
		if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "invalid MAC address \"%s\": all zero", c->mac);
		*has_mac = true;
	}
	return 0;
}

const char *br_masq_backend_note(const struct br_conf *c)
{
	if (c->ip_masq && c->ip_masq_backend && strcmp(c->ip_masq_backend, "iptables") == 0)
		return "bridge: ipMasqBackend \"iptables\": masquerading with nftables instead "
		       "(table inet cni_c_bridge); this plugin does not use iptables";
	return NULL;
}

static int net_cmp(const void *a, const void *b)
{
	const struct ip_net *x = a, *y = b;
	int c = ip_addr_cmp(&x->ip, &y->ip);
	return c ? c : (x->prefix > y->prefix) - (x->prefix < y->prefix);
}

void br_nomasq_canon(struct ip_net *v, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++)
		ip_net_network(&v[i], &v[i]);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), net_cmp);
	for (size_t i = 0; i < *n; i++)
		if (k == 0 || net_cmp(&v[k - 1], &v[i]) != 0)
			v[k++] = v[i];
	*n = k;
}

int br_nomasq_parse(const cJSON *arr, struct ip_net **out, size_t *n, struct cni_error *err)
{
	cleanup_free struct ip_net *v = NULL;
	const cJSON *e;
	size_t k = 0, len;

	*out = NULL;
	*n = 0;
	if (!arr)
		return 0;
	if (!cJSON_IsArray(arr))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "nonMasqueradeCIDRs must be a list of CIDRs (strings)");
	len = (size_t)cJSON_GetArraySize(arr);
	if (len == 0)
		return 0;
	if (!(v = calloc(len, sizeof(*v))))
		return cni_error_oom(err);
	cJSON_ArrayForEach(e, arr)
	{
		if (!cJSON_IsString(e))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "nonMasqueradeCIDRs[%zu] must be a string (a CIDR)",
					     k);
		if (ip_net_parse(e->valuestring, &v[k]) < 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "nonMasqueradeCIDRs: invalid CIDR \"%s\" (want "
					     "address/prefix, e.g. 10.0.0.0/8 or fd00::/8)",
					     e->valuestring);
		k++;
	}
	br_nomasq_canon(v, &k);
	*out = v;
	*n = k;
	v = NULL;
	return 0;
}

/* Go's net.ParseMAC, restricted to 6-byte addresses. */
int br_parse_mac(const char *s, uint8_t mac[6])
{
	size_t len = s ? strlen(s) : 0;
	int i, h, l;

	if (len == 17 && (s[2] == ':' || s[2] == '-')) {
		for (i = 0; i < 6; i++) {
			if (i < 5 && s[i * 3 + 2] != s[2])
				return -1;
			h = text_hex_digit(s[i * 3]);
			l = text_hex_digit(s[i * 3 + 1]);
			if (h < 0 || l < 0)
				return -1;
			mac[i] = (uint8_t)(h << 4 | l);
		}
		return 0;
	}
	if (len == 14 && s[4] == '.' && s[9] == '.') {
		for (i = 0; i < 6; i++) {
			int off = i * 2 + i / 2; /* skip the dots */
			h = text_hex_digit(s[off]);
			l = text_hex_digit(s[off + 1]);
			if (h < 0 || l < 0)
				return -1;
			mac[i] = (uint8_t)(h << 4 | l);
		}
		return 0;
	}
	return -1;
}

char *br_format_mac(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}
