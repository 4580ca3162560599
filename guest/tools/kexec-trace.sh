#!/usr/bin/env bash
# Where a kexec reboot of a Debian guest spends its time, measured with timestamps:
#
#   guest/tools/kexec-trace.sh GUEST CACHE_DIR [HELPER...]
#
# GUEST: debian11, debian12 (debian), debian13. Boots the guest (plain QEMU, TCG, -cpu max as
# bgreboot runs it; KT_MEM MiB, default 256), then, in the guest:
#  1. loading: `kexec -l` with purgatory's checks, `kexec -l -i` (no checks), `kexec -s -l`
#     (kexec_file_load), each KT_REPS times (default 3), timed inside the guest, and the sizes
#     of what is loaded;
#  2. a normal reboot (guest-shutdown; KT_NORMAL=0: none), then one kexec reboot per HELPER (a
#     file pushed into the guest and run there; none given: the image's /usr/sbin/bgreboot-kexec,
#     "image" names it too), each requested through the agent as bgreboot does (guest-exec, then
#     guest-exec-status until it ends or the agent stops answering), with BGREBOOT_TRACE=1, and a
#     10 ms prober's downtime. Host-side stamps of the serial console (the helper's trace lines, a
#     system-shutdown hook's line just before the final reboot(2), the new boot's "service up")
#     split each into: the request, the shutdown, the way into the new kernel and its boot.
# With KT_UPDATE=1 the guest installs its v2 kernel first (the kexec then boots v2, as in the
# bench). KT_SYSTEMD_LOG=LEVEL (info, notice, warning): systemd logs to the console during each
# shutdown (its lines are then in the run's stamped serial log, KT_KEEP=1). Prints a table; KT_JSON=FILE also writes the figures as JSON.
# KT_PORT (default 16790), KT_KEEP=1 keeps the run directory.
set -euo pipefail
tools=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
guestdir=$(dirname "$tools")
[ $# -ge 2 ] || { echo "usage: $0 debian11|debian12|debian13 CACHE_DIR [HELPER...]" >&2; exit 2; }
guest=$1
case $guest in
debian11) rel=bullseye ;;
debian | debian12) rel=bookworm ;;
debian13) rel=trixie ;;
*) echo "$0: unknown guest '$1' (debian11, debian12, debian13)" >&2; exit 2 ;;
esac
cache=$2
shift 2
helpers=("$@")
mem=${KT_MEM:-256}
reps=${KT_REPS:-3}
port=${KT_PORT:-16790}
V="python3 -S $tools/vmctl.py"
say() { echo "kexec-trace: $*" >&2; }
die() { echo "kexec-trace: error: $*" >&2; exit 1; }

