#!/usr/bin/env python3
"""Minimal QMP / qemu-guest-agent client for guest/demo/smoke.sh (stdlib only).

  vmctl.py qmp SOCK COMMAND [ARGS_JSON]            run a QMP command, print its "return" as JSON
  vmctl.py qmp-cont-wait SOCK EVENT[,EVENT] SECS   `cont`, then wait for one of the events; print it
  vmctl.py qga SOCK COMMAND [ARGS_JSON]            run an agent command, print its "return"
  vmctl.py qga-nowait SOCK COMMAND [ARGS_JSON]     send an agent command that never answers
  vmctl.py exec SOCK ARG0 [ARG...]                 guest-exec argv, wait, relay stdout/stderr, exit
                                                   with the guest's exit code
  vmctl.py clone FG_DIR SNAPSHOT_FILE              freeze, blockdev-snapshot-sync sys0, thaw; JSON timings
  vmctl.py switch FG_DIR FG_PID BG_DIR PERSIST_IMG PORT
                                                   release in FG, quit FG, hot-plug the persistent disk
                                                   into BG, attach in BG, forward PORT to BG; JSON timings
The VM dirs hold qmp.sock and qga.sock.  clone and switch keep their connections open, as bgreboot
does, so their timings are free of connection set-up and interpreter start-up.
Errors go to stderr with exit status 2.
"""
import base64
import json
import os
import socket
import sys
import time


def connect(path, timeout=30.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


class Lines:
    """Reads newline-delimited JSON objects from a socket."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def next(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.replace(b"\xff", b"").strip()  # 0xff: guest-sync-delimited's marker
        return json.loads(line) if line else self.next()


def qmp_open(path):
    s = connect(path)
    r = Lines(s)
    r.next()  # greeting
    s.sendall(b'{"execute":"qmp_capabilities"}\n')
    while "return" not in r.next():
        pass
    return s, r


def qmp_call(s, r, cmd, args=None, events=None):
    msg = {"execute": cmd, "id": "smoke"}
    if args:
        msg["arguments"] = args
    s.sendall(json.dumps(msg).encode() + b"\n")
    while True:
        m = r.next()
        if "event" in m:
            if events is not None:
                events.append(m)
            continue
        if "error" in m:
            raise RuntimeError(f"QMP {cmd}: {m['error']}")
        return m.get("return")


def qga_open(path):
    s = connect(path)
    r = Lines(s)
    # Resynchronise: a previous client may have left a reply unread in the channel.
    sync_id = int(time.time() * 1000) % 2_000_000_000
    s.sendall(b"\xff" + json.dumps({"execute": "guest-sync-delimited",
                                     "arguments": {"id": sync_id}}).encode() + b"\n")
    while r.next().get("return") != sync_id:
        pass
    return s, r


def qga_call(s, r, cmd, args=None):
    msg = {"execute": cmd}
    if args:
        msg["arguments"] = args
    s.sendall(json.dumps(msg).encode() + b"\n")
    m = r.next()
    if "error" in m:
        raise RuntimeError(f"agent {cmd}: {m['error']}")
    return m.get("return")


def guest_exec(s, r, argv, poll=0.005):
    """Runs argv in the guest; returns (exitcode, stdout, stderr)."""
    pid = qga_call(s, r, "guest-exec", {"path": argv[0], "arg": argv[1:], "capture-output": True})["pid"]
    while True:
        st = qga_call(s, r, "guest-exec-status", {"pid": pid})
        if st.get("exited"):
            return (st.get("exitcode", 128 + st.get("signal", 0)),
                    base64.b64decode(st.get("out-data", "")).decode(errors="replace"),
                    base64.b64decode(st.get("err-data", "")).decode(errors="replace"))
        time.sleep(poll)


def ms(a, b):
    return round((b - a) * 1000, 1)


def clone(fg, snapshot):
    qs, qr = qmp_open(fg + "/qmp.sock")
    gs, gr = qga_open(fg + "/qga.sock")
    t0 = time.monotonic()
    n = qga_call(gs, gr, "guest-fsfreeze-freeze")
    t1 = time.monotonic()
    try:
        qmp_call(qs, qr, "blockdev-snapshot-sync", {"node-name": "sys0", "snapshot-file": snapshot,
                                                    "snapshot-node-name": "sys1", "format": "qcow2"})
    finally:
        t2 = time.monotonic()
        qga_call(gs, gr, "guest-fsfreeze-thaw")
    t3 = time.monotonic()
    print(json.dumps({"frozen_filesystems": n, "freeze_ms": ms(t0, t1), "snapshot_ms": ms(t1, t2),
                      "thaw_ms": ms(t2, t3), "total_ms": ms(t0, t3)}))


# Times the attach hook inside the guest in microseconds with busybox adjtimex (the wall clock;
# busybox date has no %N), less the cost of reading the clock itself.
ATTACH_TIMED = r"""clk() { set -- $(adjtimex); while [ $# -gt 0 ]; do case $1 in
	time.tv_sec:) s=$2 ;; time.tv_usec:) u=$2 ;; esac; shift; done; echo $((s * 1000000 + u)); }
