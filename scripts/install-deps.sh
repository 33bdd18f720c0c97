#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages a target needs, only those missing. Idempotent.
#   install-deps.sh build|test|demo|bench|fuzz|vm
set -euo pipefail

build=(gcc make pkg-config libcjson-dev libmnl-dev libnftnl-dev)
runtime=(iproute2 nftables iputils-ping procps)
test=(bats bats-support bats-assert libcmocka-dev jq util-linux strace
	containernetworking-plugins iptables golang-go golang-github-appc-cni-dev
	podman runc busybox-static inotify-tools python3
	containerd python3-grpcio python3-grpc-tools libc6-dev)
bench=(containernetworking-plugins jq containerd runc python3-grpcio python3-grpc-tools libc6-dev)
# libFuzzer comes with clang's runtime (compiler-rt)
fuzz=(clang libclang-rt-dev)
# scripts/vm-run and make test-kernels: qemu, the tools that unpack Debian's
# kernel packages and build the initramfs, and kmod, which the guests'
# kernels call to load their modules from the shared root; e2fsprogs makes
# the reboot test's ext4 image (scripts/test-reboot)
vm=(qemu-system-x86 busybox-static kmod xz-utils zstd e2fsprogs)

case "${1:-build}" in
build) want=("${build[@]}") ;;
test) want=("${build[@]}" "${runtime[@]}" "${test[@]}") ;;
demo) want=("${build[@]}" "${runtime[@]}" containernetworking-plugins iptables jq python3 golang-go golang-github-appc-cni-dev) ;;
bench) want=("${build[@]}" "${runtime[@]}" "${bench[@]}") ;;
fuzz) want=("${build[@]}" "${fuzz[@]}") ;;
vm) want=("${build[@]}" "${runtime[@]}" "${test[@]}" "${vm[@]}") ;;
*) echo "usage: $0 build|test|demo|bench|fuzz|vm" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
