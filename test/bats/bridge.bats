#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The bridge plugin: ADD/DEL core path, result, kernel state, connectivity.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() { br_setup; }
teardown() { br_teardown; }

# bats test_tags=vm
@test "bridge: ADD creates the bridge, veth pair, addresses and gateway" {
	br_run ADD "$(br_conf)"
	assert_success
	# bridge up, with the gateway address
	run hns -o link show "$BR"
	assert_output --partial "state UP"
	run link_addrs "$HOSTNS" "$BR"
	assert_output --partial "10.88.0.1/24"
	# one veth on it, up, its peer in the container as eth0
	run br_ports
	assert_output --regexp '^veth[0-9a-f]{8}$'
	local veth=$output
	run hns -o link show "$veth"
	assert_output --partial "master $BR"
	assert_output --partial "state UP"
	run cns -o link show eth0
	assert_output --partial "state UP"
	run link_addrs "${CNS[0]}" eth0
	assert_output --partial "10.88.0.2/24"
	# the reservation is there
	run reservations
	assert_output "10.88.0.2"
	# sysctls: forwarding on, the bridge does not take RAs, arp_notify
	[ "$(hsysctl net/ipv4/ip_forward)" = 1 ]
	[ "$(hsysctl net/ipv6/conf/$BR/accept_ra)" = 0 ]
	# nor its host veth (as the reference)
	[ "$(hsysctl net/ipv6/conf/$veth/accept_ra)" = 0 ]
	[ "$(csysctl net/ipv4/conf/eth0/arp_notify)" = 1 ]
	# no IPv6 in this container: its IPv6 DAD setting is left as it was
	[ "$(csysctl net/ipv6/conf/eth0/accept_dad)" = 1 ]
}

@test "bridge: veth ends have no TX queue (txqueuelen 0), the bridge keeps the default" {
	br_run ADD "$(br_conf)"
	assert_success
	run br_ports
	local veth=$output
	[ "$(ip netns exec "$HOSTNS" cat /sys/class/net/$veth/tx_queue_len)" = 0 ]
	[ "$(ip netns exec "${CNS[0]}" cat /sys/class/net/eth0/tx_queue_len)" = 0 ]
	[ "$(ip netns exec "$HOSTNS" cat /sys/class/net/$BR/tx_queue_len)" != 0 ]
}

@test "bridge: ADD result has bridge, host veth, container interface and ips (index 2)" {
	br_run ADD "$(br_conf)"
	assert_success
	local r=$output veth brmac vmac cmac
	veth=$(br_ports)
	brmac=$(hns -j link show "$BR" | jq -r '.[0].address')
	vmac=$(hns -j link show "$veth" | jq -r '.[0].address')
	cmac=$(cns -j link show eth0 | jq -r '.[0].address')
	run jq -c '.interfaces' <<<"$r"
	assert_output "[{\"name\":\"$BR\",\"mac\":\"$brmac\"},{\"name\":\"$veth\",\"mac\":\"$vmac\"},{\"name\":\"eth0\",\"mac\":\"$cmac\",\"sandbox\":\"$NETNS_PATH\"}]"
	run jq -c '.ips' <<<"$r"
	assert_output '[{"interface":2,"address":"10.88.0.2/24","gateway":"10.88.0.1"}]'
	run jq -r '.cniVersion' <<<"$r"
	assert_output "1.0.0"
	# no routes: host-local gave none and isDefaultGateway is off
	run jq -r 'has("routes")' <<<"$r"
	assert_output false
}

