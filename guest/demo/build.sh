#!/usr/bin/env bash
# Builds the demo guest into CACHE_DIR/demo/ from Debian packages:
#   v1/ v2/ {vmlinuz,initrd.img}   two OS versions that differ in their kernel: the kernel of
#                                  linux-image-cloud-amd64 in bookworm main (v1) and in bookworm +
#                                  updates + security (v2)
#   system.qcow2                   ext4 "bgroot": busybox, qemu-ga, and the bgreboot-guest and
#                                  bgreboot-svc packages unpacked (dpkg-deb -x; no dpkg here)
#   persist.img                    raw ext4 "bgpersist", empty: copy it before use
#   guest.json                     the manifest bgreboot reads
# Usage: guest/demo/build.sh CACHE_DIR.  Progress goes to stderr; the last stdout line is the
# output directory.  Unchanged inputs (files under guest/demo, guest/tools/build-lib.sh, the guest
# packages' content, the kernel package versions, the busybox-static and qemu-guest-agent
# versions) cost well under a second and print only the directory.  Kernels are downloaded
# (CACHE_DIR/downloads/) and unpacked, never installed.  CACHE_DIR/demo is a symlink to a
# complete, immutable build CACHE_DIR/demo-<hash of inputs>, switched atomically; older builds
# are kept (a VM's overlays are backed by the build they were made from).
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
. "$here/../tools/build-lib.sh"
[ $# -eq 1 ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
bl_init "demo guest" "$1"

# ---- inputs: kernels, packages, host binaries ---------------------------------------------------
bl_apt_views
read -r v1_meta v1_kpkg v1_kver < <(bl_resolve_kernel main)
read -r v2_meta v2_kpkg v2_kver < <(bl_resolve_kernel all)
[ "$v1_kpkg" != "$v2_kpkg" ] || die "only one cloud kernel is available ($v1_kpkg); the demo needs two (v1 from bookworm main, v2 from bookworm-security or bookworm-updates)"
bl_packages
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || die "host package $1 is not installed"; }
key="format=2 inputs=$(bl_hash guest/demo guest/tools/build-lib.sh) packages=$(cat "$bl_guest_deb" "$bl_svc_deb" | sha256sum | cut -c1-16) v1=$v1_kpkg/$v1_kver v2=$v2_kpkg/$v2_kver busybox-static=$(pkgver busybox-static) qemu-guest-agent=$(pkgver qemu-guest-agent)"
bl_cached demo "$key"

# ---- build ----------------------------------------------------------------------------------------
bl_lock demo
bl_cached demo "$key" # the loser of a race finds the winner's result
bl_workdir demo "$key"
out=$bl_work/out
bl_fetch all "$v1_kpkg=$v1_kver" "$v2_kpkg=$v2_kver"
debs=("$(bl_debfile "$v1_kpkg" "$v1_kver")" "$(bl_debfile "$v2_kpkg" "$v2_kver")")

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
	kv=v${n}_kpkg
	pkg=${!kv}
	krel=${pkg#linux-image-}
	kreleases+=("$krel")
	log "v$n: unpacking $pkg, initramfs ..."
	kx=$bl_work/k$n
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
	ir=$bl_work/initramfs$n
	mkdir -p "$ir"/{bin,dev,proc,sys,newroot,etc,lib/modules}
	cp "$busybox" "$ir/bin/busybox"
	for a in $("$busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$ir/bin/$a"; done
	mknod -m 600 "$ir/dev/console" c 5 1
	install -m 755 "$here/initramfs-init" "$ir/init"
	: >"$ir/etc/modules.load"
	for m in $order; do
		cp "$mdir/$m" "$ir/lib/modules/"
		strip_module_signature "$ir/lib/modules/$(basename "$m")"
		basename "$m" >>"$ir/etc/modules.load"
	done
	mkdir -p "$out/v$n"
	cp "$kx/boot/vmlinuz-$krel" "$out/v$n/vmlinuz"
	(cd "$ir" && find . -print0 | sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -6 >"$out/v$n/initrd.img"
	rm -rf "$kx"
done

# The system disk's tree.
log "system disk ..."
root=$bl_work/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/bgreboot,proc,sys,dev,run,tmp,home,root,var,lib/x86_64-linux-gnu,lib64}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
ln -s ../run "$root/var/run"
cp -a "$here/rootfs/." "$root/" # inittab, rc scripts, /sbin/shutdown, hostname, ...
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
# The guest packages, unpacked where dpkg would put them (busybox init runs bgreboot-boot and the
# service from /etc/inittab instead of their systemd units); guest.conf as bgreboot-setup writes
# it (the udev rule is of no use: there is no udev).
dpkg-deb -x "$bl_guest_deb" "$root"
dpkg-deb -x "$bl_svc_deb" "$root"
cp "$root/usr/share/bgreboot/guest.conf" "$root/etc/bgreboot/guest.conf"
echo v1 >"$root/etc/bgreboot/version"
raw=$bl_work/system.raw
truncate -s 256M "$raw"
mke2fs -q -F -t ext4 -L bgroot -m 0 -d "$root" "$raw" >&2
qemu-img convert -f raw -O qcow2 "$raw" "$out/system.qcow2"
rm -f "$raw"

log "persistent disk ..."
bl_persist_disk "$out/persist.img" 64

cat >"$out/guest.json" <<EOF
{"name":"demo","system_disk":"system.qcow2","persistent_disk":"persist.img","persistent_serial":"bgpersist","cmdline":"console=ttyS0 quiet panic=-1 no_timer_check","versions":[{"version":"v1","kernel":"v1/vmlinuz","initrd":"v1/initrd.img","kernel_release":"${kreleases[0]}"},{"version":"v2","kernel":"v2/vmlinuz","initrd":"v2/initrd.img","kernel_release":"${kreleases[1]}"}],"update":["/usr/sbin/bgreboot-update","v2"],"release":["/usr/sbin/bgreboot-release"],"attach":["/usr/sbin/bgreboot-attach"],"ready":["/usr/sbin/bgreboot-ready"],"serial_ready":"bgreboot-guest: service up","service_port":80,"disk_swap":true,"packages":["$(basename "$bl_guest_deb")","$(basename "$bl_svc_deb")"]}
EOF
log "v1 ${kreleases[0]}, v2 ${kreleases[1]}"
bl_publish demo keep
echo "$bl_cache/demo"
