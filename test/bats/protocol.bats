#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The CNI protocol as the skeleton (pkg/cni/skel.c) speaks it: environment,
# config on stdin, version negotiation, results and error objects. Runs
# $CNI_TEST_BIN/test-plugin, a minimal plugin on cni_plugin_main.

bats_require_minimum_version 1.5.0
load helpers

VERSIONS=(0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0)
SUPPORTED='["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'

setup() {
	PLUGIN=$CNI_TEST_BIN/test-plugin
	[ -x "$PLUGIN" ] || fail "no $PLUGIN (make all)"
	export NETNS_PATH=/var/run/netns/protocol-test
}

conf() { # conf VERSION [extra JSON members]
	printf '{"cniVersion":"%s","name":"proto","type":"test-plugin"%s}' "$1" "${2:+,$2}"
}

# A result with 1.1.0-only fields, two IPv4 addresses and an IPv6 one.
rich_result() {
	cat >"$BATS_TEST_TMPDIR/rich.json" <<-'J'
	{"cniVersion":"1.1.0","interfaces":[{"name":"eth0","mac":"02:00:00:00:00:09","sandbox":"/x"}],
	 "ips":[{"interface":0,"address":"10.5.0.2/24","gateway":"10.5.0.1"},
	        {"interface":0,"address":"fd05::2/64"}],
	 "routes":[{"dst":"0.0.0.0/0","gw":"10.5.0.1"},{"dst":"10.6.0.0/16","table":100}],
	 "dns":{"nameservers":["10.5.0.53"]}}
	J
	echo "$BATS_TEST_TMPDIR/rich.json"
}

# assert stdout is exactly one JSON object
assert_one_json_object() {
	[ "$(jq -s 'length' <<<"$output")" = 1 ] || fail "stdout is not one JSON document: $output"
	jq -e 'type == "object"' <<<"$output" >/dev/null || fail "not an object: $output"
}

@test "no CNI_COMMAND: about on stderr, nothing on stdout, exit 0" {
	run --separate-stderr env -i "$PLUGIN" </dev/null
	assert_success
	assert_output ""
	[[ "$stderr" == *"test-plugin"* ]] || fail "about lacks the plugin name: $stderr"
	[[ "$stderr" == *"CNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0"* ]] ||
		fail "about lacks the versions: $stderr"
	# an empty CNI_COMMAND is the same
	run --separate-stderr env -i CNI_COMMAND= "$PLUGIN" </dev/null
	assert_success
	assert_output ""
}

@test "VERSION answers in every supported config version" {
	for v in "${VERSIONS[@]}"; do
		run --separate-stderr env -i CNI_COMMAND=VERSION "$PLUGIN" <<<"{\"cniVersion\":\"$v\"}"
		assert_success
		assert_one_json_object
		[ "$(jq -r .cniVersion <<<"$output")" = "$v" ] || fail "$v: $output"
		[ "$(jq -c .supportedVersions <<<"$output")" = "$SUPPORTED" ] || fail "$v: $output"
	done
}

@test "VERSION needs no config: empty, garbage, unsupported or versionless stdin give the latest" {
	for input in "" "this is not json" '{"cniVersion":"9.9.9"}' '{"name":"x"}' '[1]' '{"cniVersion":7}'; do
		run --separate-stderr env -i CNI_COMMAND=VERSION "$PLUGIN" <<<"$input"
		assert_success
		[ "$(jq -r .cniVersion <<<"$output")" = "1.1.0" ] || fail "input '$input': $output"
		[ "$(jq -c .supportedVersions <<<"$output")" = "$SUPPORTED" ] || fail "$output"
	done
	run --separate-stderr env -i CNI_COMMAND=VERSION "$PLUGIN" </dev/null
	assert_success
	[ "$(jq -r .cniVersion <<<"$output")" = "1.1.0" ]
}