img=$(bash "$guestdir/debian/build.sh" "$cache" bgreboot "$rel" | tail -n 1) || die "build"
img=$(readlink -f "$img")
run=$(mktemp -d /tmp/kexec-trace.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[ "${KT_KEEP:-0}" = 1 ] && say "run directory kept: $run" || rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

qemu-img create -q -f qcow2 -F qcow2 -b "$img/system.qcow2" "$run/sys.qcow2"
cp --sparse=always "$img/persist.img" "$run/persist.img"
qemu-system-x86_64 -accel tcg,tb-size=128 -cpu max -machine q35 -m "$mem" -smp 1 -nodefaults -display none -no-user-config \
	-qmp "unix:$run/qmp.sock,server=on,wait=off" \
	-chardev "socket,id=qga0,path=$run/qga.sock,server=on,wait=off" \
	-device virtio-serial-pci -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0 \
	-chardev "file,id=ser0,path=$run/serial.log" -serial chardev:ser0 \
	-blockdev "driver=file,filename=$run/sys.qcow2,node-name=sys-file" -blockdev driver=qcow2,file=sys-file,node-name=sys0 \
	-device virtio-blk-pci,drive=sys0,serial=bgsystem,bootindex=0 \
	-device pcie-root-port,id=rp1,chassis=1 \
	-blockdev "driver=file,filename=$run/persist.img,node-name=persist-file" -blockdev driver=raw,file=persist-file,node-name=persist \
	-device virtio-blk-pci,drive=persist,serial=bgpersist,bus=rp1 \
	-netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:80" -device virtio-net-pci,netdev=net0,romfile= \
	>"$run/qemu.log" 2>&1 &
qpid=$!
pids+=("$qpid")
export VMCTL_PID=$qpid
$V stamp-serial "$run/serial.log" >"$run/stamped.log" &
pids+=("$!")
gexec() { $V exec "$run/qga.sock" "$@"; }
boot_wait() { # the agent, then systemd running
	$V wait-agent "$run/qga.sock" 900 || die "the agent did not answer"
	local state
	state=$(gexec --timeout 900 systemctl is-system-running --wait || true)
	[ "$state" = running ] || die "systemd is '$state', not running"
}
say "booting $guest ($img) at $mem MiB"
boot_wait
if [ "${KT_UPDATE:-0}" = 1 ]; then
	say "installing v2"
	gexec --timeout 1200 /usr/sbin/bgreboot-update v2 >"$run/update.log" 2>&1 || { cat "$run/update.log" >&2; die "update"; }
fi

# ---- 1. loading -----------------------------------------------------------------------------------
cat >"$run/load.sh" <<'EOF'
#!/bin/sh
# kexec-trace: load the default kernel each way, timed in the guest
k=$(readlink -f /vmlinuz) i=$(readlink -f /initrd.img)
echo "sizes kernel=$(stat -c %s "$k") initrd=$(stat -c %s "$i") kexec=$(kexec --version 2>&1 | head -n 1 | tr ' ' _)"
t() { cut -d' ' -f1 /proc/uptime; }
n=$1
for mode in "-l" "-l -i" "-s -l"; do
	j=0
	while [ "$j" -lt "$n" ]; do
		kexec -u 2>/dev/null || true
		sync; echo 3 > /proc/sys/vm/drop_caches
		a=$(t)
		# shellcheck disable=SC2086
		if kexec $mode "$k" --initrd="$i" --reuse-cmdline 2>/tmp/kexec.err; then r=ok; else r="failed:$(tr ' \n' '_ ' < /tmp/kexec.err)"; fi
		b=$(t)
		echo "load mode=$(echo "$mode" | tr -d ' ') s=$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b-a}') $r"
		j=$((j + 1))
	done
done
kexec -u
EOF
$V push "$run/qga.sock" "$run/load.sh" /tmp/kexec-load.sh
gexec --timeout 900 sh /tmp/kexec-load.sh "$reps" >"$run/load.txt" || die "loading failed: $(cat "$run/load.txt")"
sed 's/^/   /' "$run/load.txt" >&2

# ---- 2. reboots -------------------------------------------------------------------------------------------
# a line on the console just before systemd-shutdown's final reboot(2) (its argument: kexec, reboot)
printf '#!/bin/sh\necho "kexec-trace: final $1 $(cut -d" " -f1 /proc/uptime)" > /dev/console\n' >"$run/final"
$V push "$run/qga.sock" "$run/final" /usr/lib/systemd/system-shutdown/kexec-trace
gexec chmod 755 /usr/lib/systemd/system-shutdown/kexec-trace
[ ${#helpers[@]} -gt 0 ] || helpers=(image)
[ "${KT_NORMAL:-1}" = 1 ] && helpers=(normal "${helpers[@]}")
n=0
results=()
for h in "${helpers[@]}"; do
	n=$((n + 1))
	if [ "$h" = normal ]; then
		path=""
	elif [ "$h" = image ]; then
		path=/usr/sbin/bgreboot-kexec
	else
		path=/tmp/kexec-helper-$n
		$V push "$run/qga.sock" "$h" "$path"
		gexec chmod 755 "$path"
	fi
	boot_id=$(gexec cat /proc/sys/kernel/random/boot_id)
	if [ -n "${KT_SYSTEMD_LOG:-}" ]; then # what systemd says during the shutdown, on the console
		gexec systemd-analyze log-target console
		gexec systemd-analyze log-level "$KT_SYSTEMD_LOG"
	fi
	rm -f "$run/armed"
	( DOWNTIME_ARMED="$run/armed" $V downtime "http://127.0.0.1:$port/" 900 "boot_id!=$boot_id" >"$run/downtime$n.json" ) &
	probe=$!
	pids+=("$probe")
	until [ -e "$run/armed" ]; do kill -0 "$probe" 2>/dev/null || die "prober"; sleep 0.05; done
	mark=$(wc -l <"$run/stamped.log")
	say "reboot $n: $h"
	t0=$(date +%s.%N)
	if [ -z "$path" ]; then
		$V qga-noreply "$run/qga.sock" guest-shutdown '{"mode":"reboot"}'
	else
		# as bgreboot requests it: guest-exec, then guest-exec-status until it ends or the agent
		# stops answering (250 ms). The connection then stays open and is read until the new boot:
		# qemu-ga 7.2 spins on a reply it cannot write once its host has gone (guest/debian/README.md).
		rm -f "$run/requested"
		python3 -S - "$run/qga.sock" "$path" "$run/requested" <<'PY' &
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rwb")
def call(cmd, args, timeout):
    s.settimeout(timeout)
    f.write(json.dumps({"execute": cmd, "arguments": args}).encode() + b"\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
pid = call("guest-exec", {"path": "/bin/sh", "arg": ["-c", "BGREBOOT_TRACE=1 exec " + sys.argv[2]]}, 10)["return"]["pid"]
while True:
    try:
        r = call("guest-exec-status", {"pid": pid}, 0.25)
    except OSError:
        break  # the agent stopped answering: the guest is going down
    if r.get("return", {}).get("exited"):
        break
    time.sleep(0.005)
open(sys.argv[3], "w").write("%.3f\n" % time.time())
s.settimeout(None)
while s.recv(4096):
    pass
PY
		drainer=$!
		pids+=("$drainer")
		until [ -e "$run/requested" ]; do sleep 0.01; done
		t1=$(cat "$run/requested")
	fi
	[ -n "$path" ] || t1=$(date +%s.%N)
	wait "$probe" || die "no new boot after reboot $n: $(cat "$run/downtime$n.json")"
	# the new boot answers: the old agent is gone, the connection can go (the chardev takes one client)
	[ -z "$path" ] || { kill "$drainer" 2>/dev/null || true; wait "$drainer" 2>/dev/null || true; }
	boot_wait
	analyze=$(gexec systemd-analyze 2>/dev/null | head -n 1 || true)
	sleep 1
	tail -n +"$((mark + 1))" "$run/stamped.log" >"$run/stamped$n.log"
	results+=("$(python3 - "$run/stamped$n.log" "$t0" "$t1" "$h" "$analyze" "$run/downtime$n.json" <<'PY'
import json, re, sys
lines = [l.rstrip("\n").split(" ", 1) for l in open(sys.argv[1]) if " " in l]
t0, t1, helper, analyze = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
def first(pattern, after=0.0):
    for ts, text in lines:
        if float(ts) >= after and re.search(pattern, text):
            return float(ts)
    return None
out = {"method": "normal reboot" if helper == "normal" else "kexec " + helper, "request_s": round(t1 - t0, 2),
       "downtime_s": json.load(open(sys.argv[6])).get("downtime_s")}
out["helper_steps"] = [[round(float(ts) - t0, 2), text.split("trace", 1)[1].strip()]
                       for ts, text in lines if re.search(r"bgreboot-kexec trace", text)]
final = first(r"kexec-trace: final")
up = first(r"bgreboot-guest: service up", final or 0.0)
if final:
    out["to_final_reboot_s"] = round(final - t0, 2)
if final and up:
    out["final_to_service_up_s"] = round(up - final, 2)
out["new_boot"] = analyze.replace("Startup finished in ", "").strip()
print(json.dumps(out))
PY
)")
	say "   ${results[-1]}"
done
gexec rm -f /usr/lib/systemd/system-shutdown/kexec-trace || true

python3 - "$run/load.txt" "${KT_JSON:-}" "$guest" "$mem" "${results[@]}" <<'EOF'
import json, statistics, sys
load_file, json_out, guest, mem = sys.argv[1:5]
runs = [json.loads(r) for r in sys.argv[5:]]
sizes, loads = {}, {}
for line in open(load_file):
    f = line.split()
    if f[0] == "sizes":
        sizes = dict(kv.split("=", 1) for kv in f[1:])
    elif f[0] == "load":
        d = dict(kv.split("=", 1) for kv in f[1:3])
        loads.setdefault(d["mode"], []).append((float(d["s"]), f[3]))
print(f"kexec-trace {guest}, {mem} MiB: kernel {int(sizes['kernel'])/1e6:.1f} MB, initrd {int(sizes['initrd'])/1e6:.1f} MB, {sizes['kexec'].replace('_', ' ')}")
print("| load | median s | runs |")
print("|---|---|---|")
names = {"-l": "kexec -l (purgatory checks)", "-l-i": "kexec -l -i (no checks)", "-s-l": "kexec -s -l (kexec_file_load)"}
for mode, v in loads.items():
    ok = [s for s, r in v if r == "ok"]
    print(f"| {names.get(mode, mode)} | {statistics.median(ok):.2f} | {' '.join(f'{s:.2f}' for s, r in v) if ok else v[0][1]} |")
print()
print("| reboot | downtime s | request s | request -> final reboot(2) s | final -> service up s | the new boot (systemd-analyze) |")
print("|---|---|---|---|---|---|")
for r in runs:
    print(f"| {r['method']} | {r['downtime_s']} | {r['request_s']} | {r.get('to_final_reboot_s', '?')} | {r.get('final_to_service_up_s', '?')} | {r['new_boot']} |")
    for at, what in r["helper_steps"]:
        print(f"| &nbsp; {what.split(' ', 1)[1]} | | {at} | | | |")
if json_out:
    json.dump({"guest": guest, "memory_mib": int(mem), "sizes": sizes, "loads": loads, "kexec": runs}, open(json_out, "w"), indent=1)
EOF
