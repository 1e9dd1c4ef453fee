#!/usr/bin/env python3
"""Runs one cross-language pair: run_pair.py PEERS_JSON AREA CREATOR OPENER.

Starts the creator, waits for it to print "ready", runs the opener to
completion, closes the creator's stdin and waits for it; removes the named
resource afterwards whatever happened. See README.md beside this file."""
import json
import os
import subprocess
import sys
import threading

TIMEOUT = 120  # per process; generous for first-run .NET and Node start-up


def peer_cmd(peers, lang):
    p = peers[lang]
    env = dict(os.environ)
    for item in p.get("env", []):
        k, _, v = item.partition("=")
        env[k] = v
    return p["command"], env


# Where each area's named object lives on Linux (see the area headers).
BACKING = {"shm": "/dev/shm/{}", "stream": "/dev/shm/{}", "sem": "/dev/shm/ipc-sem.{}", "mq": "/dev/shm/ipc-mq.{}"}


def sock_default_root():
    """ipc_sock_default_root(): where {"id": name} puts the socket (node-ipc's
    socketRoot + appspace "app." + id)."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    return os.path.join(xdg, "libipc", "") if xdg else f"/tmp/libipc-{os.getuid()}/"


BACKING["sock"] = sock_default_root().replace("{", "{{").replace("}", "}}") + "app.{}"


def cleanup(area, name):
    path = BACKING.get(area)
    if path:
        try:
            os.unlink(path.format(name))
        except FileNotFoundError:
            pass


def main():
    peers_json, area, creator, opener = sys.argv[1:5]
    with open(peers_json) as f:
        peers = json.load(f)
    name = f"ipcit_{area}_{creator}_{opener}_{os.getpid()}"
    cleanup(area, name)
    a_cmd, a_env = peer_cmd(peers, creator)
    b_cmd, b_env = peer_cmd(peers, opener)
    a = subprocess.Popen(a_cmd + [area, "create", name, opener], env=a_env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    # A watchdog kills a hung creator so the test fails instead of hanging.
    watchdog = threading.Timer(TIMEOUT, a.kill)
    watchdog.start()
    try:
        line = a.stdout.readline().strip()
        while line and line != "ready":
            print(f"[{creator}] {line}")
            line = a.stdout.readline().strip()
        if line != "ready":
            print(f"FAIL: creator {creator} exited with {a.wait()} before 'ready'")
            return 1
        b = subprocess.run(b_cmd + [area, "open", name, creator], env=b_env,
                           stdout=subprocess.PIPE, text=True, timeout=TIMEOUT)
        print(f"[{opener}] {b.stdout.strip()}")
        a.stdin.close()
        rest = a.stdout.read().strip()
        if rest:
            print(f"[{creator}] {rest}")
        a_rc = a.wait()
        if b.returncode != 0 or a_rc != 0:
            print(f"FAIL: {area}_{creator}_{opener}: creator rc={a_rc}, opener rc={b.returncode}")
            return 1
        print(f"PASS: {area}_{creator}_{opener}")
        return 0
    finally:
        watchdog.cancel()
        if a.poll() is None:
            a.kill()
            a.wait()
        cleanup(area, name)


if __name__ == "__main__":
    sys.exit(main())
