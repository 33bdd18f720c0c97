#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The seed tutorials (network namespaces, a veth "cable", a Linux bridge,
# the bridge's address as the gateway, a default route, ip_forward,
# MASQUERADE towards the outside, DNAT for a port forward) replayed with
# our bridge + host-local CNI plugins and conf/demo.conflist, driven the
# way a container runtime drives them (libcni, through test/clients'
# cnictl, like cnitool), then our portmap for the port forward (the
# reference's, from /usr/lib/cni, with CNI_DEMO_BIN=/usr/lib/cni).
#
#   scripts/demo.sh            (make demo builds the plugins first)
#   CNI_DEMO_BIN=/usr/lib/cni scripts/demo.sh    the same with the reference
#   DEMO_PAUSE=1 scripts/demo.sh                 wait for Enter between steps
#
# Nothing on the real host is touched: the "host machine" of the tutorials
# is a network namespace, demo-host, so its bridge, ip_forward and NAT
# tables live there; everything is removed at the end, also on Ctrl-C.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CNI_DEMO_BIN:-$here/bin}
BIN=$(cd "$BIN" && pwd)

HOST=demo-host # plays the host machine of the tutorials
RED=demo-red   # the tutorials' "red" and "blue" namespaces (containers)
BLUE=demo-blue
LAN=demo-lan # the tutorials' ClientMachine on the host's LAN, 192.168.1.3
NET=demo     # the network name in conf/demo.conflist
PY=/usr/bin/python3

if [ -t 1 ]; then
	B=$'\e[1m' C=$'\e[36m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'
else
	B='' C='' G='' R='' N=''
fi

