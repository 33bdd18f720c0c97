#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The loopback plugin, against the reference /usr/lib/cni/loopback: the
# result in every spec version, prevResult passed on, DEL and CHECK, errors.
# Only container netns made by the test are touched.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	[ -x "$CNI_TEST_BIN/loopback" ] || fail "no loopback in CNI_TEST_BIN=$CNI_TEST_BIN"
	TAG=$(uniq_tag)
	NS=cni-test-lo$TAG
	ip netns add "$NS"
	NETNS_PATH=/var/run/netns/$NS
	CID=ctr-$TAG
}

teardown() {
	ip netns del "$NS" 2>/dev/null || true
	ip netns del "$NS-2" 2>/dev/null || true
}

lo_conf() { jq -nc --arg v "$1" '{cniVersion: $v, name: "lo", type: "loopback"}'; }

# the same command through ours and the reference: $ours/$ref (jq -S), status of each
both() {
	local cmd=$1 conf=$2
	run_plugin "$REF_BIN/loopback" "$cmd" "$conf"
	ref_status=$status
	ref=$(jq -S -c . <<<"$output" 2>/dev/null || printf '%s' "$output")
	run_plugin "$CNI_TEST_BIN/loopback" "$cmd" "$conf"
	ours_status=$status
	ours=$(jq -S -c . <<<"$output" 2>/dev/null || printf '%s' "$output")
}

lo_state() { ip -n "$NS" -o link show lo; }

@test "loopback: ADD sets lo up; the result is the reference's in every version it knows" {
	local v
	run lo_state
	refute_output --partial "UP,"
	for v in "" 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0; do
		both ADD "$(lo_conf "$v")"
		[ "$ref_status" = 0 ] && [ "$ours_status" = 0 ] || fail "$v: $ref / $ours"
		[ "$ours" = "$ref" ] || fail "cniVersion \"$v\": ours $ours, reference $ref"
	done
	run lo_state
	assert_output --partial "LOOPBACK,UP"
	# the shapes themselves: none given is 0.1.0's; an explicit version labels the
	# 1.0.0 fields (the reference's own way)
	run_plugin "$CNI_TEST_BIN/loopback" ADD "$(lo_conf "")"
	run jq -c . <<<"$output"
	assert_output '{"cniVersion":"0.1.0","ip4":{"ip":"127.0.0.1/8"},"ip6":{"ip":"::1/128"},"dns":{}}'
	run_plugin "$CNI_TEST_BIN/loopback" ADD "$(lo_conf 0.3.1)"
	run jq -c '[.cniVersion, .interfaces, .ips]' <<<"$output"
	assert_output "[\"0.3.1\",[{\"name\":\"lo\",\"mac\":\"00:00:00:00:00:00\",\"sandbox\":\"$NETNS_PATH\"}],[{\"interface\":0,\"address\":\"127.0.0.1/8\"},{\"interface\":0,\"address\":\"::1/128\"}]]"
}

@test "loopback: 1.1.0 (the reference stops at 1.0.0) prints the 1.0.0 result as 1.1.0" {
	run_plugin "$CNI_TEST_BIN/loopback" ADD "$(lo_conf 1.0.0)"
	local r100=$output
	run_plugin "$CNI_TEST_BIN/loopback" ADD "$(lo_conf 1.1.0)"
	assert_success
	[ "$(jq -c 'del(.cniVersion)' <<<"$output")" = "$(jq -c 'del(.cniVersion)' <<<"$r100")" ]
	run jq -r .cniVersion <<<"$output"
	assert_output 1.1.0
	# and the reference refuses it
	run_plugin "$REF_BIN/loopback" ADD "$(lo_conf 1.1.0)"
	assert_failure
}

@test "loopback: no IPv6 in the netns: only 127.0.0.1, as the reference" {
	ip netns exec "$NS" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/lo/disable_ipv6'
	both ADD "$(lo_conf 1.0.0)"
	[ "$ours_status" = 0 ] || fail "$ours"
	[ "$ours" = "$ref" ] || fail "ours $ours, reference $ref"
	run jq -c .ips <<<"$ours"
	assert_output '[{"address":"127.0.0.1/8","interface":0}]'
}

@test "loopback: a prevResult is passed on (converted to the config's version)" {
	local pr v
	for v in 0.3.1 0.4.0 1.0.0; do
		pr=$(jq -nc --arg v "$v" '{cniVersion: $v, interfaces: [{name: "eth0", sandbox: "/x"}],
			ips: [{version: "4", address: "10.0.0.2/24", interface: 0, gateway: "10.0.0.1"}],
			routes: [{dst: "0.0.0.0/0"}], dns: {nameservers: ["10.0.0.53"]}}' |
			jq -c --arg v "$v" 'if $v == "1.0.0" then del(.ips[0].version) else . end')
		both ADD "$(jq -c --argjson p "$pr" '. + {prevResult: $p}' <<<"$(lo_conf "$v")")"
		[ "$ours_status" = 0 ] || fail "$v: $ours"
		[ "$ours" = "$ref" ] || fail "$v: ours $ours, reference $ref"
		jq -e '.ips[0].address == "10.0.0.2/24"' <<<"$ours" >/dev/null || fail "$ours"
	done
	run lo_state
	assert_output --partial "LOOPBACK,UP"
}

