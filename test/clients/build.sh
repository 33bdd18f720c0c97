#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the test clients (cnictl) with Debian's golang-go against Debian's
# golang-github-appc-cni-dev, in GOPATH mode: nothing is downloaded.
#   build.sh [OUTDIR]      (default: test/clients/bin, which is gitignored)
# Prints the path of the cnictl binary. Rebuilds only when a source changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/bin}
mkdir -p "$out"
out=$(cd "$out" && pwd)
bin=$out/cnictl
sys_gopath=/usr/share/gocode
if [ ! -d "$sys_gopath/src/github.com/containernetworking/cni/libcni" ]; then
	echo "build.sh: libcni not found in $sys_gopath (apt-get install golang-github-appc-cni-dev)" >&2
	exit 1
fi
command -v go >/dev/null || { echo "build.sh: go not found (apt-get install golang-go)" >&2; exit 1; }

if [ -x "$bin" ] && [ -z "$(find "$here/cnictl" -newer "$bin" -name '*.go' 2>/dev/null)" ]; then
	echo "$bin"
	exit 0
fi

# A private GOPATH entry holding only our source (a copy: go ignores
# symlinked package dirs in some versions), then the system one.
gp=$(mktemp -d "$out/gopath.XXXXXX")
trap 'rm -rf "$gp"' EXIT
mkdir -p "$gp/src/cnictl"
cp "$here"/cnictl/*.go "$gp/src/cnictl/"
(
	cd "$gp/src/cnictl"
	env GOPATH="$gp:$sys_gopath" GO111MODULE=off GOFLAGS= GOPROXY=off \
		GOCACHE="$out/.gocache" CGO_ENABLED=0 \
		go build -o "$gp/cnictl" .
)
# concurrent builds: each writes its own file, the rename is atomic
mv -f "$gp/cnictl" "$bin"
echo "$bin"
