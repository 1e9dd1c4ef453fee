#!/usr/bin/env python3
"""The Python interop peer (see tests/interop/README.md), over the libipc
package only: for shm the byte view (SharedMemory.buf), the string helper and
the float64 helper; for sem and mq libipc.Semaphore and libipc.MessageQueue;
for sock libipc.SocketServer and libipc.SocketClient.

    peer.py AREA create|open NAME OTHER_LANG
"""
import struct
import sys

from libipc import (ErrorCode, EventKind, IpcError, MessageQueue, Semaphore, SharedMemory, ShmStream,
                    SocketClient, SocketServer, StreamType, TryAgainError)

SHM_SIZE = 4096
TEXT = "libipc interop ✓ héllo wörld 😀"
FLOATS = [0.5, -1.25, 3.141592653589793, 1e300, -0.0, 5e-324, 42.0, 65504.0]
LANG = "python"


def shm_create(name: str) -> int:
    with SharedMemory.create(name, SHM_SIZE) as shm:
        buf = shm.buf
        buf[0:256] = bytes(range(256))
        n = shm.write_string(260, TEXT)
        struct.pack_into("<I", buf, 256, n)
        shm.write_f64(1024, FLOATS)
        buf[2048:2080] = LANG.encode("ascii").ljust(32, b"\0")
        del buf
    print("ready", flush=True)
    return 0


def fail(what: str) -> int:
    print(f"python peer: {what}", file=sys.stderr)
    return 1


def shm_open_check(name: str, creator: str) -> int:
    with SharedMemory.open(name) as shm:
        buf = shm.buf
        if shm.size != SHM_SIZE:
            return fail(f"size {shm.size}")
        if bytes(buf[0:256]) != bytes(range(256)):
            first = next(i for i in range(256) if buf[i] != i)
            return fail(f"byte {first} = {buf[first]}")
        (n,) = struct.unpack_from("<I", buf, 256)
        text = shm.read_string(260, n)
        if text != TEXT:
            return fail(f"text {text!r}")
        floats = shm.read_f64(1024, 8)
        # Bit-exact, so -0.0 and the subnormal 5e-324 count.
        if struct.pack("<8d", *floats) != struct.pack("<8d", *FLOATS):
            return fail(f"floats {floats.tolist()}")
        lang = bytes(buf[2048:2080]).rstrip(b"\0").decode("ascii", "replace")
        if lang != creator:
            return fail(f"creator {lang!r}, expected {creator!r}")
        del buf
    print(f"ok: read {creator}'s segment")
    return 0


# ---- sem ----

def take_all(sem: Semaphore, n: int, who: str) -> int:
    """Takes n units with non-blocking waits, then checks the next one fails
    with IPC_EAGAIN (wait(0) raises TryAgainError carrying the code)."""
    for i in range(n):
        if not sem.try_acquire():
            return fail(f"{who}: non-blocking wait {i + 1} of {n} failed")
    try:
        sem.wait(0)
    except TryAgainError as e:
        if e.code != ErrorCode.EAGAIN or e.name != "IPC_EAGAIN":
            return fail(f"{who}: wait {n + 1} failed with {e.name}, expected IPC_EAGAIN")
        return 0
    return fail(f"{who}: wait {n + 1} succeeded, expected IPC_EAGAIN")


def sem_create(name: str) -> int:
    with Semaphore.create(name, initial=3) as sem:
        print("ready", flush=True)
        sys.stdin.read()  # the opener has run
        if sem.value != 5:
            return fail(f"value {sem.value} after the opener, expected 5")
        return take_all(sem, 5, "creator")


def sem_open_check(name: str) -> int:
    with Semaphore.open(name) as sem:
        if sem.value != 3:
            return fail(f"value {sem.value}, expected 3")
        if take_all(sem, 3, "opener"):
            return 1
        for _ in range(5):
            sem.post()
    print("ok: took 3, posted 5")
    return 0


# ---- mq ----

MQ_SENT = [(b"low-1", 1), (b"high", 9), (b"low-2", 1), ("utf8 ✓ 😀".encode(), 5), (bytes(range(256)), 0)]
MQ_ORDER = [MQ_SENT[1], MQ_SENT[3], MQ_SENT[0], MQ_SENT[2], MQ_SENT[4]]


def mq_create(name: str) -> int:
    with MessageQueue.create(name, capacity=16, max_message_size=256) as mq:
        print("ready", flush=True)
        sys.stdin.read()
        for i, (data, prio) in enumerate(MQ_ORDER):
            msg = mq.try_receive()
            if msg is None:
                return fail(f"message {i + 1}: queue empty")
            if (msg.data, msg.priority) != (data, prio):
                return fail(f"message {i + 1}: {msg.data[:32]!r} ({msg.priority}), expected {data[:32]!r} ({prio})")
        try:
            mq.receive(timeout=0)
        except TryAgainError:
            return 0
        return fail("a sixth receive succeeded, expected IPC_EAGAIN")


