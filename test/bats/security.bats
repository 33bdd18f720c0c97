#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The project's security promise, one section per guarantee; docs/security.md
# cites these tests. Each section starts with a comment `# --- <guarantee> ---`
# and prefixes its helpers with a name of its own, so sections stay
# independent. Every case asserts what the kernel holds (links, bridge
# forwarding entries, nftables elements, sysctls), what is on disk, or what
# traffic arrives, not only an exit code.
#
# Isolation: portmap_lib's setup, for every section: a private "host" netns
# ($HOSTNS) where the plugins run (bridge $BR, nftables tables, sysctls), an
# "outside" netns behind it, and container netns (in $CNS) made by the tests;
# teardown deletes them all and kills what the tests started (in $PIDS).

bats_require_minimum_version 1.5.0
load helpers
load portmap_lib

setup() { pm_setup; }
# a section may register more cleanups in SECURITY_CLEANUPS; they run first
SECURITY_CLEANUPS=()
teardown() {
	local f
	for f in "${SECURITY_CLEANUPS[@]}"; do "$f"; done
	pm_teardown
}

# --- A container reaches nothing on the host's loopback (issue 19 §1) ---
#
# portmap turns route_localnet on for the bridge (so that the host's
# 127.0.0.1:hostPort reaches a container, as the reference). That sysctl
# also lets a frame from a container to the bridge's MAC with destination
# 127.0.0.1 be delivered to the host's loopback services (CVE-2020-8558).
# A container crafts such frames (test/helpers/raw-send, AF_PACKET): they
# reach the host (a counter before any of ours says so) and no listener on
# the host's 127.0.0.1. The private "host" netns and bridge are
# portmap_lib's.

LOCALNET_MAPS='[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5353,"containerPort":53,"protocol":"udp"}]'
LOCALNET_UDP=7001 # the host's loopback-only services
LOCALNET_TCP=7002

localnet_setup() {
	[ -x "$CNI_TEST_BIN/raw-send" ] || fail "no raw-send in CNI_TEST_BIN=$CNI_TEST_BIN"
	[ -x "$CNI_TEST_BIN/udp-seen" ] || fail "no udp-seen in CNI_TEST_BIN=$CNI_TEST_BIN"
	# counts what arrives from the bridge for 127.0.0.0/8, before any
	# table of ours looks at it (a test table of its own in the private
	# host netns): the crafted frames do reach the host
	ip netns exec "$HOSTNS" nft -f - <<-EOF
		table inet localnet_watch {
			chain pre {
				type filter hook prerouting priority -400;
				ip daddr 127.0.0.0/8 udp dport $LOCALNET_UDP counter name arrived_udp
				ip daddr 127.0.0.0/8 tcp dport $LOCALNET_TCP tcp flags syn counter name arrived_syn
			}
			chain in {
				type filter hook input priority 400;
				ip daddr 127.0.0.0/8 tcp dport $LOCALNET_TCP tcp flags syn counter name delivered_syn
			}
			counter arrived_udp {}
			counter arrived_syn {}
			counter delivered_syn {}
		}
	EOF
}

