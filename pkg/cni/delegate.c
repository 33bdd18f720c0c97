/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Delegation to another plugin (IPAM): posix_spawn (vfork-fast), the config
 * written to its stdin while its stdout is read, both through one poll loop
 * so neither side can block the other whatever the sizes. */
#define _GNU_SOURCE
#include "delegate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

#define DELEGATE_MAX_OUT CNI_CONF_MAX_BYTES
#define DETAILS_MAX 512

extern char **environ;

char *cni_find_plugin(const char *type, const char *cni_path, struct cni_error *err)
{
	cleanup_free char *dirs = NULL;
	char *dir, *save = NULL;

	if (!type || !*type)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "plugin type is empty"), NULL;
	if (strchr(type, '/') || !strcmp(type, ".") || !strcmp(type, ".."))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid plugin name \"%s\"",
				     type),
		       NULL;
	if (!cni_path || !(dirs = strdup(cni_path))) {
		cni_error_set(err, CNI_ERR_DELEGATE, "failed to find plugin \"%s\" in path []",
			      type);
		return NULL;
	}
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *p = NULL;
		struct stat st;
		if (asprintf(&p, "%s/%s", dir, type) < 0)
			break;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			return p;
		free(p);
	}
	/* Like the reference: the path list space-separated. */
	for (char *c = strcpy(dirs, cni_path); *c; c++)
		if (*c == ':')
			*c = ' ';
	cni_error_set(err, CNI_ERR_DELEGATE, "failed to find plugin \"%s\" in path [%s]", type,
		      dirs);
	return NULL;
}

/* stdin to write, stdout read so far */
struct child_io {
	const char *in;
	size_t in_len, written;
	char *out;
	size_t out_len, out_cap;
	bool overflow;
	bool epipe;
};

/* A run in two steps: start spawns the plugin (stdin_data must stay valid
 * until finish), finish feeds the rest of stdin, collects stdout and reaps
 * it. Every started job must be finished. */
struct cni_delegate_job {
	pid_t pid; /* 0: not running */
	int in_fd, out_fd;
	const char *type;
	sigset_t old_set; /* our signal mask before SIGPIPE was blocked */
	struct child_io io;
};
static int cni_delegate_start(const char *type, enum cni_cmd cmd, const struct cni_env *env,
			      const char *stdin_data, size_t stdin_len,
			      struct cni_delegate_job *job, struct cni_error *err);
static int cni_delegate_finish(struct cni_delegate_job *job, char **out, struct cni_error *err);
/* finish for an ADD: parse the result as cni_delegate_add does. */
static int cni_delegate_finish_add(struct cni_delegate_job *job, const struct cni_conf *conf,
				   struct cni_result **result, struct cni_error *err);

struct envv {
	char **v;
	size_t n;
};

static void envv_free(struct envv *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
}

static int envv_add(struct envv *e, const char *key, const char *value)
{
	if (!value)
		return 0;
	if (asprintf(&e->v[e->n], "%s=%s", key, value) < 0) {
		e->v[e->n] = NULL;
		return -1;
	}
	e->n++;
	return 0;
}

/* Our environment with the CNI_* protocol variables taken from env. */
static int build_env(struct envv *e, const char *command, const struct cni_env *env)
{
	static const char *const ours[] = {"CNI_COMMAND=", "CNI_CONTAINERID=", "CNI_NETNS=",
					   "CNI_IFNAME=",  "CNI_ARGS=",	       "CNI_PATH="};
	size_t count = 0;

	for (char **p = environ; p && *p; p++)
		count++;
	e->n = 0;
	e->v = calloc(count + 7, sizeof(char *));
	if (!e->v)
		return -1;
	for (char **p = environ; p && *p; p++) {
		bool skip = false;
		for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]) && !skip; i++)
			skip = strncmp(*p, ours[i], strlen(ours[i])) == 0;
		if (skip)
			continue;
		if (!(e->v[e->n] = strdup(*p)))
			return -1;
		e->n++;
	}
	if (envv_add(e, "CNI_COMMAND", command) < 0 ||
	    envv_add(e, "CNI_CONTAINERID", env->container_id) < 0 ||
	    envv_add(e, "CNI_NETNS", env->netns) < 0 ||
	    envv_add(e, "CNI_IFNAME", env->ifname) < 0 || envv_add(e, "CNI_ARGS", env->args) < 0 ||
	    envv_add(e, "CNI_PATH", env->path) < 0)
		return -1;
	return 0;
}

