#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The differential test (test/diff/): every case through the reference
# plugins (/usr/lib/cni, 1.1.1) and ours, each in fresh private netns;
# only the differences docs/differences.md documents are allowed, and the reference
# run twice must show none (the normalisation is sound).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	[ -x "$REF_BIN/bridge" ] && [ -x "$REF_BIN/host-local" ] || skip "reference plugins not installed"
	[ -x "$CNI_TEST_BIN/bridge" ] || fail "no bridge in CNI_TEST_BIN=$CNI_TEST_BIN"
	DIFF=$BATS_TEST_DIRNAME/../diff/diff.py
}

@test "diff: ours against the reference, only the documented differences; the reference against itself, none" {
	run python3 "$DIFF" --ours "$CNI_TEST_BIN" --ref "$REF_BIN"
	echo "$output"
	assert_success
	assert_line --regexp '^diff: [0-9]+ cases; 0 with unexplained differences, .*; 0, the reference against itself'
}

@test "diff: the allow-list cites exactly the Differences bullets (docs/differences.md)" {
	run python3 - "$BATS_TEST_DIRNAME/../diff" "$BATS_TEST_DIRNAME/../../docs/differences.md" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import allow, diff
ids = diff.readme_ids(sys.argv[2])
assert ids, "no [Dn] bullets in docs/differences.md"
errs = allow.check_ids(ids)
print("\n".join(errs) or "ok: " + " ".join(ids))
sys.exit(1 if errs else 0)
PY
	echo "$output"
	assert_success
	# and a bullet without an entry, or an entry without a bullet, is caught
	run python3 -c "import sys; sys.path.insert(0, '$BATS_TEST_DIRNAME/../diff'); import allow; print(allow.check_ids(allow.ids() + ['D99'])); print(allow.check_ids(allow.ids()[1:]))"
	assert_line --partial "Differences bullet [D99] has no allow-list entry"
	assert_line --partial "allow-list id D1 is not a Differences bullet"
}
