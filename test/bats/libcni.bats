#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Our bridge + host-local (+ portmap) driven the way container runtimes
# drive them: through libcni (Debian's golang-github-appc-cni-dev), by
# test/clients' cnictl (AddNetworkList / CheckNetworkList / DelNetworkList,
# results cached and handed on as prevResult), alone and chained with our
# portmap and the reference firewall and tuning from /usr/lib/cni.
#
# Isolation: every test makes its own "host" netns ($HOSTNS) and runs
# cnictl inside it, so the bridge, its sysctls and every iptables/nftables
# table the plugins create live there; the container netns and an
# "outside" netns hang off it. Deleting $HOSTNS in teardown removes all of
# it. Reservations and the libcni cache go to the test's temp dir.
#
#   CNI_TEST_BIN  dir with the bridge/host-local/portmap under test (default
#                 ./bin); CNI_PATH is "$CNI_TEST_BIN:/usr/lib/cni", so ours
#                 are found first and the reference meta plugins after them.

bats_require_minimum_version 1.5.0
load helpers

# Versions the reference bridge 1.1.1 and libcni 1.1.2 have in common.
VERSIONS=(0.3.0 0.3.1 0.4.0 1.0.0)
# Documentation/test addresses; they only exist inside our netns.
SUBNET=10.222.0
GW=10.222.0.1
OUT_HOST=192.0.2.1 # $HOSTNS's address towards the "outside" netns
OUT_PEER=192.0.2.2 # the outside netns

setup_file() {
	command -v go >/dev/null || skip "golang-go not installed"
	[ -d /usr/share/gocode/src/github.com/containernetworking/cni/libcni ] ||
		skip "golang-github-appc-cni-dev not installed"
	CNICTL=$(bash "$BATS_TEST_DIRNAME/../clients/build.sh") || return 1
	export CNICTL
}

setup() {
	[ -x "$CNI_TEST_BIN/bridge" ] || fail "no bridge in CNI_TEST_BIN=$CNI_TEST_BIN"
	[ -x "$CNI_TEST_BIN/host-local" ] || fail "no host-local in CNI_TEST_BIN=$CNI_TEST_BIN"
	TAG=$(uniq_tag)
	HOSTNS=cnit-h-$TAG
	OUTNS=cnit-o-$TAG
	CNS=() # container netns created by this test
	PIDS=() # background servers
	BR=cnibr-$TAG
	NET=lcni-$TAG
	D=$BATS_TEST_TMPDIR
	NETDIR=$D/net.d
	CACHE=$D/cache
	IPAMDIR=$D/ipam
	mkdir -p "$NETDIR" "$CACHE" "$IPAMDIR"
	ip netns add "$HOSTNS"
	ip -n "$HOSTNS" link set lo up
}

teardown() {
	local p n
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for n in "${CNS[@]}" "$OUTNS" "$HOSTNS"; do
		ip netns del "$n" 2>/dev/null || true
	done
}

# new_ctr NAME: a container netns; sets $NS (name) and $NSP (path).
new_ctr() {
	NS=cnit-$1-$TAG
	NSP=/var/run/netns/$NS
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	CNS+=("$NS")
}