/* Feed stdin and drain stdout until the child closes stdout. */
static int pump(int in_fd, int out_fd, struct child_io *io, struct cni_error *err)
{
	if (in_fd >= 0 && io->written == io->in_len) {
		close(in_fd);
		in_fd = -1;
	}
	while (out_fd >= 0) {
		struct pollfd pfd[2] = {{.fd = out_fd, .events = POLLIN},
					{.fd = in_fd, .events = POLLOUT}};
		int n = poll(pfd, in_fd >= 0 ? 2 : 1, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (in_fd >= 0)
				close(in_fd);
			return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "poll");
		}
		if (in_fd >= 0 && pfd[1].revents) {
			ssize_t w = write(in_fd, io->in + io->written, io->in_len - io->written);
			if (w > 0)
				io->written += (size_t)w;
			else if (w < 0 && errno == EPIPE)
				io->epipe = true;
			/* Done, or the child stopped reading: it may answer anyway. */
			if (io->written == io->in_len ||
			    (w < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (pfd[0].revents) {
			ssize_t r;
			if (io->out_cap - io->out_len < 4096) {
				size_t ncap = io->out_cap ? io->out_cap * 2 : 16384;
				char *nb = realloc(io->out, ncap + 1);
				if (!nb) {
					if (in_fd >= 0)
						close(in_fd);
					return cni_error_oom(err);
				}
				io->out = nb;
				io->out_cap = ncap;
			}
			r = read(out_fd, io->out + io->out_len, io->out_cap - io->out_len);
			if (r > 0) {
				io->out_len += (size_t)r;
				if (io->out_len > DELEGATE_MAX_OUT) {
					io->overflow = true;
					r = 0;
				}
			}
			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
				out_fd = -1; /* the caller closes it */
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	if (io->out)
		io->out[io->out_len] = '\0';
	return 0;
}

/* Spawn path with our env, its stdin and stdout on pipes; SIGPIPE stays
 * blocked in us until spawn_collect (the child may not read its stdin). */
static int spawn_start(const char *path, const char *command, const struct cni_env *env,
		       struct cni_delegate_job *job, struct cni_error *err)
{
	cleanup_close int in_r = -1, in_w = -1, out_r = -1, out_w = -1;
	struct envv e = {0};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t pipe_set, def_set;
	char *argv[] = {(char *)path, NULL};
	int p[2], rc;

	if (build_env(&e, command, env) < 0) {
		envv_free(&e);
		return cni_error_oom(err);
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		envv_free(&e);
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "pipe");
	}
	in_r = p[0];
	in_w = p[1];
	if (pipe2(p, O_CLOEXEC) < 0) {
		envv_free(&e);
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "pipe");
	}
	out_r = p[0];
	out_w = p[1];
	fcntl(in_w, F_SETFL, O_NONBLOCK);

	/* the child gets the original mask and a default SIGPIPE */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &job->old_set);
	sigemptyset(&def_set);
	sigaddset(&def_set, SIGPIPE);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_r, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out_w, STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attr, &job->old_set);
	posix_spawnattr_setsigdefault(&attr, &def_set);
	rc = posix_spawn(&job->pid, path, &fa, &attr, argv, e.v);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	envv_free(&e);
	if (rc != 0) {
		job->pid = 0;
		sigprocmask(SIG_SETMASK, &job->old_set, NULL);
		return cni_error_set_errno(err, CNI_ERR_DELEGATE, rc, "failed to execute plugin %s",
					   path);
	}
	job->in_fd = steal_fd(&in_w);
	job->out_fd = steal_fd(&out_r);
	/* most configs fit the pipe: the child can start reading at once */
	if (job->io.in_len) {
		ssize_t w = write(job->in_fd, job->io.in, job->io.in_len);
		if (w > 0)
			job->io.written = (size_t)w;
	}
	return 0;
}

/* Feed the rest of stdin, read stdout to EOF, reap; *status: wait status. */
static int spawn_collect(struct cni_delegate_job *job, int *status, struct cni_error *err)
{
	sigset_t pipe_set;
	int rc;

	rc = pump(job->in_fd, job->out_fd, &job->io, err);
	job->in_fd = -1;
	close(job->out_fd); /* an overflowing child gets EPIPE/SIGPIPE */
	job->out_fd = -1;
	while (waitpid(job->pid, status, 0) < 0) {
		if (errno != EINTR) {
			*status = 0;
			rc = cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "waitpid");
			break;
		}
	}
	job->pid = 0;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	if (job->io.epipe && !sigismember(&job->old_set, SIGPIPE)) {
		struct timespec zero = {0, 0};
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &job->old_set, NULL);
	return rc;
}

/* Output shortened for error details. */
static void set_output_details(struct cni_error *err, const char *out, size_t len)
{
	if (!out || !len)
		return;
	if (len > DETAILS_MAX)
		cni_error_set_details(err, "output: %.*s...", DETAILS_MAX, out);
	else
		cni_error_set_details(err, "output: %s", out);
}

