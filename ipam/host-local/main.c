/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host-local: IP address management from ranges, with reservations kept
 * on local disk, compatible with the reference plugin's store. */
#include "hostlocal.h"
#include "util/elfnote.h"
#include "cni/version.h"

/* How the bridge knows this binary is ours, of its own build: it then runs
 * the same code (cmd.c) in its own process instead of exec'ing us. */
CNI_C_ELF_NOTE(HL_NOTE_DESC);

static const struct cni_plugin plugin = {
    .name = "host-local",
    .about = "CNI host-local plugin (cni-c) " CNI_PLUGIN_VERSION,
    .cmd_add = hl_cmd_add,
    .cmd_del = hl_cmd_del,
    .cmd_check = hl_cmd_check,
    .cmd_status = hl_cmd_status,
    .cmd_gc = hl_cmd_gc,
};

int main(int argc, char **argv)
{
	return cni_plugin_main(&plugin, argc, argv);
}
