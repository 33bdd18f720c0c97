#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# VLANs end to end: `vlan` (an access port: PVID, egress untagged; the
# gateway on a "<bridge>.<vlan>" veth whose peer is an access port too),
# `vlanTrunk` (tagged VIDs, single and ranges), `preserveDefaultVlan`,
# isolation between VLANs proven with traffic, CHECK and DEL, and the same
# `vlan` cases through the reference bridge with the states compared.
#
# Needs a kernel with CONFIG_BRIDGE_VLAN_FILTERING: each test skips, saying
# so, on one without; `make test-kernels` runs them on Debian's kernels,
# where a skip is a failure.
#
# The reference (Debian's 1.1.1) knows `vlan` only: it ignores `vlanTrunk`
# and `preserveDefaultVlan` (both came in later releases), so those are
# compared with the later reference's documented behaviour, not the binary.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() {
	br_setup
	need_vlan_filtering
	RHOSTNS=cni-test-r$TAG
}
teardown() {
	ip netns del "$RHOSTNS" 2>/dev/null
	br_teardown
}

# vconf IMPL [JQ_FILTER]: br_conf with IMPL's own IPAM dir (ours|ref)
vconf() {
	br_conf "${2:-.}"' | if .ipam.type then .ipam.dataDir += "-'"$1"'" else . end'
}

# vrun IMPL CMD CONF CID NETNS_PATH: the bridge, ours or the reference's (and
# its host-local), in IMPL's host netns; bats `run` semantics
vrun() {
	local impl=$1 cmd=$2 conf=$3 cid=$4 nsp=$5 bin=$CNI_TEST_BIN h=$HOSTNS
	if [ "$impl" = ref ]; then
		bin=$REF_BIN
		h=$RHOSTNS
	fi
	run --separate-stderr ip netns exec "$h" env -i PATH="$PATH" CNI_COMMAND="$cmd" \
		CNI_CONTAINERID="$cid" CNI_NETNS="$nsp" CNI_IFNAME=eth0 CNI_PATH="$bin" \
		"$bin/bridge" <<<"$conf"
}

hostns_of() { if [ "$1" = ref ]; then echo "$RHOSTNS"; else echo "$HOSTNS"; fi; }

# ctr IMPL N: container netns N of IMPL (made on first use); $NSP its path
ctr() {
	local ns=cni-test-c$TAG-$1$2
	[ -e "/run/netns/$ns" ] || new_cns "$1$2"
	NSP=/run/netns/$ns
	CNS_NAME=$ns
}

# add IMPL N CONF: ADD container N; $RESULT its result
add() {
	ctr "$1" "$2"
	vrun "$1" ADD "$3" "ctr-$TAG-$2" "$NSP"
	assert_success
	RESULT=$output
}

# state IMPL N VID: what the kernel holds for container N of a network on
# VLAN VID, names and MACs left out so that two implementations compare
state() {
	local impl=$1 h port gwport
	h=$(hostns_of "$impl")
	ctr "$impl" "$2"
	port=$(peer_port "$CNS_NAME" eth0 "$h")
	echo "vlan_filtering $(ip netns exec "$h" cat "/sys/class/net/$BR/bridge/vlan_filtering")"
	echo "container port:"
	port_vlans "$port" "$h"
	echo "container addresses: $(link_addrs "$CNS_NAME" eth0 | grep -v '^fe80' | paste -sd' ')"
	if ip -n "$h" link show "$BR.$3" >/dev/null 2>&1; then
		gwport=$(ip -n "$h" -j link show "$BR.$3" | jq -r '.[0].link') # its veth peer
		echo "gateway $BR.$3 ($(ip -n "$h" -d -j link show "$BR.$3" | jq -r '.[0].linkinfo.info_kind')): $(link_addrs "$h" "$BR.$3" | grep -v '^fe80' | paste -sd' ')"
		echo "gateway port:"
		port_vlans "$gwport" "$h"
	fi
	echo "bridge addresses: $(link_addrs "$h" "$BR" | grep -v '^fe80' | paste -sd' ')"
	echo "ports: $(ip -n "$h" -o link show master "$BR" | wc -l)"
}