@test "bridge: ADD result in 0.3.1 and 0.4.0 carries ips versions" {
	for v in 0.3.1 0.4.0; do
		CNIVER=$v
		CID=ctr-$v-$TAG
		IFNAME=e${v//./}
		br_run ADD "$(br_conf)"
		assert_success
		run jq -r '.cniVersion, .ips[0].version, .ips[0].interface' <<<"$output"
		assert_output "$(printf '%s\n4\n2' "$v")"
	done
}

@test "bridge: isDefaultGateway adds the default route and reports it" {
	br_run ADD "$(br_conf '.isDefaultGateway = true | del(.isGateway)')"
	assert_success
	run jq -c '.routes' <<<"$output"
	assert_output '[{"dst":"0.0.0.0/0","gw":"10.88.0.1"}]'
	run cns route show default
	assert_output --partial "default via 10.88.0.1 dev eth0"
	run link_addrs "$HOSTNS" "$BR"
	assert_output --partial "10.88.0.1/24"
}

@test "bridge: IPAM routes are installed, without gateway via the gateway" {
	br_run ADD "$(br_conf '.ipam.routes = [{dst: "192.168.50.0/24"}, {dst: "172.30.0.0/16", gw: "10.88.0.254"}]')"
	assert_success
	run cns route show
	assert_output --partial "192.168.50.0/24 via 10.88.0.1 dev eth0"
	assert_output --partial "172.30.0.0/16 via 10.88.0.254 dev eth0"
	run jq -c '.routes' <<<"$output"
}

# bats test_tags=vm
@test "bridge: DEL removes the interfaces and the reservation, keeps the bridge" {
	local conf
	conf=$(br_conf)
	br_run ADD "$conf"
	assert_success
	br_run DEL "$conf"
	assert_success
	assert_output ""
	assert_no_veth
	run cns -o link show eth0
	assert_failure
	run reservations
	assert_output ""
	run hns -o link show "$BR"
	assert_success
	# again: still fine
	br_run DEL "$conf"
	assert_success
}

@test "bridge: DEL succeeds when the netns is gone or not given" {
	local conf
	conf=$(br_conf)
	br_run ADD "$conf"
	assert_success
	ip netns del "${CNS[0]}"
	br_run DEL "$conf"
	assert_success
	run reservations
	assert_output ""
	NETNS_PATH=
	br_run DEL "$conf"
	assert_success
	NETNS_PATH=/var/run/netns/cni-test-none-$TAG
	br_run DEL "$conf"
	assert_success
}

@test "bridge: DEL succeeds when the container interface is already gone" {
	local conf
	conf=$(br_conf)
	br_run ADD "$conf"
	assert_success
	cns link del eth0
	br_run DEL "$conf"
	assert_success
	run reservations
	assert_output ""
	assert_no_veth
}

@test "bridge: DEL without netns still releases the IP" {
	local conf
	conf=$(br_conf)
	br_run ADD "$conf"
	assert_success
	local p=$NETNS_PATH
	NETNS_PATH=
	br_run DEL "$conf"
	assert_success
	run reservations
	assert_output ""
	# the interface is still there until its netns goes
	NETNS_PATH=$p
	br_run DEL "$conf"
	assert_success
	assert_no_veth
}

# bats test_tags=vm
@test "bridge: two containers reach each other; the host reaches them via the gateway" {
	local conf p2
	conf=$(br_conf)
	br_run ADD "$conf"
	assert_success
	new_cns 1
	p2=$NSP
	CID=ctr2-$TAG NETNS_PATH=$p2 br_run ADD "$conf"
	assert_success
	run ip netns exec "${CNS[0]}" ping -c1 -W2 10.88.0.3
	assert_success
	run ip netns exec "${CNS[1]}" ping -c1 -W2 10.88.0.2
	assert_success
	run ip netns exec "$HOSTNS" ping -c1 -W2 10.88.0.2
	assert_success
	run ip netns exec "$HOSTNS" ping -c1 -W2 10.88.0.3
	assert_success
}

@test "bridge: container reaches an address behind the host via its default route" {
	br_run ADD "$(br_conf '.isDefaultGateway = true')"
	assert_success
	# an address on the host netns' loopback, outside the bridge subnet
	hns addr add 198.51.100.7/32 dev lo
	run ip netns exec "${CNS[0]}" ping -c1 -W2 198.51.100.7
	assert_success
}

# bats test_tags=vm
@test "bridge: dual stack; the IPv6 address is usable (not tentative) when ADD returns" {
	local conf
	conf=$(br_conf '.isDefaultGateway = true | .ipam = {type: "host-local", dataDir: .ipam.dataDir,
		ranges: [[{subnet: "10.88.0.0/24"}], [{subnet: "fd00:88::/64"}]]}')
	br_run ADD "$conf"
	assert_success
	local r=$output
	run ip -n "${CNS[0]}" -6 -o addr show dev eth0 scope global
	assert_output --partial "fd00:88::2/64"
	refute_output --partial "tentative"
	assert_output --partial "nodad"
	run link_addrs "$HOSTNS" "$BR"
	assert_output --partial "fd00:88::1/64"
	run jq -c '[.ips[] | .address], [.routes[] | .dst]' <<<"$r"
	assert_output "$(printf '%s\n%s' '["10.88.0.2/24","fd00:88::2/64"]' '["0.0.0.0/0","::/0"]')"
	run cns -6 route show default
	assert_output --partial "via fd00:88::1 dev eth0"
	[ "$(hsysctl net/ipv6/conf/all/forwarding)" = 1 ]
	# DAD off in the container (as the reference), arp_notify on (by netlink)
	[ "$(csysctl net/ipv6/conf/eth0/accept_dad)" = 0 ]
	[ "$(csysctl net/ipv4/conf/eth0/arp_notify)" = 1 ]
	# (three tries: one lost to neighbour discovery on a loaded machine is fine)
	run ip netns exec "$HOSTNS" ping -6 -c3 -i0.2 -W3 fd00:88::2
	assert_success
}

# bats test_tags=vm
@test "bridge: L2 only (empty ipam): no addresses, container end up, no ips in the result" {
	br_run ADD "$(br_conf '.ipam = {} | del(.isGateway)')"
	assert_success
	run jq -c '.ips, (.interfaces | length)' <<<"$output"
	assert_output "$(printf 'null\n3')"
	run cns -o link show eth0
	assert_output --partial "state UP"
	run ip -n "${CNS[0]}" -4 -o addr show dev eth0
	assert_output ""
	run link_addrs "$HOSTNS" "$BR"
	refute_output --partial "10.88"
	br_run DEL "$(br_conf '.ipam = {} | del(.isGateway)')"
	assert_success
	assert_no_veth
}

@test "bridge: ADD of an interface name taken in the container fails, leaving nothing" {
	ip -n "${CNS[0]}" link add eth0 type veth peer name eth0p
	br_run ADD "$(br_conf)"
	assert_failure
	run jq -r .msg <<<"$output"
	assert_output "container veth name provided (eth0) already exists"
	assert_no_veth
	run reservations
	assert_output ""
}

@test "bridge: an existing link with the bridge's name that is not a bridge is an error" {
	hns link add "$BR" type veth peer name "p$BR"
	br_run ADD "$(br_conf)"
	assert_failure
	run jq -r .msg <<<"$output"
	assert_output --partial "\"$BR\" already exists but is not a bridge"
	assert_no_veth
	run reservations
	assert_output ""
}

@test "bridge: an existing bridge is reused and brought up" {
	hns link add "$BR" type bridge
	br_run ADD "$(br_conf)"
	assert_success
	run hns -o link show "$BR"
	assert_output --partial "UP"
	run br_ports
	assert_output --regexp '^veth'
}

@test "bridge: a bad netns path fails before any change" {
	NETNS_PATH=/var/run/netns/cni-test-nope-$TAG
	br_run ADD "$(br_conf)"
	assert_failure
	run jq -r .msg <<<"$output"
	assert_output --partial "failed to open netns"
	run hns -o link show "$BR"
	assert_failure
	run reservations
	assert_output ""
}

@test "bridge: VERSION and the about text" {
	run --separate-stderr env -i CNI_COMMAND=VERSION "$CNI_TEST_BIN/bridge" <<<'{"cniVersion":"1.0.0"}'
	assert_success
	run jq -r '.supportedVersions | index("0.3.1") != null and index("1.1.0") != null' <<<"$output"
	assert_output true
}
