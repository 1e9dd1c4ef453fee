"""Sockets on asyncio: events(), next_event_async, wait_connected_async,
emit_async (waits for a full queue's drain), run_async; the loop is never
blocked (a ticker task keeps running while everything waits)."""
from __future__ import annotations

import asyncio
import threading

import pytest

from libipc import (ClosedError, ErrorCode, EventKind, IpcError, SocketClient, SocketServer, TimedOutError,
                    TryAgainError)
from conftest import unique
from sockutil import WAIT, make_root, remove_root


@pytest.fixture
def root():
    r = make_root()
    yield r
    remove_root(r)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, WAIT * 2))


class Ticker:
    """Counts loop iterations: proof that awaiting never blocks the loop."""

    def __init__(self) -> None:
        self.ticks = 0
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.ticks += 1
            await asyncio.sleep(0.001)

    def stop(self) -> int:
        self.task.cancel()
        return self.ticks


async def next_of(ep, kind, timeout=WAIT):
    while True:
        ev = await ep.next_event_async(timeout)
        if ev.kind == kind:
            return ev


def test_async_exchange(root):
    async def main():
        sid = unique("s")
        with SocketServer(id=sid, socketRoot=root) as server, \
                SocketClient(id=sid, socketRoot=root, retry=20) as client:
            ticker = Ticker()
            await client.wait_connected_async(WAIT)
            await client.wait_connected_async(0)  # already: returns at once

            async def serve():
                async for ev in server.events():
                    if ev.kind == EventKind.MESSAGE and ev.type == "ping":
                        await server.emit_async(ev.conn, "pong", ev.data)
                    elif ev.kind == EventKind.MESSAGE and ev.type == "bye":
                        return "bye"

            task = asyncio.create_task(serve())
            for i in range(200):
                await client.emit_async("ping", {"i": i, "s": "✓"})
            got = []
            async for ev in client.events(WAIT):
                if ev.kind == EventKind.MESSAGE:
                    got.append(ev.data["i"])
                    if len(got) == 200:
                        break
            assert got == list(range(200))
            client.emit("bye")
            assert await task == "bye"
            assert ticker.stop() > 0
    run(main())


def test_async_timeout_does_not_block_the_loop(root):
    async def main():
        with SocketServer(id=unique("s"), socketRoot=root) as server:
            assert (await server.next_event_async(0)).kind == EventKind.START
            ticker = Ticker()
            await asyncio.sleep(0)
            t0 = asyncio.get_running_loop().time()
            with pytest.raises(TimedOutError) as e:
                await server.next_event_async(0.3)
            assert e.value.code == ErrorCode.ETIMEDOUT
            assert asyncio.get_running_loop().time() - t0 >= 0.29
            assert ticker.stop() >= 10  # the loop ran meanwhile
            with pytest.raises(TryAgainError):
                await server.next_event_async(0)
    run(main())


def test_async_run_async_handlers(root):
    async def main():
        sid = unique("s")
        server = SocketServer(id=sid, socketRoot=root)
        loop_thread = threading.get_ident()
        seen = []

        @server.on("hello")
        def hello(ev):
            seen.append(threading.get_ident())
            server.emit(ev.conn, "welcome", {"to": ev.data["from"]})

        @server.on("close-me")
        def close_me(ev):
            server.close()

        runner = asyncio.create_task(server.run_async())
        with SocketClient(id=sid, socketRoot=root) as client:
            await client.wait_connected_async(WAIT)
            client.emit("hello", {"from": "aio"})
            ev = await next_of(client, EventKind.MESSAGE)
            assert (ev.type, ev.data) == ("welcome", {"to": "aio"})
            client.emit("close-me")
            await asyncio.wait_for(runner, WAIT)  # ends when the server closes
        assert seen == [loop_thread]
    run(main())


def test_async_wait_connected_gives_up(root):
    async def main():
        with SocketClient(path=root + "nobody.sock", stopRetrying=True) as client:
            with pytest.raises(IpcError) as e:
                await client.wait_connected_async(WAIT)
            assert e.value.code in (ErrorCode.ECONNREFUSED, ErrorCode.ENOENT)
            kinds = [ev.kind async for ev in client.events(WAIT)]
            assert kinds == [EventKind.ERROR, EventKind.DESTROY]
    run(main())


def test_async_wait_connected_when_server_comes_later(root):
    async def main():
        sid = unique("s")
        with SocketClient(id=sid, socketRoot=root, retry=20) as client:
            with pytest.raises(TimedOutError):
                await client.wait_connected_async(0.1)
            waiter = asyncio.create_task(client.wait_connected_async(WAIT))
            await asyncio.sleep(0)
            with SocketServer(id=sid, socketRoot=root):
                await waiter
                assert client.connected
    run(main())


def test_close_from_another_thread_ends_iteration(root):
    async def main():
        sid = unique("s")
        with SocketServer(id=sid, socketRoot=root) as server:
            client = SocketClient(id=sid, socketRoot=root)
            await client.wait_connected_async(WAIT)
            got = []

            async def consume():
                async for ev in client.events():
                    got.append(ev.kind)

            task = asyncio.create_task(consume())
            await asyncio.sleep(0.05)  # let it block in the loop (not a sync point: either order passes)
            threading.Thread(target=client.close).start()
            await asyncio.wait_for(task, WAIT)
            assert got[:1] == [EventKind.CONNECT]
            with pytest.raises(ClosedError):
                await client.next_event_async(0)
    run(main())


def test_emit_async_waits_for_drain(root):
    async def main():
        sid = unique("s")
        with SocketServer(id=sid, socketRoot=root, maxWriteQueue=1 << 16) as server, \
                SocketClient(id=sid, socketRoot=root, maxEventQueue=1 << 16) as client:
            await client.wait_connected_async(WAIT)
            conn = (await next_of(server, EventKind.CONNECT)).conn
            chunk = "z" * 4000
            ticker = Ticker()
            n = 400  # ~1.6 MB: far beyond every queue and socket buffer on the way

            async def produce():
                for i in range(n):
                    await server.emit_async(conn, "bulk", [i, chunk])
                await server.emit_async(conn, "last", [n])

            producer = asyncio.create_task(produce())
            await asyncio.sleep(0.05)
            assert not producer.done()  # waiting for room: the client reads nothing yet
            got = []
            async for ev in client.events(WAIT):
                if ev.kind == EventKind.MESSAGE:
                    got.append(ev.data[0])
                    if ev.type == "last":
                        break
            await producer
            assert got == list(range(n + 1))
            assert ticker.stop() > 0
            drains = [ev for ev in iter(server.try_next_event, None) if ev.kind == EventKind.DRAIN]
            assert drains and all(ev.conn == conn for ev in drains)
    run(main())


def test_one_loop_at_a_time(root):
    sid = unique("s")
    with SocketServer(id=sid, socketRoot=root) as server:
        async def first():
            return await server.next_event_async(WAIT)
        assert run(first()).kind == EventKind.START
        async def second():  # a new loop later: fine
            with pytest.raises(TimedOutError):
                await server.next_event_async(0.05)
        run(second())
