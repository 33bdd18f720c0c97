#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every cmocka unit-test binary given; print one summary line.
set -u
pass=0 fail=0 bad=()
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^\[  (FAILED|  PASSED|  ERROR) ' | sed "s|^|$(basename "$t"): |"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
	if [ $rc -ne 0 ]; then
		bad+=("$t")
		[ -z "$f" ] && { fail=$((fail + 1)); printf '%s\n' "$out" | tail -20; }
		printf '%s\n' "$out" | grep -B2 -A8 -E 'FAILED|ERROR|Sanitizer|runtime error' | head -60
	fi
done
echo "unit: $pass passed, $fail failed"
[ ${#bad[@]} -eq 0 ]
