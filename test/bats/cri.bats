#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Kubernetes' path: Debian's containerd (1.6), its CRI plugin running the
# conflist conf/30-containerd.conflist (bridge + host-local with an IPv4
# and an IPv6 range, then portmap)
# and its own loopback network, with our plugins first in its bin_dir and
# the reference's for anything we do not ship.
#
# containerd is started by hand (test/helpers/cri/containerd.bash): its
# config, root, state (with the pod netns), socket, runc state, IPAM
# dataDir and log are under a temp dir, and it runs inside a "host" netns
# of the test's own (nsenter --net), so the bridge, the veths, forwarding
# and the nftables/iptables rules live there and vanish with it. The
# sandbox image is a static pause program packed as an OCI archive and
# imported with ctr (no registry). The pods are driven by our CRI client
# (test/helpers/cri/cri-client.py, Python grpc); traffic is sent from and
# to the pods' netns with nsenter.
#
# A second containerd ($T, in its own host netns $THOSTNS) has no conflist
# but our conf/containerd-template.conflist as its conf_template: the CRI
# client sends kubelet's UpdateRuntimeConfig with the node's podCIDR(s),
# containerd renders the conflist, and pods get addresses from it.
#
# The tests of this file build on each other, in order.

bats_require_minimum_version 1.5.0
load helpers
source "$BATS_TEST_DIRNAME/../helpers/cri/containerd.bash"

CONFLIST=$BATS_TEST_DIRNAME/../../conf/30-containerd.conflist
TEMPLATE=$BATS_TEST_DIRNAME/../../conf/containerd-template.conflist
# the cluster CIDRs the operator puts in the template's nonMasqueradeCIDRs
CLUSTER_CIDRS='["10.90.0.0/16", "fd00:90::/48"]'
NODE_IP=192.0.2.1 # the host netns's own address (on its lo)
HOST_PORT=18080
CTR_PORT=8080

setup_file() {
	local why
	why=$(crid_why_not)
	[ -n "$why" ] || [ -f "$CONFLIST" ] || why="no $CONFLIST"
	if [ -n "$why" ]; then
		export CRI_SKIP="containerd cannot run here: $why"
		return 0
	fi
	TAG=$(uniq_tag)
	# short path: shim and socket paths must stay < 108 bytes
	D=$(mktemp -d /tmp/cnicri.XXXXXX)
	HOSTNS=cnicri-h-$TAG
	NET=cnicri-$TAG
	CGP=cni-c-test-$TAG
	export TAG D HOSTNS NET CGP
	ip netns add "$HOSTNS"
	ip -n "$HOSTNS" link set lo up
	ip -n "$HOSTNS" addr add "$NODE_IP/32" dev lo
	crid_bin_dir "$D/bin" "$CNI_TEST_BIN"
	crid_config "$D" "$HOSTNS" "$D/bin" "$CONFLIST" "$NET"
	if ! out=$(crid_start "$D" 2>&1); then
		export CRI_FAIL="containerd did not start: $out"
		return 0
	fi
	# the conf_template one (the pause image built once, copied)
	T=$D/t
	THOSTNS=cnicri-t-$TAG
	TNET=cnicrit-$TAG
	export T THOSTNS TNET
	ip netns add "$THOSTNS"
	ip -n "$THOSTNS" link set lo up
	mkdir -p "$T"
	cp -r "$D/image" "$T/image"
	if ! CRID_NOMASQ=$CLUSTER_CIDRS crid_config "$T" "$THOSTNS" "$D/bin" "$TEMPLATE" "$TNET"; then
		export CRI_TFAIL="cannot make a test copy of $TEMPLATE"
	elif ! out=$(crid_start "$T" 2>&1); then
		export CRI_TFAIL="the conf_template containerd did not start: $out"
	fi
}

teardown_file() {
	[ -n "${D:-}" ] && [ -d "$D" ] || return 0
	[ -f "$D/server.pid" ] && kill "$(cat "$D/server.pid")" 2>/dev/null
	[ -n "${T:-}" ] && crid_stop "$T" "$CGP"
	crid_stop "$D" "$CGP"
	[ -n "${THOSTNS:-}" ] && ip netns del "$THOSTNS" 2>/dev/null
	[ -n "${HOSTNS:-}" ] && ip netns del "$HOSTNS" 2>/dev/null
	rm -rf "$D"
}

setup() {
	[ -z "${CRI_SKIP:-}" ] || skip "$CRI_SKIP"
	[ -z "${CRI_FAIL:-}" ] || fail "$CRI_FAIL"
}

cri() {
	crictl_ "$D" "$@"
}

