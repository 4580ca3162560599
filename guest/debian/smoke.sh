#!/usr/bin/env bash
# Smoke test of the Debian guest with plain QEMU (TCG), printing timings:
#   guest/debian/smoke.sh CACHE_DIR
# 1. boot to ready (serial line, service over the forwarded port, systemd "running") at
#    128 MiB, 2 GiB and 1 GiB;
# 2. on the 1 GiB VM: the service answers v1 on the old kernel, appends work;
#    `bgreboot-update v2` through the agent (timed); a graceful reboot through the agent
#    (guest-shutdown mode=reboot) comes back on the new kernel reporting v2 (downtime seen
#    by a 10 ms prober on the forwarded port); bgreboot-kexec (downtime likewise);
# 3. a second VM booted WITHOUT the persistent disk; the first runs its release hook and
#    quits; the disk is hot-plugged into the second (blockdev-add + device_add on the spare
#    root port) and its attach hook mounts it (timed); the ledger is all there.
# Leaves no QEMU running. Environment: SMOKE_PORT (default 18481; +1 for the second VM),
# SMOKE_MEMS (default "128 2048 1024"; the last one goes on with the rest of the test),
# SMOKE_ACCEL (default tcg,tb-size=128; see below).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }

V="python3 $here/vmctl.py"
port=${SMOKE_PORT:-18481}
port2=$((port + 1))
mems=${SMOKE_MEMS:-128 2048 1024}
# QEMU 7.2's TCG, with its default 1 GiB translation cache, crawls for many minutes after a
# guest reset that follows a heavy workload (the kernel update: over a million stale
# translated blocks are invalidated one page at a time while GRUB and the kernel load). A
# smaller cache avoids it. SMOKE_ACCEL=tcg reproduces the default.
accel=${SMOKE_ACCEL:-tcg,tb-size=128}

t=$(date +%s.%N)
dir=$("$here/build.sh" "$1" | tail -n 1)
build_s=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')
manifest="$dir/guest.json"
v1k=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["versions"][0]["kernel_release"])' "$manifest")
v2k=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["versions"][1]["kernel_release"])' "$manifest")

run=$(mktemp -d /tmp/bgreboot-debian-smoke.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$run"
}
trap cleanup EXIT
trap "exit 143" INT TERM

