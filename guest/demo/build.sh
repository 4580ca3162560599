#!/usr/bin/env bash
# Builds the demo guest into CACHE_DIR/demo/ from Debian packages:
#   v1/ v2/ {vmlinuz,initrd.img}   two OS versions that differ in their kernel: the oldest and the
#                                  newest linux-image-*-cloud-amd64 that linux-image-cloud-amd64
#                                  offers (bookworm main vs. bookworm-security/updates)
#   system.qcow2                   ext4 "bgroot": busybox, qemu-ga, bgreboot-svc, the hooks
#   persist.img                    raw ext4 "bgpersist", empty: copy it before use
#   guest.json                     the manifest bgreboot reads
# Usage: guest/demo/build.sh CACHE_DIR.  Progress goes to stderr; the last stdout line is the
# output directory.  Unchanged inputs (files under guest/{demo,service,hooks}, the kernel package
# versions, the busybox-static and qemu-guest-agent versions) cost well under a second and print
# only the directory.  Kernels are downloaded (CACHE_DIR/downloads/) and unpacked, never installed.
# CACHE_DIR/demo is a symlink to a complete, immutable build CACHE_DIR/demo-<hash of inputs>,
# switched atomically; an interrupted build leaves only a temp dir that the next build removes.
set -euo pipefail
export LC_ALL=C

[ $# -eq 1 ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
mkdir -p "$1"
cache=$(cd "$1" && pwd)
demo=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
guest=$(dirname "$demo")
out=$cache/demo
dl=$cache/downloads
mkdir -p "$dl"
say() { echo "demo guest: $*" >&2; }
die() { echo "demo guest: ERROR: $*" >&2; exit 1; }

# ---- which kernels: lowest and highest version linux-image-cloud-amd64 depends on ----------------
# apt-cache costs ~0.5 s here, so its answer is remembered for as long as apt's lists are unchanged.
apt_state() { stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null | sha256sum | cut -c1-16; }
resolve_kernels() {
	local info
	info=$(apt-cache show linux-image-cloud-amd64 2>/dev/null || true)
	if [ -z "$info" ]; then
		say "apt lists have no linux-image-cloud-amd64; running apt-get update"
		apt-get update -q >"$cache/apt-update.log" 2>&1 || die "apt-get update failed (see $cache/apt-update.log)"
		info=$(apt-cache show linux-image-cloud-amd64 2>/dev/null || true)
		[ -n "$info" ] || die "apt-cache knows no linux-image-cloud-amd64: is a bookworm main source configured?"
	fi
	# one "PKG VERSION" line per available meta-package version, e.g.
	# "linux-image-6.1.0-50-cloud-amd64 6.1.176-1"
	local pairs lo="" hi=""
	pairs=$(awk '/^Depends:/ { if (match($0, /linux-image-[0-9][^ ,]*-cloud-amd64 \(= [^)]*\)/)) {
	                 s = substr($0, RSTART, RLENGTH); gsub(/[(=)]/, "", s); gsub(/ +/, " ", s); print s } }' <<<"$info" | sort -u)
	[ -n "$pairs" ] || die "cannot read the kernel packages linux-image-cloud-amd64 depends on"
	while read -r p v; do
		if [ -z "$lo" ] || dpkg --compare-versions "$v" lt "${lo#* }"; then lo="$p $v"; fi
		if [ -z "$hi" ] || dpkg --compare-versions "$v" gt "${hi#* }"; then hi="$p $v"; fi
	done <<<"$pairs"
	[ "$lo" != "$hi" ] || die "only one cloud kernel is available ($lo); the demo needs two (v1 from bookworm main, v2 from bookworm-security or bookworm-updates): add those suites to the apt sources and run apt-get update"
	echo "$lo $hi"
}
memo=$dl/.kernels
state=$(apt_state)
kernels=""
if [ -f "$memo" ]; then
	read -r mstate kernels <"$memo" || true
	[ "$mstate" = "$state" ] || kernels=""
fi
if [ -z "$kernels" ]; then
	kernels=$(resolve_kernels)
	state=$(apt_state) # apt-get update may have run
	echo "$state $kernels" >"$memo.tmp.$$" && mv -f "$memo.tmp.$$" "$memo"
fi
read -r k1pkg k1ver k2pkg k2ver <<<"$kernels"

# ---- inputs, and the fast path --------------------------------------------------------------------
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || die "host package $1 is not installed"; }
busybox_ver=$(pkgver busybox-static)
qga_ver=$(pkgver qemu-guest-agent)
inputs=$( {
	cd "$guest/.." && find guest/demo guest/service guest/hooks -type f -print0 | sort -z | xargs -0 sha256sum
	echo "kernels $kernels"
	echo "busybox-static $busybox_ver"
	echo "qemu-guest-agent $qga_ver"
} | sha256sum | cut -c1-32)
final=demo-$inputs
if [ -f "$cache/$final/.inputs" ] && [ "$(cat "$cache/$final/.inputs")" = "$inputs" ]; then
	[ "$(readlink "$out" 2>/dev/null)" = "$final" ] || { ln -sfn "$final" "$cache/.demo-link.$$" && mv -T "$cache/.demo-link.$$" "$out"; }
	echo "$out"
	exit 0