@test "ADD prints the result in the config's version, in the reference's shape" {
	for v in "${VERSIONS[@]}"; do
		run_plugin "$PLUGIN" ADD "$(conf "$v")"
		assert_success
		assert_one_json_object
		[ "$(jq -r .cniVersion <<<"$output")" = "$v" ] || fail "$v: $output"
		[ "$(jq -r 'keys_unsorted[0]' <<<"$output")" = cniVersion ] || fail "$v: cniVersion not first: $output"
		case $v in
		0.1.0 | 0.2.0)
			[ "$(jq -r .ip4.ip <<<"$output")" = 10.88.0.2/16 ] || fail "$v: $output"
			jq -e 'has("interfaces") or has("ips") | not' <<<"$output" >/dev/null || fail "$v: $output"
			;;
		0.3.0 | 0.3.1 | 0.4.0)
			[ "$(jq -c '.ips[0]' <<<"$output")" = '{"version":"4","interface":0,"address":"10.88.0.2/16"}' ] || fail "$v: $output"
			[ "$(jq -r '.interfaces[0].name' <<<"$output")" = eth0 ] || fail "$v: $output"
			;;
		*)
			[ "$(jq -c '.ips[0]' <<<"$output")" = '{"interface":0,"address":"10.88.0.2/16"}' ] || fail "$v: $output"
			[ "$(jq -r '.interfaces[0].sandbox' <<<"$output")" = "$NETNS_PATH" ] || fail "$v: $output"
			;;
		esac
	done
}

@test "ADD: a config without cniVersion is 0.1.0" {
	run_plugin "$PLUGIN" ADD '{"name":"proto","type":"test-plugin"}'
	assert_success
	[ "$(jq -r .cniVersion <<<"$output")" = 0.1.0 ]
	[ "$(jq -r .ip4.ip <<<"$output")" = 10.88.0.2/16 ]
}

@test "ADD: a result the config's version cannot express is code 7, not a silent loss" {
	local f
	f=$(rich_result)
	run_plugin "$PLUGIN" ADD "$(conf 1.1.0)" TEST_PLUGIN_RESULT="$f"
	assert_success
	[ "$(jq -r '.routes[1].table' <<<"$output")" = 100 ] || fail "$output"
	for v in 1.0.0 0.4.0 0.3.1 0.2.0; do
		run_plugin "$PLUGIN" ADD "$(conf $v)" TEST_PLUGIN_RESULT="$f"
		assert_cni_error 7
		[ "$(jq -r .cniVersion <<<"$output")" = "$v" ] || fail "$output"
		assert_output --partial "1.1.0"
	done
	# two IPv4 addresses do not fit 0.2.0
	sed -i 's/"fd05::2\/64"/"10.5.0.3\/24"/; s/,"table":100//' "$f"
	run_plugin "$PLUGIN" ADD "$(conf 0.2.0)" TEST_PLUGIN_RESULT="$f"
	assert_cni_error 7
	assert_output --partial "more than one IPv4"
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0)" TEST_PLUGIN_RESULT="$f"
	assert_success
	[ "$(jq '.ips | length' <<<"$output")" = 2 ]
}

@test "malformed JSON: code 6, exit 1, error object on stdout" {
	for input in '{"cniVersion":"1.0.0",' '' 'nope' '[1,2]' '"str"' '{"name":"x"} {}' ; do
		run_plugin "$PLUGIN" ADD "$input"
		assert_cni_error 6
		assert_one_json_object
		[ "$status" -eq 1 ] || fail "exit $status"
		[ "$(jq -r .cniVersion <<<"$output")" = 1.1.0 ] || fail "unknown version should print latest: $output"
	done
}

@test "oversized config: code 6" {
	local pad
	pad=$(head -c 1100000 /dev/zero | tr '\0' a)
	run_plugin "$PLUGIN" ADD "$(conf 1.0.0 "\"pad\":\"$pad\"")"
	assert_cni_error 6
	assert_output --partial "larger than"
}

@test "wrong field types and invalid names: code 7, in the config's version" {
	local cases=(
		'{"cniVersion":1,"name":"n"}'
		'{"cniVersion":"0.4.0","type":"t"}'
		'{"cniVersion":"0.4.0","name":"","type":"t"}'
		'{"cniVersion":"0.4.0","name":42}'
		'{"cniVersion":"0.4.0","name":"a/b"}'
		'{"cniVersion":"0.4.0","name":".."}'
		'{"cniVersion":"0.4.0","name":"n","type":{}}'
		'{"cniVersion":"0.4.0","name":"n","ipam":"host-local"}'
		'{"cniVersion":"0.4.0","name":"n","dns":["1.1.1.1"]}'
		'{"cniVersion":"0.4.0","name":"n","prevResult":[]}'
		'{"cniVersion":"0.4.0","name":"n","runtimeConfig":"x"}'
		'{"cniVersion":"0.4.0","name":"n","args":1}'
	)
	for c in "${cases[@]}"; do
		run_plugin "$PLUGIN" ADD "$c"
		assert_cni_error 7
		if [[ "$c" == *'"cniVersion":"0.4.0"'* ]]; then
			[ "$(jq -r .cniVersion <<<"$output")" = 0.4.0 ] || fail "$c: $output"
		fi
	done
	run_plugin "$PLUGIN" ADD '{"cniVersion":"0.4.0","type":"t"}'
	[ "$(jq -r .msg <<<"$output")" = "missing network name" ]
}

