/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * raw-send IFNAME DSTMAC SRC DST udp|tcp SPORT DPORT COUNT: sends COUNT
 * crafted IPv4 frames (100 ms apart) out of IFNAME through an AF_PACKET
 * socket, to DSTMAC, from SRC:SPORT to DST:DPORT: a UDP datagram
 * ("localnet") or a TCP SYN. The kernel's routing and martian checks are
 * not asked: this is what a process inside a container can put on the
 * wire (the security tests' crafted frames, e.g. to the host's 127.0.0.1).
 * Exit 0 when sent, 2 on a usage or socket error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint32_t sum16(const void *p, size_t len, uint32_t s)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)(b[len - 1] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

/* Ethernet . IPv4 (20 bytes) . UDP or TCP (no options); returns its length. */
static size_t build(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], struct in_addr sa,
		    struct in_addr da, int tcp, uint16_t sport, uint16_t dport)
{
	static const char payload[] = "localnet";
	uint8_t *ip = f + 14, *l4 = ip + 20;
	size_t l4len = tcp ? 20 : 8 + sizeof(payload) - 1;
	uint8_t pseudo[12];
	uint32_t s;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + l4len) >> 8);
	ip[3] = (uint8_t)(20 + l4len);
	ip[4] = (uint8_t)(rand() >> 8);
	ip[5] = (uint8_t)rand();
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	memcpy(ip + 12, &sa, 4);
	memcpy(ip + 16, &da, 4);
	s = fold(sum16(ip, 20, 0));
	memcpy(ip + 10, &s, 2);

	memset(l4, 0, l4len);
	sport = htons(sport);
	dport = htons(dport);
	memcpy(l4, &sport, 2);
	memcpy(l4 + 2, &dport, 2);
	if (tcp) {
		uint32_t seq = htonl((uint32_t)rand());
		memcpy(l4 + 4, &seq, 4);
		l4[12] = 5 << 4; /* data offset */
		l4[13] = 0x02;	 /* SYN */
		l4[14] = 0xfa;	 /* window 64240 */
		l4[15] = 0xf0;
	} else {
		l4[4] = (uint8_t)(l4len >> 8);
		l4[5] = (uint8_t)l4len;
		memcpy(l4 + 8, payload, sizeof(payload) - 1);
	}
	memcpy(pseudo, &sa, 4);
	memcpy(pseudo + 4, &da, 4);
	pseudo[8] = 0;
	pseudo[9] = ip[9];
	pseudo[10] = (uint8_t)(l4len >> 8);
	pseudo[11] = (uint8_t)l4len;
	s = fold(sum16(l4, l4len, sum16(pseudo, sizeof(pseudo), 0)));
	memcpy(l4 + (tcp ? 16 : 6), &s, 2);
	return 14 + 20 + l4len;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll ll = {0};
	struct ifreq ifr = {0};
	struct in_addr sa, da;
	uint8_t dst[6], src[6], frame[128];
	int fd, tcp, sport, dport, count;
	size_t len;

	if (argc != 9 || parse_mac(argv[2], dst) < 0 || inet_pton(AF_INET, argv[3], &sa) != 1 ||
	    inet_pton(AF_INET, argv[4], &da) != 1 ||
	    (strcmp(argv[5], "udp") && strcmp(argv[5], "tcp")) || (sport = atoi(argv[6])) <= 0 ||
	    sport > 65535 || (dport = atoi(argv[7])) <= 0 || dport > 65535 ||
	    (count = atoi(argv[8])) <= 0 || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr,
			"usage: raw-send IFNAME DSTMAC SRC DST udp|tcp SPORT DPORT COUNT\n");
		return 2;
	}
	tcp = !strcmp(argv[5], "tcp");
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (fd < 0 || ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		perror("raw-send");
		return 2;
	}
	ll.sll_family = AF_PACKET;
	ll.sll_ifindex = ifr.ifr_ifindex;
	ll.sll_halen = 6;
	memcpy(ll.sll_addr, dst, 6);
	/* ifr_ifindex and ifr_hwaddr share a union: one after the other */
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("raw-send");
		return 2;
	}
	memcpy(src, ifr.ifr_hwaddr.sa_data, 6);
	for (int i = 0; i < count; i++) {
		len = build(frame, dst, src, sa, da, tcp, (uint16_t)sport, (uint16_t)dport);
		if (sendto(fd, frame, len, 0, (struct sockaddr *)&ll, sizeof(ll)) != (ssize_t)len) {
			perror("raw-send: sendto");
			return 2;
		}
		if (i + 1 < count)
			nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	close(fd);
	return 0;
}
