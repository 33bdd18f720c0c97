/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cni-bench: time two implementations of the bridge + host-local CNI
 * plugins (the reference Go ones and ours) the way a container runtime
 * drives them: posix_spawn of the plugin with CNI_* in its environment,
 * the network config on a stdin pipe, its result read from a stdout pipe,
 * the clock read before the spawn and after the reap (wait4, which also
 * gives ru_maxrss of the plugin and of the IPAM plugin it ran).
 *
 * Isolation: every implementation runs in its own runner process, which
 * unshares a fresh network namespace (the "host" of the benchmark: the
 * bridge, the host ends of the veths, the iptables/nftables state and the
 * sysctls all live there) and a private mount namespace (a sysfs of that
 * netns on /sys, and the bind mounts that pin each container's netns).
 * Nothing the plugins do reaches the real host; when a runner exits, all of
 * it is gone. The IPAM dataDirs are under the --tmp directory (removed by
 * scripts/bench).
 *
 * Fairness: the coordinator (this process) asks the two runners for one
 * operation, or one batch, at a time and alternates which implementation
 * goes first, so machine noise lands on both. Only one plugin tree runs at
 * a time, except in the throughput phase (--par callers of the same
 * implementation at once).
 *
 * Phases: warmup (untimed ADD+DEL); sequential ADD+DEL latency; host-local
 * run alone; throughput with --par callers; scale: at each --scale level
 * (that many containers already on each runner's bridge, measured
 * --fill-settle-s after the fill), ADD+DEL pairs interleaved with a
 * "kernel floor" with no plugin at all: the runner itself sends the link
 * requests our ADD makes (one RTM_NEWLINK creating a veth pair, host end
 * enslaved to the bridge and up, peer made in a container netns; one
 * RTM_NEWLINK there setting the peer up; RTM_GETLINK of the host end until
 * it is up) and the one our DEL makes (an RTM_DELLINK of the peer), timed
 * from the first send to the last answer. It shows how much of the growth
 * with the number of ports is the kernel's.
 *
 * Usage: see usage() below; scripts/bench builds and runs this.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

extern char **environ;

#define REF 0
#define OURS 1
#define NIMPL 2
static const char *impl_key[NIMPL] = {"reference", "ours"};

#define BRIDGE_NAME "cnibench0"
#define NET_NAME "benchnet"
#define SUBNET "10.88.0.0/16"
/* A plugin process still running after this is killed, and that
 * implementation gets no more calls (its remaining ones count as failed):
 * a hung plugin makes the run fail fast instead of never ending. Generous:
 * the reference's portmap, 8 at once at 1,000 mappings, queues on the
 * xtables lock for many seconds on a busy 2-core machine. */
#define OP_TIMEOUT_NS (120LL * 1000000000LL)

/* ------------------------------------------------------------------ */
/* options */

static struct {
	const char *dir[NIMPL]; /* CNI_PATH of each implementation */
	const char *tmp;	/* scratch dir (netns files, dataDirs, logs) */
	int n;			/* sequential samples (ADD and DEL) per impl */
	int warmup;		/* untimed ADD+DEL pairs per impl first */
	int par;		/* parallel callers in the throughput phase */
	int tput_ops;		/* containers per throughput round */
	int rounds;		/* throughput rounds per impl */
	int scale[16];		/* existing containers on the bridge */
	int nscale;
	int scale_n;	    /* samples per scale level */
	int rss_n;	    /* host-local-alone ADDs for its RSS */
	int settle_ms;	    /* pause before each timed sequential call */
	int fill_settle_s;  /* pause after filling a scale level */
	int node_conntrack; /* conntrack in use in each runner's host netns */
	int order;	    /* which goes first in a pair round: -1 alternate, else impl */
	int json;
	const char *json_out;	/* also write the JSON here */
	const char *label;	/* free text shown in the header */
	const char *exec_floor; /* an empty program linked as our plugins */
	int bridge, chain;	/* which parts run */
	const char *cri;	/* the CRI figure's samples (scripts/cri-bench) */
	const char *cri_skip;	/* why there is none */
} opt = {
    .bridge = 1,
    .chain = 1,
    .dir = {"/usr/lib/cni", NULL},
    .n = 200,
    .warmup = 5,
    .par = 8,
    .tput_ops = 160,
    .rounds = 3,
    .scale = {0, 250, 1000},
    .nscale = 3,
    .scale_n = 50,
    .fill_settle_s = 15,
    .order = -1,
    .rss_n = 10,
};

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "cni-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static int64_t now_ns(void);
static int64_t t_begin;

static void progress(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "[bench %5.1fs] ", (now_ns() - t_begin) / 1e9);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		die("out of memory");
	return p;
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write: %s", strerror(errno));
		p += w;
		len -= (size_t)w;
	}
}

static void read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t r = read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("a runner died (read: %s)", r ? strerror(errno) : "EOF");
		p += r;
		len -= (size_t)r;
	}
}

/* ------------------------------------------------------------------ */
/* coordinator <-> runner protocol */

/* OP_KFLOOR_ADD/DEL: no plugin, the runner's own link requests (see
 * kfloor_create() and kfloor_delete()); OP_KNFT_ADD/DEL: its own nftables
 * element add and delete (knft_add(), knft_del()); OP_EXEC_FLOOR: an empty
 * program linked as our plugins are, spawned as a plugin is; OP_CHAIN_*:
 * loopback, then bridge (+ host-local) and portmap, as containerd runs
 * them; OP_KNFT_FILL: untimed, the kernel-floor map filled to a level;
 * OP_FCHAIN_*: the chain with portmap's place taken by its floor, the
 * empty program, then (ADD) the read of route_localnet portmap makes and
 * the runner's own element add (or delete), so the
 * floor is measured where portmap runs: right after the bridge's ADD (or
 * the loopback's DEL), with the kernel still at work on their links. */
enum op {
	OP_ADD,
	OP_DEL,
	OP_IPAM_ADD,
	OP_IPAM_DEL,
	OP_KFLOOR_ADD,
	OP_KFLOOR_DEL,
	OP_QUIT,
	OP_CHAIN_ADD,
	OP_CHAIN_DEL,
	OP_EXEC_FLOOR,
	OP_KNFT_ADD,
	OP_KNFT_DEL,
	OP_KNFT_FILL,
	OP_FCHAIN_ADD,
	OP_FCHAIN_DEL,
};
static const char *op_name[] = {
    "ADD",	"DEL", "ADD", "DEL",  "link create",	 "link delete",
    "QUIT",	"ADD", "DEL", "exec", "nft element add", "nft element delete",
    "nft fill", "ADD", "DEL"};

/* the chain's steps, in the order they run */
#define NSTEPS 3
static const char *chain_add_step[NSTEPS] = {"loopback", "bridge", "portmap"};
static const char *chain_del_step[NSTEPS] = {"loopback", "portmap", "bridge"};
/* the chain's step index of portmap in an ADD and in a DEL */
#define PM_ADD 2
#define PM_DEL 1
#define HOST_PORT_BASE 20000 /* the chain's hostPort: base + slot */

struct req {
	int op;
	int first; /* first container slot */
	int count; /* slots first .. first+count-1 */
	int par;   /* at most this many plugin trees at once */
};

struct sample {
	int64_t ns;	/* spawn .. reap (and stdout EOF) */
	long maxrss_kb; /* wait4 ru_maxrss: the plugin or its largest child */
	int ok;
	int64_t step_ns[NSTEPS]; /* a chain's: each plugin's spawn .. reap */
};

struct rep {
	int64_t wall_ns; /* first spawn .. last reap */
	int nfail;
};

/* ------------------------------------------------------------------ */
/* runner: one per implementation, in its own netns + mount ns */

struct slot {
	char *cid;
	char *result;	 /* stdout of the last successful ADD: DEL's prevResult */
	char *lo_result; /* a chain's: loopback's, for its DEL */
	int has_ns;
};

static struct {
	int impl;
	char *dir;		  /* tmp/<impl> */
	char *plugin;		  /* <CNI_PATH>/bridge */
	char *ipam;		  /* <CNI_PATH>/host-local */
	char *loopback, *portmap; /* the chain's (ours: the reference's if we ship none) */
	char *conf;		  /* the network config (no prevResult) */
	char *lo_conf;		  /* the loopback network's, as go-cni writes it */
	int hostfd;		  /* the benchmark's host netns */
	int errfd;		  /* plugins' stderr */
	struct slot *slots;
	int nslots;
	unsigned long seq;
	int logged;
	int broken;	 /* a call timed out */
	int kf_ready;	 /* the kernel-floor netns and sockets are open */
	int kf_nsfd;	 /* the kernel-floor container netns */
	int kf_host_nl;	 /* rtnetlink sockets in the host netns ... */
	int kf_ns_nl;	 /* ... and in the kernel-floor container netns */
	unsigned kf_seq; /* netlink sequence numbers */
	int kn_ready;	 /* the kernel-floor nftables table exists */
	int kn_nl;	 /* a netfilter netlink socket in the host netns */
	int kn_have;	 /* elements in its map */
} R;

static char *ns_path(int slot)
{
	return xasprintf("%s/ns/c%d", R.dir, slot);
}

/* A new container netns pinned by a bind mount on tmp/<impl>/ns/c<slot>,
 * as `ip netns add` does, without the fork+exec. */
static void ensure_netns(int slot)
{
	if (R.slots[slot].has_ns)
		return;
	char *p = ns_path(slot);
	int fd = open(p, O_CREAT | O_RDONLY | O_CLOEXEC, 0444);
	if (fd < 0)
		die("%s: %s", p, strerror(errno));
	close(fd);
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWNET): %s", strerror(errno));
	if (mount("/proc/thread-self/ns/net", p, NULL, MS_BIND, NULL) < 0)
		die("bind mount %s: %s", p, strerror(errno));
	if (setns(R.hostfd, CLONE_NEWNET) < 0)
		die("setns(host): %s", strerror(errno));
	R.slots[slot].has_ns = 1;
	free(p);
}

static void link_up(const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS %s: %s", name, strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS %s: %s", name, strerror(errno));
	close(s);
}

static void mkdir_p(const char *p)
{
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		die("mkdir %s: %s", p, strerror(errno));
}

struct job {
	pid_t pid;
	int pidfd, outfd;
	int exited, eof;
	int status;
	struct rusage ru;
	int64_t t0;	/* the job's (a chain's first plugin's) spawn */
	int64_t t_step; /* this process's spawn */
	int op, step;
	int slot, idx;
	char *out;
	size_t len, cap;
	char *cid;		   /* for ADD: becomes the slot's on success */
	char *lo_out, *bridge_out; /* a chain ADD's results so far */
	int64_t step_ns[NSTEPS];
};

static int is_chain(int op)
{
	return op == OP_CHAIN_ADD || op == OP_CHAIN_DEL || op == OP_FCHAIN_ADD ||
	       op == OP_FCHAIN_DEL;
}

static int is_chain_add(int op)
{
	return op == OP_CHAIN_ADD || op == OP_FCHAIN_ADD;
}

static int is_floor_chain(int op)
{
	return op == OP_FCHAIN_ADD || op == OP_FCHAIN_DEL;
}

/* conf with prev as its prevResult (as libcni hands on the previous
 * plugin's result, and the cached result for DEL); conf as is if none */
static char *with_prev(const char *conf, const char *prev)
{
	if (!prev)
		return xstrdup(conf);
	size_t l = strlen(conf);
	return xasprintf("%.*s,\"prevResult\":%s}", (int)(l - 1), conf, prev);
}

/* the portmap entry of the conflist as libcni hands it over: name and
 * cniVersion of the list, the portMappings capability's runtimeConfig
 * (one mapping, a host port of this slot's own). The keys as containerd
 * 1.6 sends them: go-cni's PortMapping has no JSON tags, so they are Go's
 * field names (the reference, decoding with Go, matches keys without
 * regard to case). */
static char *portmap_conf(int slot, const char *prev)
{
	char *c = xasprintf("{\"cniVersion\":\"1.0.0\",\"name\":\"" NET_NAME "\","
			    "\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true},"
			    "\"runtimeConfig\":{\"portMappings\":[{\"HostPort\":%d,"
			    "\"ContainerPort\":80,\"Protocol\":\"tcp\",\"HostIP\":\"\"}]}}",
			    HOST_PORT_BASE + slot);
	char *r = with_prev(c, prev);
	free(c);
	return r;
}

/* Start one plugin process for job j: CNI_* in its environment, conf on
 * its stdin (fits in the pipe: never blocks; a plugin that exits unread:
 * EPIPE), stdout to a pipe read by run_batch(). */
