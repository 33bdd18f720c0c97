#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# host-local: reservations die with the boot that made them (README "On-disk
# store"). A boot is simulated with the fault build's test-only hook,
# CNI_TEST_BOOT_ID=<uuid> (make FAULT=1: bin-fault/; the release binary has
# no such hook, checked below); the real reboots are scripts/vm-run's. The
# reference (/usr/lib/cni/host-local) shares the dataDir: it knows nothing
# of boots, so a range filled before a reboot stays full for it.

bats_require_minimum_version 1.5.0
load helpers

: "${CNI_FAULT_BIN:=${CNI_TEST_BIN}-fault}"

BOOT_A=6f1c3d0e-8a61-4c1b-9a53-0c1e0a2b3c4d
BOOT_B=0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d
BOOT_C=11111111-2222-4333-8444-555555555555

setup() {
	HL=$CNI_FAULT_BIN/host-local
	REF=$REF_BIN/host-local
	[ -x "$HL" ] || fail "no fault build in CNI_FAULT_BIN=$CNI_FAULT_BIN (make FAULT=1 plugins)"
	D=$BATS_TEST_TMPDIR/data
	NET=hlb-$(uniq_tag)
	ND=$D/$NET
	NETNS_PATH=/var/run/netns/hl-test-unused
	IFNAME=eth0
	# 10.77.0.2 to .6 (the gateway is .1): five addresses
	C=$(jq -nc --arg n "$NET" --arg d "$D" \
		'{cniVersion:"1.0.0", name:$n, type:"bridge",
		  ipam:{type:"host-local", dataDir:$d, subnet:"10.77.0.0/29"}}')
}

# ours BOOT CMD [env...]: our host-local, in that boot
ours() {
	local boot=$1 cmd=$2
	shift 2
	run_plugin "$HL" "$cmd" "$C" CNI_TEST_BOOT_ID="$boot" "$@"
}
theirs() { run_plugin "$REF" "$@" "$C"; }

reservations() {
	(cd "$ND" 2>/dev/null && ls -1 | grep -E '^[0-9.]+$' | sort -V | tr '\n' ' ') || true
}

tag() { python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.cni-c.boot").decode())' "$ND/$1" 2>/dev/null || echo none; }

# fill BOOT PREFIX: five containers, five distinct addresses, then code 103
fill() {
	local i got=()
	for i in 0 1 2 3 4; do
		CID=$2$i ours "$1" ADD
		assert_success
		got+=("$(jq -r '.ips[0].address' <<<"$output")")
	done
	[ "$(printf '%s\n' "${got[@]}" | sort -u | wc -l)" = 5 ] || fail "not distinct: ${got[*]}"
	CID=$2-extra ours "$1" ADD
	assert_cni_error 103
}

@test "boot: a range filled before a reboot is free again with ours, still full with the reference" {
	[ -x "$REF" ] || skip "reference host-local not installed"
	fill $BOOT_A a
	[ "$(tag 10.77.0.2)" = $BOOT_A ]
	# the reference, after the reboot: full
	CID=r0 theirs ADD
	assert_failure
	assert_output --partial "no IP addresses available in range set"
	# ours: the earlier boot's reservations belong to nobody
	fill $BOOT_B b
	[ "$(tag 10.77.0.2)" = $BOOT_B ]
	[ "$(reservations)" = "10.77.0.2 10.77.0.3 10.77.0.4 10.77.0.5 10.77.0.6 " ]
	# DEL of a dead container: success, and nothing of the new owners goes
	CID=a0 ours $BOOT_B DEL
	assert_success
	CID=a0 theirs DEL
	assert_success
	for i in 0 1 2 3 4; do
		CID=b$i ours $BOOT_B CHECK
		assert_success
	done
	# the reference checks and releases ours
	CID=b0 theirs CHECK
	assert_success
	CID=b0 theirs DEL
	assert_success
}

@test "boot: the reference runs first in a new boot; its new reservations survive ours" {
	[ -x "$REF" ] || skip "reference host-local not installed"
	for i in 0 1 2; do
		CID=a$i ours $BOOT_A ADD
		assert_success
	done
	# boot B: the reference allocates around the stale files, with a clock
	# not yet stepped (its file looks older than any boot)
	CID=r0 theirs ADD
	assert_success
	assert_output --partial 10.77.0.5
	touch -d 1970-01-02 "$ND/10.77.0.5"
	CID=b0 ours $BOOT_B ADD
	assert_success
	assert_output --partial 10.77.0.6
	[ "$(reservations)" = "10.77.0.5 10.77.0.6 " ]
	[ "$(tag 10.77.0.5)" = $BOOT_B ]
	CID=r0 ours $BOOT_B CHECK
	assert_success
	CID=r0 theirs CHECK
	assert_success
	# and it goes with boot B
	fill $BOOT_C c
}

@test "boot: unknown-boot files stay until a boot of ours has seen them, whatever their mtime" {
	[ -x "$REF" ] || skip "reference host-local not installed"
	CID=r0 theirs ADD
	assert_success
	CID=r1 theirs ADD
	assert_success
	# clock steps: one from before any boot (no RTC, 1970), one from the future
	touch -d 1970-01-02 "$ND/10.77.0.2"
	touch -d 2099-01-01 "$ND/10.77.0.3"
	# a boot in which ours never ran, then one where it does: kept (the
	# first sight proves nothing)
	CID=b0 ours $BOOT_B ADD
	assert_success
	[ "$(reservations)" = "10.77.0.2 10.77.0.3 10.77.0.4 " ]
	[ "$(tag 10.77.0.2)" = $BOOT_B ] && [ "$(tag 10.77.0.3)" = $BOOT_B ]
	CID=r1 ours $BOOT_B CHECK
	assert_success
	# seen in boot B: provably from before boot C
	fill $BOOT_C c
}

@test "boot: GC's valid attachments rule within a boot; an earlier boot's go anyway" {
	C=$(jq -c '.cniVersion="1.1.0"' <<<"$C")
	CID=a0 ours $BOOT_A ADD
	assert_success
	CID=b0 ours $BOOT_B ADD
	assert_success
	CID=b1 ours $BOOT_B ADD
	assert_success
	C=$(jq -c '. + {"cni.dev/valid-attachments":[{containerID:"a0",ifname:"eth0"},
		{containerID:"b0",ifname:"eth0"}]}' <<<"$C")
	ours $BOOT_B GC
	assert_success
	[ "$(reservations)" = "10.77.0.3 " ]
	CID=b1 ours $BOOT_B DEL
	assert_success
	CID=b0 ours $BOOT_B CHECK
	assert_success
}