# the bridge plugin's config (the first of the list); $1 cniVersion, rest
# jq assignments applied to it, e.g. '.ipMasq = true'
bridge_conf() {
	local v=$1
	shift
	local f=". "
	local a
	for a in "$@"; do f="$f | $a"; done
	jq -nc --arg br "$BR" --arg dd "$IPAMDIR" --arg sn "$SUBNET.0/24" "{
		type: \"bridge\", bridge: \$br, isGateway: true,
		ipam: {type: \"host-local\", dataDir: \$dd,
		       ranges: [[{subnet: \$sn}]],
		       routes: [{dst: \"0.0.0.0/0\"}]}
	} | $f"
}

# write_list VERSION PLUGIN_JSON...: $NETDIR/$NET.conflist
write_list() {
	local v=$1
	shift
	printf '%s\n' "$@" | jq -s --arg v "$v" --arg n "$NET" \
		'{cniVersion: $v, name: $n, plugins: .}' >"$NETDIR/$NET.conflist"
}

# cni CMD NETNS_PATH [VAR=VALUE...]: cnictl in $HOSTNS (container id $CID)
cni() {
	local cmd=$1 ns=$2
	shift 2
	run --separate-stderr ip netns exec "$HOSTNS" env NETCONFPATH="$NETDIR" \
		CNI_PATH="$CNI_TEST_BIN:$REF_BIN" CNI_CACHE_DIR="$CACHE" \
		CNI_CONTAINERID="${CID:-ctr-$TAG}" CNI_IFNAME="${IFNAME:-eth0}" \
		CAP_ARGS="${CAP_ARGS:-}" CNI_ARGS="${CNI_ARGS:-}" "$@" \
		"$CNICTL" "$cmd" "$NET" "$ns"
}

# cni_raw CMD NETNS_PATH: the same without bats' run (for background jobs)
cni_raw() {
	ip netns exec "$HOSTNS" env NETCONFPATH="$NETDIR" \
		CNI_PATH="$CNI_TEST_BIN:$REF_BIN" CNI_CACHE_DIR="$CACHE" \
		CNI_CONTAINERID="${CID:-ctr-$TAG}" CNI_IFNAME="${IFNAME:-eth0}" \
		CAP_ARGS="${CAP_ARGS:-}" CNI_ARGS="${CNI_ARGS:-}" \
		"$CNICTL" "$1" "$NET" "$2"
}

cni_ok() {
	cni "$@"
	[ "$status" -eq 0 ] || fail "cnictl $1 failed ($status): $stderr $output"
}

# the container's IPv4 address (no prefix) from a result in $output
res_ip4() { jq -r '[.ips[] | select(.address | test("^[0-9.]+/"))][0].address | split("/")[0]' <<<"$output"; }

# assert_attached NETNS IP: kernel state of an attachment made by ADD
assert_attached() {
	local ns=$1 ip=$2
	run ip -n "$ns" -4 -o addr show dev eth0
	assert_success
	assert_output --partial "inet $ip/24"
	run ip -n "$ns" route show default
	assert_output --partial "default via $GW dev eth0"
	run ip -n "$ns" -o link show eth0
	assert_output --partial "state UP"
	# host side: the bridge holds the gateway address, a veth is enslaved
	run ip -n "$HOSTNS" -4 -o addr show dev "$BR"
	assert_output --partial "inet $GW/24"
	run ip -n "$HOSTNS" -o link show master "$BR"
	assert_output --partial "veth"
	# and packets flow: container -> gateway, host -> container
	run ip netns exec "$ns" ping -c1 -W2 "$GW"
	assert_success
	run ip netns exec "$HOSTNS" ping -c1 -W2 "$ip"
	assert_success
}

# assert_detached NETNS IP CID: what DEL must leave behind: nothing
assert_detached() {
	local ns=$1 ip=$2 cid=$3
	run ip -n "$ns" link show eth0
	assert_failure
	run ip -n "$HOSTNS" -o link show master "$BR"
	refute_output --partial "veth"
	[ ! -e "$IPAMDIR/$NET/$ip" ] || fail "reservation $IPAMDIR/$NET/$ip left: $(ls "$IPAMDIR/$NET")"
	run grep -rl "$cid" "$IPAMDIR/$NET"
	assert_failure
	[ ! -e "$CACHE/results/$NET-$cid-eth0" ] || fail "libcni cache entry left"
	# no nftables/iptables(-nft) rule or set element mentions it any more
	run ip netns exec "$HOSTNS" nft list ruleset
	refute_output --partial "$ip"
}

# start_server NETNS IP PORT FILE: a one-shot TCP server answering
# "peer=<address it sees>" (and writing it to FILE)
start_server() {
	local ns=$1 ip=$2 port=$3 file=$4
	rm -f "$file" "$file.ready"
	ip netns exec "$ns" timeout 300 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
open(sys.argv[3] + ".ready", "w").close()
c, peer = s.accept()
c.sendall(("peer=%s\n" % peer[0]).encode()); c.close()
open(sys.argv[3], "w").write(peer[0] + "\n")
' "$ip" "$port" "$file" >/dev/null 2>&1 3>&- &
	PIDS+=($!)
	# python takes seconds to start on a slow or emulated machine
	local i
	for i in $(seq 1200); do
		[ -e "$file.ready" ] && return 0
		sleep 0.1
	done
	fail "server in $ns did not start"
}

# connect NETNS IP PORT: prints what the server answered
connect() {
	ip netns exec "$1" timeout 120 /usr/bin/python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
print(c.makefile().readline().strip())
' "$2" "$3"
}

# an "outside world" netns behind $HOSTNS: $OUT_PEER <-> $OUT_HOST
make_outside() {
	ip netns add "$OUTNS"
	ip -n "$OUTNS" link set lo up
	ip -n "$HOSTNS" link add "up-$TAG" type veth peer name eth0 netns "$OUTNS"
	ip -n "$HOSTNS" addr add "$OUT_HOST/24" dev "up-$TAG"
	ip -n "$HOSTNS" link set "up-$TAG" up
	ip -n "$OUTNS" addr add "$OUT_PEER/24" dev eth0
	ip -n "$OUTNS" link set eth0 up
	# the outside knows no route to the containers' subnet: only NAT helps
}

# --- basics -----------------------------------------------------------------

@test "libcni: plugins under test are found first in CNI_PATH and report the versions" {
	local v
	run env CNI_PATH="$CNI_TEST_BIN:$REF_BIN" "$CNICTL" version bridge
	assert_success
	for v in "${VERSIONS[@]}"; do assert_output --partial "$v"; done
	run env CNI_PATH="$CNI_TEST_BIN:$REF_BIN" "$CNICTL" version host-local
	assert_success
	for v in "${VERSIONS[@]}"; do assert_output --partial "$v"; done
	run env CNI_PATH="$CNI_TEST_BIN:$REF_BIN" "$CNICTL" version portmap
	assert_success
	for v in "${VERSIONS[@]}"; do assert_output --partial "$v"; done
	[ -x "$CNI_TEST_BIN/portmap" ] || fail "no portmap in CNI_TEST_BIN: the chain would take the reference's"
	for v in "${VERSIONS[@]}"; do
		write_list "$v" "$(bridge_conf "$v")" '{"type":"portmap","capabilities":{"portMappings":true}}'
		run env NETCONFPATH="$NETDIR" CNI_PATH="$CNI_TEST_BIN:$REF_BIN" "$CNICTL" validate "$NET"
		assert_success
		assert_output --partial "portMappings"
	done
}

# One test per version: add, result, kernel state, check, del, cleanup.
lifecycle() {
	local v=$1
	write_list "$v" "$(bridge_conf "$v" '.ipMasq = true')"
	new_ctr c1
	CID=c1-$TAG
	cni_ok add "$NSP"
	local res=$output ip
	jq -e --arg v "$v" '.cniVersion == $v' <<<"$res" >/dev/null || fail "cniVersion: $res"
	ip=$(res_ip4)
	[[ $ip == "$SUBNET".* ]] || fail "address not from $SUBNET.0/24: $res"
	jq -e --arg gw "$GW" '.ips[0].gateway == $gw' <<<"$res" >/dev/null || fail "gateway: $res"
	jq -e '.routes | any(.dst == "0.0.0.0/0")' <<<"$res" >/dev/null || fail "routes: $res"
	# interfaces: bridge, host veth, container eth0 (with its sandbox)
	jq -e --arg br "$BR" --arg sb "$NSP" '
		(.interfaces | length) == 3 and .interfaces[0].name == $br and
		(.ips[0].interface as $i | .interfaces[$i].name == "eth0" and
		 .interfaces[$i].sandbox == $sb)' <<<"$res" >/dev/null ||
		fail "interfaces: $res"
	case $v in
	0.*) jq -e '.ips[0].version == "4"' <<<"$res" >/dev/null || fail "$v needs ips[].version: $res" ;;
	*) jq -e '.ips[0] | has("version") | not' <<<"$res" >/dev/null || fail "ips[].version in 1.0.0: $res" ;;
	esac
	# the MAC reported is the container's
	local mac
	mac=$(ip -n "$NS" -j link show eth0 | jq -r '.[0].address')
	jq -e --arg m "$mac" 'any(.interfaces[]; .name == "eth0" and .mac == $m)' <<<"$res" >/dev/null ||
		fail "eth0 mac $mac not in result: $res"
	assert_attached "$NS" "$ip"
	# the reservation: a file named after the address holding the id
	run cat "$IPAMDIR/$NET/$ip"
	assert_output --partial "$CID"
	# the cache libcni keeps (and hands back as prevResult on CHECK/DEL)
	[ -s "$CACHE/results/$NET-$CID-eth0" ] || fail "no libcni cache entry"
	# masquerade for the container's address
	run ip netns exec "$HOSTNS" nft list ruleset
	assert_output --partial "$ip"

	cni check "$NSP"
	case $v in
	0.3.*)
		assert_failure # libcni itself refuses CHECK before 0.4.0
		[[ $stderr == *"does not support the CHECK command"* ]] || fail "unexpected: $stderr"
		;;
	*) [ "$status" -eq 0 ] || fail "check failed: $stderr" ;;
	esac

	cni_ok del "$NSP"
	assert_detached "$NS" "$ip" "$CID"
	# DEL again (no cached result now): still success
	cni_ok del "$NSP"
}

