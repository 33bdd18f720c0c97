# SPDX-License-Identifier: GPL-2.0-or-later
# Debian's containerd (1.6) started by hand for the tests and the benchmark,
# its CRI plugin running CNI plugins inside a private "host" netns.
#
# Everything a containerd keeps is under its dir $1 (config.toml, root,
# state with the pod netns, the gRPC socket, runc's state, the CNI bin and
# conf dirs, the IPAM dataDir, containerd.log); it runs as
# `nsenter --net=/run/netns/HOSTNS containerd`, so the bridge, the veths,
# forwarding and every iptables/nftables rule the plugins make live in that
# netns (the mount namespace stays the host's: the pod netns bind mounts
# and the shims' sockets are visible to the test). Outside its dir it
# touches only: the shim sockets under /run/containerd/s (removed by
# crid_stop), libcni's cache in /var/lib/cni/results (named after the
# network, removed by crid_stop) and the pods' cgroups under the cgroup
# parent the caller gives (removed by crid_stop).
#
#   source test/helpers/cri/containerd.bash
#   crid_why_not                      why containerd cannot run here ("" if it can)
#   crid_bin_dir DIR OURS...          DIR: a symlink per reference plugin, ours first
#   crid_config D HOSTNS BIN_DIR CONFLIST NET   config.toml + net.d (network renamed NET);
#                                     a conf_template instead when CONFLIST is one
#                                     (has "{{"): net.d stays empty until
#                                     UpdateRuntimeConfig; $CRID_NOMASQ (a JSON
#                                     list) replaces its nonMasqueradeCIDRs
#   crid_start D                      start, wait for CRI, import the pause image
#   crid_stop D [CGROUP_PARENT]       remove pods, stop, clean what it left
#   crictl_ D ARGS...                 our CRI client on D's socket
#   crid_image_build DIR              DIR/pause.tar (static pause, OCI archive)

CRID_HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CRID_REF=/usr/lib/cni
CRID_IMAGE=localhost/cni-c-pause:test
CRID_PY=/usr/bin/python3 # Debian's: it has the grpc modules

crid_why_not() {
	command -v containerd >/dev/null || { echo "containerd not installed"; return; }
	command -v ctr >/dev/null || { echo "ctr (containerd) not installed"; return; }
	command -v containerd-shim-runc-v2 >/dev/null || { echo "containerd-shim-runc-v2 not installed"; return; }
	command -v runc >/dev/null || { echo "runc not installed"; return; }
	[ "$(id -u)" = 0 ] || { echo "needs root"; return; }
	"$CRID_PY" -c 'import grpc, grpc_tools' 2>/dev/null ||
		{ echo "$CRID_PY lacks grpc (python3-grpcio, python3-grpc-tools)"; return; }
	echo 'int main(void){return 0;}' | ${CC:-cc} -static -x c -o /dev/null - 2>/dev/null ||
		{ echo "cannot link a static program (libc6-dev)"; return; }
	echo ""
}

# crid_bin_dir DIR OURS_DIR: DIR gets one symlink per plugin of the
# reference set, to OURS_DIR's binary of that name when it exists, else to
# the reference's (CRI's bin_dir takes a single dir: this is "ours, then
# the reference for anything we do not ship").
crid_bin_dir() {
	local dir=$1 ours=${2:-} p n to=()
	mkdir -p "$dir"
	for p in "$CRID_REF"/*; do
		n=${p##*/}
		if [ -n "$ours" ] && [ -x "$ours/$n" ]; then
			to+=("$ours/$n")
		else
			to+=("$p")
		fi
	done
	# one ln for all (a process each is seconds on a loaded machine)
	ln -sfn -t "$dir" "${to[@]}"
}

