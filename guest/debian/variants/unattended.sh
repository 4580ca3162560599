# Variant "unattended" of the Debian guest (CACHE_DIR/debian12-unattended): a guest that updates
# itself, as operators' guests do. The bench guest (bgreboot-guest, bgreboot-svc) plus Debian's
# own unattended-upgrades, configured to take every origin (51bgreboot-unattended); its only apt
# source is the local repository a test names at run time in
# /etc/apt/sources.list.d/bgreboot-local.list (guest/tools/local-apt-repo.sh builds one from the
# newer kernel packages this build copies to updates/; apt_updates in the manifest lists them).
# When `unattended-upgrade` installs the newer kernel, the package's kernel hook
# (/etc/kernel/postinst.d/unattended-upgrades) writes /run/reboot-required and
# /run/reboot-required.pkgs. On a bridged test network the VM takes its address from QEMU's
# fw_cfg (opt/org.bgreboot/ip = ADDR/LEN[,GATEWAY]; bgreboot-fw-cfg-network.service), else it
# keeps user networking's 10.0.2.15.
v_suffix="-unattended"
v_releases="bookworm"
v_guest_pkg=yes
v_svc_pkg=yes
v_packages=(unattended-upgrades)
v_persist_mib=256
v_fstab_options=defaults,noatime,noauto,nofail
v_configure() { # ROOT
	# no source but the local repository (written by the test): the guest reaches nothing else
	printf '# bgreboot-unattended: the only apt source is /etc/apt/sources.list.d/bgreboot-local.list,\n# the local repository a test serves (guest/debian/README.md).\n' > "$1/etc/apt/sources.list"
	chroot "$1" systemctl enable bgreboot-fw-cfg-network.service >> "$bl_work/out/logs/systemctl.log" 2>&1
	# the newer kernel packages, for the local repository (the same files as the staged update)
	mkdir -p "$bl_work/out/updates"
	local pv
	for pv in "${v2_set[@]}"; do cp "$(bl_debfile "${pv%%=*}" "${pv#*=}")" "$bl_work/out/updates/"; done
}
v_persist() { :; }
v_manifest() {
	local f first=1
	printf ',"apt_updates":['
	for f in "$bl_work/out/updates/"*.deb; do
		[ $first = 1 ] || printf ','
		first=0
		printf '"updates/%s"' "$(basename "$f")"
	done
	printf '],"unattended_upgrades":"%s"' "$(chroot "$root" dpkg-query -W -f='${Version}' unattended-upgrades)"
}