# localnet_count NAME: packets counted by the watch table's counter NAME
localnet_count() {
	ip netns exec "$HOSTNS" nft -j list counter inet localnet_watch "$1" |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

# localnet_listen: the host's loopback-only services: a UDP listener
# (udp-seen: prints the source of the first datagram it receives) and a TCP listener that
# never accepts (a SYN that reached it leaves a SYN-RECV request)
localnet_listen() {
	ip netns exec "$HOSTNS" "$CNI_TEST_BIN/udp-seen" 127.0.0.1 "$LOCALNET_UDP" 30 \
		>"$D/udp-seen.out" 2>&1 &
	LOCALNET_UDP_PID=$!
	PIDS+=("$LOCALNET_UDP_PID")
	ip netns exec "$HOSTNS" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
open(sys.argv[2], "w").close()
time.sleep(60)' "$LOCALNET_TCP" "$D/tcp-ready" >/dev/null 2>&1 3>&- &
	PIDS+=($!)
	local i
	for i in $(seq 300); do
		grep -q ready "$D/udp-seen.out" 2>/dev/null && [ -e "$D/tcp-ready" ] && return 0
		sleep 0.05
	done
	fail "the loopback listeners did not start"
}

# localnet_craft NS IP PROTO DPORT: from container NS (address IP), frames
# to the bridge's MAC for 127.0.0.1:DPORT
localnet_craft() {
	local mac
	mac=$(ip -n "$HOSTNS" -j link show "$BR" | jq -r '.[0].address')
	ip netns exec "$1" "$CNI_TEST_BIN/raw-send" eth0 "$mac" "$2" 127.0.0.1 "$3" 40000 "$4" 3 ||
		fail "raw-send failed"
}

# localnet_assert_dropped NS IP: crafted UDP and TCP SYN from NS reach the
# host and none of its loopback listeners
localnet_assert_dropped() {
	local udp0 syn0 del0
	udp0=$(localnet_count arrived_udp)
	syn0=$(localnet_count arrived_syn)
	del0=$(localnet_count delivered_syn)
	localnet_listen
	localnet_craft "$1" "$2" udp "$LOCALNET_UDP"
	localnet_craft "$1" "$2" tcp "$LOCALNET_TCP"
	# the frames did arrive (3 of each)...
	[ "$(localnet_count arrived_udp)" -ge $((udp0 + 3)) ] ||
		fail "the crafted UDP frames never reached the host"
	[ "$(localnet_count arrived_syn)" -ge $((syn0 + 3)) ] ||
		fail "the crafted SYNs never reached the host"
	# ...and were not delivered. UDP: a datagram the host sends itself
	# afterwards is the first one the listener sees; TCP: no SYN reached
	# local input, no request waits in the listener's queue
	local bad=() syn seen
	ip netns exec "$HOSTNS" bash -c "echo control >/dev/udp/127.0.0.1/$LOCALNET_UDP"
	wait "$LOCALNET_UDP_PID" || fail "udp-seen: $(cat "$D/udp-seen.out")"
	seen=$(tail -n1 "$D/udp-seen.out")
	[ "$seen" = 127.0.0.1 ] ||
		bad+=("a crafted datagram reached the host's 127.0.0.1:$LOCALNET_UDP, from $seen")
	syn=$(localnet_count delivered_syn)
	[ "$syn" = "$del0" ] ||
		bad+=("$((syn - del0)) crafted SYN(s) reached the host's 127.0.0.1:$LOCALNET_TCP")
	syn=$(ip netns exec "$HOSTNS" ss -Htn state syn-recv "sport = :$LOCALNET_TCP")
	[ -z "$syn" ] || bad+=("the host's listener on 127.0.0.1:$LOCALNET_TCP holds: $syn")
	[ ${#bad[@]} = 0 ] || fail "$(printf '%s\n' "${bad[@]}")"
}

# the drop's elements: the interfaces listed in set localnet-ifs
localnet_ifs() {
	ip netns exec "$HOSTNS" nft -j list set inet cni_c_portmap localnet-ifs 2>/dev/null |
		jq -r '.nftables[] | select(.set) | .set.elem // [] | .[]' || true
}

@test "security: crafted UDP and TCP SYN from a container to the host's 127.0.0.1 are dropped" {
	localnet_setup
	new_ctr a
	pm_ok ADD "$(pm_conf "$LOCALNET_MAPS")"
	[ "$(ip netns exec "$HOSTNS" cat "/proc/sys/net/ipv4/conf/$BR/route_localnet")" = 1 ]
	localnet_assert_dropped "$NS" "$IP4"
	# a spoofed source changes nothing, a loopback one included (which
	# kube-proxy's drop lets through)
	localnet_assert_dropped "$NS" 127.0.0.1
	# a container of the bridge without mappings of its own: the same
	new_ctr b
	localnet_assert_dropped "$NS" "$IP4"
}

@test "security: with the localnet drop, 127.0.0.1:hostPort from the host and hairpin still work" {
	localnet_setup
	new_ctr a
	pm_ok ADD "$(pm_conf "$LOCALNET_MAPS")"
	serve tcp "$NS" :: 80 A
	serve udp "$NS" :: 53 U
	# the host to its own 127.0.0.1:hostPort (masqueraded to the bridge)
	run talk tcp "$HOSTNS" 127.0.0.1 8080
	assert_output "A peer=$GW4"
	run talk udp "$HOSTNS" 127.0.0.1 5353 40123
	assert_output "U peer=$GW4"
	# hairpin: the container to its own host port through the host's address
	run talk tcp "$NS" "$OUT_HOST4" 8080
	assert_output "A peer=$GW4"
	run talk udp "$NS" "$OUT_HOST4" 5353 40124
	assert_output "U peer=$GW4"
	# from outside, unchanged
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_PEER4"
	# the drop, after dstnat has decided: nothing new, untracked or
	# invalid reaches 127.0.0.0/8 from the bridge unless DNAT'd
	run ip netns exec "$HOSTNS" nft list chain inet cni_c_portmap localnet
	assert_output --partial "type filter hook prerouting priority filter; policy accept;"
	assert_output --partial "iifname @localnet-ifs ip daddr 127.0.0.0/8 ct state invalid,untracked drop"
	assert_output --partial "iifname @localnet-ifs ip daddr 127.0.0.0/8 ct state ! established,related ct status ! dnat drop"
	# CHECK knows the drop: without its element, CHECK fails
	pm_ok CHECK "$(pm_conf "$LOCALNET_MAPS")"
	ip netns exec "$HOSTNS" nft delete element inet cni_c_portmap localnet-ifs "{ \"$BR\" }"
	pm_run CHECK "$(pm_conf "$LOCALNET_MAPS")"
	assert_cni_error 105
	run jq -r .msg <<<"$output"
	assert_output --partial "localnet-ifs"
	# a second ADD puts it back
	pm_ok ADD "$(pm_conf "$LOCALNET_MAPS")"
	pm_ok CHECK "$(pm_conf "$LOCALNET_MAPS")"
}

@test "security: the localnet drop lives as long as route_localnet on the bridge; DEL keeps it, GC removes it with the bridge" {
	localnet_setup
	new_ctr a
	local a_cid=$CID a_conf
	a_conf=$(pm_conf "$LOCALNET_MAPS")
	pm_ok ADD "$a_conf"
	new_ctr b
	local b_cid=$CID b_ns=$NS b_ip=$IP4 b_conf
	b_conf=$(pm_conf '[{"hostPort":8081,"containerPort":80,"protocol":"tcp"}]')
	pm_ok ADD "$b_conf"
	# one element for the bridge, shared by both containers
	run localnet_ifs
	assert_output "$BR"
	# every mapping deleted: route_localnet stays on (as the reference), so
	# does the drop: a container left on the bridge still cannot reach
	# the host's loopback
	CID=$a_cid pm_ok DEL "$a_conf"
	CID=$b_cid pm_ok DEL "$b_conf"
	[ -z "$(pm_owned "$NET/$a_cid/eth0")$(pm_owned "$NET/$b_cid/eth0")" ] || fail "$(pm_table)"
	[ "$(ip netns exec "$HOSTNS" cat "/proc/sys/net/ipv4/conf/$BR/route_localnet")" = 1 ]
	run localnet_ifs
	assert_output "$BR"
	localnet_assert_dropped "$b_ns" "$b_ip"
	# GC keeps it while the bridge has route_localnet on...
	local gc
	gc=$(jq -nc --arg net "$NET" \
		'{cniVersion: "1.1.0", name: $net, type: "portmap", "cni.dev/valid-attachments": []}')
	pm_ok GC "$gc"
	run localnet_ifs
	assert_output "$BR"
	# ...and removes it once route_localnet is off, or the bridge is gone:
	# the table is left as before the first ADD's drop (sets empty)
	ip netns exec "$HOSTNS" sysctl -qw "net.ipv4.conf.$BR.route_localnet=0"
	pm_ok GC "$gc"
	run localnet_ifs
	assert_output ""
	pm_ok ADD "$b_conf"
	run localnet_ifs
	assert_output "$BR"
	ip -n "$HOSTNS" link del "$BR"
	pm_ok GC "$gc"
	run localnet_ifs
	assert_output ""
	[ -z "$(pm_table | grep -e 'comment "' -e 'elements')" ] || fail "$(pm_table)"
}

@test "security: route_localnet goes on only once the drop is in; when that fails, ADD leaves no mapping" {
	local fbin=${CNI_FAULT_BIN:-${CNI_TEST_BIN}-fault}
	[ -x "$fbin/portmap" ] || fail "no fault build in $fbin (make FAULT=1 plugins)"
	localnet_setup
	new_ctr a
	# the ADD's netlink requests: the route to the container, then the
	# sysctl (after the batch with the mappings and the drop): it fails
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=ADD \
		CNI_CONTAINERID="$CID" CNI_NETNS="$NSP" CNI_IFNAME=eth0 CNI_PATH="$fbin" \
		CNI_FAULT=netlink:2:EIO CNI_FAULT_LOG="$D/fault.log" "$fbin/portmap" \
		<<<"$(pm_conf "$LOCALNET_MAPS")"
	assert_cni_error 101
	run jq -r .msg <<<"$output"
	assert_output --partial "route_localnet"
	run cat "$D/fault.log"
	assert_output "netlink 2 EIO rtnetlink 19" # RTM_SETLINK
	[ "$(ip netns exec "$HOSTNS" cat "/proc/sys/net/ipv4/conf/$BR/route_localnet")" = 0 ]
	run pm_owned "$NET/$CID/eth0"
	assert_output ""
	# again, without the failure
	pm_ok ADD "$(pm_conf "$LOCALNET_MAPS")"
	[ "$(ip netns exec "$HOSTNS" cat "/proc/sys/net/ipv4/conf/$BR/route_localnet")" = 1 ]
	run localnet_ifs
	assert_output "$BR"
	localnet_assert_dropped "$NS" "$IP4"
}

@test "security: without an IPv4 mapping, route_localnet stays off and no drop is made" {
	localnet_setup
	new_ctr a
	pm_ok ADD "$(pm_conf '[{"hostPort":8083,"containerPort":80,"protocol":"tcp","hostIP":"2001:db8:1::1"}]')"
	[ -n "$(pm_owned "$NET/$CID/eth0")" ] || fail "no mapping: $(pm_table)"
	[ "$(ip netns exec "$HOSTNS" cat "/proc/sys/net/ipv4/conf/$BR/route_localnet")" = 0 ]
	run localnet_ifs
	assert_output ""
	pm_ok CHECK "$(pm_conf '[{"hostPort":8083,"containerPort":80,"protocol":"tcp","hostIP":"2001:db8:1::1"}]')"
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
	pm_setup
	edited_case "$EDITED_COND" .
	pm_teardown
	pm_setup
	edited_case "$EDITED_COND" "$EDITED_COND2"
}

@test "edited conflist: masqAll flipped either way, with conditions too" {
	edited_case '.masqAll = true' .
	pm_teardown
	pm_setup
	edited_case . '.masqAll = true'
	pm_teardown
	pm_setup
	edited_case "$EDITED_COND | .masqAll = true" '.snat = false'
}

@test "edited conflist: DEL without prevResult finds the elements of the old config too" {
	local a_owner
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
				select(type == "object" and .elem.comment? == $o)] | length)"' |
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
	new_ctr a
	many_cycle 4096 "$(printf '%s\n' 'dnat4 4096' 'dnat6 4096' 'hairpin4-24 4096' 'hairpin6-64 4096' 'localhost4 4096')"
}

@test "port mappings past the old limit (63, 300), dual-stack, with another container waiting on each port" {
	local n a_cid a_res conf
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

# --- A container cannot send with another source MAC (macspoofchk) ---
#
# With macspoofchk, a frame whose Ethernet source (or, for ARP, sender
# hardware address) is not the container's own MAC is dropped at the
# container's bridge port, before the bridge learns it. The frames are
# crafted with an AF_PACKET socket in the container (CAP_NET_RAW, which
# container runtimes grant by default); an AF_PACKET listener in a second
# container reports what reaches it. The forged MAC is a third container's,
# so a frame that got through would also move that container's forwarding
# entry to the sender's port (its traffic would go to the sender).

SPOOF_PORT=7777

spoof_write_frames() {
	cat >"$D/spoof_frames.py" <<-'EOF'
		# send IFACE OWN_MAC OWN_IP FORGED_MAC DST_MAC DST_IP: forged frames
		#   first, then the same with the own MAC, then an end marker
		# recv IFACE READY SRC_IP TIMEOUT: print, per frame that arrives,
		#   "udp <ether src>" or "arp <ether src> <sender MAC>"; stop at the
		#   end marker (exit 0) or the timeout (exit 1)
		import socket, struct, sys, time
		PORT = 7777
		def mac(s): return bytes.fromhex(s.replace(":", ""))
		def mtext(b): return ":".join("%02x" % x for x in b)
		def csum(b):
		    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
		    while s >> 16:
		        s = (s & 0xffff) + (s >> 16)
		    return ~s & 0xffff
		def udp(esrc, edst, sip, dip, payload):
		    u = struct.pack("!HHHH", 40000, PORT, 8 + len(payload), 0) + payload
		    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 0, 0x4000, 64, 17, 0,
		                    socket.inet_aton(sip), socket.inet_aton(dip))
		    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
		    return mac(edst) + mac(esrc) + b"\x08\x00" + h + u
		def arp(esrc, sha, spa, tpa):
		    a = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac(sha),
		                    socket.inet_aton(spa), bytes(6), socket.inet_aton(tpa))
		    return b"\xff" * 6 + mac(esrc) + b"\x08\x06" + a
		if sys.argv[1] == "send":
		    ifc, own, oip, forged, dmac, dip = sys.argv[2:8]
		    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
		    s.bind((ifc, 0))
		    for f in (udp(forged, dmac, oip, dip, b"cni-spoof"), arp(own, forged, oip, dip),
		              arp(forged, forged, oip, dip), udp(own, dmac, oip, dip, b"cni-spoof"),
		              arp(own, own, oip, dip), udp(own, dmac, oip, dip, b"cni-spoof end")):
		        s.send(f)
		        time.sleep(0.02)
		    sys.exit(0)
		ifc, ready, sip, timeout = sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
		s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
		s.bind((ifc, 0))
		open(ready, "w").close()
		end = time.time() + timeout
		while time.time() < end:
		    s.settimeout(max(end - time.time(), 0.01))
		    try:
		        f, addr = s.recvfrom(2048)
		    except socket.timeout:
		        break
		    if addr[2] == socket.PACKET_OUTGOING or len(f) < 42:
		        continue
		    etype = f[12:14]
		    if etype == b"\x08\x00" and f[23] == 17 and f[36:38] == struct.pack("!H", PORT):
		        if f[42:] == b"cni-spoof end":
		            sys.exit(0)
		        if f[42:] == b"cni-spoof":
		            print("udp", mtext(f[6:12]), flush=True)
		    elif etype == b"\x08\x06" and f[20:22] == b"\x00\x01" and f[28:32] == socket.inet_aton(sip):
		        print("arp", mtext(f[6:12]), mtext(f[22:28]), flush=True)
		sys.exit(1)
	EOF
}

# spoof_ctr NAME MACSPOOFCHK: an IPv4 container on $BR; sets $NS, $IP4, $MAC
# and $VETH (its bridge port)
spoof_ctr() {
	local conf
	conf=$(V4ONLY=1 br_conf | jq -c --argjson c "$2" '.macspoofchk = $c')
	NS=cni-test-pm$1$TAG
	ip netns add "$NS" || return 1
	CNS+=("$NS")
	ip -n "$NS" link set lo up
	RES=$(ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID="ctr-$1-$TAG" \
		CNI_NETNS="/var/run/netns/$NS" CNI_IFNAME=eth0 CNI_PATH="$CNI_TEST_BIN" \
		"$CNI_TEST_BIN/bridge" <<<"$conf") || fail "bridge ADD: $RES"
	IP4=$(jq -r '.ips[0].address | split("/")[0]' <<<"$RES")
	MAC=$(jq -r '.interfaces[2].mac' <<<"$RES")
	VETH=$(jq -r '.interfaces[1].name' <<<"$RES")
	# the bridge learns this MAC on this port (the gateway answers)
	ip netns exec "$NS" ping -c1 -w10 "$GW4" >/dev/null || fail "no IPv4 to the gateway"
}

# spoof_fdb_port MAC: the bridge port on which $BR forwards to MAC ("" if none)
spoof_fdb_port() {
	bridge -n "$HOSTNS" -j fdb show br "$BR" |
		jq -r --arg m "$1" '[.[] | select(.mac == $m and .ifname != null)][0].ifname // ""'
}

# spoof_send SENDER_NS SENDER_MAC SENDER_IP FORGED_MAC RECV_NS RECV_MAC RECV_IP:
# the crafted frames from the sender; $output gets what the receiver saw
spoof_send() {
	local ready=$D/spoof-ready-$RANDOM pid
	ip netns exec "$5" /usr/bin/python3 "$D/spoof_frames.py" recv eth0 "$ready" "$3" 10 \
		>"$D/spoof.seen" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for _ in $(seq 100); do
		[ -e "$ready" ] && break
		sleep 0.05
	done
	[ -e "$ready" ] || fail "the receiver in $5 did not start"
	ip netns exec "$1" /usr/bin/python3 "$D/spoof_frames.py" send eth0 "$2" "$3" "$4" "$6" "$7" ||
		fail "sending from $1 failed"
	wait "$pid" || fail "the end marker never arrived: $(cat "$D/spoof.seen")"
	output=$(cat "$D/spoof.seen")
}

@test "spoofed MAC: with macspoofchk, frames and ARP with another container's MAC never leave the port" {
	spoof_write_frames
	spoof_ctr b false
	local b_ns=$NS b_ip=$IP4 b_mac=$MAC
	spoof_ctr c false
	local c_mac=$MAC c_veth=$VETH
	spoof_ctr a true
	[ "$(spoof_fdb_port "$c_mac")" = "$c_veth" ]
	spoof_send "$NS" "$MAC" "$IP4" "$c_mac" "$b_ns" "$b_mac" "$b_ip"
	# only the frames with a's own MAC, as Ethernet source and ARP sender
	assert_output "udp $MAC
arp $MAC $MAC"
	# the bridge never learned c's MAC on a's port
	[ "$(spoof_fdb_port "$c_mac")" = "$c_veth" ]
	[ "$(spoof_fdb_port "$MAC")" = "$VETH" ]
}

@test "spoofed MAC: the same frames from a container without macspoofchk arrive (the test's control)" {
	spoof_write_frames
	spoof_ctr b false
	local b_ns=$NS b_ip=$IP4 b_mac=$MAC
	spoof_ctr c false
	local c_mac=$MAC c_veth=$VETH
	spoof_ctr a false
	spoof_send "$NS" "$MAC" "$IP4" "$c_mac" "$b_ns" "$b_mac" "$b_ip"
	assert_output "udp $c_mac
arp $MAC $c_mac
arp $c_mac $c_mac
udp $MAC
arp $MAC $MAC"
	# (the bridge then learned c's MAC on a's port, until c sends again:
	# too racy to assert here)
	[ "$c_veth" != "$VETH" ]
}

# --- The host takes no router advertisement from a container ---
#
# A container can send IPv6 router advertisements to everything on its
# bridge. The host does not take them: the bridge and the host veths have
# accept_ra 0 (as the reference), so a container can neither become the
# host's router nor give it an address. (Its neighbours take them under
# their own sysctls: not promised, docs/security.md; the test uses that as
# its proof that the advertisement went out.)

# ra_ctr NAME: a dual-stack container on a bridge with no gateway (so the
# host does not forward IPv6, and accept_ra alone decides); sets $NS
ra_ctr() {
	local conf
	conf=$(br_conf | jq -c '.isGateway = false | .isDefaultGateway = false')
	NS=cni-test-pmr$1$TAG
	ip netns add "$NS" || return 1
	CNS+=("$NS")
	ip -n "$NS" link set lo up
	RES=$(ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID="ctr-r$1-$TAG" \
		CNI_NETNS="/var/run/netns/$NS" CNI_IFNAME=eth0 CNI_PATH="$CNI_TEST_BIN" \
		"$CNI_TEST_BIN/bridge" <<<"$conf") || fail "bridge ADD: $RES"
}

# ra_send NETNS: a router advertisement (default router, prefix
# 2001:db8:bad::/64 for autoconfiguration) from NETNS's eth0 to all nodes
ra_send() {
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
pio = struct.pack("!BBBBIII16s", 3, 4, 64, 0xc0, 86400, 14400, 0,
                  socket.inet_pton(socket.AF_INET6, "2001:db8:bad::"))
s.sendto(ra + pio, ("ff02::1", 0, 0, socket.if_nametoindex("eth0")))'
}

@test "router advertisement: the host takes none from a container (its neighbours do)" {
	ra_ctr a
	local a_ns=$NS
	ra_ctr b
	[ "$(ip netns exec "$HOSTNS" cat /proc/sys/net/ipv6/conf/all/forwarding)" = 0 ]
	[ "$(ip netns exec "$HOSTNS" cat "/proc/sys/net/ipv6/conf/$BR/accept_ra")" = 0 ]
	# the container's link-local address must be usable (DAD done)
	for _ in $(seq 50); do
		ip -n "$a_ns" -6 addr show dev eth0 scope link | grep -q tentative || break
		sleep 0.1
	done
	ra_send "$a_ns"
	# proof it went out: b made a default route and an address of it
	for _ in $(seq 50); do
		ip -n "$NS" -6 route show default | grep -q "proto ra" && break
		sleep 0.1
	done
	run ip -n "$NS" -6 route show default
	assert_output --partial "proto ra"
	run ip -n "$NS" -6 addr show dev eth0
	assert_output --partial "2001:db8:bad:"
	# the host: no route, no address from it
	run ip -n "$HOSTNS" -6 route show table all
	refute_output --partial "proto ra"
	refute_output --partial "2001:db8:bad:"
	run ip -n "$HOSTNS" -6 addr
	refute_output --partial "2001:db8:bad:"
}

# --- Hostile port mappings are refused whole, or mapped exactly ---
#
# runtimeConfig.portMappings comes from the pod spec. A mapping with a port
# outside 1-65535, a protocol other than tcp, udp or sctp, or a hostIP that
# is no address refuses the whole ADD with code 7 before anything is made:
# no table, no element, route_localnet untouched (the reference fails on
# most of these, in iptables; README: portmap checks more up front). What
# the reference accepts (a protocol name in any case, a hostIP that is not
# local, or of the other family) is mapped exactly: the DNAT maps hold that
# key and nothing broader.

# pmcap_dnat: every DNAT map element of our table, one per line:
# "MAP KEY : VALUE OWNER" (nothing when there is no table)
pmcap_dnat() {
	ip netns exec "$HOSTNS" nft -j list table inet cni_c_portmap 2>/dev/null | jq -r '
		.nftables[] | select(.map) | .map | .name as $n | (.elem // [])[] |
		"\($n) \(.[0].elem.val.concat | map(tostring) | join(" . ")) : \(
		.[1].concat | map(tostring) | join(" . ")) \(.[0].elem.comment)"' | sort
}

# pmcap_base: this container's portmap config with "@PM@" for its mappings
# (built once: jq is slow on a loaded machine, and 4097 mappings are too
# long for an argument)
pmcap_base() { PMCAP_BASE=$(pm_conf '"@PM@"'); }

# pmcap_refused MAPPINGS_JSON MESSAGE: ADD is code 7 naming it, and leaves
# no table (so no element) and route_localnet off
pmcap_refused() {
	local state
	pm_run ADD "${PMCAP_BASE/'"@PM@"'/"$1"}"
	[ "$status" -ne 0 ] && [[ $output == *'"code":7,'* ]] || fail "not code 7 for $1: $output"
	[[ $output == *"$2"* ]] || fail "no \"$2\" in: $output"
	state=$(ip netns exec "$HOSTNS" sh -c "nft list table inet cni_c_portmap 2>/dev/null
		cat /proc/sys/net/ipv4/conf/$BR/route_localnet")
	[ "$state" = 0 ] || fail "a refused ADD of $1 left: $state"
}

@test "hostile port mappings: ports 0, 65536, -1, fractions, odd protocols, a bad hostIP: code 7, nothing made" {
	new_ctr a
	pmcap_base
	local ok='{"hostPort":8080,"containerPort":80,"protocol":"tcp"}'
	pmcap_refused '[{"hostPort":0,"containerPort":80,"protocol":"tcp"}]' "Invalid host port number: 0"
	pmcap_refused '[{"hostPort":65536,"containerPort":80,"protocol":"tcp"}]' "Invalid host port number: 65536"
	pmcap_refused '[{"hostPort":-1,"containerPort":80,"protocol":"tcp"}]' "Invalid host port number: -1"
	pmcap_refused '[{"hostPort":80,"containerPort":0,"protocol":"tcp"}]' "Invalid container port number: 0"
	pmcap_refused '[{"hostPort":80,"containerPort":65536,"protocol":"tcp"}]' "Invalid container port number: 65536"
	pmcap_refused '[{"hostPort":80.5,"containerPort":80,"protocol":"tcp"}]' "hostPort"
	pmcap_refused '[{"hostPort":1e20,"containerPort":80,"protocol":"tcp"}]' "hostPort"
	pmcap_refused '[{"hostPort":"80","containerPort":80,"protocol":"tcp"}]' "hostPort"
	pmcap_refused '[{"hostPort":80,"containerPort":80,"protocol":"icmp"}]' 'unsupported protocol \"icmp\"'
	pmcap_refused '[{"hostPort":80,"containerPort":80,"protocol":""}]' 'unsupported protocol \"\"'
	pmcap_refused '[{"hostPort":80,"containerPort":80,"protocol":"6"}]' 'unsupported protocol \"6\"'
	pmcap_refused '[{"hostPort":80,"containerPort":80,"protocol":"tcp "}]' 'unsupported protocol \"tcp \"'
	pmcap_refused '[{"hostPort":80,"containerPort":80}]' "protocol missing"
	pmcap_refused '[{"hostPort":80,"containerPort":80,"protocol":"tcp","hostIP":"192.0.2.0/24"}]' \
		'invalid hostIP \"192.0.2.0/24\"'
	pmcap_refused '[{"hostPort":80,"containerPort":80,"protocol":"tcp","hostIP":"localhost"}]' \
		'invalid hostIP \"localhost\"'
	# one bad entry among good ones: none of the good ones is made either
	pmcap_refused "[$ok,$ok,{\"hostPort\":65536,\"containerPort\":80,\"protocol\":\"udp\"}]" \
		"Invalid host port number: 65536"
}

@test "hostile port mappings: more than 4096 entries is code 7, nothing made" {
	new_ctr a
	pmcap_base
	local many
	many=$(jq -nc '[range(4097) | {hostPort: (1 + .), containerPort: 80, protocol: "tcp"}]')
	pmcap_refused "$many" "more than 4096 entries"
}

@test "hostile port mappings: protocol names in any case, ports 1 and 65535 are mapped exactly" {
	new_ctr a
	local owner=$NET/$CID/eth0
	pm_ok ADD "$(pm_conf '[{"hostPort":1,"containerPort":65535,"protocol":"TCP"},
		{"hostPort":65535,"containerPort":1,"protocol":"Sctp"},{"hostPort":53,"containerPort":53,"protocol":"uDp"}]')"
	run pmcap_dnat
	assert_output "dnat4 sctp . 65535 : $IP4 . 1 $owner
dnat4 tcp . 1 : $IP4 . 65535 $owner
dnat4 udp . 53 : $IP4 . 53 $owner
dnat6 sctp . 65535 : $IP6 . 1 $owner
dnat6 tcp . 1 : $IP6 . 65535 $owner
dnat6 udp . 53 : $IP6 . 53 $owner"
}

@test "hostile port mappings: a hostIP that is not local maps that address only (as the reference)" {
	new_ctr a
	pm_ok ADD "$(pm_conf '[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"198.51.100.7"}]')"
	# one element, keyed on that address: nothing in the every-address maps
	run pmcap_dnat
	assert_output "dnat4-ip 198.51.100.7 . tcp . 8080 : $IP4 . 80 $NET/$CID/eth0"
	# the host's own addresses are not forwarded
	serve tcp "$NS" :: 80 A
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output refused
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output refused
	# traffic the host forwards to that address is not DNAT'd either: only
	# packets to a local address are looked up (as the reference)
	ip -n "$OUTNS" route add 198.51.100.7/32 via "$OUT_HOST4"
	run talk tcp "$OUTNS" 198.51.100.7 8080
	refute_output --partial "A peer="
}

@test "hostile port mappings: a hostIP of the other family maps nothing of this one" {
	# an IPv4-only container, an IPv6 hostIP: success and nothing made (the
	# reference skips it too)
	V4ONLY=1 new_ctr a
	pm_run ADD "$(pm_conf '[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"2001:db8:1::1"}]')"
	assert_success
	[ -z "$(pm_table)" ]
	# dual stack: only the IPv6 element, for that address; an IPv4-mapped
	# IPv6 hostIP is the IPv4 address (as Go reads it)
	new_ctr b
	pm_ok ADD "$(pm_conf '[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"2001:db8:1::1"},
		{"hostPort":8081,"containerPort":80,"protocol":"tcp","hostIP":"::ffff:192.0.2.1"}]')"
	run pmcap_dnat
	assert_output "dnat4-ip 192.0.2.1 . tcp . 8081 : $IP4 . 80 $NET/$CID/eth0
dnat6-ip 2001:db8:1::1 . tcp . 8080 : $IP6 . 80 $NET/$CID/eth0"
	serve tcp "$NS" :: 80 B
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output refused
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "B peer=$OUT_PEER6"
}

