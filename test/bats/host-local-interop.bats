#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Our host-local and the reference one (/usr/lib/cni/host-local, 1.1.1:
# cniVersion up to 1.0.0) on one dataDir, so that a node can swap binaries
# with containers running: each releases, checks and refuses to duplicate
# what the other reserved, allocations interleave without a clash, and the
# files are identical byte for byte.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	HL=$CNI_TEST_BIN/host-local
	REF=$REF_BIN/host-local
	[ -x "$HL" ] || fail "no host-local in CNI_TEST_BIN=$CNI_TEST_BIN"
	[ -x "$REF" ] || skip "reference host-local not installed"
	D=$BATS_TEST_TMPDIR/data
	NET=hli-$(uniq_tag)
	ND=$D/$NET
	NETNS_PATH=/var/run/netns/hl-test-unused
	CID=ctr-1
	IFNAME=eth0
}

conf() {
	jq -nc --arg v "$1" --arg n "$NET" --arg d "${DD:-$D}" --argjson ipam "$2" \
		--argjson top "${3:-{\}}" \
		'{cniVersion:$v, name:$n, type:"bridge", ipam:({type:"host-local", dataDir:$d} + $ipam)} + $top'
}

ours() { run_plugin "$HL" "$@"; }
theirs() { run_plugin "$REF" "$@"; }

reservations() {
	(cd "${1:-$ND}" 2>/dev/null && ls -1 | grep -E '^[0-9a-f.:]+$' | grep -E '[.:]' | sort) || true
}

DUAL='{"ranges":[[{"subnet":"10.88.0.0/16"}],[{"subnet":"fd88::/64"}]],"routes":[{"dst":"0.0.0.0/0"}]}'

@test "interop: reserve with ours, check and release with theirs" {
	for v in 0.4.0 1.0.0; do
		c=$(conf $v "$DUAL")
		CID=a-$v ours ADD "$c"
		assert_success
		CID=a-$v theirs CHECK "$c"
		assert_success
		# theirs refuses a duplicate of ours
		CID=a-$v theirs ADD "$c"
		assert_failure
		assert_output --partial "duplicate allocation is not allowed"
		CID=a-$v theirs DEL "$c"
		assert_success
		[ -z "$(reservations)" ]
		# and ours sees it is gone (the index follows)
		CID=a-$v ours CHECK "$c"
		assert_failure
		CID=a-$v ours ADD "$c"
		assert_success
		CID=a-$v ours DEL "$c"
		assert_success
	done
	# theirs walked into .cni-c-index and left it alone
	[ -f "$ND/.cni-c-index/stamp" ]
}

@test "interop: reserve with theirs, check and release with ours" {
	for v in 0.4.0 1.0.0; do
		c=$(conf $v "$DUAL")
		CID=b-$v theirs ADD "$c"
		assert_success
		theirs_out=$output
		CID=b-$v ours CHECK "$c"
		assert_success
		CID=b-$v ours ADD "$c"
		assert_cni_error 103
		assert_output --partial "has been allocated to b-$v, duplicate allocation is not allowed"
		# another container gets the next addresses, not theirs
		CID=other-$v ours ADD "$c"
		assert_success
		! grep -qF "$(jq -r '.ips[0].address' <<<"$theirs_out")" <<<"$output"
		CID=b-$v ours DEL "$c"
		assert_success
		run reservations
		[ "${#lines[@]}" -eq 2 ]
		grep -q other-$v "$ND/${lines[0]}"
		CID=other-$v theirs DEL "$c"
		assert_success
		[ -z "$(reservations)" ]
	done
}

@test "interop: the same files, byte for byte, and the same result" {
	for v in 0.4.0 1.0.0; do
		A=$BATS_TEST_TMPDIR/ours-$v B=$BATS_TEST_TMPDIR/ref-$v
		ipam='{"ranges":[[{"subnet":"10.88.0.0/24","rangeStart":"10.88.0.200"}],[{"subnet":"fd88:0:0:0:0:1::/96"}]],"routes":[{"dst":"0.0.0.0/0","gw":"10.88.0.1"}]}'
		for who in ours theirs; do
			[ $who = ours ] && DD=$A || DD=$B
			DD=$DD $who ADD "$(DD=$DD conf $v "$ipam")"
			assert_success
			eval "res_$who=\$(jq -cS . <<<\"\$output\")"
			DD=$DD CID=ctr-2 IFNAME=net1 $who ADD "$(DD=$DD conf $v "$ipam")" CNI_ARGS="IP=fd88::1:0:77"
			assert_success
		done
		[ "$res_ours" = "$res_theirs" ] || fail "results differ: $res_ours vs $res_theirs"
		run diff <(reservations "$A/$NET") <(reservations "$B/$NET")
		assert_success
		[ -f "$A/$NET/fd88::1:0:77" ]
		for f in $(reservations "$A/$NET") last_reserved_ip.0 last_reserved_ip.1; do
			[ "$(od -An -c "$A/$NET/$f")" = "$(od -An -c "$B/$NET/$f")" ] ||
				fail "$f differs: $(od -An -c "$A/$NET/$f") vs $(od -An -c "$B/$NET/$f")"
			[ "$(stat -c %a "$A/$NET/$f")" = "$(stat -c %a "$B/$NET/$f")" ]
		done
		[ "$(stat -c %a "$A/$NET/lock")" = "$(stat -c %a "$B/$NET/lock")" ]
		[ "$(stat -c %a "$A/$NET")" = "$(stat -c %a "$B/$NET")" ]
		# the only extra entry is our index
		run diff <(ls -A "$A/$NET") <(ls -A "$B/$NET")
		assert_output --partial "< .cni-c-index"
		[ "${#lines[@]}" -eq 2 ]
	done
}