@test "libcni: add/check/del, cniVersion 0.3.0" { lifecycle 0.3.0; }
@test "libcni: add/check/del, cniVersion 0.3.1" { lifecycle 0.3.1; }
@test "libcni: add/check/del, cniVersion 0.4.0" { lifecycle 0.4.0; }
@test "libcni: add/check/del, cniVersion 1.0.0" { lifecycle 1.0.0; }

@test "libcni: check notices a container address gone (0.4.0 and 1.0.0)" {
	local v
	for v in 0.4.0 1.0.0; do
		write_list "$v" "$(bridge_conf "$v")"
		new_ctr "k${v//./}"
		CID=k$v-$TAG
		cni_ok add "$NSP"
		cni_ok check "$NSP"
		ip -n "$NS" addr flush dev eth0
		cni check "$NSP"
		assert_failure
		cni_ok del "$NSP"
	done
}

@test "libcni: two containers on one bridge reach each other; the host reaches both" {
	write_list 1.0.0 "$(bridge_conf 1.0.0)"
	new_ctr a
	local nsa=$NS pa=$NSP ipa ipb
	CID=a-$TAG cni_ok add "$pa"
	ipa=$(res_ip4)
	new_ctr b
	local nsb=$NS pb=$NSP
	CID=b-$TAG cni_ok add "$pb"
	ipb=$(res_ip4)
	[ "$ipa" != "$ipb" ] || fail "same address twice: $ipa"
	run ip netns exec "$nsa" ping -c1 -W2 "$ipb"
	assert_success
	run ip netns exec "$nsb" ping -c1 -W2 "$ipa"
	assert_success
	run ip netns exec "$HOSTNS" ping -c1 -W2 "$ipa"
	assert_success
	# both veths on the one bridge
	run bash -c "ip -n $HOSTNS -o link show master $BR 2>/dev/null | grep -c veth"
	assert_output 2
	CID=a-$TAG cni_ok del "$pa"
	CID=b-$TAG cni_ok del "$pb"
	run ip -n "$HOSTNS" -o link show master "$BR"
	refute_output --partial veth
}

