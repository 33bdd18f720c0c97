#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge plugin's nftables side (ipMasq, macspoofchk), STATUS and GC.
# Every table lives in $HOSTNS.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() { br_setup; }
teardown() { br_teardown; }

hnft() { ip netns exec "$HOSTNS" nft "$@"; }

# bats test_tags=vm
@test "nft: ipMasq adds this container's address, owned by it; DEL removes it" {
	local conf
	conf=$(br_conf '.ipMasq = true')
	br_run ADD "$conf"
	assert_success
	# (the table's layout is pkg/nft's business: only what it must hold)
	run hnft list table inet cni_c_bridge
	assert_output --partial "10.88.0.2 comment \"$NET/$CID/eth0\""
	assert_output --partial "ip daddr != 10.88.0.0/24 ip daddr != 224.0.0.0/4 masquerade"
	br_run DEL "$conf"
	assert_success
	run hnft list table inet cni_c_bridge
	refute_output --partial "10.88.0.2"
}

@test "nft: DEL after the netns is gone still removes the masquerade element" {
	local conf
	conf=$(br_conf '.ipMasq = true | .macspoofchk = true')
	br_run ADD "$conf"
	assert_success
	ip netns del "${CNS[0]}"
	br_run DEL "$conf"
	assert_success
	run hnft list ruleset
	refute_output --partial "$CID"
}

# bats test_tags=vm
@test "nft: ipMasq covers the IPv6 address too" {
	local conf
	conf=$(br_conf '.ipMasq = true | .ipam = {type: "host-local", dataDir: .ipam.dataDir,
		ranges: [[{subnet: "10.88.0.0/24"}], [{subnet: "fd00:88::/64"}]]}')
	br_run ADD "$conf"
	assert_success
	run hnft list table inet cni_c_bridge
	assert_output --partial "fd00:88::2 comment \"$NET/$CID/eth0\""
	assert_output --partial "10.88.0.2 comment \"$NET/$CID/eth0\""
	br_run DEL "$conf"
	assert_success
	run hnft list table inet cni_c_bridge
	refute_output --partial "fd00:88::2"
}

# bats test_tags=vm
@test "nft: masquerade takes container traffic to an outside network" {
	# an "outside" netns behind $HOSTNS, with no route back to 10.88/24
	new_cns out
	local out=${CNS[-1]}
	hns link add "o$TAG" type veth peer name uplink netns "$out"
	hns addr add 192.0.2.1/24 dev "o$TAG"
	hns link set "o$TAG" up
	ip -n "$out" addr add 192.0.2.2/24 dev uplink
	ip -n "$out" link set uplink up
	br_run ADD "$(br_conf '.isDefaultGateway = true')"
	assert_success
	run ip netns exec "${CNS[0]}" ping -c1 -W1 192.0.2.2
	assert_failure
	br_run DEL "$(br_conf '.isDefaultGateway = true')"
	br_run ADD "$(br_conf '.isDefaultGateway = true | .ipMasq = true')"
	assert_success
	run ip netns exec "${CNS[0]}" ping -c1 -W2 192.0.2.2
	assert_success
}

# bats test_tags=vm
@test "nft: macspoofchk allows only the container's MAC from its port; DEL removes it" {
	local conf veth mac
	conf=$(br_conf '.macspoofchk = true')
	br_run ADD "$conf"
	assert_success
	veth=$(jq -r '.interfaces[1].name' <<<"$output")
	mac=$(jq -r '.interfaces[2].mac' <<<"$output")
	run hnft list set bridge cni_c_bridge spoofchk_allowed
	assert_output --partial "\"$veth\" . $mac comment \"$NET/$CID/eth0\""
	run ip netns exec "${CNS[0]}" ping -c1 -W2 10.88.0.1
	assert_success
	# a spoofed source MAC is dropped at the port
	cns link set eth0 address 0a:bb:cc:dd:ee:ff
	ip netns exec "$HOSTNS" ip neigh flush dev "$BR"
	run ip netns exec "${CNS[0]}" ping -c1 -W1 10.88.0.1
	assert_failure
	br_run DEL "$conf"
	assert_success
	run hnft list set bridge cni_c_bridge spoofchk_allowed
	refute_output --partial "$veth"
}

@test "nft: DEL removes what the reference's iptables backend left for this container" {
	[ -x "$CNI_TEST_BIN/nftctl" ] || skip "no nftctl"
	local conf chain
	conf=$(br_conf '.ipMasq = true')
	br_run ADD "$conf"
	assert_success
	chain=$("$CNI_TEST_BIN/nftctl" legacy-chain "$NET" "$CID")
	hnft add table ip nat
	hnft add chain ip nat POSTROUTING '{ type nat hook postrouting priority srcnat; }'
	hnft add chain ip nat "$chain"
	hnft add rule ip nat "$chain" ip daddr 10.88.0.0/24 accept
	hnft add rule ip nat POSTROUTING ip saddr 10.88.0.2 jump "$chain"
	br_run DEL "$conf"
	assert_success
	run hnft list table ip nat
	refute_output --partial "$chain"
}

# The reference's nftables backend (plugins >= 1.5: table inet
# cni_plugins_masquerade, one rule per address, comment "<33-char hash>,
# net: N, if: I, id: C"); 1.1.1 in /usr/lib/cni only has the iptables one,
# so these rules are written as that version writes them.
ref_nft_rule() {
	local id=$1 ip=$2
	hnft add rule inet cni_plugins_masquerade masq_checks ip saddr "$ip" \
		ip daddr != 10.88.0.0/24 masquerade \
		comment "\"$("$CNI_TEST_BIN/nftctl" legacy-comment "$NET" "$id" eth0)\""
}

