#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The project's security promise, one section per guarantee; docs/security.md
# cites these tests. Each section is self-contained: it sets up (and tears
# down) what it needs, with helpers prefixed by its own name.

bats_require_minimum_version 1.5.0
load helpers
load portmap_lib

teardown() {
	# the portmap sections: their private host netns and containers
	[ -z "${HOSTNS:-}" ] || pm_teardown
}

# --- An edited conflist between ADD and DEL leaves nothing (issue 19 §2) ---
#
# DEL (and GC) remove every element the table holds for the attachment, in
# every map and set, whatever conditionsV4/V6 and masqAll say now; CHECK
# judges against the current config.

# IPv4 and IPv6 on any host address, and one on a host address per family
EDITED_PM='[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
	{"hostPort":5353,"containerPort":53,"protocol":"udp","hostIP":"192.0.2.1"},
	{"hostPort":8443,"containerPort":443,"protocol":"tcp","hostIP":"2001:db8:1::1"}]'
EDITED_COND='.conditionsV4 = ["-s", "192.0.2.0/24"] | .conditionsV6 = ["ip6", "saddr", "2001:db8:1::/64"]'
EDITED_COND2='.conditionsV4 = ["!", "-s", "198.51.100.7"] | .conditionsV6 = ["-i", "up-x"]'

# edited_owned OWNER: "set-name" per element the owner holds, sorted
edited_owned() {
	ip netns exec "$HOSTNS" nft -j list table inet cni_c_portmap 2>/dev/null |
		jq -r --arg o "$1" '.nftables[] | (.set // .map // empty) | .name as $n |
			.elem[]? | [.. | objects | select(.comment? == $o)] |
			select(length > 0) | $n' | sort
}

# edited_case ADD_FILTER DEL_FILTER: container a ADDs with one config and
# DELs with the other; container b (ADDed with the first) keeps all of its
# elements; a holds none
edited_case() {
	local a_cid a_res a_owner b_before
	pm_setup
	new_ctr a
	a_cid=$CID a_res=$RES a_owner=$NET/$CID/eth0
	pm_ok ADD "$(pm_conf "$EDITED_PM" "$1")"
	run edited_owned "$a_owner"
	# dnat4 dnat4-ip dnat6 dnat6-ip, hairpin 2+1, localhost 2 (none with masqAll)
	[ "${#lines[@]}" -ge 6 ] || fail "a's elements after ADD: $output"
	new_ctr b
	pm_ok ADD "$(pm_conf '[{"hostPort":9090,"containerPort":80,"protocol":"tcp"}]' "$1")"
	b_before=$(edited_owned "$NET/$CID/eth0")
	[ -n "$b_before" ] || fail "b has no elements"
	CID=$a_cid pm_ok DEL "$(PREV=$a_res pm_conf "$EDITED_PM" "$2")"
	run edited_owned "$a_owner"
	assert_output ""
	assert_equal "$(edited_owned "$NET/$CID/eth0")" "$b_before"
}

@test "edited conflist: conditions added (and masqAll) before DEL: nothing of the container stays, the host port forwards no more" {
	local a_owner
	pm_setup
	new_ctr a
	a_owner=$NET/$CID/eth0
	pm_ok ADD "$(pm_conf "$EDITED_PM")"
	serve tcp "$NS" :: 80 A
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_PEER4"
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "A peer=$OUT_PEER6"
	run edited_owned "$a_owner"
	assert_output "$(printf '%s\n' dnat4 dnat4-ip dnat6 dnat6-ip hairpin4-24 hairpin4-24 hairpin6-64 hairpin6-64 localhost4 localhost4)"
	# CHECK judges against the config it is given: the mappings are not
	# where the edited config puts them
	pm_run CHECK "$(pm_conf "$EDITED_PM" "$EDITED_COND | .masqAll = true")"
	assert_cni_error 105
	pm_ok DEL "$(pm_conf "$EDITED_PM" "$EDITED_COND | .masqAll = true")"
	run edited_owned "$a_owner"
	assert_output ""
	# the dead pod's address no longer receives the host port's traffic
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "refused"
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "refused"
	# and a new pod may take the port at once (nothing to wait behind)
	new_ctr n
	pm_ok ADD "$(pm_conf "$EDITED_PM")"
	[[ $stderr != *"waits for it"* ]] || fail "the new pod waits: $stderr"
}

