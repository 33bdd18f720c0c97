#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Our host-local on its own: every command, every option, the error cases,
# and the on-disk format. host-local never enters the netns, so CNI_NETNS
# is any path. Each test has its own dataDir under $BATS_TEST_TMPDIR.
#
#   CNI_TEST_BIN  dir with the host-local under test (default ./bin)

bats_require_minimum_version 1.5.0
load helpers

setup() {
	HL=$CNI_TEST_BIN/host-local
	[ -x "$HL" ] || fail "no host-local in CNI_TEST_BIN=$CNI_TEST_BIN"
	D=$BATS_TEST_TMPDIR/data
	NET=hl-$(uniq_tag)
	ND=$D/$NET
	NETNS_PATH=/var/run/netns/hl-test-unused
	CID=ctr-1
	IFNAME=eth0
}

# conf VERSION IPAM_JSON [TOP_LEVEL_JSON]: a network config whose ipam is
# IPAM_JSON plus type and our dataDir; TOP_LEVEL_JSON is merged at the top.
conf() {
	jq -nc --arg v "$1" --arg n "$NET" --arg d "$D" --argjson ipam "$2" \
		--argjson top "${3:-{\}}" \
		'{cniVersion:$v, name:$n, type:"bridge", ipam:({type:"host-local", dataDir:$d} + $ipam)} + $top'
}

hl() {
	run_plugin "$HL" "$@"
}

# The reservation files (address names) in the network dir, sorted.
reservations() {
	(cd "$ND" 2>/dev/null && ls -1 | grep -E '^[0-9a-f.:]+$' | grep -E '[.:]' | sort) || true
}

V4='{"ranges":[[{"subnet":"10.77.0.0/24"}]]}'
DUAL='{"ranges":[[{"subnet":"10.77.0.0/24"}],[{"subnet":"fd77::/64"}]],"routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0","gw":"fd77::1"}]}'

# bats test_tags=vm
@test "ADD: dual-stack result with gateways, routes and dns (1.0.0)" {
	printf 'nameserver 10.77.0.53\nsearch a.example b.example\noptions ndots:2\ndomain example.com\n' \
		>"$BATS_TEST_TMPDIR/resolv.conf"
	ipam=$(jq -c --arg r "$BATS_TEST_TMPDIR/resolv.conf" '. + {resolvConf:$r}' <<<"$DUAL")
	hl ADD "$(conf 1.0.0 "$ipam")"
	assert_success
	run jq -cS . <<<"$output"
	assert_output '{"cniVersion":"1.0.0","dns":{"domain":"example.com","nameservers":["10.77.0.53"],"options":["ndots:2"],"search":["a.example","b.example"]},"ips":[{"address":"10.77.0.2/24","gateway":"10.77.0.1"},{"address":"fd77::2/64","gateway":"fd77::1"}],"routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0","gw":"fd77::1"}]}'
	run reservations
	assert_output $'10.77.0.2\nfd77::2'
}

@test "ADD: the result in every spec version" {
	for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
		CID=ctr-$v hl ADD "$(conf $v "$DUAL")"
		assert_success
		case $v in
		0.1.0 | 0.2.0)
			jq -e '.ip4.ip | test("^10\\.77\\.0\\.[0-9]+/24$")' <<<"$output"
			jq -e '.ip4.gateway == "10.77.0.1" and (.ip6.ip | startswith("fd77::"))' <<<"$output"
			;;
		0.3.0 | 0.3.1 | 0.4.0)
			jq -e --arg v "$v" '.cniVersion == $v and .ips[0].version == "4" and .ips[1].version == "6"' <<<"$output"
			;;
		*)
			jq -e --arg v "$v" '.cniVersion == $v and (.ips[0] | has("version") | not) and (.ips | length) == 2' <<<"$output"
			;;
		esac
	done
	run reservations
	[ "${#lines[@]}" -eq 14 ]
}

