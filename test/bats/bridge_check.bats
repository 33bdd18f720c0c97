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

# A container with ipMasq and macspoofchk, on a bridge and subnet of its own
# (beside the one setup made); $NCHK is its CHECK config.
nft_container() {
	local conf
	new_cns nft
	NCID=ctr-n-$TAG
	NNS=$NSP
	conf=$(br_conf '.ipMasq = true | .macspoofchk = true | .bridge += "n" |
		.ipam.subnet = "10.89.0.0/24"')
	CID=$NCID NETNS_PATH=$NNS br_run ADD "$conf"
	assert_success
	NCHK=$(jq -c --argjson r "$output" '. + {prevResult: $r}' <<<"$conf")
	NVETH=$(jq -r '.interfaces[1].name' <<<"$output")
}

ncheck() { CID=$NCID NETNS_PATH=$NNS br_run CHECK "$NCHK"; }

ncheck_fails_with() {
	ncheck
	assert_cni_error 105
	run jq -r '.msg' <<<"$output"
	assert_output --partial "$1"
}

hnft() { ip netns exec "$HOSTNS" nft "$@"; }

@test "check: ipMasq and macspoofchk entries pass right after ADD" {
	nft_container
	ncheck
	assert_success
	assert_output ""
}

@test "check: a flushed ruleset is found (code 105)" {
	nft_container
	hnft flush ruleset
	ncheck_fails_with "macspoofchk: no spoof check of $NVETH"
	# the same without the spoof check: the masquerade is missed
	NCHK=$(jq -c '.macspoofchk = false' <<<"$NCHK")
	ncheck_fails_with "ipMasq: no chain postrouting in table inet cni_c_bridge"
}

@test "check: a missing masquerade element or rule is found" {
	nft_container
	hnft delete element inet cni_c_bridge masq4-10.89.0.0/24 '{ 10.89.0.2 }'
	ncheck_fails_with "ipMasq: 10.89.0.2 is not masqueraded"
	hnft add element inet cni_c_bridge masq4-10.89.0.0/24 "{ 10.89.0.2 comment \"$NET/$NCID/eth0\" }"
	ncheck
	assert_success
	hnft flush chain inet cni_c_bridge postrouting
	ncheck_fails_with "ipMasq: no masquerade rule for 10.89.0.0/24"
}

@test "check: a missing spoof-check element or rule is found" {
	local mac
	nft_container
	mac=$(jq -r '.prevResult.interfaces[2].mac' <<<"$NCHK")
	hnft delete element bridge cni_c_bridge spoofchk_allowed "{ \"$NVETH\" . $mac }"
	ncheck_fails_with "macspoofchk: spoof check of $NVETH is incomplete"
	hnft add element bridge cni_c_bridge spoofchk_allowed "{ \"$NVETH\" . $mac }"
	ncheck
	assert_success
	hnft flush chain bridge cni_c_bridge prerouting
	ncheck_fails_with "macspoofchk: the drop rules are missing"
}

@test "check: a host veth taken off the bridge fails CHECK (code 105)" {
	nft_container
	hns link set "$NVETH" nomaster
	ncheck_fails_with "CNI veth created for bridge ${BR}n was not found"
}

@test "check: a container the reference bridge made (its masquerade and spoof check) passes ours" {
	[ -x "$REF_BIN/bridge" ] || skip "no reference bridge in $REF_BIN"
	command -v iptables >/dev/null || skip "no iptables for the reference"
	local conf chk
	new_cns ref
	conf=$(br_conf '.ipMasq = true | .macspoofchk = true | .bridge += "r" |
		.ipam.subnet = "10.90.0.0/24"')
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=ADD \
		CNI_CONTAINERID=ctr-r CNI_NETNS="$NSP" CNI_IFNAME=eth0 CNI_PATH="$REF_BIN" \
		"$REF_BIN/bridge" <<<"$conf"
	assert_success
	chk=$(jq -c --argjson r "$output" '. + {prevResult: $r}' <<<"$conf")
	CID=ctr-r NETNS_PATH=$NSP br_run CHECK "$chk"
	assert_success
	# what it stands on: the reference's own chains
	run hnft list chain bridge nat cni-br-iface-ctr-r-eth0-mac
	assert_success
	# without the reference's masquerade chain it is missed
	hnft delete table ip nat
	CID=ctr-r NETNS_PATH=$NSP br_run CHECK "$chk"
	assert_cni_error 105
	assert_output --partial "ipMasq"
	# and without its spoof check, that
	hnft delete table bridge nat
	CID=ctr-r NETNS_PATH=$NSP br_run CHECK "$chk"
	assert_cni_error 105
	assert_output --partial "macspoofchk"
}
