#!/usr/bin/env bash
# The packages `guest install --keep-state` pushes into a guest that has no package mirror of its
# own: bgreboot-keep, and Debian bookworm's criu and nftables with whatever they need that the
# guest does not have yet (resolved by apt against the guest's own dpkg status file, read through
# the agent), downloaded once into CACHE_DIR/downloads/debs.
#   guest/keep/bundle.sh CACHE_DIR DPKG_STATUS
# Prints the .deb paths on stdout, bgreboot-keep last (install them with one `dpkg -i`); progress
# on stderr. Uses the same private apt state as the guest builders (guest/tools/build-lib.sh).
set -euo pipefail
export LC_ALL=C
[ $# -eq 2 ] || { echo "usage: $0 CACHE_DIR DPKG_STATUS" >&2; exit 2; }
status=$(readlink -f "$2")
[ -s "$status" ] || { echo "bundle.sh: $2 is not a dpkg status file" >&2; exit 2; }
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source=../tools/build-lib.sh
. "$here/../tools/build-lib.sh"
bl_init bgreboot-keep "$1"
bl_apt_views
mapfile -t opts < <(apt_view all "$status")
# what apt would install into that guest: "Inst NAME (VERSION ...)"
mapfile -t need < <(apt-get "${opts[@]}" -s -q --no-install-recommends install criu nftables python3 2> "$bl_dl/keep-resolve.log" |
	sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1=\2/p')
if [ ${#need[@]} -gt 0 ]; then bl_fetch all "${need[@]}"; fi
for pv in "${need[@]}"; do bl_debfile "${pv%%=*}" "${pv#*=}"; done
out=$(bash "$bl_guest/package/build-deb.sh" "$bl_cache/packages")
grep '/bgreboot-keep_[^/]*\.deb$' <<< "$out"
