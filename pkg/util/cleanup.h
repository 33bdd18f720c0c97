/* SPDX-License-Identifier: GPL-2.0-or-later */
/* __attribute__((cleanup)) helpers, as in crun: every early return is leak-free. */
#ifndef CNI_CLEANUP_H
#define CNI_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cjson/cJSON.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
static inline void cleanup_cjsonp(cJSON **j)
{
	cJSON_Delete(*j);
}

#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_cjson __attribute__((cleanup(cleanup_cjsonp)))

/* Hand ownership out of a cleanup variable: `return steal_pointer(&p);` */
static inline void *steal_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) steal_ptr(pp)
static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#endif