# crid_config D HOSTNS BIN_DIR CONFLIST NET
crid_config() {
	local d=$1 hostns=$2 bindir=$3 conflist=$4 net=$5
	mkdir -p "$d/root" "$d/state" "$d/net.d" "$d/ipam" "$d/opt" "$d/runc"
	echo "$hostns" >"$d/hostns"
	[ -e /var/lib/cni ] || touch "$d/made-var-lib-cni"
	echo "$net" >"$d/net"
	local template=""
	if grep -qF '{{' "$conflist"; then
		# a conf_template (Go text/template, not JSON yet): the same edits
		# by line, each checked
		template=$d/cni-template.conflist
		sed -e 's|"name": "containerd-net"|"name": "'"$net"'"|' \
			-e 's|"type": "host-local",|"type": "host-local", "dataDir": "'"$d/ipam"'",|' \
			"$conflist" >"$template"
		if [ -n "${CRID_NOMASQ:-}" ]; then
			sed -i 's|"nonMasqueradeCIDRs": \[.*\]|"nonMasqueradeCIDRs": '"$CRID_NOMASQ"'|' \
				"$template"
			grep -qF "\"nonMasqueradeCIDRs\": $CRID_NOMASQ" "$template" || return 1
		fi
		grep -qF "\"name\": \"$net\"" "$template" && grep -qF "$d/ipam" "$template" ||
			return 1
	else
		# the conflist as shipped, but its name (libcni's cache files are
		# named after it) and host-local's dataDir made the test's own
		jq --arg n "$net" --arg dd "$d/ipam" '.name = $n |
			.plugins |= map(if .ipam.type == "host-local" then .ipam.dataDir = $dd else . end)' \
			"$conflist" >"$d/net.d/10-$net.conflist"
	fi
	cat >"$d/config.toml" <<-EOF
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = [
		  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.snapshotter.v1.overlayfs",
		  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing",
		]
		[grpc]
		  address = "$d/containerd.sock"
		[ttrpc]
		  address = "$d/containerd.sock.ttrpc"
		[debug]
		  level = "debug"
		[metrics]
		  address = ""
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$d/opt"
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$CRID_IMAGE"
		  restrict_oom_score_adj = true
		  netns_mounts_under_state_dir = true
		  disable_apparmor = true
		  enable_selinux = false
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    snapshotter = "native"
		    default_runtime_name = "runc"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		        BinaryName = "$(command -v runc)"
		        Root = "$d/runc"
		        SystemdCgroup = false
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "$bindir"
		    conf_dir = "$d/net.d"
		    max_conf_num = 1
		    conf_template = "$template"
	EOF
}

crictl_() {
	local d=$1
	shift
	CRI_CLIENT_CACHE=${CRI_CLIENT_CACHE:-$d} "$CRID_PY" "$CRID_HELPERS/cri-client.py" \
		-s "$d/containerd.sock" "$@"
}

# crid_image_build DIR: DIR/pause (static) and DIR/pause.tar (OCI archive)
crid_image_build() {
	local dir=$1
	[ -f "$dir/pause.tar" ] && return 0
	mkdir -p "$dir"
	${CC:-cc} -static -Os -s -o "$dir/pause" "$CRID_HELPERS/pause.c" &&
		"$CRID_PY" "$CRID_HELPERS/cri-client.py" oci-archive --binary "$dir/pause" \
			--name "$CRID_IMAGE" --out "$dir/pause.tar"
}

