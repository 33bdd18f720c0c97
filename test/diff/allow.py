# SPDX-License-Identifier: GPL-2.0-or-later
"""The documented differences from the reference, as diff.py may meet them.

Each entry explains one kind of difference and cites the bullet of
docs/differences.md ("Differences from the reference") that documents it (its id,
"D1" ...). The ids here and that page's must be the same set: diff.py
checks it, and fails on an entry that no case needed. A difference no
entry explains fails the test.

An entry's `when(ctx)` gets: case (the case dict), path (where in the
observations, e.g. "1.snapshot.host.links.br0.flags"), ref and ours (the
two values there, "<absent>" when one side has none), ref_obs/ours_obs
(the whole normalised observations). Keep every predicate as narrow as the
difference it explains. An entry with "unobserved" (and no `when`) stands
for a bullet no case can show against the reference (its reason says why,
and which test covers it instead); it is exempt from the unused check.
"""
import re

ABSENT = "<absent>"


def steps_of(obs, cmd):
    return [s[cmd] for s in obs if cmd in s]


def add_failed(obs):
    return any(r["exit"] != 0 for r in steps_of(obs, "ADD"))


def snap(path, *parts):
    """path is under a snapshot, in one of the given top-level parts."""
    m = re.match(r"^\d+\.snapshot\.(.*)$", path)
    return bool(m) and any(re.match(p, m.group(1)) for p in parts)


def cmd_field(path, field):
    m = re.match(r"^\d+\.([A-Z]+)\.stdout\.%s$" % re.escape(field), path)
    return m.group(1) if m else None


def conf_set(ctx):
    return ctx["case"].get("set", {})


# Our codes (cni/error.h): 4 env/CNI_ARGS, 7 config, 100 system call,
# 101 netlink, 102 nftables, 103 IPAM, 104 delegate, 105 CHECK mismatch.
OUR_CODES = {4, 7, 100, 101, 102, 103, 104, 105}

# Messages that name the field and quote the value (reference -> ours).
MESSAGES = [
    (r"invalid CIDR address: (\S+)", r'ipam\.subnet: invalid CIDR address "{0}"'),
    (r"invalid range set 0: RangeStart (\S+) not in network (\S+)",
     r"ipam\.rangeStart: {0} not in network {1}"),
    (r"invalid range set 0: Network (\S+) too small to allocate from",
     r"ipam\.subnet: Network {0} too small to allocate from"),
    (r"failed to allocate all requested IPs: (\S+)",
     r"requested IP address {0} is not in any range set"),
    (r"failed to make veth pair: address (\S+): invalid MAC address",
     r'invalid MAC address "{0}"'),
    (r"error unmarshall network config: unexpected end of JSON input",
     r"error unmarshall network config: invalid JSON"),
]


def message_pair(ref, ours):
    if not isinstance(ref, str) or not isinstance(ours, str):
        return False
    # Go's errno texts are strerror's in lower case
    if ref != ours and ref.lower() == ours.lower():
        return True
    for r, o in MESSAGES:
        m = re.fullmatch(r, ref)
        if m and re.fullmatch(o.format(*[re.escape(g) for g in m.groups()]), ours):
            return True
    return False


NEWER_OPTIONS = {"vlanTrunk", "portIsolation", "disableContainerInterface"}