# --- An address outside the configured ranges is never handed out ---
#
# The `ips` capability (runtimeConfig.ips), args.cni.ips and CNI_ARGS IP=
# come from the pod spec or its annotations. host-local hands out an
# address only from the configured ranges: a request outside every range,
# of another family, the network or broadcast address, the gateway, outside
# rangeStart-rangeEnd is refused (code 103; the reference: 999) before the
# store is touched; a taken address is never given to a second owner.

# ipsreq_conf [IPAM_FILTER] [TOP_FILTER]: a host-local config on 10.77.0.0/24
# with its own dataDir ($D/ipsreq)
ipsreq_conf() {
	jq -nc --arg net "$NET" --arg d "$D/ipsreq" '
		{cniVersion: "1.0.0", name: $net, type: "bridge",
		 ipam: ({type: "host-local", dataDir: $d, ranges: [[{subnet: "10.77.0.0/24"}]]} | '"${1:-.}"')} | '"${2:-.}"
}

# ipsreq_run CID CONF [CNI_ARGS]: host-local ADD (it never enters the netns)
ipsreq_run() {
	run --separate-stderr env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID="$1" \
		CNI_NETNS=/var/run/netns/unused CNI_IFNAME=eth0 CNI_PATH="$CNI_TEST_BIN" \
		CNI_ARGS="${3:-}" "$CNI_TEST_BIN/host-local" <<<"$2"
}