@test "loopback: a non-loopback address on lo is the reference's error" {
	ip -n "$NS" link set lo up
	ip -n "$NS" addr add 10.1.1.1/32 dev lo
	run_plugin "$CNI_TEST_BIN/loopback" ADD "$(lo_conf 1.0.0)"
	assert_cni_error 7
	run jq -r .msg <<<"$output"
	assert_output 'loopback interface found with non-loopback address "10.1.1.1"'
	run_plugin "$REF_BIN/loopback" ADD "$(lo_conf 1.0.0)"
	run jq -r .msg <<<"$output"
	assert_output 'loopback interface found with non-loopback address "10.1.1.1"'
}

@test "loopback: DEL sets lo down; again, with the netns gone, or without one: success" {
	run_plugin "$CNI_TEST_BIN/loopback" ADD "$(lo_conf 1.0.0)"
	assert_success
	run_plugin "$CNI_TEST_BIN/loopback" DEL "$(lo_conf 1.0.0)"
	assert_success
	assert_output ""
	run lo_state
	refute_output --partial "UP,"
	# 127.0.0.1 stays configured (only the link goes down), as the reference
	run ip -n "$NS" -4 -o addr show dev lo
	assert_output --partial "127.0.0.1/8"
	run_plugin "$CNI_TEST_BIN/loopback" DEL "$(lo_conf 1.0.0)"
	assert_success
	ip netns del "$NS"
	run_plugin "$CNI_TEST_BIN/loopback" DEL "$(lo_conf 1.0.0)"
	assert_success
	NETNS_PATH= run_plugin "$CNI_TEST_BIN/loopback" DEL "$(lo_conf 1.0.0)"
	assert_success
}

@test "loopback: CHECK passes when lo is up, fails (105) when it is down" {
	run_plugin "$CNI_TEST_BIN/loopback" ADD "$(lo_conf 1.0.0)"
	run_plugin "$CNI_TEST_BIN/loopback" CHECK "$(lo_conf 1.0.0)"
	assert_success
	ip -n "$NS" link set lo down
	run_plugin "$CNI_TEST_BIN/loopback" CHECK "$(lo_conf 1.0.0)"
	assert_cni_error 105
	run jq -r .msg <<<"$output"
	assert_output "loopback interface is down"
	# the reference agrees (its code is 999)
	run_plugin "$REF_BIN/loopback" CHECK "$(lo_conf 1.0.0)"
	assert_failure
	assert_output --partial "loopback interface is down"
	# CHECK does not exist before 0.4.0
	run_plugin "$CNI_TEST_BIN/loopback" CHECK "$(lo_conf 0.3.1)"
	assert_cni_error 1
}

@test "loopback: a missing netns or a file that is not one: the reference's messages" {
	local cmd
	for cmd in ADD CHECK; do
		NETNS_PATH=/var/run/netns/$NS-none run_plugin "$CNI_TEST_BIN/loopback" $cmd "$(lo_conf 1.0.0)"
		assert_cni_error 100
		run jq -r .msg <<<"$output"
		assert_output "failed to Statfs \"/var/run/netns/$NS-none\": no such file or directory"
	done
	touch "$BATS_TEST_TMPDIR/notns"
	for cmd in ADD DEL; do
		NETNS_PATH=$BATS_TEST_TMPDIR/notns run_plugin "$CNI_TEST_BIN/loopback" $cmd "$(lo_conf 1.0.0)"
		assert_cni_error 100
		run jq -r .msg <<<"$output"
		assert_output --regexp "^unknown FS magic on \"$BATS_TEST_TMPDIR/notns\": [0-9a-f]+$"
		NETNS_PATH=$BATS_TEST_TMPDIR/notns run_plugin "$REF_BIN/loopback" $cmd "$(lo_conf 1.0.0)"
		assert_output --partial "unknown FS magic on"
	done
}

@test "loopback: a bad prevResult or config is an error object, nothing changes" {
	run_plugin "$CNI_TEST_BIN/loopback" ADD '{"cniVersion":"1.0.0","name":"lo","type":"loopback","prevResult":"x"}'
	assert_cni_error 7
	run_plugin "$CNI_TEST_BIN/loopback" ADD '{"cniVersion":"1.0.0","name":"lo","type":"loopback","prevResult":{"ips":[{"address":"bogus"}]}}'
	assert_cni_error 7
	run_plugin "$CNI_TEST_BIN/loopback" ADD '{"cniVersion":"1.0.0",'
	assert_cni_error 6
	run lo_state
	refute_output --partial "UP,"
}

@test "loopback: VERSION lists every version" {
	run_plugin "$CNI_TEST_BIN/loopback" VERSION '{"cniVersion":"1.0.0"}'
	assert_success
	run jq -c .supportedVersions <<<"$output"
	assert_output '["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'
}