say() { echo "smoke: $*" >&2; }
fail() { echo "smoke: FAIL: $*" >&2; for f in "$run"/*/serial.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN{printf "%.2f", b-a}'; }
timings=()
timing() { timings+=("$1: $2"); say "TIME $1: $2"; }

# start_vm NAME MEM_MIB PORT WITH_PERSIST(yes|no): fresh overlay of the system disk.
start_vm() {
  local name=$1 mem=$2 hport=$3 persist=$4 d="$run/$1"
  mkdir -p "$d"
  rm -f "$d"/*.sock "$d/serial.log"
  qemu-img create -q -f qcow2 -F qcow2 -b "$dir/system.qcow2" "$d/overlay.qcow2"
  local pargs=()
  if [ "$persist" = yes ]; then
    pargs=(-blockdev "driver=file,filename=$run/persist.img,node-name=persist-file"
           -blockdev driver=raw,file=persist-file,node-name=persist
           -device virtio-blk-pci,drive=persist,serial=bgpersist,bus=rp1,id=persist-dev)
  fi
  qemu-system-x86_64 -accel "$accel" -machine q35 -m "$mem" -smp 1 -nodefaults -display none -no-user-config \
    -qmp "unix:$d/qmp.sock,server=on,wait=off" \
    -chardev "socket,id=qga0,path=$d/qga.sock,server=on,wait=off" \
    -device virtio-serial-pci,id=vser0 -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0 \
    -chardev "file,id=ser0,path=$d/serial.log" -serial chardev:ser0 \
    -blockdev "driver=file,filename=$d/overlay.qcow2,node-name=sys-file" \
    -blockdev driver=qcow2,file=sys-file,node-name=sys0 \
    -device virtio-blk-pci,drive=sys0,serial=bgsystem,bootindex=0 \
    -device pcie-root-port,id=rp1,chassis=1 \
    "${pargs[@]}" \
    -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$hport-:80" \
    -device virtio-net-pci,netdev=net0,mac=52:54:00:b6:00:02,romfile= \
    -device pvpanic -device vmgenid,guid=auto >"$d/qemu.log" 2>&1 &
  echo $! >"$d/pid"
  pids+=($!)
}
vm_pid() { cat "$run/$1/pid"; }
stop_vm() { # NAME: QMP quit, wait for the process
  local p; p=$(vm_pid "$1")
  unset VMCTL_PID
  $V qmp "$run/$1/qmp.sock" quit >/dev/null 2>&1 || kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# wait_ready NAME PORT T0 LABEL: times to the serial line, the service, systemd "running".
wait_ready() {
  local name=$1 hport=$2 t0=$3 label=$4 d="$run/$1"
  export VMCTL_PID; VMCTL_PID=$(vm_pid "$name")
  ( $V wait-serial "$d/serial.log" "bgreboot-guest: service up" 300 >/dev/null && now >"$d/t_serial" ) &
  local ws=$!
  if [ "$hport" != none ]; then
    $V wait-http "http://127.0.0.1:$hport/" 300 >/dev/null || fail "$label: service did not answer"
    local t_http; t_http=$(now)
  fi
  $V wait-agent "$d/qga.sock" 300 || fail "$label: agent did not answer"
  local state
  state=$($V exec "$d/qga.sock" --timeout 300 systemctl is-system-running --wait || true)
  local t_sys; t_sys=$(now)
  wait "$ws" || fail "$label: no service line on the serial console"
  [ "$state" = running ] || { $V exec "$d/qga.sock" systemctl --failed >&2 || true; fail "$label: systemd is '$state', not running"; }
  [ "$hport" != none ] && timing "$label boot to service answering" "$(elapsed "$t0" "$t_http") s"
  timing "$label boot to serial line" "$(elapsed "$t0" "$(cat "$d/t_serial")") s"
  timing "$label boot to systemd running" "$(elapsed "$t0" "$t_sys") s"
}

cp "$dir/persist.img" "$run/persist.img"
say "guest: $dir (build/cache check: $build_s s); v1 kernel $v1k, v2 kernel $v2k; -accel $accel"
timing "build.sh (this run)" "$build_s s"
timing "system.qcow2 size" "$(du -m "$dir/system.qcow2" | cut -f1) MiB (virtual $(qemu-img info --output=json "$dir/system.qcow2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"] >> 20)') MiB)"

# --- 1. boot to ready at several memory sizes ----------------------------------------------
for mem in $mems; do
  say "booting at ${mem} MiB"
  t0=$(now); start_vm a "$mem" "$port" yes
  wait_ready a "$port" "$t0" "${mem}M"
  [ "$mem" = "${mems##* }" ] || stop_vm a
done

# --- 2. v1, appends, update, reboot, kexec --------------------------------------------------
A="$run/a"; url="http://127.0.0.1:$port"
ans=$($V get "$url/")
say "answer: $ans"
echo "$ans" | grep -q '"version":"v1"' || fail "expected v1: $ans"
echo "$ans" | grep -q "\"kernel\":\"$v1k\"" || fail "expected kernel $v1k: $ans"
for i in 1 2 3; do $V post "$url/append" >/dev/null || fail "append $i"; done
$V exec "$A/qga.sock" findmnt -n /home >&2 || fail "/home is not mounted"

say "bgreboot-update v2 (installs the staged kernel)"
t=$(now)
$V exec "$A/qga.sock" --timeout 900 /usr/sbin/bgreboot-update v2 >"$run/update.log" 2>&1 \
  || { cat "$run/update.log" >&2; fail "bgreboot-update v2"; }
timing "bgreboot-update v2 (dpkg -i kernel + initramfs)" "$(elapsed "$t") s"
tail -n 3 "$run/update.log" >&2
$V exec "$A/qga.sock" sh -c 'readlink /vmlinuz /vmlinuz.old /initrd.img' >&2
$V exec "$A/qga.sock" readlink /vmlinuz | grep -q "$v2k" || fail "/vmlinuz does not point at $v2k"
$V get "$url/" | grep -q '"version":"v1"' || fail "the running OS should still report v1"

say "graceful reboot through the agent"
rm -f "$run/armed"
( DOWNTIME_ARMED="$run/armed" $V downtime "$url/" 600 version=v2 >"$run/reboot.json" ) &
probe=$!
until [ -e "$run/armed" ]; do kill -0 "$probe" 2>/dev/null || fail "prober"; sleep 0.05; done
$V qga-noreply "$A/qga.sock" guest-shutdown '{"mode":"reboot"}'
wait "$probe" || fail "no v2 answer after the reboot: $(cat "$run/reboot.json")"
say "reboot: $(cat "$run/reboot.json")"
grep -q "\"kernel\": \"$v2k\"" "$run/reboot.json" || fail "after the reboot the kernel is not $v2k"
timing "graceful reboot downtime (agent guest-shutdown reboot -> v2 answers)" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["downtime_s"])' "$run/reboot.json") s"
$V wait-agent "$A/qga.sock" 120 || fail "agent after reboot"
[ "$($V exec "$A/qga.sock" --timeout 300 systemctl is-system-running --wait || true)" = running ] || fail "not running after reboot"
[ "$($V get "$url/ledger" | wc -l)" -ge 3 ] || fail "ledger lost entries across the reboot"
$V post "$url/append" >/dev/null || fail "append after reboot"

say "kexec reboot"
boot_id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["boot_id"])' "$($V get "$url/")")
rm -f "$run/armed"
( DOWNTIME_ARMED="$run/armed" $V downtime "$url/" 600 "boot_id!=$boot_id" >"$run/kexec.json" ) &
probe=$!
until [ -e "$run/armed" ]; do kill -0 "$probe" 2>/dev/null || fail "prober"; sleep 0.05; done
$V qga "$A/qga.sock" guest-exec '{"path":"/usr/sbin/bgreboot-kexec"}' >/dev/null
wait "$probe" || fail "no answer after kexec: $(cat "$run/kexec.json")"
say "kexec: $(cat "$run/kexec.json")"
grep -q "\"kernel\": \"$v2k\"" "$run/kexec.json" || fail "after kexec the kernel is not $v2k"
grep -q '"version": "v2"' "$run/kexec.json" || fail "after kexec the version is not v2"
timing "kexec reboot downtime (bgreboot-kexec -> new boot answers)" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["downtime_s"])' "$run/kexec.json") s"
$V wait-agent "$A/qga.sock" 120 || fail "agent after kexec"
[ "$($V exec "$A/qga.sock" --timeout 300 systemctl is-system-running --wait || true)" = running ] || fail "not running after kexec"
$V post "$url/append" >/dev/null || fail "append after kexec"
ledger_a=$($V get "$url/ledger")

# --- 3. a second VM without the persistent disk; hand the disk over ------------------------
say "second VM without the persistent disk"
t0=$(now); start_vm b 1024 "$port2" no
wait_ready b "$port2" "$t0" "1024M without persistent disk"
B="$run/b"
$V exec "$B/qga.sock" sh -c '! findmnt /home' >/dev/null || fail "B has something on /home"

say "switch: release on A, quit A, hot-plug into B, attach on B"
t_sw=$(now)
$V exec "$A/qga.sock" /usr/sbin/bgreboot-release || fail "release hook on A"
t_rel=$(now)
stop_vm a
t_quit=$(now)
$V qmp "$B/qmp.sock" blockdev-add "{\"driver\":\"file\",\"filename\":\"$run/persist.img\",\"node-name\":\"persist-file\"}" >/dev/null
$V qmp "$B/qmp.sock" blockdev-add '{"driver":"raw","file":"persist-file","node-name":"persist"}' >/dev/null
$V qmp "$B/qmp.sock" device_add '{"driver":"virtio-blk-pci","drive":"persist","serial":"bgpersist","bus":"rp1","id":"persist-dev"}' >/dev/null
t_plug=$(now)
$V exec "$B/qga.sock" /usr/sbin/bgreboot-attach || fail "attach hook on B"
t_att=$(now)
timing "release hook (A)" "$(elapsed "$t_sw" "$t_rel") s"
timing "A quit" "$(elapsed "$t_rel" "$t_quit") s"
timing "hot-plug (blockdev-add x2 + device_add)" "$(elapsed "$t_quit" "$t_plug") s"
timing "attach hook (B, waits for the disk and mounts it)" "$(elapsed "$t_plug" "$t_att") s"
timing "hot-plug + attach" "$(elapsed "$t_quit" "$t_att") s"
ledger_b=$($V get "http://127.0.0.1:$port2/ledger")
[ "$ledger_a" = "$ledger_b" ] || fail "ledger differs after the hand-over: A='$ledger_a' B='$ledger_b'"
$V post "http://127.0.0.1:$port2/append" >/dev/null || fail "append on B"
say "ledger on B: $($V get "http://127.0.0.1:$port2/ledger" | tr '\n' ' ')"
stop_vm b

for p in "${pids[@]}"; do
  if kill -0 "$p" 2>/dev/null; then fail "QEMU $p still running"; fi
done
echo "smoke: PASS"
printf '  %s\n' "${timings[@]}"
