"""Sockets in one process: SocketServer and SocketClient over Unix, TCP and
UDP, raw mode, the wire format against plain stdlib sockets, bad input,
callbacks, threads, reconnects and backpressure."""
from __future__ import annotations

import math
import os
import socket
import stat
import struct
import threading
import time

import pytest

from libipc import (AddressInUseError, AlreadyExistsError, BadHandleError, ClosedError, EncodingError,
                    ErrorCode, Event, EventKind, InvalidArgumentError, IpcError, MessageSizeError,
                    NameTooLongError, NotFoundError, NotSupportedError, SocketClient, SocketServer,
                    TimedOutError, TryAgainError, default_socket_root)
from libipc import libipc_native as native
from libipc.sock import ALL
from conftest import unique
from sockutil import WAIT, make_root, remove_root, take, take_until

HELLO = {"lang": "python", "text": "héllo ✓ 😀", "n": [1, 2.5, -3], "nested": {"ok": True, "none": None}}


@pytest.fixture
def root():
    r = make_root()
    yield r
    remove_root(r)


@pytest.fixture
def ends():
    """Endpoints made by a test, closed after it whatever happened."""
    made = []

    def track(ep):
        made.append(ep)
        return ep

    yield track
    for ep in reversed(made):
        ep.close()


def unix_pair(root, ends, **server_opts):
    sid = unique("s")
    server = ends(SocketServer(id=sid, socketRoot=root, **server_opts))
    take(server, EventKind.START)
    client = ends(SocketClient(id=sid, socketRoot=root, retry=20))
    client.wait_connected(WAIT)
    take(client, EventKind.CONNECT)
    conn = take(server, EventKind.CONNECT).conn
    return server, client, conn


# ---- the basic exchange, per transport ----

def test_unix_events_both_ways(root, ends):
    sid = unique("s")
    server = ends(SocketServer({"id": sid, "socketRoot": root}))
    assert server.address == root + "app." + sid
    assert stat.S_ISSOCK(os.stat(server.address).st_mode)
    assert server.port == 0 and server.connections == 0
    start = take(server, EventKind.START)
    assert start.conn == 0 and start.code == 0 and start.type == "" and start.data is None
    assert start.name == "start" and start.error is None

    client = ends(SocketClient(id=sid, socketRoot=root))
    client.wait_connected(WAIT)
    assert client.connected and client.connections == 1
    take(client, EventKind.CONNECT)
    c = take(server, EventKind.CONNECT)
    assert c.conn >= 1 and server.connections == 1

    client.emit("hello", HELLO)
    ev = take(server, EventKind.MESSAGE, "hello")
    assert ev.data == HELLO and ev.conn == c.conn and ev.name == "hello" and ev.code == 0
    assert isinstance(ev, Event) and isinstance(ev.kind, EventKind)

    server.emit(c.conn, "welcome", {"echo": ev.data})
    server.broadcast("news", "broadcast ✓")
    assert take(client, EventKind.MESSAGE, "welcome").data == {"echo": HELLO}
    news = take(client, EventKind.MESSAGE, "news")
    assert news.data == "broadcast ✓" and news.conn == 0

    # No data is node-ipc's {}; None is JSON null.
    client.emit("empty")
    client.emit("null", None)
    assert take(server, EventKind.MESSAGE, "empty").data == {}
    assert take(server, EventKind.MESSAGE, "null").data is None

    client.disconnect()
    take(client, EventKind.DISCONNECT)
    take(client, EventKind.DESTROY)
    with pytest.raises(ClosedError):
        client.next_event(1)
    assert list(client.events()) == []
    assert take(server, EventKind.DISCONNECT).conn == c.conn


def test_tcp_any_port(ends):
    server = ends(SocketServer(port=0))  # no path or id: TCP on 127.0.0.1
    assert server.port > 0 and server.address == f"127.0.0.1:{server.port}"
    client = ends(SocketClient(port=server.port))
    client.wait_connected(WAIT)
    take(server, EventKind.START)
    c = take(server, EventKind.CONNECT)
    assert c.address.startswith("127.0.0.1:")
    for i in range(100):
        client.emit("seq", i)
    got = [take(server, EventKind.MESSAGE, "seq").data for _ in range(100)]
    assert got == list(range(100))


