#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge plugin's options, each asserted on kernel state and result.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() { br_setup; }
teardown() { br_teardown; }

err_is() { # CODE MSG-substring
	assert_failure
	run jq -r '.code' <<<"$output"
	assert_output "$1"
	run jq -r '.msg' <<<"$stdout_saved"
}

# bats test_tags=vm
@test "options: mtu on a new bridge, the veth and the container end" {
	br_run ADD "$(br_conf '.mtu = 1400')"
	assert_success
	run hns -j link show "$BR"
	[ "$(jq '.[0].mtu' <<<"$output")" = 1400 ]
	[ "$(hns -j link show "$(br_ports)" | jq '.[0].mtu')" = 1400 ]
	[ "$(cns -j link show eth0 | jq '.[0].mtu')" = 1400 ]
}

# bats test_tags=vm
@test "options: hairpinMode sets the port's hairpin flag" {
	br_run ADD "$(br_conf '.hairpinMode = true')"
	assert_success
	run hns -d link show "$(br_ports)"
	assert_output --partial "hairpin on"
}

@test "options: without hairpinMode the port has hairpin off" {
	br_run ADD "$(br_conf)"
	assert_success
	run hns -d link show "$(br_ports)"
	assert_output --partial "hairpin off"
	assert_output --partial "isolated off"
}

# bats test_tags=vm
@test "options: promiscMode sets the bridge promiscuous" {
	br_run ADD "$(br_conf '.promiscMode = true')"
	assert_success
	run hns -o link show "$BR"
	assert_output --partial "PROMISC"
}

@test "options: hairpinMode and promiscMode together are refused (code 7)" {
	br_run ADD "$(br_conf '.promiscMode = true | .hairpinMode = true')"
	assert_failure
	run jq -r '.code, .msg' <<<"$output"
	assert_output "$(printf '7\ncannot set hairpin mode and promiscuous mode at the same time.')"
	run hns link show "$BR"
	assert_failure
}

# bats test_tags=vm
@test "options: portIsolation isolates the port" {
	br_run ADD "$(br_conf '.portIsolation = true')"
	assert_success
	run hns -d link show "$(br_ports)"
	assert_output --partial "isolated on"
}

@test "options: isGateway false leaves the bridge without an address" {
	br_run ADD "$(br_conf 'del(.isGateway)')"
	assert_success
	run ip -n "$HOSTNS" -4 -o addr show dev "$BR"
	assert_output ""
	run jq -r '.ips[0].gateway' <<<"$output"
}

@test "options: forceAddress replaces a different gateway address on the bridge" {
	hns link add "$BR" type bridge
	hns addr add 10.88.0.99/24 dev "$BR"
	br_run ADD "$(br_conf '.forceAddress = true')"
	assert_success
	run ip -n "$HOSTNS" -4 -o addr show dev "$BR"
	assert_output --partial "10.88.0.1/24"
	refute_output --partial "10.88.0.99"
}

@test "options: forceAddress keeps an equal address; a second ADD reuses it" {
	local conf
	conf=$(br_conf)
	br_run ADD "$conf"
	assert_success
	CID=ctr2-$TAG
	new_cns 1
	NETNS_PATH=$NSP br_run ADD "$conf"
	assert_success
	run ip -n "$HOSTNS" -4 -o addr show dev "$BR"
	[ "$(grep -c 10.88.0.1/24 <<<"$output")" = 1 ]
}

# bats test_tags=vm
@test "options: the bridge MAC is pinned once it has a gateway" {
	br_run ADD "$(br_conf)"
	assert_success
	local mac
	mac=$(jq -r '.interfaces[0].mac' <<<"$output")
	[ "$(cat /sys/class/net/lo/address >/dev/null; ip netns exec "$HOSTNS" cat /sys/class/net/$BR/addr_assign_type)" = 3 ] ||
		fail "bridge MAC not set explicitly"
	[ "$(hns -j link show "$BR" | jq -r '.[0].address')" = "$mac" ]
}

