#!/usr/bin/env bash
# Installs the Debian packages bgreboot needs on the host, once. Sourced by ./bgreboot and ./test.
# Idempotent: when every package is present it costs one dpkg-query and returns.
# Guest kernels are NOT installed here: the guest builders download and unpack them.
bgreboot_host_packages=(
  default-jdk-headless maven            # build and run bgreboot itself
  qemu-system-x86 qemu-utils            # the VMs, qemu-img
  busybox-static qemu-guest-agent       # the demo guest's userland and agent
  e2fsprogs cpio zstd xz-utils gcc libc6-dev   # images, initramfs, the guest service
  util-linux                            # chrt, ionice
  debootstrap grub-pc-bin               # the Debian guests
  postgresql-client                     # pgbench and psql: the PostgreSQL workload
  curl
  apt-utils                             # apt-ftparchive: the self-updating guest's local apt repository
  libvirt-daemon libvirt-daemon-driver-qemu libvirt0   # the libvirt engine's tests and demos (scripts/libvirt-host.sh)
  iptables                              # libvirt's networks (a clone's holding network); libvirt-daemon-system depends on it too
  iproute2 python3                      # test networks (scripts/testnet.sh), the libvirt hosts' reaper
  prometheus                            # the watch demo's Prometheus server (started by the demo, on a private port)
  asciidoctor lintian                   # the Debian package's man pages (./bgreboot package), its check (PackageIT)
)

bgreboot_install_host_packages() {
  local missing=()
  local status
  for p in "${bgreboot_host_packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "bgreboot: missing Debian packages: ${missing[*]}; run as root or install them with apt-get" >&2
    return 1
  fi
  echo "bgreboot: installing Debian packages: ${missing[*]}" >&2
  local log=/tmp/bgreboot-apt.log
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q \
         && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    echo "bgreboot: installing packages failed (full log: $log); check that the Debian mirror is reachable" >&2
    return 1
  fi
}
