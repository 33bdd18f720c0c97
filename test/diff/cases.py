# SPDX-License-Identifier: GPL-2.0-or-later
"""The table of cases diff.py runs through both sides.

A case: name; "set" (top-level members merged into the base config;
"ipam" replaces the base's IPAM object wholesale unless it is None, which
removes it); optional "version" (default 1.0.0), "containers" (how many
container netns), "setup" (commands run before the first step, see
Run.setup_cmd), "steps" (default: ADD, snapshot, CHECK when the version
has it, DEL, snapshot, DEL again). A step is {"cmd": ADD|DEL|CHECK|STATUS|
GC, "c": container index, "cid", "ifname", "env", "set", "raw"}, {"cmd":
"SNAPSHOT"}, or {"cmd": "RUN", "where": "host"|"cN", "argv": [...]}.
@DATA@ is the run's IPAM dataDir, @DIR@ its scratch directory.

"pending": a known bug of ours, fixed elsewhere: {"why", "paths": regex,
"ours": text}; differences at those paths where our value holds that text
are reported as pending, and the case fails once none is left (remove the
mark then).

The reference 1.1.1 speaks cniVersion 0.1.0 to 1.0.0.
"""
import copy

VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0"]
V4 = {"type": "host-local", "subnet": "10.88.0.0/24", "dataDir": "@DATA@"}
V6 = {"type": "host-local", "subnet": "fd88::/64", "dataDir": "@DATA@"}
DUAL = {"type": "host-local", "dataDir": "@DATA@",
        "ranges": [[{"subnet": "10.88.0.0/24"}], [{"subnet": "fd88::/64"}]]}


def base(version):
    return {"cniVersion": version, "name": "diffnet", "type": "bridge", "bridge": "br0",
            "isGateway": True, "ipam": copy.deepcopy(V4)}


def conf(case, step):
    if "raw" in step:
        return step["raw"]
    c = base(case.get("version", "1.0.0"))
    for k, v in case.get("set", {}).items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = copy.deepcopy(v)
    for k, v in step.get("set", {}).items():
        c[k] = v
    return c


def has_check(version):
    return tuple(int(x) for x in version.split(".")) >= (0, 4, 0)


def steps(case):
    if "steps" in case:
        return case["steps"]
    s = [{"cmd": "ADD"}, {"cmd": "SNAPSHOT"}]
    if has_check(case.get("version", "1.0.0")):
        s.append({"cmd": "CHECK"})
    return s + [{"cmd": "DEL"}, {"cmd": "SNAPSHOT"}, {"cmd": "DEL"}]


def add_del(n, conf_set=None):
    """ADD in n containers, snapshot, DEL them all, snapshot."""
    s = [{"cmd": "ADD", "c": i, "cid": "ctr-%d" % i} for i in range(n)]
    s.append({"cmd": "SNAPSHOT"})
    s += [{"cmd": "DEL", "c": i, "cid": "ctr-%d" % i} for i in range(n)]
    return s + [{"cmd": "SNAPSHOT"}]


CASES = []

# every spec version the reference speaks, and 1.1.0, which it does not
for v in VERSIONS + ["1.1.0"]:
    CASES.append({"name": "version %s" % v, "version": v})
CASES.append({"name": "version 0.3.1 dual stack", "version": "0.3.1", "set": {"ipam": DUAL}})

# each bridge option alone
for name, s in [
    ("no isGateway", {"isGateway": None}),
    ("isDefaultGateway", {"isDefaultGateway": True}),
    ("forceAddress", {"forceAddress": True}),
    ("ipMasq", {"ipMasq": True}),
    ("ipMasq ipMasqBackend iptables", {"ipMasq": True, "ipMasqBackend": "iptables"}),
    ("mtu", {"mtu": 1400}),
    ("hairpinMode", {"hairpinMode": True}),
    ("promiscMode", {"promiscMode": True}),
    ("vlan", {"vlan": 100}),
    ("vlan without gateway", {"vlan": 100, "isGateway": False}),
    ("vlanTrunk", {"vlanTrunk": [{"id": 101}, {"minID": 200, "maxID": 202}]}),
    ("preserveDefaultVlan false", {"vlan": 100, "preserveDefaultVlan": False}),
    ("macspoofchk", {"macspoofchk": True}),
    ("enabledad", {"enabledad": True, "ipam": V6}),
    ("disableContainerInterface", {"disableContainerInterface": True, "ipam": {}}),
    ("portIsolation", {"portIsolation": True}),
    ("dns in config", {"dns": {"nameservers": ["10.88.0.53"], "search": ["example"]}}),
    ("runtimeConfig mac", {"runtimeConfig": {"mac": "0e:00:00:00:00:42"}}),
    ("args.cni.mac", {"args": {"cni": {"mac": "0e:00:00:00:00:43"}}}),
    ("L2 only (ipam {})", {"ipam": {}}),
    ("L2 only (no ipam)", {"ipam": None}),
]:
    CASES.append({"name": "option " + name, "set": s})
