#!/usr/bin/env bash
# Builds a Debian systemd guest of one release, from that release's own archive:
#
#   guest/debian/build.sh CACHE_DIR [VARIANT [RELEASE]]
#
#   RELEASE    bookworm (the default), bullseye or trixie; or 12, 11, 13
#   VARIANT    output (NN: 11, 12, 13)  what
#   bgreboot   CACHE_DIR/debianNN      (the default) the bench guest: the bgreboot-guest package
#                                      and the bgreboot-svc test service
#   plain      CACHE_DIR/debianNN-plain
#                                      "bring your own guest": qemu-guest-agent, the persistent
#                                      disk in fstab (nofail), bgreboot-svc, no bgreboot hooks
#   postgres   CACHE_DIR/debian12-postgres
#                                      (bookworm only) Debian's PostgreSQL 15 with its data
#                                      directory on the persistent disk, release.d/attach.d/ready.d
#                                      steps for it, the bgreboot-guest package and bgreboot-svc
#   unattended CACHE_DIR/debian12-unattended
#                                      (bookworm only) the bench guest plus Debian's
#                                      unattended-upgrades, taking every origin of a local apt
#                                      repository named at run time (guest/debian/README.md)
#
# Output: system.qcow2, persist.img, guest.json, logs/; the last line on stdout is the output
# directory (a symlink to CACHE_DIR/NAME-<key>, swapped with one rename; the build it replaces is
# deleted), progress goes to stderr. Cached: when the inputs (this builder's common files and the
# variant's, guest/tools/build-lib.sh, the guest packages' bytes, the Debian package versions
# chosen) are unchanged, it only prints the directory. The variants of a release share one base:
# debootstrap plus the v1 kernel, kept as CACHE_DIR/downloads/debian-bases/SUITE-<key>.tar.zst,
# so a second variant costs its own packages and the disk images only.
#
# Every variant is "v1": debootstrap of the release's main suite, so it runs the older kernel of
# that main suite; the newest kernel of the same release's -security/-updates suites is staged on
# the disk in /var/cache/bgreboot/updates for /etc/bgreboot/update.d/10-kernel (`bgreboot-update
# v2`) to install. It boots from its own disk: MBR, one ext4 partition at 1 MiB, GRUB (i386-pc)
# in the MBR gap, a static grub.cfg booting the /vmlinuz and /initrd.img symlinks that Debian's
# kernel packages move.
#
# Needs root (debootstrap, chroot) and the host packages debootstrap, qemu-utils, e2fsprogs,
# grub-pc-bin, gcc, libc6-dev, util-linux, zstd. No loop devices, no mounts other than /proc (and
# /dev/shm for the postgres variant's initdb) inside the new root while packages are configured.
# Environment: see guest/tools/build-lib.sh (mirror, package list refresh).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
. "$here/../tools/build-lib.sh"

[ $# -ge 1 ] && [ $# -le 3 ] || { echo "usage: $0 CACHE_DIR [bgreboot|plain|postgres|unattended [bullseye|bookworm|trixie]]" >&2; exit 2; }
variant=${2:-bgreboot}
[ -f "$here/variants/$variant.sh" ] || { echo "$0: unknown variant '$variant' (bgreboot, plain, postgres, unattended)" >&2; exit 2; }
. "$here/variants/$variant.sh"
bl_init "debian guest" "$1"
bl_release "${3:-bookworm}"
v_name=debian$bl_release_num$v_suffix
bl_log_name="$v_name guest"
case " $v_releases " in
*" $bl_suite "*) ;;
*) die "the $variant variant is built for ${v_releases// /, } only, not $bl_suite" ;;
esac
. "$here/releases/$bl_suite.sh"

disk_mib=2048          # system disk, virtual size
part_start=2048        # first sector of the root partition (1 MiB)
# Packages on top of debootstrap's minbase, in every variant. The kernel itself is installed
# afterwards with dpkg, once the initramfs configuration is in place (so its initramfs is built
# once, small).
include=(
	systemd systemd-sysv udev dbus          # init, device manager, logind's bus
	qemu-guest-agent                        # started by udev when its virtio port appears
	kmod linux-base initramfs-tools zstd    # what linux-image-* needs; zstd for the initramfs
	kexec-tools                             # bgreboot-kexec
	busybox iproute2 procps e2fsprogs       # tools for the hooks and for people
	"${r_include[@]}"                       # what this release needs besides (releases/SUITE.sh)
)