# the result with names of veths, MACs and the sandbox path made generic
norm_result() {
	jq -S '.interfaces |= map(del(.mac) | if (.name | test("^veth")) then .name = "vethX" else . end |
		if .sandbox then .sandbox = "NETNS" else . end)' <<<"$1"
}

# ping_ok NETNS ADDR [ping args...] / ping_fails ...
ping_ok() {
	local ns=$1 a=$2
	shift 2
	run ip netns exec "$ns" ping -c1 -W5 "$@" "$a"
	assert_success
}
ping_fails() {
	local ns=$1 a=$2
	shift 2
	run ip netns exec "$ns" ping -c2 -i0.5 -W2 "$@" "$a"
	assert_failure
}

# bats test_tags=vm
@test "vlan: an access port (PVID, untagged), VLAN 1 kept, the gateway on <bridge>.<vlan>; CHECK; DEL" {
	local conf
	conf=$(vconf ours '.vlan = 100')
	add ours 0 "$conf"
	run state ours 0 100
	assert_output "vlan_filtering 1
container port:
1 egress untagged
100 pvid,egress untagged
container addresses: 10.88.0.2/24
gateway $BR.100 (veth): 10.88.0.1/24
gateway port:
1 egress untagged
100 pvid,egress untagged
bridge addresses: 
ports: 2"
	# the result: bridge, host veth, container end, then the VLAN interface
	run jq -r '[.interfaces[].name] | .[0], .[3]' <<<"$RESULT"
	assert_output "$BR
$BR.100"
	ping_ok "$CNS_NAME" 10.88.0.1
	# CHECK against the ADD's result
	vrun ours CHECK "$(jq -c --argjson r "$RESULT" '. + {prevResult: $r}' <<<"$conf")" "ctr-$TAG-0" "$NSP"
	assert_success
	# DEL: the container's port goes; the bridge and the gateway stay
	vrun ours DEL "$conf" "ctr-$TAG-0" "$NSP"
	assert_success
	run hns -o link show master "$BR"
	assert_output --partial "@$BR.100:"
	[ "$(hns -o link show master "$BR" | wc -l)" = 1 ] || fail "ports left: $(hns -o link show master "$BR")"
	run link_addrs "$HOSTNS" "$BR.100"
	assert_output --partial 10.88.0.1/24
	run ls "$IPAMDIR-ours/$NET"
	refute_output --partial 10.88.0.2
	vrun ours DEL "$conf" "ctr-$TAG-0" "$NSP"
	assert_success
}

# bats test_tags=vm
@test "vlan: preserveDefaultVlan false leaves only the access VLAN on the port and the gateway's port" {
	add ours 0 "$(vconf ours '.vlan = 100 | .preserveDefaultVlan = false')"
	run state ours 0 100
	assert_output "vlan_filtering 1
container port:
100 pvid,egress untagged
container addresses: 10.88.0.2/24
gateway $BR.100 (veth): 10.88.0.1/24
gateway port:
100 pvid,egress untagged
bridge addresses: 
ports: 2"
	ping_ok "$CNS_NAME" 10.88.0.1
}

# bats test_tags=vm
@test "vlanTrunk: single IDs and ranges tagged, VLAN 1 kept as PVID unless preserveDefaultVlan false" {
	local trunk='.ipam = {} | del(.isGateway) | .vlanTrunk = [{id: 5}, {minID: 10, maxID: 12}, {id: 11}, {minID: 4090, maxID: 4094}]'
	add ours 0 "$(vconf ours "$trunk")"
	run port_vlans "$(peer_port "$CNS_NAME" eth0)"
	assert_output "1 pvid,egress untagged
5 tagged
10 tagged
11 tagged
12 tagged
4090 tagged
4091 tagged
4092 tagged
4093 tagged
4094 tagged"
	[ "$(ip netns exec "$HOSTNS" cat "/sys/class/net/$BR/bridge/vlan_filtering")" = 1 ]
	# an L2 network: no gateway interface of any VLAN
	run hns -o link show
	refute_output --partial "$BR."
	add ours 1 "$(vconf ours "$trunk | .preserveDefaultVlan = false | .vlanTrunk = [{minID: 20, maxID: 22}, {id: 7}]")"
	run port_vlans "$(peer_port "$CNS_NAME" eth0)"
	assert_output "7 tagged
20 tagged
21 tagged
22 tagged"
}

