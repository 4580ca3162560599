# Debian 13 (trixie): what the builder does for this release only. Sourced by build.sh; the
# base's and the variants' cache keys include this file.
#   r_include           packages debootstrap installs besides build.sh's list
#   r_debootstrap_opts  more debootstrap options
#   r_base ROOT         run in the new root after debootstrap, before the v1 kernel goes in
#   r_configure ROOT    run after the packages are installed, before the system configuration
r_include=()
r_debootstrap_opts=()
r_base() { # ROOT
	# trixie's udev initramfs hook copies the hardware database (hwdb.bin, 13.5 MB of a 33.5 MB
	# initramfs; bookworm's has none). Nothing this guest's initramfs does (find the virtio disk
	# by its label, mount it) looks anything up there, and every boot and kexec unpacks it.
	mkdir -p "$1/etc/initramfs-tools/hooks"
	cat > "$1/etc/initramfs-tools/hooks/zz-bgreboot-no-hwdb" << 'HOOK'
#!/bin/sh
# bgreboot guest (trixie): the udev hardware database stays out of the initramfs.
[ "$1" = prereqs ] && exit 0
rm -f "$DESTDIR/usr/lib/udev/hwdb.bin" "$DESTDIR/etc/udev/hwdb.bin"
HOOK
	chmod 755 "$1/etc/initramfs-tools/hooks/zz-bgreboot-no-hwdb"
}
r_configure() { :; }
