#!/usr/bin/env bash
# Builds the Debian 12 (bookworm) systemd guest used by the benchmarks.
#
#   guest/debian/build.sh CACHE_DIR
#
# Output: CACHE_DIR/debian/ (system.qcow2, persist.img, guest.json); the last line on
# stdout is that directory, progress goes to stderr. Downloads are kept in
# CACHE_DIR/downloads/. The build is cached: when its inputs (the files of guest/debian,
# guest/service and guest/hooks, and the chosen Debian package versions) are unchanged, it
# only prints the directory.
#
# The guest is "v1": debootstrap of bookworm's main suite, so it runs the older kernel of
# bookworm's main suite; the newest kernel of bookworm-security/-updates is staged on the
# disk in /var/cache/bgreboot/updates for `bgreboot-update v2` to install. It boots from its
# own disk: MBR, one ext4 partition at 1 MiB, GRUB (i386-pc) in the MBR gap, a static
# grub.cfg booting the /vmlinuz and /initrd.img symlinks that Debian's kernel packages move.
#
# Needs root (debootstrap, chroot) and the host packages debootstrap, qemu-utils,
# e2fsprogs, grub-pc-bin, gcc, libc6-dev, util-linux. No loop devices, no mounts other
# than /proc inside the new root while packages are configured.
#
# Environment:
#   BGREBOOT_DEBIAN_MIRROR    default http://deb.debian.org/debian
#   BGREBOOT_DEBIAN_SECURITY  default http://deb.debian.org/debian-security
#   BGREBOOT_DEBIAN_REFRESH   1: refresh the package lists now (else: when missing or older
#                             than BGREBOOT_DEBIAN_LISTS_MAX_AGE_DAYS, default 7)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