@test "store: files are byte-for-byte what the reference writes" {
	hl ADD "$(conf 1.0.0 "$DUAL")"
	assert_success
	run od -An -c "$ND/10.77.0.2"
	assert_output "   c   t   r   -   1  \r  \n   e   t   h   0"
	run od -An -c "$ND/last_reserved_ip.0"
	assert_output "   1   0   .   7   7   .   0   .   2"
	run od -An -c "$ND/last_reserved_ip.1"
	assert_output "   f   d   7   7   :   :   2"
	[ "$(stat -c %a "$ND/10.77.0.2")" = 644 ]
	[ "$(stat -c %a "$ND/fd77::2")" = 644 ]
	[ "$(stat -c %a "$ND/last_reserved_ip.0")" = 644 ]
	[ "$(stat -c %a "$ND")" = 755 ]
	[ "$(stat -c %a "$D")" = 755 ]
	[ "$(stat -c %a "$ND/lock")" = 750 ] # as the reference's lock library makes it
	[ "$(stat -c %s "$ND/lock")" = 0 ]
}

@test "store: IPv6 file names are Go's net.IP.String(), not inet_ntop's" {
	# ::102:304 is "::1.2.3.4" to glibc
	hl ADD "$(conf 1.0.0 '{"ranges":[[{"subnet":"::/96"}]]}')" CNI_ARGS="IP=::102:304"
	assert_success
	[ -f "$ND/::102:304" ]
	CID=ctr-2 hl ADD "$(conf 1.0.0 '{"ranges":[[{"subnet":"fd00:0:0:0:0:1::/96"}]]}')" \
		CNI_ARGS="IP=fd00:0:0:0:0:1:0:5"
	assert_success
	[ -f "$ND/fd00::1:0:5" ]
}

@test "ADD: a second ADD for the same container+ifname is rejected" {
	hl ADD "$(conf 1.0.0 "$V4")"
	assert_success
	hl ADD "$(conf 1.0.0 "$V4")"
	assert_cni_error 103
	assert_output --partial "10.77.0.2 has been allocated to ctr-1, duplicate allocation is not allowed"
	# another interface of the same container is another attachment
	IFNAME=eth1 hl ADD "$(conf 1.0.0 "$V4")"
	assert_success
	jq -e '.ips[0].address == "10.77.0.3/24"' <<<"$output"
	run reservations
	assert_output $'10.77.0.2\n10.77.0.3'
}

@test "ADD: round-robin continues after the last reserved address, and wraps" {
	c=$(conf 1.0.0 '{"ranges":[[{"subnet":"10.77.0.0/29"}]]}') # .2 .. .6
	for i in 1 2 3; do
		CID=c$i hl ADD "$c"
		assert_success
	done
	CID=c1 hl DEL "$c"
	assert_success
	CID=c4 hl ADD "$c" # .5, not the freed .2
	jq -e '.ips[0].address == "10.77.0.5/24" or .ips[0].address == "10.77.0.5/29"' <<<"$output"
	CID=c5 hl ADD "$c"
	jq -e '.ips[0].address == "10.77.0.6/29"' <<<"$output"
	CID=c6 hl ADD "$c" # wraps to the freed .2
	jq -e '.ips[0].address == "10.77.0.2/29"' <<<"$output"
	run cat "$ND/last_reserved_ip.0"
	assert_output "10.77.0.2"
	CID=c7 hl ADD "$c"
	assert_cni_error 103
	assert_output --partial "no IP addresses available in range set: 10.77.0.1-10.77.0.6"
}

@test "ADD: defaults never hand out network, gateway or broadcast; explicit start/end honoured" {
	c=$(conf 1.0.0 '{"ranges":[[{"subnet":"10.77.0.0/30"}]]}')
	hl ADD "$c"
	assert_success
	jq -e '.ips[0] == {"address":"10.77.0.2/30","gateway":"10.77.0.1"}' <<<"$output"
	CID=c2 hl ADD "$c"
	assert_cni_error 103
	# explicit range, gateway outside it, start = network address
	c=$(conf 1.0.0 '{"ranges":[[{"subnet":"10.78.0.0/29","rangeStart":"10.78.0.0","rangeEnd":"10.78.0.7","gateway":"10.78.0.6"}]]}')
	got=()
	for i in 1 2 3 4 5 6; do
		CID=x$i hl ADD "$c"
		[ "$status" -eq 0 ] || break
		got+=("$(jq -r '.ips[0].address' <<<"$output")")
	done
	[ "${got[*]}" = "10.78.0.1/29 10.78.0.2/29 10.78.0.3/29 10.78.0.4/29 10.78.0.5/29" ]
	assert_cni_error 103
}

