#!/usr/bin/env bash
# What `bgreboot guest install --keep-state` is to do, from the shell, for a running VM that
# bgreboot started (its agent socket free: no reboot running): read the guest's dpkg status,
# resolve and push criu, nftables, what they need and bgreboot-keep (guest/keep/bundle.sh), install
# them with apt from the pushed files alone (one dpkg -i of them all fails on python3's
# pre-dependencies). With --postgres also the debian-postgres guest's keep.d entry and server
# setting (guest/keep/examples), then `bgreboot-keep setup --restart postgresql`.
#   guest/tools/keep-install.sh VM [--postgres]
# Needs BGREBOOT_HOME (the VM's state) and BGREBOOT_CACHE like bgreboot.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,9s/^# \{0,1\}//p' "$0" >&2; exit 2; }
vm=$1
repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
bg=${BGREBOOT:-$repo/bgreboot}
home=${BGREBOOT_HOME:-/var/lib/bgreboot}
cache=${BGREBOOT_CACHE:-/var/cache/bgreboot}/guests
gen=$(readlink "$home/vms/$vm/run/current" 2> /dev/null || ls -1 "$home/vms/$vm/run" | grep '^g[0-9]*$' | sort -V | tail -n 1)
qga=$home/vms/$vm/run/${gen##*/}/qga.sock
[ -S "$qga" ] || { echo "keep-install: no agent socket for $vm ($qga): is it running?" >&2; exit 1; }
gx() { "$bg" vm exec "$vm" -- "$@"; }
push() { python3 "$repo/guest/tools/vmctl.py" push "$qga" "$1" "$2"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

t0=$(date +%s.%N)
gx cat /var/lib/dpkg/status > "$tmp/status"
mapfile -t debs < <(bash "$repo/guest/keep/bundle.sh" "$cache" "$tmp/status" 2> "$tmp/bundle.log" | grep '\.deb$')
[ ${#debs[@]} -gt 0 ] || { cat "$tmp/bundle.log" >&2; exit 1; }
gx sh -c 'rm -rf /var/tmp/bgreboot-keep && mkdir -p /var/tmp/bgreboot-keep'
for d in "${debs[@]}"; do push "$d" "/var/tmp/bgreboot-keep/${d##*/}"; done
t1=$(date +%s.%N)
# apt takes longer than one agent call waits: run as a transient unit, polled
gx systemd-run --unit bgreboot-keep-install --collect sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q /var/tmp/bgreboot-keep/*.deb > /var/tmp/bgreboot-keep/apt.log 2>&1 < /dev/null; echo $? > /var/tmp/bgreboot-keep/apt.rc' > /dev/null 2>&1
until gx test -e /var/tmp/bgreboot-keep/apt.rc 2> /dev/null; do sleep 5; done
rc=$(gx cat /var/tmp/bgreboot-keep/apt.rc)
[ "$rc" = 0 ] || { gx tail -n 20 /var/tmp/bgreboot-keep/apt.log >&2; exit 1; }
gx rm -rf /var/tmp/bgreboot-keep
t2=$(date +%s.%N)
if [ "${2:-}" = --postgres ]; then
	push "$repo/guest/keep/examples/postgresql" /etc/bgreboot/keep.d/postgresql
	push "$repo/guest/keep/examples/postgresql-conf.d-bgreboot-keep.conf" /etc/postgresql/15/main/conf.d/bgreboot-keep.conf
	gx chmod 644 /etc/bgreboot/keep.d/postgresql /etc/postgresql/15/main/conf.d/bgreboot-keep.conf
	gx /usr/sbin/bgreboot-keep setup --restart postgresql
fi
echo "keep-install: ${#debs[@]} packages pushed in $(echo "$t1 - $t0" | bc) s, installed in $(echo "$t2 - $t1" | bc) s; criu $(gx criu --version | head -n 1)" >&2
gx criu check --all
