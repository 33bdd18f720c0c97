#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The project's security promise, one section per guarantee; docs/security.md
# cites these tests. Each section is self-contained: it sets up (and cleans
# up) what it needs, with helpers prefixed by its own name.

bats_require_minimum_version 1.5.0
load helpers

# --- Outside input is bounded (issue 19 §4) ---
#
# host-local stores a reservation's owner as "<containerID>\r\n<ifname>"
# and reads back at most 64 KiB of it (a bigger file is nobody's). So the
# longest container ID ADD accepts is 65519 bytes (65536 - 2 - 15, the
# longest ifname): a longer one is refused with code 4 before anything is
# written, and the longest one is found by DEL and kept by GC. resolvConf is
# read as the reference reads it (Go's bufio.Scanner): a line of 64 KiB or
# more is an error (code 7, the reference's 999), and so is any read
# failure; an ADD that fails there reserves nothing. host-local never
# enters the netns: no namespace is needed, everything lives in
# $BATS_TEST_TMPDIR.

BOUNDS_ID_MAX=65519

# bounds_conf [IPAM_EXTRA_JSON]: a 1.1.0 host-local config in our own dataDir
bounds_conf() {
	jq -nc --arg d "$BATS_TEST_TMPDIR/data" --argjson x "${1:-{\}}" \
		'{cniVersion: "1.1.0", name: "bounds", type: "bridge",
		  ipam: ({type: "host-local", dataDir: $d, ranges: [[{subnet: "10.79.0.0/24"}]]} + $x)}'
}

# bounds_hl CMD CONFIG [env...]: our host-local, as a runtime runs it
bounds_hl() {
	NETNS_PATH=/var/run/netns/bounds-unused run_plugin "$CNI_TEST_BIN/host-local" "$@"
}

# bounds_id N: a valid container ID of N bytes
bounds_id() {
	printf 'c%*s' "$(($1 - 1))" '' | tr ' ' 'a'
}

# bounds_nothing_written: the dataDir holds no network directory at all
bounds_nothing_written() {
	[ ! -e "$BATS_TEST_TMPDIR/data" ] || [ -z "$(ls -A "$BATS_TEST_TMPDIR/data")" ] ||
		fail "dataDir is not empty: $(ls -AR "$BATS_TEST_TMPDIR/data")"
}

# bounds_resolv_add PATH: ADD with resolvConf = PATH (killed after 10 s:
# without the bound, /dev/zero would eat memory until then)
bounds_resolv_add() {
	bounds_hl ADD "$(bounds_conf "$(jq -nc --arg r "$1" '{resolvConf: $r}')")" timeout 10
}

@test "bounds: a container ID too long for host-local's store is refused at ADD (code 4), nothing written" {
	local id
	id=$(bounds_id $((BOUNDS_ID_MAX + 1)))
	CID=$id IFNAME=eth0 bounds_hl ADD "$(bounds_conf)"
	assert_cni_error 4
	jq -e '.msg == "containerID is too long"' <<<"$output"
	bounds_nothing_written
	# the legal ifname does not matter: it is the ID's own bound
	CID=$id IFNAME=x bounds_hl ADD "$(bounds_conf)"
	assert_cni_error 4
	bounds_nothing_written
}

@test "bounds: the bridge (host-local in-process) refuses that ID before it makes anything" {
	local id
	id=$(bounds_id $((BOUNDS_ID_MAX + 1)))
	# in a network namespace of its own, which goes away with the shell
	run --separate-stderr unshare -n sh -c '
		env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID="$1" CNI_IFNAME=eth0 \
			CNI_NETNS=/var/run/netns/bounds-unused CNI_PATH="$2" "$2/bridge" <<-EOF
			$3
		EOF
		echo " exit $?"
		ip -o link show | grep -v " lo:" || true' sh "$id" "$CNI_TEST_BIN" \
		"$(bounds_conf | jq -c '.bridge = "bounds0"')"
	assert_success
	[[ "$output" == *'"code":4,"msg":"containerID is too long"'*" exit 1" ]] || fail "$output"
	bounds_nothing_written
}

