/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conditionsV4 / conditionsV6: extra matches for the DNAT of a network, in
 * the reference's two notations. Its iptables backend appends them to
 * iptables options ("-s", "10.0.0.0/8"), its nftables backend to an
 * nftables rule ("ip", "saddr", "10.0.0.0/8"); a first token starting with
 * '-' (or "!" then such a token) means iptables, as there. We serve both from nftables, so we
 * accept what both can say and nftables can express per packet:
 *
 *   iptables:  [!] -s|--source|--src ADDR[/LEN]   [!] -d|--destination|--dst ADDR[/LEN]
 *              [!] -i|--in-interface NAME (NAME+ : prefix)
 *   nftables:  ip|ip6 saddr|daddr [==|!=] ADDR[/LEN]   iifname [==|!=] NAME ("NAME*": prefix)
 *
 * Anything else is code 7 naming the token. Tokens may be split over the
 * array's strings or not ("-s 10.0.0.1" as one string is fine).
 */
#define _GNU_SOURCE
#include "portmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/sha512.h"

#define MAX_TOKENS 64
#define SUPPORTED                                                                                  \
	"supported: [!] -s|-d ADDR[/LEN], [!] -i IFNAME; or nftables: ip|ip6 saddr|daddr [!=] "    \
	"ADDR[/LEN], iifname [!=] NAME"

struct toks {
	char *v[MAX_TOKENS];
	size_t n;
	char *buf;
};

static int tokenize(const cJSON *arr, const char *what, struct toks *t, struct cni_error *err)
{
	const cJSON *it;
	size_t len = 1;
	char *p;

	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it))
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "%s must be an array of strings", what);
		len += strlen(it->valuestring) + 1;
	}
	t->buf = malloc(len);
	if (!t->buf)
		return cni_error_oom(err);
	p = t->buf;
	cJSON_ArrayForEach(it, arr)
	{
		p = stpcpy(p, it->valuestring);
		*p++ = ' ';
	}
	*p = '\0';
	for (char *save = NULL, *tok = strtok_r(t->buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (t->n == MAX_TOKENS)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: too many tokens",
					     what);
		t->v[t->n++] = tok;
	}
	return 0;
}

static int unsupported(const char *what, const char *tok, struct cni_error *err)
{
	return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: unsupported condition \"%s\" (%s)",
			     what, tok, SUPPORTED);
}

static int parse_addr(const char *s, int family, const char *what, struct ip_net *out,
		      struct cni_error *err)
{
	char buf[IP_NET_STRLEN + 8];

	if (strchr(s, '/')) {
		if (ip_net_parse(s, out) < 0)
			goto bad;
	} else {
		snprintf(buf, sizeof(buf), "%s/%d", s, family == AF_INET ? 32 : 128);
		if (ip_net_parse(buf, out) < 0)
			goto bad;
	}
	if (out->ip.family != family)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s: \"%s\" is not an IPv%c address", what, s,
				     family == AF_INET ? '4' : '6');
	if (out->prefix == 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s: \"%s\" matches every address (leave it out)", what, s);
	return 0;
bad:
	return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: invalid address \"%s\"", what, s);
}

static int parse_ifname(const char *s, bool nft, const char *what, struct pm_cond *c,
			struct cni_error *err)
{
	size_t n = strlen(s);

	if (nft && n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(c->ifname) || memchr(s, '/', n) || memchr(s, '"', n))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s: invalid interface name \"%s\"", what, s);
	memcpy(c->ifname, s, n);
	c->ifname[n] = '\0';
	/* iptables' "eth+" is nftables' "eth*" */
	if (!nft && c->ifname[n - 1] == '+')
		c->ifname[n - 1] = '*';
	if (c->ifname[0] == '*')
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s: \"%s\" matches every interface (leave it out)", what, s);
	return 0;
}

