# SPDX-License-Identifier: GPL-2.0-or-later
# Shared bats helpers. Every test file: `load helpers`.
load '/usr/lib/bats/bats-support/load.bash'
load '/usr/lib/bats/bats-assert/load.bash'

: "${CNI_TEST_BIN:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/bin}"
REF_BIN=/usr/lib/cni

# A short unique tag for names of netns, links, tables and dirs (links: <= 15 chars).
uniq_tag() {
	printf '%s' "$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
}

# run_plugin BIN CMD CONFIG_JSON [extra env assignments...]
# Runs a plugin as a runtime does; sets $status/$output (stdout only) and
# $stderr via bats' `run --separate-stderr`.
run_plugin() {
	local bin=$1 cmd=$2 conf=$3
	shift 3
	run --separate-stderr env -i PATH="$PATH" CNI_COMMAND="$cmd" \
		CNI_CONTAINERID="${CID:-ctr-test}" CNI_NETNS="${NETNS_PATH:-}" \
		CNI_IFNAME="${IFNAME:-eth0}" CNI_PATH="${CNI_PATH_DIRS:-$CNI_TEST_BIN}" \
		CNI_ARGS="${CNI_ARGS_VAL:-}" "$@" "$bin" <<<"$conf"
}

# assert the output is a CNI error object with code $1
assert_cni_error() {
	assert_failure
	local code
	code=$(jq -r .code <<<"$output")
	[ "$code" = "$1" ] || fail "expected error code $1, got: $output"
	jq -e '.msg | length > 0' <<<"$output" >/dev/null || fail "error without msg: $output"
	jq -e 'has("cniVersion")' <<<"$output" >/dev/null || fail "error without cniVersion: $output"
}

# kernel_lacks CONFIG_NAME "what it is": the running kernel cannot do what the
# test needs. Skips, naming the feature; under `make test-kernels` (which sets
# CNI_TEST_KERNEL_FEATURES=require, on kernels that have them all) a failure.
kernel_lacks() {
	if [ "${CNI_TEST_KERNEL_FEATURES:-}" = require ]; then
		fail "kernel $(uname -r) lacks $1 ($2), which this test needs"
	fi
	skip "kernel $(uname -r) lacks $1 ($2); make test-kernels runs it"
}