@test "interop: allocations interleave on one dataDir without a clash" {
	c=$(conf 1.0.0 '{"ranges":[[{"subnet":"10.88.0.0/24"}],[{"subnet":"fd88::/120"}]]}')
	for n in $(seq 1 30); do
		if ((n % 3)); then who=ours; else who=theirs; fi
		CID=c$n $who ADD "$c"
		assert_success
		# strictly round robin across both implementations
		jq -e --arg a "10.88.0.$((n + 1))/24" '.ips[0].address == $a' <<<"$output"
	done
	run reservations
	[ "${#lines[@]}" -eq 60 ]
	for n in $(seq 1 30); do
		[ "$(od -An -c "$ND/10.88.0.$((n + 1))")" = "$(printf 'c%s\r\neth0' $n | od -An -c)" ]
	done
	# release each with the other implementation than the one that reserved it
	for n in $(seq 1 30); do
		if ((n % 3)); then who=theirs; else who=ours; fi
		CID=c$n $who DEL "$c"
		assert_success
		CID=c$n ours CHECK "$c"
		assert_failure
	done
	[ -z "$(reservations)" ]
}

@test "interop: both at once, in parallel, never hand out an address twice" {
	c=$(conf 1.0.0 '{"ranges":[[{"subnet":"10.88.0.0/24"}],[{"subnet":"fd88::/64"}]]}')
	out=$BATS_TEST_TMPDIR/out
	mkdir -p "$out"
	for n in $(seq 1 40); do
		if ((n % 2)); then bin=$HL; else bin=$REF; fi
		env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID=p$n CNI_NETNS=$NETNS_PATH \
			CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$bin" <<<"$c" >"$out/$n" 2>&1 &
	done
	wait
	for n in $(seq 1 40); do
		jq -e '.ips | length == 2' "$out/$n" >/dev/null || fail "ADD p$n: $(cat "$out/$n")"
	done
	[ "$(cat "$out"/* | jq -r '.ips[].address' | sort -u | wc -l)" -eq 80 ]
	run reservations
	[ "${#lines[@]}" -eq 80 ]
	for f in "${lines[@]}"; do
		grep -qE '^p[0-9]+'$'\r''$' <(head -1 "$ND/$f") || fail "bad content in $f"
	done
	for n in $(seq 1 40); do
		if ((n % 2)); then bin=$REF; else bin=$HL; fi
		env -i PATH="$PATH" CNI_COMMAND=DEL CNI_CONTAINERID=p$n CNI_NETNS=$NETNS_PATH \
			CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$bin" <<<"$c" >"$out/del-$n" 2>&1 &
	done
	wait
	[ -z "$(reservations)" ]
	ls "$out"/del-* | while read -r f; do [ ! -s "$f" ] || fail "DEL said: $(cat "$f")"; done
}

@test "interop: legacy ID-only files, as the reference releases them" {
	c=$(conf 1.0.0 "$DUAL")
	mkdir -p "$ND"
	printf 'old' >"$ND/10.88.0.50"
	printf 'old' >"$ND/fd88::50"
	CID=old ours CHECK "$c"
	assert_success
	CID=old theirs CHECK "$c"
	assert_success
	CID=old ours DEL "$c"
	assert_success
	[ -z "$(reservations)" ]
	printf 'old' >"$ND/10.88.0.50"
	CID=old IFNAME=eth7 theirs DEL "$c"
	assert_success
	[ -z "$(reservations)" ]
}

@test "interop: theirs after ours at scale (index files in its walk)" {
	c=$(conf 1.0.0 '{"ranges":[[{"subnet":"10.88.0.0/16"}]]}')
	for n in $(seq 1 100); do
		CID=s$n ours ADD "$c"
		assert_success
	done
	[ "$(ls "$ND/.cni-c-index" | wc -l)" -gt 10 ]
	CID=s50 theirs DEL "$c"
	assert_success
	[ ! -e "$ND/10.88.0.51" ]
	CID=new theirs ADD "$c"
	assert_success
	jq -e '.ips[0].address == "10.88.0.102/16"' <<<"$output"
	CID=s50 ours CHECK "$c"
	assert_failure
	CID=new ours CHECK "$c"
	assert_success
	# theirs removed none of our index files
	[ -f "$ND/.cni-c-index/stamp" ]
	[ "$(ls "$ND/.cni-c-index" | wc -l)" -gt 10 ]
}
