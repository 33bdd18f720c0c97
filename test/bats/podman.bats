#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# podman (4.x, CNI network backend) with our bridge, host-local and portmap.
#
# Everything podman keeps goes to a temp dir: containers.conf via
# CONTAINERS_CONF (CNI backend, cni_plugin_dirs = [$CNI_TEST_BIN,
# /usr/lib/cni], network_config_dir, tmp_dir, file locks, file events,
# runc, cgroupfs, default_ulimits = []) and storage.conf via
# CONTAINERS_STORAGE_CONF (vfs, graphroot/runroot). The image is busybox
# from busybox-static, made with `podman import` (no registry needed).
#
# podman runs inside a "host" netns of its own (nsenter --net, so the mount
# namespace stays the host's and the netns podman makes for containers
# under /run/netns stay visible to later podman commands): the bridge,
# ip_forward, and the iptables chains of portmap/firewall are made there
# and vanish with it. What podman's CNI backend keeps under /var/lib/cni
# (reservations in networks/$NET, libcni's results/$NET-*) is removed in
# teardown, as are the cgroups (own --cgroup-parent).
#
# The tests of this file build on each other, in order.

bats_require_minimum_version 1.5.0
load helpers

IMAGE=localhost/cni-c-test-busybox:latest

# podman ARGS...: podman with the test's config, in the test's host netns
pod() {
	nsenter --net="/run/netns/$HOSTNS" -- podman "$@"
}

setup_file() {
	local why=
	command -v podman >/dev/null || why="podman not installed"
	[ -n "$why" ] || command -v runc >/dev/null || why="runc not installed"
	[ -n "$why" ] || [ -x /bin/busybox ] || why="busybox-static not installed"
	[ -n "$why" ] || [ "$(id -u)" = 0 ] || why="needs root"
	if [ -n "$why" ]; then
		export POD_SKIP=$why
		return 0
	fi
	TAG=$(uniq_tag)
	# short path: conmon's socket paths under runroot must stay < 108 bytes
	D=$(mktemp -d /tmp/cnipod.XXXXXX)
	HOSTNS=cnipod-h-$TAG
	OUTNS=cnipod-o-$TAG
	NET=cnipod-$TAG
	CGP=cni-c-test-$TAG
	SUBNET=10.241.$((RANDOM % 200 + 20))
	export TAG D HOSTNS OUTNS NET CGP SUBNET
	# what exists before, so teardown removes only what we created
	[ -e /var/lib/cni ] && touch "$D/had-var-lib-cni"
	[ -e /var/lib/containers ] && touch "$D/had-var-lib-containers"

	mkdir -p "$D/net.d" "$D/store" "$D/run" "$D/tmp"
	cat >"$D/containers.conf" <<-EOF
		[containers]
		default_ulimits = []
		log_driver = "k8s-file"
		[network]
		network_backend = "cni"
		cni_plugin_dirs = ["$CNI_TEST_BIN", "/usr/lib/cni"]
		network_config_dir = "$D/net.d"
		default_subnet = "10.241.250.0/24"
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$D/tmp/events.log"
		lock_type = "file"
		tmp_dir = "$D/tmp"
		static_dir = "$D/store/libpod"
		volume_path = "$D/store/volumes"
	EOF
	cat >"$D/storage.conf" <<-EOF
		[storage]
		driver = "vfs"
		graphroot = "$D/store"
		runroot = "$D/run"
	EOF
	export CONTAINERS_CONF=$D/containers.conf CONTAINERS_STORAGE_CONF=$D/storage.conf
	export CONTAINERS_REGISTRIES_CONF=$D/registries.conf
	printf 'unqualified-search-registries = []\n' >"$D/registries.conf"

	ip netns add "$HOSTNS"
	ip -n "$HOSTNS" link set lo up

	# busybox image: /bin/busybox and the applets we use as symlinks
	local r=$D/rootfs a
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" "$r/www" "$r/root"
	cp /bin/busybox "$r/bin/"
	for a in sh ping ip sleep cat echo ls hostname httpd nc wget true; do
		ln -s busybox "$r/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
	tar -C "$r" -cf "$D/busybox.tar" .
	if ! out=$(pod import --change 'CMD ["/bin/sh"]' "$D/busybox.tar" "$IMAGE" 2>&1); then
		export POD_SKIP="cannot import an image with podman: $out"
		return 0
	fi
	# Can this machine run a container at all?
	if ! out=$(pod run --rm --network none --cgroup-parent "/$CGP" "$IMAGE" true 2>&1); then
		export POD_SKIP="this machine cannot run containers (podman run: $out)"
		return 0
	fi

	# Which binaries podman executes (to prove ours are the ones used)
	if command -v inotifywait >/dev/null; then
		inotifywait -m -e open --format '%w%f' "$CNI_TEST_BIN/bridge" \
			"$CNI_TEST_BIN/host-local" "$CNI_TEST_BIN/portmap" >"$D/exec.log" \
			2>"$D/inotify.err" 3>&- &
		echo $! >"$D/inotify.pid"
		local i
		for i in $(seq 50); do
			grep -q 'Watches established' "$D/inotify.err" && break
			sleep 0.1
		done
	fi
}

