"""libipc.MessageQueue: modes, priorities, full and empty with timeouts, the
try_ forms, batches, large messages, bad input, iteration, closing, the GIL,
and other processes (synchronised on the lines they print and on their exit,
never on sleeps)."""
from __future__ import annotations

import os
import stat
import sys
import threading

import numpy as np
import pytest

from conftest import blocked_in, run
from libipc import (MQ_PRIO_MAX, AlreadyExistsError, BadHandleError, BadNameError, ClosedError,
                    ErrorCode, InvalidArgumentError, IpcError, Message, MessageQueue,
                    MessageSizeError, NotFoundError, OutOfRangeError, TimedOutError, TryAgainError)


def seg(name: str) -> str:
    return "/dev/shm/ipc-mq." + name


# ---- names and modes ----

def test_create_open_remove(mq_name):
    assert not MessageQueue.exists(mq_name)
    with MessageQueue.create(mq_name, capacity=8, max_message_size=100) as a:
        assert (a.name, a.capacity, a.max_message_size, a.count, a.closed) == (mq_name, 8, 100, 0, False)
        assert os.path.exists(seg(mq_name)) and MessageQueue.exists(mq_name)
        with MessageQueue.open(mq_name) as b:  # sizes are discovered
            assert (b.capacity, b.max_message_size) == (8, 100)
            b.send(b"hi")
        assert a.count == 1 and a.receive() == (b"hi", 0)
        assert a.recoveries == 0
    assert a.closed and MessageQueue.exists(mq_name)  # closing never removes
    MessageQueue.remove(mq_name)
    assert not MessageQueue.exists(mq_name)


def test_modes_and_errors(mq_name):
    with pytest.raises(NotFoundError) as e:
        MessageQueue.open(mq_name)
    assert e.value.code == ErrorCode.ENOENT
    with MessageQueue.open_or_create(mq_name, 4, 16):
        with MessageQueue(mq_name, 999, 999, mode="open_or_create") as b:
            assert (b.capacity, b.max_message_size) == (4, 16)
        with pytest.raises(AlreadyExistsError) as e:
            MessageQueue.create(mq_name, 4, 16)
        assert e.value.code == ErrorCode.EEXIST


def test_perm_is_exact(mq_name):
    old = os.umask(0o077)
    try:
        with MessageQueue.create(mq_name, 2, 8, perm=0o660):
            assert stat.S_IMODE(os.stat(seg(mq_name)).st_mode) == 0o660
    finally:
        os.umask(old)


# ---- messages ----

def test_priorities_fifo_within(mq_name):
    sent = [(b"low-1", 1), (b"high", 9), (b"low-2", 1), ("utf8 ✓ 😀".encode(), 5), (bytes(range(256)), 0),
            (b"top", MQ_PRIO_MAX), (b"", 5)]
    with MessageQueue.create(mq_name, 16, 256) as mq:
        for data, prio in sent:
            mq.send(data, prio)
        got = [mq.receive(timeout=0) for _ in sent]
        assert got == sorted(sent, key=lambda m: -m[1])  # sorted() is stable: FIFO per priority
        assert all(isinstance(m, Message) and type(m.data) is bytes for m in got)
        assert got[0].data == b"top" and got[0].priority == MQ_PRIO_MAX


def test_bytes_like_inputs(mq_name):
    with MessageQueue.create(mq_name, 8, 64) as mq:
        mq.send(bytearray(b"ba"))
        mq.send(memoryview(b"xmvx")[1:3])
        mq.send(np.arange(4, dtype=np.uint16))
        assert mq.receive().data == b"ba"
        assert mq.receive().data == b"mv"
        assert mq.receive().data == np.arange(4, dtype=np.uint16).tobytes()


def test_full_and_empty(mq_name):
    with MessageQueue.create(mq_name, 2, 8) as mq:
        assert mq.try_receive() is None
        assert mq.try_receive_many() == []
        with pytest.raises(TimedOutError) as e:
            mq.receive(timeout=0.01)
        assert isinstance(e.value, TimeoutError) and e.value.code == ErrorCode.ETIMEDOUT
        with pytest.raises(TryAgainError) as e:
            mq.receive(timeout=0)
        assert isinstance(e.value, BlockingIOError) and e.value.code == ErrorCode.EAGAIN
        with pytest.raises(TimedOutError):
            mq.receive_many(timeout=0.01)
        assert mq.try_send(b"1") and mq.try_send(b"2", 3)
        assert not mq.try_send(b"3")  # full
        with pytest.raises(TimedOutError) as e:
            mq.send(b"3", timeout=0.01)
        assert e.value.code == ErrorCode.ETIMEDOUT and mq_name in e.value.detail
        with pytest.raises(TryAgainError) as e:
            mq.send(b"3", timeout=0)
        assert e.value.code == ErrorCode.EAGAIN
        assert mq.count == 2
        assert mq.receive_many(10) == [(b"2", 3), (b"1", 0)]


