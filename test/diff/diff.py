#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Differential test: our bridge + host-local against the reference 1.1.1.

Every case of cases.py runs twice, once with each side's binaries, each
time in fresh private network namespaces (a "host" netns and container
netns made here; nothing touches the machine's own). Of each run it keeps
what a runtime or an operator could observe: the printed result or error
object and exit status of every command, the host's and the containers'
links (with bridge and port attributes), addresses, routes, bridge VLANs,
the relevant sysctls, the nftables/iptables state, the IPAM store, and the
same again after DEL. Random names and MACs (veth names, MACs, IPv6
link-local addresses derived from them), netns paths and the data
directory are normalised, so that equal behaviour compares equal.

Then the two runs are diffed. A difference passes only when an entry of
allow.py explains it; each entry cites a bullet of docs/differences.md
("Differences from the reference"), and the two must list the same
bullet ids. An entry no case needs is an error too (the list stays tight).

  diff.py --ours BIN_DIR [--ref /usr/lib/cni] [--no-self] [-k CASE_SUBSTR] [-v]

Each case also runs the reference a second time, compared with its first
run with no allow-list: any difference there means the normalisation is
unsound. Exit 0 when every difference is allowed (and every entry used),
1 otherwise.
Only the standard library is used.
"""
import argparse
import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import allow  # noqa: E402
import cases  # noqa: E402

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
MAC_RE = re.compile(r"\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\b")
VETH_RE = re.compile(r"\bveth[0-9a-f]{8}\b")
# bridge and root IDs: "8000.a:bb:..." (priority, then the MAC unpadded)
BRID_RE = re.compile(r"\b([0-9a-f]{4})\.([0-9a-f]{1,2}(?::[0-9a-f]{1,2}){5})\b")
LL_RE = re.compile(r"\bfe80::[0-9a-f:]+\b")
# link details that are timers, counters or kernel-chosen identifiers
VOLATILE = {
    "ifindex", "link_index", "link_netnsid", "addr_info_valid", "valid_life_time",
    "preferred_life_time", "hello_timer", "tcn_timer", "topology_change_timer",
    "gc_timer", "hold_timer", "message_age_timer", "forward_delay_timer", "stats",
    "stats64", "txqlen", "num_tx_queues", "num_rx_queues", "gso_max_size",
    "gso_max_segs", "gro_max_size", "tso_max_size", "tso_max_segs", "gso_ipv4_max_size",
    "gro_ipv4_max_size", "parentbus", "parentdev", "inet6_addr_gen_mode", "no", "id",
    "port_no", "port_id", "designated_port", "designated_cost", "root_port", "root_path_cost",
    "multicast_router_timer", "expires", "cacheinfo", "min_mtu", "max_mtu", "allmulti",
    "link_type", "group", "promiscuity", "altnames", "linkmode",
    # IPv6 DAD in progress: timing; what decides it (accept_dad, nodad) is compared
    "tentative",
    # set by the link watch up to a second after the carrier (in "flags") changes
    "operstate",
}
SYSCTLS_LINK = [
    "net/ipv6/conf/{}/accept_ra", "net/ipv6/conf/{}/accept_dad", "net/ipv6/conf/{}/forwarding",
    "net/ipv6/conf/{}/disable_ipv6", "net/ipv4/conf/{}/arp_notify", "net/ipv4/conf/{}/forwarding",
]
SYSCTLS_NS = ["net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding"]


def sh(args, inp=None, env=None, check=False):
    p = subprocess.run(args, input=inp, capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), p.stderr.strip()))
    return p


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


def read_sysctls(ns, keys):
    """Read /proc/sys keys inside netns ns (this thread only, then back)."""
    orig = os.open("/proc/self/ns/net", os.O_RDONLY)
    out = {}
    try:
        setns("/var/run/netns/" + ns)
        for k in keys:
            try:
                with open("/proc/sys/" + k) as f:
                    out[k] = f.read().strip()
            except OSError:
                pass
    finally:
        libc.setns(orig, CLONE_NEWNET)
        os.close(orig)
    return out


class Run:
    """One side's run of one case, in netns of its own."""

    def __init__(self, case, bindir, tag):
        self.case, self.bindir, self.tag = case, bindir, tag
        self.host = "dfh-" + tag
        self.conts = ["dfc-%s-%d" % (tag, i) for i in range(case.get("containers", 1))]
        self.dir = tempfile.mkdtemp(prefix="cni-diff-")
        self.data = os.path.join(self.dir, "data")
        self.results = {}  # container index -> its ADD's result

    # ---- setup / teardown ----
    def up(self):
        for ns in [self.host] + self.conts:
            sh(["ip", "netns", "add", ns], check=True)
        for cmd in self.case.get("setup", []):
            self.setup_cmd(cmd)

    def setup_cmd(self, cmd):
        # "host: ip ..." or "c0: ip ..." run with -n of that netns
        where, rest = cmd.split(":", 1)
        ns = self.host if where == "host" else self.conts[int(where[1:])]
        args = rest.split()
        if args[0] == "ip":
            sh(["ip", "-n", ns] + args[1:], check=True)
        elif args[0] == "file":  # file NAME CONTENT...
            with open(os.path.join(self.dir, args[1]), "w") as f:
                f.write(" ".join(args[2:]).replace("\\n", "\n") + "\n")
        else:
            sh(["ip", "netns", "exec", ns] + args, check=True)

    def down(self):
        for ns in [self.host] + self.conts:
            sh(["ip", "netns", "del", ns])
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- commands ----
    def conf(self, step):
        c = cases.conf(self.case, step)
        # as libcni: CHECK and DEL (0.4.0 on) get the ADD's result
        prev = self.results.get(step.get("c", 0))
        if (isinstance(c, dict) and prev and step["cmd"] in ("CHECK", "DEL")
                and cases.has_check(c.get("cniVersion", "0.1.0"))):
            c["prevResult"] = prev
        s = json.dumps(c) if not isinstance(c, str) else c
        return s.replace("@DATA@", self.data).replace("@DIR@", self.dir)

    def exec_cmd(self, step):
        cmd = step["cmd"]
        ci = step.get("c", 0)
        env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "CNI_COMMAND": cmd,
            "CNI_CONTAINERID": step.get("cid", "ctr-%d" % ci),
            "CNI_NETNS": "/var/run/netns/" + self.conts[ci],
            "CNI_IFNAME": step.get("ifname", "eth0"),
            "CNI_PATH": self.bindir,
        }
        env.update(step.get("env", {}))
        env = {k: v for k, v in env.items() if v is not None}
        p = sh(["ip", "netns", "exec", self.host, os.path.join(self.bindir, "bridge")],
               inp=self.conf(step), env=env)
        out = p.stdout.strip()
        try:
            parsed = json.loads(out) if out else None
        except ValueError:
            parsed = {"unparsable": out}
        if cmd == "ADD" and p.returncode == 0 and isinstance(parsed, dict):
            self.results[ci] = parsed
        return {"exit": p.returncode, "stdout": parsed}

    # ---- observation ----
    def ns_state(self, ns, host):
        links = [l for l in self.settle(ns) if l.get("ifname") != "lo"]
        links.sort(key=lambda l: l.get("ifindex", 0))
        routes = []
        for fam in ("-4", "-6"):
            r = json.loads(sh(["ip", "-n", ns, fam, "-j", "route", "show", "table", "all"],
                              check=True).stdout or "[]")
            # the local (and, forwarding, anycast) routes of IPv6 link-local
            # addresses come with the end of their DAD (timing); the
            # addresses themselves are compared
            for x in r:
                if "linkdown" in x.get("flags", []):
                    x["flags"] = [f for f in x["flags"] if f != "linkdown"]
            routes += [x for x in r if x.get("dev") != "lo" and not (
                x.get("type") in ("local", "anycast") and x.get("dst", "").startswith("fe80:"))]
        keys = list(SYSCTLS_NS)
        for l in links:
            keys += [k.format(l["ifname"]) for k in SYSCTLS_LINK]
        # keyed, so that one extra item shows as itself, not as a shifted list
        for l in links:
            # a bridge's carrier follows its ports' at the kernel's own pace
            # (it can lag the last port's removal); the ports are compared
            if (l.get("linkinfo") or {}).get("info_kind") == "bridge":
                l["flags"] = [f for f in l.get("flags", []) if f not in ("LOWER_UP", "NO-CARRIER")]
            l["addr_info"] = {"%s/%s" % (a.get("local"), a.get("prefixlen")): a
                              for a in l.get("addr_info", [])}
        st = {"links": {l["ifname"]: l for l in links},
              "link_order": [l["ifname"] for l in links],
              "routes": {"%s %s %s %s" % (r.get("table", "main"), r.get("type", "unicast"),
                                          r.get("dst"), r.get("dev")): r for r in routes},
              "sysctl": read_sysctls(ns, keys)}
        if host:
            vl = json.loads(
                sh(["bridge", "-n", ns, "-j", "vlan", "show"], check=True).stdout or "[]")
            st["vlans"] = {v["ifname"]: v.get("vlans") for v in vl}
            st["fw"] = self.fw_state(ns)
        return st

    def fw_state(self, ns):
        p = sh(["ip", "netns", "exec", ns, "nft", "-j", "list", "ruleset"], check=True)
        rs = json.loads(p.stdout).get("nftables", [])
        tables = sorted("%s %s" % (t["table"]["family"], t["table"]["name"])
                        for t in rs if "table" in t)
        return {"tables": tables, "text": p.stdout}

    def store(self):
        out = {}
        for root, dirs, files in os.walk(self.data):
            for f in files:
                p = os.path.join(root, f)
                rel = os.path.relpath(p, self.data)
                with open(p, "rb") as fh:
                    b = fh.read()
                out[rel] = {"mode": "%o" % (os.stat(p).st_mode & 0o7777),
                            "content": b.decode("utf-8", "replace")}
        return out

    def settle(self, ns):
        """The netns's links and addresses (ip -d addr), once settled: wait
        (bounded) for what the kernel finishes after a command returns:
        link-local addresses follow the carrier through the link
        watch (up to a second later), DAD of global IPv6 addresses runs
        for a second or two. (operstate, which the link watch sets too, is
        not compared: the flags show the carrier as it is.)"""
        deadline = time.time() + 5
        while True:
            links = json.loads(sh(["ip", "-n", ns, "-d", "-j", "addr", "show"],
                                  check=True).stdout)
            pending = False
            for l in links:
                if l.get("ifname") == "lo":
                    continue
                carrier = "LOWER_UP" in l.get("flags", [])
                addrs = l.get("addr_info", [])
                if any(a.get("tentative") and not a.get("local", "").startswith("fe80")
                       for a in addrs):
                    pending = True
                if carrier and not any(a.get("local", "").startswith("fe80") for a in addrs) \
                        and self.ipv6_on(ns, l["ifname"]):
                    pending = True
                # a global IPv6 address gets its local route once the link is ready
                for a in addrs:
                    if a.get("family") == "inet6" and not a.get("tentative") and \
                            not a.get("local", "").startswith("fe80") and \
                            a["local"] not in self.local6(ns):
                        pending = True
            if not pending or time.time() > deadline:
                if os.environ.get("DIFF_DEBUG"):
                    print("settle %s %.2f s%s" % (ns, time.time() - deadline + 5,
                                                  " (gave up)" if pending else ""))
                return links
            time.sleep(0.05)

    def local6(self, ns):
        r = json.loads(sh(["ip", "-n", ns, "-6", "-j", "route", "show", "table", "local",
                           "type", "local"]).stdout or "[]")
        return {x.get("dst") for x in r}

    def ipv6_on(self, ns, ifname):
        st = read_sysctls(ns, ["net/ipv6/conf/%s/disable_ipv6" % ifname])
        if st.get("net/ipv6/conf/%s/disable_ipv6" % ifname, "1") != "0":
            return False
        d = json.loads(sh(["ip", "-n", ns, "-d", "-j", "link", "show", "dev", ifname]).stdout
                       or "[{}]")[0]
        return d.get("inet6_addr_gen_mode", "eui64") != "none"

    def snapshot(self):
        s = {"host": self.ns_state(self.host, True), "store": self.store()}
        s["containers"] = [self.ns_state(c, False) for c in self.conts]
        return s

    def run(self):
        self.up()
        try:
            res = []
            for step in cases.steps(self.case):
                if step["cmd"] == "SNAPSHOT":
                    res.append({"snapshot": self.snapshot()})
                elif step["cmd"] == "RUN":
                    # a command between steps, in a netns; its failure is fine
                    ns = self.host if step["where"] == "host" else self.conts[
                        int(step["where"][1:])]
                    sh(["ip", "netns", "exec", ns] + step["argv"])
                else:
                    res.append({step["cmd"]: self.exec_cmd(step)})
            return res
        finally:
            self.down()


