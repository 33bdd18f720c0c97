/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "strv.h"

#include <stdlib.h>
#include <string.h>

int strv_push(char ***v, size_t *n, const char *s)
{
	char **p = realloc(*v, (*n + 1) * sizeof(*p));

	if (!p)
		return -1;
	*v = p;
	if (!(p[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