def test_receive_many_batches(mq_name):
    with MessageQueue.create(mq_name, 64, 40) as mq:
        for i in range(50):
            mq.send(bytes([i]) * (i % 41), i % 3)
        first = mq.receive_many(7)
        rest = mq.receive_many(1000)
        got = first + rest
        assert len(first) == 7 and len(got) == 50
        want = sorted(((bytes([i]) * (i % 41), i % 3) for i in range(50)), key=lambda m: -m[1])
        assert got == want


def test_receive_into(mq_name):
    with MessageQueue.create(mq_name, 4, 32) as mq:
        mq.send(b"hello", 4)
        small = bytearray(3)
        with pytest.raises(MessageSizeError) as e:
            mq.receive_into(small)
        # (The C message's "N bytes needed" reads 0 in this version: a C ABI bug, reported.)
        assert e.value.code == ErrorCode.EMSGSIZE and "buffer too small" in e.value.detail
        assert mq.count == 1  # the message stays queued
        buf = np.zeros(8, dtype=np.uint8)
        assert mq.receive_into(buf) == (5, 4)
        assert bytes(buf[:5]) == b"hello"
        with pytest.raises(BufferError):
            mq.receive_into(b"read-only")
        with pytest.raises(TypeError):
            mq.receive_into(12)


@pytest.mark.parametrize("size", [65536, 65537, 300_000])
def test_large_messages(mq_name, size):
    # Past 64 KiB the native receive learns the size from IPC_EMSGSIZE and retries.
    data = os.urandom(size)
    with MessageQueue.create(mq_name, 4, 1 << 20) as mq:
        mq.send(data, 2)
        mq.send(b"small", 1)
        mq.send(data[::-1], 0)
        assert mq.receive() == (data, 2)
        assert mq.receive_many(5) == [(b"small", 1), (data[::-1], 0)]


# ---- bad input ----

def test_bad_arguments(mq_name):
    for cap, size in [(0, 8), (8, 0), (2**20 + 1, 8), (8, 2**26 + 1)]:
        with pytest.raises(InvalidArgumentError) as e:
            MessageQueue.create(mq_name, cap, size)
        assert e.value.code == ErrorCode.EINVAL
    assert not MessageQueue.exists(mq_name)
    with pytest.raises(OutOfRangeError):
        MessageQueue.create(mq_name, -1, 8)
    with pytest.raises(BadNameError):
        MessageQueue.create("a/b", 1, 1)
    with pytest.raises(InvalidArgumentError):
        MessageQueue(mq_name, 1, 1, mode="never")
    with MessageQueue.create(mq_name, 4, 8) as mq:
        with pytest.raises(MessageSizeError) as e:
            mq.send(b"123456789")
        assert e.value.code == ErrorCode.EMSGSIZE
        for prio in (MQ_PRIO_MAX + 1, -1, 2**64):
            with pytest.raises(InvalidArgumentError) as e:
                mq.send(b"x", prio)
            assert e.value.code == ErrorCode.EINVAL
        with pytest.raises(TypeError):
            mq.send("text is not bytes")
        with pytest.raises(TypeError):
            mq.send(b"x", "5")
        with pytest.raises(InvalidArgumentError):
            mq.send(b"x", timeout=-1)
        with pytest.raises(TypeError):
            mq.receive(timeout="soon")
        for n in (0, -1, 2**20 + 1):
            with pytest.raises(InvalidArgumentError):
                mq.receive_many(n)
        with pytest.raises((BufferError, ValueError)):  # numpy: ValueError "not C-contiguous"
            mq.send(np.arange(10)[::2])
        assert mq.count == 0


def test_closed_handle(mq_name):
    mq = MessageQueue.create(mq_name, 2, 8)
    mq.close()
    mq.close()
    assert mq.closed and "closed" in repr(mq)
    for call in (lambda: mq.send(b"x"), mq.try_receive, mq.receive, lambda: mq.count, lambda: mq.try_send(b"")):
        with pytest.raises(BadHandleError):
            call()
    assert list(mq) == []  # iterating a closed queue ends at once


# ---- threads, the GIL, iteration ----

def test_blocking_receive_releases_the_gil(mq_name):
    with MessageQueue.create(mq_name, 2, 8) as mq:
        mq.set_spin(0)
        got = []
        th = threading.Thread(target=lambda: got.append(mq.receive(timeout=60)))
        th.start()
        blocked_in(th, seg(mq_name))
        mq.send(b"wake", 7)
        th.join()
        assert got == [(b"wake", 7)]


def test_blocking_send_releases_the_gil(mq_name):
    with MessageQueue.create(mq_name, 1, 8) as mq:
        mq.set_spin(0)
        mq.send(b"full")
        th = threading.Thread(target=lambda: mq.send(b"second", timeout=60))
        th.start()
        blocked_in(th, seg(mq_name))
        assert mq.receive() == (b"full", 0)
        th.join()
        assert mq.receive(timeout=0) == (b"second", 0)


