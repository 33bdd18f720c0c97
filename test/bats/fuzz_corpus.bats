#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The fuzz corpus as regression tests: each target of test/fuzz/, built
# with the normal compiler (and under ASan+UBSan by make test-san) and a
# plain main (test/fuzz/replay.c), runs once on every file of its corpus:
# the hand-written seeds and every input a fuzzer once crashed on.

bats_require_minimum_version 1.5.0
load helpers

replay() {
	local t=$1 n
	[ -x "$CNI_TEST_BIN/fuzz/$t" ] || fail "no $CNI_TEST_BIN/fuzz/$t (make all)"
	n=$(find "$BATS_TEST_DIRNAME/../fuzz/corpus/$t" -type f | wc -l)
	[ "$n" -gt 0 ] || fail "no corpus for $t"
	run --separate-stderr "$CNI_TEST_BIN/fuzz/$t" "$BATS_TEST_DIRNAME/../fuzz/corpus/$t"
	[ "$status" -eq 0 ] || fail "$t: $stderr"
	assert_equal "$stderr" "$CNI_TEST_BIN/fuzz/$t: $n inputs replayed"
}

@test "fuzz corpus: bridge_conf" {
	replay fuzz_bridge_conf
}

@test "fuzz corpus: cniargs" {
	replay fuzz_cniargs
}

@test "fuzz corpus: conf" {
	replay fuzz_conf
}

@test "fuzz corpus: hostlocal_conf" {
	replay fuzz_hostlocal_conf
}

@test "fuzz corpus: index" {
	replay fuzz_index
}

@test "fuzz corpus: portmap_conditions" {
	replay fuzz_portmap_conditions
}

@test "fuzz corpus: portmap_conf" {
	replay fuzz_portmap_conf
}

@test "fuzz corpus: resolv" {
	replay fuzz_resolv
}

@test "fuzz corpus: result" {
	replay fuzz_result
}

@test "fuzz corpus: store" {
	replay fuzz_store
}

@test "fuzz corpus: every target of test/fuzz is replayed here" {
	local f t
	for f in "$BATS_TEST_DIRNAME"/../fuzz/fuzz_*.c; do
		t=$(basename "$f" .c)
		grep -q "^	replay $t\$" "$BATS_TEST_FILENAME" || fail "$t is not replayed"
	done
}
