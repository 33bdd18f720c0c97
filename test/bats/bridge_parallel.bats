#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge plugin under concurrency: many ADDs and DELs on one bridge.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

N=20

setup() { br_setup; }
teardown() { br_teardown; }

# start N ADDs (or DELs) at once, one netns each; wait for all
par() {
	local cmd=$1 conf=$2 i pids=()
	for i in $(seq 1 $N); do
		br_exec "$D/$cmd-$i" "$cmd" "$conf" "ctr$i-$TAG" "/var/run/netns/cni-test-c$TAG-p$i" &
		pids+=($!)
	done
	local rc=0
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { rc=1; echo "$cmd $((i + 1)) failed: $(cat "$D/$cmd-$((i + 1)).out")"; }
	done
	return $rc
}

@test "parallel: $N ADDs racing to create one bridge all succeed, then $N DELs" {
	local conf i
	conf=$(br_conf '.ipMasq = true | .ipam.subnet = "10.88.0.0/22"')
	for i in $(seq 1 $N); do new_cns "p$i"; done
	run par ADD "$conf"
	assert_success
	# N distinct addresses, N ports, every container has its own
	run bash -c "cat $D/ADD-*.out | jq -r '.ips[0].address' | sort -u | wc -l"
	assert_output "$N"
	run bash -c "ip -n $HOSTNS -o link show master $BR 2>/dev/null | wc -l"
	assert_output "$N"
	for i in $(seq 1 $N); do
		local a
		a=$(jq -r '.ips[0].address' "$D/ADD-$i.out")
		run link_addrs "cni-test-c$TAG-p$i" eth0
		assert_line "$a"
	done
	# one gateway address only
	run bash -c "ip -n $HOSTNS -4 -o addr show dev $BR | wc -l"
	assert_output 1
	run reservations
	[ "$(wc -l <<<"$output")" = "$N" ]
	# a container reaches another one
	run ip netns exec "cni-test-c$TAG-p1" ping -c1 -W2 "$(jq -r '.ips[0].address' "$D/ADD-$N.out" | cut -d/ -f1)"
	assert_success

	run par DEL "$conf"
	assert_success
	assert_no_veth
	run reservations
	assert_output ""
	run bash -c "ip netns exec $HOSTNS nft list ruleset | grep -c 'ctr[0-9]*-$TAG' || true"
	assert_output 0
}

@test "parallel: ADDs and DELs interleaved on one bridge" {
	local conf i
	conf=$(br_conf '.ipam.subnet = "10.88.0.0/22"')
	for i in $(seq 1 $N); do new_cns "p$i"; done
	# the first half exists; then DEL them while the second half is ADDed
	local half=$((N / 2)) pids=() rc=0
	for i in $(seq 1 $half); do
		br_exec "$D/a$i" ADD "$conf" "ctr$i-$TAG" "/var/run/netns/cni-test-c$TAG-p$i" || fail "ADD $i"
	done
	for i in $(seq 1 $N); do
		if [ "$i" -le "$half" ]; then
			br_exec "$D/d$i" DEL "$conf" "ctr$i-$TAG" "/var/run/netns/cni-test-c$TAG-p$i" &
		else
			br_exec "$D/a$i" ADD "$conf" "ctr$i-$TAG" "/var/run/netns/cni-test-c$TAG-p$i" &
		fi
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	[ "$rc" = 0 ] || fail "an ADD or DEL failed: $(cat "$D"/*.out)"
	run bash -c "ip -n $HOSTNS -o link show master $BR 2>/dev/null | wc -l"
	assert_output "$((N - half))"
	run reservations
	[ "$(wc -l <<<"$output")" = "$((N - half))" ]
}
