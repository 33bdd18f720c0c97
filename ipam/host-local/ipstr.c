/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ipstr.h"

int hl_ip_parse_loose(const char *s, struct ip_addr *out)
{
	struct ip_net n;

	if (ip_addr_parse(s, out) == 0) {
		ip_addr_canonicalize(out);
		return 0;
	}
	if (ip_net_parse(s, &n) < 0)
		return -1;
	*out = n.ip;
	ip_addr_canonicalize(out);
	return 0;
}