# ipsreq_refused HOW ADDR [IPAM_FILTER]: ADDR asked for through HOW (rc:
# runtimeConfig.ips, args: args.cni.ips, cniargs: CNI_ARGS IP=); ADD is
# code 103 naming it, and the store is untouched (not even made)
ipsreq_refused() {
	local c
	case $1 in
	rc) c=$(ipsreq_conf "${3:-.}" ".runtimeConfig = {ips: [\"$2\"]}") ;;
	args) c=$(ipsreq_conf "${3:-.}" ".args = {cni: {ips: [\"$2\"]}}") ;;
	cniargs) c=$(ipsreq_conf "${3:-.}") ;;
	esac
	if [ "$1" = cniargs ]; then
		ipsreq_run ctr-x "$c" "IgnoreUnknown=1;K8S_POD_NAME=p;IP=$2"
	else
		ipsreq_run ctr-x "$c"
	fi
	[ "$status" -ne 0 ] && [[ $output == *'"code":103,'* ]] || fail "$1 $2: not code 103: $output"
	[[ $output == *"${2%/*}"* ]] || fail "$1 $2: not named in $output"
	[ ! -e "$D/ipsreq/$NET" ] || fail "$1 $2 touched the store: $(ls -A "$D/ipsreq/$NET")"
}

