#!/usr/bin/env bash
# Smoke test of the demo guest with plain QEMU (no Java): builds it, boots it as the serving VM
# ("FG"), exercises the service and the agent, clones it (freeze, snapshot, thaw) after an update,
# boots the clone ("BG") on the v2 kernel without the persistent disk, switches the disk over
# (release hook, quit FG, hot-plug, attach hook), checks the ledger, shuts BG down through the
# agent, and checks that bgreboot.panic=1 makes QEMU report GUEST_PANICKED.  Prints timings.
#   guest/demo/smoke.sh CACHE_DIR        (env SMOKE_PORT: host port to forward, default 18280)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
demo=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
vmctl() { python3 -S "$demo/vmctl.py" "$@"; }
port=${SMOKE_PORT:-18280}
url=http://127.0.0.1:$port
now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
step() { echo "== $*"; }
ok() { echo "   ok: $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- build (and the cached second run) ------------------------------------------------------------
t=$(now)
img=$(bash "$demo/build.sh" "$1" | tail -n 1)
step "build: $(ms "$t" "$(now)") ms -> $img"
t=$(now)
again=$(bash "$demo/build.sh" "$1" 2>&1)
second=$(ms "$t" "$(now)")
[ "$again" = "$img" ] || fail "second build printed more than the directory: $again"
ok "second (cached) build: $second ms, printed only the directory"
img=$(readlink -f "$img")
k1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["versions"][0]["kernel_release"])' "$img/guest.json")
k2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["versions"][1]["kernel_release"])' "$img/guest.json")

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port is in use (set SMOKE_PORT)"; fi
run=$(mktemp -d /tmp/bgreboot-smoke.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$run"
}
trap cleanup EXIT

# start_vm DIR VERSION [extra QEMU args...]: the device set bgreboot uses.  $PERSIST=1 attaches the
# persistent disk, $FWD=1 forwards the port, $APPEND adds to the kernel command line, $PAUSED=1: -S.
start_vm() {
	local dir=$1 v=$2
	shift 2
	local args=(-accel tcg -machine q35 -m 512 -smp 1 -nodefaults -display none -no-user-config
		-qmp "unix:$dir/qmp.sock,server=on,wait=off"
		-chardev "socket,id=qga0,path=$dir/qga.sock,server=on,wait=off"
		-device virtio-serial-pci,id=vser0 -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0
		-chardev "file,id=ser0,path=$dir/serial.log" -serial chardev:ser0
		-kernel "$img/$v/vmlinuz" -initrd "$img/$v/initrd.img" -append "console=ttyS0 quiet panic=-1${APPEND:+ $APPEND}"
		-blockdev "driver=file,filename=$dir/sys.qcow2,node-name=sys-file" -blockdev driver=qcow2,file=sys-file,node-name=sys0
		-device virtio-blk-pci,drive=sys0,serial=bgsystem
		-device pcie-root-port,id=rp1,chassis=1)
	if [ "${PERSIST:-0}" = 1 ]; then
		args+=(-blockdev "driver=file,filename=$run/persist.img,node-name=persist-file"
			-blockdev driver=raw,file=persist-file,node-name=persist
			-device virtio-blk-pci,drive=persist,serial=bgpersist,bus=rp1,id=persist-dev)
	fi
	local fwd=""
	[ "${FWD:-0}" = 1 ] && fwd=",hostfwd=tcp:127.0.0.1:$port-:80"
	args+=(-netdev "user,id=net0$fwd" -device virtio-net-pci,netdev=net0,mac=52:54:00:b6:00:01,romfile=
		-device pvpanic -device vmgenid,guid=auto)
	[ "${PAUSED:-0}" = 1 ] && args+=(-S)
	qemu-system-x86_64 "${args[@]}" "$@" >"$dir/qemu.log" 2>&1 &
	echo $! >"$dir/pid"
	pids+=($!)
}
# wait_line DIR TEXT SECS: wait for TEXT on the serial console; prints the line.
wait_line() {
	local i
	for ((i = 0; i < $3 * 100; i++)); do
		if grep -q "$2" "$1/serial.log" 2>/dev/null; then grep -m1 "$2" "$1/serial.log"; return 0; fi
		kill -0 "$(cat "$1/pid")" 2>/dev/null || { cat "$1/qemu.log" "$1/serial.log" >&2; fail "QEMU exited"; }
		sleep 0.01
	done
	cat "$1/serial.log" >&2
	fail "no '$2' on the serial console of $1 within $3 s"
}
wait_exit() { # wait_exit DIR SECS
	local i pid
	pid=$(cat "$1/pid")
	for ((i = 0; i < $2 * 100; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.01; done
	fail "QEMU of $1 still running after $2 s"
}
append() { curl -sf -m 5 -X POST "$url/append"; }

# ---- FG: boot, service, agent -----------------------------------------------------------------------
fg=$run/fg bg=$run/bg
mkdir -p "$fg" "$bg"
cp --sparse=always "$img/persist.img" "$run/persist.img"
qemu-img create -q -f qcow2 -F qcow2 -b "$img/system.qcow2" "$fg/sys.qcow2"
step "FG: boot v1 with the persistent disk"
t=$(now)
PERSIST=1 FWD=1 start_vm "$fg" v1
line=$(wait_line "$fg" "bgreboot-guest: service up" 60)
ok "boot to '$line': $(ms "$t" "$(now)") ms"

body=$(curl -sf -m 5 "$url/")
echo "   GET / -> $body"
case $body in *'"version":"v1"'*"\"kernel\":\"$k1\""*) ok "v1 on kernel $k1" ;; *) fail "unexpected GET /" ;; esac
for i in 1 2 3 4 5; do append >/dev/null || fail "append $i"; done
r=$(append)
[ "$r" = '{"seq":6}' ] || fail "6th append answered $r"
[ "$(curl -sf -m 5 "$url/ledger" | wc -l)" = 6 ] || fail "ledger does not have 6 lines"
ok "appends 1..6 acknowledged, ledger has 6 lines"

