"""Sockets across processes: Python servers and clients in child processes,
synchronised on the lines they print; a killed peer; cleanup at exit."""
from __future__ import annotations

import json
import os
import signal
import stat
import sys
import textwrap

import pytest

from libipc import EventKind, SocketClient, SocketServer
from conftest import unique
from sockutil import WAIT, LineProc, make_root, remove_root, take, take_until


@pytest.fixture
def root():
    r = make_root()
    yield r
    remove_root(r)


@pytest.fixture
def procs():
    started = []

    def start(script: str, *args: str) -> LineProc:
        started.append(LineProc([sys.executable, "-c", textwrap.dedent(script), *args]))
        return started[-1]

    yield start
    for p in started:
        p.kill()


SERVER = """
    import json, sys
    from libipc import EventKind, SocketServer
    opts = json.loads(sys.argv[1])
    with SocketServer(opts) as server:
        hellos = 0

        @server.on("start")
        def start(ev):
            print("ready", server.port or server.address, flush=True)

        @server.on("hello")
        def hello(ev):
            global hellos
            hellos += 1
            server.emit(ev.conn, "welcome", {"to": ev.data["from"], "conn": ev.conn})
            server.broadcast("news", {"hellos": hellos})

        @server.on("ping")
        def ping(ev):
            server.emit(ev.conn, "pong", ev.data)

        @server.on("exit")
        def exit_(ev):
            print("exiting", flush=True)
            server.close()

        server.on("disconnect", lambda ev: print("disconnect", ev.conn, flush=True))
        server.run_forever()
"""


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_child_server_parent_clients(root, procs, transport):
    opts = {"id": unique("s"), "socketRoot": root} if transport == "unix" else {"port": 0}
    child = procs(SERVER, json.dumps(opts))
    where = child.expect(lambda s: s.startswith("ready ")).split(" ", 1)[1]
    copts = dict(opts) if transport == "unix" else {"port": int(where)}
    if transport == "unix":
        assert where == root + "app." + opts["id"]
    with SocketClient(copts) as a, SocketClient(copts) as b:
        a.wait_connected(WAIT)
        b.wait_connected(WAIT)
        a.emit("hello", {"from": "a"})
        w = take_until(a, lambda e: e.type == "welcome")
        assert w.data["to"] == "a"
        assert take_until(a, lambda e: e.type == "news").data == {"hellos": 1}
        assert take_until(b, lambda e: e.type == "news").data == {"hellos": 1}  # broadcast
        b.emit("hello", {"from": "b"})
        wb = take_until(b, lambda e: e.kind == EventKind.MESSAGE)
        assert wb.type == "welcome" and wb.data["to"] == "b" and wb.data["conn"] != w.data["conn"]
        # emit-to-one: a got news 2 next, never b's welcome
        assert take_until(a, lambda e: e.kind == EventKind.MESSAGE).data == {"hellos": 2}
        for i in range(50):
            a.emit("ping", [i, "✓"])
        assert [take_until(a, lambda e: e.type == "pong").data for _ in range(50)] == [[i, "✓"] for i in range(50)]
        a.emit("exit")
        child.expect("exiting", skip=lambda s: s.startswith("disconnect"))
        take_until(a, lambda e: e.kind == EventKind.DISCONNECT)
    assert child.finish() == 0
    if transport == "unix":
        assert not os.path.exists(where)


CLIENT = """
    import json, sys
    from libipc import EventKind, SocketClient
    with SocketClient(json.loads(sys.argv[1])) as client:
        client.wait_connected(20)
        client.emit("hello", {"pid": int(sys.argv[2])})
        for ev in client.events(20):
            if ev.kind == EventKind.MESSAGE:
                print("event", ev.type, json.dumps(ev.data, ensure_ascii=False), flush=True)
                if ev.type == "stop":
                    break
"""


def test_parent_server_child_clients(root, procs):
    sid = unique("s")
    opts = {"id": sid, "socketRoot": root}
    with SocketServer(opts) as server:
        kids = [procs(CLIENT, json.dumps(opts), str(k)) for k in range(3)]
        conns = {}
        while len(conns) < 3:
            ev = take_until(server, lambda e: e.type == "hello")
            conns[ev.data["pid"]] = ev.conn
        server.emit(conns[1], "only", "to one ✓")
        server.broadcast("stop", None)
        assert kids[1].expect(lambda s: s.startswith("event ")) == 'event only "to one ✓"'
        for k in kids:
            assert k.expect(lambda s: s.startswith("event ")) == "event stop null"
            assert k.finish() == 0
        gone = set()
        while len(gone) < 3:
            gone.add(take_until(server, lambda e: e.kind == EventKind.DISCONNECT).conn)
        assert gone == set(conns.values())


def test_killed_client_is_a_disconnect(root, procs):
    sid = unique("s")
    opts = {"id": sid, "socketRoot": root}
    with SocketServer(opts) as server:
        kid = procs(CLIENT, json.dumps(opts), "7")
        conn = take_until(server, lambda e: e.type == "hello").conn
        os.kill(kid.proc.pid, signal.SIGKILL)
        assert take_until(server, lambda e: e.kind == EventKind.DISCONNECT).conn == conn
        assert server.connections == 0


def test_exit_without_close_removes_the_socket_file(root, procs):
    path = root + "left.sock"
    kid = procs("""
        import sys
        from libipc import SocketServer
        server = SocketServer(path=sys.argv[1])  # never closed: atexit does it
        print("ready", flush=True)
    """, path)
    kid.expect("ready")
    assert kid.finish() == 0
    assert not os.path.exists(path)


def test_killed_server_leaves_a_stale_file_that_is_replaced(root, procs):
    path = root + "stale.sock"
    kid = procs("""
        import sys
        from libipc import SocketServer
        server = SocketServer(path=sys.argv[1])
        print("ready", flush=True)
        sys.stdin.read()
    """, path)
    kid.expect("ready")
    with SocketClient(path=path, retry=20) as client:
        client.wait_connected(WAIT)
        os.kill(kid.proc.pid, signal.SIGKILL)
        take_until(client, lambda e: e.kind == EventKind.DISCONNECT)
        kid.proc.wait(WAIT)  # reaped: every fd of it is closed, the listener's too
        assert stat.S_ISSOCK(os.stat(path).st_mode)  # SIGKILL: nobody removed it
        with SocketServer(path=path) as server:  # "unlink": nothing answers there
            client.wait_connected(WAIT)
            client.emit("back", 1)
            assert take_until(server, lambda e: e.kind == EventKind.MESSAGE).data == 1


def test_ctrl_c_stops_run_forever(root, procs):
    """A wait in C cannot see signals: on the main thread run_forever() waits
    in slices, so SIGINT (Ctrl-C) raises KeyboardInterrupt promptly."""
    kid = procs("""
        import sys
        from libipc import SocketServer
        with SocketServer(path=sys.argv[1]) as server:
            server.on("start", lambda ev: print("ready", flush=True))
            try:
                server.run_forever()
            except KeyboardInterrupt:
                print("interrupted", flush=True)
    """, root + "int.sock")
    kid.expect("ready")
    os.kill(kid.proc.pid, signal.SIGINT)
    kid.expect("interrupted", timeout=5)
    assert kid.finish() == 0
    assert not os.path.exists(root + "int.sock")
