#!/usr/bin/env python3
"""QMP / qemu-guest-agent / HTTP helper for guest/tools/smoke.sh and for trying guests by hand
(standard library only).

  vmctl.py qmp SOCK COMMAND [ARGS_JSON]            one QMP command, prints its "return" as JSON
  vmctl.py qmp-cont-wait SOCK EVENT[,EVENT] SECS   `cont`, then wait for one of the events; print it
  vmctl.py qga SOCK COMMAND [ARGS_JSON]            one agent command, prints its "return"
  vmctl.py qga-noreply SOCK COMMAND [ARGS_JSON]    an agent command that answers nothing on success
                                                   (guest-shutdown); reports an error if one comes
  vmctl.py exec SOCK [--timeout S] PROG [ARG...]   guest-exec argv, wait, relay stdout/stderr, exit
                                                   with the guest's exit code
  vmctl.py wait-agent SOCK SECS                    until guest-ping answers
  vmctl.py push SOCK LOCAL_FILE GUEST_PATH         copy a file into the guest (guest-file-open/write)
  vmctl.py get URL | post URL                      one HTTP request, prints the body (exit 1 on failure)
  vmctl.py wait-http URL SECS [EXPECT]             until URL answers (matching EXPECT); prints seconds
  vmctl.py wait-serial FILE TEXT SECS              until FILE contains TEXT; prints seconds
  vmctl.py stamp-serial FILE                       follows FILE (a serial log) until killed, printing
                                                   each new line as "EPOCH_SECONDS LINE" when it
                                                   appears (polled every 5 ms)
  vmctl.py downtime URL SECS [EXPECT]              polls every 10 ms; prints the gap between the last
                                                   answer before a failure and the first answer
                                                   (matching EXPECT) after it, as JSON. With
                                                   DOWNTIME_ARMED=FILE it creates FILE once polling
                                                   has seen its first answer.
  vmctl.py clone FG_DIR SNAPSHOT_FILE              freeze, blockdev-snapshot-sync of node sys0, thaw;
                                                   JSON timings
  vmctl.py switch FG_DIR BG_DIR PERSIST_IMG SERIAL FORWARDS
                                                   release hook in FG, kill FG (SIGKILL, as bgreboot
                                                   does), hot-plug the persistent disk into BG on
                                                   root port rp1, attach hook in BG, forward ports
                                                   to BG (FORWARDS: HOST:GUEST[,HOST:GUEST...]);
                                                   JSON timings; VMCTL_TRACE=1: the hooks' step
                                                   times (BGREBOOT_TRACE) on stderr
EXPECT is KEY=VALUE or KEY!=VALUE on the JSON answer. A VM directory holds qmp.sock, qga.sock and
pid. With VMCTL_PID set, the waits fail at once when that QEMU process has exited. clone and
switch keep their connections open, as bgreboot does, so their timings are free of connection
set-up and interpreter start-up. Errors go to stderr with exit status 2.
"""
import base64
import json
import os
import signal
import socket
import sys
import time
import urllib.request
from http.client import HTTPException


