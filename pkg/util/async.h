/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run a function in a forked child while the caller goes on, and collect
 * its outcome later: 0 with an optional output string, or its cni_error
 * (code, msg, details), passed back through a pipe.
 *
 * The plugins use it to overlap waits the kernel imposes: the veth
 * teardown (tens of ms of RCU grace periods) with the nftables commit's
 * own grace period and the IPAM plugin's exec.
 */
#ifndef CNI_ASYNC_H
#define CNI_ASYNC_H

#include <sys/types.h>

#include "cni/error.h"

struct async_job {
	pid_t pid; /* 0: not started (finish is then a no-op returning 0) */
	int fd;
	int hold; /* async_start_held: the child exits when this closes */
};

#define ASYNC_JOB_INIT                                                                             \
	{                                                                                          \
		.pid = 0, .fd = -1, .hold = -1                                                     \
	}

/* fn runs in the child; on success it may set *out (malloc'd, sent back). */
typedef int (*async_fn)(void *arg, char **out, struct cni_error *err);

int async_start(struct async_job *job, async_fn fn, void *arg, struct cni_error *err);

/* The same, for a child whose exit must wait (closing an nftables socket
 * right after a deletion waits for an RCU grace period holding the
 * nftables commit mutex, which a veth deletion in the same netns needs):
 * once it has answered it waits until async_release before exiting.
 * finish returns on its answer, then releases and reaps it. */
int async_start_held(struct async_job *job, async_fn fn, void *arg, struct cni_error *err);

/* Let a held child exit (no-op otherwise; finish and abandon do it). */
void async_release(struct async_job *job);

/* Wait for the child. 0 (and *out, malloc'd or NULL, when out is not NULL)
 * or -1 with the child's error; a child that died without answering is
 * CNI_ERR_INTERNAL naming `what`. */
int async_finish(struct async_job *job, const char *what, char **out, struct cni_error *err);

/* Reap a job whose outcome no longer matters (error paths). */
void async_abandon(struct async_job *job);

#endif
