#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# A failure at every step. With the fault build (make FAULT=1: bin-fault/,
# or bin-san-fault/ beside bin-san/; see pkg/util/fault.h), the k-th kernel
# request, nftables batch, nftables GET/dump or store write of a call fails,
# for k = 1, 2, ... until the call runs past its last one. After each:
#  - a failed ADD left the host exactly as it was (links, addresses,
#    routes, bridge MAC, nftables ruleset, the store's bytes, the
#    container netns) and printed a CNI error object; DEL then succeeds;
#  - an ADD that absorbed the failure returned a result that CHECK accepts;
#  - a DEL that failed printed an error object, and a retried DEL completes
#    and leaves nothing; a DEL that absorbed it left nothing.
# Another container is attached throughout, so that the bridge, its
# addresses, the nftables table and the store exist before and after (a
# first ADD's bridge stays, as in the reference: that case is tested on
# its own below).

bats_require_minimum_version 1.5.0
load helpers
load bridge_lib

: "${CNI_FAULT_BIN:=${CNI_TEST_BIN}-fault}"
MAX_STEPS=200
# an index bucket with no owner in it
EMPTY_BUCKET=$(printf 'cni-c-index bucket 1\n' | md5sum | cut -d' ' -f1)

setup() {
	[ -x "$CNI_FAULT_BIN/bridge" ] && [ -x "$CNI_FAULT_BIN/host-local" ] ||
		fail "no fault build in CNI_FAULT_BIN=$CNI_FAULT_BIN (make FAULT=1 plugins)"
	br_setup
	FLOG=$D/fault.log
	CTR_NSP=$NSP
	CTR_NS=${CNS[0]}
	new_cns res
	RES_NSP=$NSP
}
teardown() { br_teardown; }

# frun CMD CONF CID NETNS [VAR=value...]: the fault build's bridge in
# $HOSTNS as a runtime runs it (bats `run`); injected failures go to $FLOG
frun() {
	local cmd=$1 conf=$2 cid=$3 nsp=$4
	shift 4
	rm -f "$FLOG"
	run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND="$cmd" \
		CNI_CONTAINERID="$cid" CNI_NETNS="$nsp" CNI_IFNAME=eth0 CNI_PATH="$CNI_FAULT_BIN" \
		CNI_FAULT_LOG="$FLOG" "$@" "$CNI_FAULT_BIN/bridge" <<<"$conf"
}

# Everything a call may change, normalised: the host netns's links (with
# MACs, masters, flags), addresses, routes and nftables ruleset, the
# container netns's links and addresses, and the store, its owner index as
# the next call sees it (a host-local CHECK of the other container first:
# an index a failed write left untrusted is rebuilt, a trusted one is
# used as it is and must be right). Not compared:
# last_reserved_ip.N (a failed ADD moves the allocator on, as the
# reference's does), the index stamp (a time), an index bucket with no
# owner left (the same as no bucket), IPv6 link-local addresses and their
# routes (the kernel adds them a while after a link comes up; they go with
# their link, which is compared).
snap() {
	env -i CNI_COMMAND=CHECK CNI_CONTAINERID="ctr-res-$TAG" CNI_NETNS="$RES_NSP" \
		CNI_IFNAME=eth0 CNI_PATH="$CNI_FAULT_BIN" "$CNI_FAULT_BIN/host-local" \
		<<<"$CONF" >"$D/hl-check" || fail "host-local CHECK: $(cat "$D/hl-check")"
	{
		printf 'link show\naddress show\nroute show table all\n' |
			ip -n "$HOSTNS" -d -j -batch -
		ip -n "$HOSTNS" -6 -j route show table all
	} | jq -r -s '
		def ll: type == "string" and startswith("fe80:");
		"## host links", (.[0][] | {ifname, kind: .linkinfo.info_kind, master, address,
			mtu, flags: (.flags - ["LOWER_UP"])} | tojson),
		"## host addresses", ([.[1][] | .ifname as $i | .addr_info[] | select(.local | ll | not) |
			"\($i) \(.local)/\(.prefixlen)"] | sort[]),
		"## host routes", ([.[2][], .[3][] | select(.dst | ll | not) | del(.expires) | tojson] |
			sort[])'
	echo "## nftables"
	ip netns exec "$HOSTNS" nft list ruleset
	echo "## container"
	ip -n "$CTR_NS" -br addr show | awk '{ printf "%s", $1; for (i = 3; i <= NF; i++)
		if ($i !~ /^fe80:/) printf " %s", $i; print "" }'
	echo "## store"
	(cd "$IPAMDIR" && find . ! -type d -exec md5sum {} +) | awk -v empty="$EMPTY_BUCKET" '
		$2 ~ /\/\.cni-c-index\/stamp$/ { next }
		$2 ~ /\/last_reserved_ip\.[0-9]+$/ { print $2; next }
		$2 ~ /\/\.cni-c-index\/b[0-9a-f]+$/ && $1 == empty { next }
		{ print $2, $1 }' | LC_ALL=C sort
}