@test "ADD: multiple ranges in one set, and several sets" {
	c=$(conf 0.4.0 '{"ranges":[[{"subnet":"10.77.1.0/24","rangeStart":"10.77.1.10","rangeEnd":"10.77.1.11"},{"subnet":"10.77.2.0/24","rangeStart":"10.77.2.20","rangeEnd":"10.77.2.20","gateway":"10.77.2.254"}],[{"subnet":"10.77.9.0/24"}]]}')
	want=("10.77.1.10/24 10.77.9.2/24" "10.77.1.11/24 10.77.9.3/24" "10.77.2.20/24 10.77.9.4/24")
	for n in 0 1 2; do
		CID=m$n hl ADD "$c"
		assert_success
		[ "$(jq -r '[.ips[].address] | join(" ")' <<<"$output")" = "${want[$n]}" ]
	done
	jq -e '.ips[0].gateway == "10.77.2.254"' <<<"$output"
	CID=m9 hl ADD "$c"
	assert_cni_error 103
	assert_output --partial "failed to allocate for range 0"
	# nothing of m9 left in the second set
	run grep -l m9 "$ND"/10.77.*
	assert_failure
}

@test "ADD: the legacy single-range form and the ipRanges capability" {
	hl ADD "$(conf 0.3.1 '{"subnet":"10.79.0.0/16","rangeStart":"10.79.3.0","rangeEnd":"10.79.3.9","gateway":"10.79.0.1","routes":[{"dst":"10.0.0.0/8","gw":"10.79.0.254"}]}')"
	assert_success
	jq -e '.ips == [{"version":"4","address":"10.79.3.0/16","gateway":"10.79.0.1"}]' <<<"$output"
	jq -e '.routes == [{"dst":"10.0.0.0/8","gw":"10.79.0.254"}]' <<<"$output"
	# runtimeConfig.ipRanges is put before the configured sets (index 0)
	CID=c2 hl ADD "$(conf 1.0.0 "$V4" '{"runtimeConfig":{"ipRanges":[[{"subnet":"fd79::/64"}]]}}')"
	assert_success
	jq -e '[.ips[].address] == ["fd79::2/64","10.77.0.2/24"]' <<<"$output"
	run cat "$ND/last_reserved_ip.0"
	assert_output "fd79::2"
}

@test "ADD: 1.1.0 route fields are passed through" {
	ipam='{"ranges":[[{"subnet":"10.77.0.0/24"}]],"routes":[{"dst":"192.0.2.0/24","gw":"10.77.0.254","mtu":1400,"advmss":1360,"priority":5,"table":100,"scope":0}]}'
	hl ADD "$(conf 1.1.0 "$ipam")"
	assert_success
	jq -e '.routes == [{"dst":"192.0.2.0/24","gw":"10.77.0.254","mtu":1400,"advmss":1360,"priority":5,"table":100,"scope":0}]' <<<"$output"
	# older versions have no such fields: ignored, as the reference does
	CID=c2 hl ADD "$(conf 1.0.0 "$ipam")"
	assert_success
	jq -e '.routes == [{"dst":"192.0.2.0/24","gw":"10.77.0.254"}]' <<<"$output"
}

@test "requested addresses: CNI_ARGS IP list, args.cni.ips, runtimeConfig.ips" {
	hl ADD "$(conf 1.0.0 "$DUAL")" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.77.0.50,fd77::50"
	assert_success
	jq -e '[.ips[].address] == ["10.77.0.50/24","fd77::50/64"]' <<<"$output"
	CID=c2 hl ADD "$(conf 1.0.0 "$DUAL" '{"args":{"cni":{"ips":["fd77::60","10.77.0.60/24"]}}}')"
	assert_success
	jq -e '[.ips[].address] == ["10.77.0.60/24","fd77::60/64"]' <<<"$output"
	CID=c3 hl ADD "$(conf 1.0.0 "$DUAL" '{"runtimeConfig":{"ips":["10.77.0.70/24"]}}')"
	assert_success
	jq -e '[.ips[].address] == ["10.77.0.70/24","fd77::61/64"]' <<<"$output" # round robin
	# the same address from several sources is one request
	CID=c4 hl ADD "$(conf 1.0.0 "$V4" '{"args":{"cni":{"ips":["10.77.0.80"]}},"runtimeConfig":{"ips":["10.77.0.80/24"]}}')" \
		CNI_ARGS="IP=10.77.0.80"
	assert_success
	jq -e '[.ips[].address] == ["10.77.0.80/24"]' <<<"$output"
	run cat "$ND/last_reserved_ip.0"
	assert_output "10.77.0.80"
}