def test_tcp_ipv6(ends):
    try:
        server = ends(SocketServer(transport="tcp", host="::1", port=0))
    except IpcError as e:
        pytest.skip(f"no IPv6 loopback here: {e}")
    assert server.address == f"[::1]:{server.port}"
    client = ends(SocketClient(transport="tcp", host="::1", port=server.port))
    client.wait_connected(WAIT)
    client.emit("v6", [1])
    ev = take_until(server, lambda e: e.kind == EventKind.MESSAGE)
    assert ev.data == [1] and ev.address.startswith("[::1]:")


@pytest.mark.parametrize("transport,host", [("udp4", "127.0.0.1"), ("udp6", "::1")])
def test_udp_datagrams(ends, transport, host):
    try:
        server = ends(SocketServer(transport=transport, host=host, port=0))
    except IpcError as e:
        if transport == "udp4":
            raise
        pytest.skip(f"no IPv6 loopback here: {e}")
    assert server.port > 0
    client = ends(SocketClient(transport=transport, host=host, port=server.port))
    client.emit("ping", {"n": 1})
    ev = take_until(server, lambda e: e.kind == EventKind.MESSAGE)
    assert ev.type == "ping" and ev.data == {"n": 1} and ev.conn >= 1
    peer_host, _, port = ev.address.rpartition(":")
    assert peer_host.strip("[]") == host
    host = peer_host.strip("[]")
    assert server.peer(host, int(port)) == ev.conn  # the same peer, the same id
    server.emit(ev.conn, "pong", ev.data)
    pong = take_until(client, lambda e: e.kind == EventKind.MESSAGE)
    assert (pong.type, pong.data) == ("pong", {"n": 1})


def test_default_root_composition(ends):
    sid = unique("s")
    root = default_socket_root()
    assert root.endswith("/") and stat.S_IMODE(os.stat(root).st_mode) == 0o700
    server = ends(SocketServer(id=sid))
    path = root + "app." + sid
    assert server.address == path and os.path.exists(path)
    client = ends(SocketClient(id=sid))
    client.wait_connected(WAIT)
    server.close()
    assert not os.path.exists(path)  # the server removes its socket file


# ---- raw mode and the wire format ----

def test_raw_mode(root, ends):
    sid = unique("s")
    server = ends(SocketServer(id=sid, socketRoot=root, raw=True))
    client = ends(SocketClient(id=sid, socketRoot=root, raw=True))
    client.wait_connected(WAIT)
    take_until(server, lambda e: e.kind == EventKind.CONNECT)
    payload = bytes(range(256)) + b"\f{not json"
    client.send(payload)
    client.send(memoryview(b"tail"))
    got = b""
    while len(got) < len(payload) + 4:
        ev = take_until(server, lambda e: e.kind == EventKind.DATA)
        assert isinstance(ev.data, bytes) and ev.name == "data"
        got += ev.data
    assert got == payload + b"tail"
    with pytest.raises(NotSupportedError) as e:
        client.emit("x", 1)
    assert e.value.code == ErrorCode.ENOTSUP
    server.send(ALL, bytearray(b"to all"))
    back = b""
    while len(back) < 6:
        back += take_until(client, lambda e: e.kind == EventKind.DATA).data
    assert back == b"to all"


def test_not_raw_send_is_not_supported(root, ends):
    server, client, conn = unix_pair(root, ends)
    with pytest.raises(NotSupportedError):
        client.send(b"bytes")
    with pytest.raises(NotSupportedError):
        server.send(conn, b"bytes")


