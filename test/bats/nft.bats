#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge's nftables policy (plugins/bridge/nftables.h) through the nftctl driver. Every nftables change happens inside
# network namespaces made here (nftctl --netns): the host's ruleset,
# interfaces and routes are never touched.

load helpers

setup() {
	TAG=$(uniq_tag)
	NS=nftt-$TAG
	NSES=("$NS")
	ip netns add "$NS"
	NFTCTL=$CNI_TEST_BIN/nftctl
	[ -x "$NFTCTL" ] || skip "no $NFTCTL (make all)"
}

teardown() {
	local n
	for n in "${NSES[@]}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$n" 2>/dev/null || true
	done
}

# A further namespace, removed by teardown.
add_ns() {
	ip netns add "$1"
	NSES+=("$1")
}

ctl() { "$NFTCTL" --netns "/run/netns/$NS" "$@"; }
nft_in() { ip netns exec "$NS" nft "$@"; }
in_ns() { ip netns exec "$NS" "$@"; }

# "set key owner" per element of the masquerade sets (inet cni_c_bridge)
masq_elems() {
	nft_in -j list table inet cni_c_bridge |
		jq -r '.nftables[] | select(.set) | .set as $s | $s.elem[]? |
			"\($s.name) \(.elem.val) \(.elem.comment)"' | sort
}