@test "requested addresses: outside every range, the gateway, taken, two in one set" {
	c=$(conf 1.0.0 "$DUAL")
	hl ADD "$c" CNI_ARGS="IP=10.99.0.5"
	assert_cni_error 103
	assert_output --partial "10.99.0.5"
	hl ADD "$c" CNI_ARGS="IP=10.77.0.1"
	assert_cni_error 103
	assert_output --partial "requested ip 10.77.0.1 is subnet's gateway"
	hl ADD "$c" CNI_ARGS="IP=10.77.0.255"
	assert_cni_error 103
	assert_output --partial "10.77.0.255"
	hl ADD "$c" CNI_ARGS="IP=10.77.0.5,10.77.0.6"
	assert_cni_error 103
	assert_output --partial "10.77.0.5 and 10.77.0.6"
	hl ADD "$c" CNI_ARGS="IP=10.77.0.300"
	assert_cni_error 4
	run reservations
	assert_output ""
	CID=other hl ADD "$c" CNI_ARGS="IP=10.77.0.5"
	assert_success
	hl ADD "$c" CNI_ARGS="IP=10.77.0.5"
	assert_cni_error 103
	assert_output --partial "requested IP address 10.77.0.5 is not available in range set 10.77.0.1-10.77.0.254"
}

@test "ADD failing part-way releases what it reserved, and only that" {
	c=$(conf 1.0.0 "$DUAL")
	CID=holder hl ADD "$c" CNI_ARGS="IP=10.77.0.9,fd77::9"
	assert_success
	# v4 would succeed, v6 is taken: nothing of ctr-1 may stay
	hl ADD "$c" CNI_ARGS="IP=10.77.0.10,fd77::9"
	assert_cni_error 103
	assert_output --partial "fd77::9"
	run reservations
	assert_output $'10.77.0.9\nfd77::9'
	run grep -c holder "$ND/10.77.0.9" "$ND/fd77::9"
	assert_success
	# and the index knows: a later ADD of ctr-1 is not a duplicate
	hl ADD "$c"
	assert_success
}

# bats test_tags=vm
@test "DEL: releases every address; twice is fine; a missing dataDir is fine" {
	c=$(conf 1.0.0 "$DUAL")
	hl ADD "$c"
	assert_success
	CID=keep hl ADD "$c"
	assert_success
	hl DEL "$c"
	assert_success
	assert_output ""
	run reservations
	assert_output $'10.77.0.3\nfd77::3'
	hl DEL "$c"
	assert_success
	# no dataDir at all: success, and nothing created
	D=$BATS_TEST_TMPDIR/never hl DEL "$(D=$BATS_TEST_TMPDIR/never conf 1.0.0 "$DUAL")"
	assert_success
	[ ! -e "$BATS_TEST_TMPDIR/never" ]
	# DEL needs no netns
	NETNS_PATH= CID=keep hl DEL "$c"
	assert_success
	run reservations
	assert_output ""
}

@test "DEL: reservations written before ifnames were recorded (ID only)" {
	c=$(conf 1.0.0 "$V4")
	mkdir -p "$ND"
	printf 'ctr-1' >"$ND/10.77.0.40"
	printf 'ctr-2\r\neth0' >"$ND/10.77.0.41"
	hl CHECK "$c"
	assert_success
	# a legacy reservation in this set is a duplicate, as for the reference
	hl ADD "$c"
	assert_cni_error 103
	hl DEL "$c"
	assert_success
	run reservations
	assert_output "10.77.0.41"
}

@test "CHECK: fails without an address for this container+ifname" {
	c=$(conf 1.0.0 "$V4")
	hl CHECK "$c"
	assert_failure
	assert_output --partial "host-local: Failed to find address added by container ctr-1"
	hl ADD "$c"
	assert_success
	hl CHECK "$c"
	assert_success
	IFNAME=eth1 hl CHECK "$c"
	assert_failure
	CID=ctr-2 hl CHECK "$c"
	assert_failure
	hl DEL "$c"
	hl CHECK "$c"
	assert_failure
}