@test "nft: DEL of ctr-1 removes only its own reference nftables rule, not ctr-10's or actr-1b's" {
	[ -x "$CNI_TEST_BIN/nftctl" ] || skip "no nftctl"
	local conf
	conf=$(br_conf '.ipMasq = true')
	hnft add table inet cni_plugins_masquerade
	hnft add chain inet cni_plugins_masquerade masq_checks
	hnft add chain inet cni_plugins_masquerade postrouting '{ type nat hook postrouting priority srcnat; }'
	hnft add rule inet cni_plugins_masquerade postrouting goto masq_checks
	ref_nft_rule ctr-1 10.88.0.11
	ref_nft_rule ctr-10 10.88.0.12
	ref_nft_rule actr-1b 10.88.0.13
	CID=ctr-1 br_run DEL "$conf"
	assert_success
	run hnft list chain inet cni_plugins_masquerade masq_checks
	refute_output --partial "10.88.0.11"
	assert_output --partial "id: ctr-10\""
	assert_output --partial "id: actr-1b\""
	# and each one's own DEL takes exactly its rule
	CID=ctr-10 br_run DEL "$conf"
	assert_success
	run hnft list chain inet cni_plugins_masquerade masq_checks
	refute_output --partial "10.88.0.12"
	assert_output --partial "id: actr-1b\""
}

@test "nft: DEL of ctr-1 leaves what the reference bridge made for ctr-10 and actr-1b" {
	[ -x "$REF_BIN/bridge" ] || skip "no reference bridge in $REF_BIN"
	command -v iptables >/dev/null || skip "no iptables for the reference"
	local conf id
	conf=$(br_conf '.ipMasq = true')
	for id in ctr-1 ctr-10 actr-1b; do
		new_cns "$id"
		run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=ADD \
			CNI_CONTAINERID="$id" CNI_NETNS="$NSP" CNI_IFNAME=eth0 CNI_PATH="$REF_BIN" \
			"$REF_BIN/bridge" <<<"$conf"
		assert_success
	done
	CID=ctr-1 NETNS_PATH=/var/run/netns/cni-test-c$TAG-ctr-1 br_run DEL "$conf"
	assert_success
	run ip netns exec "$HOSTNS" iptables -t nat -S
	refute_output --partial "$("$CNI_TEST_BIN/nftctl" legacy-chain "$NET" ctr-1)"
	for id in ctr-10 actr-1b; do
		assert_output --partial "-N $("$CNI_TEST_BIN/nftctl" legacy-chain "$NET" "$id")"
		assert_output --partial "-j $("$CNI_TEST_BIN/nftctl" legacy-chain "$NET" "$id")"
	done
}

@test "nft: GC keeps the valid attachment and drops the other" {
	local conf
	conf=$(br_conf '.ipMasq = true | .macspoofchk = true')
	br_run ADD "$conf"
	assert_success
	new_cns 1
	CID=ctr2-$TAG NETNS_PATH=$NSP br_run ADD "$conf"
	assert_success
	CNIVER=1.1.0
	conf=$(br_conf '.ipMasq = true | .macspoofchk = true')
	conf=$(jq -c --arg c "$CID" '."cni.dev/valid-attachments" = [{containerID: $c, ifname: "eth0"}]' <<<"$conf")
	br_run GC "$conf"
	assert_success
	run hnft list table inet cni_c_bridge
	assert_output --partial "10.88.0.2 comment \"$NET/$CID/eth0\""
	refute_output --partial "ctr2-$TAG"
	run hnft list set bridge cni_c_bridge spoofchk_allowed
	assert_output --partial "$NET/$CID/eth0"
	refute_output --partial "ctr2-$TAG"
	# host-local's GC released the other reservation
	run reservations
	assert_output "10.88.0.2"
}

@test "nft: GC without cni.dev/valid-attachments is code 7 and removes nothing; [] removes all" {
	local conf before
	CNIVER=1.1.0
	conf=$(br_conf '.ipMasq = true | .macspoofchk = true')
	br_run ADD "$conf"
	assert_success
	before=$(hnft list ruleset)
	br_run GC "$conf"
	assert_cni_error 7
	assert_output --partial "cni.dev/valid-attachments"
	assert_equal "$(hnft list ruleset)" "$before"
	run reservations
	assert_output "10.88.0.2"
	# the same for an L2 network (no IPAM to refuse it first)
	br_run GC "$(br_conf '.ipam = {} | .macspoofchk = true')"
	assert_cni_error 7
	assert_equal "$(hnft list ruleset)" "$before"
	# [] is an answer: nothing is valid any more
	br_run GC "$(jq -c '."cni.dev/valid-attachments" = []' <<<"$conf")"
	assert_success
	run hnft list ruleset
	refute_output --partial "$CID"
	run reservations
	assert_output ""
}

@test "nft: STATUS asks the IPAM plugin" {
	CNIVER=1.1.0
	br_run STATUS "$(br_conf)"
	assert_success
	br_run STATUS "$(br_conf '.ipam = {type: "test-ipam"}')" TEST_IPAM_FAIL="50:pool exhausted"
	assert_failure
	run jq -r '.code, .msg' <<<"$output"
	assert_output "$(printf '50\npool exhausted')"
	br_run STATUS "$(br_conf '.ipam = {}')"
	assert_success
}
