# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by test/bats/bridge*.bats (after `load helpers`).
#
# Isolation: every test makes a "host" netns ($HOSTNS) and runs the bridge
# plugin inside it (`ip netns exec $HOSTNS ...`), so the bridge, the
# forwarding sysctls and the nftables tables live there; container netns
# are separate. teardown deletes them all: nothing touches the real host.

br_setup() {
	[ -x "$CNI_TEST_BIN/bridge" ] || fail "no bridge in CNI_TEST_BIN=$CNI_TEST_BIN"
	TAG=$(uniq_tag)
	HOSTNS=cni-test-h$TAG
	BR=cbr$TAG # 11 chars
	NET=brnet-$TAG
	D=$BATS_TEST_TMPDIR
	IPAMDIR=$D/ipam
	CNS=()
	CID=ctr-$TAG
	IFNAME=eth0
	mkdir -p "$IPAMDIR"
	ip netns add "$HOSTNS"
	ip -n "$HOSTNS" link set lo up
	new_cns 0
	NETNS_PATH=$NSP
}

br_teardown() {
	local ns
	for ns in "${CNS[@]}" "$HOSTNS"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# new_cns SUFFIX: make a container netns; $NSP gets its path
new_cns() {
	local ns=cni-test-c$TAG-$1
	ip netns add "$ns" || return 1
	CNS+=("$ns")
	NSP=/var/run/netns/$ns
}

# br_conf [JQ_FILTER]: a bridge config (host-local IPAM on 10.88.0.0/24)
# transformed by the filter; $BR, $NET, $IPAMDIR, $D available as $br...
br_conf() {
	jq -nc --arg br "$BR" --arg net "$NET" --arg dir "$IPAMDIR" --arg d "$D" \
		--arg v "${CNIVER:-1.0.0}" \
		'{cniVersion: $v, name: $net, type: "bridge", bridge: $br, isGateway: true,
		  ipam: {type: "host-local", subnet: "10.88.0.0/24", dataDir: $dir}} | '"${1:-.}"
}

# br_run CMD CONF [VAR=value...]: run the bridge in $HOSTNS as a runtime
# does ($CID, $NETNS_PATH, $IFNAME, $CNI_ARGS_VAL); bats `run` semantics.
br_run() {
	local cmd=$1 conf=$2
	shift 2
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND="$cmd" \
		CNI_CONTAINERID="$CID" CNI_NETNS="$NETNS_PATH" CNI_IFNAME="$IFNAME" \
		CNI_PATH="${CNI_PATH_DIRS:-$CNI_TEST_BIN}" CNI_ARGS="${CNI_ARGS_VAL:-}" "$@" \
		"$CNI_TEST_BIN/bridge" <<<"$conf"
}

# the same, without bats' run (for backgrounding); output to $1.out/.err
br_exec() {
	local out=$1 cmd=$2 conf=$3 cid=$4 nsp=$5
	shift 5
	ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND="$cmd" CNI_CONTAINERID="$cid" \
		CNI_NETNS="$nsp" CNI_IFNAME="${IFNAME:-eth0}" CNI_PATH="$CNI_TEST_BIN" "$@" \
		"$CNI_TEST_BIN/bridge" <<<"$conf" >"$out.out" 2>"$out.err"
}

# host and container views
hns() { ip -n "$HOSTNS" "$@"; }
cns() { ip -n "${CNS[0]}" "$@"; }
hsysctl() { ip netns exec "$HOSTNS" cat "/proc/sys/$1"; }
csysctl() { ip netns exec "${2:-${CNS[0]}}" cat "/proc/sys/$1"; }

# the veths enslaved to $BR, one per line
br_ports() { hns -o link show master "$BR" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1; }

# no veth of ours ("veth" + 8 hex) left in $HOSTNS
assert_no_veth() {
	run bash -c "ip -n '$HOSTNS' -o link show type veth | grep -E '^[0-9]+: veth[0-9a-f]{8}@'"
	assert_output ""
}

# reservations host-local holds for $NET
reservations() {
	ls "$IPAMDIR/$NET" 2>/dev/null | grep -v -e '^lock$' -e '^last_reserved' || true
}

# an address on a link, without DAD flags check: "10.88.0.2/24"
link_addrs() { ip -n "$1" -o addr show dev "$2" | awk '{print $4}'; }

# the test needs bridge VLAN filtering (probed in $HOSTNS)
need_vlan_filtering() {
	if ip -n "$HOSTNS" link add "vf$TAG" type bridge vlan_filtering 1 2>/dev/null; then
		ip -n "$HOSTNS" link del "vf$TAG"
		return 0
	fi
	kernel_lacks CONFIG_BRIDGE_VLAN_FILTERING "bridge VLAN filtering"
}

# peer_port NETNS IFNAME [HOSTNS]: the host end (a bridge port) of a veth
# whose other end is IFNAME in NETNS
peer_port() {
	local idx
	idx=$(ip -n "$1" -j link show "$2" | jq -r '.[0].link_index') || return 1
	ip -n "${3:-$HOSTNS}" -j link show | jq -r --argjson i "$idx" '.[] | select(.ifindex == $i) | .ifname'
}

# port_vlans PORT [HOSTNS]: the port's VLANs, one per line: "VID flags,..."
# (flags lower case: "pvid", "egress untagged"; none: "tagged")
port_vlans() {
	bridge -n "${2:-$HOSTNS}" -j vlan show dev "$1" | jq -r '.[0].vlans[]? |
		"\(.vlan)\(if .vlanEnd then "-\(.vlanEnd)" else "" end) \(
		(.flags // []) | map(ascii_downcase) | if length == 0 then "tagged" else join(",") end)"'
}