@test "GC: releases every reservation not in cni.dev/valid-attachments" {
	c=$(conf 1.1.0 "$V4")
	for a in c1/eth0 c1/eth1 c2/eth0 c3/eth0; do
		CID=${a%/*} IFNAME=${a#*/} hl ADD "$c"
		assert_success
	done
	printf 'old-c4' >"$ND/10.77.0.100"       # legacy, valid below
	printf 'old-c5' >"$ND/10.77.0.101"       # legacy, stale
	: >"$ND/10.77.0.102"                     # torn: nobody's
	valid='{"cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"},{"containerID":"c3","ifname":"eth0"},{"containerID":"old-c4","ifname":"eth0"}]}'
	hl GC "$(conf 1.1.0 "$V4" "$valid")"
	assert_success
	run bash -c "cd '$ND' && grep -l . 10.* | sort | xargs -n1 sh -c 'printf \"%s=\" \$0; tr -d \"\\r\\n\" <\$0; echo'"
	assert_output $'10.77.0.100=old-c4\n10.77.0.2=c1eth0\n10.77.0.5=c3eth0'
	run reservations
	assert_output $'10.77.0.100\n10.77.0.2\n10.77.0.5'
	[ -f "$ND/lock" ] && [ -f "$ND/last_reserved_ip.0" ]
	# the index is right afterwards
	CID=c1 IFNAME=eth1 hl ADD "$c"
	assert_success
	CID=c3 hl ADD "$c"
	assert_cni_error 103
	# an empty list releases everything; a missing dir is fine
	hl GC "$(conf 1.1.0 "$V4" '{"cni.dev/valid-attachments":[]}')"
	assert_success
	run reservations
	assert_output ""
	D=$BATS_TEST_TMPDIR/never hl GC "$(D=$BATS_TEST_TMPDIR/never conf 1.1.0 "$V4" '{"cni.dev/valid-attachments":[]}')"
	assert_success
	[ ! -e "$BATS_TEST_TMPDIR/never" ]
}

@test "GC: without cni.dev/valid-attachments is code 7 and releases nothing; null is none valid" {
	c=$(conf 1.1.0 "$V4")
	for a in c1 c2; do
		CID=$a hl ADD "$c"
		assert_success
	done
	run reservations
	before=$output
	hl GC "$c"
	assert_cni_error 7
	assert_output --partial "cni.dev/valid-attachments"
	run reservations
	assert_output "$before"
	# JSON null (a nil list from libcni) means none is valid
	hl GC "$(conf 1.1.0 "$V4" '{"cni.dev/valid-attachments":null}')"
	assert_success
	run reservations
	assert_output ""
}

@test "GC and STATUS need a 1.1.0 config" {
	hl GC "$(conf 1.0.0 "$V4")"
	assert_cni_error 1
	hl STATUS "$(conf 1.0.0 "$V4")"
	assert_cni_error 1
}

@test "STATUS: ready; 50 when a range set is exhausted or dataDir unusable" {
	c=$(conf 1.1.0 '{"ranges":[[{"subnet":"10.77.0.0/30"}],[{"subnet":"fd77::/64"}]]}')
	hl STATUS "$c"
	assert_success
	assert_output ""
	hl ADD "$c"
	assert_success
	hl STATUS "$c"
	assert_cni_error 50
	assert_output --partial "no IP addresses available in range set 0"
	hl DEL "$c"
	hl STATUS "$c"
	assert_success
	# a file where the dataDir should be
	: >"$BATS_TEST_TMPDIR/file"
	hl STATUS "$(D=$BATS_TEST_TMPDIR/file conf 1.1.0 "$V4")"
	assert_cni_error 50
	assert_output --partial "unusable"
	# a bad config is still a config error
	hl STATUS "$(conf 1.1.0 '{"ranges":[[{"subnet":"10.0.0.0/31"}]]}')"
	assert_cni_error 7
}

