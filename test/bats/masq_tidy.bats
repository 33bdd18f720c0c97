#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Masquerade sets and rules do not pile up: a subnet's set and its
# postrouting rule in table inet cni_c_bridge go with its last element,
# and an ADD racing into that subnet never loses its element. Everything
# happens inside network namespaces made here.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() {
	br_setup
	NFTCTL=$CNI_TEST_BIN/nftctl
}
teardown() { br_teardown; }

hnft() { ip netns exec "$HOSTNS" nft "$@"; }
ctl() { ip netns exec "$HOSTNS" "$NFTCTL" "$@"; }
n_sets() { hnft -j list table inet cni_c_bridge 2>/dev/null | jq '[.nftables[] | select(.set)] | length'; }
n_rules() { hnft -j list table inet cni_c_bridge 2>/dev/null | jq '[.nftables[] | select(.rule)] | length'; }

# netconf for network $1 (its own bridge and /24, as podman makes them)
net_conf() {
	jq -nc --arg n "tidy$1-$TAG" --arg br "b$1$TAG" --arg dir "$IPAMDIR" --arg s "10.100.$1.0/24" \
		'{cniVersion: "1.0.0", name: $n, type: "bridge", bridge: $br, isGateway: true,
		  ipMasq: true, ipam: {type: "host-local", subnet: $s, dataDir: $dir}}'
}

@test "tidy: the last container of a subnet takes its set and rule with it" {
	br_run ADD "$(net_conf 1)"
	assert_success
	assert_equal "$(n_sets)" 1
	assert_equal "$(n_rules)" 1
	br_run DEL "$(net_conf 1)"
	assert_success
	assert_equal "$(n_sets)" 0
	assert_equal "$(n_rules)" 0
	# a DEL after the netns is gone (entries found by owner) tidies too
	br_run ADD "$(net_conf 1)"
	assert_success
	ip netns del "${CNS[0]}"
	br_run DEL "$(net_conf 1)"
	assert_success
	assert_equal "$(n_sets)" 0
	assert_equal "$(n_rules)" 0
}

@test "tidy: 50 networks each get a container and lose it; the table ends as it began" {
	# (not $i: bats' run helpers assign it)
	local keep before net_i
	# a long-lived container on a network of its own
	keep=$(br_conf '.ipMasq = true')
	br_run ADD "$keep"
	assert_success
	before=$(hnft list table inet cni_c_bridge)
	new_cns loop
	for net_i in $(seq 1 50); do
		CID=ctr$net_i-$TAG NETNS_PATH=$NSP br_run ADD "$(net_conf "$net_i")"
		assert_success
		CID=ctr$net_i-$TAG NETNS_PATH=$NSP br_run DEL "$(net_conf "$net_i")"
		assert_success
	done
	assert_equal "$(hnft list table inet cni_c_bridge)" "$before"
	# and the one left still masquerades
	run ctl masq-check "$NET" "$CID" eth0 10.88.0.2/24
	assert_success
}

@test "tidy: GC removes the empty sets and rules left before (by older versions)" {
	CNIVER=1.1.0
	local conf
	conf=$(br_conf '.ipMasq = true | ."cni.dev/valid-attachments" = []')
	# what an older version left: empty sets, each with its rule
	for i in 1 2 3; do
		ctl masq-add "old-$TAG" "c$i" eth0 "10.101.$i.2/24"
		hnft delete element inet cni_c_bridge "masq4-10.101.$i.0/24" "{ 10.101.$i.2 }"
	done
	assert_equal "$(n_sets)" 3
	br_run GC "$conf"
	assert_success
	assert_equal "$(n_sets)" 0
	assert_equal "$(n_rules)" 0
}

@test "tidy: ADDs racing with the DEL of a subnet's last containers never lose an element" {
	[ -x "$NFTCTL" ] || skip "no nftctl"
	local round i j pids cur=a next=b rc tmp
	# 4 containers of generation a; each round DELs the current generation
	# while the next one is ADDed into the same (emptying) subnet
	for j in 1 2 3 4; do
		ctl masq-add "$NET" "a0-$j" eth0 "10.88.0.$j/24" || fail "seed $j"
	done
	for round in $(seq 1 25); do
		pids=()
		for j in 1 2 3 4; do
			ctl masq-del "$NET" "$cur$((round - 1))-$j" eth0 "10.88.0.$(((round - 1) % 2 * 4 + j))/24" &
			pids+=($!)
			ctl masq-add "$NET" "$next$round-$j" eth0 "10.88.0.$((round % 2 * 4 + j))/24" &
			pids+=($!)
		done
		rc=0
		for i in "${pids[@]}"; do wait "$i" || rc=1; done
		[ "$rc" = 0 ] || fail "round $round: an add or del failed"
		for j in 1 2 3 4; do
			run ctl masq-check "$NET" "$next$round-$j" eth0 "10.88.0.$((round % 2 * 4 + j))/24"
			[ "$status" = 0 ] || fail "round $round: $next$round-$j lost its masquerade: $output"
		done
		assert_equal "$(n_sets)" 1
		assert_equal "$(n_rules)" 1
		tmp=$cur
		cur=$next
		next=$tmp
	done
	for j in 1 2 3 4; do
		ctl masq-del "$NET" "${cur}25-$j" eth0 "10.88.0.$((25 % 2 * 4 + j))/24" || fail "last del $j"
	done
	assert_equal "$(n_sets)" 0
	assert_equal "$(n_rules)" 0
}
