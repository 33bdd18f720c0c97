/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The portmap CNI plugin. */
#include "portmap.h"

static const struct cni_plugin portmap_plugin = {
    .name = "portmap",
    .about = NULL,
    .cmd_add = pm_cmd_add,
    .cmd_del = pm_cmd_del,
    .cmd_check = pm_cmd_check,
    .cmd_status = NULL,
    .cmd_gc = pm_cmd_gc,
};

int main(int argc, char **argv)
{
	return cni_plugin_main(&portmap_plugin, argc, argv);
}