@test "libcni: 16 containers attached and detached in parallel (as kubelet does)" {
	write_list 1.0.0 "$(bridge_conf 1.0.0 '.ipMasq = true')"
	local i pids=() n=16
	for i in $(seq $n); do new_ctr "p$i"; done
	# all ADDs at once: the first ones race to create the bridge
	for i in $(seq $n); do
		(CID=p$i-$TAG cni_raw add "/var/run/netns/cnit-p$i-$TAG" >"$D/out.$i" 2>"$D/err.$i"
		 echo $? >"$D/st.$i") &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq $n); do
		[ "$(cat "$D/st.$i")" = 0 ] || fail "add p$i: $(cat "$D/err.$i" "$D/out.$i")"
	done
	run bash -c "cat $D/out.* | jq -r '.ips[0].address' 2>/dev/null | sort | uniq -d"
	assert_output ""
	run bash -c "ls $IPAMDIR/$NET | grep -c '^$SUBNET\.'"
	assert_output "$n"
	run bash -c "ip -n $HOSTNS -o link show master $BR 2>/dev/null | grep -c veth"
	assert_output "$n"
	run ip netns exec "cnit-p1-$TAG" ping -c1 -W2 "$(jq -r '.ips[0].address' "$D/out.$n" | cut -d/ -f1)"
	assert_success
	pids=()
	for i in $(seq $n); do
		(CID=p$i-$TAG cni_raw del "/var/run/netns/cnit-p$i-$TAG" >"$D/out.$i" 2>"$D/err.$i"
		 echo $? >"$D/st.$i") &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq $n); do
		[ "$(cat "$D/st.$i")" = 0 ] || fail "del p$i: $(cat "$D/err.$i" "$D/out.$i")"
	done
	run bash -c "ls $IPAMDIR/$NET | grep -c '^$SUBNET\.'"
	assert_output 0
	run ip -n "$HOSTNS" -o link show master "$BR"
	refute_output --partial veth
	run ip netns exec "$HOSTNS" nft list ruleset
	refute_output --partial "$SUBNET.1"
}

