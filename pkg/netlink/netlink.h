/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnetlink over libmnl: links (bridge, veth), bridge ports and VLANs,
 * addresses and routes. One request per call: build the message, send it,
 * read the answer and the ACK. A socket belongs to the netns it was opened
 * in, so a container is configured through its own socket without setns.
 *
 * Every function returns 0 (or a count) on success, or the kernel's
 * negative errno (e.g. -ENODEV, -EEXIST) with err filled: CNI_ERR_NETLINK,
 * a message naming the object ("failed to create veth veth1a2b3c4d: File
 * exists") and strerror (plus the kernel's extended ACK) in details.
 */
#ifndef CNI_NETLINK_H
#define CNI_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cni/error.h"
#include "ip/ipnet.h"

#define NL_IFNAMSIZ 16 /* IFNAMSIZ, with the NUL */

struct nl_sock;

/* A socket in the current netns. */
int nl_open(struct nl_sock **out, struct cni_error *err);
/* A socket in the netns netns_fd refers to (entered and left again). */
int nl_open_netns(int netns_fd, struct nl_sock **out, struct cni_error *err);
void nl_close(struct nl_sock *nl);
static inline void cleanup_nlp(struct nl_sock **nl)
{
	if (*nl)
		nl_close(*nl);
}
#define cleanup_nl __attribute__((cleanup(cleanup_nlp)))

/* ---- links ---- */

struct nl_link {
	int index;
	char name[NL_IFNAMSIZ];
	char kind[16];	     /* IFLA_INFO_KIND ("bridge", "veth"); "" if none */
	char slave_kind[16]; /* IFLA_INFO_SLAVE_KIND ("bridge" for a port) */
	unsigned int flags;  /* IFF_* */
	int mtu;
	uint8_t mac[6];
	int mac_len;	       /* 0: no hardware address */
	int master;	       /* ifindex, 0: none */
	int link;	       /* IFLA_LINK: a veth's peer ifindex (maybe in another netns) */
	int link_netnsid;      /* -1: the peer is in this netns */
	int operstate;	       /* IF_OPER_* */
	int promiscuity;       /* IFLA_PROMISCUITY counter */
	int br_vlan_filtering; /* bridge: 0/1; -1 unknown */
	int br_default_pvid;   /* bridge: 0 disabled; -1 unknown */
	int port_hairpin;      /* bridge port: 0/1; -1 unknown */
	int port_isolated;     /* bridge port: 0/1; -1 unknown */
	int ipv6_accept_ra;    /* net.ipv6.conf.<link>.accept_ra; -1 unknown */
};

/* By name (index 0) or by index (name NULL). -ENODEV when there is none. */
int nl_link_get(struct nl_sock *nl, const char *name, int index, struct nl_link *out,
		struct cni_error *err);

struct nl_bridge_opts {
	const char *name;
	int mtu;	     /* 0: kernel default (only applied on creation) */
	const uint8_t *mac;  /* the MAC to create it with (a set MAC never follows
				the ports); NULL: the kernel's choice */
	bool promisc;	     /* set IFF_PROMISC (never cleared) */
	bool vlan_filtering; /* turn IFLA_BR_VLAN_FILTERING on (never off) */
};
/* Create the bridge up if it is missing (a parallel creator's EEXIST is
 * fine), or bring an existing one to the options; a link of that name that
 * is not a bridge is an error (-EEXIST). *out gets the bridge's state,
 * *created (may be NULL) whether this call made it. */
int nl_bridge_ensure(struct nl_sock *nl, const struct nl_bridge_opts *o, struct nl_link *out,
		     bool *created, struct cni_error *err);

struct nl_veth_opts {
	const char *name;	 /* this end, in nl's netns */
	const char *peer_name;	 /* the other end */
	int peer_netns_fd;	 /* the peer's netns; -1: nl's netns */
	int mtu;		 /* both ends; 0: kernel default */
	const uint8_t *peer_mac; /* NULL: random */
	int master;		 /* enslave this end to that ifindex; 0: no */
	bool up;		 /* this end up */
};
/* One RTM_NEWLINK for the pair. The peer stays down (the kernel cannot open
 * it before the pair is linked): set it up through its netns' socket.
 * -EEXIST: a name is taken, on either side. */
int nl_veth_create(struct nl_sock *nl, const struct nl_veth_opts *o, struct cni_error *err);

struct nl_link_change {
	int up;		    /* -1 keep, 0 down, 1 up */
	int promisc;	    /* -1 keep, 0 off, 1 on */
	int mtu;	    /* 0 keep */
	int master;	    /* -1 keep, 0 release, >0 enslave to that ifindex */
	const uint8_t *mac; /* NULL keep */
};
#define NL_LINK_CHANGE_INIT                                                                        \
	{                                                                                          \
		.up = -1, .promisc = -1, .mtu = 0, .master = -1, .mac = NULL                       \
	}
/* name is only for messages. */
int nl_link_change(struct nl_sock *nl, int index, const char *name, const struct nl_link_change *c,
		   struct cni_error *err);
int nl_link_set_up(struct nl_sock *nl, int index, const char *name, struct cni_error *err);
/* net.ipv4.conf.<link>.<key> = value, by netlink (IPV4_DEVCONF_* key):
 * no /proc/sys lookup, whose cost grows with the number of netns. */
int nl_link_set_ipv4_conf(struct nl_sock *nl, int index, const char *name, int key, uint32_t value,
			  struct cni_error *err);
/* The netns-wide forwarding switch (net.ipv4.ip_forward or
 * net.ipv6.conf.all.forwarding) by RTM_GETNETCONF. */
int nl_forwarding_get(struct nl_sock *nl, int family, int *value, struct cni_error *err);
/* By index, or by name when index is 0. -ENODEV when already gone. */
int nl_link_del(struct nl_sock *nl, int index, const char *name, struct cni_error *err);

/* ---- bridges and their ports ---- */

/* VLANs min..max (min == max: one) with BRIDGE_VLAN_INFO_PVID/_UNTAGGED. */
struct nl_vlan {
	uint16_t min, max;
	uint16_t flags;
};

struct nl_port_opts {
	int hairpin;		     /* IFLA_BRPORT_MODE: -1 keep, 0, 1 */
	int isolated;		     /* IFLA_BRPORT_ISOLATED: -1 keep, 0, 1 */
	const struct nl_vlan *vlans; /* added to the port */
	size_t n_vlans;
};
/* Port attributes and VLANs of a bridge port (AF_BRIDGE RTM_SETLINK). */
int nl_bridge_port_set(struct nl_sock *nl, int index, const char *name,
		       const struct nl_port_opts *o, struct cni_error *err);
int nl_bridge_vlan_del(struct nl_sock *nl, int index, const char *name, const struct nl_vlan *v,
		       size_t n, struct cni_error *err);

/* ---- addresses ---- */

struct nl_addr {
	int ifindex;
	struct ip_net addr; /* IFA_LOCAL (IPv4) / IFA_ADDRESS, with the prefix */
	unsigned int flags; /* IFA_F_* (IFA_FLAGS) */
	int scope;
};

/* flags: IFA_F_NODAD... IPv4 prefixes < 31 get the broadcast address. */
int nl_addr_add(struct nl_sock *nl, int ifindex, const char *ifname, const struct ip_net *a,
		unsigned int flags, struct cni_error *err);
int nl_addr_del(struct nl_sock *nl, int ifindex, const char *ifname, const struct ip_net *a,
		struct cni_error *err);
/* Addresses of ifindex (0: all links), family AF_INET/AF_INET6/AF_UNSPEC. */
int nl_addr_list(struct nl_sock *nl, int ifindex, int family, struct nl_addr **out, size_t *n,
		 struct cni_error *err);

/* ---- routes ---- */

struct nl_route {
	struct ip_net dst; /* prefix 0: default route */
	struct ip_addr gw; /* family 0: none */
	int oif;	   /* 0: none */
	int table;	   /* 0: main */
	int priority;	   /* 0: none */
	int mtu;	   /* RTAX_MTU; 0: none */
	int advmss;	   /* RTAX_ADVMSS; 0: none */
	int scope;	   /* RT_SCOPE_*; -1: universe (link when listing shows it) */
	int type;	   /* RTN_*; 0: unicast */
	int protocol;	   /* RTPROT_*; 0: boot */
};
#define NL_ROUTE_INIT                                                                              \
	{                                                                                          \
		.scope = -1                                                                        \
	}

/* RTM_NEWROUTE with NLM_F_CREATE (an identical route: -EEXIST). */
int nl_route_add(struct nl_sock *nl, const struct nl_route *r, struct cni_error *err);
/* The interface the route to dst goes out of (RTM_GETROUTE, as `ip route
 * get`); *oif 0 when the answer names none. -ENETUNREACH... with err. */
int nl_route_get(struct nl_sock *nl, const struct ip_addr *dst, int *oif, struct cni_error *err);
/* Routes of family in table (0: main, -1: all), through oif (0: any). */
int nl_route_list(struct nl_sock *nl, int family, int table, int oif, struct nl_route **out,
		  size_t *n, struct cni_error *err);

/* ---- conntrack (ctnetlink, conntrack.c) ---- */

/* Remove the conntrack entries of family (AF_INET/AF_INET6) whose original
 * tuple has protocol proto and destination port port (a dump of the
 * family's table, filtered here). Returns how many were removed, or
 * -errno with err set. */
int nl_conntrack_del_dport(int family, uint8_t proto, uint16_t port, struct cni_error *err);

#endif