# pod NAME: the pod's id, address (IPv4), all its addresses and its netns
# path from PodSandboxStatus, as $ID, $IP, $IPS, $NS
pod() {
	local j
	j=$(cri inspectp "$(cat "$D/pod-$1")") || fail "inspectp $1"
	ID=$(jq -r .id <<<"$j")
	IP=$(jq -r .ip <<<"$j")
	IPS=$(jq -r '.ips | join(" ")' <<<"$j")
	NS=$(jq -r .netns <<<"$j")
}

# in NETNS_PATH CMD...: run CMD in a pod's netns (the host's mounts)
in_ns() {
	local ns=$1
	shift
	nsenter --net="$ns" -- "$@"
}

# fetch NETNS_PATH HOST PORT: what the server at HOST:PORT says, retried
# for up to ~20 s (a DNAT rule or the server may still be coming)
fetch() {
	local ns=$1 host=$2 port=$3 i
	for i in $(seq 40); do
		run in_ns "$ns" timeout 5 "$CRID_PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
print(s.recv(100).decode().strip())' "$host" "$port"
		[ "$status" -eq 0 ] && [ -n "$output" ] && return 0
		sleep 0.5
	done
	return 0
}

@test "cri: containerd answers CRI Version; its bin_dir has ours first, the reference for the rest" {
	run cri version
	assert_success
	assert_output --regexp '^containerd 1\.[0-9]+.* v1$'
	local p
	for p in bridge host-local portmap loopback; do
		if [ -x "$CNI_TEST_BIN/$p" ]; then
			[ "$(readlink "$D/bin/$p")" = "$CNI_TEST_BIN/$p" ] || fail "$p is not ours"
		else
			[ "$(readlink "$D/bin/$p")" = "$REF_BIN/$p" ] || fail "$p is not the reference's"
		fi
	done
	run jq -r '[.plugins[].type] | join(" ")' "$D/net.d/10-$NET.conflist"
	assert_output "bridge portmap"
}

@test "cri: two pods get addresses on the bridge; lo is up in each" {
	run cri runp "pod1-$TAG" --cgroup-parent "/$CGP" --port "$HOST_PORT:$CTR_PORT"
	assert_success
	echo "$output" >"$D/pod-1"
	run cri runp "pod2-$TAG" --cgroup-parent "/$CGP"
	assert_success
	echo "$output" >"$D/pod-2"
	local ip1 ns1
	pod 1
	ip1=$IP ns1=$NS
	pod 2
	[[ $ip1 == 10.88.* && $IP == 10.88.* && $ip1 != "$IP" ]] || fail "addresses: '$ip1' '$IP'"
	[ -e "$ns1" ] && [ -e "$NS" ] || fail "no pod netns: '$ns1' '$NS'"
	# what PodSandboxStatus says is what the pod has
	run in_ns "$ns1" ip -4 -o addr show dev eth0
	assert_output --partial "inet $ip1/16"
	run in_ns "$ns1" ip route
	assert_output --partial "default via 10.88.0.1"
	# the loopback network
	run in_ns "$NS" ip -o link show lo
	assert_output --regexp '<LOOPBACK,UP,LOWER_UP>'
	run in_ns "$NS" ip -4 -o addr show dev lo
	assert_output --partial "inet 127.0.0.1/8"
	# the host side: the bridge with the gateway, two veths on it
	run ip -n "$HOSTNS" -4 -o addr show dev cni0
	assert_output --partial "inet 10.88.0.1/16"
	# (ip's stderr aside: naming a veth's peer netns, it can meet another
	# test's netns going away and say "Peer netns reference is invalid")
	run bash -c "ip -n $HOSTNS -o link show master cni0 2>/dev/null | grep -c veth"
	assert_output 2
	[ -f "$D/ipam/$NET/$ip1" ] || fail "no reservation for $ip1"
	[ -f "$D/ipam/$NET/$IP" ] || fail "no reservation for $IP"
}

@test "cri: the pods reach each other, the gateway and the host netns" {
	local ip1 ns1
	pod 1
	ip1=$IP ns1=$NS
	pod 2
	run in_ns "$ns1" ping -c1 -W2 "$IP"
	assert_success
	run in_ns "$NS" ping -c1 -W2 "$ip1"
	assert_success
	run in_ns "$ns1" ping -c1 -W2 10.88.0.1
	assert_success
	run in_ns "$NS" ping -c1 -W2 "$NODE_IP"
	assert_success
	run in_ns "$NS" ping -c1 -W2 127.0.0.1
	assert_success
}

