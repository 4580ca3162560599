# Variant "plain" of the Debian guest (CACHE_DIR/debianNN-plain): "bring your own guest". Debian
# with qemu-guest-agent, a persistent disk in fstab the way people usually write it (nofail, no
# noauto) and a service of its own that writes there (bgreboot-svc, from its package: the
# prober and the writer need something to talk to), but none of bgreboot's hooks: `bgreboot
# guest check` must fail on it and `bgreboot guest install` must fix it.
v_suffix="-plain"
v_releases="bullseye bookworm trixie"
v_guest_pkg=no
v_svc_pkg=yes
v_packages=()
v_persist_mib=256
# systemd mounts it at boot when it is there and does not hold the boot for it (nofail)... but
# it still waits for the device in the background (90 s), so a BG booted without the disk is not
# "running" until then (measured: 99 s against 15 s to the agent): what `guest check` should flag
# and `guest install` fix (noauto).
v_fstab_options=defaults,nofail
v_configure() { :; }
v_persist() { :; }
v_manifest() { printf ',"guest_package_installed":false'; }