static void spawn_proc(struct job *j, const char *bin, const char *cmd, const char *ifname,
		       const char *conf, int chain)
{
	int in[2], out[2];
	char *nsp = ns_path(j->slot);
	char *envp[] = {
	    xasprintf("CNI_COMMAND=%s", cmd),
	    xasprintf("CNI_CONTAINERID=%s", j->cid),
	    xasprintf("CNI_NETNS=%s", nsp),
	    xasprintf("CNI_IFNAME=%s", ifname),
	    xasprintf("CNI_PATH=%s", opt.dir[R.impl]),
	    xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
	    /* containerd's CRI: the pod's labels, as go-cni passes them */
	    chain ? xasprintf("CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;"
			      "K8S_POD_NAME=pod-%d;K8S_POD_INFRA_CONTAINER_ID=%s;"
			      "K8S_POD_UID=%08x-%d",
			      j->slot, j->cid, (unsigned)getpid(), j->slot)
		  : NULL,
	    NULL,
	};
	char *argv[] = {(char *)bin, NULL};

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, R.errfd, 2);

	j->exited = j->eof = 0;
	j->out = NULL;
	j->len = j->cap = 0;
	j->t_step = now_ns();
	int rc = posix_spawn(&j->pid, bin, &fa, NULL, argv, envp);
	if (rc)
		die("spawn %s: %s", bin, strerror(rc));
	close(in[0]);
	close(out[1]);
	const char *c = conf;
	size_t left = strlen(conf);
	while (left) {
		ssize_t w = write(in[1], c, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		c += w;
		left -= (size_t)w;
	}
	close(in[1]);
	j->outfd = out[0];
	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	if (j->pidfd < 0)
		die("pidfd_open: %s", strerror(errno));

	posix_spawn_file_actions_destroy(&fa);
	for (char **e = envp; *e; e++)
		free(*e);
	free(nsp);
}

/* A chain's step: ADD loopback, bridge, portmap (each with the previous
 * one's result as prevResult, loopback being a network of its own); DEL
 * loopback, then the conflist in reverse, portmap and bridge, with the
 * cached results (go-cni's Remove: the networks in order). */
static void spawn_step(struct job *j)
{
	struct slot *s = &R.slots[j->slot];
	const char *cmd = is_chain_add(j->op) ? "ADD" : "DEL";
	const char *name = (is_chain_add(j->op) ? chain_add_step : chain_del_step)[j->step];
	char *conf;
	const char *bin, *ifname = "eth0";
	if (!strcmp(name, "loopback")) {
		bin = R.loopback;
		ifname = "lo";
		conf = with_prev(R.lo_conf, !is_chain_add(j->op) ? s->lo_result : NULL);
	} else if (!strcmp(name, "bridge")) {
		bin = R.plugin;
		conf = with_prev(R.conf, !is_chain_add(j->op) ? s->result : NULL);
	} else {
		bin = is_floor_chain(j->op) ? opt.exec_floor : R.portmap;
		conf = portmap_conf(j->slot, is_chain_add(j->op) ? j->bridge_out : s->result);
	}
	spawn_proc(j, bin, cmd, ifname, conf, 1);
	free(conf);
}

static void spawn_job(struct job *j, int op, int slot)
{
	struct slot *s = &R.slots[slot];
	memset(j, 0, sizeof *j);
	j->slot = slot;
	j->op = op;
	if (op == OP_ADD || op == OP_IPAM_ADD || is_chain_add(op) || op == OP_EXEC_FLOOR ||
	    !s->cid) {
		/* 64 hex digits, like containerd/CRI-O sandbox ids */
		j->cid = xasprintf("%02x%014lx%048x", R.impl, ++R.seq, (unsigned)getpid());
	} else {
		j->cid = xstrdup(s->cid);
	}
	j->t0 = now_ns();
	if (is_chain(op)) {
		spawn_step(j);
		return;
	}
	/* as libcni does for DEL: the cached ADD result as prevResult */
	char *conf = with_prev(R.conf, op == OP_DEL ? s->result : NULL);
	const char *bin = op == OP_IPAM_ADD || op == OP_IPAM_DEL ? R.ipam
			  : op == OP_EXEC_FLOOR			 ? opt.exec_floor
								 : R.plugin;
	spawn_proc(j, bin, op_name[op], "eth0", conf, 0);
	free(conf);
}

static void job_read(struct job *j)
{
	if (j->cap - j->len < 4096) {
		j->cap = j->cap ? j->cap * 2 : 8192;
		j->out = realloc(j->out, j->cap);
		if (!j->out)
			die("out of memory");
	}
	ssize_t r = read(j->outfd, j->out + j->len, j->cap - j->len - 1);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		j->eof = 1;
		close(j->outfd);
		return;
	}
	j->len += (size_t)r;
}

/* the process of j succeeded (an ADD of the bridge: with addresses) */
static int proc_ok(struct job *j, int add_with_ips)
{
	int ok = WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0;
	if (j->out)
		j->out[j->len] = 0;
	if (ok && add_with_ips && (!j->out || !strstr(j->out, "\"ips\"")))
		ok = 0; /* a result without addresses is not a success here */
	return ok;
}

static char *steal_str(char **p)
{
	char *v = *p;
	*p = NULL;
	return v;
}

static int knft_elem(int add, struct sample *smp);
static void knft_setup(void);

/* the time of one read of a /proc/sys file (its path looked up afresh) */
static int64_t sysctl_read_ns(const char *path)
{
	char buf[16];
	int64_t t0 = now_ns();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof buf) < 0)
			buf[0] = 0;
		close(fd);
	}
	return now_ns() - t0;
}

/* stdout of j without trailing blanks; j no longer owns it */
static char *take_out(struct job *j)
{
	char *o = j->out;
	size_t l = j->len;
	if (!o)
		return NULL;
	while (l && (o[l - 1] == '\n' || o[l - 1] == ' ' || o[l - 1] == '\r'))
		l--;
	o[l] = 0;
	j->out = NULL;
	j->len = j->cap = 0;
	return o;
}

/* A chain's process has ended: if it succeeded and another step follows,
 * start that one and return 1 (the job goes on); else 0 (it is over). */
static int chain_next(struct job *j)
{
	if (!is_chain(j->op))
		return 0;
	const char *name = (is_chain_add(j->op) ? chain_add_step : chain_del_step)[j->step];
	j->step_ns[j->step] = now_ns() - j->t_step;
	int floor = is_floor_chain(j->op) && !strcmp(name, "portmap");
	int ok = proc_ok(j, is_chain_add(j->op) && strcmp(name, "loopback") && !floor);
	if (ok && floor) {
		/* the floor's second half: for an ADD the read of the bridge's
		 * route_localnet that portmap makes (the cost of a /proc/sys path
		 * grows with the netns that have looked at theirs), then the
		 * kernel's element add (delete) */
		struct sample e = {0};
		if (is_chain_add(j->op))
			j->step_ns[j->step] += sysctl_read_ns("/proc/sys/net/ipv4/conf/" BRIDGE_NAME
							      "/route_localnet");
		ok = knft_elem(is_chain_add(j->op), &e);
		j->step_ns[j->step] += e.ns;
		if (!ok)
			j->status = W_EXITCODE(1, 0);
	}
	if (!ok || j->step == NSTEPS - 1)
		return 0;
	if (is_chain_add(j->op) && !strcmp(name, "loopback"))
		j->lo_out = take_out(j);
	else if (is_chain_add(j->op) && !strcmp(name, "bridge"))
		j->bridge_out = take_out(j);
	free(j->out);
	j->out = NULL;
	close(j->pidfd);
	j->step++;
	spawn_step(j);
	return 1;
}

/* A finished job: keep the ADD result for the DEL, report failures. */
static int job_finish(struct job *j, int op, struct sample *smp)
{
	struct slot *s = &R.slots[j->slot];
	int add = op == OP_ADD || is_chain_add(op);
	/* a floor chain ends with the empty program: the bridge's result is
	 * the one with addresses */
	int ok = proc_ok(j, add && !is_floor_chain(op)) && (!is_chain(op) || j->step == NSTEPS - 1);
	smp->ok = ok;
	smp->maxrss_kb = j->ru.ru_maxrss;
	memcpy(smp->step_ns, j->step_ns, sizeof smp->step_ns);
	if (!ok && R.logged++ < 5) {
		char st[64];
		if (WIFEXITED(j->status))
			snprintf(st, sizeof st, "exit %d", WEXITSTATUS(j->status));
		else
			snprintf(st, sizeof st, "signal %d", WTERMSIG(j->status));
		const char *who = op == OP_IPAM_ADD || op == OP_IPAM_DEL ? "host-local"
				  : op == OP_EXEC_FLOOR			 ? "exec floor"
				  : is_chain_add(op)			 ? chain_add_step[j->step]
				  : is_chain(op)			 ? chain_del_step[j->step]
									 : "bridge";
		fprintf(stderr, "cni-bench: %s %s%s %s failed (%s): %.600s\n", impl_key[R.impl],
			is_chain(op) ? "chain: " : "", who, op_name[op], st, j->out ? j->out : "");
	}
	if (add) {
		/* even a failed ADD is DEL'd later (as a runtime does), by id */
		free(s->cid);
		s->cid = j->cid;
		j->cid = NULL;
		free(s->result);
		free(s->lo_result);
		s->result = s->lo_result = NULL;
		if (ok) {
			s->result = is_floor_chain(op) ? steal_str(&j->bridge_out) : take_out(j);
			s->lo_result = j->lo_out;
			j->lo_out = NULL;
		}
	} else if (op == OP_DEL || (is_chain(op) && !is_chain_add(op))) {
		free(s->result);
		free(s->lo_result);
		s->result = s->lo_result = NULL;
	} else if (op == OP_IPAM_ADD) {
		free(s->cid);
		s->cid = j->cid;
		j->cid = NULL;
	}
	free(j->out);
	free(j->cid);
	free(j->lo_out);
	free(j->bridge_out);
	close(j->pidfd);
	return ok;
}

/* Run op on slots [first, first+count) with at most par at once. */
static void run_batch(const struct req *rq, struct sample *smp, struct rep *rp)
{
	int par = rq->par < 1 ? 1 : rq->par;
	struct job *jobs = xmalloc(sizeof *jobs * (size_t)par);
	struct pollfd *pfd = xmalloc(sizeof *pfd * (size_t)par * 2);
	int *pfd_job = xmalloc(sizeof *pfd_job * (size_t)par * 2);
	int inflight = 0, next = 0, done = 0;

	for (int i = 0; i < rq->count; i++)
		ensure_netns(rq->first + i); /* untimed */
	if (is_floor_chain(rq->op))
		knft_setup(); /* untimed */
	memset(rp, 0, sizeof *rp);
	int64_t t_start = now_ns();
	while (done < rq->count) {
		while (R.broken && inflight == 0 && next < rq->count) {
			smp[next++] = (struct sample){.ok = 0};
			rp->nfail++;
			done++;
		}
		while (!R.broken && inflight < par && next < rq->count) {
			spawn_job(&jobs[inflight], rq->op, rq->first + next);
			jobs[inflight].idx = next;
			inflight++;
			next++;
		}
		if (!inflight)
			continue;
		int np = 0;
		for (int i = 0; i < inflight; i++) {
			if (!jobs[i].eof) {
				pfd[np] = (struct pollfd){.fd = jobs[i].outfd, .events = POLLIN};
				pfd_job[np++] = i;
			}
			if (!jobs[i].exited) {
				pfd[np] = (struct pollfd){.fd = jobs[i].pidfd, .events = POLLIN};
				pfd_job[np++] = i;
			}
		}
		int r = poll(pfd, (nfds_t)np, 1000);
		if (r < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		for (int k = 0; r > 0 && k < np; k++) {
			if (!pfd[k].revents)
				continue;
			struct job *j = &jobs[pfd_job[k]];
			if (pfd[k].fd == j->outfd && !j->eof) {
				job_read(j);
			} else if (pfd[k].fd == j->pidfd && !j->exited) {
				if (wait4(j->pid, &j->status, WNOHANG, &j->ru) == j->pid)
					j->exited = 1;
			}
		}
		int64_t t = now_ns();
		for (int i = 0; i < inflight; i++) {
			struct job *j = &jobs[i];
			if (!(j->exited && j->eof) && t - j->t_step > OP_TIMEOUT_NS) {
				fprintf(stderr,
					"cni-bench: %s %s%s still running after %llds: killed; "
					"no more calls to %s\n",
					impl_key[R.impl], is_chain(rq->op) ? "chain " : "",
					op_name[rq->op], OP_TIMEOUT_NS / 1000000000LL,
					impl_key[R.impl]);
				R.broken = 1;
				if (!j->exited) {
					kill(j->pid, SIGKILL);
					wait4(j->pid, &j->status, 0, &j->ru);
					j->exited = 1;
				}
				if (!j->eof) {
					j->eof = 1;
					close(j->outfd);
				}
				j->status =
				    W_EXITCODE(255, 0); /* a failure even if it had exited */
			}
			if (!(j->exited && j->eof))
				continue;
			if (!R.broken && chain_next(j))
				continue; /* its next plugin runs */
			struct sample *sp = &smp[j->idx];
			sp->ns = t - j->t0;
			if (!job_finish(j, rq->op, sp))
				rp->nfail++;
			jobs[i] = jobs[--inflight];
			i--;
			done++;
		}
	}
	rp->wall_ns = now_ns() - t_start;
	free(jobs);
	free(pfd);
	free(pfd_job);
}

/* ---- kernel floor: the link requests of our ADD and DEL, no plugin ---- */

#ifndef IF_OPER_UP
#define IF_OPER_UP 6 /* linux/if.h, which clashes with net/if.h */
#endif
#define KF_HOST "kfloor0" /* host end of the veth, on the bridge */
#define KF_PEER "kfeth0"  /* container end, made in the kernel-floor netns */

struct nlbuf {
	struct nlmsghdr h;
	struct ifinfomsg ifi;
	char attrs[512];
};

/* an attribute appended to message h, which has room bytes from h on */
static struct rtattr *attr_put(struct nlmsghdr *h, size_t room, int type, const void *data,
			       size_t len)
{
	size_t off = NLMSG_ALIGN(h->nlmsg_len);
	if (off + RTA_SPACE(len) > room)
		die("netlink request too large");
	struct rtattr *a = (struct rtattr *)((char *)h + off);
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return a;
}

static struct rtattr *nl_put(struct nlbuf *m, int type, const void *data, size_t len)
{
	return attr_put((struct nlmsghdr *)(void *)m, sizeof *m, type, data,
			len); /* m->h heads m */
}

static void nl_put_u32(struct nlbuf *m, int type, uint32_t v)
{
	nl_put(m, type, &v, sizeof v);
}

static void nl_put_str(struct nlbuf *m, int type, const char *v)
{
	nl_put(m, type, v, strlen(v) + 1);
}

static void nl_nest_end(struct nlbuf *m, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)m + m->h.nlmsg_len - (char *)nest);
}