@test "cri: the hostPort forwards to pod1 from another pod and from the host netns" {
	pod 1
	local ns1=$NS
	# a server in pod1's netns, bounded in time
	in_ns "$ns1" timeout 120 "$CRID_PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
while True:
    c, a = s.accept()
    c.sendall(b"hello-from-pod1\n")
    c.close()' "$CTR_PORT" >/dev/null 2>&1 3>&- &
	echo $! >"$D/server.pid"
	fetch "$ns1" 127.0.0.1 "$CTR_PORT"
	assert_output "hello-from-pod1"
	pod 2
	# another pod, to the node's address
	fetch "$NS" "$NODE_IP" "$HOST_PORT"
	assert_output "hello-from-pod1"
	# the host netns itself, to the node's address and the gateway
	fetch "/run/netns/$HOSTNS" "$NODE_IP" "$HOST_PORT"
	assert_output "hello-from-pod1"
	fetch "/run/netns/$HOSTNS" 10.88.0.1 "$HOST_PORT"
	assert_output "hello-from-pod1"
	kill "$(cat "$D/server.pid")" 2>/dev/null
	rm -f "$D/server.pid"
}

@test "cri: our bridge made the pods' nftables state (not the reference's iptables)" {
	pod 1
	run ip netns exec "$HOSTNS" nft list table inet cni_c_bridge
	assert_success
	assert_output --partial "$IP comment \"$NET/$ID/eth0\""
}

@test "cri: StopPodSandbox leaves no veth, reservation, nft element or port mapping; RemovePodSandbox succeeds" {
	local n ips=() ids=()
	for n in 1 2; do
		pod "$n"
		# shellcheck disable=SC2206 # the addresses, split
		ips+=($IPS)
		ids+=("$ID")
	done
	[ "${#ips[@]}" -ge 2 ] || fail "addresses: ${ips[*]}"
	for n in "${ids[@]}"; do
		run cri stopp "$n"
		assert_success
	done
	run ip -n "$HOSTNS" -o link show type veth
	assert_output ""
	for n in "${ips[@]}"; do
		[ ! -e "$D/ipam/$NET/$n" ] || fail "reservation of $n left"
	done
	# nothing but host-local's lock and last-reserved files
	run bash -c "ls '$D/ipam/$NET' | grep -vE '^(lock|last_reserved_ip\.[0-9]+)$'"
	assert_output ""
	run ip netns exec "$HOSTNS" nft list ruleset
	for n in "${ips[@]}"; do
		refute_output --partial "$n"
	done
	refute_output --partial "$HOST_PORT"
	run bash -c "ls /var/lib/cni/results/ 2>/dev/null | grep -F -- '$NET-'"
	assert_failure
	# Remove runs DEL again: it must succeed with nothing left to delete
	for n in "${ids[@]}"; do
		run cri rmp "$n"
		assert_success
	done
	run cri pods
	assert_output ""
}

@test "cri: containerd's log holds no CNI error, and shows setup and teardown" {
	run grep -cE 'begin cni setup' "$D/containerd.log"
	assert_output 2
	run grep -cE 'cni result:' "$D/containerd.log"
	assert_output 2
	run grep -E 'level=(error|fatal|panic)' "$D/containerd.log"
	assert_output ""
	run grep -iE 'failed to (setup|destroy|teardown) network|plugin type=|cni (plugin|config).*(fail|error)' \
		"$D/containerd.log"
	assert_output ""
}

# ---- containerd's conf_template ----

tcri() {
	[ -z "${CRI_TFAIL:-}" ] || fail "$CRI_TFAIL"
	crictl_ "$T" "$@"
}

# network_ready: containerd's NetworkReady condition ("true"/"false")
network_ready() { tcri status | jq -r '.NetworkReady[0]'; }

# wait_network_ready true|false: bounded (containerd reloads net.d on a
# file event)
wait_network_ready() {
	local i
	for i in $(seq 100); do
		[ "$(network_ready)" = "$1" ] && return 0
		sleep 0.1
	done
	fail "NetworkReady is not $1: $(tcri status)"
}

# tpod NAME: run a pod on $T; $ID, $IP, $IPS, $NS from its status
tpod() {
	local j
	ID=$(tcri runp "$1" --cgroup-parent "/$CGP") || fail "runp $1: $ID"
	j=$(tcri inspectp "$ID") || fail "inspectp $1"
	IP=$(jq -r .ip <<<"$j")
	IPS=$(jq -r '.ips | join(" ")' <<<"$j")
	NS=$(jq -r .netns <<<"$j")
}

# tpod_gone: stop and remove $ID; nothing of it is left on $THOSTNS
tpod_gone() {
	local a
	run tcri stopp "$ID"
	assert_success
	run tcri rmp "$ID"
	assert_success
	run ip -n "$THOSTNS" -o link show type veth
	assert_output ""
	run bash -c "ls '$T/ipam/$TNET' | grep -vE '^(lock|last_reserved_ip\.[0-9]+)$'"
	assert_output ""
	run ip netns exec "$THOSTNS" nft list ruleset
	for a in $IPS; do
		refute_output --partial "$a"
	done
	refute_output --partial "masq4-"
	refute_output --partial "masq6-"
	run bash -c "ls /var/lib/cni/results/ 2>/dev/null | grep -F -- '$TNET-'"
	assert_failure
	run tcri pods
	assert_output ""
}

