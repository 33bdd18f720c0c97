#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Disk faults: host-local's dataDir on a tiny tmpfs that is full, or
# read-only. An ADD fails with a CNI error object and leaves nothing (no
# veth, no nftables element, no reservation); the containers already there
# are untouched; once space (or write access) is back, ADD works again.
# The tmpfs is mounted under this test's own temporary directory and
# unmounted in teardown.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

setup() {
	br_setup
	command -v nft >/dev/null || skip "nft not installed"
	MNT=$D/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o size=512k,mode=0755 "cni-test-$TAG" "$MNT"
	IPAMDIR=$MNT/data
	new_cns 1
	CNS1=$NSP
	CONF=$(br_conf '.ipMasq = true | .macspoofchk = true')
}

teardown() {
	mountpoint -q "$MNT" && umount -l "$MNT"
	br_teardown
}

fill() {
	dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null || true
	# not a byte more: a new file's first page is refused
	run bash -c "printf x >'$MNT/probe'"
	assert_failure
	rm -f "$MNT/probe"
}

# the second container's ADD (the first stays throughout)
add2() { CID=ctr2-$TAG NETNS_PATH=$CNS1 br_run "$@"; }

# nothing of the second container: link, veth, reservation, nft entries
assert_second_clean() {
	run ip -n "${CNS[1]}" -o link show eth0
	assert_failure
	run bash -c "ip -n '$HOSTNS' -o link show master '$BR' 2>/dev/null | grep -c veth"
	assert_output 1 # the first container's only
	run reservations
	assert_output "10.88.0.2"
	run bash -c "ip netns exec '$HOSTNS' nft list ruleset | grep -F 'ctr2-$TAG'"
	assert_output ""
}

@test "disk full: ADD fails with an error object and leaves nothing; works once space is back" {
	local prev
	br_run ADD "$CONF"
	assert_success
	prev=$output
	fill
	add2 ADD "$CONF"
	assert_cni_error 100
	assert_output --partial "No space left on device"
	assert_second_clean
	# the first container is intact: its CHECK passes on the full disk
	br_run CHECK "$(jq -c --argjson r "$prev" '. + {prevResult: $r}' <<<"$CONF")"
	assert_success
	rm "$MNT/fill"
	add2 ADD "$CONF"
	assert_success
	run jq -r '.ips[0].address' <<<"$output"
	assert_output "10.88.0.3/24"
	run bash -c "ip netns exec '$HOSTNS' nft list ruleset | grep -cF 'ctr2-$TAG'"
	[ "$output" -ge 1 ]
	# and DEL works on a full disk (it only removes)
	fill
	add2 DEL "$CONF"
	assert_success
	br_run DEL "$CONF"
	assert_success
	run reservations
	assert_output ""
	run bash -c "ip netns exec '$HOSTNS' nft list ruleset | grep -F '$NET/'"
	assert_output ""
}

@test "disk read-only: ADD fails with an error object and leaves nothing; works once writable" {
	br_run ADD "$CONF"
	assert_success
	mount -o remount,ro "$MNT"
	add2 ADD "$CONF"
	assert_cni_error 100
	assert_output --partial "Read-only file system"
	assert_second_clean
	# a DEL with nothing to release succeeds there; one that must remove fails
	add2 DEL "$CONF"
	assert_success
	br_run DEL "$CONF"
	assert_cni_error 100
	mount -o remount,rw "$MNT"
	br_run DEL "$CONF"
	assert_success
	br_run ADD "$CONF"
	assert_success
	add2 ADD "$CONF"
	assert_success
	[ "$(reservations | wc -l)" -eq 2 ] || fail "reservations: $(reservations)"
	add2 DEL "$CONF"
	br_run DEL "$CONF"
	run reservations
	assert_output ""
}
