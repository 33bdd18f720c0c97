#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The include rules of docs/architecture.md, checked on every file: which
# folder may include which. Prints each include that breaks a rule; exits 1
# if there is one.
set -u
cd "$(dirname "$0")/.."

# allowed FOLDER: the include prefixes its files may use ("" = own folder,
# written without a folder). cni/error.h is the one header of pkg/cni that
# every layer may include: it is the error type everything returns.
allowed() {
	case $1 in
	pkg/ip) echo "" ;;
	pkg/util) echo " cni/error.h" ;;
	pkg/ns) echo " cni/error.h util/" ;;
	pkg/cni) echo " ip/ util/" ;;
	pkg/netlink) echo " cni/error.h ip/ ns/ util/" ;;
	pkg/nft) echo " cni/error.h ip/ util/" ;;
	ipam/host-local | ipam/host-local/*) echo " cni/ ip/ ns/ util/ ipam/host-local/" ;;
	plugins/*) echo " cni/ ip/ ns/ util/ netlink/ nft/ ipam/host-local/hostlocal.h" ;;
	*) echo "*" ;;
	esac
}

bad=0
while IFS= read -r f; do
	dir=$(dirname "$f")
	rules=$(allowed "$dir")
	[ "$rules" = "*" ] && continue
	while IFS= read -r inc; do
		ok=0
		if [[ $inc != */* ]]; then
			ok=1 # same folder
		else
			for r in $rules; do
				case $inc in "$r"*) ok=1 ;; esac
			done
			# a plugin's own headers, written with its folder
			case $inc in "$dir"/*) ok=1 ;; esac
		fi
		if [ $ok = 0 ]; then
			echo "layout: $f includes \"$inc\" (not allowed from $dir)"
			bad=1
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done < <(git ls-files -co --exclude-standard 'pkg/*.[ch]' 'plugins/*.[ch]' 'ipam/*.[ch]')
[ $bad = 0 ] && echo "layout: every include follows docs/architecture.md"
exit $bad
