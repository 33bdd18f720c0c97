#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A two-node pod network without an overlay, as a Kubernetes cluster
# builds it with bridge + host-local: each node has its podCIDR out of one
# cluster CIDR, and a route to the other node's podCIDR via the other
# node's address (what the cloud's route table or a routing daemon gives).
#
#   outside ------ node A ======== node B          (netns, veth "wires")
#   203.0.113.2   up0 .1  wire0 172.31.244.1 / .2  wire0
#                 cni0 10.244.1.1/24      cni0 10.244.2.1/24
#                 pods 10.244.1.x         pods 10.244.2.x
#
# Each node is a netns with its own containerd (test/helpers/cri/
# containerd.bash, as cri.bats starts one: its own root, state, socket,
# bin_dir with our plugins and conf_dir), running bridge (ipMasq,
# nonMasqueradeCIDRs: the cluster CIDR, hairpinMode) + host-local + portmap.
# Node B gets it as a Kubernetes node does: containerd's conf_template
# (conf/containerd-template.conflist), rendered when the CRI client sends
# the node's podCIDR (UpdateRuntimeConfig, kubelet's call). Node A has a
# conflist of its own. Pods are made through CRI (test/helpers/cri/
# cri-client.py); traffic is sent from and to the pods' netns with nsenter.
#
# The tests build on each other, in order: node A starts with ipMasq alone
# (what the reference bridge can do: a pod on node B sees node A's address),
# then its conflist gets nonMasqueradeCIDRs (containerd reloads it) and the
# pods keep their addresses across nodes. kube-proxy's iptables mode is
# played by writing its rules, as it writes them, with iptables-nft in both
# nodes.

bats_require_minimum_version 1.5.0
load helpers
source "$BATS_TEST_DIRNAME/../helpers/cri/containerd.bash"

TEMPLATE=$BATS_TEST_DIRNAME/../../conf/containerd-template.conflist
CLUSTER_CIDR=10.244.0.0/16
CIDR_A=10.244.1.0/24
CIDR_B=10.244.2.0/24
GW_A=10.244.1.1
GW_B=10.244.2.1
WIRE_A=172.31.244.1
WIRE_B=172.31.244.2
UPLINK_A=203.0.113.1
OUTSIDE=203.0.113.2
SVC_IP=10.96.0.10
SVC_PORT=80
SVC_NAME=cni-c-test/echo:http # kube-proxy's service port name
CTR_PORT=8080
HOST_PORT=18080
UDP_PORT=9000

# conflist POD_CIDR [NON_MASQ_JSON]: the node's network, as an operator
# writes it for containerd (name and dataDir are made the test's own by
# crid_config / node_conflist)
conflist() {
	jq -n --arg sub "$1" --argjson nm "${2:-null}" '{
		cniVersion: "1.0.0", name: "cluster",
		plugins: [
			({type: "bridge", bridge: "cni0", isGateway: true, ipMasq: true,
			  hairpinMode: true,
			  ipam: {type: "host-local", ranges: [[{subnet: $sub}]],
				 routes: [{dst: "0.0.0.0/0"}]}}
			 + (if $nm == null then {} else {nonMasqueradeCIDRs: $nm} end)),
			{type: "portmap", capabilities: {portMappings: true}}
		]}'
}

# node_conflist NODE POD_CIDR [NON_MASQ_JSON]: rewrite NODE's conflist in
# place. containerd 1.6 reloads on a write (not on a new file), at once: a
# truncating write would let it read an empty file (an error in its log),
# so the new content, longer than the old, is written over it in one write.
node_conflist() {
	local d=$D/$1 net f
	net=$(cat "$d/net")
	f=$d/net.d/10-$net.conflist
	conflist "$2" "${3:-}" | jq --arg n "$net" --arg dd "$d/ipam" '.name = $n |
		.plugins |= map(if .ipam.type == "host-local" then .ipam.dataDir = $dd else . end)' \
		>"$d/conflist.new" || return 1
	[ "$(stat -c %s "$d/conflist.new")" -gt "$(stat -c %s "$f")" ] || return 1
	dd if="$d/conflist.new" of="$f" bs=64k conv=notrunc status=none
}

