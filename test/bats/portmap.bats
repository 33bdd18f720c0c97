#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The portmap plugin: the result, traffic on every DNAT path (from outside,
# from the host to its own address and to 127.0.0.1, hairpin, from another
# container), IPv4 and IPv6, TCP and UDP, and every option. DEL, CHECK, GC,
# taken host ports and the reference's state: portmap_lifecycle.bats.

bats_require_minimum_version 1.5.0
load helpers
load portmap_lib

setup() { pm_setup; }
teardown() { pm_teardown; }

PM8080='[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]'

@test "portmap: ADD prints prevResult in the config's version, as the reference" {
	local v
	for v in 0.3.0 0.3.1 0.4.0 1.0.0; do
		CNIVER=$v new_ctr "v${v//./}"
		# with mappings (ours), and without (the reference makes nothing then)
		CNIVER=$v pm_ok ADD "$(CNIVER=$v pm_conf "$PM8080")"
		local ours=$output
		CNIVER=$v pm_run ADD "$(CNIVER=$v pm_conf '[]')" "$REF_BIN/portmap"
		assert_success
		[ "$(jq -S -c . <<<"$ours")" = "$(jq -S -c . <<<"$output")" ] ||
			fail "$v: ours $ours, reference $output"
		[ "$(jq -S -c . <<<"$ours")" = "$(jq -S -c . <<<"$RES")" ] || fail "$v: $ours vs $RES"
	done
	# 1.1.0 (the reference stops at 1.0.0): prevResult as it came
	CNIVER=1.1.0 new_ctr v110
	CNIVER=1.1.0 pm_ok ADD "$(CNIVER=1.1.0 pm_conf "$PM8080")"
	[ "$(jq -S -c . <<<"$output")" = "$(jq -S -c . <<<"$RES")" ] || fail "$output vs $RES"
	# no mappings: the result, and no table at all
	new_ctr none
	pm_ok ADD "$(pm_conf '[]')"
	jq -e '.ips | length == 2' <<<"$output" >/dev/null || fail "$output"
	[ -z "$(pm_owned "$NET/$CID/eth0")" ]
}

@test "portmap: ADD without prevResult is an error (code 7), as the reference" {
	new_ctr a
	pm_run ADD "$(pm_conf "$PM8080" 'del(.prevResult)')"
	assert_cni_error 7
	run jq -r .msg <<<"$output"
	assert_output "must be called as chained plugin"
	[ -z "$(pm_table)" ]
}

@test "portmap: IPv4 TCP: from outside, from the host to itself and to 127.0.0.1, hairpin, another container" {
	new_ctr a
	local ip=$IP4
	pm_ok ADD "$(pm_conf "$PM8080")"
	serve tcp "$NS" :: 80 A
	# from outside: DNAT only, the container sees the real client
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_PEER4"
	# from the host itself, to its own address (OUTPUT, fib daddr type local)
	run talk tcp "$HOSTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_HOST4"
	run talk tcp "$HOSTNS" "$GW4" 8080
	assert_output "A peer=$GW4"
	# to 127.0.0.1: masqueraded (route_localnet on the bridge, as the reference)
	run talk tcp "$HOSTNS" 127.0.0.1 8080
	assert_output "A peer=$GW4"
	[ "$(ip netns exec "$HOSTNS" cat /proc/sys/net/ipv4/conf/$BR/route_localnet)" = 1 ]
	# hairpin: the container to its own host port, masqueraded
	run talk tcp "$NS" "$OUT_HOST4" 8080
	assert_output "A peer=$GW4"
	# another container on the bridge: masqueraded too (same subnet)
	new_ctr b
	run talk tcp "$NS" "$OUT_HOST4" 8080
	assert_output "A peer=$GW4"
	# the mapping is in the map, owned by the container
	run pm_table
	assert_output --partial "tcp . 8080 comment \"$NET/ctr-a-$TAG/eth0\" : $ip . 80"
}

@test "portmap: IPv6 TCP: from outside, from the host to itself, hairpin" {
	new_ctr a
	local ip6=$IP6
	pm_ok ADD "$(pm_conf "$PM8080")"
	serve tcp "$NS" :: 80 A
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "A peer=$OUT_PEER6"
	run talk tcp "$HOSTNS" "$OUT_HOST6" 8080
	assert_output "A peer=$OUT_HOST6"
	run talk tcp "$NS" "$OUT_HOST6" 8080
	assert_output "A peer=$GW6"
	run pm_table
	assert_output --partial "tcp . 8080 comment \"$NET/$CID/eth0\" : $ip6 . 80"
	assert_output --partial "fd00:77:: . $ip6 . tcp . 80"
	# both families from one mapping
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_PEER4"
}

