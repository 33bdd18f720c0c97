#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# reboot.sh 1|2: one boot of the reboot test, run inside a VM by
# scripts/test-reboot (scripts/vm-run --disk), as root, in the repository.
# The VM's /dev/vda is an ext4 image that both boots mount as the dataDir;
# the guest's page cache is lost when boot 1 cuts the power.
#
# Boot 1 (boot id B1):
#   fill-a, fill-b   ours fills each 6-address range, then sync (the range
#                    was filled long before the reboot: it is on the disk)
#   ref-seen         the reference fills its 6-address range; then ours
#                    ADDs there once (the range is full, but ours has seen
#                    the reference's reservations in this boot)
#   ref-unseen       the reference fills its 3-address range; ours never
#                    looks at it in this boot
#                    (then sync: the filled ranges are on the disk)
#   storm            4 workers ADD (and DEL every other one) in parallel on
#                    a 16-address range, mounted with commit=1 so the journal
#                    holds names whose data never reached the disk; 1 s in,
#                    one sync (a running system's writeback); 1.5 s later
#                    the power is cut with sysrq (no sync)
# Boot 2 (ext4 recovers its journal):
#   storm            before anything runs: every address file is a
#                    reservation in the reference's format or torn (empty),
#                    no owner holds two; then ours ADDs the whole range
#                    (distinct addresses), the torn files are gone, and the
#                    owner index agrees with the files
#   fill-a           side by side: the reference on a copy of the dataDir
#                    (still full: "no IP addresses available"), ours on the
#                    dataDir (the whole range again, distinct addresses)
#   fill-b, fill-b2  the reference runs first in this boot: on fill-b it
#                    allocates nothing (full), on fill-b2 (same dataDir, a
#                    network with no reservations) it takes 3 of 6; then ours
#                    gets fill-b's whole range, and on fill-b2 exactly the 3
#                    addresses the reference left (never one of this boot's)
#   ref-seen         ours gets the whole range: the reference's reservations
#                    were seen by ours in boot 1, so they are of an earlier
#                    boot
#   ref-unseen       ours gets nothing: nothing proves that the reference's
#                    reservations are from an earlier boot, so they stay
#
# CNI_REBOOT_BOOT_SCOPED=1 (default) expects host-local's boot rule
# (reservations of an earlier boot are free); =0 expects the behaviour
# without it (a range filled before the reboot stays full, like the
# reference's). Every other check is the same in both modes.
#
#   CNI_TEST_BIN  our binaries (default ./bin)
set -u

boot=${1:?usage: reboot.sh 1|2}
BIN=${CNI_TEST_BIN:-$PWD/bin}
OURS=$BIN/host-local
REF=/usr/lib/cni/host-local
SCOPED=${CNI_REBOOT_BOOT_SCOPED:-1}
MNT=/run/reboot-disk
D=$MNT/data     # the dataDir of every network
DCOPY=$MNT/copy # boot 2: a copy of fill-a for the reference
BOOT_ID=$(cat /proc/sys/kernel/random/boot_id)
failed=0

say() { echo "reboot: boot $boot: $*"; }
fail() {
	echo "reboot: boot $boot: FAIL: $*"
	failed=1
}

# range NET: "first last count" of a network's range (the last octet)
declare -A FIRST=([fill-a]=10 [fill-b]=20 [fill-b2]=30 [ref-seen]=40 [ref-unseen]=50 [storm]=100)
declare -A LAST=([fill-a]=15 [fill-b]=25 [fill-b2]=35 [ref-seen]=45 [ref-unseen]=52 [storm]=115)
declare -A SUBNET=([fill-a]=1 [fill-b]=1 [fill-b2]=1 [ref-seen]=1 [ref-unseen]=1 [storm]=9)
size() { echo $((LAST[$1] - FIRST[$1] + 1)); }
rangestr() { echo "10.99.${SUBNET[$1]}.${FIRST[$1]}-10.99.${SUBNET[$1]}.${LAST[$1]}"; }

# Under emulation every fork and exec costs tens of milliseconds: the
# helpers below use bash's builtins only, and a plugin call is one fork.
unset $(compgen -e | grep '^CNI_' | grep -vx 'CNI_VM_STATUS')
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