def test_wire_format_is_node_ipc_frames(root, ends):
    """Our client against a plain stdlib socket server: exactly
    JSON.stringify({type, data}) + '\\f', UTF-8, no spaces, keys in order."""
    path = root + "wire.sock"
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(1)
    lsock.settimeout(WAIT)
    try:
        client = ends(SocketClient(path=path))
        peer, _ = lsock.accept()
        peer.settimeout(WAIT)
        with peer:
            client.emit("hello", {"a": "é✓", "b": [1, 2.5, None, True]})
            client.emit_many([("x", 1), ("y", "two")])
            want = ('{"type":"hello","data":{"a":"é✓","b":[1,2.5,null,true]}}\f'
                    '{"type":"x","data":1}\f{"type":"y","data":"two"}\f').encode()
            got = b""
            while len(got) < len(want):
                chunk = peer.recv(65536)
                assert chunk, "connection closed early"
                got += chunk
            assert got == want
            # Frames split across writes and merged in one write both parse.
            peer.sendall(b'{"type":"sp')
            peer.sendall(b'lit","data":{"k":"\xc3\xa9"}}\f{"type":"a","data":1}\f{"type":"b","data":2}\f')
            assert take_until(client, lambda e: e.kind == EventKind.MESSAGE).data == {"k": "é"}
            assert take(client, EventKind.MESSAGE, "a").data == 1
            assert take(client, EventKind.MESSAGE, "b").data == 2
            # Bad frames: an error event each, and the connection goes on.
            peer.sendall(b'{"type":"a","data":{bad}}\f[1,2]\f{"type":"ok","data":true}\f')
            e1 = take(client, EventKind.ERROR)
            assert e1.code == ErrorCode.EILSEQ and isinstance(e1.error, EncodingError) and e1.data
            e2 = take(client, EventKind.ERROR)
            assert e2.code == ErrorCode.EILSEQ
            assert take(client, EventKind.MESSAGE, "ok").data is True
    finally:
        lsock.close()


# ---- bad input ----

def test_bad_options(root, ends):
    for opts in ({"bogus": 1}, {"transport": "pigeon"}, {"port": -1}, {"port": 70000},
                 {"maxFrame": "big"}, {"id": 5}):
        with pytest.raises(InvalidArgumentError) as e:
            ends(SocketServer(opts))
        assert e.value.code == ErrorCode.EINVAL and e.value.name == "IPC_EINVAL"
        assert e.value.detail  # says which
    with pytest.raises(InvalidArgumentError):
        ends(SocketClient(bogus=True))
    with pytest.raises(InvalidArgumentError):
        ends(SocketServer(id="x\0y", socketRoot=root))
    with pytest.raises(TypeError):
        SocketServer(["id", "x"])
    with pytest.raises(TypeError):
        SocketServer(tls=object())
    with pytest.raises(NameTooLongError):
        ends(SocketServer(path=root + "p" * 200))


def test_address_in_use_and_not_a_socket(root, ends):
    server = ends(SocketServer(path=root + "a.sock"))
    with pytest.raises(AddressInUseError) as e:
        ends(SocketServer(path=root + "a.sock"))
    assert e.value.code == ErrorCode.EADDRINUSE and isinstance(e.value, OSError)
    tcp = ends(SocketServer(port=0))
    with pytest.raises(AddressInUseError):
        ends(SocketServer(port=tcp.port))
    with open(root + "file", "w") as f:
        f.write("not a socket")
    with pytest.raises(AlreadyExistsError):
        ends(SocketServer(path=root + "file"))
    assert open(root + "file").read() == "not a socket"  # never removed
    # A stale socket file (nothing listening) is replaced.
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(root + "stale.sock")
    stale.close()
    ends(SocketServer(path=root + "stale.sock"))
    # The refused second server left the first one working.
    client = ends(SocketClient(path=root + "a.sock"))
    client.emit("still", "here")
    assert take_until(server, lambda e: e.kind == EventKind.MESSAGE).data == "here"