@test "requested address: outside every range, other family, network, broadcast, gateway: 103, store untouched" {
	local narrow='.ranges = [[{subnet: "10.77.0.0/24", rangeStart: "10.77.0.10", rangeEnd: "10.77.0.20"}]]'
	ipsreq_refused rc 10.99.0.5/24
	ipsreq_refused args 10.99.0.5
	ipsreq_refused cniargs 10.99.0.5
	ipsreq_refused rc 0.0.0.0
	ipsreq_refused cniargs 255.255.255.255
	ipsreq_refused args fd77::5
	ipsreq_refused rc 10.77.0.0
	ipsreq_refused cniargs 10.77.0.255
	ipsreq_refused args 10.77.0.1
	ipsreq_refused cniargs 10.77.0.9 '.ranges = [[{subnet: "10.77.0.0/24", gateway: "10.77.0.9"}]]'
	# inside the subnet, outside rangeStart-rangeEnd
	ipsreq_refused rc 10.77.0.30 "$narrow"
	ipsreq_refused cniargs 10.77.0.2 "$narrow"
	# an IPv6 subnet's network (subnet-router anycast) address; the other family
	ipsreq_refused rc fd77:: '.ranges = [[{subnet: "fd77::/64"}]]'
	ipsreq_refused cniargs 10.77.0.5 '.ranges = [[{subnet: "fd77::/64"}]]'
}