@test "edited conflist: conditions added, removed, changed; another container's elements untouched" {
	edited_case . "$EDITED_COND"
	pm_teardown
	edited_case "$EDITED_COND" .
	pm_teardown
	edited_case "$EDITED_COND" "$EDITED_COND2"
}

@test "edited conflist: masqAll flipped either way, with conditions too" {
	edited_case '.masqAll = true' .
	pm_teardown
	edited_case . '.masqAll = true'
	pm_teardown
	edited_case "$EDITED_COND | .masqAll = true" '.snat = false'
}

@test "edited conflist: DEL without prevResult finds the elements of the old config too" {
	local a_owner
	pm_setup
	new_ctr a
	a_owner=$NET/$CID/eth0
	pm_ok ADD "$(pm_conf "$EDITED_PM" "$EDITED_COND")"
	[ -n "$(edited_owned "$a_owner")" ]
	pm_ok DEL "$(pm_conf "$EDITED_PM" '.masqAll = true | del(.prevResult)')"
	run edited_owned "$a_owner"
	assert_output ""
}

@test "edited conflist: the mapping waiting for the host port takes over at a DEL with another config" {
	local a_cid a_res a_owner b_owner
	pm_setup
	new_ctr a
	a_cid=$CID a_res=$RES a_owner=$NET/$CID/eth0
	pm_ok ADD "$(pm_conf "$EDITED_PM" "$EDITED_COND")"
	new_ctr b
	b_owner=$NET/$CID/eth0
	pm_ok ADD "$(pm_conf "$EDITED_PM" "$EDITED_COND")"
	[[ $stderr == *"waits for it"* ]] || fail "b does not wait: $stderr"
	serve tcp "$NS" :: 80 B
	CID=$a_cid pm_ok DEL "$(PREV=$a_res pm_conf "$EDITED_PM" "$EDITED_COND2 | .masqAll = true")"
	[[ $stderr == *"goes to $b_owner, which waited"* ]] || fail "no promotion: $stderr"
	run edited_owned "$a_owner"
	assert_output ""
	# b holds its DNAT elements now (and waits no more)
	run edited_owned "$b_owner"
	assert_equal "$(grep -c '^dnat[46]-[0-9a-f]\{8\}$' <<<"$output")" 2
	assert_equal "$(grep -c '^dnat[46]-ip-[0-9a-f]\{8\}$' <<<"$output")" 2
	refute_output --partial wait
	# the conditions of the maps b is in: the outside (192.0.2.0/24) matches
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "B peer=$OUT_PEER4"
}

@test "edited conflist: GC removes the elements whatever the config" {
	local a_owner
	pm_setup
	new_ctr a
	a_owner=$NET/$CID/eth0
	pm_ok ADD "$(pm_conf "$EDITED_PM" "$EDITED_COND | .masqAll = true")"
	[ -n "$(edited_owned "$a_owner")" ]
	pm_ok GC "$(jq -nc --arg net "$NET" '{cniVersion: "1.1.0", name: $net, type: "portmap", "cni.dev/valid-attachments": []}')"
	run edited_owned "$a_owner"
	assert_output ""
}

# --- Any number of port mappings up to 4096 (issue 19 §3) ---
#
# ADD, CHECK, DEL and GC of 4096 mappings (the most a config may ask for),
# IPv4 and dual-stack: every element in place after ADD, none after DEL or
# GC. One more mapping is refused before anything is done.

# many_maps N: N TCP mappings, host ports 20000.. to the same container ports
many_maps() {
	jq -nc --argjson n "$1" '[range(20000; 20000 + $n) | {hostPort: ., containerPort: ., protocol: "tcp"}]'
}

