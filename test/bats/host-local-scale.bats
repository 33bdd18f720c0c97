#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Our host-local under concurrency and at scale: parallel invocations never
# hand out an address twice nor fail spuriously (the flock serializes
# them), and the cost of ADD/DEL does not grow with the number of
# reservations already in the directory.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	HL=$CNI_TEST_BIN/host-local
	[ -x "$HL" ] || fail "no host-local in CNI_TEST_BIN=$CNI_TEST_BIN"
	D=$BATS_TEST_TMPDIR/data
	NET=hls-$(uniq_tag)
	ND=$D/$NET
	NETNS_PATH=/var/run/netns/hl-test-unused
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUT"
}

conf() {
	jq -nc --arg v "$1" --arg n "$NET" --arg d "${DD:-$D}" --argjson ipam "$2" \
		'{cniVersion:$v, name:$n, type:"bridge", ipam:({type:"host-local", dataDir:$d} + $ipam)}'
}

reservations() {
	(cd "$ND" 2>/dev/null && ls -1 | grep -E '^[0-9a-f.:]+$' | grep -E '[.:]' | sort) || true
}

# spawn CMD ID CONF: one plugin run in the background, output in $OUT/CMD-ID
spawn() {
	env -i PATH="$PATH" CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="$NETNS_PATH" \
		CNI_IFNAME=eth0 CNI_PATH="$CNI_TEST_BIN" "$HL" <<<"$3" >"$OUT/$1-$2" 2>"$OUT/$1-$2.err" &
}

@test "40 concurrent ADDs: 40 distinct addresses, files right; 40 concurrent DELs: empty" {
	c=$(conf 1.0.0 '{"ranges":[[{"subnet":"10.66.0.0/24"}],[{"subnet":"fd66::/64"}]]}')
	for n in $(seq 1 40); do spawn ADD c$n "$c"; done
	wait
	for n in $(seq 1 40); do
		jq -e '.ips | length == 2' "$OUT/ADD-c$n" >/dev/null || fail "ADD c$n: $(cat "$OUT/ADD-c$n")"
	done
	[ "$(cat "$OUT"/ADD-c* | jq -r '.ips[0].address' | sort -u | wc -l)" -eq 40 ]
	[ "$(cat "$OUT"/ADD-c* | jq -r '.ips[1].address' | sort -u | wc -l)" -eq 40 ]
	run reservations
	[ "${#lines[@]}" -eq 80 ]
	# each file holds exactly the container that was told that address
	for n in $(seq 1 40); do
		for a in $(jq -r '.ips[].address | sub("/.*"; "")' "$OUT/ADD-c$n"); do
			[ "$(od -An -c "$ND/$a")" = "$(printf 'c%s\r\neth0' "$n" | od -An -c)" ] ||
				fail "$a: $(od -An -c "$ND/$a") (told to c$n)"
		done
	done
	for n in $(seq 1 40); do spawn DEL c$n "$c"; done
	wait
	for n in $(seq 1 40); do [ ! -s "$OUT/DEL-c$n" ] || fail "DEL c$n: $(cat "$OUT/DEL-c$n")"; done
	run reservations
	assert_output ""
	# and the index agrees: nobody holds anything
	run bash -c "cat '$ND'/.cni-c-index/b* | grep -v '^cni-c-index bucket 1$'"
	assert_output ""
}

@test "concurrent ADDs into a small pool: every address once, the rest fail cleanly" {
	c=$(conf 1.0.0 '{"ranges":[[{"subnet":"10.66.0.0/27"}]]}') # 29 usable
	for n in $(seq 1 40); do spawn ADD c$n "$c"; done
	wait
	ok=0 full=0
	for n in $(seq 1 40); do
		if jq -e '.ips' "$OUT/ADD-c$n" >/dev/null 2>&1; then
			ok=$((ok + 1))
		else
			jq -e '.code == 103 and (.msg | test("no IP addresses available"))' "$OUT/ADD-c$n" >/dev/null ||
				fail "c$n: $(cat "$OUT/ADD-c$n")"
			full=$((full + 1))
		fi
	done
	[ "$ok" -eq 29 ] && [ "$full" -eq 11 ]
	[ "$(cat "$OUT"/ADD-c* | jq -r '.ips[]?.address' | sort -u | wc -l)" -eq 29 ]
	run reservations
	[ "${#lines[@]}" -eq 29 ]
}

