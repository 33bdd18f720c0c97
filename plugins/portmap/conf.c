/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The portmap configuration: pure parsing, the reference's checks and messages. */
#define _GNU_SOURCE
#include "portmap.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/cleanup.h"

void pm_conf_free(struct pm_conf *c)
{
	if (!c)
		return;
	free(c->maps);
	c->maps = NULL;
	c->n_maps = 0;
}

static int parse_proto(const char *s, uint8_t *out, size_t i, struct cni_error *err)
{
	if (!s)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "portMappings[%zu]: protocol missing (tcp, udp or sctp)", i);
	if (!strcasecmp(s, "tcp"))
		*out = IPPROTO_TCP;
	else if (!strcasecmp(s, "udp"))
		*out = IPPROTO_UDP;
	else if (!strcasecmp(s, "sctp"))
		*out = IPPROTO_SCTP;
	else
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "portMappings[%zu]: unsupported protocol \"%s\" (tcp, udp or "
				     "sctp)",
				     i, s);
	return 0;
}

/* A port as the reference checks it (> 0), and that fits a port. */
static int parse_port(const cJSON *o, const char *key, const char *what, size_t i, uint16_t *out,
		      struct cni_error *err)
{
	char field[64];
	long v = 0;

	snprintf(field, sizeof(field), "portMappings[%zu].%s", i, key);
	if (cni_json_int(o, key, field, INT_MIN, INT_MAX, &v, err) < 0)
		return -1;
	if (v <= 0 || v > 65535)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "Invalid %s port number: %ld",
				     what, v);
	*out = (uint16_t)v;
	return 0;
}

static int parse_mapping(const cJSON *o, size_t i, struct pm_mapping *m, struct cni_error *err)
{
	const char *proto = NULL, *hip = NULL;
	char field[64];

	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(o))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "portMappings[%zu] must be an object", i);
	/* the reference checks the container port first */
	if (parse_port(o, "containerPort", "container", i, &m->container_port, err) < 0 ||
	    parse_port(o, "hostPort", "host", i, &m->host_port, err) < 0)
		return -1;
	snprintf(field, sizeof(field), "portMappings[%zu].protocol", i);
	if (cni_json_string(o, "protocol", field, &proto, err) < 0 ||
	    parse_proto(proto, &m->proto, i, err) < 0)
		return -1;
	snprintf(field, sizeof(field), "portMappings[%zu].hostIP", i);
	if (cni_json_string(o, "hostIP", field, &hip, err) < 0)
		return -1;
	if (hip && *hip) {
		static const uint8_t zero[16];
		if (ip_addr_parse(hip, &m->host_ip) < 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "portMappings[%zu]: invalid hostIP \"%s\"", i, hip);
		ip_addr_canonicalize(&m->host_ip);
		m->host_ip_any =
		    !memcmp(m->host_ip.b, zero, (size_t)ip_addr_len(m->host_ip.family));
	}
	return 0;
}

static int parse_mappings(const cJSON *root, struct pm_conf *c, struct cni_error *err)
{
	cJSON *rc = NULL, *list;
	const cJSON *it;
	size_t i = 0;

	if (cni_json_object(root, "runtimeConfig", NULL, &rc, err) < 0)
		return -1;
	list = rc ? cJSON_GetObjectItemCaseSensitive(rc, "portMappings") : NULL;
	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "runtimeConfig.portMappings must be an array");
	c->n_maps = (size_t)cJSON_GetArraySize(list);
	if (c->n_maps > PM_MAX_MAPPINGS)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "runtimeConfig.portMappings: more than %d entries",
				     PM_MAX_MAPPINGS);
	if (c->n_maps == 0)
		return 0;
	c->maps = calloc(c->n_maps, sizeof(*c->maps));
	if (!c->maps)
		return cni_error_oom(err);
	cJSON_ArrayForEach(it, list)
	{
		if (parse_mapping(it, i, &c->maps[i], err) < 0)
			return -1;
		i++;
	}
	return 0;
}

/* As the reference's validateBackend: options of the other backend are an
 * error when a backend is named. Unset: we serve either notation. */
static int check_backend(const struct pm_conf *c, struct cni_error *err)
{
	const char *wrong[3];
	size_t n = 0;
	char list[128] = "";

	if (c->backend == PM_BACKEND_NFTABLES) {
		if (c->ext_mark_chain)
			wrong[n++] = "externalSetMarkChain";
		if (c->cond[0].n && !c->cond[0].nft_style)
			wrong[n++] = "conditionsV4";
		if (c->cond[1].n && !c->cond[1].nft_style)
			wrong[n++] = "conditionsV6";
	} else if (c->backend == PM_BACKEND_IPTABLES) {
		if (c->cond[0].n && c->cond[0].nft_style)
			wrong[n++] = "conditionsV4";
		if (c->cond[1].n && c->cond[1].nft_style)
			wrong[n++] = "conditionsV6";
	}
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(list, " ");
		strcat(list, wrong[i]);
	}
	return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
			     "%s backend was requested but configuration contains %s-specific "
			     "options [%s]",
			     c->backend == PM_BACKEND_NFTABLES ? "nftables" : "iptables",
			     c->backend == PM_BACKEND_NFTABLES ? "iptables" : "nftables", list);
}

int pm_conf_parse(const cJSON *root, struct pm_conf *c, struct cni_error *err)
{
	const char *backend = NULL;
	const cJSON *mb;
	long bit = PM_DEFAULT_MARK_BIT;

	memset(c, 0, sizeof(*c));
	c->snat = true;
	c->mark_bit = PM_DEFAULT_MARK_BIT;
	if (!cJSON_IsObject(root))
		return cni_error_set(err, CNI_ERR_DECODE, "network configuration is not an object");
	if (cni_json_bool(root, "snat", NULL, &c->snat, err) < 0 ||
	    cni_json_bool(root, "masqAll", NULL, &c->masq_all, err) < 0 ||
	    cni_json_string(root, "externalSetMarkChain", NULL, &c->ext_mark_chain, err) < 0 ||
	    cni_json_string(root, "backend", NULL, &backend, err) < 0)
		return -1;
	mb = cJSON_GetObjectItemCaseSensitive(root, "markMasqBit");
	c->mark_bit_set = mb && !cJSON_IsNull(mb);
	if (c->mark_bit_set && c->ext_mark_chain)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "Cannot specify externalSetMarkChain and markMasqBit");
	if (cni_json_int(root, "markMasqBit", NULL, INT_MIN, INT_MAX, &bit, err) < 0)
		return -1;
	if (bit < 0 || bit > 31)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "MasqMarkBit must be between 0 and 31");
	c->mark_bit = (int)bit;
	if (backend) {
		if (!strcmp(backend, "nftables"))
			c->backend = PM_BACKEND_NFTABLES;
		else if (!strcmp(backend, "iptables"))
			c->backend = PM_BACKEND_IPTABLES;
		else
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "unrecognized backend \"%s\"", backend);
	}
	if (pm_conds_parse(cJSON_GetObjectItemCaseSensitive(root, "conditionsV4"), AF_INET,
			   "conditionsV4", &c->cond[0], err) < 0 ||
	    pm_conds_parse(cJSON_GetObjectItemCaseSensitive(root, "conditionsV6"), AF_INET6,
			   "conditionsV6", &c->cond[1], err) < 0)
		return -1;
	if (check_backend(c, err) < 0)
		return -1;
	return parse_mappings(root, c, err);
}