ENTRIES = [
    {"id": "D1", "what": "a failed ADD leaves nothing behind",
     "when": lambda c: add_failed(c["ours_obs"]) and ours_is_less(c)},
    {"id": "D1", "what": "a bridge that was there keeps no port of a failed ADD (the kernel "
     "shows a port-less bridge's MAC as zero; the reference's keeps the veth it left)",
     "when": lambda c: add_failed(c["ours_obs"]) and any(
         "type bridge" in x for x in c["case"].get("setup", []))
     and re.fullmatch(r"\d+\.snapshot\.host\.links\.br0\.(address|linkinfo\.info_data\."
                      r"(bridge_id|root_id))", c["path"])
     and "00:00:00:00:00:00" in str(c["ours"]) and "<mac:host/br0>" in str(c["ref"])},
    {"id": "D2", "what": "our error codes where the reference says 999",
     "when": lambda c: cmd_field(c["path"], "code") and c["ref"] == 999
     and c["ours"] in OUR_CODES},
    {"id": "D2", "what": "error objects carry cniVersion",
     "when": lambda c: cmd_field(c["path"], "cniVersion") and c["ref"] == ABSENT
     and isinstance(c["ours"], str)},
    {"id": "D2", "what": "system and netlink errors carry the errno text in details",
     "when": lambda c: cmd_field(c["path"], "details") and c["ref"] in (ABSENT, None)
     and isinstance(c["ours"], str) and re.fullmatch(r"[A-Z][a-z ]+", c["ours"])},
    {"id": "D2", "what": "a JSON syntax error says where",
     "when": lambda c: cmd_field(c["path"], "details") and c["ref"] in (ABSENT, None)
     and isinstance(c["ours"], str) and re.fullmatch(r"at offset \d+", c["ours"])},
    {"id": "D3", "what": "CHECK of an L2-only network succeeds",
     "when": lambda c: re.fullmatch(r"\d+\.CHECK\.(exit|stdout)", c["path"])
     and (c["ref"] == 1 or (isinstance(c["ref"], dict)
                            and c["ref"].get("msg") == "no plugin name provided"))
     and c["ours"] in (0, None)},
    {"id": "D4", "what": "IPAM's DNS (resolvConf) reaches the result without a dns in the config",
     "when": lambda c: re.fullmatch(r"\d+\.ADD\.stdout\.dns(\..*)?", c["path"])
     and "dns" not in conf_set(c) and "resolvConf" in (conf_set(c).get("ipam") or {})
     and c["ref"] in (ABSENT, {})},
    {"id": "D5", "what": "an ADD failing on the kernel's state may leave the store's lock and "
     "last_reserved_ip (IPAM ran beside the link work)",
     "when": lambda c: snap(c["path"], r"store\.[^.]+/(lock|last_reserved_ip\.\d+)$")
     and c["ref"] == ABSENT and add_failed(c["ours_obs"])},
    {"id": "D5", "what": "a request the config cannot satisfy never touches the store "
     "(the reference's allocates, fails and leaves last_reserved_ip moved)",
     "when": lambda c: snap(c["path"], r"store\.[^.]+/last_reserved_ip\.\d+$")
     and c["ours"] == ABSENT and c["ref"] != ABSENT and add_failed(c["ours_obs"])},
    {"id": "D5", "what": "DEL and CHECK do not create an absent store",
     "when": lambda c: snap(c["path"], r"store\.[^.]+/lock$") and c["ours"] == ABSENT},
    {"id": "D6", "what": "host-local's owner index (.cni-c-index)",
     "when": lambda c: snap(c["path"], r"store\.[^.]+/\.cni-c-index/") and c["ref"] == ABSENT},
    {"id": "D7", "what": "IPv6 addresses are added with DAD off (nodad)",
     "when": lambda c: c["path"].endswith(".nodad") and c["ref"] == ABSENT and c["ours"] is True},
    {"id": "D7", "what": "a container without IPv6 keeps its accept_dad",
     "when": lambda c: snap(c["path"], r"containers\.\d+\.sysctl\.net/ipv6/conf/eth0/accept_dad$")
     and c["ref"] == "0" and c["ours"] == "1"},
    {"id": "D8", "what": "masquerade and spoof check live in our nftables tables",
     "when": lambda c: snap(c["path"], r"host\.fw\.tables(\.\d+)?$") and fw_tables_ok(c)},
    {"id": "D9", "what": "options of later reference releases are honoured (1.1.1 ignores them)",
     "when": lambda c: bool(NEWER_OPTIONS & set(conf_set(c)))
     or conf_set(c).get("ipMasqBackend") not in (None, "nftables", "iptables")},
    {"id": "D10", "what": "cniVersion 1.1.0, STATUS and GC (the reference speaks up to 1.0.0)",
     "when": lambda c: c["case"].get("version") == "1.1.0"},
    {"id": "D11", "what": "network names are at most 128 bytes",
     "when": lambda c: len(conf_set(c).get("name", "")) > 128},
    {"id": "D12", "what": "error messages name the field and quote the value",
     "when": lambda c: cmd_field(c["path"], "msg") and message_pair(c["ref"], c["ours"])},
    {"id": "D14", "what": "CHECK verifies this container's nftables entries",
     "when": lambda c: case_is(c, "CHECK after our nftables table is removed")
     and re.fullmatch(r"\d+\.CHECK\.(exit|stdout)", c["path"])},
    {"id": "D15", "what": "a bridge we create has a MAC of its own",
     "when": lambda c: own_bridge_mac(c)},
    {"id": "D16", "what": "host-local: a result the config's version cannot express is code 7",
     "when": lambda c: case_is(c, "host-local 0.2.0 route of a family without address")},
    {"id": "D17", "what": "a DEL that cannot remove the spoof check fails",
     "unobserved": "needs nftables to refuse a delete; test/bats covers it"},
    {"id": "D18", "what": "portmap drops what a container sends to the host's 127.0.0.0/8",
     "unobserved": "the differential cases cover bridge and host-local only; "
     "test/bats/security.bats covers it"},
    {"id": "D21", "what": "a requested multicast or all-zero MAC is a config error naming it "
     "(the reference's is the kernel's refusal, after it made the bridge)",
     "when": lambda c: cmd_field(c["path"], "msg")
     and c["ref"] == "failed to make veth pair: cannot assign requested address"
     and isinstance(c["ours"], str)
     and re.fullmatch(r'invalid MAC address "[^"]*": (multicast|all zero)', c["ours"])},
    {"id": "D24", "what": "bridge nonMasqueradeCIDRs (the reference has no such option)",
     "unobserved": "no differential case sets it (the reference would ignore it and "
     "masquerade every destination); test/bats/bridge_nomasq.bats covers it"},
    {"id": "D19", "what": "portmap refuses more than 4096 portMappings",
     "unobserved": "the differential test does not run portmap; test/bats/security.bats covers it"},
    {"id": "D22", "what": "host-local: reservations die with the boot that made them",
     "unobserved": "needs a reboot between two calls; test_hl_boot.c, host-local-boot.bats "
     "(a simulated boot) and scripts/vm-run (real reboots) cover it"},
    {"id": "D23", "what": "host-local: an exhausted range says how many reservations hold it "
     "and its oldest holders",
     "when": lambda c: cmd_field(c["path"], "details") == "ADD" and c["ref"] in (ABSENT, None)
     and isinstance(c["ours"], str)
     and re.match(r"\d+ reservations hold this range set; oldest: ", c["ours"]) is not None},
    # each of these cases exists to show that one difference, all of it
    {"id": "D20", "what": "host-local: a container ID is at most 65,519 bytes",
     "when": lambda c: case_is(c, "host-local container ID over 65519 bytes")},
    {"id": "D13", "what": "host-local: CNI_ARGS IP= takes a list",
     "when": lambda c: case_is(c, "host-local requested IP list (CNI_ARGS)")},
    {"id": "D13", "what": "host-local: a gateway outside its subnet is an error",
     "when": lambda c: case_is(c, "host-local gateway outside the subnet")},
    {"id": "D13", "what": "host-local: network and broadcast addresses are never handed out",
     "when": lambda c: case_is(c, "host-local range from the network to the broadcast address")},
]


