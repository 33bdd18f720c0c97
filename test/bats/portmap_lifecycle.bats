#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The portmap plugin over a container's life: DEL leaves nothing, a host
# port another container holds, CHECK, GC, parallel calls, and migration
# from the reference portmap (its state removed by our DEL).

bats_require_minimum_version 1.5.0
load helpers
load portmap_lib

setup() { pm_setup; }
teardown() { pm_teardown; }

PM8080='[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]'
PM2='[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5353,"containerPort":53,"protocol":"udp","hostIP":"192.0.2.1"}]'

# gc_conf VALID_JSON: a GC config for $NET (1.1.0)
gc_conf() {
	jq -nc --arg net "$NET" --argjson valid "$1" \
		'{cniVersion: "1.1.0", name: $net, type: "portmap", "cni.dev/valid-attachments": $valid}'
}

@test "portmap DEL: removes exactly this container's elements; again, or with the netns gone: success" {
	new_ctr a
	local a_conf a_owner=$NET/$CID/eth0 a_cid=$CID a_nsp=$NSP
	a_conf=$(pm_conf "$PM2")
	pm_ok ADD "$a_conf"
	new_ctr b
	local b_owner=$NET/$CID/eth0
	pm_ok ADD "$(pm_conf '[{"hostPort":8081,"containerPort":80,"protocol":"tcp"}]')"
	run pm_owned "$a_owner"
	# 2 DNAT (v4, v6) + 1 on the host address + hairpin (2 v4, 1 v6) + localhost 2
	assert_equal "${#lines[@]}" 8
	CID=$a_cid NSP=$a_nsp pm_ok DEL "$a_conf"
	assert_output ""
	run pm_owned "$a_owner"
	assert_output ""
	run pm_owned "$b_owner"
	assert_equal "${#lines[@]}" 5
	CID=$a_cid NSP=$a_nsp pm_ok DEL "$a_conf"
	ip netns del "${CNS[0]}"
	CID=$a_cid NSP=$a_nsp pm_ok DEL "$a_conf"
	CID=$a_cid NSP= pm_ok DEL "$a_conf"
	# b still works
	serve tcp "$NS" :: 80 B
	run talk tcp "$OUTNS" "$OUT_HOST4" 8081
	assert_output "B peer=$OUT_PEER4"
}

@test "portmap DEL: without prevResult everything of the container goes too" {
	new_ctr a
	pm_ok ADD "$(pm_conf "$PM2")"
	[ -n "$(pm_owned "$NET/$CID/eth0")" ]
	pm_ok DEL "$(pm_conf "$PM2" 'del(.prevResult)')"
	run pm_owned "$NET/$CID/eth0"
	assert_output ""
}

@test "portmap DEL: without portMappings does nothing, as the reference; GC collects it" {
	new_ctr a
	pm_ok ADD "$(pm_conf "$PM8080")"
	pm_ok DEL "$(pm_conf "$PM8080" 'del(.runtimeConfig)')"
	[ -n "$(pm_owned "$NET/$CID/eth0")" ]
	pm_ok GC "$(gc_conf '[]')"
	run pm_owned "$NET/$CID/eth0"
	assert_output ""
}

@test "portmap: a host port another container holds: the first keeps it, the next takes over when it goes" {
	local c1 c2 c3 n1 n2 n3 conf1 conf2 conf3
	new_ctr a
	c1=$CID n1=$NSP conf1=$(pm_conf "$PM8080")
	pm_ok ADD "$conf1"
	serve tcp "$NS" :: 80 A
	new_ctr b
	c2=$CID n2=$NSP conf2=$(pm_conf "$PM8080")
	pm_ok ADD "$conf2"
	assert_equal "$(jq -c .ips <<<"$output")" "$(jq -c .ips <<<"$RES")"
	[[ $stderr == *"the host port is mapped to $NET/$c1/eth0; $NET/$c2/eth0 waits for it"* ]] ||
		fail "stderr: $stderr"
	serve tcp "$NS" :: 80 B
	new_ctr c
	c3=$CID n3=$NSP conf3=$(pm_conf "$PM8080")
	pm_ok ADD "$conf3"
	serve tcp "$NS" :: 80 C
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_PEER4"
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "A peer=$OUT_PEER6"
	# waiting counts as in place for CHECK; a second ADD changes nothing
	CID=$c2 NSP=$n2 pm_ok CHECK "$conf2"
	CID=$c2 NSP=$n2 pm_ok ADD "$conf2"
	run pm_table
	assert_output --partial "map wait4"
	# the holder goes: the oldest waiting one (b, not c) gets the port
	CID=$c1 NSP=$n1 pm_ok DEL "$conf1"
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "B peer=$OUT_PEER4"
	run talk tcp "$OUTNS" "$OUT_HOST6" 8080
	assert_output "B peer=$OUT_PEER6"
	CID=$c3 NSP=$n3 pm_ok CHECK "$conf3"
	# a waiting one goes first: the holder is untouched
	CID=$c3 NSP=$n3 pm_ok DEL "$conf3"
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "B peer=$OUT_PEER4"
	CID=$c2 NSP=$n2 pm_ok DEL "$conf2"
	run pm_table
	refute_output --partial "comment"
}