@test "unsupported config version: code 1 with the reference's message" {
	for v in 9.9.9 0.5.0 1.0 2.0.0; do
		run_plugin "$PLUGIN" ADD "$(conf $v)"
		assert_cni_error 1
		[ "$(jq -r .msg <<<"$output")" = "incompatible CNI versions" ] || fail "$output"
		[ "$(jq -r .details <<<"$output")" = "config is \"$v\", plugin supports [\"0.1.0\" \"0.2.0\" \"0.3.0\" \"0.3.1\" \"0.4.0\" \"1.0.0\" \"1.1.0\"]" ] || fail "$output"
		[ "$(jq -r .cniVersion <<<"$output")" = 1.1.0 ] || fail "$output"
	done
}

@test "missing environment: code 4 naming every missing variable" {
	run --separate-stderr env -i CNI_COMMAND=ADD "$PLUGIN" <<<"$(conf 1.0.0)"
	assert_cni_error 4
	[ "$(jq -r .msg <<<"$output")" = "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing" ] || fail "$output"
	[ "$(jq -r .cniVersion <<<"$output")" = 1.0.0 ] || fail "$output"

	run --separate-stderr env -i CNI_COMMAND=CHECK CNI_CONTAINERID=c CNI_NETNS=/x CNI_IFNAME=eth0 "$PLUGIN" <<<"$(conf 1.0.0)"
	assert_cni_error 4
	[ "$(jq -r .msg <<<"$output")" = "required env variables [CNI_PATH] missing" ] || fail "$output"

	# ADD needs the netns, DEL does not
	NETNS_PATH= run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
	assert_cni_error 4
	assert_output --partial CNI_NETNS
	NETNS_PATH= run_plugin "$PLUGIN" DEL "$(conf 1.0.0)"
	assert_success
	assert_output ""
	run --separate-stderr env -i CNI_COMMAND=DEL CNI_PATH=/x CNI_IFNAME=eth0 "$PLUGIN" <<<"$(conf 1.0.0)"
	assert_cni_error 4
	[ "$(jq -r .msg <<<"$output")" = "required env variables [CNI_CONTAINERID] missing" ] || fail "$output"
}

@test "the env error wins over a config error, and is printed in the config's version" {
	run --separate-stderr env -i CNI_COMMAND=ADD "$PLUGIN" <<<'{"cniVersion":"0.3.1","name":7}'
	assert_cni_error 4
	[ "$(jq -r .cniVersion <<<"$output")" = 0.3.1 ] || fail "$output"
}

@test "invalid container IDs: code 4" {
	for id in -lead .dot _under 'sp ace' 'a/b' 'a:b' 'é'; do
		CID="$id" run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
		assert_cni_error 4
		[ "$(jq -r .msg <<<"$output")" = "invalid characters in containerID" ] || fail "$id: $output"
		[ "$(jq -r .details <<<"$output")" = "$id" ] || fail "$id: $output"
	done
	CID=Abc-1.2_3 run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
	assert_success
}

@test "invalid interface names: code 4" {
	for ifn in 1234567890123456 'a/b' 'eth0:1' 'a b' . ..; do
		IFNAME="$ifn" run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
		assert_cni_error 4
	done
	IFNAME=1234567890123456 run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
	[ "$(jq -r .msg <<<"$output")" = "interface name is too long" ]
	IFNAME=123456789012345 run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
	assert_success
	[ "$(jq -r '.interfaces[0].name' <<<"$output")" = 123456789012345 ]
}

@test "unknown CNI_COMMAND: code 4" {
	run_plugin "$PLUGIN" FOO "$(conf 1.0.0)"
	assert_cni_error 4
	[ "$(jq -r .msg <<<"$output")" = "unknown CNI_COMMAND: FOO" ] || fail "$output"
	[ "$(jq -r .cniVersion <<<"$output")" = 1.0.0 ] || fail "$output"
	run_plugin "$PLUGIN" add "$(conf 1.0.0)"
	assert_cni_error 4
}

