#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge runs our own host-local (found in CNI_PATH, known by its
# "cni-c" ELF note) in-process instead of exec'ing it, with the results,
# errors and store of the exec; anything else named host-local is exec'd.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() {
	br_setup
	command -v strace >/dev/null || skip "strace not installed"
	# the exec path with our host-local's code: a script has no note
	mkdir -p "$D/wrap"
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$CNI_TEST_BIN/host-local" >"$D/wrap/host-local"
	chmod +x "$D/wrap/host-local"
}
teardown() { br_teardown; }

# br_trace CMD CONF [VAR=value...]: br_run under strace; every execve is
# logged to $D/execs (one path per line), bats' run semantics otherwise.
br_trace() {
	local cmd=$1 conf=$2
	shift 2
	rm -f "$D/strace"
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND="$cmd" \
		CNI_CONTAINERID="$CID" CNI_NETNS="$NETNS_PATH" CNI_IFNAME="$IFNAME" \
		CNI_PATH="${CNI_PATH_DIRS:-$CNI_TEST_BIN}" CNI_ARGS="${CNI_ARGS_VAL:-}" \
		ASAN_OPTIONS=detect_leaks=0 "$@" \
		strace -f -qq -e trace=execve -e signal=none -o "$D/strace" \
		"$CNI_TEST_BIN/bridge" <<<"$conf"
	sed -n 's/.*execve("\([^"]*\)".*/\1/p' "$D/strace" >"$D/execs"
}

# the bridge itself is in the log (strace works), and host-local is not
assert_not_execd() {
	grep -qx "$CNI_TEST_BIN/bridge" "$D/execs" || fail "no execve of the bridge: $(cat "$D/strace")"
	if grep -q 'host-local' "$D/execs"; then
		fail "host-local was exec'd: $(cat "$D/execs")"
	fi
}

# the store of $NET under $1: file names, and each reservation's owner
store_shape() {
	local f
	(cd "$1/$NET" && ls -A | sort && for f in 10.*; do printf '%s: ' "$f"; od -c "$f"; done)
}

# the result without the interfaces (link names and MACs differ per run)
strip_ifaces() { jq -S 'del(.interfaces) | .ips |= map(del(.interface))' <<<"$1"; }

@test "ipam in-process: our host-local is not exec'd; result and store as the exec's" {
	command -v readelf >/dev/null || skip "readelf not installed"
	run readelf -n "$CNI_TEST_BIN/host-local"
	assert_output --partial "cni-c"
	local conf in_res ex_res in_store ex_store
	conf=$(br_conf '.ipam.routes = [{dst: "192.168.0.0/16", gw: "10.88.0.1"}, {dst: "0.0.0.0/0"}]')

	br_trace ADD "$conf"
	assert_success
	assert_not_execd
	in_res=$(strip_ifaces "$output")
	in_store=$(store_shape "$IPAMDIR")
	run reservations
	assert_output "10.88.0.2"
	br_trace DEL "$conf"
	assert_success
	assert_not_execd
	run reservations
	assert_output ""

	# the same through exec (our host-local behind a wrapper), in a fresh store
	IPAMDIR=$D/ipam2
	conf=$(br_conf '.ipam.routes = [{dst: "192.168.0.0/16", gw: "10.88.0.1"}, {dst: "0.0.0.0/0"}]')
	CNI_PATH_DIRS=$D/wrap:$CNI_TEST_BIN br_trace ADD "$conf"
	assert_success
	grep -qx "$D/wrap/host-local" "$D/execs" || fail "wrapper not exec'd: $(cat "$D/execs")"
	ex_res=$(strip_ifaces "$output")
	ex_store=$(store_shape "$IPAMDIR")
	[ "$in_res" = "$ex_res" ] || fail "results differ: in-process $in_res exec $ex_res"
	[ "$in_store" = "$ex_store" ] || fail "stores differ: in-process $in_store exec $ex_store"
	run jq -c '.routes' <<<"$in_res"
	assert_output '[{"dst":"192.168.0.0/16","gw":"10.88.0.1"},{"dst":"0.0.0.0/0"}]'
}

