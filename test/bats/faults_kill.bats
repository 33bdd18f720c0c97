#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Kill storms: runtimes SIGKILL a plugin when their CNI timeout fires, then
# call DEL. Here ADDs of the bridge (host-local in-process, ipMasq and
# macspoofchk, so there are nftables entries too) are SIGKILLed at delays
# spread over a whole ADD as measured on this machine, then every container
# is DELeted as a runtime does: every DEL succeeds and nothing is left (no
# veth, no reservation, no nftables element); then every container is
# ADDed again: all succeed, with distinct addresses. Several rounds, each
# on a fresh bridge and network, in a private host netns.

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

N=12     # containers killed per round
ROUNDS=4 # each with kills at other points of the ADD

setup() {
	br_setup
	command -v nft >/dev/null || skip "nft not installed"
	for i in $(seq 1 $N); do new_cns "k$i"; done
	mkfifo "$D/never"
	exec 9<>"$D/never"
}
teardown() {
	exec 9>&-
	br_teardown
}

# sleep_s SECONDS: without forking (a read nobody answers), to the ms
sleep_s() { read -r -t "$1" -u 9 || true; }

# count_fate PID DELAY: SIGKILL PID after DELAY; count whether it died of
# it ($killed) or had finished its ADD first ($done)
count_fate() {
	local st=0
	sleep_s "$2"
	kill -9 "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || st=$?
	case $st in
	0) done=$((done + 1)) ;;
	137) killed=$((killed + 1)) ;;
	*) fail "an ADD failed on its own (exit $st)" ;;
	esac
}

# median_add_us FN I: the median, in us, of 5 ADDs by FN of container I
# (each followed by its DEL)
median_add_us() {
	local i t0 t us=()
	for i in 1 2 3 4 5; do
		t0=$EPOCHREALTIME
		"$1" ADD "$2" >/dev/null || fail "$1 ADD to time it"
		t=$EPOCHREALTIME
		us+=("$((${t/./} - ${t0/./}))")
		"$1" DEL "$2" >/dev/null || fail "$1 DEL to time it"
	done
	echo "# $1 ADD: ${us[*]} us" >&3
	printf '%s\n' "${us[@]}" | sort -n | sed -n 3p
}

# all_at_once CMD WHAT: the bridge's CMD for every container in parallel,
# as a runtime does it; each must succeed (output in $D/CMD-I.out)
all_at_once() {
	local i pids=()
	for i in $(seq 1 $N); do
		plugin "$1" "$i" >"$D/$1-$i.out" 2>&1 &
		pids[i]=$!
	done
	for i in $(seq 1 $N); do
		wait "${pids[i]}" || fail "$2: $1 $i failed: $(cat "$D/$1-$i.out")"
	done
}

cns_path() { printf '/var/run/netns/cni-test-c%s-k%s' "$TAG" "$1"; }
storm_cid() { printf 'kill-%s-%s' "$TAG" "$1"; }

# plugin CMD I: the bridge for container I, as a runtime runs it. With
# EXEC=exec (in the background) the shell becomes the plugin, so that $! is
# the plugin's own pid (ip netns exec and env exec, they do not fork).
plugin() {
	${EXEC:-} ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND="$1" \
		CNI_CONTAINERID="$(storm_cid "$2")" CNI_NETNS="$(cns_path "$2")" CNI_IFNAME=eth0 \
		CNI_PATH="$CNI_TEST_BIN" ASAN_OPTIONS=detect_leaks=0 "$CNI_TEST_BIN/bridge" <<<"$CONF"
}

# everything of $NET gone: veths, container links, reservations, nft elements
assert_all_gone() {
	local what=$1 i
	assert_no_veth
	run bash -c "for i in \$(seq 1 $N); do ip -n cni-test-c$TAG-k\$i -o link show eth0 2>/dev/null; done"
	[ -z "$output" ] || fail "$what: left in the containers: $output"
	run bash -c "ls -A '$IPAMDIR/$NET' 2>/dev/null | grep -v -e '^lock\$' -e '^last_reserved_ip\\.' -e '^\\.cni-c-index\$'"
	[ -z "$output" ] || fail "$what: left in the store: $output"
	run bash -c "ip netns exec '$HOSTNS' nft list ruleset | grep -F '$NET/'"
	[ -z "$output" ] || fail "$what: left in nftables: $output"
}