# bats test_tags=vm
@test "vlan: containers on one VLAN reach each other, across VLANs they do not; a trunk reaches both, tagged" {
	# L2 networks on one bridge; the containers' addresses by hand, all in
	# one subnet, so only the VLANs keep them apart
	local v100 v200 trunk i
	v100=$(vconf ours '.ipam = {} | del(.isGateway) | .vlan = 100 | .preserveDefaultVlan = false')
	v200=$(vconf ours '.ipam = {} | del(.isGateway) | .vlan = 200 | .preserveDefaultVlan = false')
	trunk=$(vconf ours '.ipam = {} | del(.isGateway) | .vlanTrunk = [{id: 100}, {id: 200}] | .preserveDefaultVlan = false')
	add ours 1 "$v100"
	add ours 2 "$v100"
	add ours 3 "$v200"
	add ours 4 "$trunk"
	for i in 1 2 3; do
		ip -n "cni-test-c$TAG-ours$i" addr add "10.99.0.$i/24" dev eth0
	done
	# the trunk container: one tagged sub-interface per VLAN
	local t=cni-test-c$TAG-ours4
	ip -n "$t" link add link eth0 name eth0.100 type vlan id 100
	ip -n "$t" link add link eth0 name eth0.200 type vlan id 200
	ip -n "$t" addr add 10.99.1.4/24 dev eth0.100
	ip -n "$t" addr add 10.99.2.4/24 dev eth0.200
	ip -n "$t" link set eth0.100 up
	ip -n "$t" link set eth0.200 up
	ip -n "cni-test-c$TAG-ours1" addr add 10.99.1.1/24 dev eth0
	ip -n "cni-test-c$TAG-ours3" addr add 10.99.2.3/24 dev eth0
	# same VLAN: through
	ping_ok "cni-test-c$TAG-ours1" 10.99.0.2
	ping_ok "cni-test-c$TAG-ours2" 10.99.0.1
	# another VLAN, same subnet: nothing passes
	ping_fails "cni-test-c$TAG-ours1" 10.99.0.3
	ping_fails "cni-test-c$TAG-ours3" 10.99.0.2
	# the trunk: VLAN 100 tagged reaches the VLAN 100 access port, 200 the 200 one
	ping_ok "$t" 10.99.1.1
	ping_ok "$t" 10.99.2.3
	# and the access ports saw untagged frames: the trunk's sub-interface
	# towards VLAN 100 cannot reach the VLAN 200 container's address
	ip -n "cni-test-c$TAG-ours3" addr add 10.99.1.3/24 dev eth0
	ping_fails "$t" 10.99.1.3
	# untagged from the trunk goes nowhere (no VLAN 1 any more)
	ip -n "$t" addr add 10.99.0.4/24 dev eth0
	ping_fails "$t" 10.99.0.1
}

# bats test_tags=vm
@test "vlan: a second container reuses <bridge>.<vlan>; another VLAN on the bridge gets its own gateway" {
	add ours 0 "$(vconf ours '.vlan = 100')"
	add ours 1 "$(vconf ours '.vlan = 100')"
	run jq -r '.interfaces[3].name' <<<"$RESULT"
	assert_output "$BR.100"
	[ "$(hns -o link show | grep -c "$BR\.100@")" = 1 ]
	ping_ok "$CNS_NAME" 10.88.0.1
	ping_ok "$CNS_NAME" 10.88.0.2
	add ours 2 "$(vconf ours '.vlan = 200 | .name += "-b" | .ipam.subnet = "10.89.0.0/24"')"
	run state ours 2 200
	assert_line "gateway $BR.200 (veth): 10.89.0.1/24"
	ping_ok "$CNS_NAME" 10.89.0.1
	[ "$(hns -o link show master "$BR" | wc -l)" = 5 ]
}

