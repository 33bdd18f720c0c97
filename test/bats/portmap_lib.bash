# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by test/bats/portmap*.bats (after `load helpers`).
#
# Isolation: every test makes a "host" netns ($HOSTNS) with our bridge
# (hairpinMode, dual stack) and runs portmap inside it, so its nftables
# table, the reference's iptables-nft chains and the route_localnet sysctl
# live there; an "outside" netns ($OUTNS) hangs off it through a veth:
#
#   $OUTNS eth0 192.0.2.2 / 2001:db8:1::2  <->  up-$TAG 192.0.2.1 / 2001:db8:1::1 $HOSTNS
#   $HOSTNS $BR 10.77.0.1/24 fd00:77::1/64  <->  containers 10.77.0.x / fd00:77::x
#
# teardown kills the servers and deletes the netns: nothing touches the
# real host. Documentation and ULA addresses only exist inside them.

OUT_HOST4=192.0.2.1
OUT_PEER4=192.0.2.2
OUT_HOST6=2001:db8:1::1
OUT_PEER6=2001:db8:1::2
GW4=10.77.0.1
GW6=fd00:77::1

pm_setup() {
	[ -x "$CNI_TEST_BIN/portmap" ] || fail "no portmap in CNI_TEST_BIN=$CNI_TEST_BIN"
	[ -x "$CNI_TEST_BIN/bridge" ] || fail "no bridge in CNI_TEST_BIN=$CNI_TEST_BIN"
	TAG=$(uniq_tag)
	HOSTNS=cni-test-pmh$TAG
	OUTNS=cni-test-pmo$TAG
	BR=pmbr$TAG
	UP=up-$TAG
	NET=pmnet-$TAG
	D=$BATS_TEST_TMPDIR
	CNS=()
	PIDS=()
	ip netns add "$HOSTNS"
	ip -n "$HOSTNS" link set lo up
	ip netns add "$OUTNS"
	ip -n "$OUTNS" link set lo up
	ip -n "$HOSTNS" link add "$UP" type veth peer name eth0 netns "$OUTNS"
	ip -n "$HOSTNS" addr add "$OUT_HOST4/24" dev "$UP"
	ip -n "$HOSTNS" addr add "$OUT_HOST6/64" dev "$UP" nodad
	ip -n "$HOSTNS" link set "$UP" up
	ip -n "$OUTNS" addr add "$OUT_PEER4/24" dev eth0
	ip -n "$OUTNS" addr add "$OUT_PEER6/64" dev eth0 nodad
	ip -n "$OUTNS" link set eth0 up
	# the outside knows no route to the containers: only DNAT reaches them
	write_servers
}