# plugin BIN CMD NET CID [DATADIR]: the plugin's stdout; its exit status
plugin() {
	local s=${SUBNET[$3]} c
	printf -v c '{"cniVersion":"1.0.0","name":"%s","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.99.%s.0/24","rangeStart":"10.99.%s.%s","rangeEnd":"10.99.%s.%s"}]]}}' \
		"$3" "${5:-$D}" "$s" "$s" "${FIRST[$3]}" "$s" "${LAST[$3]}"
	CNI_COMMAND="$2" CNI_CONTAINERID="$4" CNI_NETNS=/run/reboot-no-netns CNI_IFNAME=eth0 \
		CNI_PATH="${1%/*}" "$1" <<<"$c"
}

# the address of an ADD's result, or the "code N: msg" of an error
addr_of() { [[ $1 =~ \"address\":\ *\"([0-9.]+)/ ]] && echo "${BASH_REMATCH[1]}"; }
err_of() {
	[[ $1 =~ \"code\":\ *([0-9]+) ]] && local code=${BASH_REMATCH[1]}
	local details=
	[[ $1 =~ \"details\":\ *\"([^\"]*)\" ]] && details=" (details: ${BASH_REMATCH[1]})"
	[[ $1 =~ \"msg\":\ *\"([^\"]*)\" ]] && echo "code ${code:-?}: ${BASH_REMATCH[1]}$details" || echo "$1"
}

# add_all BIN NET PREFIX [DATADIR]: ADDs with IDs PREFIX-0, -1... until one
# fails; sets GOT (the addresses, in order) and LASTERR (the failure's
# "code msg"); at most the range's size + 1 ADDs
add_all() {
	local out i=0 max
	max=$(($(size "$2") + 1))
	GOT=() LASTERR=
	while [ $i -lt $max ]; do
		if out=$(plugin "$1" ADD "$2" "$3-$i" "${4:-$D}"); then
			GOT+=("$(addr_of "$out")")
		else
			LASTERR=$(err_of "$out")
			return 0
		fi
		i=$((i + 1))
	done
}

# distinct_in_range NET ADDR...: all distinct and inside NET's range
distinct_in_range() {
	local net=$1 a o
	declare -A seen=()
	shift
	for a in "$@"; do
		[ -z "${seen[$a]:-}" ] || return 1
		seen[$a]=1
		[ "${a%.*}" = "10.99.${SUBNET[$net]}" ] || return 1
		o=${a##*.}
		[ "$o" -ge "${FIRST[$net]}" ] && [ "$o" -le "${LAST[$net]}" ] || return 1
	done
}

# addr_files DIR: the address-named files of a network directory
addr_files() {
	local f
	for f in "$1"/[0-9]*.*.*.*; do
		[ -f "$f" ] && [[ ${f##*/} =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] && echo "${f##*/}"
	done
}

# raw FILE: sets RAW to the file's bytes; fails when it holds a NUL
raw() {
	RAW=
	! IFS= read -r -d '' RAW <"$1"
}

# classify DIR: sets VALID (address -> "id ifname") and TORN (addresses):
# a reservation in the reference's format is "<id>\r\n<ifname>"; a torn one
# is empty or white space or holds a NUL (what a power cut leaves: the name
# reached the disk, the data did not; README "Reliability"); anything else
# is counted in BAD
classify() {
	local f
	declare -gA VALID=()
	TORN=() BAD=()
	for f in $(addr_files "$1"); do
		if ! raw "$1/$f"; then
			TORN+=("$f") # a NUL: blocks allocated, data not written
		elif [[ $RAW =~ ^([^[:space:]]+)$'\r\n'([^[:space:]]+)$ ]]; then
			VALID[$f]="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
		elif [[ $RAW =~ ^[[:space:]]*$ ]]; then
			TORN+=("$f")
		else
			BAD+=("$f:${RAW@Q}")
		fi
	done
}

# index_check DIR: after one of our calls, the owner index is stamped for
# the directory as it is (this boot, inode, mtime, ctime) and describes the
# files exactly: every owner it names holds that file, every reservation is
# named. (When the stamp does not match, our next call rebuilds the index
# and trusts nothing in it.) Uses VALID from classify. Prints what is wrong.
index_check() {
	local dir=$1 ix=$1/.cni-c-index b key ips ip esc want j n=0 stamp ino msec mns csec cns
	read -r -a stamp <"$ix/stamp" 2>/dev/null || stamp=()
	read -r ino msec mns csec cns < <(stat -c '%i %.9Y %.9Z' "$dir" | tr '.' ' ')
	if ! { [ ${#stamp[@]} -ge 8 ] && [ "${stamp[2]}" = "$BOOT_ID" ] &&
		[ $((10#${stamp[3]})) = "$ino" ] && [ $((10#${stamp[4]})) = "$msec" ] &&
		[ $((10#${stamp[5]})) = $((10#$mns)) ] && [ $((10#${stamp[6]})) = "$csec" ] &&
		[ $((10#${stamp[7]})) = $((10#$cns)) ]; }; then
		echo "the index's stamp (${stamp[*]:-none}) does not match the directory ($BOOT_ID $ino $msec.$mns $csec.$cns)"
		return 1
	fi
	declare -A seen=()
	for b in "$ix"/b*; do
		[ -f "$b" ] || continue
		while read -r key ips; do
			[[ $key =~ ^[0-9a-f]+$ ]] || continue
			for ip in $ips; do
				esc=
				for ((j = 0; j < ${#key}; j += 2)); do esc+="\\x${key:j:2}"; done
				printf -v want '%b' "$esc"
				RAW=
				[ -f "$dir/$ip" ] && raw "$dir/$ip"
				if [ "$RAW" != "$want" ]; then
					echo "the index names $ip for owner ${want@Q}; the file holds ${RAW@Q}"
					return 1
				fi
				seen[$ip]=1
				n=$((n + 1))
			done
		done <"$b"
	done
	for ip in "${!VALID[@]}"; do
		[ -n "${seen[$ip]:-}" ] || {
			echo "the index lacks $ip"
			return 1
		}
	done
	[ "$n" = ${#VALID[@]} ] || {
		echo "the index names $n reservations, the directory holds ${#VALID[@]}"
		return 1
	}
	echo "index stamped for this boot, names all $n"
}

mkdir -p "$MNT"
modprobe ext4 2>/dev/null

if [ "$boot" = 1 ]; then
	mount -t ext4 -o commit=1 /dev/vda "$MNT" || {
		echo "reboot: boot 1: cannot mount /dev/vda"
		exit 1
	}
	mkdir -p "$D"
	say "boot id $BOOT_ID, $(uname -r), dataDir on ext4 (/dev/vda, commit=1)"
	for net in fill-a fill-b; do
		add_all "$OURS" "$net" "$net-b1"
		say "$net: ours reserved ${#GOT[@]} of $(size $net): ${GOT[*]}"
		[ ${#GOT[@]} = "$(size $net)" ] && distinct_in_range "$net" "${GOT[@]}" ||
			fail "$net: ours did not fill the range ($LASTERR)"
	done
	for net in ref-seen ref-unseen; do
		add_all "$REF" $net $net-b1
		say "$net: reference reserved ${#GOT[@]} of $(size $net): ${GOT[*]}"
		[ ${#GOT[@]} = "$(size $net)" ] || fail "$net: the reference did not fill the range ($LASTERR)"
	done
	add_all "$OURS" ref-seen ours-b1
	say "ref-seen: ours reserved ${#GOT[@]} (ours has seen the reference's reservations), then: $LASTERR"
	[ ${#GOT[@]} = 0 ] || fail "ref-seen: ours reserved an address of a full range"
	echo "$BOOT_ID" >"$MNT/boot1-id"
	sync
	say "synced (the filled ranges are on the disk); storm on 'storm' ($(size storm) addresses, 4 workers)"
	[ "$failed" = 0 ] || exit 1
	# the storm: workers log to the guest's tmpfs, which the power cut loses
	for w in 0 1 2 3; do
		(
			i=0
			while :; do
				plugin "$OURS" ADD storm "storm-$w-$i" >/dev/null && echo "add" >>/tmp/storm.$w
				if [ $((i % 2)) = 1 ]; then
					plugin "$OURS" DEL storm "storm-$w-$((i - 1))" >/dev/null && echo "del" >>/tmp/storm.$w
				fi
				i=$((i + 1))
			done
		) &
	done
	t=0
	while [ -z "$(addr_files "$D/storm")" ] && [ $t -lt 100 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	# the writeback of a running system: what is older than this reaches
	# the disk, the rest of the storm stays in the page cache
	sleep 1
	sync
	synced=$(addr_files "$D/storm" | wc -l)
	sleep 1.5
	adds=$(cat /tmp/storm.* 2>/dev/null | grep -c add)
	dels=$(cat /tmp/storm.* 2>/dev/null | grep -c del)
	say "storm: $adds ADDs and $dels DELs returned, $(addr_files "$D/storm" | wc -l) reservations in the page cache ($synced when it was last synced); power cut (sysrq o, no sync)"
	echo 0 >"$CNI_VM_STATUS"
	echo 1 >/proc/sys/kernel/sysrq
	echo o >/proc/sysrq-trigger
	sleep 30
	exit 1 # not reached
fi

# ---- boot 2 ----------------------------------------------------------------
mount -t ext4 /dev/vda "$MNT" || {
	echo "reboot: boot 2: cannot mount /dev/vda"
	exit 1
}
b1=$(cat "$MNT/boot1-id" 2>/dev/null)
rec=$(dmesg 2>/dev/null | grep -E 'EXT4-fs \(vda\).*(recovery complete|orphan)' | sed 's/^\[[^]]*\] //' | tr '\n' ';')
say "boot id $BOOT_ID (boot 1 was ${b1:-unknown}), $(uname -r); ${rec:-no journal recovery message}"
[ -n "$b1" ] && [ "$b1" != "$BOOT_ID" ] || fail "the two boots do not have two boot ids"
[ -n "$rec" ] || fail "ext4 did not recover a journal: the power cut was not a cut"
[ "$SCOPED" = 1 ] && mode="boot rule on" || mode="boot rule off: expecting today's behaviour"
say "expectations: $mode"

# (c) the storm's store as the power cut left it, before anything runs
classify "$D/storm"
owners=$(printf '%s\n' "${VALID[@]}" | sort | uniq -d)
say "storm before any ADD: ${#VALID[@]} reservations in the reference's format, ${#TORN[@]} torn (${TORN[*]}), ${#BAD[@]} other${BAD:+ (${BAD[*]})}"
[ ${#BAD[@]} = 0 ] || fail "storm: files that are neither a reservation nor torn: ${BAD[*]}"
[ -z "$owners" ] || fail "storm: an owner holds two addresses: $owners"
for a in "${!VALID[@]}"; do
	[[ ${VALID[$a]} =~ ^storm-[0-3]-[0-9]+\ eth0$ ]] || fail "storm: $a holds '${VALID[$a]}'"
done
valid_before=${#VALID[@]}
add_all "$OURS" storm storm-b2
if [ "$SCOPED" = 1 ]; then want=$(size storm); else want=$(($(size storm) - valid_before)); fi
say "storm: ours reserved ${#GOT[@]} of $(size storm) (expected $want), then: $LASTERR"
[ ${#GOT[@]} = "$want" ] || fail "storm: ours reserved ${#GOT[@]}, expected $want"
[ ${#GOT[@]} = 0 ] || distinct_in_range storm "${GOT[@]}" || fail "storm: addresses not distinct or out of range: ${GOT[*]}"
classify "$D/storm"
[ ${#TORN[@]} = 0 ] && [ ${#BAD[@]} = 0 ] || fail "storm after: torn ${TORN[*]}, other ${BAD[*]}"
[ ${#VALID[@]} = "$(size storm)" ] || fail "storm after: ${#VALID[@]} reservations, the range has $(size storm)"
for i in "${!GOT[@]}"; do
	[ "${VALID[${GOT[$i]}]:-}" = "storm-b2-$i eth0" ] ||
		fail "storm after: ${GOT[$i]} holds '${VALID[${GOT[$i]}]:-nothing}'"
done
if ix=$(index_check "$D/storm"); then
	say "storm after: every address file is a reservation in the reference's format; $ix"
else
	fail "storm: owner index: $ix"
fi
# the reference reads the store too: its DEL of one of ours frees that
# address, and ours (its index now stale) gets exactly that one back
if out=$(plugin "$REF" DEL storm storm-b2-3); then
	out=$(plugin "$OURS" ADD storm storm-b2-again) && again=$(addr_of "$out") || again="none ($(err_of "$out"))"
	say "storm: the reference's DEL of storm-b2-3 freed ${GOT[3]}; ours then reserved $again"
	[ "$again" = "${GOT[3]}" ] || fail "storm: ours was expected to reserve ${GOT[3]} again"
else
	fail "storm: the reference's DEL failed: $(err_of "$out")"
fi

# (a) fill-a side by side: the reference on a copy, ours on the dataDir
mkdir -p "$DCOPY"
cp -a "$D/fill-a" "$DCOPY/"
add_all "$REF" fill-a ref-b2 "$DCOPY"
say "fill-a: reference (on a copy) reserved ${#GOT[@]} of $(size fill-a), then: $LASTERR"
[ ${#GOT[@]} = 0 ] && [[ $LASTERR == *"no IP addresses available"* ]] ||
	fail "fill-a: the reference was expected to find the range full"
add_all "$OURS" fill-a ours-b2
say "fill-a: ours reserved ${#GOT[@]} of $(size fill-a): ${GOT[*]}; then: $LASTERR"
if [ "$SCOPED" = 1 ]; then
	[ ${#GOT[@]} = "$(size fill-a)" ] && distinct_in_range fill-a "${GOT[@]}" ||
		fail "fill-a: ours was expected to reserve the whole range again"
else
	[ ${#GOT[@]} = 0 ] || fail "fill-a: without the boot rule the range stays full"
fi
[[ $LASTERR == *"no IP addresses available"* ]] || fail "fill-a: the last ADD did not say the range is exhausted"

# (b) the reference runs first in this boot, then ours
add_all "$REF" fill-b ref-b2
say "fill-b: reference first in this boot reserved ${#GOT[@]}, then: $LASTERR"
[ ${#GOT[@]} = 0 ] && [[ $LASTERR == *"no IP addresses available"* ]] ||
	fail "fill-b: the reference was expected to find the range full"
REFGOT=()
for i in 0 1 2; do
	out=$(plugin "$REF" ADD fill-b2 "ref-b2-$i") && REFGOT+=("$(addr_of "$out")")
done
say "fill-b2: reference first in this boot reserved ${#REFGOT[@]}: ${REFGOT[*]}"
[ ${#REFGOT[@]} = 3 ] || fail "fill-b2: the reference did not reserve 3 addresses"
add_all "$OURS" fill-b ours-b2
say "fill-b: ours reserved ${#GOT[@]} of $(size fill-b): ${GOT[*]}; then: $LASTERR"
if [ "$SCOPED" = 1 ]; then
	[ ${#GOT[@]} = "$(size fill-b)" ] && distinct_in_range fill-b "${GOT[@]}" ||
		fail "fill-b: ours was expected to reserve the whole range again"
else
	[ ${#GOT[@]} = 0 ] || fail "fill-b: without the boot rule the range stays full"
fi
add_all "$OURS" fill-b2 ours-b2
say "fill-b2: ours reserved ${#GOT[@]} of $(size fill-b2): ${GOT[*]}; then: $LASTERR"
[ ${#GOT[@]} = 3 ] && distinct_in_range fill-b2 "${GOT[@]}" "${REFGOT[@]}" ||
	fail "fill-b2: ours was expected to get exactly the 3 addresses the reference left"
classify "$D/fill-b2"
for i in 0 1 2; do
	[ "${VALID[${REFGOT[$i]:-none}]:-}" = "ref-b2-$i eth0" ] ||
		fail "fill-b2: the reference's reservation of this boot ${REFGOT[$i]:-} was lost"
done

# (d) the reference's reservations of boot 1
add_all "$OURS" ref-seen ours-b2
say "ref-seen: ours reserved ${#GOT[@]} of $(size ref-seen) (the reference's of boot 1, seen by ours in boot 1): ${GOT[*]}; then: $LASTERR"
if [ "$SCOPED" = 1 ]; then
	[ ${#GOT[@]} = "$(size ref-seen)" ] && distinct_in_range ref-seen "${GOT[@]}" ||
		fail "ref-seen: ours was expected to reserve the whole range again"
else
	[ ${#GOT[@]} = 0 ] || fail "ref-seen: without the boot rule the range stays full"
fi
add_all "$OURS" ref-unseen ours-b2
say "ref-unseen: ours reserved ${#GOT[@]} of $(size ref-unseen) (the reference's of boot 1, never seen by ours): ${GOT[*]}; then: $LASTERR"
[ ${#GOT[@]} = 0 ] || fail "ref-unseen: ours freed reservations whose boot it cannot know"

ixs=
for net in fill-a fill-b fill-b2 ref-seen ref-unseen; do
	classify "$D/$net"
	[ ${#TORN[@]} = 0 ] && [ ${#BAD[@]} = 0 ] || fail "$net: torn ${TORN[*]}, other ${BAD[*]}"
	ix=$(index_check "$D/$net") || fail "$net: owner index: $ix"
	ixs+=" $net: $ix;"
done
classify "$D/storm"
ix=$(index_check "$D/storm") || fail "storm: owner index: $ix"
say "after ours' last call on each network:$ixs storm: $ix"
umount "$MNT"
[ "$failed" = 0 ] && say "passed" || say "FAILED"
exit "$failed"