def test_unknown_connection(root, ends):
    server, client, conn = unix_pair(root, ends)
    for bad in (conn + 1000, 0, -1, 2**64):
        with pytest.raises(NotFoundError) as e:
            server.emit(bad, "x", 1)
        assert e.value.code == ErrorCode.ENOENT
    with pytest.raises(NotFoundError):
        server.disconnect(conn + 1000)
    with pytest.raises(NotFoundError):
        server.pending(conn + 1000)
    with pytest.raises(TypeError):
        server.emit("1", "x", 1)
    with pytest.raises(NotSupportedError):
        server.peer("127.0.0.1", 1)  # UDP only


def test_invalid_data_is_eilseq(root, ends):
    server, client, conn = unix_pair(root, ends)
    for bad in (float("nan"), [1, math.inf], "\ud800"):
        with pytest.raises(EncodingError) as e:
            client.emit("x", bad)
        assert e.value.code == ErrorCode.EILSEQ
        with pytest.raises(EncodingError):
            server.emit(conn, "x", bad)
    for text in ("{bad", "", "1 2", "\x00"):
        if text == "":
            continue  # "" is node-ipc's "no data" ({}), not an error
        with pytest.raises(EncodingError):
            native.sock_emit(client._h, 0, "x", text)
    with pytest.raises(EncodingError):  # one bad frame: none of the batch is sent
        client.emit_many([("first", 1), ("bad", float("nan")), ("last", 3)])
    with pytest.raises(InvalidArgumentError):
        client.emit("x\0y", 1)
    with pytest.raises(TypeError):
        client.emit(5, 1)
    with pytest.raises(TypeError):
        client.emit_many([(5, 1)])
    with pytest.raises(TypeError):
        client.emit("x", object())
    client.emit("marker", 1)
    ev = take(server, EventKind.MESSAGE)
    assert (ev.type, ev.data) == ("marker", 1)  # nothing before it got through


def test_unicode_types_and_sizes(root, ends):
    server, client, conn = unix_pair(root, ends)
    big = "x" * (3 << 20)  # bigger than the 64 KiB first take buffer
    client.emit("ünï ✓ 😀", {"s": "😀" * 1000})
    client.emit("big", big)
    client.emit("after", 1)
    ev = take(server, EventKind.MESSAGE, "ünï ✓ 😀")
    assert ev.data == {"s": "😀" * 1000}
    assert take(server, EventKind.MESSAGE, "big").data == big
    assert take(server, EventKind.MESSAGE, "after").data == 1


def test_max_frame_closes_that_connection(root, ends):
    server, client, conn = unix_pair(root, ends, maxFrame=1024)
    client.emit("small", "x" * 100)
    assert take(server, EventKind.MESSAGE, "small").data == "x" * 100
    client.emit("huge", "x" * 5000)
    err = take(server, EventKind.ERROR)
    assert err.code == ErrorCode.EMSGSIZE and err.conn == conn and isinstance(err.error, MessageSizeError)
    assert take(server, EventKind.DISCONNECT).conn == conn


def test_nesting_limit(root, ends):
    """C accepts JSON nested 256 deep (less than Python's recursion limit, so
    every accepted value decodes) and refuses deeper data at emit."""
    server, client, conn = unix_pair(root, ends)
    ok = [[[]]]
    for _ in range(250):
        ok = [ok]
    client.emit("deep", ok)
    assert take(server, EventKind.MESSAGE, "deep").data == ok
    with pytest.raises(EncodingError):
        native.sock_emit_frames(client._h, 0, '{"type":"x","data":' + "[" * 300 + "]" * 300 + "}\f")