def connect(path, timeout=30.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


class Lines:
    """Newline-delimited JSON objects from a socket."""

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


class Qmp:
    def __init__(self, path, timeout=30.0):
        self.sock = connect(path, timeout)
        self.r = Lines(self.sock)
        self.events = []
        self.r.next()  # greeting
        self.call("qmp_capabilities")

    def call(self, cmd, args=None):
        msg = {"execute": cmd, "id": "vmctl"}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            m = self.r.next()
            if "event" in m:
                self.events.append(m)
                continue
            if "error" in m:
                raise RuntimeError(f"QMP {cmd}: {m['error']}")
            return m.get("return")


class Agent:
    def __init__(self, path, timeout=30.0):
        self.sock = connect(path, timeout)
        self.r = Lines(self.sock)
        # Resynchronise: a previous client may have left a reply unread in the channel.
        sync_id = int(time.time() * 1000) % 2_000_000_000
        self.sock.sendall(b"\xff" + json.dumps({"execute": "guest-sync-delimited",
                                                 "arguments": {"id": sync_id}}).encode() + b"\n")
        while self.r.next().get("return") != sync_id:
            pass

    def send(self, cmd, args=None):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    def call(self, cmd, args=None):
        self.send(cmd, args)
        m = self.r.next()
        if "error" in m:
            raise RuntimeError(f"agent {cmd}: {m['error']}")
        return m.get("return")

    def exec(self, argv, timeout=600.0, poll=0.005):
        """Runs argv in the guest; returns (exitcode, stdout, stderr)."""
        pid = self.call("guest-exec", {"path": argv[0], "arg": argv[1:], "capture-output": True})["pid"]
        end = time.monotonic() + timeout
        while True:
            st = self.call("guest-exec-status", {"pid": pid})
            if st.get("exited"):
                return (st.get("exitcode", 128 + st.get("signal", 0)),
                        base64.b64decode(st.get("out-data", "")).decode(errors="replace"),
                        base64.b64decode(st.get("err-data", "")).decode(errors="replace"))
            if time.monotonic() > end:
                raise TimeoutError(f"{argv} still running after {timeout} s")
            time.sleep(poll)

    def push(self, local, remote):
        h = self.call("guest-file-open", {"path": remote, "mode": "w"})
        try:
            with open(local, "rb") as f:
                while True:
                    chunk = f.read(48 * 1024)
                    if not chunk:
                        break
                    self.call("guest-file-write", {"handle": h, "buf-b64": base64.b64encode(chunk).decode()})
        finally:
            self.call("guest-file-close", {"handle": h})


def http(url, method="GET", timeout=2.0):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read().decode()


def check_qemu():
    """Fail fast when the QEMU process named by $VMCTL_PID has exited."""
    pid = os.environ.get("VMCTL_PID")
    if pid and not os.path.exists(f"/proc/{pid}"):
        print(f"QEMU (pid {pid}) exited", file=sys.stderr)
        sys.exit(3)


def matches(body, expect):
    """expect: None, KEY=VALUE or KEY!=VALUE on the JSON answer."""
    if not expect:
        return True
    neg = "!=" in expect
    k, v = expect.split("!=" if neg else "=", 1)
    try:
        got = str(json.loads(body).get(k))
    except ValueError:
        return False
    return (got != v) if neg else (got == v)


def ms(a, b):
    return round((b - a) * 1000, 1)


def clone(fg, snapshot):
    q = Qmp(fg + "/qmp.sock")
    a = Agent(fg + "/qga.sock")
    t0 = time.monotonic()
    n = a.call("guest-fsfreeze-freeze")
    t1 = time.monotonic()
    try:
        q.call("blockdev-snapshot-sync", {"node-name": "sys0", "snapshot-file": snapshot,
                                          "snapshot-node-name": "sys1", "format": "qcow2"})
    finally:
        t2 = time.monotonic()
        a.call("guest-fsfreeze-thaw")
    t3 = time.monotonic()
    print(json.dumps({"frozen_filesystems": n, "freeze_ms": ms(t0, t1), "snapshot_ms": ms(t1, t2),
                      "thaw_ms": ms(t2, t3), "total_ms": ms(t0, t3)}))


# Runs the attach hook and prints its run time inside the guest in microseconds (with one reading
# of the clock, a process: coreutils' date +%s%N, or busybox adjtimex where date has no %N).
ATTACH_TIMED = r"""case $(date +%N 2>/dev/null) in
*[!0-9]* | '') clk() { set -- $(adjtimex); while [ $# -gt 0 ]; do case $1 in
	time.tv_sec:) s=$2 ;; time.tv_usec:) u=$2 ;; esac; shift; done; echo $((s * 1000000 + u)); } ;;
*) clk() { n=$(date +%s%N); echo $((n / 1000)); } ;;
esac
a=$(clk); /usr/sbin/bgreboot-attach; rc=$?; b=$(clk); echo $((b - a)); exit $rc"""


def alive(pid):
    """True until the process has exited entirely. Its leader shows as a zombie (we are not its
    parent, so nobody reaps it here) while its other threads are still exiting and holding its
    files, image locks included: wait for those too."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                return True
        return len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


def switch(fg, bg, persist, serial, forwards):
    fg_pid = int(open(fg + "/pid").read())
    fa = Agent(fg + "/qga.sock")
    bq = Qmp(bg + "/qmp.sock")
    ba = Agent(bg + "/qga.sock")
    trace = bool(os.environ.get("VMCTL_TRACE"))
    t = {"start": time.monotonic()}
    rc, out, err = fa.exec((["/usr/bin/env", "BGREBOOT_TRACE=1"] if trace else []) + ["/usr/sbin/bgreboot-release"])
    if rc != 0:
        raise RuntimeError(f"release hook exited {rc}: {err}")
    if trace:
        sys.stderr.write(err)
    t["released"] = time.monotonic()
    os.kill(fg_pid, signal.SIGKILL)
    while alive(fg_pid):
        time.sleep(0.001)
    t["fg_gone"] = time.monotonic()
    bq.call("blockdev-add", {"driver": "file", "filename": persist, "node-name": "persist-file"})
    bq.call("blockdev-add", {"driver": "raw", "file": "persist-file", "node-name": "persist"})
    bq.call("device_add", {"driver": "virtio-blk-pci", "drive": "persist", "serial": serial,
                           "bus": "rp1", "id": "persist-dev"})
    t["plugged"] = time.monotonic()
    rc, out, err = ba.exec(["/bin/sh", "-c", ("export BGREBOOT_TRACE=1\n" if trace else "") + ATTACH_TIMED])
    if rc != 0:
        raise RuntimeError(f"attach hook exited {rc}: {err}")
    if trace:
        sys.stderr.write(err)
    t["attached"] = time.monotonic()
    for fwd in forwards.split(","):
        host, guest = fwd.split(":")
        bq.call("human-monitor-command", {"command-line": f"hostfwd_add net0 tcp:127.0.0.1:{host}-:{guest}"})
    t["forwarded"] = time.monotonic()
    print(json.dumps({"release_ms": ms(t["start"], t["released"]),
                      "kill_fg_ms": ms(t["released"], t["fg_gone"]),
                      "hotplug_qmp_ms": ms(t["fg_gone"], t["plugged"]),
                      "attach_ms": ms(t["plugged"], t["attached"]),
                      "attach_in_guest_ms": round(int(out.split()[-1]) / 1000, 1),
                      "hostfwd_ms": ms(t["attached"], t["forwarded"]),
                      "total_ms": ms(t["start"], t["forwarded"])}))


def wait_until(secs, probe):
    """Calls probe() until it returns a true value or secs pass; returns seconds taken or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        if probe():
            return time.monotonic() - t0
        check_qemu()
        time.sleep(0.05)
    return None


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    op = argv[1]
    args_json = json.loads(argv[4]) if len(argv) > 4 and op in ("qmp", "qga", "qga-noreply") else None
    if op == "qmp":
        print(json.dumps(Qmp(argv[2]).call(argv[3], args_json)))
    elif op == "qmp-cont-wait":
        wanted, secs = argv[3].split(","), float(argv[4])
        q = Qmp(argv[2])
        q.call("cont")
        deadline = time.monotonic() + secs
        while True:
            for e in q.events:
                if e["event"] in wanted:
                    print(json.dumps(e))
                    return 0
            q.events.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                print(f"no {argv[3]} within {secs} s", file=sys.stderr)
                return 1
            q.sock.settimeout(left)
            try:
                q.events.append(q.r.next())
            except (socket.timeout, EOFError) as e:
                print(f"no {argv[3]}: {e}", file=sys.stderr)
                return 1
    elif op == "qga":
        print(json.dumps(Agent(argv[2]).call(argv[3], args_json)))
    elif op == "qga-noreply":
        a = Agent(argv[2])
        a.send(argv[3], args_json)
        # nothing comes back on success: keep the connection a moment so the command reaches
        # the guest, and report an error if one comes back
        a.sock.settimeout(2.0)
        try:
            m = a.r.next()
            if "error" in m:
                raise RuntimeError(f"agent {argv[3]}: {m['error']}")
        except (socket.timeout, EOFError):
            pass
    elif op == "exec":
        rest, timeout = argv[3:], 600.0
        if rest and rest[0] == "--timeout":
            timeout, rest = float(rest[1]), rest[2:]
        code, out, err = Agent(argv[2]).exec(rest, timeout, poll=0.05)
        sys.stdout.write(out)
        sys.stderr.write(err)
        return code
    elif op == "wait-agent":
        def ping():
            try:
                Agent(argv[2], timeout=2.0).call("guest-ping")
                return True
            except (OSError, ValueError, RuntimeError, EOFError):
                return False
        if wait_until(float(argv[3]), ping) is None:
            print("agent did not answer", file=sys.stderr)
            return 1
    elif op == "push":
        Agent(argv[2]).push(argv[3], argv[4])
    elif op in ("get", "post"):
        try:
            print(http(argv[2], op.upper()))
        except OSError as e:
            print(f"{op} {argv[2]}: {e}", file=sys.stderr)
            return 1
    elif op == "wait-http":
        expect = argv[4] if len(argv) > 4 else None

        def answers():
            try:
                return matches(http(argv[2], timeout=1.0), expect)
            except (OSError, HTTPException):
                return False
        took = wait_until(float(argv[3]), answers)
        if took is None:
            print(f"{argv[2]} did not answer{' with ' + expect if expect else ''} in {argv[3]} s", file=sys.stderr)
            return 1
        print(f"{took:.2f}")
    elif op == "wait-serial":
        text = argv[3].encode()

        def seen():
            try:
                with open(argv[2], "rb") as f:
                    return text in f.read()
            except OSError:
                return False
        took = wait_until(float(argv[4]), seen)
        if took is None:
            print(f"no {argv[3]!r} in {argv[2]} after {argv[4]} s", file=sys.stderr)
            return 1
        print(f"{took:.2f}")
    elif op == "stamp-serial":
        pos, buf = 0, b""
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            try:
                with open(argv[2], "rb") as f:
                    f.seek(pos)
                    chunk = f.read()
            except FileNotFoundError:
                chunk = b""
            if chunk:
                pos += len(chunk)
                buf += chunk
                now = time.time()
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    text = line.decode(errors="replace").replace("\r", "").strip()
                    if text:
                        print(f"{now:.3f} {text}", flush=True)
            time.sleep(0.005)
    elif op == "downtime":
        url, timeout = argv[2], float(argv[3])
        expect = argv[4] if len(argv) > 4 else None
        armed = os.environ.get("DOWNTIME_ARMED")
        end = time.monotonic() + timeout
        last_ok = down_since = None
        answers = 0
        while time.monotonic() < end:
            now = time.monotonic()
            body = None
            try:
                body = http(url, timeout=0.5)
            except (OSError, HTTPException):
                pass  # refused, reset, timed out, or cut off mid-answer by the going-down guest
            if body is not None:
                answers += 1
                if armed and answers == 1:
                    open(armed, "w").close()
                if down_since is not None and matches(body, expect):
                    print(json.dumps({"downtime_s": round(time.monotonic() - last_ok, 3),
                                      "answer": json.loads(body)}))
                    return 0
                if down_since is None:
                    last_ok = time.monotonic()
            else:
                if last_ok is not None and down_since is None:
                    down_since = now
                check_qemu()
            time.sleep(0.01)
        print(json.dumps({"error": "no new answer", "timeout_s": timeout}))
        return 1
    elif op == "clone":
        clone(argv[2], argv[3])
    elif op == "switch":
        switch(argv[2], argv[3], argv[4], argv[5], argv[6])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, RuntimeError, EOFError, ValueError, TimeoutError) as e:
        print(f"vmctl: {e}", file=sys.stderr)
        sys.exit(2)