@test "boot: STATUS counts an earlier boot's reservations as free" {
	C=$(jq -c '.cniVersion="1.1.0"' <<<"$C")
	fill $BOOT_A a
	ours $BOOT_A STATUS
	assert_cni_error 50
	ours $BOOT_B STATUS
	assert_success
}

@test "boot: a reservation whose tag could not be written is kept one boot more" {
	CID=w ours $BOOT_A ADD # the store and its index exist
	assert_success
	CID=w ours $BOOT_A DEL
	assert_success
	CID=a0 ours $BOOT_A ADD CNI_FAULT=store:1:EOPNOTSUPP CNI_FAULT_LOG="$BATS_TEST_TMPDIR/flog"
	assert_success
	grep -q '^store 1 .* boot_tag ' "$BATS_TEST_TMPDIR/flog" || fail "$(cat "$BATS_TEST_TMPDIR/flog")"
	[ "$(tag 10.77.0.3)" = none ]
	CID=b0 ours $BOOT_B ADD
	assert_success
	[ "$(reservations)" = "10.77.0.3 10.77.0.4 " ]
	fill $BOOT_C c
}

@test "boot: an earlier boot's reservation that could not be removed stays until the next call" {
	CID=a0 ours $BOOT_A ADD
	assert_success
	CID=b0 ours $BOOT_B ADD CNI_FAULT=store:1:EIO CNI_FAULT_LOG="$BATS_TEST_TMPDIR/flog"
	assert_success
	grep -q '^store 1 EIO sweep ' "$BATS_TEST_TMPDIR/flog" || fail "$(cat "$BATS_TEST_TMPDIR/flog")"
	[[ $stderr == *"10.77.0.2 is from an earlier boot; removing it: Input/output error"* ]] ||
		fail "$stderr"
	[ "$(reservations)" = "10.77.0.2 10.77.0.3 " ]
	# the index was not stamped: the next call scans, and removes it
	CID=b1 ours $BOOT_B ADD
	assert_success
	[ "$(reservations)" = "10.77.0.3 10.77.0.4 " ]
}

@test "boot: a bad CNI_TEST_BOOT_ID means no boot id: nothing is tagged or freed" {
	CID=a0 ours not-a-uuid ADD
	assert_success
	[ "$(tag 10.77.0.2)" = none ]
	CID=b0 ours $BOOT_B ADD
	assert_success
	[ "$(reservations)" = "10.77.0.2 10.77.0.3 " ]
}

@test "boot: the release build has no boot id hook" {
	[ -x "$CNI_TEST_BIN/host-local" ] || fail "no host-local in CNI_TEST_BIN"
	run grep -c CNI_TEST_BOOT_ID "$CNI_TEST_BIN/host-local" "$CNI_TEST_BIN/bridge"
	[ "$output" = "$(printf '%s\n' "$CNI_TEST_BIN/host-local:0" "$CNI_TEST_BIN/bridge:0")" ]
	run grep -c CNI_TEST_BOOT_ID "$HL"
	[ "$output" != 0 ]
}

@test "exhausted: the error says how many reservations hold the range and who holds it longest" {
	HL=$CNI_TEST_BIN/host-local
	for i in 0 1 2 3 4; do
		CID=ctr$i run_plugin "$HL" ADD "$C"
		assert_success
	done
	touch -d '-3 hours' "$ND/10.77.0.4"
	touch -d '-2 hours' "$ND/10.77.0.6"
	CID=late run_plugin "$HL" ADD "$C"
	assert_cni_error 103
	[ "$(jq -r .msg <<<"$output")" = \
		"failed to allocate for range 0: no IP addresses available in range set: 10.77.0.1-10.77.0.6" ]
	d=$(jq -r .details <<<"$output")
	[[ $d == "5 reservations hold this range set; oldest: 10.77.0.4 (container ctr2 eth0, 3h0m ago), 10.77.0.6 (container ctr4 eth0, 2h0m ago), "* ]] || fail "$d"
	[[ $d == *"earlier boot"*"CNI GC with the runtime's live attachments"* ]] || fail "$d"
}
