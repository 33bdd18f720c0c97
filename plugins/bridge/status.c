/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STATUS and GC: the IPAM plugin's, plus this network's nftables entries. */
#define _GNU_SOURCE
#include "bridge.h"

#include <stdlib.h>

#include "util/cleanup.h"
#include "ipam.h"
#include "nftables.h"

int br_cmd_status(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	struct br_conf c;
	int r = -1;

	if (br_conf_load(conf, env->args, &c, err) == 0)
		r = c.ipam_type ? br_ipam_cmd(c.ipam_type, CNI_CMD_STATUS, env, conf, err) : 0;
	br_conf_free(&c);
	return r < 0 ? -1 : 0;
}

int br_cmd_gc(const struct cni_env *env, const struct cni_conf *conf, struct cni_error *err)
{
	cleanup_free struct cni_attachment *valid = NULL;
	struct br_conf c;
	size_t n = 0;
	int r = -1;

	/* the list first: a bad or missing one changes nothing anywhere */
	if (br_conf_load(conf, env->args, &c, err) < 0 ||
	    cni_gc_attachments(conf, &valid, &n, err) < 0)
		goto out;
	if (c.ipam_type && br_ipam_cmd(c.ipam_type, CNI_CMD_GC, env, conf, err) < 0)
		goto out;
	/* masquerade and spoof-check entries of containers no longer there */
	if (nft_gc(c.name, valid, n, err) < 0)
		goto out;
	r = 0;
out:
	br_conf_free(&c);
	return r;
}
