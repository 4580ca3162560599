#!/usr/bin/env python3
"""Checks a pgbench-append.sql workload: every transaction pgbench logged as committed must be a
row of bgreboot_pgbench. Standard library and psql only.

  pgbench-check.py [--host H] [--port P] [--user U] [--dbname D] LOGDIR

LOGDIR holds the --log files of one or more pgbench runs, each started with
--log-prefix=LOGDIR/runN and -D run=N (files runN.PID, or runN.PID.THREAD with -j > 1). A log
line is "client_id transaction_no time script_no time_epoch time_us [schedule_lag]"; time is the
latency in microseconds, or "failed"/"skipped" for a transaction that did not commit. The row of
a committed transaction is (run N, client client_id, seq transaction_no): pgbench numbers a
client's transactions from 1, as the script's :seq does (both count every transaction the client
ran, so they agree as long as no transaction is retried: the default --max-tries=1).

Prints one JSON object: committed (logged), rows (in the table for these runs), lost (logged
but not in the table; must be 0), extra (rows never logged: in flight when the server went away),
runs, first/last commit (epoch s), longest_gap_s and when it began (the downtime seen by the
clients), commits_per_s. Exit status 1 when anything committed was lost.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys


def read_logs(logdir):
    committed = set()
    times = []
    runs = set()
    for path in sorted(glob.glob(os.path.join(logdir, "run*"))):
        m = re.fullmatch(r"run(\d+)\.\d+(\.\d+)?", os.path.basename(path))
        if not m:
            continue  # e.g. runN.out
        run = int(m.group(1))
        runs.add(run)
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) < 6 or not p[2].isdigit():
                    continue  # failed / skipped: not committed
                committed.add((run, int(p[0]), int(p[1])))
                times.append(int(p[4]) + int(p[5]) / 1e6)
    return committed, sorted(times), runs


def read_table(args, runs):
    if not runs:
        return set()
    sql = ("COPY (SELECT run, client, seq FROM bgreboot_pgbench WHERE run IN (%s)) TO STDOUT"
           % ",".join(str(r) for r in sorted(runs)))
    out = subprocess.run(["psql", "-X", "-q", "-h", args.host, "-p", str(args.port), "-U", args.user,
                          "-d", args.dbname, "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return {tuple(int(x) for x in line.split("\t")) for line in out.splitlines() if line}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5432)
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--dbname", default="postgres")
    ap.add_argument("logdir")
    args = ap.parse_args()
    committed, times, runs = read_logs(args.logdir)
    rows = read_table(args, runs)
    lost = sorted(committed - rows)
    gap, gap_at = 0.0, None
    for a, b in zip(times, times[1:]):
        if b - a > gap:
            gap, gap_at = b - a, a
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    print(json.dumps({
        "committed": len(committed), "rows": len(rows), "lost": len(lost), "lost_first": lost[:5],
        "extra": len(rows - committed), "runs": len(runs),
        "first_commit": round(times[0], 3) if times else None,
        "last_commit": round(times[-1], 3) if times else None,
        "longest_gap_s": round(gap, 3), "longest_gap_began": round(gap_at, 3) if gap_at else None,
        "commits_per_s": round(len(times) / span, 1) if span else None,
    }))
    return 1 if lost or not committed else 0


if __name__ == "__main__":
    sys.exit(main())
