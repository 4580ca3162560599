#!/usr/bin/env python3
"""Tiny QMP / qemu-guest-agent / HTTP client for guest/debian/smoke.sh (standard library only).

  vmctl.py qga SOCK COMMAND [JSON-ARGS]          one agent command, prints the reply's "return"
  vmctl.py exec SOCK [--timeout S] PROG ARGS...  guest-exec, waits, prints output, exits with its code
  vmctl.py qmp SOCK COMMAND [JSON-ARGS]          one QMP command, prints the reply's "return"
  vmctl.py wait-agent SOCK TIMEOUT               until guest-ping answers
  vmctl.py get URL                               GET, prints the body (exit 1 on failure)
  vmctl.py post URL                              POST, prints the body
  vmctl.py downtime URL TIMEOUT [EXPECT]         polls every 10 ms; prints the gap between the last
                                                 answer and the first answer matching EXPECT (JSON)
  vmctl.py wait-http URL TIMEOUT [EXPECT]        until URL answers (matching EXPECT); prints seconds
  vmctl.py wait-serial FILE TEXT TIMEOUT         until FILE contains TEXT; prints seconds
EXPECT is KEY=VALUE or KEY!=VALUE on the JSON answer. With VMCTL_PID set, the waits fail at
once when that QEMU process has exited.
"""
import base64
import json
import os
import random
import socket
import sys
import time
import urllib.request


def _recv_json(sock, buf):
    while b"\n" not in buf[0]:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("socket closed")
        buf[0] += chunk
    line, buf[0] = buf[0].split(b"\n", 1)
    return json.loads(line)