setup_file() {
	local why
	why=$(crid_why_not)
	[ -n "$why" ] || [ -f "$TEMPLATE" ] || why="no $TEMPLATE"
	if [ -n "$why" ]; then
		export CRI_SKIP="containerd cannot run here: $why"
		return 0
	fi
	TAG=$(uniq_tag)
	# short path: shim and socket paths must stay < 108 bytes
	D=$(mktemp -d /tmp/cnik.XXXXXX)
	NS_A=cnik-a-$TAG
	NS_B=cnik-b-$TAG
	NS_O=cnik-o-$TAG
	export TAG D NS_A NS_B NS_O CRI_CLIENT_CACHE=$D
	local n img out
	# the pause image builds while the netns are made
	mkdir -p "$D/a/image" "$D/b"
	crid_image_build "$D/a/image" >"$D/image.log" 2>&1 &
	img=$!
	for n in "$NS_A" "$NS_B" "$NS_O"; do
		ip netns add "$n"
		ip -n "$n" link set lo up
	done
	# the wire between the nodes, the uplink to the outside
	ip -n "$NS_A" link add wire0 type veth peer name wire0 netns "$NS_B"
	ip -n "$NS_A" link add up0 type veth peer name up0 netns "$NS_O"
	ip -n "$NS_A" addr add "$WIRE_A/24" dev wire0
	ip -n "$NS_B" addr add "$WIRE_B/24" dev wire0
	ip -n "$NS_A" addr add "$UPLINK_A/24" dev up0
	ip -n "$NS_O" addr add "$OUTSIDE/24" dev up0
	for n in "$NS_A wire0" "$NS_A up0" "$NS_B wire0" "$NS_O up0"; do
		# shellcheck disable=SC2086 # netns and link
		set -- $n
		ip -n "$1" link set "$2" up
	done
	# routes between the nodes' podCIDRs; node B's way out is node A
	ip -n "$NS_A" route add "$CIDR_B" via "$WIRE_B"
	ip -n "$NS_B" route add "$CIDR_A" via "$WIRE_A"
	ip -n "$NS_B" route add default via "$WIRE_A"
	ip -n "$NS_O" route add default via "$UPLINK_A"
	# node A starts with a conflist of ipMasq alone (the "before"); node B
	# with containerd's conf_template as shipped, the cluster CIDR its
	# nonMasqueradeCIDRs, rendered when "kubelet" sends the podCIDR
	conflist "$CIDR_A" >"$D/conflist-a"
	crid_bin_dir "$D/a/bin" "$CNI_TEST_BIN"
	cp -a "$D/a/bin" "$D/b/"
	crid_config "$D/a" "$NS_A" "$D/a/bin" "$D/conflist-a" "$NS_A"
	CRID_NOMASQ="[\"$CLUSTER_CIDR\"]" crid_config "$D/b" "$NS_B" "$D/b/bin" "$TEMPLATE" "$NS_B" || {
		export CRI_FAIL="node B: $TEMPLATE did not take the test's edits"
		return 0
	}
	if ! wait "$img"; then
		export CRI_FAIL="pause image: $(cat "$D/image.log")"
		return 0
	fi
	cp -r "$D/a/image" "$D/b/"
	# both containerds at once: their start is most of this file's time
	crid_start "$D/a" >"$D/a/start.out" 2>&1 &
	local pa=$!
	crid_start "$D/b" >"$D/b/start.out" 2>&1 &
	local pb=$!
	wait "$pa" || export CRI_FAIL="node A's containerd did not start: $(cat "$D/a/start.out")"
	if ! wait "$pb"; then
		export CRI_FAIL="node B's containerd did not start: $(cat "$D/b/start.out")"
	elif ! out=$(crictl_ "$D/b" update-runtime-config "$CIDR_B" 2>&1); then
		export CRI_FAIL="node B: UpdateRuntimeConfig: $out"
	else
		# containerd renders the template, then loads it (NetworkReady)
		for n in $(seq 100); do
			out=$(crictl_ "$D/b" status 2>&1)
			[ "$(jq -r '.NetworkReady[0]' <<<"$out" 2>/dev/null)" = true ] && break
			sleep 0.2
		done
		[ "$(jq -r '.NetworkReady[0]' <<<"$out" 2>/dev/null)" = true ] ||
			export CRI_FAIL="node B: its network is not ready: $out"
	fi
	# the pods' servers: a TCP one (its name and the peer it sees) and a client
	cat >"$D/srv.py" <<-'EOF'
		import socket, sys
		s = socket.socket()
		s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		s.bind(("0.0.0.0", int(sys.argv[2])))
		s.listen(64)
		while True:
		    c, a = s.accept()
		    c.sendall(("%s %s\n" % (sys.argv[1], a[0])).encode())
		    c.close()
	EOF
	cat >"$D/get.py" <<-'EOF'
		import socket, sys, time
		# get.py HOST PORT COUNT: COUNT connections, one reply line each
		for i in range(int(sys.argv[3])):
		    for attempt in range(40):
		        try:
		            s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
		            print(s.makefile().readline().strip(), flush=True)
		            s.close()
		            break
		        except OSError as e:
		            err = e
		            time.sleep(0.25)
		    else:
		        print("ERR %s" % err, flush=True)
	EOF
}