@test "portmap: UDP both families; stale conntrack entries of the host port are removed" {
	new_ctr a
	# the host answers on 5353 first: a conntrack entry that would keep
	# the outside's flow on the host after the mapping exists
	pm_ok ADD "$(pm_conf '[{"hostPort":1,"containerPort":1,"protocol":"tcp"}]')"
	serve udp "$HOSTNS" 0.0.0.0 5353 host
	serve udp "$NS" :: 53 A
	run talk udp "$OUTNS" "$OUT_HOST4" 5353 40053
	assert_output "host peer=$OUT_PEER4"
	pm_ok ADD "$(pm_conf '[{"hostPort":1,"containerPort":1,"protocol":"tcp"},{"hostPort":5353,"containerPort":53,"protocol":"udp"}]')"
	run talk udp "$OUTNS" "$OUT_HOST4" 5353 40053
	assert_output "A peer=$OUT_PEER4"
	run talk udp "$OUTNS" "$OUT_HOST6" 5353 40054
	assert_output "A peer=$OUT_PEER6"
}

@test "portmap: sctp mappings go into the map as well" {
	new_ctr a
	pm_ok ADD "$(pm_conf '[{"hostPort":3868,"containerPort":3868,"protocol":"sctp"}]')"
	run pm_table
	assert_output --partial "sctp . 3868 comment \"$NET/$CID/eth0\" : $IP4 . 3868"
	assert_output --partial "sctp . 3868 comment \"$NET/$CID/eth0\" : $IP6 . 3868"
}

@test "portmap: hostIP: only that address, only its family; 0.0.0.0 is any IPv4 address" {
	ip -n "$HOSTNS" addr add 192.0.2.11/24 dev "$UP"
	new_ctr a
	pm_ok ADD "$(pm_conf '[{"hostPort":8081,"containerPort":80,"protocol":"tcp","hostIP":"192.0.2.1"},
		{"hostPort":8082,"containerPort":80,"protocol":"tcp","hostIP":"0.0.0.0"},
		{"hostPort":8083,"containerPort":80,"protocol":"tcp","hostIP":"2001:db8:1::1"}]')"
	serve tcp "$NS" :: 80 A
	run talk tcp "$OUTNS" 192.0.2.1 8081
	assert_output "A peer=$OUT_PEER4"
	# another address of the host: not mapped (nothing listens there)
	run talk tcp "$OUTNS" 192.0.2.11 8081
	assert_output refused
	run talk tcp "$OUTNS" 192.0.2.11 8082
	assert_output "A peer=$OUT_PEER4"
	# 0.0.0.0 is IPv4's: not mapped over IPv6
	run talk tcp "$OUTNS" "$OUT_HOST6" 8082
	assert_output refused
	run talk tcp "$OUTNS" "$OUT_HOST6" 8083
	assert_output "A peer=$OUT_PEER6"
	run talk tcp "$OUTNS" "$OUT_HOST4" 8083
	assert_output refused
	run pm_table
	assert_output --partial "192.0.2.1 . tcp . 8081 comment"
	assert_output --partial "2001:db8:1::1 . tcp . 8083 comment"
}

@test "portmap: a host-address mapping wins over an any-address one of another container" {
	new_ctr a
	pm_ok ADD "$(pm_conf "$PM8080")"
	serve tcp "$NS" :: 80 A
	new_ctr b
	pm_ok ADD "$(pm_conf '[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"192.0.2.1"}]')"
	serve tcp "$NS" :: 80 B
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "B peer=$OUT_PEER4"
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "A peer=$OUT_PEER6"
}