def qga(path, command, args=None, timeout=30.0, expect_reply=True):
    """One agent command. guest-sync-delimited first, so a stale reply cannot be mistaken."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(path)
    buf = [b""]
    try:
        sid = random.randint(1, 2**31)
        s.sendall(b"\xff" + json.dumps({"execute": "guest-sync-delimited", "arguments": {"id": sid}}).encode() + b"\n")
        while True:  # skip to the 0xff sentinel, then read the sync reply
            while b"\xff" not in buf[0]:
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError("agent closed the socket")
                buf[0] += chunk
            buf[0] = buf[0].split(b"\xff", 1)[1]
            r = _recv_json(s, buf)
            if r.get("return") == sid:
                break
        msg = {"execute": command}
        if args:
            msg["arguments"] = args
        s.sendall(json.dumps(msg).encode() + b"\n")
        if not expect_reply:
            # guest-shutdown answers nothing on success: keep the connection open a moment so
            # the command reaches the guest, and report an error if one comes back.
            s.settimeout(2.0)
            try:
                r = _recv_json(s, buf)
                if "error" in r:
                    raise RuntimeError(f"{command}: {r['error']}")
            except (socket.timeout, ConnectionError):
                pass
            return None
        r = _recv_json(s, buf)
        if "error" in r:
            raise RuntimeError(f"{command}: {r['error']}")
        return r.get("return")
    finally:
        s.close()


def qmp(path, command, args=None, timeout=30.0):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(path)
    buf = [b""]
    try:
        _recv_json(s, buf)  # greeting
        s.sendall(b'{"execute":"qmp_capabilities"}\n')
        while "return" not in _recv_json(s, buf):
            pass
        msg = {"execute": command, "id": 1}
        if args:
            msg["arguments"] = args
        s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = _recv_json(s, buf)
            if r.get("id") == 1:
                if "error" in r:
                    raise RuntimeError(f"{command}: {r['error']}")
                return r.get("return")
    finally:
        s.close()


def guest_exec(path, argv, timeout=600.0):
    pid = qga(path, "guest-exec", {"path": argv[0], "arg": argv[1:], "capture-output": True})["pid"]
    end = time.monotonic() + timeout
    while True:
        st = qga(path, "guest-exec-status", {"pid": pid})
        if st.get("exited"):
            out = base64.b64decode(st.get("out-data", "")).decode(errors="replace")
            err = base64.b64decode(st.get("err-data", "")).decode(errors="replace")
            return st.get("exitcode", -1), out, err
        if time.monotonic() > end:
            raise TimeoutError(f"{argv} still running after {timeout} s")
        time.sleep(0.05)


def http(url, method="GET", timeout=2.0):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read().decode()


def _check_qemu():
    """Fail fast when the QEMU process named by $VMCTL_PID has exited."""
    pid = os.environ.get("VMCTL_PID")
    if pid and not os.path.exists(f"/proc/{pid}"):
        print(f"QEMU (pid {pid}) exited", file=sys.stderr)
        sys.exit(3)


def _matches(body, expect):
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


def main(argv):
    cmd = argv[1]
    if cmd == "qga":
        print(json.dumps(qga(argv[2], argv[3], json.loads(argv[4]) if len(argv) > 4 else None)))
    elif cmd == "qga-noreply":
        qga(argv[2], argv[3], json.loads(argv[4]) if len(argv) > 4 else None, expect_reply=False)
    elif cmd == "qmp":
        print(json.dumps(qmp(argv[2], argv[3], json.loads(argv[4]) if len(argv) > 4 else None)))
    elif cmd == "exec":
        rest = argv[3:]
        timeout = 600.0
        if rest[0] == "--timeout":
            timeout = float(rest[1])
            rest = rest[2:]
        code, out, err = guest_exec(argv[2], rest, timeout)
        sys.stdout.write(out)
        sys.stderr.write(err)
        return code
    elif cmd == "wait-agent":
        end = time.monotonic() + float(argv[3])
        while True:
            try:
                qga(argv[2], "guest-ping", timeout=2.0)
                return 0
            except (OSError, ValueError, RuntimeError):
                _check_qemu()
                if time.monotonic() > end:
                    print("agent did not answer", file=sys.stderr)
                    return 1
                time.sleep(0.2)
    elif cmd in ("get", "post"):
        try:
            print(http(argv[2], cmd.upper()))
        except OSError as e:
            print(f"{cmd} {argv[2]}: {e}", file=sys.stderr)
            return 1
    elif cmd == "wait-http":
        t0 = time.monotonic()
        end = t0 + float(argv[3])
        expect = argv[4] if len(argv) > 4 else None
        while time.monotonic() < end:
            try:
                body = http(argv[2], timeout=1.0)
                if _matches(body, expect):
                    print(f"{time.monotonic() - t0:.2f}")
                    return 0
            except OSError:
                pass
            _check_qemu()
            time.sleep(0.05)
        print(f"{argv[2]} did not answer{' with ' + expect if expect else ''} in {argv[3]} s", file=sys.stderr)
        return 1
    elif cmd == "wait-serial":
        path, text, timeout = argv[2], argv[3].encode(), float(argv[4])
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            try:
                with open(path, "rb") as f:
                    if text in f.read():
                        print(f"{time.monotonic() - t0:.2f}")
                        return 0
            except OSError:
                pass
            _check_qemu()
            time.sleep(0.05)
        print(f"no {argv[3]!r} in {path} after {timeout} s", file=sys.stderr)
        return 1
    elif cmd == "downtime":
        # Poll every 10 ms. Downtime: last answer before the first failure -> first answer
        # matching EXPECT after it. Prints JSON. The caller starts the reboot after this started
        # (it waits for a file "ARMED" path given by env DOWNTIME_ARMED, if set).
        url, timeout = argv[2], float(argv[3])
        expect = argv[4] if len(argv) > 4 else None
        armed = os.environ.get("DOWNTIME_ARMED")
        end = time.monotonic() + timeout
        last_ok = None
        down_since = None
        answers = 0
        while time.monotonic() < end:
            now = time.monotonic()
            ok_body = None
            try:
                ok_body = http(url, timeout=0.5)
            except OSError:
                pass
            if ok_body is not None:
                answers += 1
                if armed and answers == 1:
                    open(armed, "w").close()
                if down_since is not None and _matches(ok_body, expect):
                    print(json.dumps({"downtime_s": round(time.monotonic() - last_ok, 3),
                                      "answer": json.loads(ok_body)}))
                    return 0
                if down_since is None:
                    last_ok = time.monotonic()
            elif last_ok is not None and down_since is None:
                down_since = now
            if ok_body is None:
                _check_qemu()
            time.sleep(0.01)
        print(json.dumps({"error": "no new answer", "timeout_s": timeout}))
        return 1
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
