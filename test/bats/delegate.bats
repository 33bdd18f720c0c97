#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Delegation (pkg/cni/delegate.c): test-plugin runs ipam.type from CNI_PATH the
# way bridge runs host-local. The delegate is test-ipam (behaviour set by
# TEST_IPAM_*), or small shell plugins written per test.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	PLUGIN=$CNI_TEST_BIN/test-plugin
	[ -x "$PLUGIN" ] || fail "no $PLUGIN (make all)"
	[ -x "$CNI_TEST_BIN/test-ipam" ] || fail "no test-ipam (make all)"
	export NETNS_PATH=/var/run/netns/delegate-test
	LOG=$BATS_TEST_TMPDIR/ipam.log
	SCRIPTS=$BATS_TEST_TMPDIR/plugins
	mkdir -p "$SCRIPTS"
	export CNI_PATH_DIRS="$SCRIPTS:$CNI_TEST_BIN"
}

conf() { # conf VERSION [ipam type] [extra JSON members]
	printf '{"cniVersion":"%s","name":"deleg","type":"test-plugin","ipam":{"type":"%s"}%s}' \
		"$1" "${2:-test-ipam}" "${3:+,$3}"
}

# script_plugin NAME BODY: an executable shell plugin in $SCRIPTS
script_plugin() {
	printf '#!/bin/sh\n%s\n' "$2" >"$SCRIPTS/$1"
	chmod +x "$SCRIPTS/$1"
}

@test "ADD: the delegate's result comes back in the config's version" {
	for v in 0.2.0 0.3.1 0.4.0 1.0.0 1.1.0; do
		run_plugin "$PLUGIN" ADD "$(conf $v)" TEST_IPAM_LOG="$LOG"
		assert_success
		[ "$(jq -r .cniVersion <<<"$output")" = "$v" ] || fail "$v: $output"
		case $v in
		0.2.0) [ "$(jq -r .ip4.gateway <<<"$output")" = 10.99.0.1 ] || fail "$output" ;;
		*) [ "$(jq -r '.ips[0].address' <<<"$output")" = 10.99.0.2/24 ] || fail "$output" ;;
		esac
	done
	[ "$(grep -c '^ADD ctr-test eth0$' "$LOG")" = 5 ] || fail "log: $(cat "$LOG")"
}

@test "ADD: a delegate's result in another version is converted" {
	cat >"$BATS_TEST_TMPDIR/r.json" <<-'J'
	{"cniVersion":"0.2.0","ip4":{"ip":"10.7.0.4/24","gateway":"10.7.0.1","routes":[{"dst":"0.0.0.0/0"}]},
	 "dns":{"nameservers":["10.7.0.53"]}}
	J
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0)" TEST_IPAM_RESULT="$BATS_TEST_TMPDIR/r.json"
	assert_success
	[ "$(jq -c . <<<"$output")" = '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","mac":"02:00:00:00:00:01","sandbox":"/var/run/netns/delegate-test"}],"ips":[{"interface":0,"address":"10.7.0.4/24","gateway":"10.7.0.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["10.7.0.53"]}}' ] || fail "$output"
}

@test "ADD: the delegate's error object comes back with the same code, msg and details" {
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0)" TEST_IPAM_FAIL="11:address pool busy" TEST_IPAM_LOG="$LOG"
	assert_cni_error 11
	[ "$(jq -r .msg <<<"$output")" = "address pool busy" ] || fail "$output"
	[ "$(jq -r .details <<<"$output")" = "from test-ipam" ] || fail "$output"
	[ "$(jq -r .cniVersion <<<"$output")" = 1.0.0 ] || fail "$output"
	grep -q '^ADD ctr-test eth0$' "$LOG"
	run_plugin "$PLUGIN" ADD "$(conf 0.4.0)" TEST_IPAM_FAIL="7:bad range"
	assert_cni_error 7
	[ "$(jq -r .msg <<<"$output")" = "bad range" ] || fail "$output"
}

@test "ADD: garbage from the delegate is CNI_ERR_DELEGATE naming the plugin" {
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0)" TEST_IPAM_GARBAGE=1
	assert_cni_error 104
	assert_output --partial "test-ipam"
	assert_output --partial "invalid result"
	# a JSON non-result (wrong version) is garbage too
	script_plugin weird-ipam 'cat >/dev/null; echo "{\"cniVersion\":\"7.0.0\"}"'
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0 weird-ipam)"
	assert_cni_error 104
	assert_output --partial "weird-ipam"
	# and so is nothing at all
	script_plugin silent-ipam 'cat >/dev/null; exit 0'
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0 silent-ipam)"
	assert_cni_error 104
}