# the host is as snap saved it in $D/base; $1 says after what
assert_as_before() {
	snap >"$D/now"
	diff -u "$D/base" "$D/now" >"$D/diff" ||
		fail "$(printf '%s: the host changed:\n%s\n\nstderr: %s\nstore now:\n%s' "$1" \
			"$(cat "$D/diff")" "$stderr" "$(cd "$IPAMDIR" && grep -r -a '' . | cat -v)")"
}

# $output is one CNI error object and nothing else; $1 says after what
assert_error_object() {
	[ "$status" -ne 0 ] || fail "$1: exit 0 for an error"
	jq -e 'type == "object" and (.code | type) == "number" and .code > 0 and
		(.msg | type) == "string" and (.msg | length) > 0 and
		(.cniVersion | type) == "string"' <<<"$output" >/dev/null ||
		fail "$1: not a CNI error object: $output"
	[ "$(jq -s length <<<"$output")" = 1 ] || fail "$1: more than one object: $output"
}

# succeeds WHAT CMD CONF CID NETNS: frun without a fault, which must succeed
succeeds() {
	local what=$1
	shift
	frun "$@"
	[ "$status" -eq 0 ] || fail "$what: $output $stderr"
}

# start: the other container attached, then the base snapshot
start() {
	CONF=$1
	succeeds "resident ADD" ADD "$1" "ctr-res-$TAG" "$RES_NSP"
	snap >"$D/base"
}

# every_add_step CONF KIND ERRNO [+]: ADD with the k-th KIND failing (with
# "+", that one and every later one: the rollback fails too, and only DEL
# can clean up), k = 1, 2, ... until an ADD runs past the last KIND.
every_add_step() {
	local conf=$1 kind=$2 errno=$3 onward=${4:-} k failed=0 absorbed=0 what
	for ((k = 1; k <= MAX_STEPS; k++)); do
		what="ADD with $kind #$k$onward failing ($errno)"
		frun ADD "$conf" "$CID" "$CTR_NSP" CNI_FAULT="$kind:$k$onward:$errno"
		if [ ! -s "$FLOG" ]; then
			[ "$k" -gt 1 ] || fail "$kind: no step counted (does the fault build inject?)"
			[ "$status" -eq 0 ] || fail "ADD past the last $kind: $output $stderr"
			succeeds "DEL after ADD" DEL "$conf" "$CID" "$CTR_NSP"
			assert_as_before "DEL after ADD"
			echo "# ADD, $kind$onward: $((k - 1)) steps, $failed failed, $absorbed absorbed" >&3
			return 0
		fi
		if [ "$status" -eq 0 ]; then
			absorbed=$((absorbed + 1))
			succeeds "CHECK after $what (ADD succeeded)" CHECK \
				"$(jq -c --argjson r "$output" '.prevResult = $r' <<<"$conf")" "$CID" "$CTR_NSP"
		else
			failed=$((failed + 1))
			assert_error_object "$what"
			[ -n "$onward" ] || assert_as_before "$what"
		fi
		succeeds "DEL after $what" DEL "$conf" "$CID" "$CTR_NSP"
		assert_as_before "DEL after $what"
	done
	fail "$kind: more than $MAX_STEPS steps in one ADD"
}

# every_del_step CONF KIND ERRNO: DEL of an attached container with the
# k-th KIND failing, k = 1, 2, ... until a DEL runs past the last KIND.
every_del_step() {
	local conf=$1 kind=$2 errno=$3 k failed=0 absorbed=0 what
	for ((k = 1; k <= MAX_STEPS; k++)); do
		what="DEL with $kind #$k failing ($errno)"
		succeeds "ADD before $what" ADD "$conf" "$CID" "$CTR_NSP"
		frun DEL "$conf" "$CID" "$CTR_NSP" CNI_FAULT="$kind:$k:$errno"
		if [ ! -s "$FLOG" ]; then
			[ "$k" -gt 1 ] || fail "$kind: no step counted (does the fault build inject?)"
			[ "$status" -eq 0 ] || fail "DEL past the last $kind: $output $stderr"
			assert_as_before "DEL"
			echo "# DEL, $kind: $((k - 1)) steps, $failed failed, $absorbed absorbed" >&3
			return 0
		fi
		if [ "$status" -eq 0 ]; then
			# done, says DEL: the runtime will not ask again
			absorbed=$((absorbed + 1))
			assert_as_before "$what (DEL succeeded)"
			continue
		fi
		failed=$((failed + 1))
		assert_error_object "$what"
		succeeds "DEL retried after $what" DEL "$conf" "$CID" "$CTR_NSP"
		assert_as_before "DEL retried after $what"
	done
	fail "$kind: more than $MAX_STEPS steps in one DEL"
}