@test "bounds: the longest container ID is added, kept by a GC that lists it, and found by DEL" {
	local id ifname=ifname-15-bytes nd=$BATS_TEST_TMPDIR/data/bounds valid
	id=$(bounds_id $BOUNDS_ID_MAX)
	CID=$id IFNAME=$ifname bounds_hl ADD "$(bounds_conf)"
	assert_success
	jq -e '.ips[0].address == "10.79.0.2/24"' <<<"$output"
	# the whole owner key is on disk: 65536 bytes, exactly what it wrote
	[ "$(stat -c %s "$nd/10.79.0.2")" -eq 65536 ]
	cmp "$nd/10.79.0.2" <(printf '%s\r\n%s' "$id" "$ifname")
	CID=$id IFNAME=$ifname bounds_hl CHECK "$(bounds_conf)"
	assert_success
	# a second ADD of that attachment is a duplicate, so it was recognised
	CID=$id IFNAME=$ifname bounds_hl ADD "$(bounds_conf)"
	assert_failure
	[ ! -e "$nd/10.79.0.3" ]
	# GC listing the attachment keeps it
	valid=$(jq -nc --arg c "$id" --arg i "$ifname" '{"cni.dev/valid-attachments": [{containerID: $c, ifname: $i}]}')
	bounds_hl GC "$(bounds_conf | jq -c --argjson v "$valid" '. + $v')"
	assert_success
	[ -e "$nd/10.79.0.2" ]
	# DEL finds it (through the owner index, then the file) and removes it
	CID=$id IFNAME=$ifname bounds_hl DEL "$(bounds_conf)"
	assert_success
	[ ! -e "$nd/10.79.0.2" ]
}

@test "bounds: resolvConf=/dev/zero fails at once with an error object and reserves nothing" {
	SECONDS=0
	bounds_resolv_add /dev/zero
	assert_cni_error 7
	jq -e '.msg == "ipam.resolvConf: cannot read /dev/zero" and (.details | test("token too long"))' <<<"$output"
	[ "$SECONDS" -lt 5 ]
	bounds_nothing_written
}

@test "bounds: a resolvConf line of 70 KiB fails (code 7); one of 65535 bytes is read" {
	local f=$BATS_TEST_TMPDIR/resolv.conf
	{
		echo "nameserver 10.79.0.53"
		printf '#%*s\n' 71679 '' # a comment is a line like any other
	} >"$f"
	bounds_resolv_add "$f"
	assert_cni_error 7
	jq -e '.details | test("line 2 is longer than 65535 bytes")' <<<"$output"
	bounds_nothing_written
	# 65535 bytes (the most bufio.Scanner's 64 KiB takes with its newline),
	# and the same as the last line, without a newline
	{
		printf 'search a.example%*s\n' 65519 ''
		echo "nameserver 10.79.0.53"
		printf 'options ndots:2 %*s' 65519 ''
	} >"$f"
	[ "$(head -1 "$f" | wc -c)" -eq 65536 ]
	[ "$(tail -1 "$f" | wc -c)" -eq 65535 ]
	bounds_resolv_add "$f"
	assert_success
	jq -ce '.dns == {nameservers: ["10.79.0.53"], search: ["a.example"], options: ["ndots:2"]}' <<<"$output"
	[ -e "$BATS_TEST_TMPDIR/data/bounds/10.79.0.2" ]
}

@test "bounds: a resolvConf that cannot be read (a directory, a missing file) fails and reserves nothing" {
	bounds_resolv_add "$BATS_TEST_TMPDIR"
	assert_cni_error 7
	jq -e '.details == "Is a directory"' <<<"$output"
	bounds_resolv_add "$BATS_TEST_TMPDIR/missing"
	assert_cni_error 7
	jq -e '.details == "No such file or directory"' <<<"$output"
	bounds_nothing_written
}
