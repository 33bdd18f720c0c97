/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The in-memory result: allocation and building. */
#define _GNU_SOURCE
#include "result.h"

#include <stdlib.h>
#include <string.h>

struct cni_result *cni_result_new(void)
{
	return calloc(1, sizeof(struct cni_result));
}

static void interface_clear(struct cni_interface *i)
{
	free(i->name);
	free(i->mac);
	free(i->sandbox);
	free(i->socket_path);
	free(i->pci_id);
}

void cni_result_free(struct cni_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_interfaces; i++)
		interface_clear(&r->interfaces[i]);
	free(r->interfaces);
	free(r->ips);
	free(r->routes);
	cni_dns_clear(&r->dns);
	free(r->cni_version);
	free(r);
}

/* Grow an array by one element (zeroed); NULL on allocation failure. */
static void *grow(void *arr, size_t *n, size_t size)
{
	char *p = realloc(arr, (*n + 1) * size);
	if (!p)
		return NULL;
	memset(p + *n * size, 0, size);
	return p;
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -1;
}

int cni_result_add_interface(struct cni_result *r, const char *name, const char *mac,
			     const char *sandbox)
{
	struct cni_interface *arr = grow(r->interfaces, &r->n_interfaces, sizeof(*arr));
	struct cni_interface *i;
	if (!arr)
		return -1;
	r->interfaces = arr;
	i = &arr[r->n_interfaces];
	if (dup_opt(&i->name, name ? name : "") < 0 || dup_opt(&i->mac, mac) < 0 ||
	    dup_opt(&i->sandbox, sandbox) < 0) {
		interface_clear(i);
		memset(i, 0, sizeof(*i));
		return -1;
	}
	return (int)r->n_interfaces++;
}

int cni_result_add_ip(struct cni_result *r, const struct cni_ipconfig *ip)
{
	struct cni_ipconfig *arr = grow(r->ips, &r->n_ips, sizeof(*arr));
	if (!arr)
		return -1;
	r->ips = arr;
	arr[r->n_ips] = *ip;
	return (int)r->n_ips++;
}

int cni_result_add_route(struct cni_result *r, const struct cni_route *route)
{
	struct cni_route *arr = grow(r->routes, &r->n_routes, sizeof(*arr));
	if (!arr)
		return -1;
	r->routes = arr;
	arr[r->n_routes] = *route;
	return (int)r->n_routes++;
}