teardown_file() {
	[ -n "${D:-}" ] && [ -d "$D" ] || return 0
	local f n
	for f in "$D"/srv-*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	# the pods left (a test failed) first, on both nodes: crid_stop removes
	# every shim socket made since its containerd started, the other
	# node's too; then both containerds at once
	rmpods a >/dev/null 2>&1 &
	rmpods b >/dev/null 2>&1 &
	wait
	crid_stop "$D/a" "cnik-a-$TAG" &
	crid_stop "$D/b" "cnik-b-$TAG" &
	wait
	for n in "${NS_A:-}" "${NS_B:-}" "${NS_O:-}"; do
		[ -n "$n" ] && ip netns del "$n" 2>/dev/null
	done
	rm -rf "$D"
}

setup() {
	[ -z "${CRI_SKIP:-}" ] || skip "$CRI_SKIP"
	[ -z "${CRI_FAIL:-}" ] || fail "$CRI_FAIL"
}

# mkpod NODE NAME [--port ...]: a pod on NODE (a or b); its node, id,
# address and netns path (PodSandboxStatus) kept in $D/pod-NAME
mkpod() {
	local node=$1 name=$2 id j
	shift 2
	id=$(crictl_ "$D/$node" runp "$name-$TAG" --cgroup-parent "/cnik-$node-$TAG" "$@") || return 1
	echo "$node $id" >"$D/pod-$name"
	j=$(crictl_ "$D/$node" inspectp "$id") || return 1
	jq -r --arg n "$node" '"\($n) \(.id) \(.ip) \(.netns)"' <<<"$j" >"$D/pod-$name"
}

# rmpods NODE: StopPodSandbox and RemovePodSandbox of NODE's pods
rmpods() {
	local f node id
	for f in "$D"/pod-*; do
		[ -f "$f" ] || continue
		read -r node id _ <"$f"
		[ "$node" = "$1" ] || continue
		crictl_ "$D/$node" stopp "$id" || return 1
		crictl_ "$D/$node" rmp "$id" || return 1
		rm -f "$f"
	done
}

# pod NAME: $NODE, $ID, $IP and $NS (netns path) of pod NAME
pod() {
	read -r NODE ID IP NS <"$D/pod-$1" || fail "no pod $1"
	[ -n "$IP" ] && [ -e "$NS" ] || fail "pod $1: no address or netns: $(cat "$D/pod-$1")"
}

# seen SRC_NETNS DST_NETNS DST_IP: the source address a receiver on
# DST_IP:UDP_PORT sees for datagrams sent from SRC_NETNS
seen() {
	local src=$1 dst=$2 ip=$3 out pid i
	out=$(mktemp "$D/seen.XXXXXX")
	nsenter --net="$dst" -- "$CNI_TEST_BIN/udp-seen" "$ip" "$UDP_PORT" 5 >"$out" 2>&1 3>&- &
	pid=$!
	for i in $(seq 100); do
		grep -q '^ready' "$out" && break
		sleep 0.05
	done
	for i in $(seq 40); do
		kill -0 "$pid" 2>/dev/null || break
		nsenter --net="$src" -- bash -c 'echo seen >"/dev/udp/$1/$2"' _ "$ip" "$UDP_PORT" 2>/dev/null
		sleep 0.1
	done
	wait "$pid"
	sed -n 2p "$out"
}