# bats test_tags=vm
@test "options: the MAC from runtimeConfig.mac" {
	br_run ADD "$(br_conf '.runtimeConfig = {mac: "0a:58:0a:58:00:05"}')"
	assert_success
	run jq -r '.interfaces[2].mac' <<<"$output"
	assert_output "0a:58:0a:58:00:05"
	[ "$(cns -j link show eth0 | jq -r '.[0].address')" = "0a:58:0a:58:00:05" ]
}

@test "options: MAC precedence: runtimeConfig > args.cni > CNI_ARGS" {
	CNI_ARGS_VAL="IgnoreUnknown=1;MAC=0a:00:00:00:00:01"
	br_run ADD "$(br_conf)"
	assert_success
	[ "$(jq -r '.interfaces[2].mac' <<<"$output")" = "0a:00:00:00:00:01" ]
	br_run DEL "$(br_conf)"
	br_run ADD "$(br_conf '.args = {cni: {mac: "0a:00:00:00:00:02"}}')"
	assert_success
	[ "$(jq -r '.interfaces[2].mac' <<<"$output")" = "0a:00:00:00:00:02" ]
	br_run DEL "$(br_conf)"
	br_run ADD "$(br_conf '.args = {cni: {mac: "0a:00:00:00:00:02"}} | .runtimeConfig = {mac: "0a:00:00:00:00:03"}')"
	assert_success
	[ "$(jq -r '.interfaces[2].mac' <<<"$output")" = "0a:00:00:00:00:03" ]
}

@test "options: an invalid MAC is refused (code 7) before any change" {
	br_run ADD "$(br_conf '.runtimeConfig = {mac: "not-a-mac"}')"
	assert_failure
	run jq -r '.code' <<<"$output"
	assert_output 7
	run hns link show "$BR"
	assert_failure
}

@test "options: unknown CNI_ARGS keys are refused unless IgnoreUnknown" {
	CNI_ARGS_VAL="FOO=bar"
	br_run ADD "$(br_conf)"
	assert_failure
	CNI_ARGS_VAL="IgnoreUnknown=true;FOO=bar"
	br_run ADD "$(br_conf)"
	assert_success
}

@test "options: dns from the IPAM result, or the config's when set" {
	cat >"$D/ipam.json" <<-'JSON'
	{"cniVersion":"1.0.0","ips":[{"address":"10.88.0.5/24","gateway":"10.88.0.1"}],
	 "dns":{"nameservers":["10.88.0.53"],"search":["ipam.example"]}}
	JSON
	br_run ADD "$(br_conf '.ipam = {type: "test-ipam"}')" TEST_IPAM_RESULT="$D/ipam.json"
	assert_success
	run jq -c '.dns' <<<"$output"
	assert_output '{"nameservers":["10.88.0.53"],"search":["ipam.example"]}'
	br_run DEL "$(br_conf '.ipam = {type: "test-ipam"}')"
	assert_success
	br_run ADD "$(br_conf '.ipam = {type: "test-ipam"} | .dns = {nameservers: ["192.0.2.53"], domain: "conf.example"}')" \
		TEST_IPAM_RESULT="$D/ipam.json"
	assert_success
	run jq -c '.dns' <<<"$output"
	assert_output '{"nameservers":["192.0.2.53"],"domain":"conf.example"}'
}

# bats test_tags=vm
@test "options: enabledad turns DAD on and waits it out" {
	br_run ADD "$(br_conf '.enabledad = true | .ipam = {type: "host-local", dataDir: .ipam.dataDir,
		ranges: [[{subnet: "fd00:89::/64"}]]}')"
	assert_success
	[ "$(csysctl net/ipv6/conf/eth0/accept_dad)" = 1 ]
	[ "$(csysctl net/ipv6/conf/eth0/enhanced_dad)" = 1 ]
	run ip -n "${CNS[0]}" -6 -o addr show dev eth0 scope global
	assert_output --partial "fd00:89::2/64"
	refute_output --partial "tentative"
	refute_output --partial "nodad"
}