def own_bridge_mac(c):
    """The reference's bridge takes its first port's MAC (so the port's MAC
    and link-local show as the bridge's), or 00:00:00:00:00:00 once its
    last port is gone; ours keeps the one it was made with."""
    p, r, o = c["path"], c["ref"], c["ours"]
    if re.fullmatch(r"\d+\.snapshot\.host\.links\.(br0\.(address|linkinfo\.info_data\."
                    r"(bridge_id|root_id))|<veth\d+>\.linkinfo\.info_slave_data\."
                    r"(bridge_id|root_id))", p):
        # the reference's: zero, its lowest port's, or its one port's MAC
        return bool(re.fullmatch(r"(8000\.)?(00:00:00:00:00:00|<mac:the lowest of its ports'>|"
                                 r"<mac:host/<veth\d+>>)", str(r))) \
            and re.fullmatch(r"(8000\.)?<mac:host/br0>", str(o))
    if re.fullmatch(r"\d+\.ADD\.stdout\.interfaces\.0\.mac", p):
        return r == "<mac:the lowest of its ports'>" and o == "<mac:host/br0>"
    if re.fullmatch(r"\d+\.ADD\.stdout\.interfaces\.1\.mac", p) or re.fullmatch(
            r"\d+\.snapshot\.host\.links\.<veth\d+>\.address", p):
        return r == "<mac:host/br0>" and re.fullmatch(r"<mac:host/<veth\d+>>", str(o))
    m = re.fullmatch(r"\d+\.snapshot\.host\.links\.br0\.addr_info\.(<ll:from a MAC the bridge took or had>|<ll:host/br0>)/64", p)
    if m:
        # the reference's bridge made its link-local from a MAC it took or had
        return (m.group(1).startswith("<ll:from") and o == ABSENT) or (
            m.group(1) == "<ll:host/br0>" and r == ABSENT)
    m = re.fullmatch(r"\d+\.snapshot\.host\.links\.<veth\d+>\.addr_info\.(<ll:[^>]*>+)/64", p)
    if m:
        return (m.group(1) == "<ll:host/br0>" and o == ABSENT) or (
            re.fullmatch(r"<ll:host/<veth\d+>>", m.group(1)) and r == ABSENT)
    return False


