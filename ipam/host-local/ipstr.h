/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Requested addresses as the reference reads them (ip_addr_format in
 * pkg/ip/ipnet.h spells them as the reference does). */
#ifndef HL_IPSTR_H
#define HL_IPSTR_H

#include "ip/ipnet.h"

/* Parse "10.1.2.3", or "10.1.2.3/24" taking the address part (the reference
 * accepts both for requested addresses), canonicalized. 0 or -1. */
int hl_ip_parse_loose(const char *s, struct ip_addr *out);

#endif