# bats test_tags=vm
@test "vlan: the reference bridge makes the same ports, VLANs, gateway and result (dual stack)" {
	[ -x "$REF_BIN/bridge" ] || skip "no reference bridge in $REF_BIN"
	ip netns add "$RHOSTNS"
	ip -n "$RHOSTNS" link set lo up
	local impl conf r_ours r_ref s_ours s_ref
	for impl in ours ref; do
		conf=$(vconf "$impl" '.vlan = 100 | .ipam |= (del(.subnet) |
			.ranges = [[{subnet: "10.88.0.0/24"}], [{subnet: "fd88::/64"}]])')
		add "$impl" 0 "$conf"
		eval "r_$impl=\$RESULT"
		eval "s_$impl=\$(state $impl 0 100)"
		ping_ok "$CNS_NAME" 10.88.0.1
		vrun "$impl" CHECK "$(jq -c --argjson r "$RESULT" '. + {prevResult: $r}' <<<"$conf")" \
			"ctr-$TAG-0" "$NSP"
		assert_success
		# a second container on the VLAN: the gateway is reused
		add "$impl" 1 "$conf"
		eval "r2_$impl=\$RESULT"
		eval "s2_$impl=\$(state $impl 1 100)"
		# DEL of the first: its port goes, the gateway stays
		vrun "$impl" DEL "$conf" "ctr-$TAG-0" "/run/netns/cni-test-c$TAG-${impl}0"
		assert_success
		eval "d_$impl=\$(ip -n $(hostns_of "$impl") -o link show master $BR | wc -l)"
	done
	assert_equal "$s_ours" "$s_ref"
	assert_equal "$(norm_result "$r_ours")" "$(norm_result "$r_ref")"
	assert_equal "$s2_ours" "$s2_ref"
	assert_equal "$(norm_result "$r2_ours")" "$(norm_result "$r2_ref")"
	assert_equal "$d_ours" "$d_ref"
}

# bats test_tags=vm
@test "vlan: the reference bridge with preserveDefaultVlan/vlanTrunk (unknown to 1.1.1) keeps VLAN 1; so do we by default" {
	[ -x "$REF_BIN/bridge" ] || skip "no reference bridge in $REF_BIN"
	ip netns add "$RHOSTNS"
	ip -n "$RHOSTNS" link set lo up
	local impl
	for impl in ours ref; do
		add "$impl" 0 "$(vconf "$impl" '.vlan = 100 | .preserveDefaultVlan = true')"
		eval "s_$impl=\$(state $impl 0 100)"
	done
	assert_equal "$s_ours" "$s_ref"
}

# Depends on the bridge keeping its MAC as ports come and go (issue 11,
# defect 1: the MAC pinned when the plugin creates the bridge). Until that
# is merged this test fails whenever the bridge takes a port's MAC.
# bats test_tags=vm
@test "vlan: L2-only, CHECK of the last container after the others' DEL (needs a pinned bridge MAC)" {
	# (not $i: bats' `run` sets a global i)
	local conf c last mac
	conf=$(vconf ours '.ipam = {} | del(.isGateway) | .vlan = 100')
	# add containers until one's ADD reports a bridge MAC that is not its
	# own port's (so that without pinning its DEL'd neighbours move it)
	for c in 1 2 3 4 5 6 7 8; do
		add ours "$c" "$conf"
		last=$c
		eval "res_$c=\$RESULT"
		mac=$(hns -j link show "$(peer_port "$CNS_NAME" eth0)" | jq -r '.[0].address')
		[ "$c" -ge 2 ] && [ "$(jq -r '.interfaces[0].mac' <<<"$RESULT")" != "$mac" ] && break
	done
	for c in $(seq 1 $((last - 1))); do
		vrun ours DEL "$conf" "ctr-$TAG-$c" "/run/netns/cni-test-c$TAG-ours$c"
		assert_success
	done
	eval "RESULT=\$res_$last"
	vrun ours CHECK "$(jq -c --argjson r "$RESULT" '. + {prevResult: $r}' <<<"$conf")" \
		"ctr-$TAG-$last" "/run/netns/cni-test-c$TAG-ours$last"
	assert_success
}