def test_undecodable_data_becomes_an_error_event(root, ends):
    """If the decoder fails on a message (a custom one, or a RecursionError
    deep in a thread), that event becomes ERROR/EILSEQ with the reason, and
    the batch goes on."""
    server, client, conn = unix_pair(root, ends)
    client.emit_many([("a", 1), ("b", "bad"), ("c", 3)])

    def loads(text):
        if text == '"bad"':
            raise ValueError("refused by the test")
        return int(text)

    got = []
    while len(got) < 3:
        r = native.sock_events(server._h, 16, int(WAIT * 1000), loads)
        assert isinstance(r, list)
        got += r
    assert [(e.kind, e.type, e.data) for e in (got[0], got[2])] == [(EventKind.MESSAGE, "a", 1), (EventKind.MESSAGE, "c", 3)]
    bad = got[1]
    assert bad.kind == EventKind.ERROR and bad.code == ErrorCode.EILSEQ and bad.type == "b" and bad.conn == conn
    assert "refused by the test" in bad.data
    # loads=None keeps the JSON text.
    client.emit("raw", {"k": [1]})
    r = native.sock_events(server._h, 16, int(WAIT * 1000), None)
    assert r[0].data == '{"k":[1]}'


def test_closed_handles(root, ends):
    server, client, conn = unix_pair(root, ends)
    client.close()
    client.close()  # idempotent
    assert client.closed and "closed" in repr(client)
    for call in (lambda: client.emit("x", 1), lambda: client.connected, lambda: client.address,
                 lambda: client.send(b"x"), lambda: client.disconnect()):
        with pytest.raises(BadHandleError):
            call()
    with pytest.raises(ClosedError):
        client.next_event(0)
    assert client.try_next_event() is None and client.poll() == 0
    assert take(server, EventKind.DISCONNECT).conn == conn


# ---- the packed batch format (sock.h), read with struct ----

def test_packed_batch_format(root, ends):
    sid = unique("s")
    server = ends(SocketServer(id=sid, socketRoot=root))
    client = ends(SocketClient(id=sid, socketRoot=root))
    client.wait_connected(WAIT)
    client.emit("héllo", {"a": 1})
    client.emit("t2", [True])
    buf = bytearray(1 << 16)
    seen = []
    deadline = time.monotonic() + WAIT
    while len(seen) < 4 and time.monotonic() < deadline:
        try:
            count, used = native.sock_next_many(server._h, buf, 64, 1000)
        except TimedOutError:
            continue
        off = 0
        for _ in range(count):
            kind, code, conn, tn, dn, an, reserved = struct.unpack_from("<IiQIIII", buf, off)
            assert reserved == 0 and off % 8 == 0
            off += native.SOCK_PACKED_HEADER
            t = bytes(buf[off:off + tn]).decode()
            d = bytes(buf[off + tn:off + tn + dn]).decode()
            a = bytes(buf[off + tn + dn:off + tn + dn + an]).decode()
            off += (tn + dn + an + 7) & ~7
            seen.append((kind, code, conn, t, d, a))
        assert off == used
    assert native.SOCK_PACKED_HEADER == 32
    assert [s[0] for s in seen] == [native.SOCK_START, native.SOCK_CONNECT, native.SOCK_MESSAGE, native.SOCK_MESSAGE]
    conn = seen[1][2]
    assert conn >= 1
    assert seen[2][2:5] == (conn, "héllo", '{"a":1}') and seen[3][3:5] == ("t2", "[true]")


def test_all_constant_matches_c(root, ends):
    server, client, conn = unix_pair(root, ends)
    native.sock_emit(server._h, 2**64 - 1, "all", "1")  # IPC_SOCK_ALL: a broadcast
    assert ALL == 2**64 - 1
    assert take(client, EventKind.MESSAGE, "all").data == 1


# ---- callbacks ----

def test_callbacks_poll(root, ends):
    server, client, conn = unix_pair(root, ends)
    calls = []
    server.on("hello", lambda ev: calls.append(("hello", ev.data)))

    @server.on("message")
    def every(ev):
        calls.append(("message", ev.type))

    server.on("disconnect", lambda ev: calls.append(("disconnect", ev.conn)))
    server.on("bye", lambda ev: calls.append(("bye", ev.conn)))
    assert server.poll() == 0 and calls == []
    client.emit("hello", 1)
    client.emit("other", 2)
    n = 0
    while n < 2:
        n += server.poll(WAIT)
    assert calls == [("hello", 1), ("message", "hello"), ("message", "other")]
    server.off("message", every)
    server.off("hello")
    client.emit("hello", 3)
    client.emit("bye", 4)
    client.disconnect()
    while ("disconnect", conn) not in calls:
        assert server.poll(WAIT) > 0
    assert calls[3:] == [("bye", conn), ("disconnect", conn)]
    with pytest.raises(TypeError):
        server.on(5, print)
    with pytest.raises(TypeError):
        server.on("x", 5)


