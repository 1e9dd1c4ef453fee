"""The real node-ipc (npm 9.2.1) as a peer, through tests/sock/node_ipc_peer.js
(its line protocol is tests/sock/README.md): node-ipc clients against our
Python server and our Python clients against a node-ipc server, over Unix
sockets and TCP: events both ways, emit-to-one, broadcast, and reconnecting
after the node-ipc server restarts."""
from __future__ import annotations

import json
import os

import pytest

from libipc import EventKind, SocketClient, SocketServer
from conftest import unique
from sockutil import WAIT, LineProc, make_root, node_ipc_env, remove_root, take_until

ENV = node_ipc_env()
PEER = os.environ.get("IPC_NODE_IPC_PEER", "")
pytestmark = pytest.mark.skipif(
    ENV is None or not os.path.exists(PEER),
    reason="node-ipc is not in the build tree: configure with IPC_BUILD_NODE=ON and build "
           "(bindings/node installs node-ipc 9.2.1; IPC_NODE, IPC_NODE_IPC_PATH, IPC_NODE_IPC_PEER)")

DATA = {"text": "héllo ✓ 😀", "n": [1, 2.5, -3], "nested": {"ok": True, "none": None}}


@pytest.fixture
def root():
    r = make_root()
    yield r
    remove_root(r)


@pytest.fixture
def node():
    started = []

    def start(*args: str) -> LineProc:
        started.append(LineProc([os.environ["IPC_NODE"], PEER, *args], env=ENV))
        return started[-1]

    yield start
    for p in started:
        p.kill()


def event_line(line: str):
    """'event <type> <json>' -> (type, value)."""
    tag, type_, text = line.split(" ", 2)
    assert tag == "event", line
    return type_, json.loads(text)


def is_event(line: str) -> bool:
    return line.startswith("event ")


def message(ep, type_=None):
    ev = take_until(ep, lambda e: e.kind == EventKind.MESSAGE)
    if type_ is not None:
        assert ev.type == type_, ev
    return ev


# ---- node-ipc clients, our server ----

@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_node_ipc_clients_python_server(root, node, transport):
    sid = unique("s")
    opts = {"id": sid, "socketRoot": root} if transport == "unix" else {"port": 0}
    with SocketServer(opts) as server:
        args = ["client", "unix", root, sid] if transport == "unix" else ["client", "tcp", str(server.port)]
        a = node(*args)
        a.expect("connect")
        ev = message(server, "hello")  # node-ipc's client says hello on connect
        assert ev.data == {"from": "node-ipc"}
        conn_a = ev.conn
        b = node(*args)
        b.expect("connect")
        conn_b = message(server, "hello").conn
        assert conn_a != conn_b and server.connections == 2

        server.emit(conn_a, "welcome", {"to": "a", "data": DATA})  # to one
        server.broadcast("news", "broadcast ✓")                   # to all
        assert event_line(a.expect(is_event)) == ("welcome", {"to": "a", "data": DATA})
        assert event_line(a.expect(is_event)) == ("news", "broadcast ✓")
        assert event_line(b.expect(is_event)) == ("news", "broadcast ✓")  # no welcome for b

        a.send("emit ping " + json.dumps(DATA))
        ev = message(server, "ping")
        assert ev.conn == conn_a and ev.data == DATA
        for i in range(20):
            b.send(f"emit seq {i}")
        got = []
        for _ in range(20):
            ev = message(server, "seq")
            assert ev.conn == conn_b
            got.append(ev.data)
        assert got == list(range(20))

        assert a.finish() == 0
        assert take_until(server, lambda e: e.kind == EventKind.DISCONNECT).conn == conn_a
        assert b.finish() == 0
        assert take_until(server, lambda e: e.kind == EventKind.DISCONNECT).conn == conn_b


# ---- our clients, node-ipc's server ----

@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_python_clients_node_ipc_server(root, node, transport):
    sid = unique("s")
    srv = node("server", "unix", root, sid) if transport == "unix" else node("server", "tcp", "0")
    where = srv.expect(lambda s: s.startswith("ready ")).split(" ", 1)[1]
    if transport == "unix":
        assert where == root + "app." + sid
        opts = {"id": sid, "socketRoot": root, "retry": 50}
    else:
        opts = {"port": int(where), "retry": 50}
    with SocketClient(opts) as a, SocketClient(opts) as b:
        a.wait_connected(WAIT)
        b.wait_connected(WAIT)
        srv.expect("connect")
        srv.expect("connect")

        a.emit("hello", {"from": "python-a"})
        assert message(a, "welcome").data == {"to": "python-a"}   # emit to one
        assert message(a, "news").data == {"hellos": 1}          # broadcast
        assert message(b, "news").data == {"hellos": 1}          # b: no welcome
        assert event_line(srv.expect(is_event, skip=lambda s: s == "connect")) == ("hello", {"from": "python-a"})

        a.emit("ping", DATA)
        assert message(a, "pong").data == DATA
        assert event_line(srv.expect(is_event)) == ("ping", DATA)
        srv.send('emit bcast {"x":[1,"✓"]}')
        assert message(a, "bcast").data == {"x": [1, "✓"]}
        assert message(b, "bcast").data == {"x": [1, "✓"]}

        # node-ipc's server stops (dropping both connections) and starts again
        # on the same path/port: our clients reconnect by themselves.
        srv.send("stop")
        srv.expect("stopped", skip=lambda s: s == "disconnect")
        take_until(a, lambda e: e.kind == EventKind.DISCONNECT)
        take_until(b, lambda e: e.kind == EventKind.DISCONNECT)
        srv.send("start")
        assert srv.expect(lambda s: s.startswith("ready ")) == f"ready {where}"
        take_until(a, lambda e: e.kind == EventKind.CONNECT, skip=lambda e: e.kind == EventKind.ERROR)
        take_until(b, lambda e: e.kind == EventKind.CONNECT, skip=lambda e: e.kind == EventKind.ERROR)
        b.emit("hello", {"from": "python-b"})
        assert message(b, "welcome").data == {"to": "python-b"}
        assert message(b, "news").data == {"hellos": 2}
        assert message(a, "news").data == {"hellos": 2}
        b.emit("ping", "after restart ✓")
        assert message(b, "pong").data == "after restart ✓"

    assert srv.finish() == 0
