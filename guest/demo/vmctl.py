#!/usr/bin/env python3
"""Minimal QMP / qemu-guest-agent client for guest/demo/smoke.sh (stdlib only).

  vmctl.py qmp SOCK COMMAND [ARGS_JSON]            run a QMP command, print its "return" as JSON
  vmctl.py qmp-cont-wait SOCK EVENT[,EVENT] SECS   `cont`, then wait for one of the events; print it
  vmctl.py qga SOCK COMMAND [ARGS_JSON]            run an agent command, print its "return"
  vmctl.py qga-nowait SOCK COMMAND [ARGS_JSON]     send an agent command that never answers
  vmctl.py exec SOCK ARG0 [ARG...]                 guest-exec argv, wait, relay stdout/stderr, exit
                                                   with the guest's exit code
Errors go to stderr with exit status 2.
"""
import base64
import json
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