t=$(now)
vmctl qga "$fg/qga.sock" guest-ping >/dev/null
ok "guest-ping: $(ms "$t" "$(now)") ms"
t=$(now)
out=$(vmctl exec "$fg/qga.sock" /bin/uname -r)
[ "$out" = "$k1" ] || fail "guest-exec uname -r said $out"
ok "guest-exec uname -r -> $out: $(ms "$t" "$(now)") ms"

# ---- update, then clone the system disk (what bgreboot's CLONE does) ----------------------------------
step "FG: update to v2, freeze, snapshot, thaw"
vmctl exec "$fg/qga.sock" /usr/sbin/bgreboot-update v2 || fail "bgreboot-update"
curl -sf -m 5 "$url/" | grep -q '"version":"v1"' || fail "FG must keep reporting v1 until it reboots"
c=$(vmctl clone "$fg" "$fg/sys-after-clone.qcow2") || fail "clone"
[ "$(vmctl qga "$fg/qga.sock" guest-fsfreeze-status)" = '"thawed"' ] || fail "not thawed"
ok "freeze, snapshot, thaw: $c"
append >/dev/null || fail "append after thaw"
ok "FG still appends after the thaw (seq 7)"

# ---- BG: the clone boots v2 without the persistent disk ---------------------------------------------------
step "BG: boot v2 on the clone, without the persistent disk (FG keeps serving)"
qemu-img create -q -f qcow2 -F qcow2 -b "$fg/sys.qcow2" "$bg/sys.qcow2"
t=$(now)
start_vm "$bg" v2
acked=7
while ! grep -q "bgreboot-guest: service up" "$bg/serial.log" 2>/dev/null; do
	append >/dev/null && acked=$((acked + 1))
	kill -0 "$(cat "$bg/pid")" || fail "BG QEMU exited"
	[ "$(ms "$t" "$(now)")" -lt 60000 ] || fail "BG did not come up"
