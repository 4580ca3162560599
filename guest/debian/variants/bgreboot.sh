# Variant "bgreboot" of the Debian guest (CACHE_DIR/debian11, debian12, debian13): the bench guest. The bgreboot-guest
# package (hooks, boot unit) and the bgreboot-svc test service, both installed from their .debs.
v_suffix=""                      # the output is CACHE_DIR/debianNN$v_suffix
v_releases="bullseye bookworm trixie"  # the releases it is built for
v_guest_pkg=yes
v_svc_pkg=yes
v_packages=()                    # more Debian packages (from the release's main suite)
v_persist_mib=256
# The persistent disk in fstab: noauto (bgreboot-boot mounts it at boot, the attach hook at the
# switch), nofail (BG boots without it; nothing waits for it).
v_fstab_options=defaults,noatime,noauto,nofail
v_configure() { :; }              # in the new root, packages installed, /proc mounted
v_persist() { :; }                # $1: the persistent disk's tree, to move data into
v_manifest() { :; }               # extra manifest fields: ,"key":value...