# fresh_host: no bridge, no nftables table, no store
fresh_host() {
	ip -n "$HOSTNS" link del "$BR" 2>/dev/null || true
	ip netns exec "$HOSTNS" nft flush ruleset
	rm -rf "${IPAMDIR:?}"/*
}

# every_first_add_step CONF KIND ERRNO: the first ADD on a fresh host
# (it makes the bridge, the tables, the store) with the k-th KIND failing:
# what it made for the container is gone (the bridge and the tables may
# stay, as the reference's bridge does), and the next ADD works.
every_first_add_step() {
	local conf=$1 kind=$2 errno=$3 k failed=0 absorbed=0 what
	for ((k = 1; k <= MAX_STEPS; k++)); do
		what="first ADD with $kind #$k failing ($errno)"
		fresh_host
		frun ADD "$conf" "$CID" "$CTR_NSP" CNI_FAULT="$kind:$k:$errno"
		if [ ! -s "$FLOG" ]; then
			[ "$k" -gt 1 ] || fail "$kind: no step counted (does the fault build inject?)"
			[ "$status" -eq 0 ] || fail "first ADD past the last $kind: $output $stderr"
			succeeds "DEL after the first ADD" DEL "$conf" "$CID" "$CTR_NSP"
			echo "# first ADD, $kind: $((k - 1)) steps, $failed failed, $absorbed absorbed" >&3
			return 0
		fi
		if [ "$status" -ne 0 ]; then
			failed=$((failed + 1))
			assert_error_object "$what"
			[ -z "$(ip -n "$CTR_NS" -o link show | grep -v ': lo:')" ] ||
				fail "$what: the container interface stayed"
			[ -z "$(ip -n "$HOSTNS" -o link show type veth)" ] || fail "$what: a veth stayed"
			[ -z "$(reservations)" ] || fail "$what: reservation $(reservations) stayed"
			! ip netns exec "$HOSTNS" nft list ruleset | grep -F -- "$CID" ||
				fail "$what: an nftables entry of $CID stayed"
		else
			absorbed=$((absorbed + 1))
		fi
		succeeds "DEL after $what" DEL "$conf" "$CID" "$CTR_NSP"
		# what the failed ADD left must not hurt the next one
		succeeds "ADD after $what" ADD "$conf" "$CID" "$CTR_NSP"
		succeeds "DEL after the ADD after $what" DEL "$conf" "$CID" "$CTR_NSP"
	done
	fail "$kind: more than $MAX_STEPS steps in one ADD"
}

every_step() {
	local conf=$1
	start "$conf"
	every_add_step "$conf" netlink EIO
	every_add_step "$conf" nft ENOMEM
	every_add_step "$conf" nftget EIO
	every_add_step "$conf" store ENOSPC
	every_add_step "$conf" netlink EIO +
	every_add_step "$conf" nft ENOMEM +
	every_add_step "$conf" store ENOSPC +
	every_del_step "$conf" netlink EIO
	every_del_step "$conf" nft ENOMEM
	every_del_step "$conf" nftget EIO
	every_del_step "$conf" store EIO
}

@test "faults: the release build has no fault injection in it; the fault build has" {
	local b
	for b in bridge host-local; do
		run grep -c -e CNI_FAULT -e fault_hit "$CNI_TEST_BIN/$b"
		assert_output 0
		run grep -c CNI_FAULT "$CNI_FAULT_BIN/$b"
		refute_output 0
	done
	# a malformed spec is refused, not ignored
	frun ADD "$(br_conf)" "$CID" "$CTR_NSP" CNI_FAULT=netlink:x:EIO
	assert_failure 2
	assert_equal "$stderr" 'CNI_FAULT: malformed "netlink:x:EIO" (KIND:K[+]:ERRNO)'
}

@test "faults: every step of ADD and DEL fails once: host-local, ipMasq, isGateway" {
	every_step "$(br_conf '.ipMasq = true')"
}

@test "faults: every step of ADD and DEL fails once: IPv6 too, macspoofchk" {
	every_step "$(br_conf '.ipMasq = true | .macspoofchk = true |
		.ipam = {type: "host-local", dataDir: .ipam.dataDir,
		ranges: [[{subnet: "10.88.0.0/24"}], [{subnet: "fd00:88::/64"}]]}')"
}

@test "faults: every step of a first ADD (bridge, tables, store made) fails once" {
	local conf kind
	conf=$(br_conf '.ipMasq = true | .macspoofchk = true |
		.ipam = {type: "host-local", dataDir: .ipam.dataDir,
		ranges: [[{subnet: "10.88.0.0/24"}], [{subnet: "fd00:88::/64"}]]}')
	every_first_add_step "$conf" netlink EIO
	every_first_add_step "$conf" nft ENOMEM
	every_first_add_step "$conf" nftget EIO
	every_first_add_step "$conf" store ENOSPC
}