# serve NAME: the TCP server in pod NAME's netns, on CTR_PORT
serve() {
	pod "$1"
	nsenter --net="$NS" -- timeout 600 "$CRID_PY" "$D/srv.py" "$1" "$CTR_PORT" \
		>/dev/null 2>&1 3>&- &
	echo $! >"$D/srv-$1.pid"
}

# get NETNS HOST PORT COUNT: the servers' replies ("NAME PEER"), one a line
get() {
	nsenter --net="$1" -- timeout 60 "$CRID_PY" "$D/get.py" "$2" "$3" "$4"
}

# in NODE_NETNS CMD...
in_node() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

@test "cluster: before nonMasqueradeCIDRs (ipMasq alone) a pod on node B sees node A's address" {
	# one pod on each node, at once
	mkpod b b1 >"$D/mkpod-b1.out" 2>&1 &
	local pid=$! ns0
	run mkpod a a0
	assert_success
	wait "$pid" || fail "pod b1: $(cat "$D/mkpod-b1.out")"
	pod a0
	ns0=$NS
	[[ $IP == 10.244.1.* ]] || fail "pod a0 on node A: $IP"
	pod b1
	[[ $IP == 10.244.2.* ]] || fail "pod b1 on node B: $IP"
	run seen "$ns0" "$NS" "$IP"
	assert_output "$WIRE_A"
	echo "# pod-to-pod source across nodes, ipMasq alone: $output" >&3
	run rmpods a
	assert_success
}

@test "cluster: node A's conflist gets nonMasqueradeCIDRs; containerd loads it" {
	node_conflist a "$CIDR_A" "[\"$CLUSTER_CIDR\"]"
	local i
	for i in $(seq 100); do
		run crictl_ "$D/a" cni-config
		assert_success
		jq -e 'tostring | contains("nonMasqueradeCIDRs")' <<<"$output" >/dev/null && return 0
		sleep 0.2
	done
	fail "containerd did not load the new conflist: $output"
}

@test "cluster: pods on different nodes reach each other and see each other's pod addresses" {
	run mkpod a a1 --port "$HOST_PORT:$CTR_PORT"
	assert_success
	local ipa nsa
	pod a1
	ipa=$IP nsa=$NS
	[[ $ipa == 10.244.1.* ]] || fail "pod a1 on node A: $ipa"
	pod b1
	run nsenter --net="$nsa" -- ping -c1 -W2 "$IP"
	assert_success
	run nsenter --net="$NS" -- ping -c1 -W2 "$ipa"
	assert_success
	run seen "$nsa" "$NS" "$IP"
	assert_output "$ipa"
	echo "# pod-to-pod source across nodes, with nonMasqueradeCIDRs: $output (pod a1 is $ipa)" >&3
	run seen "$NS" "$nsa" "$ipa"
	assert_output "$IP"
	# the bridge ports are in hairpin mode (hairpinMode), for the service test
	run ip -n "$NS_A" -d -o link show master cni0
	assert_output --partial "hairpin on"
}

@test "cluster: the outside sees the node's address (masqueraded)" {
	pod a1
	run seen "$NS" "/run/netns/$NS_O" "$OUTSIDE"
	assert_output "$UPLINK_A"
	pod b1
	run seen "$NS" "/run/netns/$NS_O" "$OUTSIDE"
	assert_output "$WIRE_B"
}

@test "cluster: a hostPort on node A is reached from a pod on node B" {
	serve a1
	serve b1
	pod b1
	run get "$NS" "$WIRE_A" "$HOST_PORT" 1
	# the pod on node B left through its node's masquerade (node A's
	# address is outside the cluster CIDR)
	assert_output "a1 $WIRE_B"
}