# ---- normalisation ----
class Norm:
    def __init__(self, run):
        self.configured = set(MAC_RE.findall(repr(run.case)))
        self.tokens = {}
        self.run = run
        self.count = {}

    def token(self, kind, value):
        key = (kind, value)
        if key not in self.tokens:
            self.count[kind] = self.count.get(kind, 0) + 1
            self.tokens[key] = "<%s%d>" % (kind, self.count[kind])
        return self.tokens[key]

    def random_mac(self, mac):
        """A MAC the kernel or a plugin chose at random: not multicast (the
        bridge's group address...), not zero, not one the case configures."""
        return bool(MAC_RE.fullmatch(mac)) and not int(mac[:2], 16) & 1 and \
            mac != "00:00:00:00:00:00" and mac not in self.configured

    def string(self, s):
        s = s.replace(self.run.data, "<data>").replace(self.run.dir, "<dir>")
        s = s.replace("[%s]" % self.run.bindir, "[<CNI_PATH>]")
        for i, c in enumerate(self.run.conts):
            s = s.replace("/var/run/netns/" + c, "<netns%d>" % i).replace(c, "<ns%d>" % i)
        s = s.replace(self.run.host, "<host>")
        s = BRID_RE.sub(lambda m: m.group(1) + "." + ":".join(
            "%02x" % int(x, 16) for x in m.group(2).split(":")), s)
        s = VETH_RE.sub(lambda m: self.token("veth", m.group(0)), s)
        s = MAC_RE.sub(lambda m: self.token("mac", m.group(0)) if self.random_mac(m.group(0))
                       else m.group(0), s)
        s = LL_RE.sub(lambda m: self.token("ll", m.group(0)), s)
        return s

    def value(self, v, key=None):
        if isinstance(v, dict):
            return {self.string(k): self.value(x, k) for k, x in sorted(v.items())
                    if k not in VOLATILE}
        if isinstance(v, list):
            return [self.value(x, key) for x in v]
        if isinstance(v, str):
            return self.string(v)
        return v