done
line=$(wait_line "$bg" "bgreboot-guest: service up" 1)
ok "BG boot to '$line': $(ms "$t" "$(now)") ms; FG acknowledged $acked appends meanwhile"
echo "$line" | grep -q "version=v2 kernel=$k2" || fail "BG should run v2 on $k2"
[ "$(vmctl exec "$bg/qga.sock" /usr/sbin/bgreboot-ready; echo $?)" = 0 ] || fail "readiness command in BG"
ok "bgreboot-ready exits 0 in BG"
r=$(vmctl exec "$bg/qga.sock" /bin/sh -c 'wget -q -O- --post-data= http://127.0.0.1/append 2>&1; true')
case $r in *503*) ok "BG refuses appends without the disk (503)" ;; *) fail "BG append: $r" ;; esac

# ---- the switch ----------------------------------------------------------------------------------------------
step "switch: release in FG, quit FG, hot-plug into BG, attach in BG"
# A writer keeps appending through the switch; every number it got acknowledged must survive.
(while :; do r=$(curl -s -m 2 -X POST "$url/append") && case $r in *seq*) echo "$r" ;; esac; sleep 0.005; done) >"$run/acked.log" 2>/dev/null &
writer=$!
pids+=($writer)
sleep 0.3
sw=$(vmctl switch "$fg" "$(cat "$fg/pid")" "$bg" "$run/persist.img" "$port") || fail "switch"
ok "switch: $sw"
sleep 0.3
kill "$writer"
wait "$writer" 2>/dev/null || true
before=$acked
acked=$(sed 's/[^0-9]//g' "$run/acked.log" | sort -n | tail -1)
ok "a writer during the switch got $((acked - before)) more appends acknowledged (last seq $acked)"
attach_ms=$(python3 -S -c 'import json,sys; print(json.loads(sys.argv[1])["attach_in_guest_ms"])' "$sw")
ok "attach hook run time inside the guest: $attach_ms ms (started right after device_add returned)"
body=$(curl -sf -m 5 "$url/")
echo "   GET / -> $body"
case $body in *'"version":"v2"'*"\"kernel\":\"$k2\""*) ok "the VM now runs v2 on $k2" ;; *) fail "unexpected GET / after the switch" ;; esac
# Every acknowledged number is there, in order, without gaps; the ledger may hold a few more
# (written and synced, but the writer was stopped before it read the answer).
ledger=$(curl -sf -m 5 "$url/ledger")
last=$(echo "$ledger" | tail -n 1)
[ "$ledger" = "$(seq 1 "$last")" ] || fail "ledger after the switch is not 1..N: $(echo "$ledger" | tail -3 | tr '\n' ' ')"
[ "$last" -ge "$acked" ] || fail "acknowledged appends lost: ledger ends at $last, $acked was acknowledged"
ok "ledger intact: 1..$last (every acknowledged number, $acked, is there)"
r=$(append)
[ "$r" = "{\"seq\":$((last + 1))}" ] || fail "append after the switch answered $r"
ok "appends continue: $r"

# ---- clean shutdown through the agent ---------------------------------------------------------------------
step "BG: guest-shutdown (powerdown)"
t=$(now)
vmctl qga-nowait "$bg/qga.sock" guest-shutdown '{"mode":"powerdown"}'
wait_exit "$bg" 30
ok "QEMU exited $(ms "$t" "$(now)") ms after guest-shutdown"
e2fsck -fn "$run/persist.img" >"$run/fsck.log" 2>&1 || { cat "$run/fsck.log" >&2; fail "persistent disk not clean"; }
ok "persistent disk is clean (e2fsck -fn)"

# ---- a kernel that panics ---------------------------------------------------------------------------------------
step "panic: bgreboot.panic=1 must make QEMU emit GUEST_PANICKED"
pn=$run/panic
mkdir -p "$pn"
qemu-img create -q -f qcow2 -F qcow2 -b "$img/system.qcow2" "$pn/sys.qcow2"
t=$(now)
APPEND=bgreboot.panic=1 PAUSED=1 start_vm "$pn" v2
for ((i = 0; i < 500; i++)); do [ -S "$pn/qmp.sock" ] && break; sleep 0.01; done
ev=$(vmctl qmp-cont-wait "$pn/qmp.sock" GUEST_PANICKED 60) || fail "no GUEST_PANICKED"
ok "GUEST_PANICKED $(ms "$t" "$(now)") ms after start: $ev"
kill "$(cat "$pn/pid")" 2>/dev/null || true

echo "smoke: all passed"