log() { echo "debian-guest: $*" >&2; }
die() { echo "debian-guest: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 CACHE_DIR"
mkdir -p "$1"
cache=$(cd "$1" && pwd)
out="$cache/debian"
dl="$cache/downloads"

mirror=${BGREBOOT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${BGREBOOT_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
suite=bookworm
disk_mib=2048          # system disk, virtual size
persist_mib=256        # persistent disk
part_start=2048        # first sector of the root partition (1 MiB)
kflavour=cloud-amd64
meta=linux-image-$kflavour

# Packages on top of debootstrap's minbase. The kernel itself is installed afterwards with
# dpkg, once the initramfs configuration is in place (so its initramfs is built once, small).
include=(
  systemd systemd-sysv udev dbus          # init, device manager, logind's bus
  qemu-guest-agent                        # started by udev when its virtio port appears
  kmod linux-base initramfs-tools zstd    # what linux-image-* needs; zstd for the initramfs
  kexec-tools                             # bgreboot-kexec
  busybox iproute2 procps e2fsprogs       # tools for the hooks and for people
)

# --- package versions: a private apt state in the download cache -----------------------
# Two views: "main" (bookworm only: what debootstrap installs) and "all" (+ updates and
# security: where the kernel update comes from). Resolving versions from these lists costs
# milliseconds, so an unchanged build returns at once.
apt_view() { # NAME -> prints the apt options of that view
  local d="$dl/apt/$1" pkgcache
  pkgcache="$d/cache/pkgcache.bin"
  [ -z "${2:-}" ] || pkgcache=""   # another dpkg status: do not overwrite the view's cache
  printf '%s\n' -o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/empty" \
    -o "Dir::Etc::Preferences=$d/empty/none" -o "Dir::Etc::PreferencesParts=$d/empty" \
    -o "Dir::State::Lists=$d/lists" -o "Dir::State::Status=${2:-$d/status}" \
    -o "Dir::Cache=$d/cache" -o "Dir::Cache::Archives=$d/cache/archives" \
    -o "Dir::Cache::pkgcache=$pkgcache" -o "Dir::Cache::srcpkgcache=$d/cache/srcpkgcache.bin" \
    -o "APT::Architecture=amd64" -o "APT::Architectures::=amd64" -o "Acquire::Languages=none" \
    -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -o "APT::Get::List-Cleanup=0"
}
setup_view() { # NAME SOURCES...
  local name=$1 d="$dl/apt/$1"; shift
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/empty"
  printf '%s\n' "$@" >"$d/sources.list.new"
  if ! cmp -s "$d/sources.list.new" "$d/sources.list"; then
    mv "$d/sources.list.new" "$d/sources.list"; rm -f "$d/lists/"*Release* "$d/cache/"*.bin
  else
    rm -f "$d/sources.list.new"
  fi
  [ -e "$d/status" ] || : >"$d/status"
  local stamp="$d/lists/.updated" max=${BGREBOOT_DEBIAN_LISTS_MAX_AGE_DAYS:-7}
  if [ "${BGREBOOT_DEBIAN_REFRESH:-0}" = 1 ] || [ ! -e "$stamp" ] \
     || [ -n "$(find "$stamp" -mtime +"$max" 2>/dev/null)" ]; then
    log "refreshing package lists ($name)"
    local opts; mapfile -t opts < <(apt_view "$name")
    if apt-get "${opts[@]}" -q update >"$d/update.log" 2>&1; then
      touch "$stamp"
    elif [ -e "$stamp" ]; then
      log "warning: refreshing package lists failed (see $d/update.log); using the old ones"
    else
      tail -n 5 "$d/update.log" >&2; die "cannot fetch package lists from $mirror"
    fi
  fi
}
setup_view main "deb $mirror $suite main"
setup_view all "deb $mirror $suite main" "deb $mirror $suite-updates main" \
  "deb $security $suite-security main"
mapfile -t apt_main < <(apt_view main)
mapfile -t apt_all < <(apt_view all)

# META_VERSION KERNEL_PACKAGE KERNEL_VERSION of the candidate linux-image-cloud-amd64 of a view.
resolve_kernel() {
  local -a opts=("$@")
  local ver dep
  ver=$(apt-cache "${opts[@]}" policy "$meta" | awk '/Candidate:/ {print $2}')
  [ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no $meta in the package lists"
  dep=$(apt-cache "${opts[@]}" show "$meta=$ver" | sed -n 's/^Depends: //p' | head -n 1 \
        | tr ',' '\n' | grep -o "linux-image-[0-9][^ ]*-$kflavour ([^)]*)" | head -n 1)
  [ -n "$dep" ] || die "cannot read the kernel package $meta $ver depends on"
  # "linux-image-6.1.0-50-cloud-amd64 (= 6.1.176-1)" -> name version
  echo "$ver $(echo "$dep" | sed -E 's/^([^ ]+) \(= ?([^)]*)\)$/\1 \2/')"
}
read -r v1_meta v1_kpkg v1_kver < <(resolve_kernel "${apt_main[@]}")
read -r v2_meta v2_kpkg v2_kver < <(resolve_kernel "${apt_all[@]}")
v1_release=${v1_kpkg#linux-image-}
v2_release=${v2_kpkg#linux-image-}
[ "$v1_release" != "$v2_release" ] \
  || log "warning: bookworm's main suite already has the newest kernel ($v1_release): v2 has no kernel update"

# --- the cache key ----------------------------------------------------------------------
inputs_hash() {
  # Files that make the image: this builder (less its smoke test and docs), the guest
  # service and hooks.
  (cd "$repo" && find guest/debian guest/service guest/hooks -type f \
      ! -name smoke.sh ! -name vmctl.py ! -name '*.md' -print 2>/dev/null | LC_ALL=C sort \
    | while read -r f; do printf "%s\n" "$f"; sha256sum <"$f"; if [ -x "$f" ]; then echo x; fi; done) \
    | sha256sum | cut -c1-64
}
key="format=1 inputs=$(inputs_hash) v1=$v1_meta/$v1_kpkg/$v1_kver v2=$v2_meta/$v2_kpkg/$v2_kver"
keyhash=$(echo "$key" | sha256sum | cut -c1-16)

if [ -e "$out/.key" ] && [ "$(cat "$out/.key")" = "$key" ] \
   && [ -e "$out/system.qcow2" ] && [ -e "$out/persist.img" ] && [ -e "$out/guest.json" ]; then
  echo "$out"
  exit 0
fi

# --- build ------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "building the Debian guest needs root (debootstrap, chroot)"
for t in debootstrap mke2fs qemu-img grub-mkimage gcc flock; do
  command -v "$t" >/dev/null || die "missing host tool: $t"
done
[ -e /usr/lib/grub/i386-pc/boot.img ] || die "missing GRUB i386-pc images (host package grub-pc-bin)"
[ -e "$repo/guest/service/bgreboot-svc.c" ] || die "missing guest/service/bgreboot-svc.c"
hooks=(bgreboot-boot bgreboot-release bgreboot-attach bgreboot-ready bgreboot-update)
units=(bgreboot-svc.service bgreboot-boot.service)
for u in "${units[@]}"; do
  [ -e "$repo/guest/service/$u" ] || die "missing guest/service/$u"
done
for h in "${hooks[@]}"; do
  if [ ! -e "$repo/guest/hooks/$h" ]; then
    [ "${BGREBOOT_DEBIAN_ALLOW_MISSING_HOOKS:-0}" = 1 ] || die "missing guest/hooks/$h"
    log "warning: missing guest/hooks/$h (BGREBOOT_DEBIAN_ALLOW_MISSING_HOOKS=1)"
  fi
done

exec 9>"$cache/.debian.lock"
flock 9
# Someone else may have built it while we waited.
if [ -e "$out/.key" ] && [ "$(cat "$out/.key")" = "$key" ]; then echo "$out"; exit 0; fi

t0=$(date +%s.%N)
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
work="$cache/debian-$keyhash.tmp"
rm -rf "$work"
mkdir -p "$work/logs" "$dl/debootstrap" "$dl/debs"
root="$work/rootfs"
cleanup() {
  local rc=$?
  if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc"; fi
  if [ "$rc" != 0 ] && [ -d "$work/logs" ]; then
    rm -rf "$cache/debian-failed-logs"; cp -r "$work/logs" "$cache/debian-failed-logs"
    log "build failed; logs in $cache/debian-failed-logs"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

log "v1: $v1_kpkg $v1_kver (bookworm); v2: $v2_kpkg $v2_kver (staged update)"
log "debootstrap $suite (minbase + ${#include[@]} packages)"
t=$(date +%s.%N)
if ! debootstrap --variant=minbase --arch=amd64 --components=main \
     --include="$(IFS=,; echo "${include[*]}")" --cache-dir="$dl/debootstrap" \
     "$suite" "$root" "$mirror" >"$work/logs/debootstrap.log" 2>&1; then
  tail -n 20 "$work/logs/debootstrap.log" >&2
  die "debootstrap failed"
fi
log "debootstrap done in $(since "$t") s"

# The configuration files of this guest.
# Copied as root-owned files; existing directories and files keep their owners and modes.
cp -r --preserve=mode "$here/overlay/." "$root/"

# Kernel v1 (bookworm main), installed with dpkg the way the update is.
fetch() { # VIEW DIR PKG=VER... : apt-get download into DIR unless there
  local view=$1 dir=$2; shift 2
  local -a opts; mapfile -t opts < <(apt_view "$view")
  local need=()
  for pv in "$@"; do
    local p=${pv%%=*} v=${pv#*=}
    ls "$dir/${p}_${v//:/%3a}_"*.deb >/dev/null 2>&1 || need+=("$pv")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  log "downloading ${need[*]}"
  (cd "$dir" && apt-get "${opts[@]}" -q download "${need[@]}" >&2)
}
debfile() { ls "$1/${2}_${3//:/%3a}_"*.deb | head -n 1; }

fetch main "$dl/debs" "$v1_kpkg=$v1_kver" "$meta=$v1_meta"
mkdir -p "$root/tmp/v1"
cp "$(debfile "$dl/debs" "$v1_kpkg" "$v1_kver")" "$(debfile "$dl/debs" "$meta" "$v1_meta")" "$root/tmp/v1/"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
log "installing $v1_kpkg"
t=$(date +%s.%N)
chroot "$root" env DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  sh -c 'dpkg --force-confdef --force-confold -i /tmp/v1/*.deb' >"$work/logs/kernel.log" 2>&1 \
  || { tail -n 20 "$work/logs/kernel.log" >&2; die "installing $v1_kpkg failed"; }
rm -rf "$root/tmp/v1"
log "kernel installed in $(since "$t") s"
[ "$(readlink "$root/vmlinuz")" = "boot/vmlinuz-$v1_release" ] \
  || die "/vmlinuz is $(readlink "$root/vmlinuz"), not boot/vmlinuz-$v1_release"
[ -e "$root/boot/initrd.img-$v1_release" ] || die "no initramfs for $v1_release"

# Kernel v2: the newest kernel and whatever it needs that is not installed at a version it
# accepts, as apt resolves it against this root's dpkg status. Staged, not installed.
mapfile -t apt_root < <(apt_view all "$root/var/lib/dpkg/status")
mapfile -t v2_set < <(apt-get "${apt_root[@]}" -s -q --no-install-recommends install \
  "$meta=$v2_meta" 2>"$work/logs/v2.err" | awk '/^Inst / {v=$3; if (v ~ /^\[/) v=$4; gsub(/[()]/, "", v); print $2 "=" v}')
[ ${#v2_set[@]} -gt 0 ] || { cat "$work/logs/v2.err" >&2; die "cannot resolve the kernel update"; }
log "staged update: ${v2_set[*]}"
fetch all "$dl/debs" "${v2_set[@]}"
mkdir -p "$root/var/cache/bgreboot/updates"
for pv in "${v2_set[@]}"; do
  cp "$(debfile "$dl/debs" "${pv%%=*}" "${pv#*=}")" "$root/var/cache/bgreboot/updates/"
done

# The guest service and hooks.
log "compiling the guest service"
gcc -static -O2 -o "$root/usr/sbin/bgreboot-svc" "$repo/guest/service/bgreboot-svc.c"
strip "$root/usr/sbin/bgreboot-svc" 2>/dev/null || true
for h in "$repo"/guest/hooks/*; do
  [ -f "$h" ] || continue
  case "$(basename "$h")" in *.md|*.txt) continue ;; esac
  install -m 755 "$h" "$root/usr/sbin/$(basename "$h")"
done
# Their systemd units: bgreboot-svc.service (the service, restarted if it dies) and
# bgreboot-boot.service (mounts the persistent disk if present, prints the ready line).
for u in "${units[@]}"; do
  install -m 644 "$repo/guest/service/$u" "$root/etc/systemd/system/$u"
done

# System configuration.
sed -i 's/^LOAD_KEXEC=.*/LOAD_KEXEC=false/' "$root/etc/default/kexec"
grep -q '^LOAD_KEXEC=false' "$root/etc/default/kexec" || echo 'LOAD_KEXEC=false' >>"$root/etc/default/kexec"
chroot "$root" passwd -l root >/dev/null
chroot "$root" systemctl enable systemd-networkd.service "${units[@]}" >"$work/logs/systemctl.log" 2>&1
# Nothing slow or pointless under TCG in a short-lived benchmark guest.
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
  proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount >>"$work/logs/systemctl.log" 2>&1
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
  printf '# Written by the bgreboot image build in place of systemd-update-done.\n' >"$root/$f"
  touch -d "@$(( $(stat -c %Y "$root/usr") + 1 ))" "$root/$f"
done
ln -sf /lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"
umount "$root/proc"
rm -f "$root/usr/sbin/policy-rc.d"

# Small: no package lists, caches, docs, logs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
  "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/var/lib/dpkg/*-old \
  "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/tmp/* "$root"/var/tmp/*
find "$root/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

# --- the system disk: MBR, ext4 at 1 MiB, GRUB ------------------------------------------
log "making the system disk"
raw="$work/system.raw"
rm -f "$raw"; truncate -s "${disk_mib}M" "$raw"
part_sectors=$(( disk_mib * 2048 - part_start ))
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
grub-mkimage -O i386-pc -o "$work/logs/core.img" -p '(hd0,msdos1)/boot/grub' \
  biosdisk part_msdos ext2 normal linux configfile search echo test serial terminal
core_size=$(stat -c %s "$work/logs/core.img")
[ "$core_size" -lt $(( (part_start - 1) * 512 )) ] || die "core.img ($core_size bytes) does not fit before the partition"
dd if=/usr/lib/grub/i386-pc/boot.img of="$raw" bs=440 count=1 conv=notrunc status=none
printf '\x90\x90' | dd of="$raw" bs=1 seek=$((0x66)) conv=notrunc status=none  # no drive check (hard disk)
dd if="$work/logs/core.img" of="$raw" bs=512 seek=1 conv=notrunc status=none
qemu-img convert -O qcow2 "$raw" "$work/system.qcow2"
rm -f "$raw" "$work/logs/core.img"

log "making the persistent disk"
truncate -s "${persist_mib}M" "$work/persist.img"
mke2fs -q -t ext4 -L bgpersist -F "$work/persist.img" >&2

cat >"$work/guest.json" <<EOF
{"name":"debian","system_disk":"system.qcow2","persistent_disk":"persist.img","persistent_serial":"bgpersist","boot":"disk","versions":[{"version":"v1","kernel_release":"$v1_release"},{"version":"v2","kernel_release":"$v2_release"}],"update":["/usr/sbin/bgreboot-update","v2"],"release":["/usr/sbin/bgreboot-release"],"attach":["/usr/sbin/bgreboot-attach"],"ready":["/usr/sbin/bgreboot-ready"],"ready_systemd":["systemctl","is-system-running","--wait"],"serial_ready":"bgreboot-guest: service up","kexec":["/usr/sbin/bgreboot-kexec"]}
EOF
{
  echo "v1 $meta $v1_meta $v1_kpkg $v1_kver"
  echo "v2 $meta $v2_meta $v2_kpkg $v2_kver"
  printf 'staged %s\n' "${v2_set[@]}"
  echo "rootfs_used_kib $(du -sk "$root" | cut -f1)"
  echo "initrd_bytes $(stat -L -c %s "$root/initrd.img")"
} >"$work/logs/versions.txt"
rm -rf "$root"
echo "$key" >"$work/.key"

# Publish: CACHE_DIR/debian is a symlink to the finished build, swapped atomically.
final="$cache/debian-$keyhash"
rm -rf "$final"
mv "$work" "$final"
trap - EXIT
if [ -d "$out" ] && [ ! -L "$out" ]; then rm -rf "$out"; fi
old=$(readlink "$out" 2>/dev/null || true)
ln -sfn "debian-$keyhash" "$cache/.debian.new"
mv -T "$cache/.debian.new" "$out"
if [ -n "$old" ] && [ "$old" != "debian-$keyhash" ]; then rm -rf "${cache:?}/$old"; fi
rm -rf "$cache/debian-failed-logs"
log "built in $(since "$t0") s: system.qcow2 $(du -h "$final/system.qcow2" | cut -f1) (virtual ${disk_mib} MiB), persist.img ${persist_mib} MiB"
echo "$out"
