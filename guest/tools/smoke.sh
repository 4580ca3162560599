#!/usr/bin/env bash
# Smoke test of a guest with plain QEMU (no Java), the device set bgreboot uses, printing timings:
#
#   guest/tools/smoke.sh GUEST CACHE_DIR
#
#   GUEST: demo; debian11, debian12, debian13 (the bench guest of Debian 11, 12, 13; debian is
#   debian12); debian12-plain (debian-plain), debian12-postgres (debian-postgres),
#   debian12-unattended
#
#  1. build (and the cached second build, which must print only the directory);
#  2. boot FG (v1, persistent disk, port forwards) to ready at each of SMOKE_MEMS; on the last one:
#     the service answers v1 on the v1 kernel, appends are acknowledged, the agent answers;
#  3. debian-plain only: no hooks; then `guest install` by hand, as bgreboot does it: push the
#     bgreboot-guest .deb through the agent, dpkg -i (no service restarted), bgreboot-setup,
#     fstab made noauto; dpkg -r leaves the guest as it was; installed again;
#  4. debian-postgres only: pgbench (guest/postgres/pgbench-append.sql) runs from here on,
#     restarted whenever it stops, until after the switch;
#  5. the update (the manifest's), FG keeps reporting v1; the clone: freeze, snapshot, thaw;
#     debian12-unattended updates itself instead: a local apt repository of its apt_updates
#     (local-apt-repo.sh) served on the host's loopback (10.0.2.2 to the guest), apt-get update,
#     unattended-upgrade; /run/reboot-required(.pkgs), the installed kernels, the old one kept;
#  6. BG boots the clone (v2) without the persistent disk while FG keeps acknowledging appends;
#     ready (serial line, agent, systemd running, bgreboot-ready); BG refuses appends (503);
#  7. the switch under a concurrent writer: release in FG, kill FG, hot-plug into BG, attach in
#     BG, port forwards to BG; every acknowledged number is in the ledger; debian-postgres:
#     every transaction pgbench logged as committed is in the table;
#  8. guests that boot from their disk: a graceful reboot through the agent and a kexec reboot,
#     each with a 10 ms prober's downtime (SMOKE_REBOOTS=1; the default for debian);
#  9. guest-shutdown: QEMU exits, the persistent disk is clean (e2fsck -fn);
# 10. direct-kernel guests (demo): bgreboot.panic=1 makes QEMU report GUEST_PANICKED.
# Leaves no QEMU running (at most two at a time). Environment: SMOKE_PORT (host port of the
# service, default 16700; PostgreSQL on +1, the local apt repository on +2), SMOKE_MEMS (MiB, default demo "512", debian
# "128 2048 1024", others "1024"; the last goes on with the test), SMOKE_ACCEL (tcg,tb-size=128:
# see guest/debian/README.md), SMOKE_REBOOTS (0/1), SMOKE_RELEASE (debian-postgres: unmount or
# freeze, written with bgreboot-setup before the switch; default: the image's, unmount),
# SMOKE_KEEP=1 keeps the run directory.
set -euo pipefail
tools=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
guestdir=$(dirname "$tools")
guests="demo, debian11, debian12, debian13, debian12-plain, debian12-postgres, debian12-unattended (debian, debian-plain, debian-postgres: the debian12 ones)"
[ $# -eq 2 ] || { echo "usage: $0 GUEST CACHE_DIR; GUEST: $guests" >&2; exit 2; }
guest=$1
case $guest in
debian) guest=debian12 ;;
debian-plain | debian-postgres) guest=debian12-${guest#debian-} ;;
esac
case $guest in
demo) build=(bash "$guestdir/demo/build.sh" "$2"); mems=${SMOKE_MEMS:-512} ;;
debian11) build=(bash "$guestdir/debian/build.sh" "$2" bgreboot bullseye); mems=${SMOKE_MEMS:-256} ;;
debian12) build=(bash "$guestdir/debian/build.sh" "$2" bgreboot bookworm); mems=${SMOKE_MEMS:-128 2048 1024} ;;
debian13) build=(bash "$guestdir/debian/build.sh" "$2" bgreboot trixie); mems=${SMOKE_MEMS:-256} ;;
debian12-plain) build=(bash "$guestdir/debian/build.sh" "$2" plain); mems=${SMOKE_MEMS:-1024} ;;
debian12-postgres) build=(bash "$guestdir/debian/build.sh" "$2" postgres); mems=${SMOKE_MEMS:-1024} ;;
debian12-unattended) build=(bash "$guestdir/debian/build.sh" "$2" unattended); mems=${SMOKE_MEMS:-512} ;;
*) echo "$0: unknown guest '$guest' ($guests)" >&2; exit 2 ;;
esac
port=${SMOKE_PORT:-16700}
pgport=$((port + 1))
repoport=$((port + 2))
url=http://127.0.0.1:$port
accel=${SMOKE_ACCEL:-tcg,tb-size=128}
V="python3 -S $tools/vmctl.py"