@test "requested address: through the bridge, the ips capability outside every range leaves no link and no reservation" {
	local conf nsp=/var/run/netns/cni-test-pmx$TAG
	ip netns add "cni-test-pmx$TAG"
	CNS+=("cni-test-pmx$TAG")
	conf=$(V4ONLY=1 br_conf | jq -c '.runtimeConfig = {ips: ["10.99.0.5/24"]}')
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=ADD \
		CNI_CONTAINERID="ctr-x-$TAG" CNI_NETNS="$nsp" CNI_IFNAME=eth0 CNI_PATH="$CNI_TEST_BIN" \
		"$CNI_TEST_BIN/bridge" <<<"$conf"
	assert_cni_error 103
	run ip -n "$HOSTNS" -o link show type veth
	refute_output --partial "veth"
	run ip -n "cni-test-pmx$TAG" -o link show
	assert_output --partial "lo:"
	refute_output --partial "eth0"
	[ ! -e "$D/ipam/$NET" ] || fail "the store was touched: $(ls -A "$D/ipam/$NET")"
}

@test "requested address: a taken address never gets a second owner, also when ten ask at once" {
	local c i won=0
	c=$(ipsreq_conf)
	ipsreq_run holder "$c" "IP=10.77.0.5"
	assert_success
	ipsreq_run other "$c" "IP=10.77.0.5"
	assert_cni_error 103
	assert_output --partial "10.77.0.5"
	[ "$(cat "$D/ipsreq/$NET/10.77.0.5")" = $'holder\r\neth0' ]
	# ten containers ask for one free address at the same time: one wins
	for i in $(seq 10); do
		env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID="race-$i" \
			CNI_NETNS=/var/run/netns/unused CNI_IFNAME=eth0 CNI_PATH="$CNI_TEST_BIN" \
			CNI_ARGS="IP=10.77.0.6" \
			"$CNI_TEST_BIN/host-local" <<<"$c" >"$D/race-$i.out" 2>&1 &
	done
	wait
	for i in $(seq 10); do
		if jq -e '.ips[0].address == "10.77.0.6/24"' "$D/race-$i.out" >/dev/null 2>&1; then
			won=$((won + 1))
			[ "$(cat "$D/ipsreq/$NET/10.77.0.6")" = $'race-'"$i"$'\r\neth0' ]
		else
			jq -e '.code == 103' "$D/race-$i.out" >/dev/null || fail "race-$i: $(cat "$D/race-$i.out")"
		fi
	done
	[ "$won" = 1 ]
	# nothing else was reserved for the losers
	run bash -c "ls '$D/ipsreq/$NET' | grep -E '^[0-9]'"
	assert_output "10.77.0.5
10.77.0.6"
}

