/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pkg/cni/delegate.c on a thread (as the bridge runs its IPAM): the
 * SIGPIPE it blocks while feeding the child is blocked in the calling
 * thread only, with pthread_sigmask (sigprocmask is unspecified once a
 * process has threads), and the mask is restored; a child that never reads
 * its stdin costs no SIGPIPE. sigprocmask is interposed here to count
 * calls: the executable's definition wins over libc's. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni/delegate.h"
#include "util/cleanup.h"

static int sigprocmask_calls;

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	__atomic_add_fetch(&sigprocmask_calls, 1, __ATOMIC_SEQ_CST);
	return pthread_sigmask(how, set, old);
}

static char dir[64];

static void plugin(const char *name, const char *body)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cni-sigmask-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	plugin("reads", "cat >/dev/null; echo '{\"cniVersion\":\"1.0.0\"}'");
	/* exits at once without reading: our writes to its stdin get EPIPE */
	plugin("deaf", "exec 0<&-; echo '{\"cniVersion\":\"1.0.0\"}'");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct run {
	const char *type;
	size_t in_len;
	int rc;
	bool pipe_blocked_after; /* SIGPIPE blocked in this thread afterwards */
	int pending;		 /* SIGPIPE pending in this thread afterwards */
};

static void *run_delegate(void *arg)
{
	struct run *r = arg;
	struct cni_env env = {
	    .cmd = CNI_CMD_DEL, .container_id = "c", .ifname = "eth0", .path = dir};
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	cleanup_free char *in = malloc(r->in_len + 1);
	sigset_t now;

	memset(in, ' ', r->in_len);
	in[r->in_len] = '\0';
	r->rc = cni_delegate_exec(r->type, CNI_CMD_DEL, &env, in, r->in_len, NULL, &err);
	if (r->rc < 0)
		fprintf(stderr, "delegate: %s\n", err.msg ? err.msg : "?");
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	r->pipe_blocked_after = sigismember(&now, SIGPIPE);
	sigpending(&now);
	r->pending = sigismember(&now, SIGPIPE);
	return NULL;
}

static void on_thread(struct run *r)
{
	pthread_t t;
	sigset_t before, after;

	pthread_sigmask(SIG_SETMASK, NULL, &before);
	assert_int_equal(pthread_create(&t, NULL, run_delegate, r), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	/* this thread's mask was never touched */
	assert_int_equal(sigismember(&before, SIGPIPE), sigismember(&after, SIGPIPE));
}

static void test_thread_mask_only(void **state)
{
	struct run r = {.type = "reads", .in_len = 100};
	(void)state;

	sigprocmask_calls = 0;
	on_thread(&r);
	assert_int_equal(r.rc, 0);
	assert_false(r.pipe_blocked_after);
	assert_int_equal(sigprocmask_calls, 0);
}

static void test_deaf_child_no_sigpipe(void **state)
{
	/* more than a pipe holds, so the writes outlive the child */
	struct run r = {.type = "deaf", .in_len = 1 << 20};
	(void)state;

	sigprocmask_calls = 0;
	on_thread(&r);
	assert_int_equal(r.rc, 0);
	assert_false(r.pipe_blocked_after);
	assert_int_equal(r.pending, 0);
	assert_int_equal(sigprocmask_calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_thread_mask_only),
	    cmocka_unit_test(test_deaf_child_no_sigpipe),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