a=$(clk); b=$(clk); o=$((b - a))
a=$(clk); /usr/sbin/bgreboot-attach; rc=$?; b=$(clk); echo $((b - a - o)); exit $rc"""


def switch(fg, fg_pid, bg, persist, port):
    fq, fqr = qmp_open(fg + "/qmp.sock")
    fa, far = qga_open(fg + "/qga.sock")
    bq, bqr = qmp_open(bg + "/qmp.sock")
    ba, bar = qga_open(bg + "/qga.sock")
    t = {"start": time.monotonic()}
    rc, out, err = guest_exec(fa, far, ["/usr/sbin/bgreboot-release"])
    if rc != 0:
        raise RuntimeError(f"release hook exited {rc}: {err}")
    t["released"] = time.monotonic()
    try:
        qmp_call(fq, fqr, "quit")
    except EOFError:
        pass
    while os.path.exists(f"/proc/{fg_pid}") and open(f"/proc/{fg_pid}/stat").read().split()[2] != "Z":
        time.sleep(0.001)
    t["fg_gone"] = time.monotonic()
    qmp_call(bq, bqr, "blockdev-add", {"driver": "file", "filename": persist, "node-name": "persist-file"})
    qmp_call(bq, bqr, "blockdev-add", {"driver": "raw", "file": "persist-file", "node-name": "persist"})
    qmp_call(bq, bqr, "device_add", {"driver": "virtio-blk-pci", "drive": "persist", "serial": "bgpersist",
                                     "bus": "rp1", "id": "persist-dev"})
    t["plugged"] = time.monotonic()
    rc, out, err = guest_exec(ba, bar, ["/bin/sh", "-c", ATTACH_TIMED])
    if rc != 0:
        raise RuntimeError(f"attach hook exited {rc}: {err}")
    t["attached"] = time.monotonic()
    qmp_call(bq, bqr, "human-monitor-command",
             {"command-line": f"hostfwd_add net0 tcp:127.0.0.1:{port}-:80"})
    t["forwarded"] = time.monotonic()
    print(json.dumps({"release_ms": ms(t["start"], t["released"]),
                      "quit_fg_ms": ms(t["released"], t["fg_gone"]),
                      "hotplug_qmp_ms": ms(t["fg_gone"], t["plugged"]),
                      "attach_ms": ms(t["plugged"], t["attached"]),
                      "attach_in_guest_ms": round(int(out.split()[-1]) / 1000, 1),
                      "hostfwd_ms": ms(t["attached"], t["forwarded"]),
                      "total_ms": ms(t["start"], t["forwarded"])}))


def main(argv):
    op, sock = argv[1], argv[2]
    if op == "qmp":
        s, r = qmp_open(sock)
        args = json.loads(argv[4]) if len(argv) > 4 else None
        print(json.dumps(qmp_call(s, r, argv[3], args)))
    elif op == "qmp-cont-wait":
        wanted, secs = argv[3].split(","), float(argv[4])
        s, r = qmp_open(sock)
        events = []
        qmp_call(s, r, "cont", events=events)
        deadline = time.monotonic() + secs
        while True:
            for e in events:
                if e["event"] in wanted:
                    print(json.dumps(e))
                    return 0
            events.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                print(f"no {argv[3]} within {secs} s", file=sys.stderr)
                return 1
            s.settimeout(left)
            try:
                events.append(r.next())
            except (socket.timeout, EOFError) as e:
                print(f"no {argv[3]}: {e}", file=sys.stderr)
                return 1
    elif op in ("qga", "qga-nowait"):
        s, r = qga_open(sock)
        args = json.loads(argv[4]) if len(argv) > 4 else None
        if op == "qga-nowait":
            msg = {"execute": argv[3], **({"arguments": args} if args else {})}
            s.sendall(json.dumps(msg).encode() + b"\n")
            time.sleep(0.2)
            return 0
        print(json.dumps(qga_call(s, r, argv[3], args)))
    elif op == "exec":
        s, r = qga_open(sock)
        pid = qga_call(s, r, "guest-exec", {"path": argv[3], "arg": argv[4:],
                                            "capture-output": True})["pid"]
        while True:
            st = qga_call(s, r, "guest-exec-status", {"pid": pid})
            if st.get("exited"):
                break
            time.sleep(0.01)
        sys.stdout.write(base64.b64decode(st.get("out-data", "")).decode(errors="replace"))
        sys.stderr.write(base64.b64decode(st.get("err-data", "")).decode(errors="replace"))
        return st.get("exitcode", 128 + st.get("signal", 0))
    elif op == "clone":
        clone(sock, argv[3])
    elif op == "switch":
        switch(sock, int(argv[3]), argv[4], argv[5], int(argv[6]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, RuntimeError, EOFError, ValueError) as e:
        print(f"vmctl: {e}", file=sys.stderr)
        sys.exit(2)