@test "ADD: a crashing delegate is CNI_ERR_DELEGATE naming the plugin" {
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0)" TEST_IPAM_CRASH=1
	assert_cni_error 104
	[[ "$(jq -r .msg <<<"$output")" == "plugin test-ipam crashed (signal 6"* ]] || fail "$output"
	script_plugin killed-ipam 'kill -9 $$'
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0 killed-ipam)"
	assert_cni_error 104
	assert_output --partial "killed-ipam crashed (signal 9"
}

@test "a failing delegate without an error object: CNI_ERR_DELEGATE with its output" {
	script_plugin rude-ipam 'cat >/dev/null; echo "something broke"; exit 3'
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0 rude-ipam)"
	assert_cni_error 104
	[ "$(jq -r .msg <<<"$output")" = "plugin rude-ipam failed (exit status 3) without an error object" ] || fail "$output"
	[[ "$(jq -r .details <<<"$output")" == *"something broke"* ]] || fail "$output"
}

@test "delegate not in CNI_PATH, or a type with '/': clean errors" {
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0 no-such-ipam)"
	assert_cni_error 104
	assert_output --partial 'failed to find plugin \"no-such-ipam\" in path'
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0 ../bin-core/test-ipam)"
	assert_cni_error 7
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0 /bin/true)"
	assert_cni_error 7
	run_plugin "$PLUGIN" ADD '{"cniVersion":"1.0.0","name":"n","type":"test-plugin","ipam":{}}'
	assert_cni_error 7
	assert_output --partial "type"
}

@test "DEL, CHECK, STATUS and GC are delegated; DEL works without a netns" {
	run_plugin "$PLUGIN" DEL "$(conf 1.0.0)" TEST_IPAM_LOG="$LOG"
	assert_success
	assert_output ""
	NETNS_PATH= CID=ctr-gone run_plugin "$PLUGIN" DEL "$(conf 1.0.0)" TEST_IPAM_LOG="$LOG"
	assert_success
	run_plugin "$PLUGIN" CHECK "$(conf 1.0.0)" TEST_IPAM_LOG="$LOG"
	assert_success
	run --separate-stderr env -i CNI_COMMAND=STATUS CNI_PATH="$CNI_TEST_BIN" TEST_IPAM_LOG="$LOG" "$PLUGIN" <<<"$(conf 1.1.0)"
	assert_success
	run --separate-stderr env -i CNI_COMMAND=GC CNI_PATH="$CNI_TEST_BIN" TEST_IPAM_LOG="$LOG" "$PLUGIN" <<<"$(conf 1.1.0)"
	assert_success
	run cat "$LOG"
	assert_line --index 0 "DEL ctr-test eth0"
	assert_line --index 1 "DEL ctr-gone eth0"
	assert_line --index 2 "CHECK ctr-test eth0"
	assert_line --index 3 "STATUS - -"
	assert_line --index 4 "GC - -"
}

@test "a failing DEL comes back as the delegate's error" {
	run_plugin "$PLUGIN" DEL "$(conf 1.0.0)" TEST_IPAM_FAIL="5:store unreadable" TEST_IPAM_FAIL_ON=DEL
	assert_cni_error 5
	[ "$(jq -r .msg <<<"$output")" = "store unreadable" ] || fail "$output"
	# FAIL_ON limits the failure to that command
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0)" TEST_IPAM_FAIL="5:store unreadable" TEST_IPAM_FAIL_ON=DEL
	assert_success
}