@test "libcni: DEL after the container netns is gone releases the address" {
	write_list 1.0.0 "$(bridge_conf 1.0.0 '.ipMasq = true')"
	new_ctr g
	CID=g-$TAG
	cni_ok add "$NSP"
	local ip
	ip=$(res_ip4)
	ip netns del "$NS"
	cni_ok del "$NSP"
	[ ! -e "$IPAMDIR/$NET/$ip" ] || fail "reservation left"
	# The reference bridge 1.1.1 learns the addresses to unmasquerade from
	# the (gone) interface, so it leaves its masquerade rule behind here;
	# ours must not (it has prevResult and the owner of each element).
	if [ "$(realpath "$CNI_TEST_BIN/bridge")" != "$REF_BIN/bridge" ]; then
		run ip netns exec "$HOSTNS" nft list ruleset
		refute_output --partial "$ip"
	fi
}

@test "libcni: upgrade in place: ADD by the reference plugins, CHECK and DEL by ours" {
	write_list 1.0.0 "$(bridge_conf 1.0.0 '.ipMasq = true')"
	new_ctr u
	CID=u-$TAG
	# the containers of a node set up before our binaries were installed
	local save=$CNI_TEST_BIN
	CNI_TEST_BIN=$REF_BIN cni_ok add "$NSP"
	CNI_TEST_BIN=$save
	local ip
	ip=$(res_ip4)
	run ip netns exec "$HOSTNS" iptables -t nat -S POSTROUTING
	assert_output --partial "$ip"
	cni_ok check "$NSP"
	cni_ok del "$NSP"
	assert_detached "$NS" "$ip" "$CID"
	run ip netns exec "$HOSTNS" iptables-save -t nat
	refute_output --partial "$ip"
	refute_output --regexp 'CNI-[0-9a-f]{24}'
}

@test "libcni: a requested address via CNI_ARGS IP= and via the ips capability" {
	write_list 1.0.0 "$(bridge_conf 1.0.0 '.capabilities = {ips: true}')"
	new_ctr s1
	CID=s1-$TAG CNI_ARGS="IgnoreUnknown=1;IP=$SUBNET.77" cni_ok add "$NSP"
	[ "$(res_ip4)" = "$SUBNET.77" ] || fail "not the requested address: $output"
	run ip -n "$NS" -4 -o addr show dev eth0
	assert_output --partial "inet $SUBNET.77/24"
	local p1=$NSP
	new_ctr s2
	CID=s2-$TAG CAP_ARGS="{\"ips\":[\"$SUBNET.88/24\"]}" cni_ok add "$NSP"
	[ "$(res_ip4)" = "$SUBNET.88" ] || fail "not the requested address: $output"
	CID=s2-$TAG CAP_ARGS="{\"ips\":[\"$SUBNET.88/24\"]}" cni_ok check "$NSP"
	CID=s2-$TAG cni_ok del "$NSP"
	CID=s1-$TAG cni_ok del "$p1"
	[ -z "$(ls "$IPAMDIR/$NET" | grep -v -e lock -e last_reserved)" ] ||
		fail "reservations left: $(ls "$IPAMDIR/$NET")"
}

