#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge plugin: a failed ADD leaves the host as it was (no veth, no
# reservation, no nftables entry), whatever step failed.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() {
	br_setup
	LOG=$D/ipam.log
}
teardown() { br_teardown; }

# a test-ipam config answering $D/ipam.json
tconf() {
	br_conf '.ipam = {type: "test-ipam"} | '"${1:-.}"
}

assert_container_clean() {
	run cns -o link show eth0
	assert_failure
	assert_no_veth
}

@test "rollback: IPAM failure is reported as is; the veth is gone" {
	br_run ADD "$(tconf)" TEST_IPAM_FAIL="11:no addresses today" TEST_IPAM_LOG="$LOG"
	assert_failure
	run jq -r '.code, .msg' <<<"$output"
	assert_output "$(printf '11\nno addresses today')"
	assert_container_clean
	run cat "$LOG"
	assert_output "ADD $CID eth0"
}

@test "rollback: IPAM garbage is a delegate error; IPAM DEL called, the veth is gone" {
	# the plugin's ADD succeeded (exit 0): whatever it allocated is given back
	br_run ADD "$(tconf)" TEST_IPAM_GARBAGE=1 TEST_IPAM_FAIL_ON=ADD TEST_IPAM_LOG="$LOG"
	assert_failure
	run jq -r '.code' <<<"$output"
	assert_output 104
	assert_container_clean
	run cat "$LOG"
	assert_output "$(printf 'ADD %s eth0\nDEL %s eth0' "$CID" "$CID")"
}

@test "rollback: host-local's result the config's version cannot express leaves no reservation" {
	# 0.2.0 has no way to say a route for a family without an address
	local conf
	CNIVER=0.2.0
	conf=$(br_conf '.ipam.routes = [{dst: "::/0"}]')
	br_run ADD "$conf"
	assert_cni_error 7
	assert_output --partial "route to ::/0 has no IPv6 address"
	assert_container_clean
	run reservations
	assert_output ""
	# exec'd (our host-local behind a wrapper), the same
	mkdir -p "$D/wrap"
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$CNI_TEST_BIN/host-local" >"$D/wrap/host-local"
	chmod +x "$D/wrap/host-local"
	CNI_PATH_DIRS=$D/wrap:$CNI_TEST_BIN br_run ADD "$conf"
	assert_cni_error 7
	assert_container_clean
	run reservations
	assert_output ""
}

@test "rollback: IPAM with no IPs: error, IPAM DEL called, the veth is gone" {
	echo '{"cniVersion":"1.0.0","ips":[]}' >"$D/ipam.json"
	br_run ADD "$(tconf)" TEST_IPAM_RESULT="$D/ipam.json" TEST_IPAM_LOG="$LOG"
	assert_failure
	run jq -r '.msg' <<<"$output"
	assert_output "IPAM plugin returned missing IP config"
	assert_container_clean
	run cat "$LOG"
	assert_output "$(printf 'ADD %s eth0\nDEL %s eth0' "$CID" "$CID")"
}

# bats test_tags=vm
@test "rollback: a route the kernel refuses undoes the veth and the reservation" {
	# the gateway is not on any connected network: "Network is unreachable"
	br_run ADD "$(br_conf '.ipam.routes = [{dst: "192.168.7.0/24", gw: "172.31.0.1"}]')"
	assert_failure
	run jq -r '.msg' <<<"$output"
	assert_output --partial "failed to add route '192.168.7.0/24 via 172.31.0.1 dev eth0'"
	assert_container_clean
	run reservations
	assert_output ""
}

# bats test_tags=vm
@test "rollback: a gateway conflict (no forceAddress) undoes everything" {
	hns link add "$BR" type bridge
	hns addr add 10.88.0.99/24 dev "$BR"
	br_run ADD "$(br_conf)"
	assert_failure
	run jq -r '.msg' <<<"$output"
	assert_output --partial "\"$BR\" already has an IP address different from 10.88.0.1/24"
	assert_container_clean
	run reservations
	assert_output ""
	run ip -n "$HOSTNS" -4 -o addr show dev "$BR"
	assert_output --partial "10.88.0.99/24"
	refute_output --partial "10.88.0.1/"
}