@test "ipam in-process: the reference host-local first in CNI_PATH is exec'd" {
	[ -x "$REF_BIN/host-local" ] || skip "no reference host-local in $REF_BIN"
	local conf
	conf=$(br_conf)
	CNI_PATH_DIRS=$REF_BIN:$CNI_TEST_BIN br_trace ADD "$conf"
	assert_success
	grep -qx "$REF_BIN/host-local" "$D/execs" || fail "reference not exec'd: $(cat "$D/execs")"
	run jq -r '.ips[0].address' <<<"$output"
	assert_output "10.88.0.2/24"
	run reservations
	assert_output "10.88.0.2"
	# DEL execs it too, and it releases the address
	CNI_PATH_DIRS=$REF_BIN:$CNI_TEST_BIN br_trace DEL "$conf"
	assert_success
	grep -qx "$REF_BIN/host-local" "$D/execs" || fail "reference not exec'd: $(cat "$D/execs")"
	run reservations
	assert_output ""
}

@test "ipam in-process: host-local's errors are those of exec'ing it" {
	local conf c out_in out_ex out_hl codes=""
	conf=$(br_conf)
	# a requested address outside the range (CNI_ARGS IP=), then a bad config
	for c in "$conf" "$(br_conf '.ipam.rangeStart = "10.99.0.2"')"; do
		CNI_ARGS_VAL="IgnoreUnknown=1;IP=10.99.0.5" br_trace ADD "$c"
		assert_failure
		assert_not_execd
		out_in=$output
		CNI_ARGS_VAL="IgnoreUnknown=1;IP=10.99.0.5" CNI_PATH_DIRS=$D/wrap:$CNI_TEST_BIN br_run ADD "$c"
		assert_failure
		out_ex=$output
		CNI_ARGS_VAL="IgnoreUnknown=1;IP=10.99.0.5" run_plugin "$CNI_TEST_BIN/host-local" ADD "$c"
		assert_failure
		out_hl=$output
		[ "$out_in" = "$out_ex" ] || fail "in-process $out_in, exec $out_ex"
		[ "$out_in" = "$out_hl" ] || fail "bridge $out_in, host-local $out_hl"
		assert_no_veth
		run reservations
		assert_output ""
		codes+="$(jq -r '.code' <<<"$out_in") "
	done
	[ "$codes" = "103 7 " ] || fail "codes: $codes"
}

@test "ipam in-process: an ADD failing after IPAM leaves no reservation" {
	local conf
	conf=$(br_conf)
	ip -n "${CNS[0]}" link add eth0 type veth peer name eth0p
	br_trace ADD "$conf"
	assert_failure
	assert_not_execd
	assert_no_veth
	run reservations
	assert_output ""
	# and it then succeeds, with the store in order
	ip -n "${CNS[0]}" link del eth0
	br_trace ADD "$conf"
	assert_success
	assert_not_execd
	local addr
	addr=$(jq -r '.ips[0].address' <<<"$output")
	run reservations
	assert_output "${addr%/24}"
}

# $1 with $2 as prevResult
with_prev() { jq -c --argjson r "$2" '. + {prevResult: $r}' <<<"$1"; }

@test "ipam in-process: CHECK, STATUS and GC run our host-local in-process too" {
	local conf chk gc
	CNIVER=1.1.0
	conf=$(br_conf)
	br_trace ADD "$conf"
	assert_success
	assert_not_execd
	chk=$(with_prev "$conf" "$output")
	br_trace CHECK "$chk"
	assert_success
	assert_not_execd
	# it is host-local's CHECK that ran: without the reservation it fails as that
	mv "$IPAMDIR/$NET/10.88.0.2" "$D/saved"
	br_trace CHECK "$chk"
	assert_failure
	assert_not_execd
	run jq -r '.code, .msg' <<<"$output"
	assert_output "$(printf '105\nhost-local: Failed to find address added by container %s' "$CID")"
	mv "$D/saved" "$IPAMDIR/$NET/10.88.0.2"
	br_trace STATUS "$conf"
	assert_success
	assert_not_execd
	# host-local's STATUS: a full range set is its code 50
	br_trace STATUS "$(br_conf '.ipam.subnet = "10.88.0.0/30"')"
	assert_failure
	assert_not_execd
	run jq -r '.code' <<<"$output"
	assert_output 50
	# host-local's GC: no valid attachment, so the reservation goes
	gc=$(jq -c '."cni.dev/valid-attachments" = []' <<<"$conf")
	br_trace GC "$gc"
	assert_success
	assert_not_execd
	run reservations
	assert_output ""
}