CASES.append({"name": "option CNI_ARGS MAC", "steps": [
    {"cmd": "ADD", "env": {"CNI_ARGS": "MAC=0e:00:00:00:00:44"}}, {"cmd": "SNAPSHOT"},
    {"cmd": "CHECK", "env": {"CNI_ARGS": "MAC=0e:00:00:00:00:44"}},
    {"cmd": "DEL"}, {"cmd": "SNAPSHOT"}]})

# host-local forms
for name, ipam in [
    ("legacy range", dict(V4, rangeStart="10.88.0.10", rangeEnd="10.88.0.20",
                          gateway="10.88.0.254")),
    ("ranges two in a set", {"type": "host-local", "dataDir": "@DATA@", "ranges": [[
        {"subnet": "10.88.0.0/30"}, {"subnet": "10.88.1.0/24"}]]}),
    ("dual stack", DUAL),
    ("IPv6 only", V6),
    ("routes", dict(V4, routes=[{"dst": "0.0.0.0/0"}, {"dst": "10.99.0.0/16",
                                                       "gw": "10.88.0.254"}])),
    ("resolvConf", dict(V4, resolvConf="@DIR@/resolv.conf")),
    ("subnet /30", dict(V4, subnet="10.88.0.0/30")),
    ("subnet /31", dict(V4, subnet="10.88.0.0/31")),
]:
    c = {"name": "host-local " + name, "set": {"ipam": ipam}}
    if name == "resolvConf":
        c["setup"] = ["host: file resolv.conf nameserver 10.88.0.53\\nsearch example.org\\n"
                      "options ndots:2"]
    CASES.append(c)
CASES.append({"name": "host-local resolvConf and dns in config",
              "set": {"ipam": dict(V4, resolvConf="@DIR@/resolv.conf"),
                      "dns": {"nameservers": ["10.1.1.1"]}},
              "setup": ["host: file resolv.conf nameserver 10.88.0.53"]})
CASES.append({"name": "host-local exhaustion", "containers": 2,
              "set": {"ipam": dict(V4, subnet="10.88.0.0/30")}, "steps": add_del(2)})
CASES.append({"name": "host-local three containers round robin", "containers": 3,
              "steps": add_del(3)})
CASES.append({"name": "host-local requested IP (CNI_ARGS)", "steps": [
    {"cmd": "ADD", "env": {"CNI_ARGS": "IgnoreUnknown=1;IP=10.88.0.77"}}, {"cmd": "SNAPSHOT"},
    {"cmd": "DEL", "env": {"CNI_ARGS": "IgnoreUnknown=1;IP=10.88.0.77"}}, {"cmd": "SNAPSHOT"}]})
CASES.append({"name": "host-local requested IP list (CNI_ARGS)", "set": {"ipam": DUAL}, "steps": [
    {"cmd": "ADD", "env": {"CNI_ARGS": "IgnoreUnknown=1;IP=10.88.0.77,fd88::77"}},
    {"cmd": "SNAPSHOT"},
    {"cmd": "DEL", "env": {"CNI_ARGS": "IgnoreUnknown=1;IP=10.88.0.77,fd88::77"}},
    {"cmd": "SNAPSHOT"}]})
CASES.append({"name": "host-local CNI_ARGS without IgnoreUnknown", "steps": [
    {"cmd": "ADD", "env": {"CNI_ARGS": "IP=10.88.0.77"}}, {"cmd": "SNAPSHOT"}]})
CASES.append({"name": "host-local gateway outside the subnet",
              "set": {"ipam": dict(V4, gateway="10.99.0.1")}})
CASES.append({"name": "host-local range from the network to the broadcast address",
              "containers": 2, "set": {"ipam": dict(V4, subnet="10.88.0.0/30",
                                                   rangeStart="10.88.0.0", rangeEnd="10.88.0.3")},
              "steps": add_del(2)})