@test "concurrent churn: ADD and DEL of different containers interleaved" {
	c=$(conf 1.0.0 '{"ranges":[[{"subnet":"10.66.0.0/24"}]]}')
	for n in $(seq 1 20); do spawn ADD k$n "$c"; done
	wait
	for n in $(seq 1 20); do
		spawn DEL k$n "$c"
		spawn ADD j$n "$c"
	done
	wait
	for n in $(seq 1 20); do
		jq -e '.ips' "$OUT/ADD-j$n" >/dev/null || fail "ADD j$n: $(cat "$OUT/ADD-j$n")"
		[ ! -s "$OUT/DEL-k$n" ] || fail "DEL k$n: $(cat "$OUT/DEL-k$n")"
	done
	run reservations
	[ "${#lines[@]}" -eq 20 ]
	for f in "${lines[@]}"; do grep -q '^j[0-9]*'$'\r''$' <(head -1 "$ND/$f"); done
}

# syscalls CMD ID CONF: "<file and descriptor syscalls> <getdents64 calls>" of
# one run (memory syscalls left out: a sanitizer's allocator adds its own)
syscalls() {
	# (LeakSanitizer cannot run under ptrace: off for the sanitizer build)
	env -i CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=/x \
		ASAN_OPTIONS=detect_leaks=0 strace -f -qq -c -e trace=%file,%desc -o "$OUT/strace" "$HL" <<<"$3" >/dev/null
	# "% time  seconds  usecs/call  calls  [errors]  syscall": calls is field 4
	awk '$NF == "total" {t = $4} $NF == "getdents64" {g = $4} $NF == "mmap" {m = $4}
		END {print t - m, g + 0}' "$OUT/strace"
}

# Not a timed test (the benchmark measures time): the work an ADD and a DEL
# do, counted in syscalls, is the same with 0 and 1,000 reservations, and
# neither reads the directory.
@test "ADD/DEL work does not grow with 1,000 existing reservations" {
	command -v strace >/dev/null || skip "strace not installed"
	c0=$(DD=$BATS_TEST_TMPDIR/empty conf 1.0.0 '{"ranges":[[{"subnet":"10.66.0.0/16"}]]}')
	c1=$(conf 1.0.0 '{"ranges":[[{"subnet":"10.66.0.0/16"}]]}')
	# 1,000 reservations as the reference would have left them, then one
	# of our runs to index them
	mkdir -p "$ND"
	for n in $(seq 0 999); do
		printf 'pre-%s\r\neth0' "$n" >"$ND/10.66.$((n / 250 + 10)).$((n % 250 + 1))"
	done
	for c in "$c0" "$c1"; do
		env -i CNI_COMMAND=ADD CNI_CONTAINERID=warm CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=/x \
			"$HL" <<<"$c" >/dev/null
	done
	read -r a0 ga0 < <(syscalls ADD probe "$c0")
	read -r a1 ga1 < <(syscalls ADD probe "$c1")
	read -r d0 gd0 < <(syscalls DEL probe "$c0")
	read -r d1 gd1 < <(syscalls DEL probe "$c1")
	echo "# syscalls ADD $a0 -> $a1, DEL $d0 -> $d1 (0 -> 1000 reservations)" >&3
	[ "$ga1" -eq 0 ] || fail "ADD at 1000 read the directory ($ga1 getdents64)"
	[ "$gd1" -eq 0 ] || fail "DEL at 1000 read the directory ($gd1 getdents64)"
	# +8: at 0 the owner's two index buckets do not exist yet (one failed
	# open each); at 1000 they are read (open, fstat, read, close)
	[ "$a1" -le $((a0 + 8)) ] || fail "ADD: $a0 syscalls at 0, $a1 at 1000"
	[ "$d1" -le $((d0 + 8)) ] || fail "DEL: $d0 syscalls at 0, $d1 at 1000"
	# and nothing was lost: still 1,001 reservations
	[ "$(reservations | wc -l)" -eq 1001 ]
}