/* A failing plugin's stdout should be its error object; adopt it. */
static int adopt_error(const char *type, int exit_code, const char *out, size_t len,
		       struct cni_error *err)
{
	cleanup_cjson cJSON *j = out ? cJSON_ParseWithOpts(out, NULL, 1) : NULL;
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "msg");
	const cJSON *details = cJSON_GetObjectItemCaseSensitive(j, "details");

	if (!cJSON_IsObject(j) || !cJSON_IsNumber(code) || !cJSON_IsString(msg)) {
		cni_error_set(err, CNI_ERR_DELEGATE,
			      "plugin %s failed (exit status %d) without an error object", type,
			      exit_code);
		set_output_details(err, out, len);
		return -1;
	}
	cni_error_set(err, code->valueint > 0 ? code->valueint : CNI_ERR_DELEGATE, "%s",
		      msg->valuestring);
	if (cJSON_IsString(details) && *details->valuestring)
		cni_error_set_details(err, "%s", details->valuestring);
	return -1;
}

static int cni_delegate_start(const char *type, enum cni_cmd cmd, const struct cni_env *env,
			      const char *stdin_data, size_t stdin_len,
			      struct cni_delegate_job *job, struct cni_error *err)
{
	cleanup_free char *path = NULL;
	const char *command = cni_cmd_to_string(cmd);

	memset(job, 0, sizeof(*job));
	job->in_fd = job->out_fd = -1;
	job->type = type;
	job->io.in = stdin_data;
	job->io.in_len = stdin_data ? stdin_len : 0;
	if (!command)
		return cni_error_set(err, CNI_ERR_INTERNAL, "delegate: bad command %d", (int)cmd);
	if (!(path = cni_find_plugin(type, env->path, err)))
		return -1;
	return spawn_start(path, command, env, job, err);
}

static int cni_delegate_finish(struct cni_delegate_job *job, char **out, struct cni_error *err)
{
	cleanup_free char *buf = NULL;
	const char *type = job->type;
	int status = 0;

	if (out)
		*out = NULL;
	if (job->pid == 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "delegate: no plugin was started");
	if (spawn_collect(job, &status, err) < 0) {
		free(job->io.out);
		job->io.out = NULL;
		return -1;
	}
	buf = steal_pointer(&job->io.out);
	/* First: cutting a flooding plugin off may well kill it by SIGPIPE. */
	if (job->io.overflow)
		return cni_error_set(err, CNI_ERR_DELEGATE, "plugin %s printed more than %d bytes",
				     type, DELEGATE_MAX_OUT);
	if (WIFSIGNALED(status))
		return cni_error_set(err, CNI_ERR_DELEGATE, "plugin %s crashed (signal %d: %s)",
				     type, WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return adopt_error(type, WIFEXITED(status) ? WEXITSTATUS(status) : -1, buf,
				   job->io.out_len, err);
	if (out) {
		if (!buf && !(buf = strdup("")))
			return cni_error_oom(err);
		*out = steal_pointer(&buf);
	}
	return 0;
}

int cni_delegate_exec(const char *type, enum cni_cmd cmd, const struct cni_env *env,
		      const char *stdin_data, size_t stdin_len, char **out, struct cni_error *err)
{
	struct cni_delegate_job job;

	if (out)
		*out = NULL;
	if (cni_delegate_start(type, cmd, env, stdin_data, stdin_len, &job, err) < 0)
		return -1;
	return cni_delegate_finish(&job, out, err);
}

int cni_delegate_add(const char *type, const struct cni_env *env, const struct cni_conf *conf,
		     struct cni_result **result, struct cni_error *err)
{
	struct cni_delegate_job job;

	*result = NULL;
	if (cni_delegate_start(type, CNI_CMD_ADD, env, conf->raw, conf->raw_len, &job, err) < 0)
		return -1;
	return cni_delegate_finish_add(&job, conf, result, err);
}

static int cni_delegate_finish_add(struct cni_delegate_job *job, const struct cni_conf *conf,
				   struct cni_result **result, struct cni_error *err)
{
	cleanup_error struct cni_error perr = CNI_ERROR_INIT;
	cleanup_free char *out = NULL;
	const char *type = job->type;

	*result = NULL;
	if (cni_delegate_finish(job, &out, err) < 0)
		return -1;
	if (cni_result_parse(out, conf->cni_version, result, &perr) < 0) {
		cni_error_set(err, CNI_ERR_DELEGATE, "plugin %s returned an invalid result: %s",
			      type, perr.msg ? perr.msg : "");
		set_output_details(err, out, strlen(out));
		return -1;
	}
	return 0;
}

int cni_delegate_cmd(const char *type, enum cni_cmd cmd, const struct cni_env *env,
		     const struct cni_conf *conf, struct cni_error *err)
{
	return cni_delegate_exec(type, cmd, env, conf->raw, conf->raw_len, NULL, err);
}