# bats test_tags=vm
@test "options: disableContainerInterface leaves the container end down" {
	local conf
	conf=$(br_conf '.ipam = {} | .disableContainerInterface = true')
	br_run ADD "$conf"
	assert_success
	run cns -o link show eth0
	refute_output --partial "UP"
	run br_ports
	assert_output --regexp '^veth'
	br_run DEL "$conf"
	assert_success
	assert_no_veth
}

@test "options: disableContainerInterface with IPAM is refused (code 7)" {
	br_run ADD "$(br_conf '.disableContainerInterface = true')"
	assert_failure
	run jq -r '.code, .msg' <<<"$output"
	assert_output "$(printf '7\ncannot use IPAM when DisableContainerInterface flag is set')"
}

@test "options: ipMasqBackend iptables masquerades from nftables (said once on stderr); unknown backends are code 7" {
	br_run ADD "$(br_conf '.ipMasq = true | .ipMasqBackend = "iptables"')"
	assert_success
	[ "$(grep -c 'ipMasqBackend "iptables": masquerading with nftables' <<<"$stderr")" = 1 ] ||
		fail "stderr: $stderr"
	# the container's address is in our masquerade set, no iptables rule
	run ip netns exec "$HOSTNS" nft list table inet cni_c_bridge
	assert_success
	assert_output --partial "10.88.0.2"
	run ip netns exec "$HOSTNS" iptables-save -t nat
	refute_output --partial "CNI-"
	br_run DEL "$(br_conf '.ipMasq = true | .ipMasqBackend = "iptables"')"
	assert_success
	run ip netns exec "$HOSTNS" nft list table inet cni_c_bridge
	refute_output --partial "10.88.0.2"
	# without ipMasq the backend is not used: nothing said
	br_run ADD "$(br_conf '.ipMasqBackend = "iptables"')"
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
	br_run DEL "$(br_conf '.ipMasqBackend = "iptables"')"
	br_run ADD "$(br_conf '.ipMasqBackend = "bogus"')"
	assert_failure
	run jq -r '.code' <<<"$output"
	assert_output 7
	CID=other br_run ADD "$(br_conf '.ipMasq = true | .ipMasqBackend = "nftables"')"
	assert_success
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "options: vlan and vlanTrunk values are validated as the reference (code 7)" {
	local -a cases=(
		'.vlan = 4095 :: invalid VLAN ID 4095 (must be between 0 and 4094)'
		'.vlan = -1 :: invalid VLAN ID -1 (must be between 0 and 4094)'
		'.vlanTrunk = [{minID: 0, maxID: 10}] :: incorrect trunk minID parameter'
		'.vlanTrunk = [{minID: 1, maxID: 4095}] :: incorrect trunk maxID parameter'
		'.vlanTrunk = [{minID: 20, maxID: 10}] :: minID is greater than maxID in trunk parameter'
		'.vlanTrunk = [{maxID: 10}] :: minID and maxID should be configured simultaneously, minID is missing'
		'.vlanTrunk = [{minID: 10}] :: minID and maxID should be configured simultaneously, maxID is missing'
		'.vlanTrunk = [{id: 0}] :: incorrect trunk id parameter'
		'.vlan = 100 | .vlanTrunk = [{id: 5}] :: cannot set vlan and vlanTrunk at the same time'
	)
	local c
	for c in "${cases[@]}"; do
		br_run ADD "$(br_conf "${c%% :: *}")"
		assert_failure
		run jq -r '.code, .msg' <<<"$output"
		assert_output "$(printf '7\n%s' "${c#* :: }")"
	done
	run hns link show "$BR"
	assert_failure
}