@test "portmap: snat false: no masquerade, the outside still gets through" {
	new_ctr a
	pm_ok ADD "$(pm_conf "$PM8080" '.snat = false')"
	serve tcp "$NS" :: 80 A
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_PEER4"
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "A peer=$OUT_PEER6"
	# the DNAT elements only: no hairpin or 127.0.0.1 masquerade, no route_localnet
	run pm_owned "$NET/$CID/eth0"
	assert_equal "${#lines[@]}" 2
	run pm_table
	refute_output --partial "hairpin4"
	refute_output --partial "localhost4"
	[ "$(ip netns exec "$HOSTNS" cat /proc/sys/net/ipv4/conf/$BR/route_localnet)" = 0 ]
	# and the host's own address is not masqueraded either way
	run talk tcp "$HOSTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_HOST4"
}

@test "portmap: masqAll masquerades every DNAT'd source, not only hairpin" {
	new_ctr a
	pm_ok ADD "$(pm_conf "$PM8080" '.masqAll = true')"
	serve tcp "$NS" :: 80 A
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$GW4"
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "A peer=$GW6"
	run pm_table
	assert_output --partial "set hairpin4-0"
}

@test "portmap: markMasqBit and externalSetMarkChain are accepted; hairpin is masqueraded" {
	new_ctr a
	pm_ok ADD "$(pm_conf "$PM8080" '.markMasqBit = 5')"
	serve tcp "$NS" :: 80 A
	run talk tcp "$NS" "$OUT_HOST4" 8080
	assert_output "A peer=$GW4"
	new_ctr b
	pm_ok ADD "$(pm_conf '[{"hostPort":8081,"containerPort":80,"protocol":"tcp"}]' '.externalSetMarkChain = "KUBE-MARK-MASQ"')"
	serve tcp "$NS" :: 80 B
	run talk tcp "$NS" "$OUT_HOST4" 8081
	assert_output "B peer=$GW4"
	# and nothing in iptables
	run ref_rules
	refute_output --partial "CNI-"
	refute_output --partial "KUBE"
}

@test "portmap: backend iptables is served from nftables, with one line on stderr" {
	new_ctr a
	pm_ok ADD "$(pm_conf "$PM8080" '.backend = "iptables"')"
	[ "$(grep -c . <<<"$stderr")" = 1 ] || fail "stderr: $stderr"
	assert_equal "$stderr" 'portmap: backend "iptables" is served by nftables (table inet cni_c_portmap)'
	serve tcp "$NS" :: 80 A
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_PEER4"
	run ref_rules
	refute_output --partial "CNI-"
	pm_ok DEL "$(pm_conf "$PM8080" '.backend = "iptables"')"
	[ -z "$(pm_owned "$NET/$CID/eth0")" ]
	# backend nftables: silent
	pm_ok ADD "$(pm_conf "$PM8080" '.backend = "nftables"')"
	assert_equal "$stderr" ""
}

@test "portmap: options of the other backend, with the backend named, are the reference's error" {
	new_ctr a
	pm_run ADD "$(pm_conf "$PM8080" '.backend = "nftables" | .externalSetMarkChain = "X"')"
	assert_cni_error 7
	run jq -r .msg <<<"$output"
	assert_output "failed to parse config: nftables backend was requested but configuration contains iptables-specific options [externalSetMarkChain]"
	pm_run ADD "$(pm_conf "$PM8080" '.backend = "iptables" | .conditionsV4 = ["ip saddr 10.0.0.1"]')"
	assert_cni_error 7
	assert_output --partial "iptables backend was requested but configuration contains nftables-specific options [conditionsV4]"
	pm_run ADD "$(pm_conf "$PM8080" '.backend = "pf"')"
	assert_cni_error 7
	assert_output --partial 'unrecognized backend \"pf\"'
	[ -z "$(pm_table)" ]
}

@test "portmap: conditionsV4 (iptables notation): only matching traffic is mapped" {
	new_ctr a
	pm_ok ADD "$(pm_conf "$PM8080" '.conditionsV4 = ["!", "-s", "'"$OUT_PEER4"'"]')"
	serve tcp "$NS" :: 80 A
	# the outside is excluded: its connection reaches the host itself
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output refused
	run talk tcp "$HOSTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_HOST4"
	# IPv6 has no conditions
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "A peer=$OUT_PEER6"
	# the conditions make a map of their own, with one rule carrying them
	run pm_table
	assert_output --regexp "map dnat4-[0-9a-f]{8} "
	assert_output --regexp "ip saddr != $OUT_PEER4 dnat ip to meta l4proto . th dport map @dnat4-[0-9a-f]{8}"
}