@test "the delegate gets our environment, CNI_COMMAND overridden, and the same config on stdin" {
	script_plugin spy-ipam 'env >"$SPY_DIR/env"; cat >"$SPY_DIR/stdin"; echo "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.1.1/32\"}]}"'
	local c
	c=$(conf 1.0.0 spy-ipam '"extra":{"k":[1,2,3]}')
	CNI_ARGS_VAL="IgnoreUnknown=1;X=y" CID=spy-ctr IFNAME=net7 run_plugin "$PLUGIN" ADD "$c" \
		SPY_DIR="$BATS_TEST_TMPDIR" OTHER_VAR=kept
	assert_success
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.1.1.1/32 ] || fail "$output"
	[ "$(cat "$BATS_TEST_TMPDIR/stdin")" = "$c" ] || fail "stdin: $(cat "$BATS_TEST_TMPDIR/stdin")"
	local e=$BATS_TEST_TMPDIR/env
	grep -qx 'CNI_COMMAND=ADD' "$e"
	grep -qx 'CNI_CONTAINERID=spy-ctr' "$e"
	grep -qx 'CNI_IFNAME=net7' "$e"
	grep -qx "CNI_NETNS=$NETNS_PATH" "$e"
	grep -qx "CNI_PATH=$CNI_PATH_DIRS" "$e"
	grep -qx 'CNI_ARGS=IgnoreUnknown=1;X=y' "$e"
	grep -qx 'OTHER_VAR=kept' "$e"
	[ "$(grep -c '^CNI_COMMAND=' "$e")" = 1 ] || fail "CNI_COMMAND twice"

	run_plugin "$PLUGIN" DEL "$c" SPY_DIR="$BATS_TEST_TMPDIR"
	assert_success
	grep -qx 'CNI_COMMAND=DEL' "$e"
}

@test "no deadlock: a delegate that writes a large answer before reading a large config" {
	# ~300 KiB out before reading ~700 KiB in: both exceed any pipe buffer.
	script_plugin chatty-ipam 'printf "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.2.2.2/24\"}],\"dns\":{\"domain\":\""
head -c 300000 /dev/zero | tr "\0" d
printf "\"}}"
cat >"$SPY_DIR/stdin-size.raw"
wc -c <"$SPY_DIR/stdin-size.raw" >"$SPY_DIR/stdin-size"'
	local pad
	pad=$(head -c 700000 /dev/zero | tr '\0' p)
	local c
	c=$(conf 1.0.0 chatty-ipam "\"pad\":\"$pad\"")
	# timeout: a deadlock fails the test instead of hanging the suite
	run --separate-stderr timeout 20 env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID=big \
		CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH="$CNI_PATH_DIRS" SPY_DIR="$BATS_TEST_TMPDIR" \
		"$PLUGIN" <<<"$c"
	assert_success
	[ "$(jq -r '.dns.domain | length' <<<"$output")" = 300000 ] || fail "domain truncated"
	# every byte of stdin (here-strings add a newline) reached the delegate
	[ "$(cat "$BATS_TEST_TMPDIR/stdin-size")" = "$(printf '%s\n' "$c" | wc -c)" ] || fail "stdin truncated"
}

@test "a delegate that never reads its stdin does not kill us with SIGPIPE" {
	script_plugin deaf-ipam 'echo "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.3.3.3/24\"}]}"; exec 0<&-; exit 0'
	local pad
	pad=$(head -c 900000 /dev/zero | tr '\0' p)
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0 deaf-ipam "\"pad\":\"$pad\"")"
	assert_success
	[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.3.3.3/24 ] || fail "$output"
}

@test "a delegate flooding stdout is cut off: CNI_ERR_DELEGATE" {
	script_plugin flood-ipam 'cat >/dev/null; head -c 3000000 /dev/zero'
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0 flood-ipam)"
	assert_cni_error 104
	assert_output --partial "plugin flood-ipam printed more than"
}

@test "test-ipam itself: TEST_IPAM_RESULT is answered in the config's version" {
	cat >"$BATS_TEST_TMPDIR/r.json" <<-'J'
	{"cniVersion":"1.0.0","ips":[{"address":"10.8.0.9/24","gateway":"10.8.0.1"}],"routes":[{"dst":"0.0.0.0/0"}]}
	J
	run_plugin "$CNI_TEST_BIN/test-ipam" ADD "$(conf 0.2.0)" TEST_IPAM_RESULT="$BATS_TEST_TMPDIR/r.json"
	assert_success
	[ "$(jq -c . <<<"$output")" = '{"cniVersion":"0.2.0","ip4":{"ip":"10.8.0.9/24","gateway":"10.8.0.1","routes":[{"dst":"0.0.0.0/0"}]},"dns":{}}' ] || fail "$output"
	run_plugin "$CNI_TEST_BIN/test-ipam" ADD "$(conf 1.0.0)" TEST_IPAM_RESULT="$BATS_TEST_TMPDIR/missing.json"
	assert_cni_error 5
}
