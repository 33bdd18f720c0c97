/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ipam.resolvConf: a resolv.conf file turned into the result's "dns"
 * (the reference's dns.go): nameserver, domain, search, options. */
#ifndef HL_DNS_H
#define HL_DNS_H

#include <stdio.h>

#include "cni/error.h"
#include "cni/result.h"

/* The longest line, as the reference's bufio.Scanner reads it (its
 * default token size, 64 KiB, holds a line and its '\n'). */
#define HL_RESOLV_LINE_MAX 65535

/* Fill dns (which must be empty) from the file at path. Comments ('#', ';')
 * and lines with fewer than two fields are skipped; a later "domain"
 * replaces an earlier one; search and options accumulate. Code 7 naming
 * ipam.resolvConf when the file cannot be opened or read, or has a line
 * over HL_RESOLV_LINE_MAX (the reference: code 999, "bufio.Scanner: token
 * too long"); an allocation failure is an error too. Either way dns may
 * hold what was read before: the caller clears it. */
int hl_parse_resolv_conf(const char *path, struct cni_dns *dns, struct cni_error *err);
/* The same from an open stream (path only names it in errors). */
int hl_parse_resolv_stream(FILE *fp, const char *path, struct cni_dns *dns, struct cni_error *err);

#endif
