#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge's nonMasqueradeCIDRs (with ipMasq): destinations in the list
# see the container's own address, every other one outside the subnet the
# host's. Traffic goes from containers through the private "host" netns
# ($HOSTNS, where the plugin runs and the table lives) to an "outside"
# netns made here; nothing else is a target.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() {
	br_setup
	[ -x "$CNI_TEST_BIN/udp-seen" ] || fail "no udp-seen in CNI_TEST_BIN"
	# outside: 10.78.0.2 / fd78::2 on the link to the host (masqueraded),
	# 10.79.0.2 / fd79::2 behind it (in the lists below); no route back
	new_cns out
	OUT=${CNS[-1]}
	hns link add "o$TAG" type veth peer name eth0 netns "$OUT"
	hns addr add 10.78.0.1/24 dev "o$TAG"
	hns addr add fd78::1/64 dev "o$TAG" nodad
	hns link set "o$TAG" up
	hns route add 10.79.0.0/16 via 10.78.0.2
	hns -6 route add fd79::/32 via fd78::2
	ip -n "$OUT" addr add 10.78.0.2/24 dev eth0
	ip -n "$OUT" addr add fd78::2/64 dev eth0 nodad
	ip -n "$OUT" link set eth0 up
	ip -n "$OUT" link set lo up
	ip -n "$OUT" addr add 10.79.0.2/32 dev lo
	ip -n "$OUT" addr add fd79::2/128 dev lo
}
teardown() { br_teardown; }

hnft() { ip netns exec "$HOSTNS" nft "$@"; }
n_sets() { hnft -j list table inet cni_c_bridge 2>/dev/null | jq '[.nftables[] | select(.set)] | length'; }
n_rules() { hnft -j list table inet cni_c_bridge 2>/dev/null | jq '[.nftables[] | select(.rule)] | length'; }

# dual-stack, default routes via the bridge, ipMasq, then the filter
nm_conf() {
	br_conf '.isDefaultGateway = true | .ipMasq = true |
		.ipam = {type: "host-local", dataDir: .ipam.dataDir,
			 ranges: [[{subnet: "10.88.0.0/24"}], [{subnet: "fd00:88::/64"}]]} | '"${1:-.}"
}

# with_prev CONF RESULT: CONF with the ADD's result as prevResult (CHECK)
with_prev() { jq -c --argjson r "$2" '. + {prevResult: $r}' <<<"$1"; }

# probe NETNS DST PORT: one UDP datagram from NETNS to the outside; prints
# the source the outside saw. The listener says "ready" once bound.
probe() {
	local ns=$1 dst=$2 port=$3 f=$BATS_TEST_TMPDIR/seen.$3 pid i
	: >"$f"
	ip netns exec "$OUT" "$CNI_TEST_BIN/udp-seen" "$dst" "$port" 20 >"$f" 3>&- &
	pid=$!
	for i in $(seq 600); do
		grep -q '^ready$' "$f" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	ip netns exec "$ns" bash -c 'echo x >"/dev/udp/$1/$2"' _ "$dst" "$port"
	wait "$pid"
	grep -v '^ready$' "$f"
}

# bats test_tags=vm
@test "nomasq: listed destinations see the pod's address, others the host's (IPv4, IPv6); CHECK; DEL leaves nothing" {
	local conf res
	# host bits are accepted (and cleared), as Go's net.ParseCIDR does
	conf=$(nm_conf '.nonMasqueradeCIDRs = ["10.79.1.1/16", "fd79::/32"]')
	br_run ADD "$conf"
	assert_success
	res=$output
	run probe "${CNS[0]}" 10.79.0.2 41001
	assert_output "10.88.0.2"
	run probe "${CNS[0]}" 10.78.0.2 41002
	assert_output "10.78.0.1"
	run probe "${CNS[0]}" fd79::2 41003
	assert_output "fd00:88::2"
	run probe "${CNS[0]}" fd78::2 41004
	assert_output "fd78::1"
	# the list is in the rule, the container's address in its set
	run hnft list chain inet cni_c_bridge postrouting
	assert_output --partial "ip daddr != 10.79.0.0/16 masquerade"
	assert_output --partial "ip6 daddr != fd79::/32 masquerade"
	br_run CHECK "$(with_prev "$conf" "$res")"
	assert_success
	# CHECK with another list: the container is not set up for it
	br_run CHECK "$(with_prev "$(nm_conf '.nonMasqueradeCIDRs = ["10.79.0.0/16"]')" "$res")"
	assert_failure
	assert_output --partial "with this config's nonMasqueradeCIDRs"
	br_run DEL "$conf"
	assert_success
	assert_equal "$(n_sets)" 0
	assert_equal "$(n_rules)" 0
	run reservations
	assert_output ""
}