def mq_open_check(name: str) -> int:
    with MessageQueue.open(name) as mq:
        if (mq.capacity, mq.max_message_size) != (16, 256):
            return fail(f"capacity {mq.capacity}, max size {mq.max_message_size}; expected 16, 256")
        for data, prio in MQ_SENT:
            mq.send(data, prio, timeout=0)
    print("ok: sent 5")
    return 0


STREAM_FLOATS = [0.5, -1.25, 1e300]


def stream_create(name: str, other: str) -> int:
    with SharedMemory.create(name, SHM_SIZE) as shm:
        stream = ShmStream(shm)
        stream.write("first")
        stream.write_f64(STREAM_FLOATS)
        print("ready", flush=True)
        sys.stdin.read()  # until the driver closes it: the opener has run
        got = stream.read()
        want = f"reply ✓ from {other}"
        if got.type != StreamType.STRING or got.value != want or got.version != 3:
            return fail(f"reply: {got!r}, expected {want!r} at version 3")
    print("ok: read the reply")
    return 0


def stream_open(name: str) -> int:
    with SharedMemory.open(name) as shm:
        stream = ShmStream(shm)
        got = stream.read()
        if got.type != StreamType.F64 or list(got.value) != STREAM_FLOATS or got.version != 2:
            return fail(f"floats: {got!r}")
        stream.write(f"reply ✓ from {LANG}")
    print("ok: read the floats, wrote the reply")
    return 0


# ---- sock ----

SOCK_WAIT = 60.0  # every wait: a failure, never a hang


def sock_hello(lang: str) -> dict:
    return {"lang": lang, "text": "héllo ✓ 😀", "n": [1, 2.5, -3], "nested": {"ok": True, "none": None}}


def next_message(ep, what: str):
    """The next user event, passing over lifecycle events (a client's
    CONNECT, a server's START); an ERROR or the end of the stream fails."""
    for ev in ep.events(SOCK_WAIT):
        if ev.kind == EventKind.MESSAGE:
            return ev
        if ev.kind == EventKind.ERROR:
            raise AssertionError(f"{what}: error event {ev.error}")
    raise AssertionError(f"{what}: the stream ended")


def sock_create(name: str, other: str) -> int:
    with SocketServer(id=name) as server:
        ev = server.next_event(SOCK_WAIT)
        if ev.kind != EventKind.START:
            return fail(f"first event {ev}, expected start")
        print("ready", flush=True)
        ev = server.next_event(SOCK_WAIT)
        if ev.kind != EventKind.CONNECT:
            return fail(f"event {ev}, expected connect")
        conn = ev.conn
        ev = next_message(server, "hello")
        if ev.type != "hello" or ev.conn != conn or ev.data != sock_hello(other):
            return fail(f"hello: {ev}")
        server.emit(conn, "welcome", {"lang": LANG, "echo": ev.data})
        server.broadcast("news", "broadcast ✓")
        for i in range(100):
            ev = next_message(server, "seq")
            if (ev.type, ev.data, ev.conn) != ("seq", i, conn):
                return fail(f"seq {i}: {ev}")
        ev = next_message(server, "bye")
        if (ev.type, ev.data) != ("bye", {}):
            return fail(f"bye: {ev}")
        server.emit(conn, "done", 100)
        ev = server.next_event(SOCK_WAIT)
        if ev.kind != EventKind.DISCONNECT or ev.conn != conn:
            return fail(f"event {ev}, expected the disconnect of {conn}")
        sys.stdin.read()
    print(f"ok: served {other}'s client")
    return 0


def sock_open(name: str, other: str) -> int:
    with SocketClient(id=name, stopRetrying=True) as client:
        client.wait_connected(SOCK_WAIT)
        hello = sock_hello(LANG)
        client.emit("hello", hello)
        ev = next_message(client, "welcome")
        if ev.type != "welcome" or ev.data != {"lang": other, "echo": hello}:
            return fail(f"welcome: {ev}")
        ev = next_message(client, "news")
        if (ev.type, ev.data) != ("news", "broadcast ✓"):
            return fail(f"news: {ev}")
        client.emit_many(("seq", i) for i in range(100))
        client.emit("bye", {})
        ev = next_message(client, "done")
        if (ev.type, ev.data) != ("done", 100):
            return fail(f"done: {ev}")
        client.disconnect()
    print(f"ok: talked to {other}'s server")
    return 0


AREAS = {
    "shm": (shm_create, lambda name, other: shm_open_check(name, other)),
    "sem": (sem_create, lambda name, other: sem_open_check(name)),
    "mq": (mq_create, lambda name, other: mq_open_check(name)),
    "stream": (None, lambda name, other: stream_open(name)),
    "sock": (None, sock_open),
}


def main(argv: list) -> int:
    if len(argv) < 5:
        print("usage: peer.py AREA create|open NAME OTHER_LANG", file=sys.stderr)
        return 2
    area, role, name, other = argv[1:5]
    if area not in AREAS:
        return fail(f"unknown area {area}")
    create, open_check = AREAS[area]
    try:
        if role == "create":
            if area == "stream":
                return stream_create(name, other)
            if area == "sock":
                return sock_create(name, other)
            return create(name)
        return open_check(name, other)
    except (IpcError, AssertionError) as e:
        return fail(f"{role}: {e}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