def case_is(c, *names):
    return c["case"]["name"] in names


def ours_is_less(c):
    """ours lacks what the reference left (kernel state, not the store)."""
    if not snap(c["path"], r"host\.", r"containers\."):
        return False
    return c["ours"] == ABSENT


OUR_TABLES = {"inet cni_c_bridge", "bridge cni_c_bridge"}
REF_TABLES = {"ip nat", "ip6 nat", "ip filter", "ip6 filter", "bridge nat", "ip mangle",
              "ip6 mangle"}


def fw_tables_ok(c):
    def names(v):
        return set(v) if isinstance(v, list) else {v}
    r, o = names(c["ref"]) - {ABSENT}, names(c["ours"]) - {ABSENT}
    return r <= REF_TABLES and o <= OUR_TABLES


def match(ctx):
    for e in ENTRIES:
        if "unobserved" not in e and e["when"](ctx):
            return "%s (%s)" % (e["id"], e["what"])
    return None


def ids():
    return sorted({e["id"] for e in ENTRIES}, key=lambda s: int(s[1:]))


def check_ids(readme_ids):
    """The Differences bullets (docs/differences.md) and the ids here: the same set."""
    errs = []
    mine = set(ids())
    for i in readme_ids:
        if i not in mine:
            errs.append("Differences bullet [%s] has no allow-list entry" % i)
    for i in sorted(mine - set(readme_ids)):
        errs.append("allow-list id %s is not a Differences bullet" % i)
    if len(readme_ids) != len(set(readme_ids)):
        errs.append("Differences bullet ids repeat")
    return errs


def unused(used):
    names = {"%s (%s)" % (e["id"], e["what"]) for e in ENTRIES if "unobserved" not in e}
    return sorted(names - used)
