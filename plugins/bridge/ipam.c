/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ipam.h"

#include <string.h>

bool br_ipam_early(const char *type)
{
	return type && (strcmp(type, "host-local") == 0 || strcmp(type, "static") == 0);
}