@test "torn reservation files are reclaimed by ADD and GC; huge ones only by GC" {
	c=$(conf 1.1.0 '{"ranges":[[{"subnet":"10.77.0.0/29"}]]}')
	mkdir -p "$ND"
	: >"$ND/10.77.0.2"                  # a reference ADD killed between create and write
	printf '\r\n' >"$ND/10.77.0.3"      # white space only: an empty ID
	head -c 70000 /dev/zero | tr '\0' x >"$ND/10.77.0.4" # someone wrote that: not torn
	printf 'ctr-9\0\0\0' >"$ND/10.77.0.5" # a NUL: never written by anyone
	# (not $i: bats' run uses it)
	for n in 2 3 5; do
		CID=ctr-$n hl ADD "$c"
		assert_success
		jq -e --arg a "10.77.0.$n/29" '.ips[0].address == $a' <<<"$output" || fail "ADD $n: $output"
		run od -An -c "$ND/10.77.0.$n"
		assert_output "   c   t   r   -   $n  \r  \n   e   t   h   0"
	done
	for n in 2 3 5; do
		CID=ctr-$n hl DEL "$c"
		assert_success
	done
	run reservations
	assert_output "10.77.0.4"
	: >"$ND/10.77.0.6"
	hl GC "$(jq -c '."cni.dev/valid-attachments" = []' <<<"$c")"
	assert_success
	run reservations
	assert_output ""
	[ ! -e "$ND/.cni-c-reserve" ]
}

@test "a temporary left by a killed ADD is never a reservation; DEL and GC remove it" {
	c=$(conf 1.1.0 '{"ranges":[[{"subnet":"10.77.0.0/29"}]]}')
	hl ADD "$c"
	assert_success
	# killed after writing its temporary, before the link
	printf 'ctr-2\r\neth0' >"$ND/.cni-c-reserve"
	CID=ctr-2 hl CHECK "$c"
	assert_failure
	CID=ctr-2 hl DEL "$c"
	assert_success
	[ ! -e "$ND/.cni-c-reserve" ]
	# killed after the link, before the unlink: both names, one file
	ln "$ND/10.77.0.2" "$ND/.cni-c-reserve"
	CID=ctr-3 hl ADD "$c"
	assert_success
	run od -An -c "$ND/10.77.0.2"
	assert_output "   c   t   r   -   1  \r  \n   e   t   h   0"
	[ ! -e "$ND/.cni-c-reserve" ]
	ln "$ND/10.77.0.2" "$ND/.cni-c-reserve"
	hl GC "$(conf 1.1.0 '{"ranges":[[{"subnet":"10.77.0.0/29"}]]}' \
		'{"cni.dev/valid-attachments":[{"containerID":"ctr-1","ifname":"eth0"},{"containerID":"ctr-3","ifname":"eth0"}]}')"
	assert_success
	[ ! -e "$ND/.cni-c-reserve" ]
	run reservations
	assert_output $'10.77.0.2\n10.77.0.3'
}

@test "ADD: a result the config's version cannot express fails and reserves nothing" {
	# 0.2.0: a route needs an address of its family (the reference drops it)
	hl ADD "$(conf 0.2.0 '{"ranges":[[{"subnet":"10.77.0.0/24"}]],"routes":[{"dst":"::/0"}]}')"
	assert_cni_error 7
	assert_output --partial "route to ::/0 has no IPv6 address to go with in cniVersion 0.2.0"
	run reservations
	assert_output ""
	hl ADD "$(conf 0.2.0 '{"ranges":[[{"subnet":"10.77.0.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}]}')"
	assert_success
	run reservations
	assert_output "10.77.0.3"
}