# bats test_tags=vm
@test "nomasq: an edited list applies from the next ADD; each container keeps its own until DEL; DEL and GC leave nothing" {
	local old new nsp1 res0 res1
	old=$(nm_conf '.nonMasqueradeCIDRs = ["10.79.0.0/16"]')
	new=$(nm_conf '.nonMasqueradeCIDRs = ["10.78.0.0/24", "10.79.0.0/16"]')
	br_run ADD "$old"
	assert_success
	res0=$output
	new_cns 1
	nsp1=$NSP
	CID=ctr1-$TAG NETNS_PATH=$nsp1 br_run ADD "$new"
	assert_success
	res1=$output
	# an IPv4 set per list, each with its rule; the lists have no IPv6
	# entry: the IPv6 set (and rule) is the same for both
	assert_equal "$(n_sets)" 3
	assert_equal "$(n_rules)" 3
	run probe "${CNS[0]}" 10.78.0.2 41011
	assert_output "10.78.0.1"
	run probe "${CNS[-1]}" 10.78.0.2 41012
	assert_output "10.88.0.3"
	run probe "${CNS[-1]}" 10.79.0.2 41013
	assert_output "10.88.0.3"
	br_run CHECK "$(with_prev "$old" "$res0")"
	assert_success
	CID=ctr1-$TAG NETNS_PATH=$nsp1 br_run CHECK "$(with_prev "$new" "$res1")"
	assert_success
	# the first container's DEL with the edited list finds its entries
	br_run DEL "$new"
	assert_success
	run hnft list table inet cni_c_bridge
	refute_output --partial "$CID/"
	refute_output --partial "ip daddr != 224.0.0.0/4 ip daddr != 10.79.0.0/16 masquerade"
	assert_equal "$(n_sets)" 2
	assert_equal "$(n_rules)" 2
	run probe "${CNS[-1]}" 10.78.0.2 41014
	assert_output "10.88.0.3"
	# GC with no valid attachment takes the rest, sets and rules
	CNIVER=1.1.0 br_run GC "$(CNIVER=1.1.0 nm_conf '.nonMasqueradeCIDRs = [] |
		."cni.dev/valid-attachments" = []')"
	assert_success
	assert_equal "$(n_sets)" 0
	assert_equal "$(n_rules)" 0
}

# bats test_tags=vm
@test "nomasq: networks sharing the table keep their own lists" {
	local a b
	a=$(nm_conf '.nonMasqueradeCIDRs = ["10.79.0.0/16"]')
	b=$(jq -c --arg br "b2$TAG" --arg n "net2-$TAG" '.name = $n | .bridge = $br |
		.ipam.ranges = [[{subnet: "10.89.0.0/24"}]] | .nonMasqueradeCIDRs = ["10.78.0.0/16"]' <<<"$a")
	br_run ADD "$a"
	assert_success
	new_cns 1
	CID=ctr1-$TAG NETNS_PATH=$NSP br_run ADD "$b"
	assert_success
	run probe "${CNS[0]}" 10.78.0.2 41021
	assert_output "10.78.0.1"
	run probe "${CNS[0]}" 10.79.0.2 41022
	assert_output "10.88.0.2"
	run probe "${CNS[-1]}" 10.78.0.2 41023
	assert_output "10.89.0.2"
	run probe "${CNS[-1]}" 10.79.0.2 41024
	assert_output "10.78.0.1"
	br_run DEL "$a"
	assert_success
	CID=ctr1-$TAG NETNS_PATH=$NSP br_run DEL "$b"
	assert_success
	assert_equal "$(n_sets)" 0
	assert_equal "$(n_rules)" 0
}

# bats test_tags=vm
@test "nomasq: a /0 exempts its family (no rule for it), the other family is still masqueraded" {
	local conf res
	conf=$(nm_conf '.nonMasqueradeCIDRs = ["0.0.0.0/0"]')
	br_run ADD "$conf"
	assert_success
	res=$output
	run probe "${CNS[0]}" 10.78.0.2 41031
	assert_output "10.88.0.2"
	run probe "${CNS[0]}" fd78::2 41032
	assert_output "fd78::1"
	assert_equal "$(n_rules)" 1
	br_run CHECK "$(with_prev "$conf" "$res")"
	assert_success
	br_run DEL "$conf"
	assert_success
	assert_equal "$(n_sets)" 0
}

@test "nomasq: without ipMasq the list is validated and has no effect" {
	local conf
	conf=$(nm_conf '.ipMasq = false | .nonMasqueradeCIDRs = ["10.79.0.0/16"]')
	br_run ADD "$conf"
	assert_success
	run hnft list tables
	refute_output --partial cni_c_bridge
	br_run DEL "$conf"
	assert_success
	br_run ADD "$(nm_conf '.ipMasq = false | .nonMasqueradeCIDRs = ["10.79.0.0"]')"
	assert_failure
	assert_equal "$(jq -r .code <<<"$output")" 7
}

@test "nomasq: invalid lists are code 7 naming the entry, and ADD leaves nothing" {
	local bad
	for bad in '"10.0.0.0/8"' '["10.0.0.0/8", 5]' '["10.0.0.0/8", "10.0.0.0"]' \
		'["10.0.0.0/33"]' '["fd00::/129"]' '["cluster-cidr"]' '[""]' '{}'; do
		br_run ADD "$(nm_conf ".nonMasqueradeCIDRs = $bad")"
		assert_failure
		assert_equal "$(jq -r .code <<<"$output")" 7
		assert_output --partial "nonMasqueradeCIDRs"
	done
	br_run ADD "$(nm_conf '.nonMasqueradeCIDRs = ["10.0.0.0/8", "cluster-cidr"]')"
	assert_equal "$(jq -r .msg <<<"$output")" \
		'nonMasqueradeCIDRs: invalid CIDR "cluster-cidr" (want address/prefix, e.g. 10.0.0.0/8 or fd00::/8)'
	br_run ADD "$(nm_conf '.nonMasqueradeCIDRs = ["10.0.0.0/8", 5]')"
	assert_equal "$(jq -r .msg <<<"$output")" \
		'nonMasqueradeCIDRs[1] must be a string (a CIDR)'
	run hnft list tables
	refute_output --partial cni_c_bridge
	run reservations
	assert_output ""
	assert_no_veth
}
