#!/usr/bin/env bash
# Builds the guest packages with dpkg-deb alone (no debhelper), reproducibly:
#   guest/package/build-deb.sh OUTDIR
#     OUTDIR/bgreboot-guest_VERSION_amd64.deb   the hooks, bgreboot-helper, bgreboot-boot.service,
#                                               /etc/bgreboot/*.d, bgreboot-setup and guest.conf
#     OUTDIR/bgreboot-svc_VERSION_amd64.deb     the test service and its unit
#     OUTDIR/bgreboot-keep_VERSION_all.deb      optional: services kept across the switch (CRIU)
# They go into OUTDIR/KEY/, KEY naming the inputs: checkouts of different sources that share a
# cache (two branches, a checkout and a test run) never overwrite each other's packages, which
# carry the same version. Prints the three .deb paths on stdout (guest first), progress on stderr. Unchanged inputs (the
# files under guest/package, guest/hooks, guest/helper, guest/service, guest/keep; the gcc, libc6-dev and
# dpkg versions) cost a few milliseconds and rebuild nothing. The same inputs give the same bytes:
# fixed file times (SOURCE_DATE_EPOCH), root ownership, sorted members, static binaries built
# without paths or dates in them. amd64, not all: both ship a static binary (no libc needed in
# the guest). Needs: gcc, libc6-dev, dpkg-deb.
set -euo pipefail
export LC_ALL=C
umask 022
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
pkg=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
guest=$(dirname "$pkg")
version=$(cat "$pkg/VERSION")
# The packages' file times and the .deb members' dates: fixed, so the bytes depend only on content.
export SOURCE_DATE_EPOCH=1735689600 # 2025-01-01
say() { echo "build-deb: $*" >&2; }
die() { echo "build-deb: error: $*" >&2; exit 1; }

tool_versions() { dpkg-query -W -f='${Package} ${Version}\n' gcc-12 libc6-dev dpkg 2>/dev/null || true; gcc -dumpfullversion 2>/dev/null; }
inputs=$( {
	cd "$guest/.." && find guest/package guest/hooks guest/helper guest/service guest/keep -type f ! -name '*.md' -print0 | sort -z |
		while IFS= read -r -d '' f; do printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum < "$f" | cut -c1-64)"; done
	tool_versions
} | sha256sum | cut -c1-64)
out=$out/${inputs:0:16}
mkdir -p "$out"
debs=("$out/bgreboot-guest_${version}_amd64.deb" "$out/bgreboot-svc_${version}_amd64.deb" "$out/bgreboot-keep_${version}_all.deb")
fresh() { [ "$(cat "$out/.build-deb.inputs" 2>/dev/null)" = "$inputs" ] && [ -s "${debs[0]}" ] && [ -s "${debs[1]}" ] && [ -s "${debs[2]}" ]; }
if fresh; then printf '%s\n' "${debs[@]}"; exit 0; fi

for t in gcc dpkg-deb strip; do command -v "$t" > /dev/null || die "missing host tool: $t"; done
exec 9> "$out/.build-deb.lock"
flock 9
if fresh; then printf '%s\n' "${debs[@]}"; exit 0; fi
tmp=$(mktemp -d "$out/.build-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cc() { # SOURCE OUTPUT
	gcc -static -O2 -Wall -Wextra -ffile-prefix-map="$guest"=guest -o "$2" "$1" 2> "$tmp/gcc.log" ||
		{ cat "$tmp/gcc.log" >&2; die "compiling $1 failed"; }
	strip --strip-all "$2"
}
put() { # MODE SOURCE DEST (DEST relative to the staging root $root)
	install -D -m "$1" "$2" "$root/$3"
}
finish() { # NAME CONFFILES...: control, md5sums, conffiles, times; then the .deb (ARCH: amd64 unless set)
	local name=$1 deb size; shift
	deb="$out/${name}_${version}_${ARCH:-amd64}.deb"
	mkdir -p "$root/DEBIAN"
	size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
	sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" "$pkg/$name/control" > "$root/DEBIAN/control"
	for s in postinst prerm postrm; do [ -e "$pkg/$name/$s" ] && install -m 755 "$pkg/$name/$s" "$root/DEBIAN/$s"; done
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs -r md5sum) > "$root/DEBIAN/md5sums"
	chmod 644 "$root/DEBIAN/md5sums"
	if [ $# -gt 0 ]; then printf '%s\n' "$@" > "$root/DEBIAN/conffiles"; chmod 644 "$root/DEBIAN/conffiles"; fi
	find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --root-owner-group -Zxz -z6 --build "$root" "$tmp/$name.deb" > /dev/null 2> "$tmp/dpkg-deb.log" ||
		{ cat "$tmp/dpkg-deb.log" >&2; die "dpkg-deb $name failed"; }
	mv -f "$tmp/$name.deb" "$deb"
	say "$deb ($(stat -c %s "$deb") bytes)"
}

# bgreboot-guest
root=$tmp/guest
cc "$guest/helper/bgreboot-helper.c" "$tmp/bgreboot-helper"
put 755 "$tmp/bgreboot-helper" usr/sbin/bgreboot-helper
for h in release attach ready update boot setup; do put 755 "$guest/hooks/bgreboot-$h" "usr/sbin/bgreboot-$h"; done
put 644 "$guest/hooks/conf.sh" usr/lib/bgreboot/conf.sh
put 644 "$pkg/guest.conf" usr/share/bgreboot/guest.conf
put 644 "$guest/hooks/bgreboot-boot.service" lib/systemd/system/bgreboot-boot.service
for d in release.d attach.d ready.d update.d guest.conf.d; do install -d -m 755 "$root/etc/bgreboot/$d"; done
finish bgreboot-guest

# bgreboot-svc
root=$tmp/svc
cc "$guest/service/bgreboot-svc.c" "$tmp/bgreboot-svc"
put 755 "$tmp/bgreboot-svc" usr/sbin/bgreboot-svc
put 644 "$guest/service/bgreboot-svc.service" lib/systemd/system/bgreboot-svc.service
put 755 "$guest/service/etc/bgreboot/ready.d/50-bgreboot-svc" etc/bgreboot/ready.d/50-bgreboot-svc
put 644 "$guest/service/etc/bgreboot/guest.conf.d/50-bgreboot-svc.conf" etc/bgreboot/guest.conf.d/50-bgreboot-svc.conf
finish bgreboot-svc /etc/bgreboot/ready.d/50-bgreboot-svc /etc/bgreboot/guest.conf.d/50-bgreboot-svc.conf

# bgreboot-keep (shell only: all)
root=$tmp/keep
put 755 "$guest/keep/bgreboot-keep" usr/sbin/bgreboot-keep
put 755 "$guest/keep/bgreboot-keep-hold" usr/lib/bgreboot-keep/hold
for d in ready release attach; do put 755 "$guest/keep/etc/$d.d/05-keep" "etc/bgreboot/$d.d/05-keep"; done
install -d -m 755 "$root/etc/bgreboot/keep.d"
ARCH=all finish bgreboot-keep /etc/bgreboot/ready.d/05-keep /etc/bgreboot/release.d/05-keep /etc/bgreboot/attach.d/05-keep

echo "$inputs" > "$out/.build-deb.inputs"
printf '%s\n' "${debs[@]}"
