/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pkg/async: a forked worker's answer comes back, errors keep their code,
 * message and details, a held worker waits for its release, and every
 * worker is reaped by finish (no zombie, no orphan). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/async.h"

static int answer(void *arg, char **out, struct cni_error *err)
{
	(void)err;
	*out = strdup(arg);
	return 0;
}

static int refuse(void *arg, char **out, struct cni_error *err)
{
	(void)arg;
	(void)out;
	cni_error_set(err, 11, "try later");
	cni_error_set_details(err, "busy");
	return -1;
}

static int die_mute(void *arg, char **out, struct cni_error *err)
{
	(void)arg;
	(void)out;
	(void)err;
	_exit(3);
}

/* the worker is gone and reaped: no child of that pid is left to wait for */
static void assert_reaped(pid_t pid)
{
	errno = 0;
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_answer(void **state)
{
	struct async_job job = ASYNC_JOB_INIT;
	struct cni_error err = CNI_ERROR_INIT;
	char *out = NULL;
	pid_t pid;

	(void)state;
	assert_int_equal(async_start(&job, answer, "hello", &err), 0);
	pid = job.pid;
	assert_int_equal(async_finish(&job, "test", &out, &err), 0);
	assert_string_equal(out, "hello");
	free(out);
	assert_reaped(pid);
}

static void test_error_kept(void **state)
{
	struct async_job job = ASYNC_JOB_INIT;
	struct cni_error err = CNI_ERROR_INIT;

	(void)state;
	assert_int_equal(async_start(&job, refuse, NULL, &err), 0);
	assert_int_equal(async_finish(&job, "test", NULL, &err), -1);
	assert_int_equal(err.code, 11);
	assert_string_equal(err.msg, "try later");
	assert_string_equal(err.details, "busy");
	cni_error_clear(&err);
}

static void test_mute_death(void **state)
{
	struct async_job job = ASYNC_JOB_INIT;
	struct cni_error err = CNI_ERROR_INIT;

	(void)state;
	assert_int_equal(async_start(&job, die_mute, NULL, &err), 0);
	assert_int_equal(async_finish(&job, "the worker", NULL, &err), -1);
	assert_int_equal(err.code, CNI_ERR_INTERNAL);
	assert_non_null(strstr(err.msg, "the worker"));
	cni_error_clear(&err);
}

static void test_held_waits_for_release(void **state)
{
	struct async_job job = ASYNC_JOB_INIT;
	struct cni_error err = CNI_ERROR_INIT;
	struct timespec t = {0, 100 * 1000 * 1000};
	char *out = NULL;
	pid_t pid;

	(void)state;
	assert_int_equal(async_start_held(&job, answer, "held", &err), 0);
	pid = job.pid;
	nanosleep(&t, NULL);
	/* it has answered long ago, and is still there */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);
	assert_int_equal(async_finish(&job, "test", &out, &err), 0);
	assert_string_equal(out, "held");
	free(out);
	assert_reaped(pid);
}

static void test_abandon_reaps_held(void **state)
{
	struct async_job job = ASYNC_JOB_INIT;
	struct cni_error err = CNI_ERROR_INIT;
	pid_t pid;

	(void)state;
	assert_int_equal(async_start_held(&job, answer, "x", &err), 0);
	pid = job.pid;
	async_abandon(&job);
	assert_int_equal(job.pid, 0);
	assert_reaped(pid);
	/* finishing a job that is not running is a no-op */
	assert_int_equal(async_finish(&job, "test", NULL, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answer),
	    cmocka_unit_test(test_error_kept),
	    cmocka_unit_test(test_mute_death),
	    cmocka_unit_test(test_held_waits_for_release),
	    cmocka_unit_test(test_abandon_reaps_held),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