CONF_OUT=10-containerd-net.conflist # the file containerd renders

@test "cri template: before UpdateRuntimeConfig there is no network config, NetworkReady is false" {
	run ls -A "$T/net.d"
	assert_output ""
	run network_ready
	assert_output "false"
}

@test "cri template: UpdateRuntimeConfig with a podCIDR renders our template; a pod gets an address from it; teardown leaves nothing" {
	run tcri update-runtime-config 10.90.1.0/24
	assert_success
	[ -f "$T/net.d/$CONF_OUT" ] || fail "containerd wrote no $CONF_OUT: $(ls -A "$T/net.d")"
	run jq -c '[.name, [.plugins[].type], .plugins[0].ipam.ranges, .plugins[0].ipam.routes,
		.plugins[0].nonMasqueradeCIDRs, .plugins[1].capabilities]' "$T/net.d/$CONF_OUT"
	assert_output '["'"$TNET"'",["bridge","portmap"],[[{"subnet":"10.90.1.0/24"}]],[{"dst":"0.0.0.0/0"}],["10.90.0.0/16","fd00:90::/48"],{"portMappings":true}]'
	wait_network_ready true
	tpod "tpl1-$TAG"
	[[ $IP == 10.90.1.* ]] || fail "pod address $IP is not from 10.90.1.0/24"
	[ "$IPS" = "$IP" ] || fail "addresses: $IPS"
	run in_ns "$NS" ip -4 -o addr show dev eth0
	assert_output --partial "inet $IP/24"
	run in_ns "$NS" ip route
	assert_output --partial "default via 10.90.1.1"
	run in_ns "$NS" ip -o link show lo
	assert_output --regexp '<LOOPBACK,UP,LOWER_UP>'
	run ip netns exec "$THOSTNS" nft list chain inet cni_c_bridge postrouting
	assert_output --partial "ip daddr != 10.90.1.0/24 ip daddr != 224.0.0.0/4 ip daddr != 10.90.0.0/16 masquerade"
	[ -f "$T/ipam/$TNET/$IP" ] || fail "no reservation for $IP"
	tpod_gone
}

@test "cri template: two podCIDRs (dual-stack) render both ranges and routes; the pod gets an address from each" {
	# the node turns dual-stack: its IPv4 podCIDR (the bridge keeps its
	# gateway) and an IPv6 one. containerd renders only while it has no
	# network config, as on a node being set up: the old one goes first
	rm -f "$T/net.d/$CONF_OUT"
	wait_network_ready false
	run tcri update-runtime-config "10.90.1.0/24, fd00:90:0:1::/64"
	assert_success
	run jq -c '[.plugins[0].ipam.ranges, .plugins[0].ipam.routes]' "$T/net.d/$CONF_OUT"
	assert_output '[[[{"subnet":"10.90.1.0/24"}],[{"subnet":"fd00:90:0:1::/64"}]],[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]]'
	wait_network_ready true
	tpod "tpl2-$TAG"
	local v4 v6
	read -r v4 v6 <<<"$IPS"
	[[ $v4 == 10.90.1.* ]] || fail "IPv4 address $v4 is not from 10.90.1.0/24 ($IPS)"
	[[ $v6 == fd00:90:0:1:* ]] || fail "IPv6 address $v6 is not from fd00:90:0:1::/64 ($IPS)"
	run in_ns "$NS" ip -o addr show dev eth0
	assert_output --partial "inet $v4/24"
	assert_output --partial "inet6 $v6/64"
	run in_ns "$NS" ip -6 route
	assert_output --partial "default via fd00:90:0:1::1"
	run ip netns exec "$THOSTNS" nft list chain inet cni_c_bridge postrouting
	assert_output --partial "ip6 daddr != fd00:90::/48 masquerade"
	tpod_gone
}

@test "cri template: containerd's log holds no CNI error but its own while net.d is empty or being written" {
	[ -z "${CRI_TFAIL:-}" ] || fail "$CRI_TFAIL"
	run grep -c 'Generating cni config from template' "$T/containerd.log"
	assert_output 2
	# containerd logs (as errors) that it starts with no config, and its
	# reloads on the file events of its own (non-atomic) write and of the
	# removal; anything else is a failure
	run bash -c "grep -E 'level=(error|fatal|panic)' '$T/containerd.log' |
		grep -vE 'msg=\"failed to (load cni during init|reload cni configuration after receiving fs change event)'"
	assert_output ""
}