# kube_proxy NODE_NETNS EP1 EP2: kube-proxy's iptables mode (1.28's
# proxier.go) for the ClusterIP service SVC_IP:SVC_PORT (port name
# SVC_NAME) with endpoints EP1:CTR_PORT and EP2:CTR_PORT, as its sync
# writes them: the chain names from its hashes, its jump rules from the
# built-in chains (it inserts each with iptables -I, its
# EnsureRule(Prepend), kubelet's KUBE-FIREWALL jumps included; here in the
# same iptables-restore --noflush, the same rules in the kernel, one exec)
# and its iptables-restore --noflush input.
kube_proxy() {
	local ns=$1 ep1=$2 ep2=$3 svc sep1 sep2
	# base32(sha256(s)), its first 16 characters
	hash16() {
		printf %s "$1" | sha256sum | cut -c1-64 | tr a-f A-F | basenc --base16 -d |
			base32 -w0 | cut -c1-16
	}
	svc=KUBE-SVC-$(hash16 "${SVC_NAME}tcp")
	sep1=KUBE-SEP-$(hash16 "${SVC_NAME}tcp$ep1:$CTR_PORT")
	sep2=KUBE-SEP-$(hash16 "${SVC_NAME}tcp$ep2:$CTR_PORT")
	in_node "$ns" sysctl -qw net.ipv4.conf.all.route_localnet=1 || return 1
	in_node "$ns" iptables-restore -w --noflush --counters <<-EOF
		*filter
		:KUBE-SERVICES - [0:0]
		:KUBE-EXTERNAL-SERVICES - [0:0]
		:KUBE-FORWARD - [0:0]
		:KUBE-NODEPORTS - [0:0]
		:KUBE-PROXY-FIREWALL - [0:0]
		:KUBE-FIREWALL - [0:0]
		-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
		-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
		-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
		-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
		-I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
		-I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
		-I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
		-I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
		-I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
		-I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
		-I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
		-I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
		-I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
		-I INPUT -j KUBE-FIREWALL
		-I OUTPUT -j KUBE-FIREWALL
		COMMIT
		*nat
		:KUBE-SERVICES - [0:0]
		:KUBE-NODEPORTS - [0:0]
		:KUBE-POSTROUTING - [0:0]
		:KUBE-MARK-MASQ - [0:0]
		:$svc - [0:0]
		:$sep1 - [0:0]
		:$sep2 - [0:0]
		-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
		-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
		-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
		-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
		-A KUBE-SERVICES -m comment --comment "$SVC_NAME cluster IP" -m tcp -p tcp -d $SVC_IP --dport $SVC_PORT -j $svc
		-A $svc -m comment --comment "$SVC_NAME cluster IP" -m tcp -p tcp -d $SVC_IP --dport $SVC_PORT ! -s $CLUSTER_CIDR -j KUBE-MARK-MASQ
		-A $svc -m comment --comment "$SVC_NAME -> $ep1:$CTR_PORT" -m statistic --mode random --probability 0.5000000000 -j $sep1
		-A $svc -m comment --comment "$SVC_NAME -> $ep2:$CTR_PORT" -j $sep2
		-A $sep1 -m comment --comment $SVC_NAME -s $ep1 -j KUBE-MARK-MASQ
		-A $sep1 -m comment --comment $SVC_NAME -m tcp -p tcp -j DNAT --to-destination $ep1:$CTR_PORT
		-A $sep2 -m comment --comment $SVC_NAME -s $ep2 -j KUBE-MARK-MASQ
		-A $sep2 -m comment --comment $SVC_NAME -m tcp -p tcp -j DNAT --to-destination $ep2:$CTR_PORT
		-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
		-I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
		-I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
		-I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
		COMMIT
	EOF
}

# via_service POD_NETNS SELF SELF_PEER OTHER OTHER_PEER: 24 connections
# from a pod to the service reach both backends, SELF (hairpin, seeing
# SELF_PEER) and OTHER (seeing OTHER_PEER), and nothing else; prints how
# many went to SELF
via_service() {
	local out n_self n_other
	out=$(get "$1" "$SVC_IP" "$SVC_PORT" 24) || return 1
	n_self=$(grep -c "^$2 $3\$" <<<"$out")
	n_other=$(grep -c "^$4 $5\$" <<<"$out")
	echo "# $2 -> service: $n_self to itself (seeing $3), $n_other to $4 (seeing $5)" >&3
	if [ "$n_self" -eq 0 ] || [ "$n_other" -eq 0 ] || [ $((n_self + n_other)) -ne 24 ]; then
		echo "replies: $out" >&2
		return 1
	fi
	echo "$n_self"
}