die() {
	echo "${R}demo: $*${N}" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "run as root (it creates network namespaces)"
for b in bridge host-local; do
	[ -x "$BIN/$b" ] || die "$BIN/$b missing: run 'make' first (or set CNI_DEMO_BIN)"
done
if [ -x "$BIN/portmap" ]; then
	PORTMAP=ours
else
	PORTMAP=reference
	[ -x /usr/lib/cni/portmap ] || die "no portmap: run 'make' (or apt-get install containernetworking-plugins)"
	command -v iptables >/dev/null || die "iptables missing (the reference portmap needs it): apt-get install iptables"
fi
[ -x $PY ] || die "$PY missing: apt-get install python3"
for n in $HOST $RED $BLUE $LAN; do
	[ ! -e /var/run/netns/$n ] || die "netns $n exists (an earlier demo?); remove it: ip netns del $n"
done

echo "${B}Building cnictl (test/clients; a cnitool on top of Debian's libcni)...${N}"
CNICTL=$(bash "$here/test/clients/build.sh") || die "could not build cnictl (apt-get install golang-go golang-github-appc-cni-dev)"

STATE=$(mktemp -d /tmp/cni-demo.XXXXXX)
PIDS=()
ATTACHED=()

cleanup() {
	local rc=$? p ns
	trap - EXIT INT TERM
	echo
	echo "${B}== Cleaning up ==${N}"
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for ns in "${ATTACHED[@]}"; do
		echo "  \$ ip netns exec $HOST cnictl del $NET /var/run/netns/$ns"
		ip netns exec $HOST "$CNICTL" del $NET /var/run/netns/$ns 2>&1 | sed 's/^/    /' || true
	done
	for ns in $RED $BLUE $LAN $HOST; do
		if [ -e /var/run/netns/$ns ]; then
			echo "  \$ ip netns del $ns"
			ip netns del $ns || true
		fi
	done
	rm -rf "$STATE"
	echo "  (all gone: the bridge, its NAT tables and ip_forward lived in $HOST)"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() {
	echo
	echo "${B}== $* ==${N}"
	if [ -n "${DEMO_PAUSE:-}" ]; then read -r -p "   (Enter) " _ </dev/tty || true; fi
}
say() { echo "${C}$*${N}"; }
# run: print the command as you would type it, then run it (output indented)
run() {
	echo "  ${G}\$ $*${N}"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}
# as run, but the command is a string shown as is and run by bash
runs() {
	echo "  ${G}\$ $1${N}"
	bash -c "$1" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

# A one-shot TCP server: answers "<greeting>; you are <peer address>".
serve() { # NETNS ADDR PORT GREETING
	rm -f "$STATE/ready.$3"
	ip netns exec "$1" timeout 60 $PY -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(5)
open(sys.argv[4], "w").close()
while True:
    c, peer = s.accept()
    c.sendall(("%s; you are %s\n" % (sys.argv[3], peer[0])).encode()); c.close()
' "$2" "$3" "$4" "$STATE/ready.$3" >/dev/null 2>&1 &
	PIDS+=($!)
	local i
	for i in $(seq 50); do
		[ -e "$STATE/ready.$3" ] && return 0
		sleep 0.1
	done
	die "server in $1 did not start"
}
# the client: what a person would use nc or curl for
CLIENT="$PY -c 'import socket,sys; print(socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5).makefile().readline().strip())'"

# ---------------------------------------------------------------------------
step "0. The cast"
say "The tutorials run on a host machine with a LAN interface (192.168.1.2) and a"
say "ClientMachine on that LAN (192.168.1.3). To leave this machine untouched, the"
say "\"host\" is a network namespace, $HOST, and the ClientMachine another, $LAN,"
say "joined by a veth cable. Read 'ip netns exec $HOST <cmd>' as '<cmd> on the host'."
run ip netns add $HOST
run ip netns add $LAN
run ip -n $HOST link set lo up
run ip -n $LAN link set lo up
run ip -n $HOST link add lan0 type veth peer name eth0 netns $LAN
run ip -n $HOST addr add 192.168.1.2/24 dev lan0
run ip -n $LAN addr add 192.168.1.3/24 dev eth0
run ip -n $HOST link set lan0 up
run ip -n $LAN link set eth0 up
say "The containers: two empty namespaces, as in 'ip netns add red/blue'."
run ip netns add $RED
run ip netns add $BLUE

# ---------------------------------------------------------------------------
step "1. The network configuration (conf/demo.conflist)"
say "Instead of typing the bridge, veth, address and route commands, a runtime hands"
say "this list to the plugins: the bridge (with host-local for addresses), then"
say "portmap ($PORTMAP). The bridge is v-net-0 with 192.168.15.5 as in the tutorials."
mkdir -p "$STATE/net.d" "$STATE/cache" "$STATE/ipam"
jq --arg dd "$STATE/ipam" '.plugins[0].ipam.dataDir = $dd' "$here/conf/demo.conflist" >"$STATE/net.d/demo.conflist"
say "(dataDir points host-local's reservations into a temp dir for the demo.)"
run cat "$STATE/net.d/demo.conflist"
export NETCONFPATH=$STATE/net.d CNI_PATH=$BIN:/usr/lib/cni CNI_CACHE_DIR=$STATE/cache
PATH=$(dirname "$CNICTL"):$PATH
say "cnictl (like cnitool) reads these:"
echo "  ${G}\$ export NETCONFPATH=$NETCONFPATH CNI_PATH=$CNI_PATH CNI_CACHE_DIR=$CNI_CACHE_DIR${N}"

# ---------------------------------------------------------------------------
step "2. Attach red and blue (CNI ADD)"
say "One command per container does what the tutorials do by hand: create the bridge,"
say "a veth pair, move one end into the namespace as eth0, plug the other into the"
say "bridge, give addresses (the bridge gets the gateway, 192.168.15.5), add the"
say "default route, turn on ip_forward and masquerade."
runs "ip netns exec $HOST cnictl add $NET /var/run/netns/$RED | jq -c '{cniVersion, ips, routes}'"
ATTACHED+=($RED)
say "blue also asks for a port forward, host port 8080 -> its port 80, the way"
say "'podman run -p 8080:80' does (the portMappings capability, for portmap):"
runs "ip netns exec $HOST env CAP_ARGS='{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]}' cnictl add $NET /var/run/netns/$BLUE | jq -c '{cniVersion, ips, routes}'"
ATTACHED+=($BLUE)
RED_IP=$(ip -n $RED -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
BLUE_IP=$(ip -n $BLUE -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
say "What it built, seen with the tutorials' commands:"
run ip -n $RED addr show eth0
run ip -n $RED route
run ip -n $BLUE -br addr show eth0
run ip -n $HOST addr show v-net-0
run ip -n $HOST -br link show master v-net-0
run ip netns exec $HOST sysctl net.ipv4.ip_forward

# ---------------------------------------------------------------------------
step "3. red and blue talk over the bridge"
run ip netns exec $RED ping -c2 -W2 "$BLUE_IP"
run ip netns exec $BLUE ping -c2 -W2 "$RED_IP"
run ip netns exec $RED ip neigh

# ---------------------------------------------------------------------------
step "4. The host reaches them through the bridge (the gateway address)"
run ip netns exec $HOST ping -c2 -W2 "$RED_IP"
run ip netns exec $HOST ip route get "$RED_IP"

# ---------------------------------------------------------------------------
step "5. Out to the world: red -> ClientMachine, masqueraded"
say "The ClientMachine ($LAN) has no route to 192.168.15.0/24; it only answers"
say "because the host rewrites red's source to its own LAN address (MASQUERADE)."
say "A tiny server on the ClientMachine prints the address it sees:"
serve $LAN 192.168.1.3 8000 "hello from the ClientMachine"
run ip -n $LAN route
runs "ip netns exec $RED $CLIENT 192.168.1.3 8000"
say "It saw 192.168.1.2 (the host), not $RED_IP. The nftables table(s) doing it:"
run ip netns exec $HOST nft list tables
ip netns exec $HOST nft list tables 2>/dev/null | while read -r _ fam tab; do
	t=$(ip netns exec $HOST nft list table "$fam" "$tab" 2>/dev/null)
	if grep -q masquerade <<<"$t"; then
		runs "ip netns exec $HOST nft list table $fam $tab 2>/dev/null"
	fi
done

# ---------------------------------------------------------------------------
step "6. In from the world: a port forward to blue (DNAT)"
say "A server in blue on port 80; the ClientMachine connects to the HOST, port 8080:"
serve $BLUE 0.0.0.0 80 "hello from blue ($BLUE_IP:80)"
runs "ip netns exec $LAN $CLIENT 192.168.1.2 8080"
say "blue saw the real client (192.168.1.3): only the destination was rewritten."
if [ $PORTMAP = ours ]; then
	say "portmap's mapping, the tutorials' 'iptables -t nat -A PREROUTING ... -j DNAT': an"
	say "element 'tcp . 8080 : $BLUE_IP . 80' of a DNAT map, owned by blue (its comment):"
	run ip netns exec $HOST nft list table inet cni_c_portmap
else
	say "portmap's rules (iptables-nft, the tutorials' 'iptables -t nat -A PREROUTING ... -j DNAT'):"
	run ip netns exec $HOST iptables -t nat -S CNI-HOSTPORT-DNAT
	runs "ip netns exec $HOST iptables -t nat -S | grep -e DNAT -e '--to-destination'"
fi

# ---------------------------------------------------------------------------
step "7. Detach (CNI DEL): what ADD made goes away"
for ns in $RED $BLUE; do
	[ $ns = $BLUE ] && pm='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}' || pm=
	runs "ip netns exec $HOST env CAP_ARGS='$pm' cnictl del $NET /var/run/netns/$ns"
done
ATTACHED=()
run ip -n $RED link show
run ip -n $HOST -br link show master v-net-0
run ls "$STATE/ipam/$NET"
say "No rule or set element mentions red's or blue's address any more:"
runs "ip netns exec $HOST nft list ruleset 2>/dev/null | grep -c -w -e '$RED_IP' -e '$BLUE_IP'" || true
say "(the bridge itself stays, as with the reference plugin; it goes with $HOST)"
echo
echo "${B}Demo complete.${N}"