# --- A requested MAC that is not a unicast address is refused first ---
#
# The `mac` capability (runtimeConfig.mac), args.cni.mac and CNI_ARGS MAC=
# come from the pod spec or its annotations. A multicast (broadcast
# included) or all-zero MAC is refused with code 7 before anything is made:
# no bridge, no veth, no container interface, no reservation. The reference
# hands it to the kernel, which refuses it after the bridge was made (999).

# macreq_add MAC HOW: the bridge's ADD (IPv4) with MAC asked for through HOW
# (rc: runtimeConfig.mac, args: args.cni.mac, cniargs: CNI_ARGS MAC=), into
# the container netns $MACREQ_NS (made on first use)
macreq_add() {
	local conf cniargs=""
	if [ -z "${MACREQ_NS:-}" ]; then
		MACREQ_NS=cni-test-pmm$TAG
		ip netns add "$MACREQ_NS"
		CNS+=("$MACREQ_NS")
	fi
	conf=$(V4ONLY=1 br_conf)
	case $2 in
	rc) conf=$(jq -c --arg m "$1" '.runtimeConfig = {mac: $m}' <<<"$conf") ;;
	args) conf=$(jq -c --arg m "$1" '.args = {cni: {mac: $m}}' <<<"$conf") ;;
	cniargs) cniargs="IgnoreUnknown=1;K8S_POD_NAME=p;MAC=$1" ;;
	esac
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=ADD \
		CNI_CONTAINERID="ctr-m-$TAG" CNI_NETNS="/var/run/netns/$MACREQ_NS" CNI_IFNAME=eth0 \
		CNI_PATH="$CNI_TEST_BIN" CNI_ARGS="$cniargs" "$CNI_TEST_BIN/bridge" <<<"$conf"
}

# macreq_refused MAC HOW: code 7 naming it; no bridge, no veth, no
# container interface, no store
macreq_refused() {
	local links
	macreq_add "$1" "$2"
	[ "$status" -ne 0 ] && [[ $output == *'"code":7,'* ]] || fail "$2 $1: not code 7: $output"
	[[ $output == *"invalid MAC address \\\"$1\\\""* ]] || fail "$2 $1: not named in $output"
	links=$(ip -n "$HOSTNS" -o link show; ip -n "$MACREQ_NS" -o link show)
	[[ $links != *"$BR"* && $links != *veth* && $links != *eth0@* ]] || fail "$2 $1 left links: $links"
	[ ! -e "$D/ipam/$NET" ] || fail "$2 $1 touched the store: $(ls -A "$D/ipam/$NET")"
}

@test "requested MAC: multicast, broadcast or all zero, in any notation and way: code 7, nothing made" {
	macreq_refused 01:00:5e:00:00:01 rc
	macreq_refused 33:33:00:00:00:01 args
	macreq_refused 03-00-00-00-00-00 cniargs
	macreq_refused ff:ff:ff:ff:ff:ff rc
	macreq_refused ffff.ffff.ffff cniargs
	macreq_refused 00:00:00:00:00:00 rc
	macreq_refused 00-00-00-00-00-00 args
	macreq_refused 0000.0000.0000 cniargs
}

@test "requested MAC: a unicast MAC is the container's, exactly" {
	macreq_add 02:42:0a:4d:00:07 cniargs
	assert_success
	[ "$(ip -n "$MACREQ_NS" -j link show eth0 | jq -r '.[0].address')" = 02:42:0a:4d:00:07 ]
}

# --- Outside input is bounded (issue 19 §4) ---
#
# host-local stores a reservation's owner as "<containerID>\r\n<ifname>"
# and reads back at most 64 KiB of it (a bigger file is nobody's). So the
# longest container ID ADD accepts is 65519 bytes (65536 - 2 - 15, the
# longest ifname): a longer one is refused with code 4 before anything is
# written, and the longest one is found by DEL and kept by GC. resolvConf is
# read as the reference reads it (Go's bufio.Scanner): a line of 64 KiB or
# more is an error (code 7, the reference's 999), and so is any read
# failure; an ADD that fails there reserves nothing. host-local never
# enters the netns: no namespace is needed, everything lives in
# $BATS_TEST_TMPDIR.

BOUNDS_ID_MAX=65519

# bounds_conf [IPAM_EXTRA_JSON]: a 1.1.0 host-local config in our own dataDir
bounds_conf() {
	jq -nc --arg d "$BATS_TEST_TMPDIR/data" --argjson x "${1:-{\}}" \
		'{cniVersion: "1.1.0", name: "bounds", type: "bridge",
		  ipam: ({type: "host-local", dataDir: $d, ranges: [[{subnet: "10.79.0.0/24"}]]} + $x)}'
}