@test "portmap: conditionsV6 (nftables notation) and an input interface condition" {
	new_ctr a
	pm_ok ADD "$(pm_conf "$PM8080" '.conditionsV6 = ["ip6", "saddr", "'"$OUT_PEER6"'"] | .conditionsV4 = ["-i", "'"$UP"'"]')"
	serve tcp "$NS" :: 80 A
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "A peer=$OUT_PEER6"
	# the host's own traffic comes from elsewhere (and has no input interface)
	run talk tcp "$HOSTNS" "$OUT_HOST6" 8080
	assert_output refused
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_PEER4"
	run talk tcp "$HOSTNS" "$OUT_HOST4" 8080
	assert_output refused
}

@test "portmap: a condition nftables cannot express is a clear code 7, nothing is made" {
	new_ctr a
	pm_run ADD "$(pm_conf "$PM8080" '.conditionsV4 = ["-m", "addrtype", "--src-type", "LOCAL"]')"
	assert_cni_error 7
	run jq -r .msg <<<"$output"
	assert_output --partial 'conditionsV4: unsupported condition "-m" (supported:'
	pm_run ADD "$(pm_conf "$PM8080" '.conditionsV6 = ["meta", "mark", "0x1"]')"
	assert_cni_error 7
	assert_output --partial 'conditionsV6: unsupported condition \"meta\"'
	[ -z "$(pm_table)" ]
}

@test "portmap: bad port mappings are the reference's code-7 errors, nothing is made" {
	new_ctr a
	pm_run ADD "$(pm_conf '[{"hostPort":0,"containerPort":80,"protocol":"tcp"}]')"
	assert_cni_error 7
	run jq -r .msg <<<"$output"
	assert_output "failed to parse config: Invalid host port number: 0"
	pm_run ADD "$(pm_conf '[{"hostPort":80,"containerPort":70000,"protocol":"tcp"}]')"
	assert_cni_error 7
	assert_output --partial "Invalid container port number: 70000"
	pm_run ADD "$(pm_conf '[{"hostPort":80,"containerPort":80,"protocol":"icmp"}]')"
	assert_cni_error 7
	assert_output --partial 'unsupported protocol \"icmp\"'
	pm_run ADD "$(pm_conf '[{"hostPort":"80","containerPort":80,"protocol":"tcp"}]')"
	assert_cni_error 7
	pm_run ADD "$(pm_conf '[{"hostPort":80,"containerPort":80,"protocol":"tcp","hostIP":"nope"}]')"
	assert_cni_error 7
	pm_run ADD "$(pm_conf "$PM8080" '.markMasqBit = 32')"
	assert_cni_error 7
	assert_output --partial "MasqMarkBit must be between 0 and 31"
	pm_run ADD "$(pm_conf "$PM8080" '.markMasqBit = 1 | .externalSetMarkChain = "X"')"
	assert_cni_error 7
	assert_output --partial "Cannot specify externalSetMarkChain and markMasqBit"
	[ -z "$(pm_table)" ]
}

@test "portmap: an nftables failure in ADD leaves nothing of that ADD" {
	new_ctr a
	# a foreign object where our map goes: the batch is refused as a whole
	ip netns exec "$HOSTNS" nft add table inet cni_c_portmap
	ip netns exec "$HOSTNS" nft add map inet cni_c_portmap dnat4 '{ type ipv4_addr : ipv4_addr; }'
	[ "$(ip netns exec "$HOSTNS" cat /proc/sys/net/ipv4/conf/$BR/route_localnet)" = 0 ]
	pm_run ADD "$(pm_conf "$PM8080")"
	assert_cni_error 102
	run pm_owned "$NET/$CID/eth0"
	assert_output ""
	run pm_table
	refute_output --partial "chain hostports"
	# route_localnet (turned on only after the batch, with its drop) is still off
	[ "$(ip netns exec "$HOSTNS" cat /proc/sys/net/ipv4/conf/$BR/route_localnet)" = 0 ]
}

@test "portmap: a prevResult the config's version cannot express fails before any change" {
	new_ctr a
	# two IPv4 addresses have no 0.2.0 form
	local prev
	prev=$(jq -c '.ips += [{address: "10.77.0.99/24", interface: 2}]' <<<"$RES")
	pm_run ADD "$(PREV=$prev CNIVER=0.2.0 pm_conf "$PM8080")"
	assert_cni_error 7
	[ -z "$(pm_table)" ]
}