/* an RTM_*LINK request: header and ifinfomsg, attributes to follow */
static void nl_link_req(struct nlbuf *m, int type, int flags, unsigned ifi_flags)
{
	memset(m, 0, sizeof *m);
	m->h.nlmsg_len = NLMSG_LENGTH(sizeof m->ifi);
	m->h.nlmsg_type = (uint16_t)type;
	m->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	m->ifi.ifi_family = AF_UNSPEC;
	m->ifi.ifi_flags = ifi_flags;
	m->ifi.ifi_change = ifi_flags;
}

/* Send one request and wait for its ACK: 0, or a negative errno. An
 * RTM_NEWLINK answered before the ACK (a GETLINK's) sets *operstate. */
static int nl_talk_oper(int fd, struct nlbuf *m, int *operstate)
{
	static char buf[16384];
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	m->h.nlmsg_seq = ++R.kf_seq;
	if (sendto(fd, m, m->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
		return -errno;
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof buf, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno; /* EAGAIN: no answer within OP_TIMEOUT_NS */
		size_t left = (size_t)r;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq == m->h.nlmsg_seq && h->nlmsg_type == RTM_NEWLINK &&
			    operstate && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg))) {
				struct ifinfomsg *ifi = NLMSG_DATA(h);
				int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *ifi));
				for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, alen);
				     a = RTA_NEXT(a, alen))
					if (a->rta_type == IFLA_OPERSTATE)
						*operstate = *(unsigned char *)RTA_DATA(a);
			}
			if (h->nlmsg_seq != m->h.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
				return -EBADMSG;
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

static int nl_talk(int fd, struct nlbuf *m)
{
	return nl_talk_oper(fd, m, NULL);
}

static int nl_socket_of(int proto)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (fd < 0)
		die("socket(AF_NETLINK, %d): %s", proto, strerror(errno));
	/* a kernel that never answers fails the sample instead of hanging */
	struct timeval tv = {.tv_sec = OP_TIMEOUT_NS / 1000000000LL};
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
		die("SO_RCVTIMEO: %s", strerror(errno));
	return fd;
}

static int nl_socket(void)
{
	return nl_socket_of(NETLINK_ROUTE);
}

/* untimed: the container netns on slot, an fd of it, a socket in it */
static void kfloor_setup(int slot)
{
	if (R.kf_ready)
		return;
	ensure_netns(slot);
	char *p = ns_path(slot);
	R.kf_nsfd = open(p, O_RDONLY | O_CLOEXEC);
	if (R.kf_nsfd < 0)
		die("%s: %s", p, strerror(errno));
	free(p);
	R.kf_host_nl = nl_socket();
	if (setns(R.kf_nsfd, CLONE_NEWNET) < 0)
		die("setns(kernel-floor netns): %s", strerror(errno));
	R.kf_ns_nl = nl_socket();
	if (setns(R.hostfd, CLONE_NEWNET) < 0)
		die("setns(host): %s", strerror(errno));
	R.kf_ready = 1;
}

static void kfloor_failed(int op, const char *what, int err)
{
	if (R.logged++ < 5)
		fprintf(stderr, "cni-bench: %s kernel-only %s failed (%s): %s\n", impl_key[R.impl],
			op_name[op], what, strerror(-err));
}

/* What our ADD asks of the kernel for the links: the veth pair with its
 * host end up on the bridge and its peer in the container netns, then the
 * peer up, from inside that netns, then the host end polled until its
 * operstate is up (the bridge port forwarding), as our ADD does before it
 * answers. */
static int kfloor_create(struct sample *smp)
{
	struct nlbuf a, b;
	unsigned br = if_nametoindex(BRIDGE_NAME); /* untimed, as the rest */
	if (!br) {
		kfloor_failed(OP_KFLOOR_ADD, "no " BRIDGE_NAME, -errno);
		return 0;
	}
	nl_link_req(&a, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, IFF_UP);
	nl_put_str(&a, IFLA_IFNAME, KF_HOST);
	nl_put_u32(&a, IFLA_MASTER, br);
	nl_put_u32(&a, IFLA_TXQLEN, 0);
	struct rtattr *li = nl_put(&a, IFLA_LINKINFO, NULL, 0);
	nl_put_str(&a, IFLA_INFO_KIND, "veth");
	struct rtattr *data = nl_put(&a, IFLA_INFO_DATA, NULL, 0);
	struct ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC};
	struct rtattr *peer = nl_put(&a, VETH_INFO_PEER, &peer_ifi, sizeof peer_ifi);
	nl_put_str(&a, IFLA_IFNAME, KF_PEER);
	nl_put_u32(&a, IFLA_TXQLEN, 0);
	nl_put_u32(&a, IFLA_NET_NS_FD, (uint32_t)R.kf_nsfd);
	nl_nest_end(&a, peer);
	nl_nest_end(&a, data);
	nl_nest_end(&a, li);

	nl_link_req(&b, RTM_NEWLINK, 0, IFF_UP);
	nl_put_str(&b, IFLA_IFNAME, KF_PEER);

	int64_t t0 = now_ns();
	int err = nl_talk(R.kf_host_nl, &a);
	if (err) {
		smp->ns = now_ns() - t0;
		kfloor_failed(OP_KFLOOR_ADD, "RTM_NEWLINK veth", err);
		return 0;
	}
	err = nl_talk(R.kf_ns_nl, &b);
	if (err) {
		smp->ns = now_ns() - t0;
		kfloor_failed(OP_KFLOOR_ADD, "RTM_NEWLINK " KF_PEER " up", err);
		return 0;
	}
	for (long wait_us = 50;; wait_us = wait_us < 20000 ? wait_us * 2 : wait_us) {
		int oper = -1;
		nl_link_req(&b, RTM_GETLINK, 0, 0);
		nl_put_str(&b, IFLA_IFNAME, KF_HOST);
		nl_put_u32(&b, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		err = nl_talk_oper(R.kf_host_nl, &b, &oper);
		if (err || oper == IF_OPER_UP || now_ns() - t0 > OP_TIMEOUT_NS)
			break;
		usleep((useconds_t)wait_us);
	}
	smp->ns = now_ns() - t0;
	if (err) {
		kfloor_failed(OP_KFLOOR_ADD, "RTM_GETLINK " KF_HOST, err);
		return 0;
	}
	return 1;
}

/* What our DEL asks of the kernel for the links: the peer deleted from
 * inside the container netns (which takes the host end with it). */
static int kfloor_delete(struct sample *smp)
{
	struct nlbuf m;
	nl_link_req(&m, RTM_DELLINK, 0, 0);
	nl_put_str(&m, IFLA_IFNAME, KF_PEER);
	int64_t t0 = now_ns();
	int err = nl_talk(R.kf_ns_nl, &m);
	smp->ns = now_ns() - t0;
	if (err) {
		kfloor_failed(OP_KFLOOR_DEL, "RTM_DELLINK " KF_PEER, err);
		return 0;
	}
	return 1;
}

/* ---- kernel floor of portmap: one nftables map element, no plugin ---- */

/* A table of the runner's own in its host netns, beside the plugins'
 * tables: a DNAT map keyed by (address, protocol, port) to (address,
 * port), used by a nat prerouting rule, filled by `nft -f` (untimed) with
 * one element per mapped container of the scale level. Timed: the
 * nftables transaction a portmap ADD makes at the least (one batch adding
 * one element, with an owner comment), and the one its DEL makes (one
 * batch deleting it), each from the send to the ACK. */
#define KN_TABLE "cnibench_kf"
#define KN_MAP "dnat4"

struct nfbuf {
	char b[2048];
	size_t len;	      /* messages complete so far */
	struct nlmsghdr *cur; /* the message being built */
};

static void nf_begin(struct nfbuf *m, int type, int flags, int family, int res_id)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(m->b + m->len);
	size_t hl = NLMSG_LENGTH(sizeof(struct nfgenmsg));
	if (m->len + hl > sizeof m->b)
		die("nftables request too large");
	memset(h, 0, hl);
	h->nlmsg_len = (uint32_t)hl;
	h->nlmsg_type = (uint16_t)type;
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	h->nlmsg_seq = ++R.kf_seq;
	struct nfgenmsg *g = NLMSG_DATA(h);
	g->nfgen_family = (uint8_t)family;
	g->version = NFNETLINK_V0;
	g->res_id = htons((uint16_t)res_id);
	m->cur = h;
}

static struct rtattr *nf_put(struct nfbuf *m, int type, const void *data, size_t len)
{
	return attr_put(m->cur, sizeof m->b - (size_t)((char *)m->cur - m->b), type, data, len);
}

static struct rtattr *nf_nest(struct nfbuf *m, int type)
{
	return nf_put(m, type | NLA_F_NESTED, NULL, 0);
}

static void nf_nest_end(struct nfbuf *m, struct rtattr *a)
{
	a->rta_len = (unsigned short)((char *)m->cur + m->cur->nlmsg_len - (char *)a);
}

static void nf_end(struct nfbuf *m)
{
	m->len += NLMSG_ALIGN(m->cur->nlmsg_len);
}

