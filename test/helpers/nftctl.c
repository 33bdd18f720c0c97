/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftctl: a test driver over the bridge's nftables policy. With --netns PATH every nftables
 * change happens inside that network namespace (tests never touch the
 * host's ruleset).
 *
 *   nftctl [--netns PATH] masq-add NET CID IFNAME CIDR...
 *   nftctl [--netns PATH] masq-del NET CID IFNAME [CIDR...]
 *   nftctl [--netns PATH] masq-check NET CID IFNAME CIDR...
 *   nftctl [--netns PATH] spoofchk-add [--network NET] CID IFNAME VETH MAC
 *   nftctl [--netns PATH] spoofchk-del CID IFNAME
 *   nftctl [--netns PATH] spoofchk-check CID IFNAME VETH MAC
 *   nftctl [--netns PATH] gc NET [CID/IFNAME...]
 *   nftctl [--netns PATH] legacy-del NET CID IFNAME
 *   nftctl legacy-chain NET CID		the reference's iptables chain name
 *   nftctl legacy-comment NET CID IFNAME	the reference's nftables comment
 *   nftctl [--netns PATH] bench N PREFILL	N masq add+del (and spoof check
 *					add+del) with PREFILL other containers
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugins/bridge/nftables.h"
#include "nft/nft.h"
#include "util/cleanup.h"

static int usage(void)
{
	fprintf(stderr, "usage: nftctl [--netns PATH] COMMAND ARGS... (see the source)\n");
	return 2;
}

static int fail(struct cni_error *err)
{
	fprintf(stderr, "nftctl: %s%s%s (code %d)\n", err->msg ? err->msg : "?",
		err->details ? ": " : "", err->details ? err->details : "", err->code);
	return 1;
}

static int parse_nets(char **argv, int n, struct ip_net **out)
{
	struct ip_net *v = calloc(n > 0 ? (size_t)n : 1, sizeof(*v));
	if (!v)
		return -1;
	for (int i = 0; i < n; i++) {
		if (ip_net_parse(argv[i], &v[i]) < 0) {
			fprintf(stderr, "nftctl: bad CIDR %s\n", argv[i]);
			free(v);
			return -1;
		}
	}
	*out = v;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
		fprintf(stderr, "nftctl: bad MAC %s\n", s);
		return -1;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void mk_addr(unsigned i, struct ip_net *n)
{
	char s[32];
	/* 10.200.0.0/16 .. : 250 per /24 */
	snprintf(s, sizeof(s), "10.%u.%u.%u/24", 200 + (i / 62500) % 50, (i / 250) % 250,
		 2 + i % 250);
	ip_net_parse(s, n);
}

static int bench(unsigned n, unsigned prefill, struct cni_error *err)
{
	char cid[64], veth[16];
	struct ip_net a;
	uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0};
	double t0, t1, t2, t3, t4;

	for (unsigned i = 0; i < prefill; i++) {
		snprintf(cid, sizeof(cid), "prefill-%u", i);
		mk_addr(i, &a);
		if (nft_masq_add("bench", cid, "eth0", &a, 1, NULL, err) < 0)
			return -1;
		snprintf(veth, sizeof(veth), "vp%u", i);
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		if (nft_spoofchk_add_net("bench", cid, "eth0", veth, mac, err) < 0)
			return -1;
	}
	t0 = now_us();
	for (unsigned i = 0; i < n; i++) {
		snprintf(cid, sizeof(cid), "bench-%u", i);
		mk_addr(prefill + i, &a);
		if (nft_masq_add("bench", cid, "eth0", &a, 1, NULL, err) < 0)
			return -1;
	}
	t1 = now_us();
	for (unsigned i = 0; i < n; i++) {
		snprintf(cid, sizeof(cid), "bench-%u", i);
		mk_addr(prefill + i, &a);
		if (nft_masq_del("bench", cid, "eth0", &a, 1, NULL, err) < 0)
			return -1;
	}
	t2 = now_us();
	mac[0] = 0x06;
	for (unsigned i = 0; i < n; i++) {
		snprintf(cid, sizeof(cid), "bench-%u", i);
		snprintf(veth, sizeof(veth), "vb%u", i);
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		if (nft_spoofchk_add_net("bench", cid, "eth0", veth, mac, err) < 0)
			return -1;
	}
	t3 = now_us();
	for (unsigned i = 0; i < n; i++) {
		snprintf(cid, sizeof(cid), "bench-%u", i);
		if (nft_spoofchk_del(cid, "eth0", err) < 0)
			return -1;
	}
	t4 = now_us();
	printf("prefill %u, %u iterations: masq_add %.1f us, masq_del %.1f us, "
	       "spoofchk_add %.1f us, spoofchk_del %.1f us\n",
	       prefill, n, (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n, (t4 - t3) / n);
	return 0;
}

/* Enter the network namespace at path for the rest of the process. */
static int enter_netns(const char *path, struct cni_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "open netns %s", path);
	if (setns(fd, CLONE_NEWNET) < 0)
		return cni_error_set_errno(err, CNI_ERR_SYSTEM, errno, "setns %s", path);
	return 0;
}

int main(int argc, char **argv)
{
	cleanup_error struct cni_error err = CNI_ERROR_INIT;
	const char *cmd;
	int rc = -1;

	argv++;
	argc--;
	if (argc >= 2 && !strcmp(argv[0], "--netns")) {
		if (enter_netns(argv[1], &err) < 0)
			return fail(&err);
		argv += 2;
		argc -= 2;
	}
	if (argc < 1)
		return usage();
	cmd = argv[0];
	argv++;
	argc--;

	if (!strcmp(cmd, "masq-add") || !strcmp(cmd, "masq-del") || !strcmp(cmd, "masq-check")) {
		struct ip_net *nets = NULL;
		if (argc < 3 || (strcmp(cmd, "masq-del") && argc < 4))
			return usage();
		if (parse_nets(argv + 3, argc - 3, &nets) < 0)
			return 2;
		if (!strcmp(cmd, "masq-add"))
			rc = nft_masq_add(argv[0], argv[1], argv[2], nets, (size_t)argc - 3, NULL,
					  &err);
		else if (!strcmp(cmd, "masq-del"))
			rc = nft_masq_del(argv[0], argv[1], argv[2], argc > 3 ? nets : NULL,
					  (size_t)argc - 3, NULL, &err);
		else
			rc = nft_masq_check(argv[0], argv[1], argv[2], nets, (size_t)argc - 3, NULL,
					    &err);
		free(nets);
	} else if (!strcmp(cmd, "spoofchk-add") || !strcmp(cmd, "spoofchk-check")) {
		const char *net = NULL;
		uint8_t mac[6];
		if (argc >= 2 && !strcmp(argv[0], "--network")) {
			net = argv[1];
			argv += 2;
			argc -= 2;
		}
		if (argc != 4 || parse_mac(argv[3], mac) < 0)
			return usage();
		if (!strcmp(cmd, "spoofchk-check"))
			rc = nft_spoofchk_check(argv[0], argv[1], argv[2], mac, &err);
		else if (net)
			rc = nft_spoofchk_add_net(net, argv[0], argv[1], argv[2], mac, &err);
		else
			rc = nft_spoofchk_add_net(NULL, argv[0], argv[1], argv[2], mac, &err);
	} else if (!strcmp(cmd, "spoofchk-del")) {
		if (argc != 2)
			return usage();
		rc = nft_spoofchk_del(argv[0], argv[1], &err);
	} else if (!strcmp(cmd, "gc")) {
		struct cni_attachment *v;
		if (argc < 1)
			return usage();
		v = calloc((size_t)argc, sizeof(*v));
		if (!v)
			return 1;
		for (int i = 1; i < argc; i++) {
			char *slash = strchr(argv[i], '/');
			if (!slash) {
				free(v);
				return usage();
			}
			*slash = '\0';
			v[i - 1].container_id = argv[i];
			v[i - 1].ifname = slash + 1;
		}
		rc = nft_gc(argv[0], v, (size_t)argc - 1, &err);
		free(v);
	} else if (!strcmp(cmd, "legacy-del")) {
		if (argc != 3)
			return usage();
		rc = nft_legacy_masq_del(argv[0], argv[1], argv[2], &err);
	} else if (!strcmp(cmd, "legacy-chain")) {
		char chain[29];
		if (argc != 2)
			return usage();
		printf("%s\n", nft_legacy_chain_name(argv[0], argv[1], chain));
		return 0;
	} else if (!strcmp(cmd, "legacy-comment")) {
		char prefix[34];
		if (argc != 3)
			return usage();
		printf("%s, net: %s, if: %s, id: %s\n",
		       nft_legacy_comment_prefix(argv[0], argv[1], argv[2], prefix), argv[0],
		       argv[2], argv[1]);
		return 0;
	} else if (!strcmp(cmd, "bench")) {
		if (argc != 2)
			return usage();
		rc = bench((unsigned)atoi(argv[0]), (unsigned)atoi(argv[1]), &err);
	} else {
		return usage();
	}
	return rc < 0 ? fail(&err) : 0;
}