@test "config errors are code 7 and name the field" {
	while IFS='|' read -r ipam want; do
		hl ADD "$(conf 1.0.0 "$ipam")"
		assert_cni_error 7
		[[ "$output" == *"$want"* ]] || fail "for $ipam: want '$want' in $output"
	done <<'EOF'
{"ranges":[[{"subnet":"10.77.0.0/31"}]]}|Network 10.77.0.0/31 too small to allocate from
{"ranges":[[{"subnet":"10.77.0.1/32"}]]}|too small to allocate from
{"ranges":[[{"subnet":"fd77::/127"}]]}|too small to allocate from
{"ranges":[[{"subnet":"10.77.0.0/24","gateway":"10.78.0.1"}]]}|ipam.ranges[0][0].gateway: 10.78.0.1 not in network 10.77.0.0/24
{"ranges":[[{"subnet":"10.77.0.0/24","rangeStart":"10.78.0.1"}]]}|ipam.ranges[0][0].rangeStart
{"ranges":[[{"subnet":"10.77.0.0/24","rangeEnd":"10.78.0.1"}]]}|ipam.ranges[0][0].rangeEnd
{"ranges":[[{"subnet":"10.77.0.0/24","rangeStart":"10.77.0.9","rangeEnd":"10.77.0.8"}]]}|before start
{"ranges":[[{"subnet":"10.77.0.0/24"},{"subnet":"10.77.0.128/25"}]]}|ipam.ranges[0][1]: range 10.77.0.129-10.77.0.254 overlaps with ipam.ranges[0][0]
{"ranges":[[{"subnet":"10.77.0.0/24"},{"subnet":"fd77::/64"}]]}|ipam.ranges[0]: mixed address families
{"ranges":[[{"subnet":"10.77.0.0/16"}],[{"subnet":"10.77.5.0/24"}]]}|ipam.ranges[1]: range set 1 overlaps with range set 0
{"ranges":[[{"subnet":"10.77.0.0/24"}]],"subnet":"10.77.0.0/24"}|range set 1 overlaps with range set 0
{"ranges":[[{"subnet":"10.77.0.0"}]]}|ipam.ranges[0][0].subnet: invalid CIDR
{"ranges":[[{"gateway":"10.77.0.1"}]]}|ipam.ranges[0][0].subnet: missing
{"ranges":[[]]}|ipam.ranges[0]: empty range set
{"ranges":{}}|ipam.ranges
{"ranges":[[{"subnet":"10.77.0.0/24","gateway":"bogus"}]]}|ipam.ranges[0][0].gateway: invalid IP address
{}|no IP ranges specified
{"ranges":[[{"subnet":"10.77.0.0/24"}]],"routes":[{"dst":"nope"}]}|ipam.routes[0].dst
{"ranges":[[{"subnet":"10.77.0.0/24"}]],"dataDir":7}|ipam.dataDir
{"ranges":[[{"subnet":"10.77.0.0/24"}]],"resolvConf":"/nonexistent/resolv.conf"}|ipam.resolvConf
EOF
	# no ipam at all
	hl ADD '{"cniVersion":"1.0.0","name":"x","type":"bridge"}'
	assert_cni_error 7
	# a network name that cannot be a directory name
	run_plugin "$HL" ADD "$(NET=a/b conf 1.0.0 "$V4")"
	assert_cni_error 7
	# two addresses of one family need 0.3.0 or later
	hl ADD "$(conf 0.2.0 '{"ranges":[[{"subnet":"10.77.0.0/24"}],[{"subnet":"10.78.0.0/24"}]]}')"
	assert_cni_error 7
	assert_output --partial "does not support more than 1 address per family"
	# unknown CNI_ARGS without IgnoreUnknown
	hl ADD "$(conf 1.0.0 "$V4")" CNI_ARGS="FOO=bar"
	assert_cni_error 4
	[ ! -e "$ND" ] || [ -z "$(reservations)" ]
}

@test "VERSION lists every version; about on stderr without a command" {
	run_plugin "$HL" VERSION '{"cniVersion":"1.1.0"}'
	assert_success
	jq -e '.supportedVersions | index("0.1.0") and index("1.0.0") and index("1.1.0")' <<<"$output"
	run --separate-stderr env -i "$HL"
	assert_success
	[[ "$stderr" == *host-local* ]]
}

@test "index: lives in .cni-c-index, follows our changes without rescans" {
	c=$(conf 1.0.0 "$V4")
	for i in 1 2 3; do
		CID=c$i hl ADD "$c"
		assert_success
	done
	[ -d "$ND/.cni-c-index" ]
	stamp=$(cat "$ND/.cni-c-index/stamp")
	# the stamp names this boot and pins the directory's mtime and ctime
	read -r _ _ boot ino sec nsec csec cnsec <<<"$stamp"
	[ "$boot" = "$(cat /proc/sys/kernel/random/boot_id)" ]
	[ "$((10#$ino))" = "$(stat -c %i "$ND")" ]
	[ "$((10#$sec))" = "$(stat -c %Y "$ND")" ]
	[ "$((10#$csec))" = "$(stat -c %Z "$ND")" ]
	[ "$((10#$csec))" -gt "$((10#$sec))" ]
	grep -rqx "$(printf 'c2\r\neth0' | od -An -tx1 | tr -d ' \n') 10.77.0.3" "$ND/.cni-c-index"
	# a change behind our back (here: by hand) is noticed and rescanned
	rm "$ND/10.77.0.3"
	printf 'c9\r\neth0' >"$ND/10.77.0.9"
	CID=c2 hl CHECK "$c"
	assert_failure
	CID=c9 hl CHECK "$c"
	assert_success
	CID=c9 hl DEL "$c"
	[ ! -e "$ND/10.77.0.9" ]
}
