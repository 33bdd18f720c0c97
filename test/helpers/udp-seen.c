/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udp-seen ADDR PORT TIMEOUT_S: binds a UDP socket to ADDR:PORT, prints
 * "ready" once bound, then the source address of the first datagram that
 * arrives. Exit 0 when one came, 1 on timeout, 2 on a usage or socket error.
 *
 * For the tests that prove masquerade with traffic: a listener that is ready
 * in milliseconds even under emulation, where python takes seconds to start.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int listen_on(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
	} else {
		return -1;
	}
	return socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss, from;
	socklen_t len, flen = sizeof(from);
	struct timeval tv = {0};
	char buf[64], host[INET6_ADDRSTRLEN];
	const void *src;
	int fd, port;

	if (argc != 4 || (port = atoi(argv[2])) <= 0 || port > 65535 ||
	    (tv.tv_sec = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: udp-seen ADDR PORT TIMEOUT_S\n");
		return 2;
	}
	fd = listen_on(argv[1], port, &ss, &len);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		perror("udp-seen");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) < 0) {
		perror("udp-seen: recvfrom");
		return 1;
	}
	src = from.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&from)->sin_addr
					: (const void *)&((struct sockaddr_in6 *)&from)->sin6_addr;
	if (!inet_ntop(from.ss_family, src, host, sizeof(host)))
		return 2;
	printf("%s\n", host);
	close(fd);
	return 0;
}
