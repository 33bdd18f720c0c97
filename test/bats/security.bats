#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The project's security promise, one section per guarantee;
# docs/security.md cites these tests. Every case asserts what the kernel
# holds or what traffic does, not just an exit code.
#
# Each section brings its own setup (helpers with a prefix of its own) and
# registers its cleanup in SECURITY_CLEANUPS, which teardown runs.

bats_require_minimum_version 1.5.0
load helpers
load portmap_lib

SECURITY_CLEANUPS=()
teardown() {
	local f
	for f in "${SECURITY_CLEANUPS[@]}"; do "$f"; done
	return 0
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
	SECURITY_CLEANUPS+=(pm_teardown)
	pm_setup
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
