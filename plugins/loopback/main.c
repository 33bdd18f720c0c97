/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loopback CNI plugin. */
#include "loopback.h"

static const struct cni_plugin loopback_plugin = {
    .name = "loopback",
    .about = NULL,
    .cmd_add = lo_cmd_add,
    .cmd_del = lo_cmd_del,
    .cmd_check = lo_cmd_check,
    .cmd_status = NULL,
    .cmd_gc = NULL,
};

int main(int argc, char **argv)
{
	return cni_plugin_main(&loopback_plugin, argc, argv);
}