now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
secs() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.2f", b - a }'; }
step() { echo "== $*"; }
ok() { echo "   ok: $*"; }
timings=()
timing() { timings+=("$1: $2"); echo "   time: $1: $2"; }
fail() {
	echo "FAIL: $*" >&2
	for f in "${run:-/nonexistent}"/*/serial.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
	exit 1
}

# ---- build (and the cached second run) -----------------------------------------------------------
t=$(now)
img=$("${build[@]}" | tail -n 1) || fail "build"
step "build: $(secs "$t") s -> $img"
t=$(now)
again=$("${build[@]}" 2>&1) || fail "second build"
[ "$again" = "$img" ] || fail "second build printed more than the directory: $again"
timing "build, unchanged inputs" "$(secs "$t") s"
img=$(readlink -f "$img")
eval "$(python3 - "$img/guest.json" <<'EOF'
import json, shlex, sys
m = json.load(open(sys.argv[1]))
v = m["versions"]
out = {
    "k1": v[0]["kernel_release"], "k2": v[-1]["kernel_release"],
    "kernel1": v[0].get("kernel") or "", "initrd1": v[0].get("initrd") or "",
    "kernel2": v[-1].get("kernel") or "", "initrd2": v[-1].get("initrd") or "",
    "cmdline": m.get("cmdline") or "", "disk_boot": "1" if m.get("boot") == "disk" else "0",
    "serial": m["persistent_serial"], "serial_ready": m.get("serial_ready") or "",
    "systemd": "1" if m.get("ready_systemd") else "0", "kexec": " ".join(m.get("kexec") or []),
    "update": " ".join(m["update"]), "has_pkg": "0" if m.get("guest_package_installed") is False else "1",
    "postgres": "1" if m.get("postgres") else "0",
    "apt_updates": " ".join(m.get("apt_updates") or []),
}
for k, val in out.items():
    print(f"m_{k}={shlex.quote(val)}")
EOF
)"
reboots=${SMOKE_REBOOTS:-$(case $guest in debian1[123]) echo 1 ;; *) echo 0 ;; esac)}
[ "$m_disk_boot" = 1 ] || reboots=0

for p in "$port" "$pgport" "$repoport"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then fail "port $p is in use (set SMOKE_PORT)"; fi
done
run=$(mktemp -d /tmp/bgreboot-smoke.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${SMOKE_KEEP:-0}" = 1 ]; then echo "smoke: run directory kept: $run" >&2; else rm -rf "$run"; fi
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# start_vm DIR MEM_MIB VERSION: QEMU on DIR/sys.qcow2 (made by the caller). $PERSIST=1 attaches the
# persistent disk, $FWD=1 forwards the ports, $APPEND adds to the kernel command line (direct
# kernel boot), $PAUSED=1 starts it stopped (-S).
start_vm() {
	local dir=$1 mem=$2 v=$3
	rm -f "$dir"/*.sock "$dir/serial.log"
	local args=(-accel "$accel" -machine q35 -m "$mem" -smp 1 -nodefaults -display none -no-user-config
		-qmp "unix:$dir/qmp.sock,server=on,wait=off"
		-chardev "socket,id=qga0,path=$dir/qga.sock,server=on,wait=off"
		-device virtio-serial-pci,id=vser0 -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0
		-chardev "file,id=ser0,path=$dir/serial.log" -serial chardev:ser0
		-blockdev "driver=file,filename=$dir/sys.qcow2,node-name=sys-file" -blockdev driver=qcow2,file=sys-file,node-name=sys0)
	if [ "$m_disk_boot" = 1 ]; then
		args+=(-device virtio-blk-pci,drive=sys0,serial=bgsystem,bootindex=0)
	else
		local k=m_kernel${v#v} i=m_initrd${v#v}
		args+=(-device virtio-blk-pci,drive=sys0,serial=bgsystem
			-kernel "$img/${!k}" -initrd "$img/${!i}" -append "$m_cmdline${APPEND:+ $APPEND}")
	fi
	args+=(-device pcie-root-port,id=rp1,chassis=1)
	if [ "${PERSIST:-0}" = 1 ]; then
		args+=(-blockdev "driver=file,filename=$run/persist.img,node-name=persist-file"
			-blockdev driver=raw,file=persist-file,node-name=persist
			-device "virtio-blk-pci,drive=persist,serial=$m_serial,bus=rp1,id=persist-dev")
	fi
	local fwd=""
	[ "${FWD:-0}" = 1 ] && fwd=",hostfwd=tcp:127.0.0.1:$port-:80,hostfwd=tcp:127.0.0.1:$pgport-:5432"
	args+=(-netdev "user,id=net0$fwd" -device virtio-net-pci,netdev=net0,mac=52:54:00:b6:00:01,romfile=
		-device pvpanic -device vmgenid,guid=auto)
	[ "${PAUSED:-0}" = 1 ] && args+=(-S)
	qemu-system-x86_64 "${args[@]}" >"$dir/qemu.log" 2>&1 &
	echo $! >"$dir/pid"
	pids+=("$!")
}
vm_pid() { cat "$1/pid"; }
stop_vm() { # DIR: QMP quit, wait for the process
	local p; p=$(vm_pid "$1")
	$V qmp "$1/qmp.sock" quit >/dev/null 2>&1 || kill "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}
wait_exit() { # DIR SECS
	local i pid; pid=$(vm_pid "$1")
	for ((i = 0; i < $2 * 100; i++)); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.01; done
	fail "QEMU of $1 still running after $2 s"
}
gexec() { $V exec "$1/qga.sock" "${@:2}"; } # DIR PROG ARGS...

# wait_ready DIR LABEL T0 HTTP(yes|no): times to the serial line, the service, the agent, systemd
# "running", and bgreboot-ready passing.
wait_ready() {
	local d=$1 label=$2 t0=$3 http=$4 ws="" state
	export VMCTL_PID; VMCTL_PID=$(vm_pid "$d")
	if [ -n "$m_serial_ready" ] && [ "$m_has_pkg" = 1 ]; then
		( $V wait-serial "$d/serial.log" "$m_serial_ready" 600 >/dev/null && now >"$d/t_serial" ) &
		ws=$!
	fi
	if [ "$http" = yes ]; then
		$V wait-http "$url/" 600 >/dev/null || fail "$label: the service did not answer"
		timing "$label boot to service answering" "$(secs "$t0") s"
	fi
	$V wait-agent "$d/qga.sock" 600 || fail "$label: the agent did not answer"
	if [ "$m_systemd" = 1 ]; then
		state=$(gexec "$d" --timeout 600 systemctl is-system-running --wait || true)
		[ "$state" = running ] || { gexec "$d" systemctl --failed >&2 || true; fail "$label: systemd is '$state', not running"; }
		timing "$label boot to systemd running" "$(secs "$t0") s"
	fi
	if [ -n "$ws" ]; then
		wait "$ws" || fail "$label: no '$m_serial_ready' on the serial console"
		timing "$label boot to '$m_serial_ready'" "$(secs "$t0" "$(cat "$d/t_serial")") s"
	fi
	if [ "$m_has_pkg" = 1 ]; then
		gexec "$d" /usr/sbin/bgreboot-ready || fail "$label: bgreboot-ready failed"
	fi
	unset VMCTL_PID
}
append() { curl -sf -m 5 -X POST "$url/append"; }

# ---- FG: boot, service, agent --------------------------------------------------------------------------
fg=$run/fg bg=$run/bg
mkdir -p "$fg" "$bg"
cp --sparse=always "$img/persist.img" "$run/persist.img"
for mem in $mems; do
	step "FG: boot v1 with the persistent disk, ${mem} MiB"
	qemu-img create -q -f qcow2 -F qcow2 -b "$img/system.qcow2" "$fg/sys.qcow2"
	t=$(now)
	PERSIST=1 FWD=1 start_vm "$fg" "$mem" v1
	wait_ready "$fg" "FG ${mem}M" "$t" yes
	[ "$mem" = "${mems##* }" ] || stop_vm "$fg"
done

body=$(curl -sf -m 5 "$url/") || fail "GET /"
echo "   GET / -> $body"
case $body in *'"version":"v1"'*"\"kernel\":\"$m_k1\""*) ok "v1 on kernel $m_k1" ;; *) fail "unexpected GET /" ;; esac
for i in 1 2 3 4 5; do append >/dev/null || fail "append $i"; done
r=$(append)
[ "$r" = '{"seq":6}' ] || fail "6th append answered $r"
[ "$(curl -sf -m 5 "$url/ledger" | wc -l)" = 6 ] || fail "ledger does not have 6 lines"
ok "appends 1..6 acknowledged, ledger has 6 lines"
t=$(now)
$V qga "$fg/qga.sock" guest-ping >/dev/null
ok "guest-ping: $(ms "$t") ms"
t=$(now)
out=$(gexec "$fg" uname -r)
[ "$out" = "$m_k1" ] || fail "guest-exec uname -r said $out"
ok "guest-exec uname -r -> $out: $(ms "$t") ms"

# ---- debian-plain: install the guest package by hand, as `bgreboot guest install` does --------------------
if [ "$m_has_pkg" = 0 ]; then
	step "plain guest: no hooks; install the guest package through the agent; remove it; install again"
	gexec "$fg" sh -c '! test -e /usr/sbin/bgreboot-release' || fail "the plain guest has a release hook"
	ok "no /usr/sbin/bgreboot-release: not ready for a background reboot"
	# what must not change: the service's process (no restart), and what removal must restore
	# (guest.conf is configuration: dpkg -r keeps it, as with any Debian package; dpkg -P removes it)
	state() {
		gexec "$fg" sh -c 'systemctl list-unit-files --state=enabled --no-legend | sort; ls -A /etc/udev/rules.d 2>&1
			ls -AR /etc/bgreboot | grep -vx guest.conf; ls -d /run/bgreboot 2>&1; md5sum /etc/fstab'
	}
	before=$(state)
	svc_pid=$(gexec "$fg" systemctl show -p MainPID --value bgreboot-svc.service)
	deb=$(ls "$2/packages"/bgreboot-guest_*_amd64.deb)
	t=$(now)
	$V push "$fg/qga.sock" "$deb" /tmp/bgreboot-guest.deb
	timing "push the guest package ($(stat -c %s "$deb") bytes) through the agent" "$(secs "$t") s"
	t=$(now)
	gexec "$fg" --timeout 300 dpkg -i /tmp/bgreboot-guest.deb >"$run/dpkg-i.log" 2>&1 || { cat "$run/dpkg-i.log" >&2; fail "dpkg -i"; }
	timing "dpkg -i bgreboot-guest" "$(secs "$t") s"
	gexec "$fg" /usr/sbin/bgreboot-setup --serial "$m_serial" --mount /home || fail "bgreboot-setup"
	[ "$(gexec "$fg" systemctl show -p MainPID --value bgreboot-svc.service)" = "$svc_pid" ] || fail "installing restarted bgreboot-svc"
	gexec "$fg" systemctl is-enabled bgreboot-boot.service >/dev/null || fail "bgreboot-boot.service is not enabled"
	ok "installed: hooks present, bgreboot-boot.service enabled for the next boot, bgreboot-svc not restarted (pid $svc_pid)"
	gexec "$fg" dpkg -r bgreboot-guest >"$run/dpkg-r.log" 2>&1 || { cat "$run/dpkg-r.log" >&2; fail "dpkg -r"; }
	after=$(state)
	[ "$after" = "$before" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "dpkg -r did not leave the guest as it was"; }
	[ "$(gexec "$fg" systemctl show -p MainPID --value bgreboot-svc.service)" = "$svc_pid" ] || fail "removing restarted bgreboot-svc"
	ok "dpkg -r bgreboot-guest: enabled units, /etc/udev/rules.d, /etc/bgreboot (but guest.conf), /run/bgreboot and fstab as before"
	gexec "$fg" dpkg -P bgreboot-guest >/dev/null 2>&1 || fail "dpkg -P"
	gexec "$fg" sh -c '! test -e /etc/bgreboot/guest.conf' || fail "dpkg -P left /etc/bgreboot/guest.conf"
	ok "dpkg -P bgreboot-guest: guest.conf gone too"
	gexec "$fg" --timeout 300 dpkg -i /tmp/bgreboot-guest.deb >"$run/dpkg-i.log" 2>&1 || { cat "$run/dpkg-i.log" >&2; fail "dpkg -i again"; }
	gexec "$fg" /usr/sbin/bgreboot-setup --serial "$m_serial" --mount /home >/dev/null || fail "bgreboot-setup"
	# bgreboot's part of `guest install`: the persistent disk's fstab line gets noauto, so that BG's
	# boot does not wait 90 s for the disk before it is "running" (bgreboot-boot mounts it)
	gexec "$fg" sed -i -E '/virtio-'"$m_serial"' /s/(\S+\s+\S+\s+\S+\s+)(\S+)/\1\2,noauto/' /etc/fstab
	gexec "$fg" grep "virtio-$m_serial" /etc/fstab | grep -q noauto || fail "fstab edit"
	m_has_pkg=1
	gexec "$fg" /usr/sbin/bgreboot-ready || fail "bgreboot-ready after the install"
	ok "installed again; fstab line: $(gexec "$fg" grep "virtio-$m_serial" /etc/fstab)"
fi

# ---- debian-postgres: pgbench from here until after the switch -----------------------------------------
pg_stop=$run/pgbench.stop
if [ "$m_postgres" = 1 ]; then
	step "postgres: pgbench (guest/postgres/pgbench-append.sql), restarted whenever it stops"
	command -v pgbench >/dev/null || fail "no pgbench on the host (Debian package postgresql-client)"
	export PGCONNECT_TIMEOUT=2
	psql -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -v ON_ERROR_STOP=1 -f "$guestdir/postgres/pgbench-init.sql" || fail "pgbench-init.sql"
	mkdir -p "$run/pgbench"
	# one pgbench run after another (a run ends after 20 s, or when its connections die) until
	# $pg_stop exists; each run has its own number, so (run, client, seq) keys every transaction
	(
		n=0
		while [ ! -e "$pg_stop" ]; do
			n=$((n + 1))
			(cd "$run/pgbench" && exec pgbench -h 127.0.0.1 -p "$pgport" -U postgres -n -c 2 -j 1 -T 20 \
				-f "$guestdir/postgres/pgbench-append.sql" -D run="$n" -D seq=0 \
				--log --log-prefix="run$n" postgres >"run$n.out" 2>&1) || sleep 0.02
		done
	) &
	pgloop=$!
	pids+=("$pgloop")
	sleep 3
	r=$(psql -At -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c 'SELECT count(*) FROM bgreboot_pgbench') || fail "psql"
	[ "$r" -gt 0 ] || fail "pgbench committed nothing"
	ok "pgbench is committing ($r rows after 3 s)"
	if [ -n "${SMOKE_RELEASE:-}" ]; then
		gexec "$fg" /usr/sbin/bgreboot-setup --release "$SMOKE_RELEASE" || fail "bgreboot-setup --release"
	fi
fi

# ---- update, then clone the system disk (what bgreboot's CLONE does) ---------------------------------------
v_after=v2
if [ -n "$m_apt_updates" ]; then
	# A guest that updates itself: Debian's unattended-upgrades installs the newer kernel from a
	# local repository (the manifest's apt_updates), served on the host's loopback, which user
	# networking shows the guest as 10.0.2.2. bgreboot's version stays v1; the kernel changes.
	step "FG: updates itself: unattended-upgrade from a local apt repository at 10.0.2.2:$repoport; freeze, snapshot, thaw"
	v_after=v1
	# shellcheck disable=SC2086
	bash "$tools/local-apt-repo.sh" "$run/repo" $(for d in $m_apt_updates; do echo "$img/$d"; done) >/dev/null || fail "local-apt-repo.sh"
	python3 -u -m http.server "$repoport" --bind 127.0.0.1 --directory "$run/repo" >"$run/repo.log" 2>&1 &
	pids+=("$!")
	for ((i = 0; i < 500; i++)); do curl -sf -o /dev/null "http://127.0.0.1:$repoport/Release" && break; sleep 0.02; done
	gexec "$fg" sh -c "echo 'deb [trusted=yes] http://10.0.2.2:$repoport/ ./' > /etc/apt/sources.list.d/bgreboot-local.list" || fail "sources"
	gexec "$fg" sh -c '! test -e /run/reboot-required' || fail "/run/reboot-required before any update"
	t=$(now)
	gexec "$fg" --timeout 300 apt-get -q update >"$run/apt-update.log" 2>&1 || { cat "$run/apt-update.log" >&2; fail "apt-get update"; }
	timing "apt-get update (the local repository only)" "$(secs "$t") s"
	t=$(now)
	gexec "$fg" --timeout 1800 unattended-upgrade -v >"$run/unattended-upgrade.log" 2>&1 || { cat "$run/unattended-upgrade.log" >&2; fail "unattended-upgrade"; }
	timing "unattended-upgrade (installs the newer kernel)" "$(secs "$t") s"
	sed 's/^/   | /' "$run/unattended-upgrade.log" | grep -E 'Packages that will be upgraded|All upgrades installed|Allowed origins' || true
	gexec "$fg" test -e /run/reboot-required || fail "no /run/reboot-required after unattended-upgrade"
	pkgs=$(gexec "$fg" cat /run/reboot-required.pkgs) || fail "no /run/reboot-required.pkgs"
	echo "   /run/reboot-required: $(gexec "$fg" stat -c '%s bytes' /run/reboot-required); .pkgs: $(echo "$pkgs" | tr '\n' ' ')"
	grep -qx "linux-image-$m_k2" <<<"$pkgs" || fail "/run/reboot-required.pkgs does not name linux-image-$m_k2"
	ok "the kernel hook wrote /run/reboot-required and named linux-image-$m_k2 in .pkgs"
	kernels=$(gexec "$fg" linux-version list | sort -V | tr '\n' ' ')
	newest=$(gexec "$fg" sh -c 'linux-version list | linux-version sort --reverse | head -n 1')
	[ "$newest" = "$m_k2" ] || fail "the newest installed kernel is $newest, not $m_k2"
	[ "$(gexec "$fg" readlink /vmlinuz)" = "boot/vmlinuz-$m_k2" ] || fail "/vmlinuz (what GRUB boots) is not $m_k2"
	gexec "$fg" dpkg-query -W -f '${db:Status-Status}' "linux-image-$m_k1" | grep -qx installed || fail "the old kernel is no longer installed"
	ok "installed kernels: $kernels; newest (linux-version sort) and /vmlinuz (GRUB's default entry): $m_k2; $m_k1 still installed; running: $(gexec "$fg" uname -r)"
else
	step "FG: update to v2 ($m_update), freeze, snapshot, thaw"
	t=$(now)
	# shellcheck disable=SC2086
	gexec "$fg" --timeout 900 $m_update >"$run/update.log" 2>&1 || { cat "$run/update.log" >&2; fail "update"; }
	timing "update ($m_update)" "$(secs "$t") s"
fi
curl -sf -m 5 "$url/" | grep -q '"version":"v1"' || fail "FG must keep reporting v1 until it reboots"
c=$($V clone "$fg" "$fg/sys-after-clone.qcow2") || fail "clone"
[ "$($V qga "$fg/qga.sock" guest-fsfreeze-status)" = '"thawed"' ] || fail "not thawed"
ok "freeze, snapshot, thaw: $c"
append >/dev/null || fail "append after thaw"
ok "FG still appends after the thaw"

# ---- BG: the clone boots v2 without the persistent disk --------------------------------------------------------
step "BG: boot v2 on the clone, without the persistent disk (FG keeps serving)"
qemu-img create -q -f qcow2 -F qcow2 -b "$fg/sys.qcow2" "$bg/sys.qcow2"
t=$(now)
start_vm "$bg" "${mems##* }" v2
acked=0
(while :; do append >/dev/null && echo; sleep 0.05; done) >"$run/fg-appends.log" 2>/dev/null &
fgwriter=$!
pids+=("$fgwriter")
wait_ready "$bg" "BG" "$t" no
kill "$fgwriter"; wait "$fgwriter" 2>/dev/null || true
ok "FG acknowledged $(wc -l <"$run/fg-appends.log") appends while BG booted"
out=$(gexec "$bg" uname -r)
[ "$out" = "$m_k2" ] || fail "BG runs $out, not $m_k2"
ok "BG runs $m_k2"
r=$(gexec "$bg" /bin/busybox wget -q -O- --post-data= http://127.0.0.1/append 2>&1 || true)
case $r in *503*) ok "BG refuses appends without the disk (503)" ;; *) fail "BG append: $r" ;; esac

# ---- the switch ------------------------------------------------------------------------------------------------------
step "switch: release in FG, kill FG, hot-plug into BG, attach in BG, forwards to BG"
# A writer keeps appending through the switch; every number it got acknowledged must survive.
(while :; do r=$(curl -s -m 2 -X POST "$url/append") && case $r in *seq*) echo "$r" ;; esac; sleep 0.005; done) >"$run/acked.log" 2>/dev/null &
writer=$!
pids+=("$writer")
sleep 0.5
fwds="$port:80"
[ "$m_postgres" = 1 ] && fwds="$fwds,$pgport:5432"
sw=$($V switch "$fg" "$bg" "$run/persist.img" "$m_serial" "$fwds") || fail "switch"
ok "switch: $sw"
for k in release_ms kill_fg_ms hotplug_qmp_ms attach_ms attach_in_guest_ms total_ms; do
	timing "switch $k" "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$sw" "$k") ms"
done
sleep 0.5
kill "$writer"; wait "$writer" 2>/dev/null || true
acked=$(sed 's/[^0-9]//g' "$run/acked.log" | sort -n | tail -1)
body=$(curl -sf -m 5 "$url/") || fail "GET / after the switch"
echo "   GET / -> $body"
case $body in *"\"version\":\"$v_after\""*"\"kernel\":\"$m_k2\""*) ok "the VM now runs $v_after on $m_k2" ;; *) fail "unexpected GET / after the switch" ;; esac
# Every acknowledged number is there, in order, without gaps; the ledger may hold a few more
# (written and synced, but the writer was stopped before it read the answer).
ledger=$(curl -sf -m 5 "$url/ledger")
last=$(echo "$ledger" | tail -n 1)
[ "$ledger" = "$(seq 1 "$last")" ] || fail "ledger after the switch is not 1..N: $(echo "$ledger" | tail -3 | tr '\n' ' ')"
[ "$last" -ge "$acked" ] || fail "acknowledged appends lost: ledger ends at $last, $acked was acknowledged"
ok "ledger intact: 1..$last (every acknowledged number, up to $acked, is there)"
r=$(append)
[ "$r" = "{\"seq\":$((last + 1))}" ] || fail "append after the switch answered $r"
ok "appends continue: $r"
if [ "$m_postgres" = 1 ]; then
	# let pgbench reconnect to the new VM and commit there, then stop it and check
	sleep 6
	touch "$pg_stop"
	wait "$pgloop" 2>/dev/null || true
	python3 "$guestdir/postgres/pgbench-check.py" --host 127.0.0.1 --port "$pgport" "$run/pgbench" >"$run/pgcheck.json" \
		|| { cat "$run/pgcheck.json" >&2; fail "pgbench-check: committed transactions lost"; }
	ok "pgbench: $(cat "$run/pgcheck.json")"
	timing "postgres: longest gap between commits (release=$(gexec "$bg" sh -c '. /usr/lib/bgreboot/conf.sh; echo $RELEASE'))" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["longest_gap_s"])' "$run/pgcheck.json") s"
fi

# ---- graceful reboot and kexec reboot of the new VM (baselines) ---------------------------------------------
if [ "$reboots" = 1 ]; then
	step "BG: graceful reboot through the agent"
	rm -f "$run/armed"
	( DOWNTIME_ARMED="$run/armed" VMCTL_PID=$(vm_pid "$bg") $V downtime "$url/" 600 version=$v_after >"$run/reboot.json" ) &
	probe=$!
	until [ -e "$run/armed" ]; do kill -0 "$probe" 2>/dev/null || fail "prober"; sleep 0.05; done
	$V qga-noreply "$bg/qga.sock" guest-shutdown '{"mode":"reboot"}'
	wait "$probe" || fail "no v2 answer after the reboot: $(cat "$run/reboot.json")"
	grep -q "\"kernel\": \"$m_k2\"" "$run/reboot.json" || fail "after the reboot the kernel is not $m_k2"
	timing "graceful reboot downtime (guest-shutdown reboot -> v2 answers)" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["downtime_s"])' "$run/reboot.json") s"
	$V wait-agent "$bg/qga.sock" 300 || fail "agent after reboot"
	[ "$(gexec "$bg" --timeout 300 systemctl is-system-running --wait || true)" = running ] || fail "not running after the reboot"
	[ "$(curl -sf -m 5 "$url/ledger" | tail -n 1)" -ge "$last" ] || fail "ledger lost entries across the reboot"
	append >/dev/null || fail "append after the reboot"
	if [ -n "$m_kexec" ]; then
		step "BG: kexec reboot"
		boot_id=$(curl -sf -m 5 "$url/" | python3 -c 'import json,sys; print(json.load(sys.stdin)["boot_id"])')
		rm -f "$run/armed"
		( DOWNTIME_ARMED="$run/armed" VMCTL_PID=$(vm_pid "$bg") $V downtime "$url/" 600 "boot_id!=$boot_id" >"$run/kexec.json" ) &
		probe=$!
		until [ -e "$run/armed" ]; do kill -0 "$probe" 2>/dev/null || fail "prober"; sleep 0.05; done
		$V qga "$bg/qga.sock" guest-exec "{\"path\":\"${m_kexec%% *}\"}" >/dev/null
		wait "$probe" || fail "no answer after kexec: $(cat "$run/kexec.json")"
		grep -q "\"kernel\": \"$m_k2\"" "$run/kexec.json" || fail "after kexec the kernel is not $m_k2"
		timing "kexec reboot downtime (bgreboot-kexec -> new boot answers)" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["downtime_s"])' "$run/kexec.json") s"
		$V wait-agent "$bg/qga.sock" 300 || fail "agent after kexec"
		[ "$(gexec "$bg" --timeout 300 systemctl is-system-running --wait || true)" = running ] || fail "not running after kexec"
		append >/dev/null || fail "append after kexec"
	fi
fi

# ---- clean shutdown through the agent ----------------------------------------------------------------------------
step "BG: guest-shutdown (powerdown)"
t=$(now)
$V qga-noreply "$bg/qga.sock" guest-shutdown '{"mode":"powerdown"}'
wait_exit "$bg" 120
ok "QEMU exited $(ms "$t") ms after guest-shutdown"
e2fsck -fn "$run/persist.img" >"$run/fsck.log" 2>&1 || { cat "$run/fsck.log" >&2; fail "persistent disk not clean"; }
ok "persistent disk is clean (e2fsck -fn)"

# ---- a kernel that panics ----------------------------------------------------------------------------------------------
if [ "$m_disk_boot" = 0 ]; then
	step "panic: bgreboot.panic=1 must make QEMU emit GUEST_PANICKED"
	pn=$run/panic
	mkdir -p "$pn"
	qemu-img create -q -f qcow2 -F qcow2 -b "$img/system.qcow2" "$pn/sys.qcow2"
	t=$(now)
	APPEND=bgreboot.panic=1 PAUSED=1 start_vm "$pn" "${mems##* }" v2
	for ((i = 0; i < 500; i++)); do [ -S "$pn/qmp.sock" ] && break; sleep 0.01; done
	ev=$($V qmp-cont-wait "$pn/qmp.sock" GUEST_PANICKED 60) || fail "no GUEST_PANICKED"
	ok "GUEST_PANICKED $(ms "$t") ms after start: $ev"
	stop_vm "$pn"
fi

for p in "${pids[@]}"; do
	if kill -0 "$p" 2>/dev/null && grep -q qemu "/proc/$p/cmdline" 2>/dev/null; then fail "QEMU $p still running"; fi
done
echo "smoke ($guest): all passed"
printf '  %s\n' "${timings[@]}"
