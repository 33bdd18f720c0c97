/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pause: the sandbox ("infra") process of a test pod, like Kubernetes'
 * pause image. It holds the pod's namespaces open and does nothing; SIGINT
 * or SIGTERM ends it, and as PID 1 it reaps any child. Built static by the
 * tests (test/helpers/cri/containerd.bash) and packed as an OCI image.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static void on_chld(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	struct sigaction term = {.sa_handler = on_term}, chld = {.sa_handler = on_chld};
	sigaction(SIGINT, &term, NULL);
	sigaction(SIGTERM, &term, NULL);
	chld.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	sigaction(SIGCHLD, &chld, NULL);
	for (;;)
		pause();
	return EXIT_FAILURE;
}