/* nft -f FILE in the runner's netns; 0 on success */
static int run_nft_file(const char *file)
{
	char *argv[] = {"nft", "-f", (char *)file, NULL};
	pid_t pid;
	int st;
	if (posix_spawnp(&pid, "nft", NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

/* --node-conntrack: a host netns where something else already uses
 * conntrack (kube-proxy's or firewalld's rules on a node), so that the
 * plugins' first NAT rule does not start it there: a rule with a ct
 * expression in a chain nothing jumps to holds the netns's conntrack
 * (IPv4 and IPv6) without being walked by any packet. */
static void node_conntrack_setup(void)
{
	char *f = xasprintf("%s/node-conntrack.nft", R.dir);
	FILE *fp = fopen(f, "w");
	if (!fp)
		die("%s: %s", f, strerror(errno));
	fprintf(fp, "add table inet cnibench_node\n"
		    "add chain inet cnibench_node ct_users\n"
		    "add rule inet cnibench_node ct_users ct state established,related accept\n");
	fclose(fp);
	if (run_nft_file(f))
		die("nft -f %s failed (--node-conntrack)", f);
	free(f);
}

/* untimed: the table, its map and rule; the socket */
static void knft_setup(void)
{
	if (R.kn_ready)
		return;
	char *f = xasprintf("%s/knft-setup.nft", R.dir);
	FILE *fp = fopen(f, "w");
	if (!fp)
		die("%s: %s", f, strerror(errno));
	fprintf(fp, "add table inet " KN_TABLE "\n"
		    "add map inet " KN_TABLE " " KN_MAP " { type ipv4_addr . inet_proto . "
		    "inet_service : ipv4_addr . inet_service ; }\n"
		    "add chain inet " KN_TABLE " pre { type nat hook prerouting priority dstnat ; "
		    "policy accept ; }\n"
		    "add rule inet " KN_TABLE " pre meta nfproto ipv4 dnat ip to ip daddr . "
		    "meta l4proto . th dport map @" KN_MAP "\n");
	fclose(fp);
	if (run_nft_file(f) < 0)
		die("nft -f %s failed (the kernel-floor table)", f);
	free(f);
	R.kn_nl = nl_socket_of(NETLINK_NETFILTER);
	R.kn_ready = 1;
}

/* untimed: the map filled up to want elements (one per mapped container,
 * host ports as the chain's) */
static void knft_fill(int want)
{
	knft_setup();
	if (want <= R.kn_have)
		return;
	char *f = xasprintf("%s/knft-fill.nft", R.dir);
	FILE *fp = fopen(f, "w");
	if (!fp)
		die("%s: %s", f, strerror(errno));
	for (int i = R.kn_have; i < want; i++) {
		if ((i - R.kn_have) % 200 == 0)
			fprintf(fp, "%sadd element inet " KN_TABLE " " KN_MAP " { ",
				i > R.kn_have ? " }\n" : "");
		else
			fprintf(fp, ", ");
		fprintf(fp,
			"0.0.0.0 . tcp . %d comment \"" NET_NAME "/bg%d/eth0\" : 10.88.%d.%d . 80",
			HOST_PORT_BASE + i, i, (i + 2) / 256, (i + 2) % 256);
	}
	fprintf(fp, " }\n");
	fclose(fp);
	if (run_nft_file(f) < 0)
		die("nft -f %s failed (filling the kernel-floor map)", f);
	unlink(f);
	free(f);
	R.kn_have = want;
}

/* the timed element: a host port no container of the chain uses */
static int knft_elem(int add, struct sample *smp)
{
	static const char comment[] = NET_NAME "/kfloor/eth0";
	unsigned char key[12] = {0, 0, 0, 0, IPPROTO_TCP, 0, 0, 0, 0xfd, 0xe8, 0, 0}; /* 65000 */
	unsigned char data[8] = {10, 88, 255, 254, 0, 80, 0, 0};
	unsigned char udata[2 + sizeof comment];
	struct nfbuf m = {0};
	udata[0] = 0; /* NFTNL_UDATA_SET_ELEM_COMMENT */
	udata[1] = sizeof comment;
	memcpy(udata + 2, comment, sizeof comment);

	nf_begin(&m, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	nf_end(&m);
	nf_begin(&m, (NFNL_SUBSYS_NFTABLES << 8) | (add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM),
		 NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0), NFPROTO_INET, 0);
	uint32_t seq = m.cur->nlmsg_seq;
	nf_put(&m, NFTA_SET_ELEM_LIST_TABLE, KN_TABLE, sizeof KN_TABLE);
	nf_put(&m, NFTA_SET_ELEM_LIST_SET, KN_MAP, sizeof KN_MAP);
	struct rtattr *list = nf_nest(&m, NFTA_SET_ELEM_LIST_ELEMENTS);
	struct rtattr *el = nf_nest(&m, NFTA_LIST_ELEM);
	struct rtattr *k = nf_nest(&m, NFTA_SET_ELEM_KEY);
	nf_put(&m, NFTA_DATA_VALUE, key, sizeof key);
	nf_nest_end(&m, k);
	if (add) {
		struct rtattr *d = nf_nest(&m, NFTA_SET_ELEM_DATA);
		nf_put(&m, NFTA_DATA_VALUE, data, sizeof data);
		nf_nest_end(&m, d);
		nf_put(&m, NFTA_SET_ELEM_USERDATA, udata, sizeof udata);
	}
	nf_nest_end(&m, el);
	nf_nest_end(&m, list);
	nf_end(&m);
	nf_begin(&m, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	nf_end(&m);

	static char buf[8192];
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	int err = 0;
	int64_t t0 = now_ns();
	if (sendto(R.kn_nl, m.b, m.len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
		err = -errno;
	while (!err) {
		ssize_t r = recv(R.kn_nl, buf, sizeof buf, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		size_t left = (size_t)r;
		int done = 0;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			int e = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (e) {
				err = e; /* an error of any message of the batch */
				done = 1;
			} else if (h->nlmsg_seq == seq) {
				done = 1;
			}
		}
		if (done)
			break;
	}
	smp->ns = now_ns() - t0;
	if (err) {
		kfloor_failed(add ? OP_KNFT_ADD : OP_KNFT_DEL, "nftables batch", err);
		return 0;
	}
	return 1;
}

/* count kernel-only samples (link: the container netns on slot first) */
static void run_kfloor(const struct req *rq, struct sample *smp, struct rep *rp)
{
	int nft = rq->op == OP_KNFT_ADD || rq->op == OP_KNFT_DEL;
	memset(rp, 0, sizeof *rp);
	if (rq->op == OP_KNFT_FILL) {
		knft_fill(rq->first);
		return;
	}
	if (nft)
		knft_setup(); /* untimed */
	else
		kfloor_setup(rq->first); /* untimed */
	int64_t t_start = now_ns();
	for (int i = 0; i < rq->count; i++) {
		smp[i] = (struct sample){0};
		smp[i].ok = rq->op == OP_KFLOOR_ADD   ? kfloor_create(&smp[i])
			    : rq->op == OP_KFLOOR_DEL ? kfloor_delete(&smp[i])
						      : knft_elem(rq->op == OP_KNFT_ADD, &smp[i]);
		if (!smp[i].ok)
			rp->nfail++;
	}
	rp->wall_ns = now_ns() - t_start;
}

/* The chain's plugin NAME of impl: ours where we ship it, else the
 * reference's (what a node running our bridge runs today). */
static char *chain_bin(int impl, const char *name)
{
	char *p = xasprintf("%s/%s", opt.dir[impl], name);
	if (impl == REF || access(p, X_OK) == 0)
		return p;
	free(p);
	return xasprintf("%s/%s", opt.dir[REF], name);
}

static void runner_main(int impl, int rfd, int wfd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	R.impl = impl;
	R.dir = xasprintf("%s/%s", opt.tmp, impl_key[impl]);
	R.plugin = xasprintf("%s/bridge", opt.dir[impl]);
	R.ipam = xasprintf("%s/host-local", opt.dir[impl]);
	R.loopback = chain_bin(impl, "loopback");
	R.portmap = chain_bin(impl, "portmap");
	/* go-cni's loopback network (containerd's CRI adds it to every pod) */
	R.lo_conf = xstrdup("{\"cniVersion\":\"0.3.1\",\"name\":\"cni-loopback\","
			    "\"type\":\"loopback\"}");
	mkdir_p(R.dir);
	char *d = xasprintf("%s/ns", R.dir);
	mkdir_p(d);
	free(d);
	char *datadir = xasprintf("%s/ipam", R.dir);
	mkdir_p(datadir);
	/* What a runtime hands the first plugin of a conflist: the plugin's
	 * object plus the list's name and cniVersion. */
	R.conf = xasprintf("{\"cniVersion\":\"1.0.0\",\"name\":\"" NET_NAME "\","
			   "\"type\":\"bridge\",\"bridge\":\"" BRIDGE_NAME "\","
			   "\"isGateway\":true,\"ipMasq\":true,\"hairpinMode\":true,"
			   "\"ipam\":{\"type\":\"host-local\","
			   "\"ranges\":[[{\"subnet\":\"" SUBNET "\"}]],"
			   "\"dataDir\":\"%s\"}}",
			   datadir);
	free(datadir);
	char *log = xasprintf("%s/plugins-stderr.log", R.dir);
	R.errfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (R.errfd < 0)
		die("%s: %s", log, strerror(errno));
	free(log);

	/* the benchmark's own "host": a new netns, and a mount ns where the
	 * container netns bind mounts and a sysfs of this netns live */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		die("unshare(CLONE_NEWNET|CLONE_NEWNS): %s (run as root)", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / rprivate: %s", strerror(errno));
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount sysfs: %s", strerror(errno));
	link_up("lo");
	R.hostfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (R.hostfd < 0)
		die("open own netns: %s", strerror(errno));
	if (opt.node_conntrack)
		node_conntrack_setup();

	for (;;) {
		struct req rq;
		read_all(rfd, &rq, sizeof rq);
		if (rq.op == OP_QUIT)
			break;
		if (rq.first < 0 || rq.count < 0)
			die("bad request");
		if (rq.first + rq.count > R.nslots) {
			int n = rq.first + rq.count + 64;
			R.slots = realloc(R.slots, sizeof *R.slots * (size_t)n);
			if (!R.slots)
				die("out of memory");
			memset(R.slots + R.nslots, 0, sizeof *R.slots * (size_t)(n - R.nslots));
			R.nslots = n;
		}
		struct sample *smp = xmalloc(sizeof *smp * (size_t)(rq.count ? rq.count : 1));
		memset(smp, 0, sizeof *smp * (size_t)(rq.count ? rq.count : 1));
		struct rep rp;
		if (rq.op == OP_KFLOOR_ADD || rq.op == OP_KFLOOR_DEL || rq.op == OP_KNFT_ADD ||
		    rq.op == OP_KNFT_DEL || rq.op == OP_KNFT_FILL)
			run_kfloor(&rq, smp, &rp);
		else
			run_batch(&rq, smp, &rp);
		write_all(wfd, &rp, sizeof rp);
		write_all(wfd, smp, sizeof *smp * (size_t)rq.count);
		free(smp);
	}
	/* Leaving drops the last references to the host netns (bridge, veths,
	 * nat/nft state), the container netns and this mount ns. */
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* coordinator */

static struct {
	pid_t pid;
	int wfd, rfd;
} runner[NIMPL];

static long total_fail[NIMPL];

/* One request to one runner; samples (count of them) copied to smp. */
static struct rep call(int impl, int op, int first, int count, int par, struct sample *smp)
{
	struct req rq = {.op = op, .first = first, .count = count, .par = par};
	struct rep rp;
	write_all(runner[impl].wfd, &rq, sizeof rq);
	read_all(runner[impl].rfd, &rp, sizeof rp);
	struct sample *tmp = xmalloc(sizeof *tmp * (size_t)(count ? count : 1));
	read_all(runner[impl].rfd, tmp, sizeof *tmp * (size_t)count);
	if (smp)
		memcpy(smp, tmp, sizeof *tmp * (size_t)count);
	free(tmp);
	total_fail[impl] += rp.nfail;
	return rp;
}

static void start_runners(void)
{
	for (int i = 0; i < NIMPL; i++) {
		int a[2], b[2];
		if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
			die("pipe: %s", strerror(errno));
		fflush(NULL);
		pid_t p = fork();
		if (p < 0)
			die("fork: %s", strerror(errno));
		if (p == 0) {
			close(a[1]);
			close(b[0]);
			for (int k = 0; k < i; k++) {
				close(runner[k].wfd);
				close(runner[k].rfd);
			}
			runner_main(i, a[0], b[1]);
		}
		close(a[0]);
		close(b[1]);
		runner[i].pid = p;
		runner[i].wfd = a[1];
		runner[i].rfd = b[0];
	}
}

static void stop_runners(void)
{
	for (int i = 0; i < NIMPL; i++) {
		struct req rq = {.op = OP_QUIT};
		write_all(runner[i].wfd, &rq, sizeof rq);
		close(runner[i].wfd);
		close(runner[i].rfd);
	}
	for (int i = 0; i < NIMPL; i++) {
		int st;
		waitpid(runner[i].pid, &st, 0);
	}
}

/* ---- statistics ---- */

struct dist {
	int n, nfail;
	double med, p90, p99, max; /* ms */
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted array */
static double pct(const double *v, int n, double p)
{
	if (n <= 0)
		return NAN;
	int k = (int)ceil(p / 100.0 * n);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static struct dist mkdist(const struct sample *s, int n)
{
	struct dist d = {0};
	double *v = xmalloc(sizeof *v * (size_t)(n ? n : 1));
	for (int i = 0; i < n; i++) {
		if (s[i].ok)
			v[d.n++] = (double)s[i].ns / 1e6;
		else
			d.nfail++;
	}
	qsort(v, (size_t)d.n, sizeof *v, cmp_d);
	d.med = pct(v, d.n, 50);
	d.p90 = pct(v, d.n, 90);
	d.p99 = pct(v, d.n, 99);
	d.max = pct(v, d.n, 100);
	free(v);
	return d;
}

/* ---- phases ---- */

/* slot layout in each runner: 0 = the measured container of the latency
 * phases; 1..tput_ops = throughput; then the scale background (up to the
 * largest level); then the kernel floor's container netns. */
#define SLOT_SEQ 0
#define SLOT_TPUT 1
static int slot_bg(void)
{
	return SLOT_TPUT + opt.tput_ops;
}
static int slot_kfloor(void)
{
	return slot_bg() + opt.scale[opt.nscale - 1]; /* levels are increasing */
}

static void settle(void)
{
	if (opt.settle_ms)
		usleep((useconds_t)opt.settle_ms * 1000);
}

/* Round i: op_a in each runner, then op_b in each, alternating which
 * runner goes first from one round to the next (a, b: [impl][rounds]). */
static void pair_round(int i, int op_a, int op_b, int slot, struct sample *a[NIMPL],
		       struct sample *b[NIMPL])
{
	int first = opt.order >= 0 ? opt.order : i & 1 ? OURS : REF;
	for (int k = 0; k < NIMPL; k++) {
		int im = k ? !first : first;
		settle();
		call(im, op_a, slot, 1, 1, a ? &a[im][i] : NULL);
	}
	for (int k = 0; k < NIMPL; k++) {
		int im = k ? !first : first;
		settle();
		call(im, op_b, slot, 1, 1, b ? &b[im][i] : NULL);
	}
}

/* The part being measured: the bridge (+ host-local) alone, or the chain
 * (loopback, bridge + host-local, portmap). Its ADD and DEL ops. */
static int g_chain;
static int op_add(void)
{
	return g_chain ? OP_CHAIN_ADD : OP_ADD;
}
static int op_del(void)
{
	return g_chain ? OP_CHAIN_DEL : OP_DEL;
}

/* n ADD+DEL pairs of one container for each implementation. add/del:
 * [impl][n] (may be NULL). */
static void latency_pairs(int n, struct sample *add[NIMPL], struct sample *del[NIMPL])
{
	for (int i = 0; i < n; i++)
		pair_round(i, op_add(), op_del(), SLOT_SEQ, add, del);
}

struct results {
	struct dist add[NIMPL], del[NIMPL];
	long rss_max[NIMPL], rss_med[NIMPL];
	long ipam_rss_max[NIMPL];
	struct dist ipam_add[NIMPL], ipam_del[NIMPL]; /* host-local run directly */
	double tput_add[NIMPL], tput_del[NIMPL];      /* ops/s */
	struct dist tput_add_lat[NIMPL], tput_del_lat[NIMPL];
	struct dist sc_add[16][NIMPL], sc_del[16][NIMPL];
	struct dist kf_create[16][NIMPL], kf_delete[16][NIMPL]; /* kernel only */
	struct dist exec_floor[16][NIMPL];			/* an empty program */
	double fill_s[16][NIMPL];
	/* the chain's: each plugin alone (steps in the order they run) */
	struct dist step_add[NSTEPS][NIMPL], step_del[NSTEPS][NIMPL];
	struct dist sc_step_add[16][NSTEPS][NIMPL], sc_step_del[16][NSTEPS][NIMPL];
	struct dist knft_add[16][NIMPL], knft_del[16][NIMPL]; /* kernel only */
	/* the floor chain's portmap step there: exec, (ADD) the route_localnet
	 * read, element add (delete) */
	struct dist pmfloor_add[16][NIMPL], pmfloor_del[16][NIMPL];
	long size_bridge[NIMPL], size_ipam[NIMPL];
	long size_portmap[NIMPL], size_loopback[NIMPL]; /* -1: we ship none */
	int measured;
	double total_s;
};

/* distribution of step k of chain samples */
static struct dist mkdist_step(const struct sample *s, int n, int k)
{
	struct sample *t = xmalloc(sizeof *t * (size_t)(n ? n : 1));
	for (int i = 0; i < n; i++) {
		t[i] = s[i];
		t[i].ns = s[i].step_ns[k];
	}
	struct dist d = mkdist(t, n);
	free(t);
	return d;
}

static int cmp_l(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static const char *part_name(void)
{
	return g_chain ? "chain" : "bridge";
}

static void phase_sequential(struct results *res)
{
	struct sample *add[NIMPL], *del[NIMPL];
	progress("%s: warmup: %d ADD+DEL per implementation", part_name(), opt.warmup);
	latency_pairs(opt.warmup, NULL, NULL);
	progress("%s: sequential: %d ADD+DEL per implementation, alternating", part_name(), opt.n);
	for (int i = 0; i < NIMPL; i++) {
		add[i] = xmalloc(sizeof(struct sample) * (size_t)opt.n);
		del[i] = xmalloc(sizeof(struct sample) * (size_t)opt.n);
	}
	latency_pairs(opt.n, add, del);
	for (int i = 0; i < NIMPL; i++) {
		res->add[i] = mkdist(add[i], opt.n);
		res->del[i] = mkdist(del[i], opt.n);
		for (int k = 0; g_chain && k < NSTEPS; k++) {
			res->step_add[k][i] = mkdist_step(add[i], opt.n, k);
			res->step_del[k][i] = mkdist_step(del[i], opt.n, k);
		}
		long *r = xmalloc(sizeof *r * (size_t)opt.n);
		int m = 0;
		for (int k = 0; k < opt.n; k++)
			if (add[i][k].ok)
				r[m++] = add[i][k].maxrss_kb;
		qsort(r, (size_t)m, sizeof *r, cmp_l);
		res->rss_max[i] = m ? r[m - 1] : -1;
		res->rss_med[i] = m ? r[(m - 1) / 2] : -1;
		free(r);
		free(add[i]);
		free(del[i]);
	}
}

static void phase_ipam_rss(struct results *res)
{
	struct sample *add[NIMPL], *del[NIMPL];
	progress("host-local alone: %d ADD+DEL per implementation", opt.rss_n);
	for (int i = 0; i < NIMPL; i++) {
		add[i] = xmalloc(sizeof(struct sample) * (size_t)opt.rss_n);
		del[i] = xmalloc(sizeof(struct sample) * (size_t)opt.rss_n);
		res->ipam_rss_max[i] = -1;
	}
	for (int n = 0; n < opt.rss_n; n++) {
		for (int k = 0; k < NIMPL; k++) {
			int im = (n & 1) ? !k : k;
			call(im, OP_IPAM_ADD, SLOT_SEQ, 1, 1, &add[im][n]);
			call(im, OP_IPAM_DEL, SLOT_SEQ, 1, 1, &del[im][n]);
		}
	}
	for (int i = 0; i < NIMPL; i++) {
		for (int n = 0; n < opt.rss_n; n++)
			if (add[i][n].ok && add[i][n].maxrss_kb > res->ipam_rss_max[i])
				res->ipam_rss_max[i] = add[i][n].maxrss_kb;
		res->ipam_add[i] = mkdist(add[i], opt.rss_n);
		res->ipam_del[i] = mkdist(del[i], opt.rss_n);
		free(add[i]);
		free(del[i]);
	}
}

static void phase_throughput(struct results *res)
{
	int m = opt.tput_ops;
	int64_t wall_add[NIMPL] = {0}, wall_del[NIMPL] = {0};
	long ok_add[NIMPL] = {0}, ok_del[NIMPL] = {0};
	struct sample *sa[NIMPL], *sd[NIMPL];
	progress("%s: throughput: %d callers, %d rounds of %d ADD then %d DEL per implementation",
		 part_name(), opt.par, opt.rounds, m, m);
	for (int i = 0; i < NIMPL; i++) {
		sa[i] = xmalloc(sizeof(struct sample) * (size_t)(m * opt.rounds));
		sd[i] = xmalloc(sizeof(struct sample) * (size_t)(m * opt.rounds));
	}
	for (int r = 0; r < opt.rounds; r++) {
		int first = r & 1 ? OURS : REF;
		for (int k = 0; k < NIMPL; k++) {
			int im = k ? !first : first;
			struct rep rp = call(im, op_add(), SLOT_TPUT, m, opt.par, sa[im] + r * m);
			wall_add[im] += rp.wall_ns;
			ok_add[im] += m - rp.nfail;
		}
		for (int k = 0; k < NIMPL; k++) {
			int im = k ? !first : first;
			struct rep rp = call(im, op_del(), SLOT_TPUT, m, opt.par, sd[im] + r * m);
			wall_del[im] += rp.wall_ns;
			ok_del[im] += m - rp.nfail;
		}
	}
	for (int i = 0; i < NIMPL; i++) {
		/* ops/s of the successful calls; none at all: n/a */
		res->tput_add[i] = ok_add[i] ? ok_add[i] / (wall_add[i] / 1e9) : NAN;
		res->tput_del[i] = ok_del[i] ? ok_del[i] / (wall_del[i] / 1e9) : NAN;
		res->tput_add_lat[i] = mkdist(sa[i], m * opt.rounds);
		res->tput_del_lat[i] = mkdist(sd[i], m * opt.rounds);
		free(sa[i]);
		free(sd[i]);
	}
}

static void phase_scale(struct results *res)
{
	int have = 0;
	for (int l = 0; l < opt.nscale; l++) {
		int want = opt.scale[l];
		for (int i = 0; i < NIMPL; i++) {
			res->fill_s[l][i] = 0;
			if (want > have) {
				progress(
				    "%s: scale: %s: adding %d containers (%d callers, untimed)",
				    part_name(), impl_key[i], want - have, opt.par);
				struct rep rp =
				    call(i, op_add(), slot_bg() + have, want - have, opt.par, NULL);
				res->fill_s[l][i] = rp.wall_ns / 1e9;
			}
			/* the kernel-only map gets as many elements as mappings */
			if (g_chain)
				call(i, OP_KNFT_FILL, want, 0, 1, NULL);
		}
		/* Each new container's interface chats for its first seconds
		 * (IPv6 DAD, router and MLD solicitations), every frame flooded
		 * to all ports: let the fill's storm pass, so the level is
		 * measured as a node that has these containers running. */
		if (want > have && opt.fill_settle_s) {
			progress("%s: scale: %d s for the new containers' start-up traffic to pass",
				 part_name(), opt.fill_settle_s);
			sleep((unsigned)opt.fill_settle_s);
		}
		have = want;
		struct sample *add[NIMPL], *del[NIMPL], *cr[NIMPL], *de[NIMPL], *ex[NIMPL];
		struct sample *fa[NIMPL], *fd[NIMPL];
		for (int i = 0; i < NIMPL; i++) {
			fa[i] = xmalloc(sizeof(struct sample) * (size_t)opt.scale_n);
			fd[i] = xmalloc(sizeof(struct sample) * (size_t)opt.scale_n);
			add[i] = xmalloc(sizeof(struct sample) * (size_t)opt.scale_n);
			del[i] = xmalloc(sizeof(struct sample) * (size_t)opt.scale_n);
			cr[i] = xmalloc(sizeof(struct sample) * (size_t)opt.scale_n);
			de[i] = xmalloc(sizeof(struct sample) * (size_t)opt.scale_n);
			ex[i] = xmalloc(sizeof(struct sample) * (size_t)opt.scale_n);
		}
		/* the kernel-only requests (and, for the bridge, the exec of an
		 * empty program) interleaved with the plugin calls, so all see
		 * the same background */
		progress("%s: scale: %d ADD+DEL and kernel-only %s per implementation with %d "
			 "containers",
			 part_name(), opt.scale_n,
			 g_chain ? "nftables element add+delete" : "link create+delete, exec",
			 want);
		for (int i = 0; i < opt.scale_n; i++) {
			pair_round(i, op_add(), op_del(), SLOT_SEQ, add, del);
			if (g_chain)
				pair_round(i, OP_KNFT_ADD, OP_KNFT_DEL, 0, cr, de);
			else
				pair_round(i, OP_KFLOOR_ADD, OP_KFLOOR_DEL, slot_kfloor(), cr, de);
			if (opt.exec_floor)
				pair_round(i, OP_EXEC_FLOOR, OP_EXEC_FLOOR, SLOT_SEQ, ex, NULL);
			if (g_chain && opt.exec_floor)
				pair_round(i, OP_FCHAIN_ADD, OP_FCHAIN_DEL, SLOT_SEQ, fa, fd);
		}
		for (int i = 0; i < NIMPL; i++) {
			res->sc_add[l][i] = mkdist(add[i], opt.scale_n);
			res->sc_del[l][i] = mkdist(del[i], opt.scale_n);
			if (g_chain) {
				res->knft_add[l][i] = mkdist(cr[i], opt.scale_n);
				res->knft_del[l][i] = mkdist(de[i], opt.scale_n);
				for (int k = 0; k < NSTEPS; k++) {
					res->sc_step_add[l][k][i] =
					    mkdist_step(add[i], opt.scale_n, k);
					res->sc_step_del[l][k][i] =
					    mkdist_step(del[i], opt.scale_n, k);
				}
				res->pmfloor_add[l][i] =
				    opt.exec_floor ? mkdist_step(fa[i], opt.scale_n, PM_ADD)
						   : (struct dist){.med = NAN};
				res->pmfloor_del[l][i] =
				    opt.exec_floor ? mkdist_step(fd[i], opt.scale_n, PM_DEL)
						   : (struct dist){.med = NAN};
			} else {
				res->kf_create[l][i] = mkdist(cr[i], opt.scale_n);
				res->kf_delete[l][i] = mkdist(de[i], opt.scale_n);
			}
			res->exec_floor[l][i] =
			    opt.exec_floor ? mkdist(ex[i], opt.scale_n) : (struct dist){0};
			if (!opt.exec_floor)
				res->exec_floor[l][i].med = NAN;
			free(add[i]);
			free(del[i]);
			free(cr[i]);
			free(de[i]);
			free(ex[i]);
			free(fa[i]);
			free(fd[i]);
		}
	}
	/* the background is not DEL'd one by one: the runners' exit removes
	 * the netns that hold it, and scripts/bench the dataDirs */
}

/* one part (the bridge alone or the chain) in fresh runners */
static void run_part(struct results *res, int chain)
{
	g_chain = chain;
	int64_t t0 = now_ns();
	start_runners();
	phase_sequential(res);
	if (!chain)
		phase_ipam_rss(res);
	phase_throughput(res);
	phase_scale(res);
	stop_runners();
	res->measured = 1;
	res->total_s = (now_ns() - t0) / 1e9;
}

/* ---- sizes ---- */

static long stripped_size(const char *bin, const char *tag)
{
	struct stat st;
	if (stat(bin, &st) < 0)
		return -1;
	char *dst = xasprintf("%s/%s.stripped", opt.tmp, tag);
	char *argv[] = {"strip", "-o", dst, (char *)bin, NULL};
	pid_t pid;
	int status;
	long sz = -1;
	if (posix_spawnp(&pid, "strip", NULL, NULL, argv, environ) == 0 &&
	    waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    stat(dst, &st) == 0)
		sz = (long)st.st_size;
	unlink(dst);
	free(dst);
	return sz;
}

/* ---- machine ---- */

static char cpu_model[256] = "unknown";
static struct utsname uts;
static long ncpu;

static void machine_info(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		if (!strncmp(line, "model name", 10)) {
			char *p = strchr(line, ':');
			if (p) {
				p++;
				while (*p == ' ' || *p == '\t')
					p++;
				p[strcspn(p, "\n")] = 0;
				snprintf(cpu_model, sizeof cpu_model, "%s", p);
			}
			break;
		}
	}
	if (f)
		fclose(f);
	uname(&uts);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
}

/* ---- the CRI figure (scripts/cri-bench: "ours MS" / "reference MS" /
 * "floor MS": the same containerd with no-op plugins) ---- */

static struct {
	struct dist d[NIMPL];
	struct dist floor;
	int have, have_floor;
} cri;

static void read_cri(void)
{
	if (!opt.cri)
		return;
	FILE *f = fopen(opt.cri, "r");
	if (!f)
		die("%s: %s", opt.cri, strerror(errno));
	/* v[NIMPL] holds the floor's samples */
	struct sample *v[NIMPL + 1];
	int n[NIMPL + 1] = {0}, cap = 4096;
	for (int i = 0; i <= NIMPL; i++)
		v[i] = xmalloc(sizeof(struct sample) * (size_t)cap);
	char who[32];
	double ms;
	while (fscanf(f, "%31s %lf", who, &ms) == 2) {
		int i = !strcmp(who, "ours")	    ? OURS
			: !strcmp(who, "reference") ? REF
			: !strcmp(who, "floor")	    ? NIMPL
						    : -1;
		if (i < 0 || n[i] == cap)
			continue;
		v[i][n[i]++] = (struct sample){.ns = (int64_t)(ms * 1e6), .ok = 1};
	}
	fclose(f);
	for (int i = 0; i < NIMPL; i++) {
		cri.d[i] = mkdist(v[i], n[i]);
		free(v[i]);
	}
	cri.floor = mkdist(v[NIMPL], n[NIMPL]);
	free(v[NIMPL]);
	cri.have = n[REF] > 0 && n[OURS] > 0;
	cri.have_floor = cri.have && n[NIMPL] > 0;
}

/* The plugins' own share of the pod network setup inside containerd: the
 * median above the no-op plugins' (NAN without a floor). */
static double cri_share(int impl)
{
	return cri.have_floor ? cri.d[impl].med - cri.floor.med : NAN;
}

/* ---- output ---- */

struct budget {
	char what[120];
	double value, target;
	int higher_better; /* value must be >= target, else <= */
	const char *unit;
};
static struct budget budgets[24];
static int nbudgets;

static void add_budget(const char *what, double value, double target, int hb, const char *unit)
{
	struct budget *b = &budgets[nbudgets++];
	snprintf(b->what, sizeof b->what, "%s", what);
	b->value = value;
	b->target = target;
	b->higher_better = hb;
	b->unit = unit;
}

static int budget_pass(const struct budget *b)
{
	if (isnan(b->value) || isnan(b->target))
		return 0;
	return b->higher_better ? b->value >= b->target : b->value <= b->target;
}

static int idx_scale(int which) /* 0: smallest level, 1: largest */
{
	int best = 0;
	for (int l = 1; l < opt.nscale; l++)
		if (which ? opt.scale[l] > opt.scale[best] : opt.scale[l] < opt.scale[best])
			best = l;
	return best;
}

/* the medians' noise between runs, allowed on top of the kernel's growth */
#define GROWTH_NOISE_MS 0.1

static double size_kib(long bytes)
{
	return bytes < 0 ? NAN : bytes / 1024.0;
}

static int ours_ships(const char *name)
{
	char *p = xasprintf("%s/%s", opt.dir[OURS], name);
	int r = access(p, X_OK) == 0;
	free(p);
	return r;
}

/* our portmap's growth from the smallest to the largest scale level, held
 * to its floor's: measured at portmap's place in the chain (pmfloor) when
 * the run has it, else between the chains (the kernel's element op plus
 * eg, the exec floor's growth) */
static void portmap_growth_budget(const char *cmd, const struct dist (*step)[NSTEPS][NIMPL], int k,
				  const struct dist (*pmfloor)[NIMPL],
				  const struct dist (*knft)[NIMPL], double eg)
{
	int lo = idx_scale(0), hi = idx_scale(1);
	double kg = pmfloor[hi][OURS].med - pmfloor[lo][OURS].med;
	char w[120];

	if (isnan(kg))
		kg = knft[hi][OURS].med - knft[lo][OURS].med + eg;
	snprintf(w, sizeof w, "%s portmap %s growth %d -> %d mapped <= its floor's %+.3f ms",
		 ours_ships("portmap") ? "our" : "(the reference's)", cmd, opt.scale[lo],
		 opt.scale[hi], kg);
	add_budget(w, step[hi][k][OURS].med - step[lo][k][OURS].med, fmax(kg, 0) + GROWTH_NOISE_MS,
		   0, "ms");
}

static void compute_budgets(const struct results *b, const struct results *c)
{
	int lo = idx_scale(0), hi = idx_scale(1);
	char w[120];
	nbudgets = 0;
	if (b->measured) {
		add_budget("bridge DEL median >= 2.5x faster than the reference",
			   b->del[REF].med / b->del[OURS].med, 2.5, 1, "x");
		add_budget("bridge ADD throughput, parallel callers, >= 10x the reference",
			   b->tput_add[OURS] / b->tput_add[REF], 10, 1, "x");
		snprintf(w, sizeof w, "bridge ADD median at %d containers <= 1.25x ours at %d",
			 opt.scale[hi], opt.scale[lo]);
		add_budget(w, b->sc_add[hi][OURS].med / b->sc_add[lo][OURS].med, 1.25, 0, "x");
		snprintf(w, sizeof w, "bridge DEL median at %d containers <= 1.25x ours at %d",
			 opt.scale[hi], opt.scale[lo]);
		add_budget(w, b->sc_del[hi][OURS].med / b->sc_del[lo][OURS].med, 1.25, 0, "x");
	}
	if (c->measured) {
		add_budget("chain ADD median >= 10x faster than the reference chain",
			   c->add[REF].med / c->add[OURS].med, 10, 1, "x");
		/* the floor of a portmap call: exec of an empty program and the
		 * kernel's element add (or delete), in the same run */
		double eg = c->exec_floor[hi][OURS].med - c->exec_floor[lo][OURS].med;
		if (isnan(eg))
			eg = 0;
		portmap_growth_budget("ADD", c->sc_step_add, PM_ADD, c->pmfloor_add, c->knft_add,
				      eg);
		portmap_growth_budget("DEL", c->sc_step_del, PM_DEL, c->pmfloor_del, c->knft_del,
				      eg);
	}
	/* what users wait for: the plugins' share of a pod's start inside
	 * containerd, above the same containerd with no-op plugins */
	add_budget("pod network in containerd: (reference - floor) / (ours - floor) >= 10",
		   cri_share(REF) / cri_share(OURS), 10, 1, "x");
	add_budget("pod network in containerd: ours - floor <= 5 ms", cri_share(OURS), 5, 0, "ms");
	const struct results *r = b->measured ? b : c;
	add_budget("our bridge < 300 KiB stripped", size_kib(r->size_bridge[OURS]), 300, 0, "KiB");
	add_budget("our host-local < 300 KiB stripped", size_kib(r->size_ipam[OURS]), 300, 0,
		   "KiB");
	add_budget("our portmap < 300 KiB stripped", size_kib(r->size_portmap[OURS]), 300, 0,
		   "KiB");
	add_budget("our loopback < 300 KiB stripped", size_kib(r->size_loopback[OURS]), 300, 0,
		   "KiB");
	if (b->measured)
		add_budget("peak RSS of our ADD (bridge + host-local) < 3 MiB",
			   b->rss_max[OURS] < 0 ? NAN : b->rss_max[OURS] / 1024.0, 3, 0, "MiB");
}

static void fmt_num(char *buf, size_t sz, double v, int prec)
{
	if (isnan(v) || isinf(v))
		snprintf(buf, sz, "n/a");
	else
		snprintf(buf, sz, "%.*f", prec, v);
}

/* no plugin: the link requests an ADD (create) and a DEL make */
#define KF_ROW "kernel link %s, %d containers (ms)"

/* one table row; lower_better picks the wording of the last column */
static void row(const char *label, double ref, double ours, int prec, int lower_better,
		const char *word)
{
	char a[32], b[32], c[32], d[48];
	fmt_num(a, sizeof a, ref, prec);
	fmt_num(b, sizeof b, ours, prec);
	double ratio = ours / ref;
	fmt_num(c, sizeof c, ratio, 3);
	double gain = lower_better ? ref / ours : ours / ref;
	if (isnan(gain) || isinf(gain) || gain <= 0)
		d[0] = 0;
	else if (gain >= 1)
		snprintf(d, sizeof d, "%.1fx %s", gain, word);
	else
		snprintf(d, sizeof d, "%.2fx (worse)", gain);
	printf("%-48s %12s %12s %9s  %s\n", label, a, b, c, d);
}

/* -1 (not measured) as NaN */
static double val(long v)
{
	return v < 0 ? NAN : (double)v;
}
static double kib(long bytes)
{
	return bytes < 0 ? NAN : bytes / 1024.0;
}

/* "kernel link create at 1000 containers - at 0: +X ms (our ADD at 0: Y ms)" */
static void kfloor_growth(const char *what, double growth, const char *op, double ours_grow)
{
	char g[32], o[32];
	int lo = idx_scale(0), hi = idx_scale(1);
	fmt_num(g, sizeof g, growth, 3);
	fmt_num(o, sizeof o, ours_grow, 3);
	printf("      kernel %s at %d containers - at %d: %s%s ms (our %s: %s%s ms)\n", what,
	       opt.scale[hi], opt.scale[lo], growth >= 0 ? "+" : "", g, op,
	       ours_grow >= 0 ? "+" : "", o);
}

/* "portmap ADD's floor in the chain at 1000 mapped - at 0: +X ms (our
 * portmap ADD: +Y ms)" */
static void pmfloor_growth(const char *cmd, const struct dist (*floor)[NIMPL],
			   const struct dist (*step)[NSTEPS][NIMPL], int k)
{
	int lo = idx_scale(0), hi = idx_scale(1);
	printf("      portmap %s's floor in the chain at %d mapped - at %d: %+.3f ms (our portmap "
	       "%s: %+.3f ms)\n",
	       cmd, opt.scale[hi], opt.scale[lo], floor[hi][OURS].med - floor[lo][OURS].med, cmd,
	       step[hi][k][OURS].med - step[lo][k][OURS].med);
}

static void table_header(void)
{
	printf("%-48s %12s %12s %9s  %s\n", "metric", "reference", "ours", "ours/ref", "");
	printf("%-48s %12s %12s %9s\n", "------------------------------------------------",
	       "------------", "------------", "---------");
}

static void rows_latency(const char *what, const struct results *r)
{
	char l[96];
	snprintf(l, sizeof l, "%s ADD latency median (ms)", what);
	row(l, r->add[REF].med, r->add[OURS].med, 3, 1, "faster");
	snprintf(l, sizeof l, "%s ADD latency p90 (ms)", what);
	row(l, r->add[REF].p90, r->add[OURS].p90, 3, 1, "faster");
	snprintf(l, sizeof l, "%s ADD latency p99 (ms)", what);
	row(l, r->add[REF].p99, r->add[OURS].p99, 3, 1, "faster");
	snprintf(l, sizeof l, "%s DEL latency median (ms)", what);
	row(l, r->del[REF].med, r->del[OURS].med, 3, 1, "faster");
	snprintf(l, sizeof l, "%s DEL latency p90 (ms)", what);
	row(l, r->del[REF].p90, r->del[OURS].p90, 3, 1, "faster");
	snprintf(l, sizeof l, "%s DEL latency p99 (ms)", what);
	row(l, r->del[REF].p99, r->del[OURS].p99, 3, 1, "faster");
	snprintf(l, sizeof l, "%s ADD throughput, %d callers (ops/s)", what, opt.par);
	row(l, r->tput_add[REF], r->tput_add[OURS], 1, 0, "more");
	snprintf(l, sizeof l, "%s DEL throughput, %d callers (ops/s)", what, opt.par);
	row(l, r->tput_del[REF], r->tput_del[OURS], 1, 0, "more");
	for (int s = 0; s < opt.nscale; s++) {
		snprintf(l, sizeof l, "%s ADD median, %d containers (ms)", what, opt.scale[s]);
		row(l, r->sc_add[s][REF].med, r->sc_add[s][OURS].med, 3, 1, "faster");
	}
	for (int s = 0; s < opt.nscale; s++) {
		snprintf(l, sizeof l, "%s DEL median, %d containers (ms)", what, opt.scale[s]);
		row(l, r->sc_del[s][REF].med, r->sc_del[s][OURS].med, 3, 1, "faster");
	}
}

static void print_table(const struct results *b, const struct results *c)
{
	char l[96];
	printf("\ncni-bench: ours vs the reference, run as a runtime does\n");
	printf("  reference: %s\n  ours:      %s\n", opt.dir[REF], opt.dir[OURS]);
	printf("  machine:   %ld cpus, %s, Linux %s\n", ncpu, cpu_model, uts.release);
	printf("  run:       %d sequential ADD+DEL (after %d warmup), %d callers x %d rounds of "
	       "%d, scale",
	       opt.n, opt.warmup, opt.par, opt.rounds, opt.tput_ops);
	for (int i = 0; i < opt.nscale; i++)
		printf("%s%d", i ? "," : " ", opt.scale[i]);
	printf(" (%d samples each", opt.scale_n);
	if (opt.fill_settle_s)
		printf(", measured %d s after each fill", opt.fill_settle_s);
	printf(")");
	if (opt.settle_ms)
		printf(", %d ms pause before each sequential call", opt.settle_ms);
	if (opt.order >= 0)
		printf(", %s always first", impl_key[opt.order]);
	printf(", %.0f s%s%s\n", b->total_s + c->total_s, opt.label ? ", " : "",
	       opt.label ? opt.label : "");
	printf("  bridge:    isGateway+ipMasq+hairpinMode, host-local " SUBNET
	       ", cniVersion 1.0.0\n");
	printf("  host:      a netns of its own per implementation, conntrack %s\n",
	       opt.node_conntrack ? "already in use there (--node-conntrack)"
				  : "started there by the plugins' own NAT rules");
	if (c->measured) {
		char *lo = chain_bin(OURS, "loopback"), *pm = chain_bin(OURS, "portmap");
		printf("  chain:     loopback (go-cni's network), then bridge + host-local and "
		       "portmap "
		       "with one hostPort,\n"
		       "             prevResult handed on as libcni does; ours runs %s and %s\n",
		       lo, pm);
		free(lo);
		free(pm);
	}
	if (b->measured) {
		printf("\n");
		table_header();
		rows_latency("bridge", b);
		/* the same kernel work in each runner: the ratio is ~1 */
		for (int s = 0; s < opt.nscale; s++) {
			snprintf(l, sizeof l, KF_ROW, "create", opt.scale[s]);
			row(l, b->kf_create[s][REF].med, b->kf_create[s][OURS].med, 3, 1, "faster");
		}
		for (int s = 0; s < opt.nscale; s++) {
			snprintf(l, sizeof l, KF_ROW, "delete", opt.scale[s]);
			row(l, b->kf_delete[s][REF].med, b->kf_delete[s][OURS].med, 3, 1, "faster");
		}
		for (int s = 0; s < opt.nscale; s++) {
			snprintf(l, sizeof l, "exec of an empty program, %d containers (ms)",
				 opt.scale[s]);
			row(l, b->exec_floor[s][REF].med, b->exec_floor[s][OURS].med, 3, 1,
			    "faster");
		}
		row("host-local alone: ADD median (ms)", b->ipam_add[REF].med,
		    b->ipam_add[OURS].med, 3, 1, "faster");
		row("host-local alone: DEL median (ms)", b->ipam_del[REF].med,
		    b->ipam_del[OURS].med, 3, 1, "faster");
		row("peak RSS of an ADD, bridge tree (KiB)", val(b->rss_max[REF]),
		    val(b->rss_max[OURS]), 0, 1, "smaller");
		row("host-local alone: ADD peak RSS (KiB)", val(b->ipam_rss_max[REF]),
		    val(b->ipam_rss_max[OURS]), 0, 1, "smaller");
	}
	if (c->measured) {
		printf("\n");
		table_header();
		rows_latency("chain", c);
		for (int k = 0; k < NSTEPS; k++) {
			snprintf(l, sizeof l, "  of which %s ADD median (ms)", chain_add_step[k]);
			row(l, c->step_add[k][REF].med, c->step_add[k][OURS].med, 3, 1, "faster");
		}
		for (int k = 0; k < NSTEPS; k++) {
			snprintf(l, sizeof l, "  of which %s DEL median (ms)", chain_del_step[k]);
			row(l, c->step_del[k][REF].med, c->step_del[k][OURS].med, 3, 1, "faster");
		}
		for (int s = 0; s < opt.nscale; s++) {
			snprintf(l, sizeof l, "portmap ADD median, %d mapped (ms)", opt.scale[s]);
			row(l, c->sc_step_add[s][PM_ADD][REF].med,
			    c->sc_step_add[s][PM_ADD][OURS].med, 3, 1, "faster");
		}
		for (int s = 0; s < opt.nscale; s++) {
			snprintf(l, sizeof l, "portmap DEL median, %d mapped (ms)", opt.scale[s]);
			row(l, c->sc_step_del[s][PM_DEL][REF].med,
			    c->sc_step_del[s][PM_DEL][OURS].med, 3, 1, "faster");
		}
		for (int s = 0; s < opt.nscale; s++) {
			snprintf(l, sizeof l, "kernel nft element add, %d mapped (ms)",
				 opt.scale[s]);
			row(l, c->knft_add[s][REF].med, c->knft_add[s][OURS].med, 3, 1, "faster");
		}
		for (int s = 0; s < opt.nscale; s++) {
			snprintf(l, sizeof l, "kernel nft element delete, %d mapped (ms)",
				 opt.scale[s]);
			row(l, c->knft_del[s][REF].med, c->knft_del[s][OURS].med, 3, 1, "faster");
		}
		for (int s = 0; s < opt.nscale && opt.exec_floor; s++) {
			snprintf(l, sizeof l, "exec of an empty program, %d mapped (ms)",
				 opt.scale[s]);
			row(l, c->exec_floor[s][REF].med, c->exec_floor[s][OURS].med, 3, 1,
			    "faster");
		}
		for (int s = 0; s < opt.nscale && opt.exec_floor; s++) {
			snprintf(l, sizeof l, "portmap ADD's floor in the chain, %d mapped (ms)",
				 opt.scale[s]);
			row(l, c->pmfloor_add[s][REF].med, c->pmfloor_add[s][OURS].med, 3, 1,
			    "faster");
		}
		for (int s = 0; s < opt.nscale && opt.exec_floor; s++) {
			snprintf(l, sizeof l, "portmap DEL's floor in the chain, %d mapped (ms)",
				 opt.scale[s]);
			row(l, c->pmfloor_del[s][REF].med, c->pmfloor_del[s][OURS].med, 3, 1,
			    "faster");
		}
	}
	printf("\n");
	table_header();
	if (cri.have) {
		snprintf(l, sizeof l, "pod network setup in containerd, median (ms)");
		row(l, cri.d[REF].med, cri.d[OURS].med, 3, 1, "faster");
		snprintf(l, sizeof l, "pod network setup in containerd, p90 (ms)");
		row(l, cri.d[REF].p90, cri.d[OURS].p90, 3, 1, "faster");
		printf(
		    "      (containerd's CRI log, \"begin cni setup\" to \"cni result\", %d and %d "
		    "pods)\n",
		    cri.d[REF].n, cri.d[OURS].n);
		if (cri.have_floor) {
			printf(
			    "pod network setup in containerd, no-op plugins (the floor), median: "
			    "%.3f ms (%d pods)\n",
			    cri.floor.med, cri.floor.n);
			snprintf(l, sizeof l, "  the plugins' share above the floor (ms)");
			row(l, cri_share(REF), cri_share(OURS), 3, 1, "smaller");
		}
	} else {
		printf("pod network setup in containerd: not measured%s%s\n",
		       opt.cri_skip ? ": " : "", opt.cri_skip ? opt.cri_skip : "");
	}
	const struct results *r = b->measured ? b : c;
	row("bridge binary, stripped (KiB)", kib(r->size_bridge[REF]), kib(r->size_bridge[OURS]), 1,
	    1, "smaller");
	row("host-local binary, stripped (KiB)", kib(r->size_ipam[REF]), kib(r->size_ipam[OURS]), 1,
	    1, "smaller");
	row("portmap binary, stripped (KiB)", kib(r->size_portmap[REF]), kib(r->size_portmap[OURS]),
	    1, 1, "smaller");
	row("loopback binary, stripped (KiB)", kib(r->size_loopback[REF]),
	    kib(r->size_loopback[OURS]), 1, 1, "smaller");
	printf("\nBudgets (informational; they do not change the exit status):\n");
	for (int i = 0; i < nbudgets; i++) {
		const struct budget *bu = &budgets[i];
		char v[32], t[32];
		fmt_num(v, sizeof v, bu->value, 2);
		fmt_num(t, sizeof t, bu->target, 2);
		printf("%s  %-70s %s %s (%s %s)\n", budget_pass(bu) ? "PASS" : "MISS", bu->what, v,
		       bu->unit, bu->higher_better ? ">=" : "<=", t);
	}
	/* not a budget: how much of our growth with the ports is the kernel's */
	int lo = idx_scale(0), hi = idx_scale(1);
	if (b->measured) {
		kfloor_growth("link create",
			      b->kf_create[hi][OURS].med - b->kf_create[lo][OURS].med, "bridge ADD",
			      b->sc_add[hi][OURS].med - b->sc_add[lo][OURS].med);
		kfloor_growth("link delete",
			      b->kf_delete[hi][OURS].med - b->kf_delete[lo][OURS].med, "bridge DEL",
			      b->sc_del[hi][OURS].med - b->sc_del[lo][OURS].med);
	}
	if (c->measured) {
		kfloor_growth("nft element add",
			      c->knft_add[hi][OURS].med - c->knft_add[lo][OURS].med, "portmap ADD",
			      c->sc_step_add[hi][PM_ADD][OURS].med -
				  c->sc_step_add[lo][PM_ADD][OURS].med);
		kfloor_growth("nft element delete",
			      c->knft_del[hi][OURS].med - c->knft_del[lo][OURS].med, "portmap DEL",
			      c->sc_step_del[hi][PM_DEL][OURS].med -
				  c->sc_step_del[lo][PM_DEL][OURS].med);
		if (opt.exec_floor)
			printf("      exec of an empty program at %d mapped - at %d: %+.3f ms (in "
			       "the floor chain spawns it)\n",
			       opt.scale[hi], opt.scale[lo],
			       c->exec_floor[hi][OURS].med - c->exec_floor[lo][OURS].med);
		if (opt.exec_floor) {
			pmfloor_growth("ADD", c->pmfloor_add, c->sc_step_add, PM_ADD);
			pmfloor_growth("DEL", c->pmfloor_del, c->sc_step_del, PM_DEL);
		}
	}
	if (total_fail[REF] || total_fail[OURS])
		printf("\nFAILED plugin calls: reference %ld, ours %ld (see the messages above)\n",
		       total_fail[REF], total_fail[OURS]);
	printf("\n");
}

static void jnum(FILE *f, double v, int prec)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.*f", prec, v);
}

static void jdist(FILE *f, const struct dist *d)
{
	fprintf(f, "{\"n\":%d,\"failed\":%d,\"median\":", d->n, d->nfail);
	jnum(f, d->med, 4);
	fprintf(f, ",\"p90\":");
	jnum(f, d->p90, 4);
	fprintf(f, ",\"p99\":");
	jnum(f, d->p99, 4);
	fprintf(f, ",\"max\":");
	jnum(f, d->max, 4);
	fprintf(f, "}");
}

/* , "key": {"reference": <dist>, "ours": <dist>} */
static void jdist_pair(FILE *f, const char *key, const struct dist d[NIMPL])
{
	fprintf(f, ", \"%s\": {\"reference\": ", key);
	jdist(f, &d[REF]);
	fprintf(f, ", \"ours\": ");
	jdist(f, &d[OURS]);
	fprintf(f, "}");
}

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* "name": {"reference": X, "ours": Y, "ratio": Y/X} */
static void jpair(FILE *f, const char *name, double ref, double ours, int prec, int comma)
{
	fprintf(f, "    \"%s\": {\"reference\": ", name);
	jnum(f, ref, prec);
	fprintf(f, ", \"ours\": ");
	jnum(f, ours, prec);
	fprintf(f, ", \"ratio\": ");
	jnum(f, ours / ref, 4);
	fprintf(f, "}%s\n", comma ? "," : "");
}

static void jdpair(FILE *f, const char *name, const struct dist d[NIMPL], int comma)
{
	fprintf(f, "    \"%s\": {\"reference\": ", name);
	jdist(f, &d[REF]);
	fprintf(f, ", \"ours\": ");
	jdist(f, &d[OURS]);
	fprintf(f, ", \"ratio_median\": ");
	jnum(f, d[OURS].med / d[REF].med, 4);
	fprintf(f, "}%s\n", comma ? "," : "");
}

/* the figures both parts have */
static void json_common(FILE *f, const struct results *r)
{
	jdpair(f, "add_latency", r->add, 1);
	jdpair(f, "del_latency", r->del, 1);
	jpair(f, "add_throughput", r->tput_add[REF], r->tput_add[OURS], 2, 1);
	jpair(f, "del_throughput", r->tput_del[REF], r->tput_del[OURS], 2, 1);
	jdpair(f, "add_latency_under_load", r->tput_add_lat, 1);
	jdpair(f, "del_latency_under_load", r->tput_del_lat, 1);
}

static void print_json(FILE *f, const struct results *b, const struct results *c)
{
	fprintf(f, "{\n  \"machine\": {\"nproc\": %ld, \"cpu\": ", ncpu);
	jstr(f, cpu_model);
	fprintf(f, ", \"kernel\": ");
	jstr(f, uts.release);
	fprintf(f, "},\n  \"implementations\": {\"reference\": ");
	jstr(f, opt.dir[REF]);
	fprintf(f, ", \"ours\": ");
	jstr(f, opt.dir[OURS]);
	fprintf(f,
		"},\n  \"params\": {\"n\": %d, \"warmup\": %d, \"par\": %d, \"tput_ops\": %d, "
		"\"rounds\": %d, \"scale_n\": %d, \"settle_ms\": %d, \"fill_settle_s\": %d, "
		"\"node_conntrack\": %s, \"order\": \"%s\", \"scale\": [",
		opt.n, opt.warmup, opt.par, opt.tput_ops, opt.rounds, opt.scale_n, opt.settle_ms,
		opt.fill_settle_s, opt.node_conntrack ? "true" : "false",
		opt.order < 0	    ? "alternate"
		: opt.order == OURS ? "ours-first"
				    : "ref-first");
	for (int i = 0; i < opt.nscale; i++)
		fprintf(f, "%s%d", i ? ", " : "", opt.scale[i]);
	fprintf(f, "]},\n  \"units\": {\"latency\": \"ms\", \"throughput\": \"ops/s\", "
		   "\"size\": \"bytes\", \"rss\": \"KiB\"},\n");
	const struct results *r = b->measured ? b : c;
	fprintf(f, "  \"sizes\": {\n");
	jpair(f, "bridge_size_stripped", val(r->size_bridge[REF]), val(r->size_bridge[OURS]), 0, 1);
	jpair(f, "host_local_size_stripped", val(r->size_ipam[REF]), val(r->size_ipam[OURS]), 0, 1);
	jpair(f, "portmap_size_stripped", val(r->size_portmap[REF]), val(r->size_portmap[OURS]), 0,
	      1);
	jpair(f, "loopback_size_stripped", val(r->size_loopback[REF]), val(r->size_loopback[OURS]),
	      0, 0);
	fprintf(f, "  },\n");
	if (b->measured) {
		fprintf(f, "  \"results\": {\n");
		json_common(f, b);
		jdpair(f, "host_local_alone_add_latency", b->ipam_add, 1);
		jdpair(f, "host_local_alone_del_latency", b->ipam_del, 1);
		fprintf(f, "    \"scale\": [\n");
		for (int s = 0; s < opt.nscale; s++) {
			fprintf(f, "      {\"containers\": %d", opt.scale[s]);
			jdist_pair(f, "add", b->sc_add[s]);
			jdist_pair(f, "del", b->sc_del[s]);
			jdist_pair(f, "kernel_link_create", b->kf_create[s]);
			jdist_pair(f, "kernel_link_delete", b->kf_delete[s]);
			jdist_pair(f, "exec_floor", b->exec_floor[s]);
			fprintf(f, "}%s\n", s + 1 < opt.nscale ? "," : "");
		}
		fprintf(f, "    ],\n");
		jpair(f, "bridge_size_stripped", val(b->size_bridge[REF]),
		      val(b->size_bridge[OURS]), 0, 1);
		jpair(f, "host_local_size_stripped", val(b->size_ipam[REF]),
		      val(b->size_ipam[OURS]), 0, 1);
		jpair(f, "add_peak_rss", val(b->rss_max[REF]), val(b->rss_max[OURS]), 0, 1);
		jpair(f, "host_local_add_peak_rss", val(b->ipam_rss_max[REF]),
		      val(b->ipam_rss_max[OURS]), 0, 0);
		fprintf(f, "  },\n");
	}
	if (c->measured) {
		char *lo = chain_bin(OURS, "loopback"), *pm = chain_bin(OURS, "portmap");
		fprintf(f, "  \"chain\": {\n    \"ours_loopback\": ");
		jstr(f, lo);
		fprintf(f, ", \"ours_portmap\": ");
		jstr(f, pm);
		fprintf(f, ",\n");
		free(lo);
		free(pm);
		json_common(f, c);
		fprintf(f,
			"    \"steps\": {\"add_order\": \"%s %s %s\", \"del_order\": \"%s %s %s\"",
			chain_add_step[0], chain_add_step[1], chain_add_step[2], chain_del_step[0],
			chain_del_step[1], chain_del_step[2]);
		for (int k = 0; k < NSTEPS; k++) {
			char key[48];
			snprintf(key, sizeof key, "%s_add", chain_add_step[k]);
			jdist_pair(f, key, c->step_add[k]);
			snprintf(key, sizeof key, "%s_del", chain_del_step[k]);
			jdist_pair(f, key, c->step_del[k]);
		}
		fprintf(f, "},\n    \"scale\": [\n");
		for (int s = 0; s < opt.nscale; s++) {
			fprintf(f, "      {\"containers\": %d", opt.scale[s]);
			jdist_pair(f, "add", c->sc_add[s]);
			jdist_pair(f, "del", c->sc_del[s]);
			jdist_pair(f, "portmap_add", c->sc_step_add[s][PM_ADD]);
			jdist_pair(f, "portmap_del", c->sc_step_del[s][PM_DEL]);
			jdist_pair(f, "kernel_nft_add", c->knft_add[s]);
			jdist_pair(f, "kernel_nft_del", c->knft_del[s]);
			if (opt.exec_floor) {
				jdist_pair(f, "exec_floor", c->exec_floor[s]);
				jdist_pair(f, "portmap_add_floor", c->pmfloor_add[s]);
				jdist_pair(f, "portmap_del_floor", c->pmfloor_del[s]);
			}
			fprintf(f, "}%s\n", s + 1 < opt.nscale ? "," : "");
		}
		fprintf(f, "    ]\n  },\n");
	}
	fprintf(f, "  \"cri\": ");
	if (cri.have) {
		fprintf(f, "{\"pod_network_setup\": {\"reference\": ");
		jdist(f, &cri.d[REF]);
		fprintf(f, ", \"ours\": ");
		jdist(f, &cri.d[OURS]);
		fprintf(f, "}");
		if (cri.have_floor) {
			fprintf(f, ", \"floor\": ");
			jdist(f, &cri.floor);
			fprintf(f, ", \"share_ms\": {\"reference\": %.3f, \"ours\": %.3f}",
				cri_share(REF), cri_share(OURS));
		}
		fprintf(f, "},\n");
	} else {
		fprintf(f, "{\"skipped\": ");
		jstr(f, opt.cri_skip ? opt.cri_skip : "not run");
		fprintf(f, "},\n");
	}
	fprintf(f, "  \"budgets\": [\n");
	for (int i = 0; i < nbudgets; i++) {
		const struct budget *bu = &budgets[i];
		fprintf(f, "    {\"what\": ");
		jstr(f, bu->what);
		fprintf(f, ", \"value\": ");
		jnum(f, bu->value, 4);
		fprintf(f, ", \"target\": ");
		jnum(f, bu->target, 4);
		fprintf(f, ", \"unit\": \"%s\", \"higher_better\": %s, \"pass\": %s}%s\n", bu->unit,
			bu->higher_better ? "true" : "false", budget_pass(bu) ? "true" : "false",
			i + 1 < nbudgets ? "," : "");
	}
	fprintf(f, "  ],\n  \"failed_calls\": {\"reference\": %ld, \"ours\": %ld},\n",
		total_fail[REF], total_fail[OURS]);
	fprintf(f, "  \"seconds\": %.1f\n}\n", b->total_s + c->total_s);
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: cni-bench --tmp DIR --ours DIR [--ref DIR] [--n N] [--warmup N]\n"
			"                 [--par P] [--tput-ops M] [--rounds R] [--scale L,L,..]\n"
			"                 [--scale-n K] [--rss-n K] [--json] [--json-out FILE]\n"
			"                 [--settle-ms MS] [--fill-settle-s S] [--label TEXT]\n"
			"                 [--exec-floor BIN] [--no-chain | --chain-only]\n"
			"                 [--cri FILE | --cri-skip REASON] [--node-conntrack]\n"
			"                 [--order alternate|ours-first|ref-first]\n");
	exit(2);
}

static int parse_int(const char *s, int min)
{
	char *e;
	long v = strtol(s, &e, 10);
	if (!*s || *e || v < min || v > 1000000)
		die("bad number: %s", s);
	return (int)v;
}

static void parse_scale(const char *s)
{
	char *dup = xstrdup(s), *save = NULL;
	opt.nscale = 0;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (opt.nscale == 16)
			die("at most 16 scale levels");
		opt.scale[opt.nscale++] = parse_int(t, 0);
	}
	free(dup);
	if (!opt.nscale)
		die("--scale needs at least one level");
	for (int i = 1; i < opt.nscale; i++)
		if (opt.scale[i] <= opt.scale[i - 1])
			die("--scale levels must be increasing");
}

static void need_exec(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	if (access(p, X_OK))
		die("%s: no executable %s there", dir, name);
	free(p);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && (v || (usage(), 0)) && ++i)
		if (ARG("--tmp"))
			opt.tmp = v;
		else if (ARG("--ours"))
			opt.dir[OURS] = v;
		else if (ARG("--ref"))
			opt.dir[REF] = v;
		else if (ARG("--n"))
			opt.n = parse_int(v, 1);
		else if (ARG("--warmup"))
			opt.warmup = parse_int(v, 0);
		else if (ARG("--par"))
			opt.par = parse_int(v, 1);
		else if (ARG("--tput-ops"))
			opt.tput_ops = parse_int(v, 1);
		else if (ARG("--rounds"))
			opt.rounds = parse_int(v, 1);
		else if (ARG("--scale"))
			parse_scale(v);
		else if (ARG("--scale-n"))
			opt.scale_n = parse_int(v, 1);
		else if (ARG("--rss-n"))
			opt.rss_n = parse_int(v, 1);
		else if (ARG("--settle-ms"))
			opt.settle_ms = parse_int(v, 0);
		else if (ARG("--fill-settle-s"))
			opt.fill_settle_s = parse_int(v, 0);
		else if (ARG("--json-out"))
			opt.json_out = v;
		else if (ARG("--label"))
			opt.label = v;
		else if (ARG("--exec-floor"))
			opt.exec_floor = v;
		else if (ARG("--cri"))
			opt.cri = v;
		else if (ARG("--cri-skip"))
			opt.cri_skip = v;
		else if (!strcmp(a, "--no-chain"))
			opt.chain = 0;
		else if (!strcmp(a, "--chain-only"))
			opt.bridge = 0;
		else if (!strcmp(a, "--json"))
			opt.json = 1;
		else if (!strcmp(a, "--node-conntrack"))
			opt.node_conntrack = 1;
		else if (ARG("--order"))
			opt.order = !strcmp(v, "alternate")    ? -1
				    : !strcmp(v, "ours-first") ? OURS
				    : !strcmp(v, "ref-first")  ? REF
							       : (usage(), 0);
		else
			usage();
#undef ARG
	}
	if (!opt.tmp || !opt.dir[OURS] || !(opt.bridge || opt.chain))
		usage();
	if (geteuid() != 0)
		die("must run as root (it creates network namespaces)");
	for (int i = 0; i < NIMPL; i++) {
		if (opt.dir[i][0] != '/')
			die("%s: need an absolute path", opt.dir[i]);
		need_exec(opt.dir[i], "bridge");
		need_exec(opt.dir[i], "host-local");
	}
	if (opt.chain) {
		need_exec(opt.dir[REF], "loopback");
		need_exec(opt.dir[REF], "portmap");
	}
	if (opt.exec_floor && access(opt.exec_floor, X_OK))
		die("%s: not executable", opt.exec_floor);
	signal(SIGPIPE, SIG_IGN);
	machine_info();
	read_cri();

	struct results *res = calloc(2, sizeof *res);
	if (!res)
		die("out of memory");
	static const char *bins[] = {"bridge", "host-local", "portmap", "loopback"};
	for (int i = 0; i < NIMPL; i++) {
		long *sz[] = {res[0].size_bridge, res[0].size_ipam, res[0].size_portmap,
			      res[0].size_loopback};
		for (int k = 0; k < 4; k++) {
			char *b = xasprintf("%s/%s", opt.dir[i], bins[k]);
			char *t = xasprintf("%s-%s", impl_key[i], bins[k]);
			sz[k][i] = stripped_size(b, t);
			free(b);
			free(t);
		}
	}
	memcpy(res[1].size_bridge, res[0].size_bridge, sizeof res[0].size_bridge);
	memcpy(res[1].size_ipam, res[0].size_ipam, sizeof res[0].size_ipam);
	memcpy(res[1].size_portmap, res[0].size_portmap, sizeof res[0].size_portmap);
	memcpy(res[1].size_loopback, res[0].size_loopback, sizeof res[0].size_loopback);

	t_begin = now_ns();
	if (opt.bridge)
		run_part(&res[0], 0);
	if (opt.chain)
		run_part(&res[1], 1);

	compute_budgets(&res[0], &res[1]);
	if (opt.json)
		print_json(stdout, &res[0], &res[1]);
	else
		print_table(&res[0], &res[1]);
	if (opt.json_out) {
		FILE *f = fopen(opt.json_out, "w");
		if (!f)
			die("%s: %s", opt.json_out, strerror(errno));
		print_json(f, &res[0], &res[1]);
		fclose(f);
	}
	fflush(stdout);
	if (total_fail[REF] || total_fail[OURS]) {
		fprintf(stderr, "cni-bench: %ld reference and %ld of our plugin calls failed\n",
			total_fail[REF], total_fail[OURS]);
		return 1;
	}
	return 0;
}