# many_conf N: a portmap config with many_maps N for $RES (or $PREV)
# (through a pipe: too long for an argument)
many_conf() {
	many_maps "$1" | jq -c --arg net "$NET" --arg v "${CNIVER:-1.0.0}" --argjson r "${PREV:-$RES}" \
		'{cniVersion: $v, name: $net, type: "portmap", runtimeConfig: {portMappings: .}, prevResult: $r}'
}

# many_counts OWNER: "set count" per set holding elements of the owner
many_counts() {
	ip netns exec "$HOSTNS" nft -j list table inet cni_c_portmap 2>/dev/null |
		jq -r --arg o "$1" '.nftables[] | (.set // .map // empty) |
			"\(.name) \([.elem[]? | if type == "array" then .[0] else . end |
				select(.elem.comment? == $o)] | length)"' |
		grep -v ' 0$' | sort || true
}

# many_cycle N EXPECTED_COUNTS: ADD, CHECK, DEL, ADD again, GC of N mappings
many_cycle() {
	local conf owner=$NET/$CID/eth0
	conf=$(many_conf "$1")
	pm_ok ADD "$conf"
	run many_counts "$owner"
	assert_output "$2"
	pm_ok CHECK "$conf"
	pm_ok DEL "$conf"
	run many_counts "$owner"
	assert_output ""
	# again (CHECK: all of it), then a GC that finds nothing valid removes it
	pm_ok ADD "$conf"
	pm_ok CHECK "$conf"
	pm_ok GC "$(jq -nc --arg net "$NET" '{cniVersion: "1.1.0", name: $net, type: "portmap", "cni.dev/valid-attachments": []}')"
	run many_counts "$owner"
	assert_output ""
}

@test "4096 port mappings, IPv4: ADD, CHECK, DEL, GC hold and remove every element; one more is refused (7)" {
	pm_setup
	new_ctr a
	# the container's IPv4 address only (as a result of an IPv4 network)
	PREV=$(jq -c '.ips |= map(select(.address | test(":") | not))' <<<"$RES")
	many_cycle 4096 "$(printf '%s\n' 'dnat4 4096' 'hairpin4-24 4096' 'localhost4 4096')"
	# the traffic of the last port of the range
	pm_ok ADD "$(many_conf 4096)"
	serve tcp "$NS" 0.0.0.0 24095 A
	run talk tcp "$OUTNS" "$OUT_HOST4" 24095
	assert_output "A peer=$OUT_PEER4"
	pm_run ADD "$(many_conf 4097)"
	assert_cni_error 7
	assert_output --partial "more than 4096"
}

@test "4096 port mappings, dual-stack: ADD, CHECK, DEL, GC hold and remove every element" {
	pm_setup
	new_ctr a
	many_cycle 4096 "$(printf '%s\n' 'dnat4 4096' 'dnat6 4096' 'hairpin4-24 4096' 'hairpin6-64 4096' 'localhost4 4096')"
}

@test "port mappings past the old limit (63, 300), dual-stack, with another container waiting on each port" {
	local n a_cid a_res conf
	pm_setup
	new_ctr a
	a_cid=$CID a_res=$RES
	new_ctr b
	for n in 63 300; do
		conf=$(PREV=$a_res many_conf $n)
		CID=$a_cid pm_ok ADD "$conf"
		pm_ok ADD "$(many_conf $n)"
		pm_ok CHECK "$(many_conf $n)"
		run many_counts "$NET/$CID/eth0"
		assert_output "$(printf '%s\n' "hairpin4-24 $n" "hairpin6-64 $n" "localhost4 $n" "wait4 $n" "wait6 $n")"
		# a goes: b takes every port over
		CID=$a_cid pm_ok DEL "$conf"
		run many_counts "$NET/$CID/eth0"
		assert_output "$(printf '%s\n' "dnat4 $n" "dnat6 $n" "hairpin4-24 $n" "hairpin6-64 $n" "localhost4 $n")"
		pm_ok DEL "$(many_conf $n)"
		run many_counts "$NET/$CID/eth0"
		assert_output ""
	done
}