def test_handler_exception_keeps_the_rest(root, ends):
    server, client, conn = unix_pair(root, ends)
    got = []

    def h(ev):
        got.append(ev.data)
        if ev.data == 1:
            raise RuntimeError("boom")

    server.on("n", h)
    client.emit_many([("n", 0), ("n", 1), ("n", 2), ("n", 3)])
    with pytest.raises(RuntimeError, match="boom"):
        while True:
            server.poll(WAIT)
    while len(got) < 4:
        server.poll(WAIT)
    assert got == [0, 1, 2, 3]


def test_run_in_thread_and_close(root, ends):
    server, client, conn = unix_pair(root, ends)
    threads = set()

    @server.on("ping")
    def ping(ev):
        threads.add(threading.get_ident())
        server.emit(ev.conn, "pong", ev.data)

    t = server.run_in_thread()
    for i in range(50):
        client.emit("ping", i)
    got = [take(client, EventKind.MESSAGE, "pong").data for _ in range(50)]
    assert got == list(range(50))
    assert threads == {t.ident}
    server.close()  # wakes the dispatcher blocked in C
    t.join(WAIT)
    assert not t.is_alive()


def test_close_wakes_a_blocked_take(root, ends):
    server, client, conn = unix_pair(root, ends)
    out = []

    def blocked():
        try:
            client.next_event(None)
        except ClosedError as e:
            out.append(e)

    t = threading.Thread(target=blocked)
    t.start()
    # The GIL is released while C waits: this thread keeps running.
    spins = 0
    end = time.monotonic() + 0.2
    while time.monotonic() < end:
        spins += 1
    assert spins > 1000 and t.is_alive()
    client.close()
    t.join(WAIT)
    assert not t.is_alive() and len(out) == 1 and out[0].code == ErrorCode.ECLOSED


def test_two_threads_take_without_loss(root, ends):
    server, client, conn = unix_pair(root, ends)
    got: list = []
    lock = threading.Lock()

    def worker():
        while True:
            try:
                ev = server.next_event(WAIT)
            except ClosedError:
                return
            if ev.kind == EventKind.MESSAGE:
                with lock:
                    got.append(ev.data)
                if ev.data == -1:
                    return

    ts = [threading.Thread(target=worker) for _ in range(2)]
    for t in ts:
        t.start()
    client.emit_many([("n", i) for i in range(2000)])
    client.emit("n", -1)
    client.emit("n", -1)
    for t in ts:
        t.join(WAIT)
    assert sorted(got) == [-1, -1] + list(range(2000))


# ---- client lifecycle ----

def test_client_reconnects_after_server_restart(root, ends):
    sid = unique("s")
    server = SocketServer(id=sid, socketRoot=root)
    try:
        client = ends(SocketClient(id=sid, socketRoot=root, retry=20))
        client.wait_connected(WAIT)
        take(client, EventKind.CONNECT)
    finally:
        server.close()
    take_until(client, lambda e: e.kind == EventKind.DISCONNECT)
    assert not client.connected
    client.emit("queued", 1)  # queued while disconnected, sent on connect
    server = ends(SocketServer(id=sid, socketRoot=root))
    client.wait_connected(WAIT)
    take_until(client, lambda e: e.kind == EventKind.CONNECT, skip=lambda e: e.kind == EventKind.ERROR)
    ev = take_until(server, lambda e: e.kind == EventKind.MESSAGE)
    assert (ev.type, ev.data) == ("queued", 1)


