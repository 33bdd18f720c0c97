#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The release tarball (`make dist`), installed as an operator installs the
# reference's: checked against its .sha256, unpacked into a fresh plugin
# directory, then the chain a runtime runs for a pod (loopback, bridge with
# host-local, portmap) from that directory alone, in private netns.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup_file() {
	# one build of the tarball for the file's tests (the release build)
	export DIST_OUT=$BATS_FILE_TMPDIR/dist
	make -s -C "$REPO" dist DIST_DIR="$DIST_OUT" >"$BATS_FILE_TMPDIR/make.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/make.log" >&3; return 1; }
}

setup() { br_setup; }
teardown() { br_teardown; }

version() { sed -n 's/^#define CNI_PLUGIN_VERSION "\(.*\)"/\1/p' "$REPO/pkg/cni/version.h"; }

# the tarball's path
tarball() { ls "$DIST_OUT"/cni-c-plugins-linux-*-v"$(version)".tgz; }

# unpack into a fresh directory ($OPT); checks the sha256 first
install_fresh() {
	OPT=$BATS_TEST_TMPDIR/opt-cni-bin
	mkdir -p "$OPT"
	(cd "$DIST_OUT" && sha256sum -c --quiet "$(basename "$(tarball)").sha256") ||
		fail "the tarball does not match its .sha256"
	tar -C "$OPT" -xzf "$(tarball)"
}

@test "dist: the tarball is named for the version, has the four plugins and a matching sha256" {
	local v t
	v=$(version)
	[ -n "$v" ] || fail "no version in pkg/cni/version.h"
	t=$(tarball)
	[[ $(basename "$t") =~ ^cni-c-plugins-linux-[a-z0-9_]+-v${v//./\\.}\.tgz$ ]] || fail "name: $t"
	run tar -tzf "$t"
	assert_success
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "./LICENSE ./README.md ./bridge ./host-local ./loopback ./portmap "
	install_fresh
	# stripped release binaries, executable
	local p
	for p in bridge host-local portmap loopback; do
		[ -x "$OPT/$p" ] || fail "$p is not executable"
		run readelf -S "$OPT/$p"
		refute_output --partial ".symtab"
	done
	# a second build of the same tree gives the same bytes
	cp "$t" "$BATS_TEST_TMPDIR/first.tgz"
	make -s -C "$REPO" dist DIST_DIR="$DIST_OUT" >/dev/null 2>&1
	cmp "$t" "$BATS_TEST_TMPDIR/first.tgz" || fail "make dist is not reproducible"
}

@test "dist: --version and the CNI VERSION command of every binary name the same version" {
	local v p
	v=$(version)
	install_fresh
	for p in bridge host-local portmap loopback; do
		run --separate-stderr "$OPT/$p" --version
		assert_success
		[[ $stderr == *"v$v"* || $stderr == *" $v"* ]] || fail "$p --version: $stderr"
		[[ $stderr == *"$p"* ]] || fail "$p --version does not name $p: $stderr"
		run --separate-stderr env -i CNI_COMMAND=VERSION "$OPT/$p" <<<'{"cniVersion":"1.0.0"}'
		assert_success
		jq -e '.supportedVersions | index("1.1.0")' <<<"$output" >/dev/null || fail "$p VERSION: $output"
	done
	# the ELF note host-local carries (the bridge runs it in-process only on a match)
	readelf -n "$OPT/host-local" | grep -q 'Owner.*\|cni-c' || fail "no ELF note in host-local"
	grep -aq "host-local $v " "$OPT/host-local" || fail "host-local's note does not name $v"
}

@test "dist: the unpacked plugins run a pod's chain from a fresh directory, and DEL leaves nothing" {
	install_fresh
	local conf res pm
	# loopback
	run --separate-stderr env -i CNI_COMMAND=ADD CNI_CONTAINERID="$CID" CNI_NETNS="$NETNS_PATH" \
		CNI_IFNAME=lo CNI_PATH="$OPT" "$OPT/loopback" <<<'{"cniVersion":"1.0.0","name":"lo","type":"loopback"}'
	assert_success
	run ip -n "${CNS[0]}" -o link show lo
	assert_output --partial "UP"
	# bridge + host-local, with masquerade
	conf=$(br_conf '.ipMasq = true')
	CNI_PATH_DIRS=$OPT run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" \
		CNI_COMMAND=ADD CNI_CONTAINERID="$CID" CNI_NETNS="$NETNS_PATH" CNI_IFNAME=eth0 \
		CNI_PATH="$OPT" "$OPT/bridge" <<<"$conf"
	assert_success
	res=$output
	jq -e '.ips[0].address == "10.88.0.2/24"' <<<"$res" >/dev/null || fail "result: $res"
	run ip -n "${CNS[0]}" -o addr show eth0
	assert_output --partial "10.88.0.2/24"
	[ -f "$IPAMDIR/$NET/10.88.0.2" ] || fail "no reservation"
	# portmap with one hostPort
	pm=$(jq -nc --arg net "$NET" --argjson r "$res" '{cniVersion: "1.0.0", name: $net, type: "portmap",
		runtimeConfig: {portMappings: [{hostPort: 18080, containerPort: 80, protocol: "tcp"}]}, prevResult: $r}')
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=ADD \
		CNI_CONTAINERID="$CID" CNI_NETNS="$NETNS_PATH" CNI_IFNAME=eth0 CNI_PATH="$OPT" "$OPT/portmap" <<<"$pm"
	assert_success
	run ip netns exec "$HOSTNS" nft list table inet cni_c_portmap
	assert_output --partial "tcp . 18080"
	# DEL in reverse order
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=DEL \
		CNI_CONTAINERID="$CID" CNI_NETNS="$NETNS_PATH" CNI_IFNAME=eth0 CNI_PATH="$OPT" "$OPT/portmap" <<<"$pm"
	assert_success
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=DEL \
		CNI_CONTAINERID="$CID" CNI_NETNS="$NETNS_PATH" CNI_IFNAME=eth0 CNI_PATH="$OPT" "$OPT/bridge" <<<"$conf"
	assert_success
	run ip netns exec "$HOSTNS" nft list table inet cni_c_portmap
	refute_output --partial "18080"
	[ ! -e "$IPAMDIR/$NET/10.88.0.2" ] || fail "the reservation stayed"
	[ -z "$(br_ports)" ] || fail "a veth stayed: $(br_ports)"
	run ip netns exec "$HOSTNS" nft list table inet cni_c_bridge
	refute_output --partial "$CID"
}
