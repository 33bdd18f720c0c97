/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bridge CNI plugin. */
#include "bridge.h"

static const struct cni_plugin bridge_plugin = {
    .name = "bridge",
    .about = NULL,
    .cmd_add = br_cmd_add,
    .cmd_del = br_cmd_del,
    .cmd_check = br_cmd_check,
    .cmd_status = br_cmd_status,
    .cmd_gc = br_cmd_gc,
};

int main(int argc, char **argv)
{
	return cni_plugin_main(&bridge_plugin, argc, argv);
}