@test "libcni: dual-stack (IPv4 + IPv6 ranges), 1.0.0" {
	write_list 1.0.0 "$(bridge_conf 1.0.0 \
		'.ipam.ranges += [[{subnet: "fd00:cafe::/64"}]]' \
		'.ipam.routes += [{dst: "::/0"}]')"
	new_ctr d
	CID=d-$TAG
	cni_ok add "$NSP"
	local res=$output ip6
	ip6=$(jq -r '[.ips[] | select(.address | test(":"))][0].address' <<<"$res")
	[[ $ip6 == fd00:cafe::*/64 ]] || fail "no IPv6 address: $res"
	jq -e '[.ips[] | select(.gateway == "fd00:cafe::1")] | length == 1' <<<"$res" >/dev/null ||
		fail "IPv6 gateway: $res"
	run ip -n "$NS" -6 -o addr show dev eth0 scope global
	assert_output --partial "inet6 $ip6"
	refute_output --partial tentative
	run ip -n "$NS" -6 route show default
	assert_output --partial "via fd00:cafe::1"
	# the gateway address on the bridge may still be in DAD for a moment
	run ip netns exec "$NS" ping -6 -c1 -w5 fd00:cafe::1
	assert_success
	cni_ok check "$NSP"
	cni_ok del "$NSP"
	run ip -n "$NS" link show eth0
	assert_failure
}

@test "libcni: the mac capability sets the container's MAC" {
	write_list 1.0.0 "$(bridge_conf 1.0.0 '.capabilities = {mac: true}')"
	new_ctr mc
	CID=mc-$TAG CAP_ARGS='{"mac":"0a:58:0a:de:00:63"}' cni_ok add "$NSP"
	jq -e 'any(.interfaces[]; .name == "eth0" and .mac == "0a:58:0a:de:00:63")' <<<"$output" >/dev/null ||
		fail "mac not in result: $output"
	run ip -n "$NS" -o link show eth0
	assert_output --partial "link/ether 0a:58:0a:de:00:63"
	CID=mc-$TAG CAP_ARGS='{"mac":"0a:58:0a:de:00:63"}' cni_ok check "$NSP"
	CID=mc-$TAG cni_ok del "$NSP"
}

# --- chained with portmap and the reference meta plugins ---------------------

# our portmap, the reference firewall (iptables backend) and tuning after
# our bridge: each of them takes the previous result as prevResult.
# (The reference firewall supports 0.4.0 and 1.0.0 only.) hairpinMode: a
# container reaching itself through its host port needs it where
# br_netfilter is loaded (the DNAT'd frame is bridged back out its port).
chain_conf() {
	local v=$1 fw='{"type":"firewall","backend":"iptables"}'
	case $v in 0.3.*) fw= ;; esac
	write_list "$v" "$(bridge_conf "$v" '.ipMasq = true' '.hairpinMode = true')" \
		'{"type":"portmap","capabilities":{"portMappings":true}}' \
		$fw \
		'{"type":"tuning","mtu":1400,"sysctl":{"net.ipv4.conf.eth0.arp_notify":"1"}}'
}

chained() {
	local v=$1 ip
	chain_conf "$v"
	new_ctr m
	CID=m-$TAG
	local pm='{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]}'
	CAP_ARGS=$pm cni_ok add "$NSP"
	local res=$output
	ip=$(res_ip4)
	jq -e --arg v "$v" '.cniVersion == $v' <<<"$res" >/dev/null || fail "cniVersion: $res"
	assert_attached "$NS" "$ip"
	# tuning ran in the container
	run ip -n "$NS" -o link show eth0
	assert_output --partial "mtu 1400"
	run ip netns exec "$NS" cat /proc/sys/net/ipv4/conf/eth0/arp_notify
	assert_output 1
	# firewall: forward rules for the container address
	case $v in
	0.3.*) ;;
	*)
		run ip netns exec "$HOSTNS" iptables -S CNI-FORWARD
		assert_success
		assert_output --partial "$ip"
		;;
	esac
	# portmap (ours): a DNAT element to the container, owned by it
	run ip netns exec "$HOSTNS" nft list table inet cni_c_portmap
	assert_output --partial "tcp . 18080 comment \"$NET/$CID/eth0\" : $ip . 80"
	run ip netns exec "$HOSTNS" iptables-save -t nat
	refute_output --partial "CNI-HOSTPORT"
	case $v in
	0.3.*) ;;
	*)
		# with the mappings (portmap checks them) and without (it skips)
		CAP_ARGS=$pm cni check "$NSP"
		[ "$status" -eq 0 ] || fail "check failed: $stderr"
		cni check "$NSP"
		[ "$status" -eq 0 ] || fail "check failed: $stderr"
		;;
	esac
	CAP_ARGS=$pm cni_ok del "$NSP"
	assert_detached "$NS" "$ip" "$CID"
	run ip netns exec "$HOSTNS" iptables-save
	refute_output --partial "$ip"
}