@test "CHECK needs cniVersion 0.4.0, STATUS and GC need 1.1.0: code 1 before" {
	for v in 0.1.0 0.2.0 0.3.0 0.3.1; do
		run_plugin "$PLUGIN" CHECK "$(conf $v)"
		assert_cni_error 1
		[ "$(jq -r .msg <<<"$output")" = "config version does not allow CHECK" ] || fail "$output"
	done
	for v in 0.4.0 1.0.0 1.1.0; do
		run_plugin "$PLUGIN" CHECK "$(conf $v)"
		assert_success
		assert_output ""
	done
	for cmd in STATUS GC; do
		run_plugin "$PLUGIN" $cmd "$(conf 1.0.0)"
		assert_cni_error 1
		[ "$(jq -r .msg <<<"$output")" = "config version does not allow $cmd" ] || fail "$output"
		run_plugin "$PLUGIN" $cmd "$(conf 1.1.0)"
		assert_success
		assert_output ""
	done
}

@test "STATUS and GC need neither container, interface nor netns" {
	run --separate-stderr env -i CNI_COMMAND=STATUS "$PLUGIN" <<<"$(conf 1.1.0)"
	assert_success
	assert_output ""
	run --separate-stderr env -i CNI_COMMAND=GC CNI_PATH=/nonexistent "$PLUGIN" \
		<<<"$(conf 1.1.0 '"cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"},{"containerID":"c2","ifname":"net1"}]')"
	assert_success
	assert_output ""
	[[ "$stderr" == *"attachment c1 eth0"*"attachment c2 net1"* ]] || fail "attachments not seen: $stderr"
	# GC needs CNI_PATH
	run --separate-stderr env -i CNI_COMMAND=GC "$PLUGIN" <<<"$(conf 1.1.0)"
	assert_cni_error 4
	# and a well-formed attachment list
	run --separate-stderr env -i CNI_COMMAND=GC CNI_PATH=/x "$PLUGIN" \
		<<<"$(conf 1.1.0 '"cni.dev/valid-attachments":{}')"
	assert_cni_error 7
}

@test "CNI_ARGS: unknown keys are code 4 unless IgnoreUnknown" {
	CNI_ARGS_VAL="TEST_KEY=1;K8S_POD_NAME=p" run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
	assert_success
	CNI_ARGS_VAL="FOO=bar" run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
	assert_cni_error 4
	[ "$(jq -r .msg <<<"$output")" = 'ARGS: unknown args ["FOO=bar"]' ] || fail "$output"
	CNI_ARGS_VAL="FOO=bar;IgnoreUnknown=1" run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
	assert_success
	CNI_ARGS_VAL="FOO" run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
	assert_cni_error 4
	assert_output --partial "invalid pair"
}

@test "error objects: details omitted when empty, nothing else on stdout" {
	run_plugin "$PLUGIN" CHECK "$(conf 0.3.1)"
	assert_cni_error 1
	assert_one_json_object
	jq -e 'has("details") | not' <<<"$output" >/dev/null || fail "empty details printed: $output"
	[ "$(jq -c 'keys_unsorted' <<<"$output")" = '["cniVersion","code","msg"]' ] || fail "$output"
	run_plugin "$PLUGIN" ADD "$(conf 9.9.9)"
	[ "$(jq -c 'keys_unsorted' <<<"$output")" = '["cniVersion","code","msg","details"]' ] || fail "$output"
}

@test "DEL and CHECK succeed silently" {
	run_plugin "$PLUGIN" DEL "$(conf 1.0.0)"
	assert_success
	assert_output ""
	run_plugin "$PLUGIN" CHECK "$(conf 1.0.0)"
	assert_success
	assert_output ""
}

@test "error objects stay valid UTF-8 JSON whatever bytes they echo" {
	CID=$'a\xffb' run_plugin "$PLUGIN" ADD "$(conf 1.0.0)"
	assert_cni_error 4
	[ "$(jq -r .details <<<"$output")" = $'a\uFFFDb' ] || fail "$output"
	iconv -f UTF-8 -t UTF-8 <<<"$output" >/dev/null || fail "invalid UTF-8 on stdout"
}