static int parse_iptables(const struct toks *t, int family, const char *what, struct pm_conds *out,
			  struct cni_error *err)
{
	for (size_t i = 0; i < t->n;) {
		struct pm_cond c = {0};
		const char *opt;

		if (!strcmp(t->v[i], "!")) {
			c.neg = true;
			i++;
		}
		if (i >= t->n)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s: \"!\" at the end",
					     what);
		opt = t->v[i++];
		if (!strcmp(opt, "-s") || !strcmp(opt, "--source") || !strcmp(opt, "--src"))
			c.kind = PM_COND_SADDR;
		else if (!strcmp(opt, "-d") || !strcmp(opt, "--destination") ||
			 !strcmp(opt, "--dst"))
			c.kind = PM_COND_DADDR;
		else if (!strcmp(opt, "-i") || !strcmp(opt, "--in-interface"))
			c.kind = PM_COND_IIFNAME;
		else
			return unsupported(what, opt, err);
		if (i >= t->n)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "%s: \"%s\" needs a value", what, opt);
		if (strchr(t->v[i], ','))
			return unsupported(what, t->v[i], err);
		if (c.kind == PM_COND_IIFNAME ? parse_ifname(t->v[i], false, what, &c, err)
					      : parse_addr(t->v[i], family, what, &c.net, err))
			return -1;
		i++;
		if (out->n == PM_MAX_CONDS)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "%s: more than %d conditions", what, PM_MAX_CONDS);
		out->v[out->n++] = c;
	}
	return 0;
}

static int parse_nftables(const struct toks *t, int family, const char *what, struct pm_conds *out,
			  struct cni_error *err)
{
	const char *ipx = family == AF_INET ? "ip" : "ip6";

	for (size_t i = 0; i < t->n;) {
		struct pm_cond c = {0};
		const char *tok = t->v[i++];

		if (!strcmp(tok, ipx)) {
			if (i >= t->n)
				return unsupported(what, tok, err);
			tok = t->v[i++];
			if (!strcmp(tok, "saddr"))
				c.kind = PM_COND_SADDR;
			else if (!strcmp(tok, "daddr"))
				c.kind = PM_COND_DADDR;
			else
				return unsupported(what, tok, err);
		} else if (!strcmp(tok, "iifname")) {
			c.kind = PM_COND_IIFNAME;
		} else {
			return unsupported(what, tok, err);
		}
		if (i < t->n && (!strcmp(t->v[i], "!=") || !strcmp(t->v[i], "=="))) {
			c.neg = t->v[i][0] == '!';
			i++;
		}
		if (i >= t->n)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "%s: \"%s\" needs a value", what, tok);
		tok = t->v[i++];
		if (tok[0] == '{' || tok[0] == '@' || tok[0] == '$' || strchr(tok, '-') ||
		    strchr(tok, ','))
			return unsupported(what, tok, err);
		if (c.kind == PM_COND_IIFNAME ? parse_ifname(tok, true, what, &c, err)
					      : parse_addr(tok, family, what, &c.net, err))
			return -1;
		if (out->n == PM_MAX_CONDS)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "%s: more than %d conditions", what, PM_MAX_CONDS);
		out->v[out->n++] = c;
	}
	return 0;
}

/* 8 hex digits of sha512 over the canonical form of the conditions. */
static void conds_hash(struct pm_conds *c, int family)
{
	char canon[PM_MAX_CONDS * (IP_NET_STRLEN + 8) + 8], *p = canon;
	char s[IP_NET_STRLEN];
	char hex[129];

	p += sprintf(p, "%d", family == AF_INET ? 4 : 6);
	for (size_t i = 0; i < c->n; i++) {
		const struct pm_cond *k = &c->v[i];
		struct ip_net n;
		*p++ = ' ';
		*p++ = k->kind == PM_COND_SADDR ? 's' : k->kind == PM_COND_DADDR ? 'd' : 'i';
		*p++ = k->neg ? '!' : '=';
		if (k->kind == PM_COND_IIFNAME) {
			p = stpcpy(p, k->ifname);
		} else {
			ip_net_network(&k->net, &n);
			p = stpcpy(p, ip_net_format(&n, s));
		}
	}
	sha512_hex2(canon, NULL, 8, hex);
	memcpy(c->hash, hex, 8);
	c->hash[8] = '\0';
}

int pm_conds_parse(const cJSON *arr, int family, const char *what, struct pm_conds *out,
		   struct cni_error *err)
{
	struct toks t = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG, "%s must be an array of strings",
				     what);
	rc = tokenize(arr, what, &t, err);
	if (rc == 0 && t.n) {
		/* the reference decides by the first character ('-': iptables);
		 * "! -s ..." is iptables too (1.1.1 passed it to iptables) */
		out->nft_style =
		    !(t.v[0][0] == '-' || (!strcmp(t.v[0], "!") && t.n > 1 && t.v[1][0] == '-'));
		rc = out->nft_style ? parse_nftables(&t, family, what, out, err)
				    : parse_iptables(&t, family, what, out, err);
	}
	free(t.buf);
	if (rc < 0)
		return -1;
	if (out->n)
		conds_hash(out, family);
	return 0;
}
