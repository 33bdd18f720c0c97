#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge's MAC address as ports come and go: a bridge we create gets a
# MAC of its own in the create request, so it never follows its ports; an
# existing bridge left with no MAC (00:00:00:00:00:00) still works.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() { br_setup; }
teardown() { br_teardown; }

br_mac() { hns -j link show dev "$BR" | jq -r '.[0].address'; }

# a locally administered unicast address that is not all zeroes
assert_own_mac() {
	local m=$1 b0
	[ "$m" != "00:00:00:00:00:00" ] || fail "zero MAC"
	b0=$((16#${m%%:*}))
	[ $((b0 & 1)) = 0 ] || fail "$m is multicast"
	[ $((b0 & 2)) = 2 ] || fail "$m is not locally administered"
}

@test "mac: a bridge whose last port left before its MAC was pinned (zero MAC) takes an ADD" {
	# the issue's reproduction: the kernel leaves the bridge at 00:00:...
	hns link add "$BR" type bridge
	hns link add "za$TAG" type veth peer name "zb$TAG"
	hns link set "za$TAG" master "$BR"
	hns link set "za$TAG" nomaster
	hns link del "za$TAG"
	[ "$(br_mac)" = "00:00:00:00:00:00" ] || skip "this kernel keeps the bridge's MAC"
	br_run ADD "$(br_conf)"
	assert_success
	mac=$(jq -r '.interfaces[0].mac' <<<"$output")
	assert_own_mac "$mac"
	# the result says what is there, and it stays when the port goes
	[ "$mac" = "$(br_mac)" ] || fail "result $mac, bridge $(br_mac)"
	br_run DEL "$(br_conf)"
	assert_success
	[ "$(br_mac)" = "$mac" ] || fail "bridge MAC moved to $(br_mac)"
}

@test "mac: a bridge we create has its own MAC from the start, kept when ports go" {
	local conf mac
	conf=$(br_conf '.ipam = {}')
	br_run ADD "$conf"
	assert_success
	mac=$(br_mac)
	assert_own_mac "$mac"
	assert_equal "$(jq -r '.interfaces[0].mac' <<<"$output")" "$mac"
	# not the port's MAC: the bridge did not take it
	[ "$mac" != "$(jq -r '.interfaces[1].mac' <<<"$output")" ] || fail "bridge took its port's MAC"
	br_run DEL "$conf"
	assert_success
	assert_equal "$(br_mac)" "$mac"
}

@test "mac: an ADD that created the bridge and failed leaves it usable for the next ADD" {
	local conf
	conf=$(br_conf)
	# the container interface name is taken: the kernel refuses the veth
	# after the bridge exists (a bad config is refused before any change)
	cns link add eth0 type veth peer name eth0p
	br_run ADD "$conf"
	assert_failure
	assert_no_veth
	hns link show "$BR" >/dev/null || fail "the failed ADD made no bridge"
	cns link del eth0
	br_run ADD "$conf"
	assert_success
	assert_own_mac "$(br_mac)"
	br_run CHECK "$(jq -c --argjson r "$output" '. + {prevResult: $r}' <<<"$conf")"
	assert_success
}

@test "mac: L2 network, 4 containers, 3 DELs: the last container's CHECK still passes" {
	local conf i prev
	conf=$(br_conf '.isGateway = false | .ipam = {}')
	for i in 1 2 3 4; do
		new_cns "m$i"
		CID=ctr$i-$TAG NETNS_PATH=$NSP br_run ADD "$conf"
		assert_success
		prev=$output
	done
	for i in 1 2 3; do
		CID=ctr$i-$TAG NETNS_PATH=/var/run/netns/cni-test-c$TAG-m$i br_run DEL "$conf"
		assert_success
	done
	CID=ctr4-$TAG NETNS_PATH=/var/run/netns/cni-test-c$TAG-m4 \
		br_run CHECK "$(jq -c --argjson r "$prev" '.cniVersion = "1.0.0" | . + {prevResult: $r}' <<<"$conf")"
	assert_success
}

@test "mac: an existing bridge that follows its ports still gets a non-zero pinned MAC with isGateway" {
	local conf mac
	hns link add "$BR" type bridge
	hns link set "$BR" up
	conf=$(br_conf)
	br_run ADD "$conf"
	assert_success
	mac=$(br_mac)
	assert_equal "$(jq -r '.interfaces[0].mac' <<<"$output")" "$mac"
	[ "$mac" != "00:00:00:00:00:00" ] || fail "zero MAC"
	br_run DEL "$conf"
	assert_success
	assert_equal "$(br_mac)" "$mac"
}