def summarize_fw(snap, ips, macs):
    """Firewall state: the tables present, and which of the container's
    addresses and MACs appear in the ruleset (masquerade, spoof check)."""
    for s in snap:
        if "snapshot" not in s:
            continue
        fw = s["snapshot"]["host"]["fw"]
        text = fw.pop("text")
        fw["container_addresses"] = sorted(ip for ip in ips if re.search(
            r'"%s"' % re.escape(ip), text) or ("%s/32" % ip) in text or ("%s/128" % ip) in text)
        fw["container_macs"] = sorted(m for m in macs if m in text)


def eui64_ll(mac):
    b = [int(x, 16) for x in mac.split(":")]
    b[0] ^= 2
    g = [(b[0] << 8) | b[1], (b[2] << 8) | 0xff, 0xfe00 | b[3], (b[4] << 8) | b[5]]
    return "fe80::" + ":".join("%x" % x for x in g)


def pretoken(n, raw):
    """Name veths by their order of creation (ifindex) and each MAC by the
    first link found holding it ("<mac:c0/eth0>", "<mac:host/<veth1>>"),
    each link-local by its MAC, before anything else is seen: tokens then
    do not depend on random values' sort order, nor shift when one side
    has a link more."""
    for s in raw:
        if "snapshot" not in s:
            continue
        snap = s["snapshot"]
        where = [("host", snap["host"])] + [("c%d" % i, c) for i, c in
                                            enumerate(snap["containers"])]
        for label, st in where:
            for name in st["link_order"]:
                n.string(name)
        for label, st in where:
            for name in st["link_order"]:
                mac = st["links"][name].get("address", "")
                if n.random_mac(mac) and ("mac", mac) not in n.tokens:
                    t = "<mac:%s/%s>" % (label, n.string(name))
                    n.tokens[("mac", mac)] = t
                    n.tokens[("ll", eui64_ll(mac))] = t.replace("<mac:", "<ll:")