teardown_file() {
	[ -n "${D:-}" ] && [ -d "$D" ] || return 0
	[ -f "$D/inotify.pid" ] && kill "$(cat "$D/inotify.pid")" 2>/dev/null
	if [ -n "${HOSTNS:-}" ] && [ -e "/run/netns/$HOSTNS" ]; then
		pod rm -a -f -t 0 >/dev/null 2>&1
		pod network rm -f "$NET" >/dev/null 2>&1
		pod rmi -a -f >/dev/null 2>&1
	fi
	local n
	for n in "${OUTNS:-}" "${HOSTNS:-}"; do
		[ -n "$n" ] && ip netns del "$n" 2>/dev/null
	done
	# what podman's CNI backend left in the CNI state dirs, ours only
	if [ -n "${NET:-}" ]; then
		rm -rf "/var/lib/cni/networks/$NET"
		rm -f /var/lib/cni/results/"$NET"-*
	fi
	if [ ! -e "$D/had-var-lib-cni" ]; then
		rmdir /var/lib/cni/networks /var/lib/cni/results /var/lib/cni 2>/dev/null
	fi
	# containers/image's blob-info cache (root's path is fixed); only if we made it
	if [ ! -e "$D/had-var-lib-containers" ] && [ -d /var/lib/containers ] &&
		[ -z "$(find /var/lib/containers -mindepth 1 -not -path '/var/lib/containers/cache*' | head -1)" ]; then
		rm -rf /var/lib/containers
	fi
	if [ -n "${CGP:-}" ]; then
		local c
		for c in /sys/fs/cgroup/*/"$CGP" /sys/fs/cgroup/"$CGP"; do
			[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	fi
	# any mount podman left under the temp dir (shm of a container)
	grep -o " ${D}[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
	rm -rf "$D"
}

setup() {
	[ -z "${POD_SKIP:-}" ] || skip "$POD_SKIP"
}

# cip NAME: a container's address on $NET
cip() {
	pod inspect "$1" --format "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}"
}

@test "podman: network create writes bridge + host-local (+ portmap, firewall, tuning); ours come first" {
	run pod network create --subnet "$SUBNET.0/24" "$NET"
	assert_success
	local f=$D/net.d/$NET.conflist
	[ -f "$f" ] || fail "no $f: $(ls "$D/net.d")"
	run jq -r '[.plugins[].type] | join(" ")' "$f"
	assert_output "bridge portmap firewall tuning"
	run jq -r '.plugins[0] | "\(.ipam.type) \(.ipam.ranges[0][0].subnet) \(.isGateway) \(.ipMasq)"' "$f"
	assert_output "host-local $SUBNET.0/24 true true"
	# the bridge and IPAM found first are the ones under test
	run pod info --format '{{.Host.NetworkBackend}}'
	assert_output cni
	run grep -F "cni_plugin_dirs = [\"$CNI_TEST_BIN\", \"/usr/lib/cni\"]" "$CONTAINERS_CONF"
	assert_success
	run pod network inspect "$NET" --format '{{.Driver}} {{.NetworkInterface}}'
	assert_output --regexp '^bridge cni-podman[0-9]+$'
}

@test "podman: two containers ping each other and the gateway" {
	local c
	for c in c1 c2; do
		run pod run -d --name "$c-$TAG" --network "$NET" --cgroup-parent "/$CGP" "$IMAGE" sleep 600
		assert_success
	done
	local ip1 ip2
	ip1=$(cip "c1-$TAG")
	ip2=$(cip "c2-$TAG")
	[[ $ip1 == "$SUBNET".* && $ip2 == "$SUBNET".* && $ip1 != "$ip2" ]] ||
		fail "addresses: '$ip1' '$ip2'"
	# the container sees the address podman reports, and a default route
	run pod exec "c1-$TAG" ip -4 -o addr show dev eth0
	assert_output --partial "inet $ip1/24"
	run pod exec "c1-$TAG" ip route
	assert_output --partial "default via $SUBNET.1"
	run pod exec "c1-$TAG" ping -c1 -W2 "$ip2"
	assert_success
	run pod exec "c2-$TAG" ping -c1 -W2 "$ip1"
	assert_success
	run pod exec "c1-$TAG" ping -c1 -W2 "$SUBNET.1"
	assert_success
	# the host (netns) side: the bridge with the gateway, two veths on it
	local br
	br=$(pod network inspect "$NET" --format '{{.NetworkInterface}}')
	run ip -n "$HOSTNS" -4 -o addr show dev "$br"
	assert_output --partial "inet $SUBNET.1/24"
	run bash -c "ip -n $HOSTNS -o link show master $br 2>/dev/null | grep -c veth"
	assert_output 2
	# the reservations, in podman's (host-local's default) dataDir
	[ -f "/var/lib/cni/networks/$NET/$ip1" ] || fail "no reservation for $ip1"
	[ -f "/var/lib/cni/networks/$NET/$ip2" ] || fail "no reservation for $ip2"
}

@test "podman: the bridge, host-local and portmap executed were those in CNI_TEST_BIN" {
	command -v inotifywait >/dev/null || skip "inotify-tools not installed (apt-get install inotify-tools)"
	run cat "$D/exec.log"
	assert_output --partial "$CNI_TEST_BIN/bridge"
	assert_output --partial "$CNI_TEST_BIN/host-local"
	assert_output --partial "$CNI_TEST_BIN/portmap"
}

@test "podman: -p publishes a port (our portmap after our bridge) to another netns" {
	[ -x "$CNI_TEST_BIN/portmap" ] || fail "no portmap in CNI_TEST_BIN: podman would take the reference's"
	# an outside netns behind the host netns
	ip netns add "$OUTNS"
	ip -n "$OUTNS" link set lo up
	ip -n "$HOSTNS" link add "pup-$TAG" type veth peer name eth0 netns "$OUTNS"
	ip -n "$HOSTNS" addr add 192.0.2.1/24 dev "pup-$TAG"
	ip -n "$HOSTNS" link set "pup-$TAG" up
	ip -n "$OUTNS" addr add 192.0.2.2/24 dev eth0
	ip -n "$OUTNS" link set eth0 up
	run pod run -d --name "web-$TAG" --network "$NET" --cgroup-parent "/$CGP" -p 18080:8080 \
		"$IMAGE" sh -c 'echo hello-from-$(hostname) > /www/index.html; exec httpd -f -p 8080 -h /www'
	assert_success
	local id=${output:0:12} i
	for i in $(seq 30); do
		run ip netns exec "$OUTNS" timeout 5 /usr/bin/python3 -c '
import urllib.request
print(urllib.request.urlopen("http://192.0.2.1:18080/", timeout=3).read().decode().strip())'
		[ "$status" -eq 0 ] && break
		sleep 0.2
	done
	assert_success
	assert_output "hello-from-$id"
	local ip
	ip=$(cip "web-$TAG")
	# the mapping is ours: an element of table inet cni_c_portmap, no iptables rule
	run ip netns exec "$HOSTNS" nft list table inet cni_c_portmap
	assert_output --partial "tcp . 18080 comment"
	assert_output --partial ": $ip . 8080"
	run ip netns exec "$HOSTNS" iptables -t nat -S
	refute_output --partial "$ip:8080"
	run pod rm -f -t 0 "web-$TAG"
	assert_success
	run ip netns exec "$HOSTNS" nft list ruleset
	refute_output --partial "$ip"
}

@test "podman: rm -f leaves no veth, reservation, cache entry or nftables element" {
	local ip1 ip2 br
	ip1=$(cip "c1-$TAG")
	ip2=$(cip "c2-$TAG")
	br=$(pod network inspect "$NET" --format '{{.NetworkInterface}}')
	run pod rm -f -t 0 "c1-$TAG" "c2-$TAG"
	assert_success
	run ip -n "$HOSTNS" -o link show master "$br"
	refute_output --partial veth
	run bash -c "ip -n $HOSTNS -o link show type veth | grep -v 'pup-$TAG'"
	assert_output ""
	run ls "/var/lib/cni/networks/$NET"
	refute_output --partial "$ip1"
	refute_output --partial "$ip2"
	run bash -c "ls /var/lib/cni/results/ 2>/dev/null | grep -F -- '$NET-'"
	assert_failure
	run ip netns exec "$HOSTNS" nft list ruleset
	refute_output --partial "$ip1"
	refute_output --partial "$ip2"
	# podman's own netns for the containers are gone too
	run pod ps -a --format '{{.Names}}'
	assert_output ""
}

@test "podman: network rm removes the network and its bridge" {
	local br
	br=$(pod network inspect "$NET" --format '{{.NetworkInterface}}')
	run pod network rm "$NET"
	assert_success
	[ ! -e "$D/net.d/$NET.conflist" ] || fail "conflist left"
	run ip -n "$HOSTNS" link show "$br"
	assert_failure
}
