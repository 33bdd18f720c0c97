#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge plugin's CHECK against the prevResult of its ADD.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() {
	br_setup
	CONF=$(br_conf '.isDefaultGateway = true')
	br_run ADD "$CONF"
	assert_success
	PREV=$output
	CHK=$(jq -c --argjson r "$PREV" '. + {prevResult: $r}' <<<"$CONF")
}
teardown() { br_teardown; }

check_fails_with() {
	br_run CHECK "$CHK"
	assert_failure
	run jq -r '.msg' <<<"$output"
	assert_output --partial "$1"
}

# bats test_tags=vm
@test "check: passes right after ADD" {
	br_run CHECK "$CHK"
	assert_success
	assert_output ""
}

@test "check: passes with an older result version in prevResult (0.4.0)" {
	local conf prev
	CNIVER=0.4.0
	CID=ctr-b-$TAG
	IFNAME=eth1
	conf=$(br_conf '.isDefaultGateway = true | .bridge += "b" | .ipam.subnet = "10.89.0.0/24"')
	br_run ADD "$conf"
	assert_success
	prev=$output
	br_run CHECK "$(jq -c --argjson r "$prev" '. + {prevResult: $r}' <<<"$conf")"
	assert_success
}

@test "check: prevResult is required" {
	br_run CHECK "$CONF"
	assert_failure
	run jq -r '.msg' <<<"$output"
	assert_output "Required prevResult missing"
}

@test "check: not allowed before 0.4.0" {
	br_run CHECK "$(jq -c '.cniVersion = "0.3.1"' <<<"$CHK")"
	assert_failure
	run jq -r '.code' <<<"$output"
	assert_output 1
}

@test "check: a missing container address is found" {
	cns addr del 10.88.0.2/24 dev eth0
	check_fails_with "Failed to match addr 10.88.0.2/24 on interface eth0"
}

@test "check: a missing route is found" {
	cns route del default
	check_fails_with "Expected Route 0.0.0.0/0 not found in routing table"
}

# bats test_tags=vm
@test "check: a veth taken off the bridge is found" {
	hns link set "$(br_ports)" nomaster
	check_fails_with "CNI veth created for bridge $BR was not found"
}

@test "check: a changed container MAC is found" {
	cns link set eth0 address 0a:bb:cc:dd:ee:01
	check_fails_with "Interface eth0 Mac"
}

@test "check: a missing bridge is found" {
	hns link del "$BR"
	check_fails_with "$BR not found"
}

@test "check: promiscMode must match the bridge" {
	br_run CHECK "$(jq -c '.promiscMode = true' <<<"$CHK")"
	assert_failure
	run jq -r '.msg' <<<"$output"
	assert_output --partial "configured Promisc Mode true doesn't match current state: false"
}

@test "check: the IPAM plugin's CHECK failure is reported" {
	rm -rf "${IPAMDIR:?}/$NET"
	br_run CHECK "$CHK"
	assert_failure
}

@test "check: the container interface gone is found" {
	cns link del eth0
	check_fails_with "Interface name eth0 not found"
}
