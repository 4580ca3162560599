# Variant "bgreboot" of the Debian guest (CACHE_DIR/debian): the bench guest. The bgreboot-guest
# package (hooks, boot unit) and the bgreboot-svc test service, both installed from their .debs.
v_name=debian
v_hostname=bgreboot-debian
v_guest_pkg=yes
v_svc_pkg=yes
v_packages=()                    # more Debian packages (from bookworm main)
v_persist_mib=256
# The persistent disk in fstab: noauto (bgreboot-boot mounts it at boot, the attach hook at the
# switch), nofail (BG boots without it; nothing waits for it).
v_fstab_options=defaults,noatime,noauto,nofail
v_configure() { :; }              # in the new root, packages installed, /proc mounted
v_persist() { :; }                # $1: the persistent disk's tree, to move data into
v_manifest() { :; }               # extra manifest fields: ,"key":value...