fi
# ---- build -----------------------------------------------------------------------------------------
exec 9>"$cache/.demo.lock"
flock 9 # one build at a time; the loser finds the winner's result
if [ -f "$out/.inputs" ] && [ "$(cat "$out/.inputs")" = "$inputs" ]; then
	echo "$out"
	exit 0
fi
for old in "$cache"/.demo-build.*; do [ -e "$old" ] && rm -rf "$old"; done
tmp=$cache/.demo-build.$$
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/work" "$tmp/out"
work=$tmp/work
res=$tmp/out
t0=$(date +%s)

# Kernel packages: downloaded once into the cache.
say "downloading kernels $k1pkg $k1ver, $k2pkg $k2ver ..."
debs=()
for pv in "$k1pkg=$k1ver" "$k2pkg=$k2ver"; do
	p=${pv%%=*} v=${pv#*=}
	f=$dl/${p}_${v}_amd64.deb
	if [ ! -s "$f" ]; then
		mkdir -p "$dl/.partial.$$"
		(cd "$dl/.partial.$$" && apt-get download -q "$pv" >"$work/apt-download.log" 2>&1) ||
			{ cat "$work/apt-download.log" >&2; rm -rf "$dl/.partial.$$"; die "apt-get download $pv failed"; }
		mv -f "$dl/.partial.$$/"*.deb "$f"
		rm -rf "$dl/.partial.$$"
	fi
	debs+=("$f")
done

# The modules the demo needs; everything they depend on comes from modules.dep.  crc32c is not a
# symbol dependency of ext4 (it is requested through the crypto API at mount), so it is named.
wanted="virtio_pci virtio_blk virtio_net virtio_console crc32c_generic ext4 pvpanic_mmio"
optional="pvpanic_mmio"

busybox=/bin/busybox # from busybox-static
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is missing or not static (install busybox-static)"

# Debian signs its modules; checking an RSA signature costs ~30 ms per module under TCG (0.4 s of
# the boot for these 12).  The signature is an appended block: "...<sig><12-byte info>~Module
# signature appended~\n", the info's last 4 bytes the signature length (big-endian).  Without it
# the kernel loads the module all the same (no enforcement without Secure Boot), quietly tainted.
strip_module_signature() {
	local f=$1 size magic siglen
	magic='~Module signature appended~'
	size=$(stat -c %s "$f")
	[ "$(tail -c 28 "$f" | head -c 27)" = "$magic" ] || return 0
	siglen=$(od -An -tu1 -j $((size - 32)) -N4 "$f" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	truncate -s $((size - 28 - 12 - siglen)) "$f"
}

# One initramfs per kernel.
kreleases=()
for n in 1 2; do
	deb=${debs[$((n - 1))]}
	pkg=$(eval echo "\$k${n}pkg")
	krel=${pkg#linux-image-}
	kreleases+=("$krel")
	say "v$n: unpacking $pkg, initramfs ..."
	kx=$work/k$n
	mkdir -p "$kx"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kx" --wildcards './boot/vmlinuz-*' './lib/modules/*'
	mdir=$kx/lib/modules/$krel
	[ -f "$kx/boot/vmlinuz-$krel" ] && [ -d "$mdir" ] || die "$deb has no vmlinuz-$krel or modules"
	"$busybox" depmod -b "$kx" "$krel"
	# Load order: depth-first over modules.dep, dependencies before dependents.
	order=$(awk -v wanted="$wanted" -v optional="$optional" '
		function norm(p,  b) { b = p; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b); gsub(/-/, "_", b); return b }
		function visit(m,  i, n, d) {
			if (done[m]) return
			done[m] = 1
			n = split(deps[m], d, " ")
			for (i = 1; i <= n; i++) visit(norm(d[i]))
			print path[m]
		}
		FILENAME ~ /modules.builtin$/ { builtin[norm($1)] = 1; next }
		{ sub(/:$/, "", $1); m = norm($1); path[m] = $1; $1 = ""; deps[m] = $0 }
		END {
			n = split(wanted, w, " ")
			for (i = 1; i <= n; i++) {
				if (builtin[w[i]]) continue
				if (!(w[i] in path)) { if (index(" " optional " ", " " w[i] " ")) continue
				                       print "MISSING " w[i]; exit 1 }
				visit(w[i])
			}
		}' "$mdir/modules.builtin" "$mdir/modules.dep") || die "kernel $krel lacks module: $order"
	ir=$work/initramfs$n
	mkdir -p "$ir"/{bin,dev,proc,sys,newroot,etc,lib/modules}
	cp "$busybox" "$ir/bin/busybox"
	for a in $("$busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$ir/bin/$a"; done
	mknod -m 600 "$ir/dev/console" c 5 1
	install -m 755 "$demo/initramfs-init" "$ir/init"
	: >"$ir/etc/modules.load"
	for m in $order; do
		cp "$mdir/$m" "$ir/lib/modules/"
		strip_module_signature "$ir/lib/modules/$(basename "$m")"
		basename "$m" >>"$ir/etc/modules.load"
	done
	mkdir -p "$res/v$n"
	cp "$kx/boot/vmlinuz-$krel" "$res/v$n/vmlinuz"
	(cd "$ir" && find . -print0 | sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -6 >"$res/v$n/initrd.img"
	rm -rf "$kx"
done

# The service, statically linked.
say "compiling bgreboot-svc ..."
gcc -static -O2 -Wall -o "$work/bgreboot-svc" "$guest/service/bgreboot-svc.c" 2>"$work/gcc.log" ||
	{ cat "$work/gcc.log" >&2; die "compiling bgreboot-svc failed"; }
strip "$work/bgreboot-svc"

# The system disk's tree.
say "system disk ..."
root=$work/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/bgreboot,proc,sys,dev,run,tmp,home,root,var,lib/x86_64-linux-gnu,lib64}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
ln -s ../run "$root/var/run"
cp -a "$demo/rootfs/." "$root/" # inittab, rc scripts, /sbin/shutdown, hostname, ...
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list-full); do
	[ -e "$root/$a" ] || [ -L "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done
# qemu-guest-agent from the host's package, with the shared libraries it links.
cp /usr/sbin/qemu-ga "$root/usr/sbin/qemu-ga"
for lib in $(ldd /usr/sbin/qemu-ga | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
	case $lib in
	*/ld-linux*) cp -L "$lib" "$root/lib64/$(basename "$lib")" ;;
	*) cp -L "$lib" "$root/lib/x86_64-linux-gnu/$(basename "$lib")" ;;
	esac
done
install -m 755 "$work/bgreboot-svc" "$root/usr/sbin/bgreboot-svc"
for h in "$guest"/hooks/bgreboot-*; do install -m 755 "$h" "$root/usr/sbin/$(basename "$h")"; done
echo v1 >"$root/etc/bgreboot/version"
echo bgpersist >"$root/etc/bgreboot/persist-serial"
raw=$work/system.raw
truncate -s 256M "$raw"
mke2fs -q -F -t ext4 -L bgroot -m 0 -d "$root" "$raw" >&2
qemu-img convert -f raw -O qcow2 "$raw" "$res/system.qcow2"
rm -f "$raw"

say "persistent disk ..."
truncate -s 64M "$res/persist.img"
mke2fs -q -F -t ext4 -L bgpersist -m 0 "$res/persist.img" >&2

cat >"$res/guest.json" <<EOF
{"name":"demo","system_disk":"system.qcow2","persistent_disk":"persist.img","persistent_serial":"bgpersist","cmdline":"console=ttyS0 quiet panic=-1","versions":[{"version":"v1","kernel":"v1/vmlinuz","initrd":"v1/initrd.img","kernel_release":"${kreleases[0]}"},{"version":"v2","kernel":"v2/vmlinuz","initrd":"v2/initrd.img","kernel_release":"${kreleases[1]}"}],"update":["/usr/sbin/bgreboot-update","v2"],"release":["/usr/sbin/bgreboot-release"],"attach":["/usr/sbin/bgreboot-attach"],"ready":["/usr/sbin/bgreboot-ready"],"serial_ready":"bgreboot-guest: service up"}
EOF
echo "$inputs" >"$res/.inputs"

# Into place: the finished tree gets its final name, then the symlink CACHE_DIR/demo is switched
# to it with one rename.  Builds are immutable and older ones are kept: a VM's overlays stay backed
# by the build it was made from (bgreboot records the resolved demo-<hash> path), so replacing or
# deleting one would corrupt that VM's system disk.
rm -rf "${cache:?}/$final" # only an incomplete tree can be here (no .inputs)
mv "$res" "$cache/$final"
ln -sfn "$final" "$cache/.demo-link.$$"
[ -d "$out" ] && [ ! -L "$out" ] && rm -rf "$out" # a real directory from another layout
mv -T "$cache/.demo-link.$$" "$out"
say "done in $(($(date +%s) - t0)) s: v1 ${kreleases[0]}, v2 ${kreleases[1]}"
echo "$out"
