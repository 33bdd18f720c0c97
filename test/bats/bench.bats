#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/bench --smoke runs end to end against the reference plugins and
# leaves nothing behind. Never asserts a time or a budget.
#
#   CNI_TEST_BIN  dir with our bridge/host-local (default ./bin)

bats_require_minimum_version 1.5.0
load helpers

@test "bench --smoke: runs, prints the table and valid JSON, cleans up" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -x "$REF_BIN/bridge" ] || skip "no reference plugins in $REF_BIN"
	local repo
	repo=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	local scratch=$BATS_TEST_TMPDIR/scratch
	mkdir -p "$scratch"

	run --separate-stderr env TMPDIR="$scratch" bash "$repo/scripts/bench" --smoke \
		--ours "$CNI_TEST_BIN" --json-out "$BATS_TEST_TMPDIR/bench.json"
	[ "$status" -eq 0 ] || fail "bench exited $status: $stderr"

	# the table: every figure, for both sides, and the budget lines
	assert_output --partial "ADD latency median (ms)"
	assert_output --partial "DEL latency p99 (ms)"
	assert_output --partial "ADD throughput, 8 callers (ops/s)"
	assert_output --partial "ADD median, 20 containers on bridge (ms)"
	assert_output --partial "bridge binary, stripped (KiB)"
	assert_output --partial "peak RSS of an ADD, bridge tree (KiB)"
	assert_output --regexp "(PASS|MISS)  ADD median >= 10x faster"

	# the JSON: parses, has numbers for both sides, no failed call
	jq -e '.results.add_latency.reference.median > 0
		and .results.add_latency.ours.median > 0
		and .results.del_throughput.ours > 0
		and (.results.scale | length) == 2
		and (.budgets | length) == 8
		and .failed_calls.reference == 0 and .failed_calls.ours == 0' \
		"$BATS_TEST_TMPDIR/bench.json" >/dev/null ||
		fail "bad JSON: $(cat "$BATS_TEST_TMPDIR/bench.json")"

	# nothing left: no scratch dir, no bridge in the real host netns
	run ls -A "$scratch"
	assert_output ""
	run ip -o link show
	refute_output --partial cnibench0
}