LOWEST = "<mac:the lowest of its ports'>"
LL_TAKEN = "<ll:from a MAC the bridge took or had>"


def host_bridges(raw):
    """Each snapshot's host bridges: (links, name, bridge, its ports' MACs)."""
    for s in raw:
        if "snapshot" not in s:
            continue
        links = s["snapshot"]["host"]["links"]
        for name, l in links.items():
            if (l.get("linkinfo") or {}).get("info_kind") == "bridge":
                yield links, name, l, [p.get("address") for p in links.values()
                                       if p.get("master") == name]


def taken_mac_ll(raw):
    """A bridge without a MAC of its own (the reference's) makes its
    link-local from its first random MAC or from the port MAC it takes,
    whichever it holds when carrier comes up: that race goes either way
    from run to run. Such a bridge (its MAC zero, or one another link of
    the run holds or held: a port's, kept after that port went) has its
    link-locals read LL_TAKEN. Ours has its own MAC from creation on:
    untouched."""
    others = set()
    for s in raw:
        if "snapshot" in s:
            snap = s["snapshot"]
            for st in [snap["host"]] + snap["containers"]:
                others.update(l.get("address") for l in st["links"].values()
                              if (l.get("linkinfo") or {}).get("info_kind") != "bridge")
    for links, name, l, ports in host_bridges(raw):
        mac = l.get("address")
        if mac != "00:00:00:00:00:00" and mac not in others:
            continue
        ai = l.get("addr_info") or {}
        for k in [k for k in ai if ai[k].get("local", "").startswith("fe80:")]:
            a = ai.pop(k)
            a["local"] = LL_TAKEN
            ai["%s/%s" % (LL_TAKEN, a.get("prefixlen"))] = a