@test "ipam in-process: the reference first in CNI_PATH is exec'd for CHECK, STATUS and GC" {
	[ -x "$REF_BIN/host-local" ] || skip "no reference host-local in $REF_BIN"
	local conf gc
	export CNI_PATH_DIRS=$REF_BIN:$CNI_TEST_BIN
	conf=$(br_conf)
	br_trace ADD "$conf"
	assert_success
	br_trace CHECK "$(with_prev "$conf" "$output")"
	assert_success
	grep -qx "$REF_BIN/host-local" "$D/execs" || fail "reference not exec'd: $(cat "$D/execs")"
	# STATUS and GC (1.1.0) go to it too, whatever it makes of them
	CNIVER=1.1.0
	conf=$(br_conf)
	br_trace STATUS "$conf"
	grep -qx "$REF_BIN/host-local" "$D/execs" || fail "reference not exec'd: $(cat "$D/execs")"
	gc=$(jq -c --arg c "$CID" '."cni.dev/valid-attachments" = [{containerID: $c, ifname: "eth0"}]' <<<"$conf")
	br_trace GC "$gc"
	grep -qx "$REF_BIN/host-local" "$D/execs" || fail "reference not exec'd: $(cat "$D/execs")"
}

# skew_copy DIR PYTHON_EXPR: a copy of our host-local in DIR whose note desc
# ("host-local <version> <build id>") is rewritten by PYTHON_EXPR on v, b
skew_copy() {
	mkdir -p "$1"
	python3 - "$CNI_TEST_BIN/host-local" "$1/host-local" "$2" <<'PY'
import re, sys
src, dst, expr = sys.argv[1:4]
data = open(src, "rb").read()
m = re.search(rb"host-local (\d+\.\d+\.\d+) ([0-9a-f]{16})", data)
if not m:
    sys.exit("no versioned note in " + src)
v, b = m.group(1).decode(), m.group(2).decode()
new = ("host-local %s %s" % eval(expr)).encode()
assert len(new) == len(m.group(0)) and new != m.group(0), new
open(dst, "wb").write(data[:m.start()] + new + data[m.end():])
PY
	chmod +x "$1/host-local"
}

@test "ipam in-process: a host-local of another build or version is exec'd" {
	local conf dir addr
	conf=$(br_conf)
	# another build: one digit of the build id differs
	skew_copy "$D/build" '(v, b[:-1] + ("0" if b[-1] != "0" else "1"))'
	# another version, same length
	skew_copy "$D/version" '(v[::-1] if v[::-1] != v else v.replace(v[0], str((int(v[0]) + 1) % 10), 1), b)'
	for dir in "$D/build" "$D/version"; do
		cmp -s "$dir/host-local" "$CNI_TEST_BIN/host-local" && fail "copy in $dir unchanged"
		CNI_PATH_DIRS=$dir:$CNI_TEST_BIN br_trace ADD "$conf"
		assert_success
		grep -qx "$dir/host-local" "$D/execs" || fail "$dir/host-local not exec'd: $(cat "$D/execs")"
		addr=$(jq -r '.ips[0].address' <<<"$output")
		run reservations
		assert_output "${addr%/24}"
		CNI_PATH_DIRS=$dir:$CNI_TEST_BIN br_trace DEL "$conf"
		assert_success
		grep -qx "$dir/host-local" "$D/execs" || fail "$dir/host-local not exec'd: $(cat "$D/execs")"
		run reservations
		assert_output ""
	done
	# an exact copy is this build: in-process
	mkdir -p "$D/same"
	cp "$CNI_TEST_BIN/host-local" "$D/same/host-local"
	CNI_PATH_DIRS=$D/same:$CNI_TEST_BIN br_trace ADD "$conf"
	assert_success
	assert_not_execd
}
