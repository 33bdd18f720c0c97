#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run the bats suites (all of test/bats, or the files given) as root; print
# one summary line. CNI_TEST_BIN points at the binaries under test.
set -u
cd "$(dirname "$0")/.."
: "${CNI_TEST_BIN:=$PWD/bin}"
export CNI_TEST_BIN
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(test/bats/*.bats)
log=$(mktemp)
bats --tap "${files[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -cE '^ok ' "$log" | tr -d ' ')
skip=$(grep -cE '^ok .* # skip' "$log" | tr -d ' ')
fail=$(grep -cE '^not ok ' "$log" | tr -d ' ')
rm -f "$log"
echo "bats: $((pass - skip)) passed, $fail failed, $skip skipped"
exit $rc