# crid_start D: containerd in D's host netns; waits (bounded) for its CRI
# to answer, then imports the pause image built in D.
crid_start() {
	local d=$1 hostns
	hostns=$(cat "$d/hostns")
	ls -A /run/containerd/s 2>/dev/null | sort >"$d/shim-sockets.before"
	[ -d /run/containerd ] || touch "$d/made-run-containerd"
	nsenter --net="/run/netns/$hostns" -- containerd --config "$d/config.toml" \
		>"$d/containerd.log" 2>&1 </dev/null &
	echo $! >"$d/containerd.pid"
	local i
	for i in $(seq 600); do
		[ -S "$d/containerd.sock" ] && break
		kill -0 "$(cat "$d/containerd.pid")" 2>/dev/null || break
		sleep 0.1
	done
	if grep -q 'failed to load plugin io.containerd.grpc.v1.cri' "$d/containerd.log"; then
		echo "containerd's CRI plugin did not load:" >&2
		grep 'failed to load plugin io.containerd.grpc.v1.cri' "$d/containerd.log" >&2
		return 1
	fi
	if ! crictl_ "$d" wait --timeout 60 >"$d/wait.err" 2>&1; then
		echo "containerd did not answer: $(cat "$d/wait.err"); log tail:" >&2
		tail -20 "$d/containerd.log" >&2
		return 1
	fi
	crid_image_build "$d/image" || return 1
	if ! ctr -a "$d/containerd.sock" -n k8s.io images import --snapshotter native \
		"$d/image/pause.tar" >"$d/import.log" 2>&1; then
		echo "ctr images import failed: $(cat "$d/import.log")" >&2
		return 1
	fi
}

# crid_pids_of D: processes started for D: containerd and its shims (their
# command line names D's socket) and what runs in the cgroup parent $2.
# One grep over every process's file (a process or two per process took
# seconds on a loaded machine).
crid_pids_of() {
	local d=$1 cgp=${2:-} f
	{
		grep -alsF -- "$d/containerd.sock" /proc/[0-9]*/cmdline
		[ -z "$cgp" ] || grep -lsF -- "/$cgp/" /proc/[0-9]*/cgroup
	} | while read -r f; do
		f=${f#/proc/}
		echo "${f%%/*}"
	done | sort -u
}

# crid_stop D [CGROUP_PARENT]: pods stopped and removed through CRI (so the
# plugins' DEL runs), containerd stopped, then whatever is left: shims,
# pause processes, mounts under D, shim sockets, libcni's cache of NET,
# cgroups. Safe to call twice and after a failed start.
crid_stop() {
	local - # best effort: no errexit of the caller in here
	set +e
	local d=$1 cgp=${2:-} pid id i net
	[ -d "$d" ] || return 0
	if [ -f "$d/containerd.pid" ]; then
		pid=$(cat "$d/containerd.pid")
		if kill -0 "$pid" 2>/dev/null; then
			for id in $(crictl_ "$d" pods 2>/dev/null); do
				crictl_ "$d" stopp "$id" >/dev/null 2>&1
				crictl_ "$d" rmp "$id" >/dev/null 2>&1
			done
			kill -TERM "$pid" 2>/dev/null
			for i in $(seq 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
		rm -f "$d/containerd.pid"
	fi
	for pid in $(crid_pids_of "$d" "$cgp"); do
		kill -KILL "$pid" 2>/dev/null
	done
	# mounts under D (pod netns, shm, rootfs), deepest first
	grep -o " ${d}/[^ ]*" /proc/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	# shim sockets this containerd's shims left (new since crid_start)
	if [ -f "$d/shim-sockets.before" ] && [ -d /run/containerd/s ]; then
		ls -A /run/containerd/s | sort | comm -13 "$d/shim-sockets.before" - |
			while read -r s; do rm -f "/run/containerd/s/$s"; done
		rm -f "$d/shim-sockets.before"
	fi
	if [ -f "$d/made-run-containerd" ]; then
		rmdir /run/containerd/s /run/containerd 2>/dev/null
		rm -f "$d/made-run-containerd"
	fi
	if [ -f "$d/net" ]; then
		net=$(cat "$d/net")
		rm -f /var/lib/cni/results/"$net"-*
	fi
	if [ -f "$d/made-var-lib-cni" ]; then
		rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null
	fi
	if [ -n "$cgp" ]; then
		local c
		for c in /sys/fs/cgroup/*/"$cgp" /sys/fs/cgroup/"$cgp"; do
			[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	fi
	return 0
}