@test "libcni: chained with our portmap, reference tuning, 0.3.1" { chained 0.3.1; }
@test "libcni: chained with our portmap, reference firewall, tuning, 0.4.0" { chained 0.4.0; }
@test "libcni: chained with our portmap, reference firewall, tuning, 1.0.0" { chained 1.0.0; }

@test "libcni: portMappings: a server in the container reached from the outside netns" {
	chain_conf 1.0.0
	make_outside
	new_ctr w
	CID=w-$TAG
	local pm='{"portMappings":[{"hostPort":18080,"containerPort":8080,"protocol":"tcp"}]}'
	CAP_ARGS=$pm cni_ok add "$NSP"
	local ip
	ip=$(res_ip4)
	start_server "$NS" 0.0.0.0 8080 "$D/seen"
	# the outside connects to the host's address; DNAT sends it on
	run connect "$OUTNS" "$OUT_HOST" 18080
	assert_success
	# the container sees the real client (DNAT only, no SNAT from outside)
	assert_output "peer=$OUT_PEER"
	# hairpin: the container through its own host port (masqueraded)
	start_server "$NS" 0.0.0.0 8080 "$D/seen2"
	run connect "$NS" "$OUT_HOST" 18080
	assert_success
	assert_output "peer=$GW"
	CAP_ARGS=$pm cni_ok del "$NSP"
	# the mapping is gone with the container
	run ip netns exec "$HOSTNS" nft list ruleset
	refute_output --partial "$ip"
}

@test "libcni: ipMasq: the outside sees the host's address, not the container's" {
	write_list 1.0.0 "$(bridge_conf 1.0.0 '.ipMasq = true')"
	make_outside
	new_ctr q
	CID=q-$TAG
	cni_ok add "$NSP"
	local ip
	ip=$(res_ip4)
	start_server "$OUTNS" "$OUT_PEER" 8081 "$D/seen"
	run connect "$NS" "$OUT_PEER" 8081
	assert_success
	assert_output "peer=$OUT_HOST"
	cni_ok del "$NSP"
	# without masquerade the outside cannot answer (no route back)
	run ip netns exec "$HOSTNS" nft list ruleset
	refute_output --partial "$ip"
}

@test "libcni: the example configs in conf/ work (dataDir redirected to the test)" {
	local f base n
	for f in "$BATS_TEST_DIRNAME"/../../conf/*.conflist; do
		base=$(basename "$f" .conflist)
		# containerd's conf_template is a Go template, not a conflist
		# (cri.bats renders it through containerd)
		[ "$(head -c2 "$f")" != "{{" ] || continue
		# fresh netns per example, the list's own bridge and subnet
		n=$(jq -r .name "$f")
		NET=$n
		jq --arg dd "$IPAMDIR" '.plugins[0].ipam.dataDir = $dd' "$f" >"$NETDIR/$base.conflist"
		new_ctr "x$(printf '%s' "$base" | tr -cd 'a-z0-9' | head -c5)"
		CID=x-$TAG
		cni_ok add "$NSP"
		local res=$output
		jq -e '.ips | length >= 1' <<<"$res" >/dev/null || fail "$base: no ips: $res"
		run ip -n "$NS" -o addr show dev eth0 scope global
		assert_output --partial "$(jq -r '.ips[0].address' <<<"$res")"
		if [ "$(jq -r .cniVersion "$f")" != 0.3.1 ]; then
			cni_ok check "$NSP"
		fi
		cni_ok del "$NSP"
		run ip -n "$NS" link show eth0
		assert_failure
		[ -z "$(ls "$IPAMDIR/$n" | grep -v -e lock -e last_reserved)" ] ||
			fail "$base: reservations left: $(ls "$IPAMDIR/$n")"
		rm -f "$NETDIR/$base.conflist"
		ip -n "$HOSTNS" link del "$(jq -r '.plugins[0].bridge' "$f")"
	done
}