@test "portmap CHECK: passes when in place; a missing element or table is 105; no prevResult is 7" {
	new_ctr a
	local conf
	conf=$(pm_conf "$PM2")
	pm_ok ADD "$conf"
	pm_ok CHECK "$conf"
	# no mappings: nothing to check
	pm_ok CHECK "$(pm_conf '[]')"
	pm_run CHECK "$(pm_conf "$PM2" 'del(.prevResult)')"
	assert_cni_error 7
	run jq -r .msg <<<"$output"
	assert_output "Required prevResult missing"
	# another target than the one in prevResult
	pm_run CHECK "$(pm_conf '[{"hostPort":8080,"containerPort":81,"protocol":"tcp"}]')"
	assert_cni_error 105
	ip netns exec "$HOSTNS" nft delete element inet cni_c_portmap dnat4-ip '{ 192.0.2.1 . udp . 5353 }'
	pm_run CHECK "$conf"
	assert_cni_error 105
	assert_output --partial "udp 192.0.2.1:5353 to $IP4:53"
	pm_ok ADD "$conf"
	pm_ok CHECK "$conf"
	ip netns exec "$HOSTNS" nft delete element inet cni_c_portmap localhost4 "{ $IP4 . tcp . 80 }"
	pm_run CHECK "$conf"
	assert_cni_error 105
	assert_output --partial "no masquerade from 127.0.0.1"
	ip netns exec "$HOSTNS" nft delete table inet cni_c_portmap
	pm_run CHECK "$conf"
	assert_cni_error 105
	# CHECK needs 0.4.0
	CNIVER=0.3.1 pm_run CHECK "$(CNIVER=0.3.1 pm_conf "$PM2")"
	assert_cni_error 1
}