def lowest_port_mac(raw):
    """A bridge without a MAC of its own takes the lowest of its ports'
    MACs, which are random: with two ports or more, which port that is
    varies from run to run. Such a bridge's MAC (and its bridge and root
    IDs, and its entry in ADD results) reads LOWEST instead."""
    macs = set()
    for links, name, l, ports in host_bridges(raw):
        mac = l.get("address")
        if len(ports) < 2 or mac != min(ports):
            continue
        macs.add(mac)
        l["address"] = LOWEST
        d = l["linkinfo"].get("info_data", {})
        for k in ("bridge_id", "root_id"):
            if k in d:
                d[k] = BRID_RE.sub(lambda m: m.group(1) + "." + LOWEST, d[k])
        for p in links.values():
            sd = (p.get("linkinfo") or {}).get("info_slave_data", {})
            if p.get("master") == name:
                for k in ("bridge_id", "root_id"):
                    if k in sd:
                        sd[k] = BRID_RE.sub(lambda m: m.group(1) + "." + LOWEST, sd[k])
    for s in raw:
        for cmd, r in s.items():
            out = r.get("stdout") if isinstance(r, dict) else None
            if cmd == "ADD" and isinstance(out, dict):
                for i in out.get("interfaces", [])[:1]:
                    if i.get("mac") in macs:
                        i["mac"] = LOWEST


def normalise(run, raw):
    # the container addresses and MACs, for the firewall summary
    ips, macs = set(), set()
    for s in raw:
        if "snapshot" in s:
            for c in s["snapshot"]["containers"]:
                for l in c["links"].values():
                    if l.get("address"):
                        macs.add(l["address"])
                    for a in l.get("addr_info", {}).values():
                        if not a.get("local", "").startswith("fe80"):
                            ips.add(a.get("local"))
    summarize_fw(raw, ips, macs)
    taken_mac_ll(raw)
    lowest_port_mac(raw)
    n = Norm(run)
    pretoken(n, raw)
    for s in raw:
        if "snapshot" in s:
            # creation order is not compared (the links themselves are)
            for st in [s["snapshot"]["host"]] + s["snapshot"]["containers"]:
                st.pop("link_order", None)
    return n.value(raw)


