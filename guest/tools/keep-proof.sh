#!/usr/bin/env bash
# PostgreSQL kept across background reboots by bgreboot-keep, against the restart path, in one run:
# a bridged debian-postgres VM that bgreboot started, with bgreboot-keep installed and
# /etc/bgreboot/keep.d/postgresql set up (see guest/keep/README.md); Debian's pgbench in the
# test network's client namespace, 2 clients, every transaction logged; a new pgbench only when
# one exits (each exit = its connections were broken). Then, per PLAN item, one `bgreboot reboot`:
#   keep       armed (bgreboot-keep arm; a pre-dump loop in the guest), the guest's hooks dump
#              (release.d), guard (ready.d) and restore (attach.d); the reboot does not install
#   keep+install  the same, and the reboot installs the update first (a newer kernel)
#   restart    not armed: PostgreSQL is frozen with the disk and recovers in the new VM
# Afterwards every commit pgbench logged must be a row. Prints one JSON line per reboot (commit
# pgbench processes started after it: 0 = none lost its connections, what bgreboot-keep reported, the kernel)
# and a summary; exit 1 if a commit was lost.
#   guest/tools/keep-proof.sh VM ADDRESS CLIENT_NETNS OUTDIR PLAN...
# Needs: bgreboot on PATH or ./bgreboot, BGREBOOT_HOME, pgbench and psql on the host.
set -euo pipefail
[ $# -ge 5 ] || { sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2; }
vm=$1 addr=$2 ns=$3 out=$4
shift 4
here=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
bg=${BGREBOOT:-$here/bgreboot}
pg=$here/guest/postgres
mkdir -p "$out/pgbench"
out=$(cd "$out" && pwd)
inns() { ip netns exec "$ns" "$@"; }
gx() { "$bg" vm exec "$vm" -- "$@"; }
now() { date +%s.%N; }

inns psql -X -q -h "$addr" -U postgres -d postgres -v ON_ERROR_STOP=1 -f "$pg/pgbench-init.sql"
first=$(($(inns psql -X -At -h "$addr" -U postgres -d postgres -c 'SELECT coalesce(max(run), 0) FROM bgreboot_pgbench') + 1))
rm -f "$out/stop"
(
	run=$first
	while [ ! -e "$out/stop" ]; do
		echo "$run $(now) start" >> "$out/pgbench/runs"
		ip netns exec "$ns" pgbench -h "$addr" -U postgres -n -c 2 -j 1 -T 3600 -f "$pg/pgbench-append.sql" -D run=$run -D seq=0 \
			--log --log-prefix="$out/pgbench/run$run" postgres > "$out/pgbench/run$run.out" 2>&1 &
		echo $! > "$out/pgbench/current"
		wait $! && rc=0 || rc=$?
		echo "$run $(now) exit $rc" >> "$out/pgbench/runs"
		run=$((run + 1))
		[ -e "$out/stop" ] || sleep 0.05
	done
) &
loop=$!
sleep 15

n=0
for item in "$@"; do
	n=$((n + 1))
	install=--no-install
	case $item in
	keep+install) install= ;;
	keep | restart) ;;
	*) echo "keep-proof: unknown plan item $item" >&2; exit 2 ;;
	esac
	if [ "$item" != restart ]; then
		gx /usr/sbin/bgreboot-keep arm > /dev/null
		gx systemd-run --unit "bgreboot-keep-predump-$n" --collect /usr/sbin/bgreboot-keep pre-dump --loop 20 > /dev/null
	fi
	kernel_before=$(gx uname -r)
	runs_before=$(grep -c start "$out/pgbench/runs")
	t0=$(now)
	"$bg" reboot "$vm" $install --json "$out/reboot$n.json" > "$out/reboot$n.log" 2>&1 || echo "keep-proof: reboot $n failed (see $out/reboot$n.log)" >&2
	t1=$(now)
	sleep 10
	t2=$(now)
	status=$(gx /usr/sbin/bgreboot-keep status 2> /dev/null | tr -d '\n')
	active=$(gx systemctl is-active postgresql@15-main.service || true)
	mainpid=$(gx systemctl show -p MainPID --value postgresql@15-main.service || true)
	kernel_after=$(gx uname -r)
	runs_after=$(grep -c start "$out/pgbench/runs")
	echo "$n $t0 $t2" >> "$out/windows"
	printf '{"reboot":%d,"plan":"%s","pgbench_reconnects":%d,"reboot_s":%.1f,"kernel":"%s -> %s","unit":"%s","main_pid":"%s","keep":[%s]}\n' \
		"$n" "$item" $((runs_after - runs_before)) "$(echo "$t1 - $t0" | bc)" "$kernel_before" "$kernel_after" "$active" "$mainpid" "$status" | tee -a "$out/reboots.jsonl"
	gx systemctl stop "bgreboot-keep-predump-$n" 2> /dev/null || true
done

touch "$out/stop"
kill -INT "$(cat "$out/pgbench/current")" 2> /dev/null || true
wait "$loop" || true
# commit gaps from the logs once pgbench has exited (it buffers its log lines)
python3 - "$out/pgbench" "$out/windows" << 'EOF' | tee "$out/gaps.jsonl"
import glob, os, re, sys
ts = []
for p in glob.glob(os.path.join(sys.argv[1], "run*")):
    if re.fullmatch(r"run\d+\.\d+(\.\d+)?", os.path.basename(p)):
        ts += [int(f[4]) + int(f[5]) / 1e6 for f in (l.split() for l in open(p)) if len(f) >= 6 and f[2].isdigit()]
ts.sort()
for line in open(sys.argv[2]):
    n, a, b = line.split()
    a, b = float(a), float(b)
    g = max((y - x for x, y in zip(ts, ts[1:]) if y >= a and x <= b), default=float("nan"))
    print('{"reboot":%s,"commit_gap_ms":%.0f}' % (n, g * 1000))
EOF
check=$(inns python3 "$pg/pgbench-check.py" --host "$addr" "$out/pgbench") && rc=0 || rc=$?
echo "$check" > "$out/check.json"
echo "$check"
exit $rc
