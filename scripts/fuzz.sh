#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run each libFuzzer target given for SECONDS, starting from its seeds in
# test/fuzz/corpus/<target>/ (read, never written: new inputs go to
# build-fuzz/run/corpus/<target>/, kept between local runs). One line per
# target: executions, coverage, corpus size, outcome. A crash leaves its
# input in build-fuzz/run/artifacts/; keep it as a regression by copying it
# into test/fuzz/corpus/<target>/ (make test replays every corpus file).
#   fuzz.sh SECONDS build-fuzz/fuzz_x...
set -u
secs=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
run=$root/build-fuzz/run
rc=0
mkdir -p "$run/artifacts"
for bin in "$@"; do
	t=$(basename "$bin")
	seeds=$root/test/fuzz/corpus/$t
	work=$run/corpus/$t
	log=$run/$t.log
	opts=()
	case $t in
	fuzz_resolv) opts+=(-dict="$root/test/fuzz/resolv.dict") ;;
	fuzz_cniargs) opts+=(-dict="$root/test/fuzz/cniargs.dict") ;;
	fuzz_store | fuzz_index) opts+=(-dict="$root/test/fuzz/store.dict") ;;
	fuzz_portmap_*) opts+=(-dict="$root/test/fuzz/portmap.dict") ;;
	*) opts+=(-dict="$root/test/fuzz/json.dict") ;;
	esac
	mkdir -p "$work"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$run/artifacts/$t-" "${opts[@]}" "$work" "$seeds" >"$log" 2>&1
	r=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	if [ $r -eq 0 ]; then
		outcome="no crash"
	else
		outcome="CRASH (exit $r): $(ls "$run/artifacts/$t-"* 2>/dev/null | tr '\n' ' ')"
		rc=1
	fi
	printf 'fuzz: %-20s %10s runs in %ss, cov %s, corpus %s: %s\n' "$t" "${execs:-?}" \
		"$secs" "${cov:-?}" "${corp:-?}" "$outcome"
	if [ $r -ne 0 ]; then
		grep -E -A30 'ERROR|runtime error|fuzz: |deadly signal' "$log" | head -60
	fi
done
exit $rc