def test_stop_retrying_gives_up(root, ends):
    client = ends(SocketClient(path=root + "nobody.sock", stopRetrying=True))
    with pytest.raises(IpcError) as e:
        client.wait_connected(WAIT)
    assert e.value.code in (ErrorCode.ECONNREFUSED, ErrorCode.ENOENT)
    kinds = [ev.kind for ev in client.events(WAIT)]
    assert kinds == [EventKind.ERROR, EventKind.DESTROY]
    with pytest.raises(ClosedError):
        client.emit("x", 1)


def test_max_retries_then_destroy(ends):
    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = ends(SocketClient(port=port, retry=10, maxRetries=2))
    evs = list(client.events(WAIT))
    assert [e.kind for e in evs] == [EventKind.ERROR] * 3 + [EventKind.DESTROY]
    assert all(e.code == ErrorCode.ECONNREFUSED for e in evs[:3])
    from libipc import IpcConnectionRefusedError
    assert isinstance(evs[0].error, IpcConnectionRefusedError) and isinstance(evs[0].error, ConnectionRefusedError)


def test_server_disconnects_one(root, ends):
    server, client, conn = unix_pair(root, ends)
    server.disconnect(conn)
    assert take(server, EventKind.DISCONNECT).conn == conn
    take_until(client, lambda e: e.kind == EventKind.DISCONNECT)


# ---- backpressure ----

def test_full_write_queue_waits_for_drain(root, ends):
    """The client stops reading (its maxEventQueue is tiny and nobody takes
    its events), so the server's queue for it fills: emit(timeout=0) is
    TryAgainError, a timed emit TimedOutError; once the client takes events
    again a DRAIN comes and a waiting emit goes through, in order."""
    sid = unique("s")
    server = ends(SocketServer(id=sid, socketRoot=root, maxWriteQueue=1 << 16))
    client = ends(SocketClient(id=sid, socketRoot=root, maxEventQueue=1 << 16))
    client.wait_connected(WAIT)
    take(server, EventKind.START)
    conn = take(server, EventKind.CONNECT).conn
    chunk = "y" * 4000
    sent = 0
    while sent < 100000:
        try:
            server.emit(conn, "bulk", [sent, chunk], timeout=0)
            sent += 1
            continue
        except TryAgainError as e:
            assert e.code == ErrorCode.EAGAIN
        # Full. While the client's I/O thread still reads (its event queue not
        # yet over the limit), a DRAIN follows; once none comes, it stopped.
        try:
            take_until(server, lambda e: e.kind == EventKind.DRAIN, timeout=0.5)
        except TimedOutError:
            break
    assert 10 < sent < 100000
    assert server.pending(conn) >= 1 << 16
    with pytest.raises(TimedOutError):
        server.emit(conn, "bulk", [sent, chunk], timeout=0.05)

    got = []

    def reader():
        for ev in client.events(WAIT):
            if ev.kind == EventKind.MESSAGE:
                got.append(ev.data[0])
                if ev.type == "last":
                    return

    t = threading.Thread(target=reader)
    t.start()
    server.emit(conn, "bulk", [sent, chunk], timeout=WAIT)  # waits for the DRAIN
    server.emit(conn, "last", [sent + 1], timeout=WAIT)
    t.join(WAIT)
    assert got == list(range(sent + 2))
    seen = []
    while (ev := server.try_next_event()) is not None:
        seen.append(ev)
    assert any(ev.kind == EventKind.DRAIN and ev.conn == conn for ev in seen)


def test_emit_many_keeps_order(root, ends):
    server, client, conn = unix_pair(root, ends)
    client.emit_many(("seq", i) for i in range(3000))
    client.emit_many([])
    got = [take(server, EventKind.MESSAGE, "seq").data for _ in range(3000)]
    assert got == list(range(3000))
    server.emit_many(conn, [("a", 1), ("b", None)])
    server.emit_many(ALL, [("c", "ç")])
    assert [(e.type, e.data) for e in (take(client), take(client), take(client))] == \
        [("a", 1), ("b", None), ("c", "ç")]