# bounds_hl CMD CONFIG [env...]: our host-local, as a runtime runs it
bounds_hl() {
	NETNS_PATH=/var/run/netns/bounds-unused run_plugin "$CNI_TEST_BIN/host-local" "$@"
}

# bounds_id N: a valid container ID of N bytes
bounds_id() {
	printf 'c%*s' "$(($1 - 1))" '' | tr ' ' 'a'
}

# bounds_nothing_written: the dataDir holds no network directory at all
bounds_nothing_written() {
	[ ! -e "$BATS_TEST_TMPDIR/data" ] || [ -z "$(ls -A "$BATS_TEST_TMPDIR/data")" ] ||
		fail "dataDir is not empty: $(ls -AR "$BATS_TEST_TMPDIR/data")"
}

# bounds_resolv_add PATH: ADD with resolvConf = PATH (killed after 10 s:
# without the bound, /dev/zero would eat memory until then)
bounds_resolv_add() {
	bounds_hl ADD "$(bounds_conf "$(jq -nc --arg r "$1" '{resolvConf: $r}')")" timeout 10
}

@test "bounds: a container ID too long for host-local's store is refused at ADD (code 4), nothing written" {
	local id
	id=$(bounds_id $((BOUNDS_ID_MAX + 1)))
	CID=$id IFNAME=eth0 bounds_hl ADD "$(bounds_conf)"
	assert_cni_error 4
	jq -e '.msg == "containerID is too long"' <<<"$output"
	bounds_nothing_written
	# the legal ifname does not matter: it is the ID's own bound
	CID=$id IFNAME=x bounds_hl ADD "$(bounds_conf)"
	assert_cni_error 4
	bounds_nothing_written
}

@test "bounds: the bridge (host-local in-process) refuses that ID before it makes anything" {
	local id
	id=$(bounds_id $((BOUNDS_ID_MAX + 1)))
	# in a network namespace of its own, which goes away with the shell
	run --separate-stderr unshare -n sh -c '
		env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID="$1" CNI_IFNAME=eth0 \
			CNI_NETNS=/var/run/netns/bounds-unused CNI_PATH="$2" "$2/bridge" <<-EOF
			$3
		EOF
		echo " exit $?"
		ip -o link show | grep -v " lo:" || true' sh "$id" "$CNI_TEST_BIN" \
		"$(bounds_conf | jq -c '.bridge = "bounds0"')"
	assert_success
	[[ "$output" == *'"code":4,"msg":"containerID is too long"'*" exit 1" ]] || fail "$output"
	bounds_nothing_written
}

@test "bounds: the longest container ID is added, kept by a GC that lists it, and found by DEL" {
	local id ifname=ifname-15-bytes nd=$BATS_TEST_TMPDIR/data/bounds valid
	id=$(bounds_id $BOUNDS_ID_MAX)
	CID=$id IFNAME=$ifname bounds_hl ADD "$(bounds_conf)"
	assert_success
	jq -e '.ips[0].address == "10.79.0.2/24"' <<<"$output"
	# the whole owner key is on disk: 65536 bytes, exactly what it wrote
	[ "$(stat -c %s "$nd/10.79.0.2")" -eq 65536 ]
	cmp "$nd/10.79.0.2" <(printf '%s\r\n%s' "$id" "$ifname")
	CID=$id IFNAME=$ifname bounds_hl CHECK "$(bounds_conf)"
	assert_success
	# a second ADD of that attachment is a duplicate, so it was recognised
	CID=$id IFNAME=$ifname bounds_hl ADD "$(bounds_conf)"
	assert_failure
	[ ! -e "$nd/10.79.0.3" ]
	# GC listing the attachment keeps it
	valid=$(jq -nc --arg c "$id" --arg i "$ifname" '{"cni.dev/valid-attachments": [{containerID: $c, ifname: $i}]}')
	bounds_hl GC "$(bounds_conf | jq -c --argjson v "$valid" '. + $v')"
	assert_success
	[ -e "$nd/10.79.0.2" ]
	# DEL finds it (through the owner index, then the file) and removes it
	CID=$id IFNAME=$ifname bounds_hl DEL "$(bounds_conf)"
	assert_success
	[ ! -e "$nd/10.79.0.2" ]
}

@test "bounds: resolvConf=/dev/zero fails at once with an error object and reserves nothing" {
	SECONDS=0
	bounds_resolv_add /dev/zero
	assert_cni_error 7
	jq -e '.msg == "ipam.resolvConf: cannot read /dev/zero" and (.details | test("token too long"))' <<<"$output"
	[ "$SECONDS" -lt 5 ]
	bounds_nothing_written
}

@test "bounds: a resolvConf line of 70 KiB fails (code 7); one of 65535 bytes is read" {
	local f=$BATS_TEST_TMPDIR/resolv.conf
	{
		echo "nameserver 10.79.0.53"
		printf '#%*s\n' 71679 '' # a comment is a line like any other
	} >"$f"
	bounds_resolv_add "$f"
	assert_cni_error 7
	jq -e '.details | test("line 2 is longer than 65535 bytes")' <<<"$output"
	bounds_nothing_written
	# 65535 bytes (the most bufio.Scanner's 64 KiB takes with its newline),
	# and the same as the last line, without a newline
	{
		printf 'search a.example%*s\n' 65519 ''
		echo "nameserver 10.79.0.53"
		printf 'options ndots:2 %*s' 65519 ''
	} >"$f"
	[ "$(head -1 "$f" | wc -c)" -eq 65536 ]
	[ "$(tail -1 "$f" | wc -c)" -eq 65535 ]
	bounds_resolv_add "$f"
	assert_success
	jq -ce '.dns == {nameservers: ["10.79.0.53"], search: ["a.example"], options: ["ndots:2"]}' <<<"$output"
	[ -e "$BATS_TEST_TMPDIR/data/bounds/10.79.0.2" ]
}

@test "bounds: a resolvConf that cannot be read (a directory, a missing file) fails and reserves nothing" {
	bounds_resolv_add "$BATS_TEST_TMPDIR"
	assert_cni_error 7
	jq -e '.details == "Is a directory"' <<<"$output"
	bounds_resolv_add "$BATS_TEST_TMPDIR/missing"
	assert_cni_error 7
	jq -e '.details == "No such file or directory"' <<<"$output"
	bounds_nothing_written
}