@test "kill storm: SIGKILLed ADDs, DEL of each, ADD again: nothing leaks" {
	local r i add_ms killed=0 done=0 delay addrs
	# one ADD's duration here, on a container of its own network
	NET=kill-$TAG-m BR=kbr$TAG-m
	CONF=$(br_conf '.ipMasq = true | .macspoofchk = true')
	add_ms=$(($(median_add_us plugin 1) / 1000))
	echo "# an ADD takes ${add_ms} ms here; kills spread over 0-$((add_ms * 6 / 5)) ms" >&3

	for r in $(seq 1 $ROUNDS); do
		# a fresh bridge and network, made by the killed ADDs themselves
		NET=kill-$TAG-$r BR=kbr$TAG-$r
		CONF=$(br_conf '.ipMasq = true | .macspoofchk = true')
		for i in $(seq 1 $N); do
			# container i of round r dies at ((i - 1) + r / ROUNDS) / N of 1.2 ADDs
			delay=$(awk -v i="$i" -v r="$r" -v n=$N -v R=$ROUNDS -v ms="$add_ms" \
				'BEGIN { printf "%.4f", ((i - 1) + (r - 1) / R) / n * ms * 1.2 / 1000 }')
			EXEC=exec plugin ADD "$i" >/dev/null 2>&1 &
			count_fate $! "$delay"
		done
		# the runtime's DEL of each, all at once
		all_at_once DEL "round $r"
		assert_all_gone "round $r, after DEL"
		# everyone again, all at once: all succeed, each with its own address
		all_at_once ADD "round $r, again"
		addrs=$(for i in $(seq 1 $N); do jq -r '.ips[0].address' "$D/ADD-$i.out"; done | sort)
		[ "$(uniq <<<"$addrs" | wc -l)" -eq $N ] || fail "round $r: addresses not distinct: $addrs"
		[ "$(reservations | wc -l)" -eq $N ] || fail "round $r: reservations: $(reservations)"
		all_at_once DEL "round $r, at the end"
		assert_all_gone "round $r, at the end"
	done
	echo "# $((N * ROUNDS)) ADDs: $killed killed, $done completed before their kill" >&3
	[ "$killed" -gt 0 ] || fail "no ADD was killed"
}

# hl CMD I: host-local alone for container I (its ADD is short, so kills
# spread over it land in the store writes much more often; EXEC as plugin)
hl() {
	${EXEC:-} env -i PATH="$PATH" CNI_COMMAND="$1" CNI_CONTAINERID="hl-$2" CNI_NETNS=/var/run/netns/unused \
		CNI_IFNAME=eth0 CNI_PATH="$CNI_TEST_BIN" ASAN_OPTIONS=detect_leaks=0 \
		"$CNI_TEST_BIN/host-local" <<<"$HLCONF"
}

@test "kill storm: host-local alone, killed at every point of its ADD, leaks nothing" {
	local i add_us killed=0 done=0 delay n=150 addrs
	NET=hlkill-$TAG
	HLCONF=$(jq -nc --arg n "$NET" --arg d "$IPAMDIR" \
		'{cniVersion: "1.0.0", name: $n, type: "bridge",
		  ipam: {type: "host-local", subnet: "10.89.0.0/24", dataDir: $d}}')
	add_us=$(median_add_us hl 0)
	echo "# a host-local ADD takes ${add_us} us here" >&3
	for i in $(seq 1 $n); do
		delay=$(awk -v i="$i" -v n=$n -v us="$add_us" 'BEGIN { printf "%.6f", (i - 1) / n * us * 1.2 / 1e6 }')
		EXEC=exec hl ADD "$i" >/dev/null 2>&1 &
		count_fate $! "$delay"
	done
	echo "# $n ADDs: $killed killed, $done completed before their kill" >&3
	for i in $(seq 1 $n); do
		hl DEL "$i" || fail "DEL $i failed"
	done
	run bash -c "ls -A '$IPAMDIR/$NET' 2>/dev/null | grep -v -e '^lock\$' -e '^last_reserved_ip\\.' -e '^\\.cni-c-index\$'"
	[ -z "$output" ] || fail "left in the store after DEL: $output ($(cd "$IPAMDIR/$NET" && wc -c $output))"
	for i in $(seq 1 40); do
		hl ADD "$i" >"$D/hl-$i.out" || fail "re-ADD $i: $(cat "$D/hl-$i.out")"
	done
	addrs=$(for i in $(seq 1 40); do jq -r '.ips[0].address' "$D/hl-$i.out"; done | sort -u | wc -l)
	[ "$addrs" -eq 40 ] || fail "addresses not distinct"
	[ "$killed" -gt 0 ] || fail "no ADD was killed"
}
