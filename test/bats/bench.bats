#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/bench --smoke runs end to end against the reference plugins (the
# bridge alone, the chain, the chain inside containerd's CRI) and leaves
# nothing behind. Never asserts a time or a budget.
#
#   CNI_TEST_BIN  dir with our bridge/host-local (default ./bin)

bats_require_minimum_version 1.5.0
load helpers
source "$BATS_TEST_DIRNAME/../helpers/cri/containerd.bash"

# root, the reference plugins, and a scratch TMPDIR: sets repo and scratch
bench_setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -x "$REF_BIN/bridge" ] || skip "no reference plugins in $REF_BIN"
	repo=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	scratch=$BATS_TEST_TMPDIR/scratch
	mkdir -p "$scratch"
}

@test "bench --smoke: runs, prints the table and valid JSON, cleans up" {
	bench_setup

	run --separate-stderr env TMPDIR="$scratch" bash "$repo/scripts/bench" --smoke \
		--ours "$CNI_TEST_BIN" --json-out "$BATS_TEST_TMPDIR/bench.json"
	[ "$status" -eq 0 ] || fail "bench exited $status: $stderr"

	# the table: every figure, for both parts, and the budget lines
	assert_output --partial "bridge ADD latency median (ms)"
	assert_output --partial "bridge DEL latency p99 (ms)"
	assert_output --partial "bridge ADD throughput, 8 callers (ops/s)"
	assert_output --partial "bridge ADD median, 20 containers (ms)"
	assert_output --partial "exec of an empty program, 0 containers (ms)"
	assert_output --partial "chain ADD latency median (ms)"
	assert_output --partial "chain DEL throughput, 8 callers (ops/s)"
	assert_output --partial "of which portmap ADD median (ms)"
	assert_output --partial "portmap DEL median, 20 mapped (ms)"
	assert_output --partial "kernel nft element add, 20 mapped (ms)"
	assert_output --partial "portmap ADD's floor in the chain, 20 mapped (ms)"
	assert_output --partial "portmap DEL's floor in the chain, 0 mapped (ms)"
	assert_output --partial "conntrack started there by the plugins' own NAT rules"
	assert_output --partial "bridge binary, stripped (KiB)"
	assert_output --partial "peak RSS of an ADD, bridge tree (KiB)"
	refute_output --partial "1.3x exec" # retired (issue 21)
	assert_output --regexp "(PASS|MISS)  chain ADD median >= 10x faster"

	# the JSON: parses, has numbers for both sides and parts, no failed call
	jq -e '.results.add_latency.reference.median > 0
		and .results.add_latency.ours.median > 0
		and .results.del_throughput.ours > 0
		and (.results.scale | length) == 2
		and .results.scale[0].exec_floor.ours.median > 0
		and .chain.add_latency.ours.median > 0
		and .chain.steps.portmap_add.reference.median > 0
		and (.chain.scale | length) == 2
		and .chain.scale[1].kernel_nft_add.ours.median > 0
		and .chain.scale[1].portmap_add_floor.ours.median > 0
		and .chain.scale[0].portmap_del_floor.reference.median > 0
		and .params.node_conntrack == false
		and (.budgets | length) == 14
		and .failed_calls.reference == 0 and .failed_calls.ours == 0' \
		"$BATS_TEST_TMPDIR/bench.json" >/dev/null ||
		fail "bad JSON: $(cat "$BATS_TEST_TMPDIR/bench.json")"
	# the CRI figure, where containerd can run
	if [ -z "$(crid_why_not)" ]; then
		jq -e '.cri.pod_network_setup.ours.n == 3 and .cri.pod_network_setup.reference.median > 0
			and .cri.floor.n == 3 and .cri.floor.median > 0
			and (.cri.share_ms.ours | type) == "number"' \
			"$BATS_TEST_TMPDIR/bench.json" >/dev/null || fail "no CRI figure: $stderr"
		# the floor and the plugins' share above it, with their budgets
		assert_output --partial "no-op plugins (the floor), median"
		assert_output --partial "the plugins' share above the floor (ms)"
		assert_output --regexp "(PASS|MISS)  pod network in containerd: \(reference - floor\) / \(ours - floor\) >= 10"
		assert_output --regexp "(PASS|MISS)  pod network in containerd: ours - floor <= 5 ms"
	fi

	# nothing left: no scratch dir, no bridge in the real host netns
	run ls -A "$scratch"
	assert_output ""
	run ip -o link show
	refute_output --partial cnibench0
}

@test "bench --node-conntrack: each host netns has conntrack in use before the plugins run" {
	bench_setup

	run --separate-stderr env TMPDIR="$scratch" bash "$repo/scripts/bench" --smoke \
		--no-chain --cri-pods 0 --scale 0 --ours "$CNI_TEST_BIN" --node-conntrack \
		--keep-tmp --json-out "$BATS_TEST_TMPDIR/bench.json"
	[ "$status" -eq 0 ] || fail "bench exited $status: $stderr"
	assert_output --partial "conntrack already in use there (--node-conntrack)"
	jq -e '.params.node_conntrack == true and .failed_calls.ours == 0' \
		"$BATS_TEST_TMPDIR/bench.json" >/dev/null || fail "bad JSON"
	# the ruleset each runner loaded: a ct rule in a chain nothing jumps to
	run bash -c "cat $scratch/*/*/node-conntrack.nft"
	assert_line "add rule inet cnibench_node ct_users ct state established,related accept"
	assert_equal "$(grep -c 'add table' <<<"$output")" 2
	rm -rf "${scratch:?}"/*
}