pm_teardown() {
	local p ns
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for ns in "${CNS[@]}" "$OUTNS" "$HOSTNS"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# the bridge's config: dual stack (unless $V4ONLY), hairpin, default routes
br_conf() {
	jq -nc --arg br "$BR" --arg net "$NET" --arg dir "$D/ipam" --arg v "${CNIVER:-1.0.0}" \
		--arg v4only "${V4ONLY:-}" '
		{cniVersion: $v, name: $net, type: "bridge", bridge: $br, isGateway: true,
		 isDefaultGateway: true, hairpinMode: true,
		 ipam: {type: "host-local", dataDir: $dir,
			ranges: ([[{subnet: "10.77.0.0/24"}]] + (if $v4only == "" then [[{subnet: "fd00:77::/64"}]] else [] end))}}'
}

# new_ctr NAME: a container netns attached by our bridge; sets $NS, $NSP,
# $RES (the bridge's result), $IP4, $IP6 and $CID
new_ctr() {
	NS=cni-test-pm$1$TAG
	NSP=/var/run/netns/$NS
	CID=ctr-$1-$TAG
	ip netns add "$NS" || return 1
	CNS+=("$NS")
	ip -n "$NS" link set lo up
	RES=$(ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID="$CID" \
		CNI_NETNS="$NSP" CNI_IFNAME=eth0 CNI_PATH="$CNI_TEST_BIN" "$CNI_TEST_BIN/bridge" \
		<<<"$(br_conf)") || fail "bridge ADD: $RES"
	IP4=$(jq -r '[.ips[].address | select(test("^[0-9.]+/"))][0] // "" | split("/")[0] // ""' <<<"$RES")
	IP6=$(jq -r '[.ips[].address | select(test(":"))][0] // "" | split("/")[0] // ""' <<<"$RES")
	# the first packets after a link comes up may meet neighbour discovery
	# still in progress: let the container and the gateway meet (-w: as
	# soon as one answer arrives)
	ip netns exec "$NS" ping -4 -c1 -w10 "$GW4" >/dev/null || fail "no IPv4 to the gateway"
	[ -z "$IP6" ] || ip netns exec "$NS" ping -6 -c1 -w10 "$GW6" >/dev/null ||
		fail "no IPv6 to the gateway: $(ip -n "$NS" -6 addr; ip -n "$NS" -6 neigh; ip -n "$HOSTNS" -6 addr; ip -n "$HOSTNS" -6 neigh; ip -n "$HOSTNS" link; ip netns exec "$HOSTNS" sysctl -a 2>/dev/null | grep -e forwarding -e disable_ipv6)"
}

# pm_conf MAPPINGS_JSON [JQ_FILTER]: a portmap config for the container
# of $RES (its prevResult), the mappings as runtimeConfig.portMappings
pm_conf() {
	jq -nc --arg net "$NET" --arg v "${CNIVER:-1.0.0}" --argjson pm "$1" \
		--argjson r "${PREV:-$RES}" '
		{cniVersion: $v, name: $net, type: "portmap", runtimeConfig: {portMappings: $pm},
		 prevResult: $r} | '"${2:-.}"
}

# pm_run CMD CONF [BIN]: portmap in $HOSTNS for $CID/$NSP; bats `run` semantics
pm_run() {
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND="$1" \
		CNI_CONTAINERID="$CID" CNI_NETNS="${NSP:-}" CNI_IFNAME="${IFNAME:-eth0}" \
		CNI_PATH="$CNI_TEST_BIN" "${3:-$CNI_TEST_BIN/portmap}" <<<"$2"
}

pm_ok() {
	pm_run "$@"
	[ "$status" -eq 0 ] || fail "portmap $1 failed ($status): $output $stderr"
}

# our table, or "" when there is none
pm_table() { ip netns exec "$HOSTNS" nft list table inet cni_c_portmap 2>/dev/null || true; }
# the elements owned by an owner "net/cid/ifname", one per line
pm_owned() { pm_table | grep -o "comment \"$1\"" || true; }
# everything the reference portmap (iptables-nft) holds
ref_rules() {
	{
		ip netns exec "$HOSTNS" iptables-save -t nat
		ip netns exec "$HOSTNS" ip6tables-save -t nat
	} 2>/dev/null | grep -v '^#' || true
}

write_servers() {
	cat >"$D/tcp_server.py" <<-'EOF'
		import socket, sys
		host, port, name, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
		s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
		s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		if ":" in host:
		    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
		s.bind((host, port)); s.listen(16)
		open(ready, "w").close()
		while True:
		    c, peer = s.accept()
		    a = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
		    c.sendall(("%s peer=%s\n" % (name, a)).encode()); c.close()
	EOF
	cat >"$D/udp_server.py" <<-'EOF'
		import socket, sys
		host, port, name, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
		s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
		if ":" in host:
		    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
		s.bind((host, port))
		open(ready, "w").close()
		while True:
		    d, peer = s.recvfrom(100)
		    a = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
		    s.sendto(("%s peer=%s\n" % (name, a)).encode(), peer)
	EOF
	cat >"$D/client.py" <<-'EOF'
		import socket, sys
		proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
		fam = socket.AF_INET6 if ":" in host else socket.AF_INET
		try:
		    if proto == "tcp":
		        c = socket.create_connection((host, port), timeout=5)
		        print(c.makefile().readline().strip())
		    else:
		        s = socket.socket(fam, socket.SOCK_DGRAM)
		        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", int(sys.argv[4])))
		        s.settimeout(5)
		        for i in range(3):
		            s.sendto(b"hi", (host, port))
		            try:
		                print(s.recvfrom(100)[0].decode().strip()); break
		            except socket.timeout:
		                pass
		        else:
		            print("no answer")
		except ConnectionRefusedError:
		    print("refused")
		except OSError as e:
		    print("error: %s" % e)
	EOF
}

# serve PROTO NETNS ADDR PORT NAME: a server answering "NAME peer=<source it sees>"
serve() {
	local proto=$1 ns=$2 addr=$3 port=$4 name=$5 ready=$D/ready-$RANDOM$RANDOM i
	ip netns exec "$ns" /usr/bin/python3 "$D/${proto}_server.py" "$addr" "$port" "$name" \
		"$ready" >/dev/null 2>&1 3>&- &
	PIDS+=($!)
	for i in $(seq 100); do
		[ -e "$ready" ] && return 0
		sleep 0.1
	done
	fail "$proto server in $ns did not start"
}

# talk PROTO NETNS ADDR PORT [SRCPORT]: what the server answered (or
# "refused", "no answer", "error: ...")
talk() {
	ip netns exec "$2" /usr/bin/python3 "$D/client.py" "$1" "$3" "$4" "${5:-0}"
}