@pytest.mark.parametrize("call", ["receive", "send", "receive_many", "iterate"])
def test_close_while_another_thread_waits(mq_name, call):
    mq = MessageQueue.create(mq_name, 1, 8)
    if call == "send":
        mq.send(b"full")
    outcome = []

    def waiter() -> None:
        try:
            if call == "receive":
                mq.receive()
            elif call == "send":
                mq.send(b"x")
            elif call == "receive_many":
                mq.receive_many(4)
            else:
                outcome.append(list(mq))
                return
        except IpcError as e:
            outcome.append(e)

    th = threading.Thread(target=waiter)
    th.start()
    blocked_in(th, seg(mq_name))
    mq.close()
    th.join(60)
    assert not th.is_alive()
    if call == "iterate":
        assert outcome == [[]]  # the loop just ends
    else:
        assert len(outcome) == 1 and isinstance(outcome[0], ClosedError)
        assert outcome[0].code == ErrorCode.ECLOSED and isinstance(outcome[0], ConnectionError)


def test_iteration_until_closed(mq_name):
    with MessageQueue.create(mq_name, 4, 8) as mq:
        got = []
        three = threading.Event()

        def consume() -> None:
            for msg in mq:
                got.append(msg.data)
                if len(got) == 3:
                    three.set()

        th = threading.Thread(target=consume)
        th.start()
        for x in (b"a", b"b", b"c"):
            mq.send(x)
        assert three.wait(60)
        blocked_in(th, seg(mq_name))
        mq.close()
        th.join(60)
        assert got == [b"a", b"b", b"c"] and not th.is_alive()


def test_threads_producers_consumers(mq_name):
    n, per = 3, 400
    with MessageQueue.create(mq_name, 8, 16) as mq:
        got: list = []
        lock = threading.Lock()

        def produce(k: int) -> None:
            for i in range(per):
                mq.send(f"{k}:{i}".encode(), timeout=60)

        def consume() -> None:
            mine = [mq.receive(timeout=60).data for _ in range(per)]
            with lock:
                got.extend(mine)

        threads = [threading.Thread(target=produce, args=(k,)) for k in range(n)]
        threads += [threading.Thread(target=consume) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(got) == sorted(f"{k}:{i}".encode() for k in range(n) for i in range(per))


# ---- other processes ----

CHILD_SENDS = """
import sys
from libipc import MessageQueue
with MessageQueue.open(sys.argv[1]) as mq:
    print("ready", flush=True)
    for line in sys.stdin:
        prio, text = line.rstrip("\\n").split(" ", 1)
        mq.send(text.encode(), int(prio), timeout=60)
        print("sent", flush=True)
"""

CHILD_ECHO = """
import sys
from libipc import MessageQueue
with MessageQueue.open(sys.argv[1]) as inq, MessageQueue.open(sys.argv[2]) as outq:
    print("ready", flush=True)
    for msg in inq:
        if msg.data == b"stop":
            break
        outq.send(msg.data[::-1], msg.priority)
"""


def test_child_sends_parent_receives(mq_name, children):
    with MessageQueue.create(mq_name, 4, 64) as mq:
        mq.set_spin(0)
        child = children([mq_name], python=CHILD_SENDS)
        child.expect("ready")
        got = []
        th = threading.Thread(target=lambda: got.append(mq.receive(timeout=60)))
        th.start()
        blocked_in(th, seg(mq_name))
        child.send("3 from the child ✓")
        th.join()
        child.expect("sent")
        assert got == [("from the child ✓".encode(), 3)]
        child.finish()


def test_echo_child_round_trips(mq_names, children):
    a, b = mq_names(), mq_names()
    with MessageQueue.create(a, 8, 300) as to_child, MessageQueue.create(b, 8, 300) as from_child:
        child = children([a, b], python=CHILD_ECHO)
        child.expect("ready")
        for i in range(200):
            data = os.urandom(i + 1)
            to_child.send(data, i % 32)
            assert from_child.receive(timeout=60) == (data[::-1], i % 32)
        to_child.send(b"stop")
        child.finish()


def test_parent_sends_child_receives(mq_name):
    code = ("import sys\nfrom libipc import MessageQueue\n"
            "with MessageQueue.open(sys.argv[1]) as mq:\n"
            "    print([(m.data.decode(), m.priority) for m in mq.receive_many(10, timeout=0)])\n")
    with MessageQueue.create(mq_name, 8, 16) as mq:
        mq.send(b"one", 1)
        mq.send(b"two", 2)
        out = run([sys.executable, "-c", code, mq_name]).stdout.strip()
        assert out == "[('two', 2), ('one', 1)]"
        assert mq.count == 0


def _mp_producer(name: str, k: int, n: int) -> None:
    with MessageQueue.open(name) as mq:
        for i in range(n):
            mq.send(f"{k}:{i}".encode(), k, timeout=60)


def test_multiprocessing_producers_fifo_per_producer(mq_name):
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    n = 300
    with MessageQueue.create(mq_name, 16, 32) as mq:
        procs = [ctx.Process(target=_mp_producer, args=(mq_name, k, n)) for k in range(3)]
        for p in procs:
            p.start()
        seen: dict = {0: [], 1: [], 2: []}
        for _ in range(3 * n):
            m = mq.receive(timeout=60)
            k, i = m.data.decode().split(":")
            assert int(k) == m.priority
            seen[int(k)].append(int(i))
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
        assert all(seen[k] == list(range(n)) for k in seen)  # each producer's order kept