@test "cluster: kube-proxy's iptables-nft rules beside our tables: a pod reaches a ClusterIP, itself through it (hairpin) and the pod on the other node" {
	local ipa ipb nsa nsb
	pod a1
	ipa=$IP nsa=$NS
	pod b1
	ipb=$IP nsb=$NS
	run kube_proxy "$NS_A" "$ipa" "$ipb"
	assert_success
	run kube_proxy "$NS_B" "$ipa" "$ipb"
	assert_success
	# our tables are there beside iptables-nft's
	run in_node "$NS_A" nft list tables
	assert_output --partial "table inet cni_c_bridge"
	assert_output --partial "table inet cni_c_portmap"
	assert_output --partial "table ip nat"
	# from pod a1: the pod on node B sees a1's own address; a1 itself
	# (hairpin) sees its gateway, kube-proxy's masquerade
	run via_service "$nsa" a1 "$GW_A" b1 "$ipa"
	assert_success
	local hairpins=$output
	# from pod b1, the same the other way round
	run via_service "$nsb" b1 "$GW_B" a1 "$ipb"
	assert_success
	# on node A, a1's hairpin connections and nothing else were marked for
	# KUBE-POSTROUTING's masquerade (b1's were DNAT'd on node B)
	run in_node "$NS_A" iptables -w -t nat -L KUBE-MARK-MASQ -v -n -x
	assert_line --regexp "^ +$hairpins +[0-9]+ +MARK "
}

@test "cluster: RemovePodSandbox leaves nothing on either node" {
	local f n pid ips=()
	for f in "$D"/srv-*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	done
	for f in "$D"/pod-*; do
		pod "${f##*/pod-}"
		ips+=("$IP")
	done
	# both nodes at once
	rmpods b >"$D/rmpods-b.out" 2>&1 &
	pid=$!
	run rmpods a
	assert_success
	wait "$pid" || fail "node b: $(cat "$D/rmpods-b.out")"
	[ "${#ips[@]}" -eq 2 ] || fail "pods: ${ips[*]}"
	for n in a b; do
		local ns=cnik-$n-$TAG
		run crictl_ "$D/$n" pods
		assert_output ""
		# no veth but the wires (ip's stderr aside: naming a peer's netns
		# it can meet another test's netns going away)
		run bash -c "ip -n $ns -br link show type veth 2>/dev/null | awk '{sub(/@.*/, \"\", \$1); print \$1}' | sort | xargs"
		if [ "$n" = a ]; then assert_output "up0 wire0"; else assert_output "wire0"; fi
		# nothing but host-local's lock and last-reserved files
		run bash -c "ls '$D/$n/ipam/$ns' | grep -vE '^(lock|last_reserved_ip\.[0-9]+)$'"
		assert_output ""
		# no element in our tables (kube-proxy's rules are its own)
		local out
		out=$(in_node "$ns" nft list tables | awk '$3 ~ /^cni_c_/ {print $2, $3}' |
			while read -r fam name; do in_node "$ns" nft list table "$fam" "$name"; done)
		for f in "${ips[@]}"; do
			[[ $out != *"$f"* ]] || fail "node $n: $f left in our tables: $out"
		done
		[[ $out != *"$ns/"* ]] || fail "node $n: an element of $ns left: $out"
		[[ $out != *"$HOST_PORT"* ]] || fail "node $n: the host port left: $out"
		run bash -c "ls /var/lib/cni/results/ 2>/dev/null | grep -F -- '$ns-'"
		assert_failure
	done
}

@test "cluster: containerds' logs hold no CNI error (node B: but containerd's own while its template is not yet rendered or being written)" {
	local n
	run grep -E 'level=(error|fatal|panic)' "$D/a/containerd.log"
	assert_output ""
	run grep -iE 'cni (plugin|config).*(fail|error)' "$D/a/containerd.log"
	assert_output ""
	run grep -c 'Generating cni config from template' "$D/b/containerd.log"
	assert_output 1
	# containerd logs (as errors) that it starts with no config and that
	# it read its own (non-atomic) write of the rendered template too soon
	run bash -c "grep -E 'level=(error|fatal|panic)' '$D/b/containerd.log' |
		grep -vE 'msg=\"failed to load cni during init|msg=\"failed to reload cni configuration after receiving fs change event.*unexpected end of JSON input'"
	assert_output ""
	for n in a b; do
		run grep -iE 'failed to (setup|destroy|teardown) network|plugin type=' "$D/$n/containerd.log"
		assert_output ""
	done
}