# --- versions and the cache key -------------------------------------------------------------
bl_apt_views
read -r v1_meta v1_kpkg v1_kver < <(bl_resolve_kernel main)
read -r v2_meta v2_kpkg v2_kver < <(bl_resolve_kernel all)
v2_view=all
if [ "$v2_kpkg" = "$v1_kpkg" ]; then
	# Right after a point release the main suite has the newest kernel; the release's next one
	# may then wait in SUITE-proposed-updates (where the archive still has that suite).
	bl_apt_view_proposed
	read -r v2_meta v2_kpkg v2_kver < <(bl_resolve_kernel proposed)
	v2_view=proposed
	[ "$v2_kpkg" != "$v1_kpkg" ] || die "$bl_suite has one kernel of its series in the archive ($v1_kpkg, in main, -updates, -security and -proposed-updates): there is no update to stage; try again when $bl_suite-security has a newer one"
fi
v1_release=${v1_kpkg#linux-image-}
v2_release=${v2_kpkg#linux-image-}
bl_packages
pkgs=()
[ "$v_guest_pkg" = yes ] && pkgs+=("$bl_guest_deb")
[ "$v_svc_pkg" = yes ] && pkgs+=("$bl_svc_deb")
pkgs_hash=$( ( [ ${#pkgs[@]} -eq 0 ] || cat "${pkgs[@]}" ) | sha256sum | cut -c1-16)
variant_files=("guest/debian/variants/$variant.sh")
[ -d "$here/variants/$variant" ] && variant_files+=("guest/debian/variants/$variant")
main_lists=$(cat "$bl_dl/apt/$bl_suite/main/lists/"*Release 2> /dev/null | sha256sum | cut -c1-16)
base_key="debian-base format=2 suite=$bl_suite mirror=$bl_mirror include=${include[*]} overlay=$(bl_hash guest/debian/overlay/base guest/debian/releases/$bl_suite.sh) v1=$v1_meta/$v1_kpkg/$v1_kver lists=$main_lists"
key="format=3 release=$bl_suite variant=$variant inputs=$(bl_hash guest/debian/build.sh guest/debian/overlay/common guest/debian/releases/$bl_suite.sh guest/tools/build-lib.sh "${variant_files[@]}") packages=$pkgs_hash base=$(bl_keyhash "$base_key") v2=$v2_view/$v2_meta/$v2_kpkg/$v2_kver"
bl_cached "$v_name" "$key"

# --- build ----------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "building the Debian guest needs root (debootstrap, chroot)"
for t in debootstrap mke2fs qemu-img grub-mkimage flock zstd; do
	command -v "$t" > /dev/null || die "missing host tool: $t"
done
[ -e /usr/lib/grub/i386-pc/boot.img ] || die "missing GRUB i386-pc images (host package grub-pc-bin)"
bl_lock "$v_name"
bl_cached "$v_name" "$key"
bl_workdir "$v_name" "$key"
logs=$bl_work/out/logs
root=$bl_work/rootfs
mounted=()
bl_on_exit() { # unmount what is mounted in the new root, innermost first
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		mountpoint -q "${mounted[$i]}" 2> /dev/null && umount "${mounted[$i]}"
	done
	mounted=()
}
mount_in_root() { # FSTYPE DIR
	mkdir -p "$root/$2"
	mount -t "$1" "$1" "$root/$2"
	mounted+=("$root/$2")
}

# The base (debootstrap + the v1 kernel), shared by the variants of a release: built once per key.
mkdir -p "$bl_dl/debian-bases"
base_tar=$bl_dl/debian-bases/$bl_suite-$(bl_keyhash "$base_key").tar.zst
build_base() {
	local t b=$bl_cache/.debian-base-$bl_suite-build
	rm -rf "$b"
	mkdir -p "$b" "$bl_dl/debootstrap/$bl_suite"
	root=$b/rootfs
	log "base: debootstrap $bl_suite (minbase + ${#include[@]} packages)"
	t=$(date +%s.%N)
	if ! debootstrap --variant=minbase --arch=amd64 --components=main "${r_debootstrap_opts[@]}" \
		--include="$(IFS=,; echo "${include[*]}")" --cache-dir="$bl_dl/debootstrap/$bl_suite" \
		"$bl_suite" "$root" "$bl_mirror" > "$logs/debootstrap.log" 2>&1; then
		tail -n 20 "$logs/debootstrap.log" >&2
		die "debootstrap failed"
	fi
	log "base: debootstrap done in $(bl_since "$t") s"
	# initramfs, kernel symlinks and dpkg path exclusions: before the kernel goes in
	cp -r --preserve=mode "$here/overlay/base/." "$root/"
	r_base "$root"
	# Kernel v1 ($bl_suite main) and whatever it needs that debootstrap did not install, as apt
	# resolves it against this root, installed with dpkg the way the update is.
	local -a apt_root v1_set
	mapfile -t apt_root < <(apt_view main "$root/var/lib/dpkg/status")
	mapfile -t v1_set < <(apt-get "${apt_root[@]}" -s -q --no-install-recommends install \
		"$bl_meta=$v1_meta" 2> "$logs/v1.err" | awk '/^Inst / {v=$3; if (v ~ /^\[/) v=$4; gsub(/[()]/, "", v); print $2 "=" v}')
	[ ${#v1_set[@]} -gt 0 ] || { cat "$logs/v1.err" >&2; die "cannot resolve the kernel $v1_kpkg"; }
	log "base: kernel v1: ${v1_set[*]}"
	bl_fetch main "${v1_set[@]}"
	mkdir -p "$root/tmp/v1"
	local pv
	for pv in "${v1_set[@]}"; do cp "$(bl_debfile "${pv%%=*}" "${pv#*=}")" "$root/tmp/v1/"; done
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
	mount_in_root proc proc
	log "base: installing $v1_kpkg"
	t=$(date +%s.%N)
	chroot "$root" env DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		sh -c 'dpkg --force-confdef --force-confold -i /tmp/v1/*.deb' > "$logs/kernel.log" 2>&1 \
		|| { tail -n 20 "$logs/kernel.log" >&2; die "installing $v1_kpkg failed"; }
	bl_on_exit
	rm -rf "$root/tmp/v1" "$root/usr/sbin/policy-rc.d"
	log "base: kernel installed in $(bl_since "$t") s"
	[ "$(readlink "$root/vmlinuz")" = "boot/vmlinuz-$v1_release" ] \
		|| die "/vmlinuz is $(readlink "$root/vmlinuz"), not boot/vmlinuz-$v1_release"
	[ -e "$root/boot/initrd.img-$v1_release" ] || die "no initramfs for $v1_release"
	tar --numeric-owner --xattrs --xattrs-include='*' -C "$root" -c . | zstd -q -T0 -3 > "$b/base.tar.zst"
	rm -f "$bl_dl/debian-bases/$bl_suite"-*.tar.zst # one base per release: an older one is of no more use
	mv "$b/base.tar.zst" "$base_tar"
	rm -rf "$b"
	root=$bl_work/rootfs
}
if [ ! -s "$base_tar" ]; then
	exec 7> "$bl_cache/.debian-base-$bl_suite.lock"
	flock 7 # another variant may be building it
	[ -s "$base_tar" ] || build_base
	exec 7>&-
fi
log "v1: $v1_kpkg $v1_kver ($bl_suite); v2: $v2_kpkg $v2_kver (staged update, from the $v2_view view)"
mkdir -p "$root"
zstd -q -d -c "$base_tar" | tar --numeric-owner --xattrs --xattrs-include='*' -C "$root" -x

# This guest's configuration files: root-owned; existing directories keep their owners and modes.
cp -r --preserve=mode "$here/overlay/common/." "$root/"
[ -d "$here/variants/$variant/overlay" ] && cp -r --preserve=mode "$here/variants/$variant/overlay/." "$root/"
echo "$v_name" > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' "$v_name" > "$root/etc/hosts"
cat >> "$root/etc/fstab" << EOF
# The persistent disk (user data), found by its virtio serial. The background clone (BG) boots
# WITHOUT it: nothing at boot may wait for it.
/dev/disk/by-id/virtio-bgpersist  /home  ext4  $v_fstab_options  0 0
EOF

# Kernel v2: the newest kernel and whatever it needs that is not installed at a version it
# accepts, as apt resolves it against this root's dpkg status. Staged, not installed.
mapfile -t apt_root < <(apt_view "$v2_view" "$root/var/lib/dpkg/status")
mapfile -t v2_set < <(apt-get "${apt_root[@]}" -s -q --no-install-recommends install \
	"$bl_meta=$v2_meta" 2> "$logs/v2.err" | awk '/^Inst / {v=$3; if (v ~ /^\[/) v=$4; gsub(/[()]/, "", v); print $2 "=" v}')
[ ${#v2_set[@]} -gt 0 ] || { cat "$logs/v2.err" >&2; die "cannot resolve the kernel update"; }
# The mirror may list a package its pool does not serve (bullseye-security's
# linux-image-cloud-amd64 5.10.262-1 here): without the meta package the update is the kernel
# package itself, which is what apt installs through it; anything else missing is an error.
mapfile -t unserved < <(bl_fetch_each "$v2_view" "${v2_set[@]}")
for pv in "${unserved[@]}"; do
	[ "${pv%%=*}" = "$bl_meta" ] || die "the mirror does not serve $pv, which the kernel update needs"
	log "warning: the mirror lists $pv but does not serve it: the staged update is the kernel package without it"
	v2_set=("${v2_set[@]/$pv/}")
done
mapfile -t v2_set < <(printf '%s\n' "${v2_set[@]}" | grep .)
log "staged update: ${v2_set[*]}"
mkdir -p "$root/var/cache/bgreboot/updates"
for pv in "${v2_set[@]}"; do
	cp "$(bl_debfile "${pv%%=*}" "${pv#*=}")" "$root/var/cache/bgreboot/updates/"
done

# Packages: the variant's Debian packages (the release's main suite, resolved against this root) and
# bgreboot's own, installed by apt inside the new root from the downloaded files, with their
# maintainer scripts (so the guest package's are exercised on every build). Nothing starts.
extra=()
if [ ${#v_packages[@]} -gt 0 ]; then
	mapfile -t apt_root < <(apt_view main "$root/var/lib/dpkg/status")
	mapfile -t v_set < <(apt-get "${apt_root[@]}" -s -q --no-install-recommends install \
		"${v_packages[@]}" 2> "$logs/packages.err" | awk '/^Inst / {v=$3; if (v ~ /^\[/) v=$4; gsub(/[()]/, "", v); print $2 "=" v}')
	[ ${#v_set[@]} -gt 0 ] || { cat "$logs/packages.err" >&2; die "cannot resolve ${v_packages[*]}"; }
	bl_fetch main "${v_set[@]}"
	for pv in "${v_set[@]}"; do extra+=("$(bl_debfile "${pv%%=*}" "${pv#*=}")"); done
fi
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
mount_in_root proc proc
mount_in_root tmpfs dev/shm
if [ ${#extra[@]} -gt 0 ] || [ ${#pkgs[@]} -gt 0 ]; then
	log "installing ${v_packages[*]} $(for p in "${pkgs[@]}"; do basename "$p" .deb; done | tr '\n' ' ')"
	t=$(date +%s.%N)
	mkdir -p "$root/tmp/debs"
	cp "${extra[@]}" "${pkgs[@]}" "$root/tmp/debs/"
	chroot "$root" env DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		sh -c 'apt-get -q -y --no-install-recommends -o Dpkg::Options::=--force-confold install /tmp/debs/*.deb' \
		> "$logs/packages.log" 2>&1 || { tail -n 20 "$logs/packages.log" >&2; die "installing packages failed"; }
	rm -rf "$root/tmp/debs"
	log "packages installed in $(bl_since "$t") s"
fi
r_configure "$root"
v_configure "$root"

# System configuration.
# kexec-tools' own kexec on reboot (bullseye, bookworm: LSB scripts, which the disabled SysV
# generator keeps from running anyway) stays off; trixie's has no LOAD_KEXEC any more.
if grep -q '^LOAD_KEXEC=' "$root/etc/default/kexec"; then
	sed -i 's/^LOAD_KEXEC=.*/LOAD_KEXEC=false/' "$root/etc/default/kexec"
fi
chroot "$root" passwd -l root > /dev/null
chroot "$root" systemctl enable systemd-networkd.service > "$logs/systemctl.log" 2>&1
# Nothing slow or pointless under TCG in a short-lived benchmark guest: periodic jobs,
# waiting for "online", a getty on a screen that does not exist, journal flushing (the
# journal is volatile), pstore, systemd-repart (pulls in dm_mod and loop), kernel modules
# and API file systems nothing here uses.
chroot "$root" systemctl mask systemd-networkd-wait-online.service \
	apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service \
	dpkg-db-backup.timer dpkg-db-backup.service e2scrub_all.timer e2scrub_reap.service \
	fstrim.timer systemd-tmpfiles-clean.timer getty@tty1.service \
	systemd-journal-flush.service systemd-pstore.service systemd-repart.service \
	modprobe@dm_mod.service modprobe@loop.service modprobe@drm.service \
	modprobe@fuse.service sys-fs-fuse-connections.mount \
	modprobe@configfs.service sys-kernel-config.mount \
	sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount \
	proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount >> "$logs/systemctl.log" 2>&1
# Generators for things this guest does not have (encrypted, verity, integrity, GPT
# auto-discovery, hibernation, SysV init scripts: kexec-tools' kexec-load would run at
# every boot and shutdown only to read LOAD_KEXEC=false). Each is a process at every boot.
mkdir -p "$root/etc/systemd/system-generators"
for g in systemd-cryptsetup-generator systemd-gpt-auto-generator systemd-hibernate-resume-generator \
	systemd-integritysetup-generator systemd-veritysetup-generator systemd-sysv-generator \
	systemd-rc-local-generator systemd-system-update-generator systemd-run-generator \
	systemd-bless-boot-generator; do
	ln -sf /dev/null "$root/etc/systemd/system-generators/$g"
done
# Mark /etc and /var as up to date with /usr, so no ConditionNeedsUpdate= unit (sysusers,
# ldconfig, hwdb, catalog) runs at every boot (Debian ships no systemd-update-done). The
# condition holds when /usr's mtime is newer than these files' mtimes.
for f in etc/.updated var/.updated; do
	printf '# Written by the bgreboot image build in place of systemd-update-done.\n' > "$root/$f"
	touch -d "@$(($(stat -c %Y "$root/usr") + 1))" "$root/$f"
done
ln -sf /lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"
bl_on_exit
rm -f "$root/usr/sbin/policy-rc.d"

# The persistent disk's initial content (the variant's data), then the system disk's /home is
# only its mount point.
mkdir -p "$bl_work/persist"
v_persist "$bl_work/persist"
{
	echo "v1 $bl_meta $v1_meta $v1_kpkg $v1_kver"
	echo "v2 $bl_meta $v2_meta $v2_kpkg $v2_kver"
	printf 'staged %s\n' "${v2_set[@]}"
	[ ${#unserved[@]} -eq 0 ] || printf 'not served by the mirror, left out %s\n' "${unserved[@]}"
	for p in "${pkgs[@]}"; do echo "package $(basename "$p") $(sha256sum < "$p" | cut -c1-64)"; done
	[ ${#extra[@]} -eq 0 ] || printf 'installed %s\n' "${v_set[@]}"
	echo "rootfs_used_kib $(du -sk "$root" | cut -f1)"
	echo "initrd_bytes $(stat -L -c %s "$root/initrd.img")"
} > "$logs/versions.txt"
manifest_extra=$(v_manifest)
guest_pkg_json=null
[ "$v_guest_pkg" = yes ] && guest_pkg_json="\"$(basename "$bl_guest_deb")\""
# The package's attach hook waits for a medium swapped in under a device the guest booted with.
disk_swap_json=false
[ "$v_guest_pkg" = yes ] && disk_swap_json=true

# Small: no package lists, caches, docs, logs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
	"$root"/var/log/*.log "$root"/var/log/apt/* "$root"/var/lib/dpkg/*-old \
	"$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/tmp/* "$root"/var/tmp/*
find "$root/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2> /dev/null || true
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

# --- the system disk: MBR, ext4 at 1 MiB, GRUB ------------------------------------------
log "making the system disk"
raw=$bl_work/system.raw
rm -f "$raw"; truncate -s "${disk_mib}M" "$raw"
part_sectors=$((disk_mib * 2048 - part_start))
# GRUB 2.06 cannot read metadata_csum_seed; orphan_file is new: leave both out.
mke2fs -q -t ext4 -L debroot -O ^metadata_csum_seed,^orphan_file -E offset=$((part_start * 512)) \
	-d "$root" "$raw" "$((part_sectors / 2))k" >&2
# One primary partition, type 83, active: written by hand (no sfdisk needed).
le32() { # N -> 4 bytes, little endian
	local s
	s=$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))
	printf "$s"
}
{ printf '\x80\xfe\xff\xff\x83\xfe\xff\xff'; le32 "$part_start"; le32 "$part_sectors"; } \
	| dd of="$raw" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$raw" bs=1 seek=510 conv=notrunc status=none
printf 'bgrb' | dd of="$raw" bs=1 seek=440 conv=notrunc status=none   # disk signature
# GRUB: boot.img in the MBR's code area, core.img (diskboot + kernel + modules, prefix on
# the ext4 partition) in the gap before it. This is what grub-bios-setup does for a hard
# disk: boot.img's default kernel sector is 1 and diskboot's blocklist starts at sector 2
# with the length grub-mkimage wrote.
grub-mkimage -O i386-pc -o "$bl_work/core.img" -p '(hd0,msdos1)/boot/grub' \
	biosdisk part_msdos ext2 normal linux configfile search echo test serial terminal
core_size=$(stat -c %s "$bl_work/core.img")
[ "$core_size" -lt $(((part_start - 1) * 512)) ] || die "core.img ($core_size bytes) does not fit before the partition"
dd if=/usr/lib/grub/i386-pc/boot.img of="$raw" bs=440 count=1 conv=notrunc status=none
printf '\x90\x90' | dd of="$raw" bs=1 seek=$((0x66)) conv=notrunc status=none  # no drive check (hard disk)
dd if="$bl_work/core.img" of="$raw" bs=512 seek=1 conv=notrunc status=none
qemu-img convert -O qcow2 "$raw" "$bl_work/out/system.qcow2"
rm -rf "$raw" "$bl_work/core.img" "$root"

log "making the persistent disk"
bl_persist_disk "$bl_work/out/persist.img" "$v_persist_mib" "$bl_work/persist"

cat > "$bl_work/out/guest.json" << EOF
{"name":"$v_name","variant":"$variant","debian":{"codename":"$bl_suite","version":$bl_release_num},"system_disk":"system.qcow2","persistent_disk":"persist.img","persistent_serial":"bgpersist","boot":"disk","versions":[{"version":"v1","kernel_release":"$v1_release"},{"version":"v2","kernel_release":"$v2_release"}],"update":["/usr/sbin/bgreboot-update","v2"],"release":["/usr/sbin/bgreboot-release"],"attach":["/usr/sbin/bgreboot-attach"],"ready":["/usr/sbin/bgreboot-ready"],"ready_systemd":["systemctl","is-system-running","--wait"],"serial_ready":"bgreboot-guest: service up","kexec":["/usr/sbin/bgreboot-kexec"],"service_port":80,"guest_package":$guest_pkg_json,"disk_swap":$disk_swap_json$manifest_extra}
EOF
bl_publish "$v_name" prune
log "system.qcow2 $(du -h "$bl_cache/$v_name/system.qcow2" | cut -f1) (virtual ${disk_mib} MiB), persist.img ${v_persist_mib} MiB"
echo "$bl_cache/$v_name"