CASES.append({"name": "host-local requested IP (args.cni.ips)",
              "set": {"args": {"cni": {"ips": ["10.88.0.78"]}}}})
CASES.append({"name": "host-local requested IP (runtimeConfig.ips)",
              "set": {"runtimeConfig": {"ips": ["10.88.0.79/24"]}}})

# errors
for name, s in [
    ("bad network name", {"name": "bad name!"}),
    ("network name of 129 bytes", {"name": "n" * 129}),
    ("invalid subnet", {"ipam": dict(V4, subnet="10.88.0.0/33")}),
    ("rangeStart outside the subnet", {"ipam": dict(V4, rangeStart="10.99.0.1")}),
    ("no ipam type", {"ipam": {"subnet": "10.88.0.0/24"}}),
    ("invalid MAC", {"runtimeConfig": {"mac": "zz"}}),
    ("multicast MAC", {"runtimeConfig": {"mac": "01:00:5e:00:00:01"}}),
    ("all-zero MAC", {"runtimeConfig": {"mac": "00:00:00:00:00:00"}}),
    ("hairpin and promisc", {"hairpinMode": True, "promiscMode": True}),
    ("vlan out of range", {"vlan": 5000}),
    ("requested IP outside the range", {"args": {"cni": {"ips": ["10.99.0.5"]}}}),
    ("unknown ipMasqBackend", {"ipMasq": True, "ipMasqBackend": "bogus"}),
]:
    CASES.append({"name": "error " + name, "set": s})
CASES.append({"name": "error unknown ipam plugin", "set": {"ipam": {"type": "nonexistent"}}})
CASES.append({"name": "error bridge name taken by a non-bridge link",
              "setup": ["host: ip link add br0 type veth peer name br0p"]})
CASES.append({"name": "error container interface exists",
              "setup": ["c0: ip link add eth0 type veth peer name eth0p"]})
CASES.append({"name": "error gateway conflict without forceAddress",
              "setup": ["host: ip link add br0 type bridge", "host: ip addr add 10.88.0.99/24 dev br0"]})
CASES.append({"name": "forceAddress replaces a conflicting address", "set": {"forceAddress": True},
              "setup": ["host: ip link add br0 type bridge", "host: ip addr add 10.88.0.99/24 dev br0"]})
CASES.append({"name": "error malformed JSON", "steps": [
    {"cmd": "ADD", "raw": '{"cniVersion":"1.0.0","name":"x",'}, {"cmd": "SNAPSHOT"}]})
CASES.append({"name": "error missing CNI_NETNS", "steps": [
    {"cmd": "ADD", "env": {"CNI_NETNS": None}}, {"cmd": "SNAPSHOT"}]})
CASES.append({"name": "error CHECK before ADD", "steps": [{"cmd": "CHECK"}, {"cmd": "SNAPSHOT"}]})
CASES.append({"name": "error second ADD of the same container", "steps": [
    {"cmd": "ADD"}, {"cmd": "ADD"}, {"cmd": "SNAPSHOT"}, {"cmd": "DEL"}, {"cmd": "SNAPSHOT"}]})
CASES.append({"name": "DEL without ADD", "steps": [{"cmd": "DEL"}, {"cmd": "SNAPSHOT"}]})
CASES.append({"name": "GC and STATUS", "version": "1.1.0", "steps": [
    {"cmd": "STATUS"}, {"cmd": "GC"}]})
# our masquerade table removed behind our back (the reference has none)
CASES.append({"name": "CHECK after our nftables table is removed", "set": {"ipMasq": True},
              "steps": [{"cmd": "ADD"},
                        {"cmd": "RUN", "where": "host",
                         "argv": ["nft", "delete", "table", "inet", "cni_c_bridge"]},
                        {"cmd": "CHECK"}, {"cmd": "DEL"}, {"cmd": "SNAPSHOT"}]})
# a container ID whose reservation ours could not read back whole: refused
LONG_CID = "c" * 65519 + "c"
CASES.append({"name": "host-local container ID over 65519 bytes", "steps": [
    {"cmd": "ADD", "cid": LONG_CID}, {"cmd": "SNAPSHOT"},
    {"cmd": "DEL", "cid": LONG_CID}, {"cmd": "SNAPSHOT"}]})
# a result 0.2.0 cannot express: an IPv6 route with only an IPv4 address
CASES.append({"name": "host-local 0.2.0 route of a family without address", "version": "0.2.0",
              "set": {"ipam": dict(V4, routes=[{"dst": "::/0"}])}})
