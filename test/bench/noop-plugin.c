/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * noop-plugin: the floor of the CRI figure. scripts/cri-bench runs a
 * containerd whose loopback, bridge and portmap are this program: each
 * reads its config as a plugin does and, on ADD, prints one fixed result
 * (an eth0 in the pod's netns with one address, which is all containerd
 * needs to start the sandbox); every other command prints nothing but
 * VERSION's answer. What containerd spends around three such execs is the
 * runtime's own cost of a pod's network; what a real chain spends above
 * it is the plugins' share. Linked as the plugins are (scripts/bench).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	const char *cmd = getenv("CNI_COMMAND");
	const char *netns = getenv("CNI_NETNS");
	char buf[65536];

	/* take the config off the pipe, as a plugin does */
	while (read(STDIN_FILENO, buf, sizeof buf) > 0)
		;
	if (!cmd)
		return 0;
	if (!strcmp(cmd, "VERSION")) {
		fputs("{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.3.1\",\"0.4.0\","
		      "\"1.0.0\"]}",
		      stdout);
		return 0;
	}
	if (!strcmp(cmd, "ADD")) {
		printf("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\","
		       "\"mac\":\"02:00:00:00:00:01\",\"sandbox\":\"%s\"}],\"ips\":[{"
		       "\"interface\":0,\"address\":\"10.99.0.2/24\",\"gateway\":\"10.99.0.1\"}]}",
		       netns ? netns : "");
	}
	return 0;
}