@test "portmap GC: removes the elements of attachments not listed, promotes what waited" {
	new_ctr a
	local a=$CID a_nsp=$NSP
	pm_ok ADD "$(pm_conf "$PM2")"
	new_ctr b
	local b=$CID
	pm_ok ADD "$(pm_conf "$PM8080")"
	serve tcp "$NS" :: 80 B
	# another network's element is never this GC's
	new_ctr c
	pm_ok ADD "$(pm_conf '[{"hostPort":9090,"containerPort":80,"protocol":"tcp"}]' '.name = "other"')"
	# the list is required: without it nothing happens
	pm_run GC "$(gc_conf '[]' | jq -c 'del(."cni.dev/valid-attachments")')"
	assert_cni_error 7
	assert_output --partial "cni.dev/valid-attachments"
	[ -n "$(pm_owned "$NET/$a/eth0")" ]
	# GC needs 1.1.0
	pm_run GC "$(gc_conf '[]' | jq -c '.cniVersion = "1.0.0"')"
	assert_cni_error 1
	# b is valid, a is not: a's elements go, b takes the port a held
	pm_ok GC "$(gc_conf "[{\"containerID\":\"$b\",\"ifname\":\"eth0\"}]")"
	run pm_owned "$NET/$a/eth0"
	assert_output ""
	run pm_owned "$NET/$b/eth0"
	assert_equal "${#lines[@]}" 5
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "B peer=$OUT_PEER4"
	[ -n "$(pm_owned "other/$CID/eth0")" ]
	# null: nothing of the network is valid
	pm_ok GC "$(gc_conf null)"
	run pm_owned "$NET/$b/eth0"
	assert_output ""
	[ -n "$(pm_owned "other/$CID/eth0")" ]
	run pm_table
	refute_output --partial "$NET/"
	# a DEL after GC: nothing left to do
	CID=$a NSP=$a_nsp pm_ok DEL "$(PREV=$RES pm_conf "$PM2")"
}

# in_parallel CMD: portmap CMD for every ${cids[i]} with ${confs[i]} at once
in_parallel() {
	local i pids=()
	for i in "${!cids[@]}"; do
		printf '%s' "${confs[$i]}" | ip netns exec "$HOSTNS" env -i PATH="$PATH" \
			CNI_COMMAND="$1" CNI_CONTAINERID="${cids[$i]}" CNI_NETNS=/x CNI_IFNAME=eth0 \
			CNI_PATH="$CNI_TEST_BIN" "$CNI_TEST_BIN/portmap" >"$D/$1$i.out" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do wait "${pids[$i]}" || fail "$1 $i: $(cat "$D/$1$i.out")"; done
}

@test "portmap: parallel ADDs and DELs of many containers converge, one rule per map" {
	local i cids=() confs=()
	for i in 1 2 3 4 5 6; do
		new_ctr "p$i"
		cids+=("$CID")
		# half on one host port (one holds it, the others wait), half on their own
		if [ $((i % 2)) = 0 ]; then
			confs+=("$(pm_conf "$PM8080")")
		else
			confs+=("$(pm_conf "[{\"hostPort\":$((9000 + i)),\"containerPort\":80,\"protocol\":\"tcp\"}]")")
		fi
	done
	in_parallel ADD
	for i in 0 1 2 3 4 5; do
		CID=${cids[$i]} pm_ok CHECK "${confs[$i]}"
	done
	run pm_table
	# one jump per base chain, one rule per map
	[ "$(grep -c 'jump hostports' <<<"$output")" = 2 ] || fail "$output"
	[ "$(grep -c 'map @dnat4$' <<<"$output")" = 1 ] || fail "$output"
	[ "$(grep -c '@hairpin4-24 masquerade' <<<"$output")" = 1 ] || fail "$output"
	in_parallel DEL
	run pm_table
	refute_output --partial "comment"
}

# --- migration from the reference portmap -------------------------------------

@test "portmap DEL removes what the reference portmap (iptables) made for the container, IPv4 and IPv6" {
	command -v iptables-save >/dev/null || skip "iptables not installed"
	new_ctr a
	local a=$CID a_nsp=$NSP a_conf a_chain
	a_conf=$(pm_conf "$PM2")
	pm_ok ADD "$a_conf" "$REF_BIN/portmap"
	serve tcp "$NS" :: 80 A
	new_ctr b
	local b_chain
	pm_ok ADD "$(pm_conf '[{"hostPort":8081,"containerPort":80,"protocol":"tcp"}]')" "$REF_BIN/portmap"
	serve tcp "$NS" :: 80 B
	a_chain=CNI-DN-$(printf '%s' "$NET$a" | sha512sum | cut -c1-21)
	b_chain=CNI-DN-$(printf '%s' "$NET$CID" | sha512sum | cut -c1-21)
	run ref_rules
	assert_output --partial ":$a_chain"
	assert_output --partial "-j $a_chain"
	assert_output --partial "--to-destination [$IP6]:80"
	# reference traffic works, then our DEL of a (as after a node switch)
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_PEER4"
	CID=$a NSP=$a_nsp pm_ok DEL "$a_conf"
	run ref_rules
	refute_output --partial "$a_chain"
	refute_output --partial "id: \"$a\""
	# b's chain (still the reference's) stays and works
	assert_output --partial "-j $b_chain"
	run talk tcp "$OUTNS" "$OUT_HOST4" 8081
	assert_output "B peer=$OUT_PEER4"
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output refused
	# the reference agrees nothing of a is left (its own DEL is fine after ours)
	CID=$a NSP=$a_nsp pm_ok DEL "$a_conf" "$REF_BIN/portmap"
	# and b: our DEL again; then only the shared chains are left
	pm_ok DEL "$(pm_conf '[{"hostPort":8081,"containerPort":80,"protocol":"tcp"}]')"
	run ref_rules
	refute_output --partial "CNI-DN-"
}

@test "portmap DEL removes the old reference's CNI-SN chain and its nftables backend's rules" {
	new_ctr a
	local sn
	sn=CNI-SN-$(printf '%s' "$NET$CID" | sha512sum | cut -c1-21)
	# what older references (CNI-SN-) and the nftables backend (ip/ip6 cni_hostport) left
	ip netns exec "$HOSTNS" nft -f - <<-EOF
		table ip nat {
			chain CNI-HOSTPORT-SNAT { }
			chain $sn { ip saddr 127.0.0.1 masquerade; }
		}
		table ip cni_hostport {
			chain hostports { tcp dport 8080 dnat to $IP4:80 comment "$CID"; tcp dport 9 dnat to 10.77.0.99:9 comment "other"; }
			chain hostip_hostports { ip daddr 192.0.2.1 udp dport 5353 dnat to $IP4:53 comment "$CID"; }
			chain prerouting { type nat hook prerouting priority dstnat; jump hostip_hostports; jump hostports; }
			chain masquerading { type nat hook postrouting priority srcnat; ip saddr $IP4 ip daddr $IP4 masquerade comment "$CID"; }
		}
		table ip6 cni_hostport {
			chain hostports { tcp dport 8080 dnat to [$IP6]:80 comment "$CID"; }
			chain prerouting { type nat hook prerouting priority dstnat; jump hostports; }
		}
	EOF
	ip netns exec "$HOSTNS" nft add rule ip nat CNI-HOSTPORT-SNAT jump "$sn"
	pm_ok DEL "$(pm_conf "$PM2")"
	run ip netns exec "$HOSTNS" nft list ruleset
	refute_output --partial "$sn"
	refute_output --partial "comment \"$CID\""
	assert_output --partial 'comment "other"'
	assert_output --partial "chain CNI-HOSTPORT-SNAT"
}

@test "portmap: switching a node: the reference's container and ours side by side, each DEL by ours" {
	command -v iptables-save >/dev/null || skip "iptables not installed"
	new_ctr a
	local a=$CID a_nsp=$NSP a_conf
	a_conf=$(pm_conf "$PM8080")
	pm_ok ADD "$a_conf" "$REF_BIN/portmap"
	serve tcp "$NS" :: 80 A
	new_ctr b
	local b_conf
	b_conf=$(pm_conf '[{"hostPort":8081,"containerPort":80,"protocol":"tcp"}]')
	pm_ok ADD "$b_conf"
	serve tcp "$NS" :: 80 B
	run talk tcp "$OUTNS" "$OUT_HOST4" 8080
	assert_output "A peer=$OUT_PEER4"
	run talk tcp "$OUTNS" "$OUT_HOST4" 8081
	assert_output "B peer=$OUT_PEER4"
	# hairpin through ours while the reference's chains are there
	run talk tcp "$NS" "$OUT_HOST4" 8081
	assert_output "B peer=$GW4"
	CID=$a NSP=$a_nsp pm_ok DEL "$a_conf"
	pm_ok DEL "$b_conf"
	run ref_rules
	refute_output --partial "CNI-DN-"
	run pm_table
	refute_output --partial "comment"
}

# the portmap processes in $HOSTNS: "PID PPID" lines
pm_procs() {
	local p
	for p in $(ip netns pids "$HOSTNS"); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$CNI_TEST_BIN/portmap")" ] &&
			echo "$p $(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null)"
	done
	return 0
}

@test "portmap DEL: its socket's close-wait goes to a child holding none of the runtime's files, gone soon after" {
	new_ctr a
	local conf i procs child fds
	conf=$(pm_conf "$PM8080")
	pm_ok ADD "$conf"
	# the plugin's exit is held back 2 s (strace delays its exit_group),
	# long enough to look at the child it leaves (LeakSanitizer, in the
	# sanitizer build, cannot run under ptrace)
	ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND=DEL CNI_CONTAINERID="$CID" \
		CNI_NETNS="$NSP" CNI_IFNAME=eth0 CNI_PATH="$CNI_TEST_BIN" ASAN_OPTIONS=detect_leaks=0 \
		strace -f -qq -o /dev/null -e trace=exit_group -e inject=exit_group:delay_enter=2000000 \
		"$CNI_TEST_BIN/portmap" <<<"$conf" >"$D/out" 2>"$D/err" &
	local tracer=$!
	for i in $(seq 100); do
		procs=$(pm_procs)
		[ "$(wc -l <<<"$procs")" -eq 2 ] && break
		sleep 0.02
	done
	[ "$(wc -l <<<"$procs")" -eq 2 ] || fail "no parent and child: $procs"
	# the mapping is gone before the plugin exits
	run pm_owned "$NET/$CID/eth0"
	assert_output ""
	# the child is the one whose parent is the other
	child=$(awk '{pid[NR] = $1; pp[NR] = $2}
		END {for (i in pp) for (j in pid) if (pp[i] == pid[j]) print pid[i]}' <<<"$procs")
	[ -n "$child" ] || fail "no child among: $procs"
	# it holds its netlink socket and the pipe telling it we exited: no
	# stdin, stdout or stderr (the runtime reads them to EOF)
	fds=$(ls -l "/proc/$child/fd" | awk 'NR > 1 {print $(NF-2), $NF}')
	run awk '$1 <= 2' <<<"$fds"
	assert_output ""
	run awk '{sub(/:.*/, "", $2); print $2}' <<<"$fds"
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "pipe socket "
	wait "$tracer" || fail "portmap DEL failed: $(cat "$D/out" "$D/err")"
	assert_equal "$(cat "$D/out")" ""
	# the child leaves soon after the plugin
	for i in $(seq 100); do
		[ -z "$(pm_procs)" ] && break
		sleep 0.02
	done
	assert_equal "$(pm_procs)" ""
}