# "key owner" per element of a set or map of bridge cni_c_bridge
# (concatenations joined with " . ", map values appended)
spoof_elems() {
	local kind=set
	[ "$1" = spoofchk_owners ] && kind=map
	nft_in -j list "$kind" bridge cni_c_bridge "$1" |
		jq -r '.nftables[] | select(.set or .map) | (.set // .map).elem[]? |
			(if type == "array" then . else [.] end) as $e |
			($e[0].elem.val | if type == "object" then .concat | join(" . ") else . end) as $k |
			($e[1] // null | if . == null then "" else " => " + (.concat | join(" . ")) end) as $v |
			"\($k) \($e[0].elem.comment)\($v)"' | sort
}

rule_count() { # family table chain
	nft_in -j list chain "$1" "$2" "$3" | jq '[.nftables[] | select(.rule)] | length'
}

# ---- masquerade ----

@test "masq: add for two owners shows elements with owners, a set and rule per subnet" {
	run ctl masq-add net1 ctrA eth0 10.1.2.3/24 fd00:1::3/64
	assert_success
	run ctl masq-add net1 ctrB eth0 10.1.2.4/24
	assert_success
	run masq_elems
	assert_output "masq4-10.1.2.0/24 10.1.2.3 net1/ctrA/eth0
masq4-10.1.2.0/24 10.1.2.4 net1/ctrB/eth0
masq6-fd00_1__/64 fd00:1::3 net1/ctrA/eth0"
	run nft_in list table inet cni_c_bridge
	assert_output --partial "type nat hook postrouting priority srcnat; policy accept;"
	assert_output --partial "ip saddr @masq4-10.1.2.0/24 ip daddr != 10.1.2.0/24 ip daddr != 224.0.0.0/4 masquerade"
	assert_output --partial "ip6 saddr @masq6-fd00_1__/64 ip6 daddr != fd00:1::/64 ip6 daddr != ff00::/8 masquerade"
	run ctl masq-check net1 ctrA eth0 10.1.2.3/24 fd00:1::3/64
	assert_success
}

@test "masq: rules grow with subnets, not containers; re-ADD is idempotent" {
	for i in 1 2 3 4 5 6; do
		ctl masq-add net1 "ctr$i" eth0 "10.1.2.$i/24"
		ctl masq-add net1 "ctr$i" eth0 "10.1.2.$i/24"
	done
	[ "$(rule_count inet cni_c_bridge postrouting)" = 1 ]
	[ "$(masq_elems | wc -l)" = 6 ]
	ctl masq-add net2 other eth0 10.3.0.2/16
	[ "$(rule_count inet cni_c_bridge postrouting)" = 2 ]
}

@test "masq: del removes only its own element; twice is fine" {
	ctl masq-add net1 ctrA eth0 10.1.2.3/24
	ctl masq-add net1 ctrB eth0 10.1.2.4/24
	# ctrB claims ctrA's address: not its element, nothing removed
	run ctl masq-del net1 ctrB eth0 10.1.2.3/24
	assert_success
	run masq_elems
	assert_line "masq4-10.1.2.0/24 10.1.2.3 net1/ctrA/eth0"
	assert_line "masq4-10.1.2.0/24 10.1.2.4 net1/ctrB/eth0"
	run ctl masq-del net1 ctrA eth0 10.1.2.3/24
	assert_success
	run masq_elems
	assert_output "masq4-10.1.2.0/24 10.1.2.4 net1/ctrB/eth0"
	run ctl masq-del net1 ctrA eth0 10.1.2.3/24
	assert_success
	run ctl masq-check net1 ctrA eth0 10.1.2.3/24
	assert_failure
	assert_output --partial "10.1.2.3 is not masqueraded"
}

@test "masq: del never removes another network's element" {
	ctl masq-add netA ctr eth0 10.1.2.3/24
	ctl masq-add netB ctr eth0 10.7.0.3/16
	run ctl masq-del netA ctr eth0 10.7.0.3/16
	assert_success
	run ctl masq-del netA ctr eth0 # by owner: netA's only
	assert_success
	run masq_elems
	assert_output "masq4-10.7.0.0/16 10.7.0.3 netB/ctr/eth0"
}

@test "masq: del without addresses finds the owner's elements" {
	ctl masq-add net1 ctrA eth0 10.1.2.3/24 fd00:1::3/64
	ctl masq-add net1 ctrA eth1 10.1.3.3/24
	run ctl masq-del net1 ctrA eth0
	assert_success
	run masq_elems
	assert_output "masq4-10.1.3.0/24 10.1.3.3 net1/ctrA/eth1"
}

@test "masq: del and check with nothing installed" {
	run ctl masq-del net1 ctrA eth0 10.1.2.3/24
	assert_success
	run ctl masq-del net1 ctrA eth0
	assert_success
	run nft_in list tables
	refute_output --partial cni_c_bridge # DEL creates nothing
	run ctl masq-check net1 ctrA eth0 10.1.2.3/24
	assert_failure
}

@test "masq: ADD takes over a leaked element of another owner" {
	ctl masq-add net1 leaked eth0 10.1.2.3/24
	run ctl masq-add net1 ctrA eth0 10.1.2.3/24
	assert_success
	assert_output --partial "replacing" # a word on stderr
	run masq_elems
	assert_output "masq4-10.1.2.0/24 10.1.2.3 net1/ctrA/eth0"
}

@test "masq: a /0 subnet masquerades nothing; /32 and odd prefixes work" {
	run ctl masq-add net1 ctrA eth0 10.1.2.3/0 10.9.9.9/32 10.3.0.5/13
	assert_success
	[ "$(rule_count inet cni_c_bridge postrouting)" = 2 ]
	run nft_in list table inet cni_c_bridge
	assert_output --partial "set masq4-0.0.0.0/0"
	assert_output --partial "ip saddr @masq4-10.9.9.9/32 ip daddr != 10.9.9.9 ip daddr != 224.0.0.0/4 masquerade"
	assert_output --partial "ip saddr @masq4-10.0.0.0/13 ip daddr != 10.0.0.0/13 ip daddr != 224.0.0.0/4 masquerade"
}

@test "masq: a kernel refusal is a CNI error naming the object; nothing stays" {
	# the subnet's set name taken by a map: our element does not fit
	nft_in add table inet cni_c_bridge
	nft_in add map inet cni_c_bridge masq4-10.1.2.0/24 '{ type ipv4_addr : ipv4_addr; }'
	run ctl masq-add net1 ctrA eth0 10.1.2.3/24 10.1.7.3/24
	assert_failure
	assert_output --partial "masquerade for net1/ctrA/eth0"
	assert_output --partial "add element 10.1.2.3 inet cni_c_bridge masq4-10.1.2.0/24"
	assert_output --partial "(code 102)"
	run nft_in list table inet cni_c_bridge
	refute_output --partial postrouting # the whole transaction was undone
	refute_output --partial masq4-10.1.7.0/24
}

@test "masq: the address moved to another subnet: DEL by owner clears both" {
	ctl masq-add net1 ctrA eth0 10.1.2.3/24
	ctl masq-add net1 ctrA eth0 10.1.2.3/16
	run ctl masq-del net1 ctrA eth0
	assert_success
	run masq_elems
	assert_output ""
}

@test "parallel ADDs on a fresh table converge; parallel DELs empty it" {
	local i pids=()
	for i in $(seq 1 24); do
		ctl masq-add net1 "c$i" eth0 "10.$((i % 3)).0.$i/24" "fd00:$((i % 2))::$i/64" &
		pids+=($!)
		ctl spoofchk-add --network net1 "c$i" eth0 "veth$i" "02:00:00:00:00:$(printf %02x "$i")" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done # any failure fails the test
	[ "$(rule_count inet cni_c_bridge postrouting)" = 5 ] # one per subnet
	[ "$(masq_elems | wc -l)" = 48 ]
	[ "$(rule_count bridge cni_c_bridge prerouting)" = 2 ]
	[ "$(spoof_elems spoofchk_allowed | wc -l)" = 24 ]
	pids=()
	for i in $(seq 1 24); do
		ctl masq-del net1 "c$i" eth0 "10.$((i % 3)).0.$i/24" "fd00:$((i % 2))::$i/64" &
		pids+=($!)
		ctl spoofchk-del "c$i" eth0 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	[ "$(masq_elems | wc -l)" = 0 ]
	[ "$(spoof_elems spoofchk_ports | wc -l)" = 0 ]
	[ "$(spoof_elems spoofchk_owners | wc -l)" = 0 ]
}

# ---- GC ----

@test "gc: keeps valid owners and other networks, drops the rest" {
	ctl masq-add net1 keep eth0 10.1.2.3/24
	ctl masq-add net1 gone eth0 10.1.2.4/24 10.1.9.4/24
	ctl masq-add net2 other eth0 10.2.0.4/24
	ctl spoofchk-add --network net1 keep eth0 vk 02:00:00:00:00:01
	ctl spoofchk-add --network net1 gone eth0 vg 02:00:00:00:00:02
	ctl spoofchk-add --network net2 other eth0 vo 02:00:00:00:00:03
	ctl spoofchk-add nonet eth0 vn 02:00:00:00:00:04 # no network: never collected
	run ctl gc net1 keep/eth0
	assert_success
	run masq_elems
	assert_output "masq4-10.1.2.0/24 10.1.2.3 net1/keep/eth0
masq4-10.2.0.0/24 10.2.0.4 net2/other/eth0"
	run spoof_elems spoofchk_ports
	assert_output "vk net1/keep/eth0
vn /nonet/eth0
vo net2/other/eth0"
	run spoof_elems spoofchk_allowed
	refute_output --partial vg
	run spoof_elems spoofchk_owners
	refute_output --partial gone
	run ctl gc net1
	assert_success
	run masq_elems
	assert_output "masq4-10.2.0.0/24 10.2.0.4 net2/other/eth0"
}

@test "gc: nothing installed is fine" {
	run ctl gc net1 a/eth0
	assert_success
}

# ---- spoof check ----

@test "spoofchk: add, check, del (twice), with owners" {
	run ctl spoofchk-add --network net1 ctrA eth0 veth1234 02:00:00:00:00:0a
	assert_success
	run spoof_elems spoofchk_ports
	assert_output "veth1234 net1/ctrA/eth0"
	run spoof_elems spoofchk_allowed
	assert_output "veth1234 . 02:00:00:00:00:0a net1/ctrA/eth0"
	run spoof_elems spoofchk_owners
	assert_output --regexp '^[0-9a-f]{15} net1/ctrA/eth0 => veth1234 . 02:00:00:00:00:0a$'
	run nft_in list chain bridge cni_c_bridge prerouting
	assert_output --partial "iifname @spoofchk_ports iifname . ether saddr != @spoofchk_allowed drop"
	assert_output --partial "iifname @spoofchk_ports iifname . arp saddr ether != @spoofchk_allowed drop"
	run ctl spoofchk-check ctrA eth0 veth1234 02:00:00:00:00:0a
	assert_success
	run ctl spoofchk-check ctrA eth0 veth1234 02:00:00:00:00:0b
	assert_failure
	ctl spoofchk-add ctrB eth0 veth5678 02:00:00:00:00:0b
	run ctl spoofchk-del ctrA eth0
	assert_success
	run ctl spoofchk-del ctrA eth0
	assert_success
	run spoof_elems spoofchk_ports
	assert_output "veth5678 /ctrB/eth0"
	[ "$(spoof_elems spoofchk_allowed | wc -l)" = 1 ]
	[ "$(spoof_elems spoofchk_owners | wc -l)" = 1 ]
	[ "$(rule_count bridge cni_c_bridge prerouting)" = 2 ]
}

@test "spoofchk: re-ADD with a new MAC or port replaces the old entry" {
	ctl spoofchk-add ctrA eth0 vethA 02:00:00:00:00:0a
	ctl spoofchk-add ctrA eth0 vethA 02:00:00:00:00:0b
	ctl spoofchk-add ctrA eth0 vethB 02:00:00:00:00:0b
	run spoof_elems spoofchk_allowed
	assert_output "vethB . 02:00:00:00:00:0b /ctrA/eth0"
	run spoof_elems spoofchk_ports
	assert_output "vethB /ctrA/eth0"
}

@test "spoofchk: ADD on a port leaked by another owner replaces it" {
	ctl spoofchk-add leaked eth0 vethA 02:00:00:00:00:0a
	run ctl spoofchk-add ctrA eth0 vethA 02:00:00:00:00:0b
	assert_success
	run spoof_elems spoofchk_allowed
	assert_output "vethA . 02:00:00:00:00:0b /ctrA/eth0"
	run spoof_elems spoofchk_owners
	refute_output --partial leaked
}

@test "spoofchk: del with nothing installed" {
	run ctl spoofchk-del ctrA eth0
	assert_success
}

@test "spoofchk: frames and ARP with a foreign source MAC are dropped on the bridge" {
	local c=nftc-$TAG mac
	add_ns "$c"
	in_ns ip link add br0 type bridge
	in_ns ip link set br0 up
	in_ns ip addr add 10.99.0.1/24 dev br0
	in_ns ip link add vp0 type veth peer name eth0 netns "$c"
	in_ns ip link set vp0 master br0 up
	ip -n "$c" link set eth0 up
	ip -n "$c" addr add 10.99.0.2/24 dev eth0
	mac=$(ip -n "$c" -j link show eth0 | jq -r '.[0].address')
	run ip netns exec "$c" ping -c1 -W2 10.99.0.1
	assert_success
	run ctl spoofchk-add ctr eth0 vp0 "$mac"
	assert_success
	run ip netns exec "$c" ping -c1 -W2 10.99.0.1
	assert_success
	# an ARP request whose sender MAC is not the port's: dropped, so the
	# bridge host learns no neighbour from it (control: the honest one)
	arp() { # sender-mac sender-ip
		ip netns exec "$c" python3 -c '
import socket, struct, sys
mac = lambda s: bytes.fromhex(s.replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
eth = b"\xff" * 6 + mac(sys.argv[1]) + b"\x08\x06"
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac(sys.argv[2]) + \
      socket.inet_aton(sys.argv[3]) + b"\0" * 6 + socket.inet_aton("10.99.0.1")
s.send(eth + arp)' "$mac" "$1" "$2"
	}
	arp 02:de:ad:00:00:01 10.99.0.77
	arp "$mac" 10.99.0.78
	# the honest one, sent last, is learnt (poll: no fixed wait), so the
	# forged one has been through the bridge by then
	local i
	for i in $(seq 100); do
		in_ns ip neigh show 10.99.0.78 | grep -q "$mac" && break
		sleep 0.1
	done
	run in_ns ip neigh show 10.99.0.78
	assert_output --partial "$mac"
	run in_ns ip neigh show 10.99.0.77
	assert_output ""
	# another source MAC on the port: dropped
	ip -n "$c" link set eth0 address 02:de:ad:00:00:02
	ip -n "$c" neigh flush all
	run ip netns exec "$c" ping -c1 -W1 10.99.0.1
	assert_failure
	run ctl spoofchk-del ctr eth0
	assert_success
	# no check any more: the new MAC passes (neighbours relearnt)
	ip -n "$c" neigh flush all
	in_ns ip neigh flush all
	run ip netns exec "$c" ping -c1 -W2 10.99.0.1
	assert_success
}

# ---- the reference's leftovers ----

# The shapes the reference bridge leaves: iptables-nft chains for ctr-1
# and ctr-2 in ip/ip6 nat, and nftables-backend rules in inet
# cni_plugins_masquerade.
make_reference_state() {
	local c1 c2
	c1=$("$NFTCTL" legacy-chain mynet ctr-1)
	c2=$("$NFTCTL" legacy-chain mynet ctr-2)
	for c in "$c1" "$c2"; do
		in_ns iptables -t nat -N "$c"
		in_ns iptables -t nat -A "$c" -d 10.9.0.0/24 -j ACCEPT -m comment --comment "name: mynet id: x"
		in_ns iptables -t nat -A "$c" ! -d 224.0.0.0/4 -j MASQUERADE -m comment --comment "name: mynet id: x"
	done
	in_ns iptables -t nat -A POSTROUTING -s 10.9.0.2 -j "$c1" -m comment --comment 'name: "mynet" id: "ctr-1"'
	in_ns iptables -t nat -A POSTROUTING -s 10.9.0.3 -j "$c2" -m comment --comment 'name: "mynet" id: "ctr-2"'
	in_ns iptables -t nat -A POSTROUTING -s 10.9.0.9 -j MASQUERADE # someone else's
	in_ns ip6tables -t nat -N "$c1"
	in_ns ip6tables -t nat -A "$c1" ! -d ff00::/8 -j MASQUERADE
	in_ns ip6tables -t nat -A POSTROUTING -s fd09::2 -j "$c1"
	nft_in add table inet cni_plugins_masquerade
	nft_in add chain inet cni_plugins_masquerade masq_checks
	nft_in add chain inet cni_plugins_masquerade postrouting '{ type nat hook postrouting priority srcnat; }'
	nft_in add rule inet cni_plugins_masquerade postrouting goto masq_checks
	for id in ctr-1 ctr-2; do
		nft_in add rule inet cni_plugins_masquerade masq_checks ip saddr 10.9.0.2 \
			ip daddr != 10.9.0.0/24 masquerade comment "\"$("$NFTCTL" legacy-comment mynet "$id" eth0)\""
	done
	C1=$c1
	C2=$c2
}

@test "legacy: the reference's names" {
	run "$NFTCTL" legacy-chain mynet ctr-1
	assert_output "CNI-76edbb2e17c69aeb6041d986"
	run "$NFTCTL" legacy-comment mynet ctr-1 eth0
	assert_output "d23676b4f2d9fe04-1c8f6ae798001240, net: mynet, if: eth0, id: ctr-1"
}

@test "legacy: removes exactly the container's iptables-nft and nftables leftovers" {
	make_reference_state
	run ctl legacy-del mynet ctr-1 eth0
	assert_success
	run in_ns iptables -t nat -S
	refute_output --partial "$C1"
	assert_output --partial "-N $C2"
	assert_output --partial "-A POSTROUTING -s 10.9.0.3/32"
	assert_output --partial "-j $C2"
	assert_output --partial "-A POSTROUTING -s 10.9.0.9/32 -j MASQUERADE"
	assert_output --partial "-A $C2 ! -d 224.0.0.0/4"
	run in_ns ip6tables -t nat -S
	refute_output --partial "$C1"
	run nft_in list table inet cni_plugins_masquerade
	refute_output --partial "id: ctr-1"
	assert_output --partial "id: ctr-2"
	assert_output --partial "goto masq_checks"
	run ctl legacy-del mynet ctr-1 eth0
	assert_success
}

@test "legacy: nothing there is success" {
	run ctl legacy-del mynet ctr-1 eth0
	assert_success
	run nft_in list tables
	assert_output ""
}

# ---- end to end ----

# ctr (10.77.1.2/24, fd77:1::2/64) -- R (.1 on both sides, forwarding) --
# out (10.78.0.2/24, fd78::2/64; no route back to the container's subnet).
# R runs our ruleset. 10.76.0.0/14 and fd70::/12 cover out's addresses.
e2e_topology() {
	CTR=nftc-$TAG
	OUT=nfto-$TAG
	add_ns "$CTR"
	add_ns "$OUT"
	in_ns sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	in_ns ip link add vc type veth peer name eth0 netns "$CTR"
	in_ns ip link add vo type veth peer name eth0 netns "$OUT"
	in_ns ip addr add 10.77.1.1/24 dev vc
	in_ns ip addr add fd77:1::1/64 dev vc nodad
	in_ns ip addr add 10.78.0.1/24 dev vo
	in_ns ip addr add fd78::1/64 dev vo nodad
	in_ns ip link set vc up
	in_ns ip link set vo up
	ip -n "$CTR" addr add 10.77.1.2/24 dev eth0
	ip -n "$CTR" addr add fd77:1::2/64 dev eth0 nodad
	ip -n "$CTR" link set eth0 up
	ip -n "$CTR" route add default via 10.77.1.1
	ip -n "$CTR" -6 route add default via fd77:1::1
	ip -n "$OUT" addr add 10.78.0.2/24 dev eth0
	ip -n "$OUT" addr add fd78::2/64 dev eth0 nodad
	ip -n "$OUT" link set eth0 up
}

# probe DST PORT: one UDP datagram from ctr to out; prints the source out saw.
# The listener (test/helpers/udp-seen) says "ready" once bound: the datagram
# is sent only then (no fixed wait, however slow the machine).
probe() {
	local dst=$1 port=$2 f=$BATS_TEST_TMPDIR/seen.$2 pid i
	: >"$f"
	ip netns exec "$OUT" "$CNI_TEST_BIN/udp-seen" "$dst" "$port" 60 >"$f" 3>&- &
	pid=$!
	for i in $(seq 1200); do
		grep -q '^ready$' "$f" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	ip netns exec "$CTR" bash -c 'echo x >"/dev/udp/$1/$2"' _ "$dst" "$port"
	wait "$pid"
	grep -v '^ready$' "$f"
}

# bats test_tags=vm
@test "e2e: IPv4 leaving the subnet is masqueraded, inside it is not" {
	e2e_topology
	run probe 10.78.0.2 40001
	assert_output "10.77.1.2" # no masquerade yet
	run ctl masq-add mynet ctr eth0 10.77.1.2/24
	assert_success
	run probe 10.78.0.2 40002
	assert_output "10.78.0.1"
	run ctl masq-del mynet ctr eth0 10.77.1.2/24
	assert_success
	run probe 10.78.0.2 40003
	assert_output "10.77.1.2"
	# the container's subnet covering out's address: not masqueraded
	run ctl masq-add mynet ctr eth0 10.77.1.2/14
	assert_success
	run probe 10.78.0.2 40004
	assert_output "10.77.1.2"
}

# bats test_tags=vm
@test "e2e: IPv6 leaving the subnet is masqueraded, inside it is not" {
	e2e_topology
	run probe fd78::2 40011
	assert_output "fd77:1::2"
	run ctl masq-add mynet ctr eth0 fd77:1::2/64
	assert_success
	run probe fd78::2 40012
	assert_output "fd78::1"
	run ctl masq-del mynet ctr eth0 fd77:1::2/64
	assert_success
	run ctl masq-add mynet ctr eth0 fd77:1::2/12
	assert_success
	run probe fd78::2 40013
	assert_output "fd77:1::2"
}