# ---- diff ----
def walk_diff(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            walk_diff(a.get(k, "<absent>"), b.get(k, "<absent>"), path + [str(k)], out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            walk_diff(x, y, path + [str(i)], out)
    elif a != b:
        out.append((".".join(path), a, b))


def compare(case, ref, ours, use_allow, used, verbose):
    diffs = []
    walk_diff(ref, ours, [], diffs)
    bad = []
    for path, a, b in diffs:
        ctx = {"case": case, "path": path, "ref": a, "ours": b, "ref_obs": ref, "ours_obs": ours}
        hit = allow.match(ctx) if use_allow else None
        if hit:
            used.add(hit)
            if verbose:
                print("  allowed [%s] %s: %s -> %s" % (hit, path, short(a), short(b)))
        else:
            bad.append((path, a, b))
    return bad


def short(v, n=160):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= n else s[:n] + "..."


def readme_ids(readme):
    text = open(readme).read()
    m = re.search(r"^#+ Differences from the reference\n(.*?)(?=^#{1,2} |\Z)", text, re.S | re.M)
    if not m:
        return None
    return re.findall(r"^- \*\*\[(D\d+)\]", m.group(1), re.M)


def run_case(case, i, sides):
    """Run case on each (label, bindir) of sides in parallel; normalised
    observations by label."""
    import concurrent.futures as cf
    tag = "%x%02x" % (os.getpid() & 0xFFF, i % 256)

    def one(label, bindir):
        r = Run(case, bindir, tag + label)
        return label, normalise(r, r.run())
    with cf.ThreadPoolExecutor(len(sides)) as ex:
        return dict(f.result() for f in [ex.submit(one, l, b) for l, b in sides])


def report(name, bad):
    print("not ok %s" % name)
    for path, a, b in bad:
        print("  %s:\n    reference: %s\n    ours:      %s" % (path, short(a, 400), short(b, 400)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--ref", default="/usr/lib/cni")
    ap.add_argument("--no-self", action="store_true",
                    help="skip the reference-against-itself run")
    ap.add_argument("-k", default="", help="only cases whose name contains this")
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--dump", help="write each side's normalised observations here")
    ap.add_argument("--readme", default=os.path.join(HERE, "..", "..", "docs", "differences.md"))
    args = ap.parse_args()

    rc = 0
    ids = readme_ids(args.readme)
    if ids is None:
        print("docs/differences.md has no Differences section")
        return 1
    for e in allow.check_ids(ids):
        print("allow-list vs docs/differences.md: " + e)
        rc = 1
    ours = os.path.abspath(args.ours)
    used = set()
    t0 = time.time()
    selected = [c for c in cases.CASES if args.k in c["name"]]
    n_ours = n_self = n_pending = 0
    for i, case in enumerate(selected):
        sides = [("r", args.ref), ("o", ours)] + ([] if args.no_self else [("s", args.ref)])
        obs = run_case(case, i, sides)
        if args.dump:
            os.makedirs(args.dump, exist_ok=True)
            for side, o in obs.items():
                fn = re.sub(r"[^A-Za-z0-9.]+", "_", case["name"]) + "." + side + ".json"
                with open(os.path.join(args.dump, fn), "w") as f:
                    json.dump(o, f, indent=1, sort_keys=True)
        if "s" in obs:
            # the same binaries twice: any difference is the harness's
            bad = compare(case, obs["r"], obs["s"], False, used, False)
            if bad:
                n_self += 1
                rc = 1
                report(case["name"] + " (reference against itself)", bad)
        bad = compare(case, obs["r"], obs["o"], True, used, args.v)
        pend = case.get("pending")
        if pend:
            known = [d for d in bad if re.fullmatch(pend["paths"], d[0])
                     and pend["ours"] in json.dumps(d[2])]
            bad = [d for d in bad if d not in known]
            if known:
                n_pending += 1
                print("pending %s: %s (%d differences)" % (case["name"], pend["why"], len(known)))
            else:
                bad.append(("pending", pend["why"], "fixed: remove the case's pending mark"))
        if bad:
            n_ours += 1
            rc = 1
            report(case["name"], bad)
        elif args.v:
            print("ok %s" % case["name"])
    if not args.k:
        for e in allow.unused(used):
            print("allow-list entry no case needed: " + e)
            rc = 1
    print("diff: %d cases; %d with unexplained differences, ours against the reference "
          "(%d pending a known fix); %s (%.0f s)" % (
              len(selected), n_ours, n_pending,
              "reference against itself not run" if args.no_self else
              "%d, the reference against itself" % n_self, time.time() - t0))
    return rc


if __name__ == "__main__":
    sys.exit(main())