@test "rollback: the spoof check added before the failure is removed" {
	br_run ADD "$(tconf '.macspoofchk = true')" TEST_IPAM_FAIL="11:nope"
	assert_failure
	assert_container_clean
	run bash -c "ip netns exec '$HOSTNS' nft list ruleset | grep -c '$CID' || true"
	assert_output 0
}

@test "rollback: no masquerade element is left by a failed ADD" {
	hns link add "$BR" type bridge
	hns addr add 10.88.0.99/24 dev "$BR"
	br_run ADD "$(br_conf '.ipMasq = true')"
	assert_failure
	assert_container_clean
	run bash -c "ip netns exec '$HOSTNS' nft list ruleset | grep -c '10.88.0.2' || true"
	assert_output 0
}

# bats test_tags=vm
@test "rollback: a veth failure undoes what IPAM and ipMasq did meanwhile" {
	# host-local and the masquerade entry run on their own thread while the
	# veth is made: the name clash must still release both
	ip -n "${CNS[0]}" link add eth0 type veth peer name eth0p
	br_run ADD "$(br_conf '.ipMasq = true')"
	assert_failure
	run jq -r '.msg' <<<"$output"
	assert_output --partial "already exists"
	run reservations
	assert_output ""
	run bash -c "ip netns exec '$HOSTNS' nft list ruleset | grep -c '10.88.0.2' || true"
	assert_output 0
	assert_no_veth
}

@test "rollback: a failed ADD then succeeds on retry" {
	ip -n "${CNS[0]}" link add eth0 type veth peer name eth0p
	br_run ADD "$(br_conf)"
	assert_failure
	ip -n "${CNS[0]}" link del eth0
	br_run ADD "$(br_conf)"
	assert_success
	# (host-local may have handed out .2 and taken it back meanwhile: it
	# runs while the veth is made, and its cursor moves on)
	local addr
	addr=$(jq -r '.ips[0].address' <<<"$output")
	[[ "$addr" =~ ^10\.88\.0\.[23]/24$ ]] || fail "unexpected address $addr"
	run reservations
	assert_output "${addr%/*}"
}

@test "rollback: host-local's own error comes through when its range is full" {
	local conf
	conf=$(br_conf '.ipam.rangeStart = "10.88.0.2" | .ipam.rangeEnd = "10.88.0.2"')
	br_run ADD "$conf"
	assert_success
	new_cns 1
	CID=ctr2-$TAG NETNS_PATH=$NSP br_run ADD "$conf"
	assert_failure
	run jq -r '.msg' <<<"$output"
	assert_output --partial "no IP addresses available"
	run ip -n "${CNS[1]}" link show eth0
	assert_failure
	run bash -c "ip -n $HOSTNS -o link show master $BR 2>/dev/null | wc -l"
	assert_output 1
	run reservations
	assert_output "10.88.0.2"
}

@test "rollback: a bad config fails before any change, the store untouched (our host-local in-process)" {
	local -a cases=(
		'.ipam.subnet = "10.88.0.0/33"'
		'.ipam.rangeStart = "10.99.0.5"'
		'.ipam.resolvConf = "/nonexistent/resolv.conf"'
		'.args = {cni: {ips: ["10.77.0.9"]}}'
		'.ipam.routes = [{dst: "nope"}]'
		'.bridge = "br-0123456789" | .vlan = 100'
		'.ipMasqBackend = "bogus"'
	)
	local c
	for c in "${cases[@]}"; do
		br_run ADD "$(br_conf "$c")"
		assert_failure
		# 7, or 103 for an address outside every range
		[[ "$(jq -r .code <<<"$output")" =~ ^(7|103)$ ]] || fail "$c: $output"
		# no bridge, no veth, nothing in the container, the store not even made
		run hns -o link show
		refute_output --partial "$BR"
		refute_output --partial "br-0123456789"
		assert_container_clean
		[ ! -e "$IPAMDIR/$NET" ] || fail "$c: the store was touched: $(ls -a "$IPAMDIR/$NET")"
	done
}
