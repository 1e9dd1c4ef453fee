"""asyncio: Semaphore.acquire_async, MessageQueue.receive_async and
``async for``, over libipc's notify fd (no thread per wait). Other processes
wake the loop; cancellation, timeouts and closing (on the loop's thread and
from another thread) are checked. Waiting tasks are observed through the
handle's waiter list after ``asyncio.sleep(0)`` turns of the loop (no timed
sleeps)."""
from __future__ import annotations

import asyncio
import os
import threading

import pytest

from libipc import (BadHandleError, ClosedError, ErrorCode, MessageQueue, Semaphore, TimedOutError,
                    TryAgainError)

CHILD_SEM = """
import sys
from libipc import Semaphore
with Semaphore.open(sys.argv[1]) as sem:
    print("ready", flush=True)
    for line in sys.stdin:
        for _ in range(int(line)):
            sem.post()
        print("posted", flush=True)
"""

CHILD_MQ = """
import sys
from libipc import MessageQueue
with MessageQueue.open(sys.argv[1]) as mq:
    print("ready", flush=True)
    for line in sys.stdin:
        n, prio = map(int, line.split())
        for i in range(n):
            mq.send(b"m%d" % i, prio, timeout=60)
        print("sent", flush=True)
"""


async def until_waiting(obj, n: int = 1) -> None:
    """Turns the loop until `n` tasks are registered as waiting on obj."""
    for _ in range(10000):
        if obj._aio is not None and len(obj._aio._waiters) >= n:
            return
        await asyncio.sleep(0)
    raise AssertionError("the task never started waiting")


def reader_registered(loop, obj) -> bool:
    fd = obj._aio._fd if obj._aio is not None else -1
    return fd >= 0 and fd in loop._selector.get_map()  # selector events loop internals


def os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


# ---- semaphores ----

def test_sem_acquire_async_from_another_process(sem_name, children):
    async def main() -> None:
        with Semaphore.create(sem_name, 1) as sem:
            assert await sem.acquire_async() is True  # available: no wait at all
            child = children([sem_name], python=CHILD_SEM)
            child.expect("ready")
            task = asyncio.create_task(sem.acquire_async())
            await until_waiting(sem)
            assert not task.done()
            child.send("1")
            assert await asyncio.wait_for(task, 60) is True
            child.expect("posted")
            assert sem.value == 0 and not sem._aio.has_waiters()
            assert not reader_registered(asyncio.get_running_loop(), sem)
            child.finish()
    asyncio.run(main())


def test_sem_acquire_async_timeout_and_acquired(sem_name):
    async def main() -> None:
        with Semaphore.create(sem_name) as sem:
            assert await sem.acquire_async(timeout=0) is False
            assert await sem.acquire_async(timeout=0.02) is False
            assert not sem._aio.has_waiters()
            with pytest.raises(TimedOutError) as e:
                async with sem.acquired(timeout=0.01):
                    pass
            assert e.value.code == ErrorCode.ETIMEDOUT
            sem.post()
            async with sem.acquired(timeout=5):
                assert sem.value == 0
            assert sem.value == 1
    asyncio.run(main())


def test_sem_many_waiters_fifo_no_thread_per_wait(sem_name):
    async def main() -> None:
        with Semaphore.create(sem_name) as sem:
            order: list = []

            async def waiter(i: int) -> None:
                assert await sem.acquire_async(timeout=60)
                order.append(i)

            tasks = [asyncio.create_task(waiter(0))]
            await until_waiting(sem, 1)
            before = os_threads()  # the first wait started the handle's one watcher thread
            tasks += [asyncio.create_task(waiter(i)) for i in range(1, 50)]
            await until_waiting(sem, 50)
            assert os_threads() == before  # 49 more waits, no more threads
            sem.release(50)
            await asyncio.wait_for(asyncio.gather(*tasks), 60)
            assert order == list(range(50))  # served in the order they waited
            assert sem.value == 0
    asyncio.run(main())


def test_sem_cancel_awaiting_task(sem_name):
    async def main() -> None:
        with Semaphore.create(sem_name) as sem:
            task = asyncio.create_task(sem.acquire_async())
            await until_waiting(sem)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert not sem._aio.has_waiters()
            assert not reader_registered(asyncio.get_running_loop(), sem)
            sem.post()
            assert sem.value == 1  # nobody took it
            assert await sem.acquire_async(timeout=5)
    asyncio.run(main())


def test_sem_cancelled_just_after_a_unit_was_taken_gives_it_back(sem_name):
    async def main() -> None:
        with Semaphore.create(sem_name) as sem:
            task = asyncio.create_task(sem.acquire_async())
            await until_waiting(sem)
            sem.post()
            sem._aio._ready()  # the loop's fd callback: takes the unit for the task...
            task.cancel()      # ...which is cancelled before it resumes
            with pytest.raises(asyncio.CancelledError):
                await task
            assert sem.value == 1  # the unit went back
    asyncio.run(main())


def test_sem_close_on_loop_wakes_waiters_with_eclosed(sem_name):
    async def main() -> None:
        sem = Semaphore.create(sem_name)
        task = asyncio.create_task(sem.acquire_async())
        await until_waiting(sem)
        fd = sem._aio._fd
        sem.close()
        with pytest.raises(ClosedError) as e:
            await task
        assert e.value.code == ErrorCode.ECLOSED
        with pytest.raises(OSError):
            os.fstat(fd)  # our dup of the notify fd is closed
        with pytest.raises(BadHandleError):
            await sem.acquire_async()
    asyncio.run(main())


# ---- queues ----

def test_mq_receive_async_from_another_process(mq_name, children):
    async def main() -> None:
        with MessageQueue.create(mq_name, 8, 32) as mq:
            child = children([mq_name], python=CHILD_MQ)
            child.expect("ready")
            task = asyncio.create_task(mq.receive_async())
            await until_waiting(mq)
            child.send("1 7")
            assert await asyncio.wait_for(task, 60) == (b"m0", 7)
            child.expect("sent")
            child.send("3 2")
            child.expect("sent")
            got = [await mq.receive_async(timeout=5) for _ in range(3)]  # queued: no wait
            assert got == [(b"m0", 2), (b"m1", 2), (b"m2", 2)]
            child.finish()
    asyncio.run(main())


def test_mq_several_waiters_served_in_order_by_one_batch(mq_name):
    async def main() -> None:
        with MessageQueue.create(mq_name, 8, 32) as mq:
            tasks = [asyncio.create_task(mq.receive_async(timeout=60)) for _ in range(4)]
            await until_waiting(mq, 4)
            for i in range(4):
                mq.send(b"%d" % i, i)  # priorities 0..3: the highest is received first
            got = await asyncio.wait_for(asyncio.gather(*tasks), 60)
            assert [m.data for m in got] == [b"3", b"2", b"1", b"0"]
            assert not reader_registered(asyncio.get_running_loop(), mq)
    asyncio.run(main())


def test_mq_receive_async_timeout(mq_name):
    async def main() -> None:
        with MessageQueue.create(mq_name, 2, 8) as mq:
            with pytest.raises(TimedOutError) as e:
                await mq.receive_async(timeout=0.02)
            assert e.value.code == ErrorCode.ETIMEDOUT and isinstance(e.value, TimeoutError)
            with pytest.raises(TryAgainError):
                await mq.receive_async(timeout=0)
            assert not mq._aio.has_waiters()
            mq.send(b"late")
            assert await mq.receive_async(timeout=0) == (b"late", 0)
    asyncio.run(main())


def test_mq_cancel_awaiting_task_loses_nothing(mq_name):
    async def main() -> None:
        with MessageQueue.create(mq_name, 4, 8) as mq:
            task = asyncio.create_task(mq.receive_async())
            await until_waiting(mq)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert not mq._aio.has_waiters()
            assert not reader_registered(asyncio.get_running_loop(), mq)
            mq.send(b"after")
            assert mq.count == 1
            # asyncio.wait_for cancels the inner receive on timeout, too.
            assert await asyncio.wait_for(mq.receive_async(), 60) == (b"after", 0)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(mq.receive_async(), 0.01)
            assert not mq._aio.has_waiters()
    asyncio.run(main())


def test_mq_cancelled_just_after_a_message_was_taken(mq_name):
    async def main() -> None:
        with MessageQueue.create(mq_name, 4, 8) as mq:
            # Alone: the message is kept and returned first by the next receive.
            task = asyncio.create_task(mq.receive_async())
            await until_waiting(mq)
            mq.send(b"first", 1)
            mq._aio._ready()  # the loop's fd callback takes it for the task...
            task.cancel()     # ...cancelled before it resumes
            with pytest.raises(asyncio.CancelledError):
                await task
            assert mq.count == 1
            mq.send(b"second", 9)  # higher priority, but "first" was already taken
            assert mq.receive() == (b"first", 1)
            assert mq.receive() == (b"second", 9)
            # With another waiter: handed over to it.
            t1 = asyncio.create_task(mq.receive_async())
            await until_waiting(mq, 1)
            t2 = asyncio.create_task(mq.receive_async())
            await until_waiting(mq, 2)
            mq.send(b"x")
            mq._aio._ready()
            t1.cancel()
            with pytest.raises(asyncio.CancelledError):
                await t1
            assert await asyncio.wait_for(t2, 60) == (b"x", 0)
            # Left over at close: put back into the queue.
            t3 = asyncio.create_task(mq.receive_async())
            await until_waiting(mq, 1)
            mq.send(b"kept", 4)
            mq._aio._ready()
            t3.cancel()
            with pytest.raises(asyncio.CancelledError):
                await t3
        with MessageQueue.open(mq_name) as again:
            assert again.try_receive() == (b"kept", 4)
    asyncio.run(main())


def test_mq_async_for(mq_name, children):
    async def main() -> None:
        with MessageQueue.create(mq_name, 16, 32) as mq:
            child = children([mq_name], python=CHILD_MQ)
            child.expect("ready")
            child.send("10 1")
            got = []
            async for msg in mq:
                got.append(msg.data)
                if len(got) == 10:
                    break
            assert got == [b"m%d" % i for i in range(10)]
            child.expect("sent")
            child.finish()
    asyncio.run(main())


def test_mq_async_for_ends_when_closed(mq_name):
    async def main() -> None:
        mq = MessageQueue.create(mq_name, 4, 8)
        got = []

        async def consume() -> None:
            async for msg in mq:
                got.append(msg.data)

        task = asyncio.create_task(consume())
        mq.send(b"one")
        await until_waiting(mq)  # consumed "one", waits for the next
        mq.close()
        await asyncio.wait_for(task, 60)
        assert got == [b"one"]
    asyncio.run(main())


def test_mq_close_from_another_thread_while_awaited(mq_name):
    async def main() -> None:
        mq = MessageQueue.create(mq_name, 4, 8)
        task = asyncio.create_task(mq.receive_async())
        await until_waiting(mq)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, mq.close)  # another thread closes the handle
        with pytest.raises(ClosedError) as e:
            await asyncio.wait_for(task, 60)
        assert e.value.code == ErrorCode.ECLOSED
        assert not reader_registered(loop, mq)
    asyncio.run(main())


def test_one_handle_on_successive_loops(mq_name):
    with MessageQueue.create(mq_name, 4, 8) as mq:
        for i in range(3):
            async def main() -> None:
                task = asyncio.create_task(mq.receive_async())
                await until_waiting(mq)
                mq.send(b"%d" % i)
                assert await asyncio.wait_for(task, 60) == (b"%d" % i, 0)
            asyncio.run(main())


def test_two_loops_at_once_is_an_error(mq_name):
    with MessageQueue.create(mq_name, 4, 8) as mq:
        started = threading.Event()
        stop = threading.Event()
        errors: list = []

        def other_loop() -> None:
            async def wait_there() -> None:
                task = asyncio.create_task(mq.receive_async())
                await until_waiting(mq)
                started.set()
                while not stop.is_set():
                    await asyncio.sleep(0)
                task.cancel()
            try:
                asyncio.run(wait_there())
            except BaseException as e:  # reported to the test
                errors.append(e)

        th = threading.Thread(target=other_loop)
        th.start()
        assert started.wait(60)

        async def here() -> None:
            with pytest.raises(RuntimeError, match="another event loop"):
                await mq.receive_async()
        try:
            asyncio.run(here())
        finally:
            stop.set()
            th.join(60)
        assert not errors


def test_blocking_receive_in_executor_alongside_async(mq_name, sem_name):
    """A thread blocked in a sync receive (GIL released) does not stop the loop."""
    async def main() -> None:
        with MessageQueue.create(mq_name, 4, 8) as mq, Semaphore.create(sem_name) as sem:
            loop = asyncio.get_running_loop()
            blocked = loop.run_in_executor(None, mq.receive, 60)
            task = asyncio.create_task(sem.acquire_async())
            await until_waiting(sem)
            sem.post()
            assert await asyncio.wait_for(task, 60)
            mq.send(b"sync")
            assert await asyncio.wait_for(blocked, 60) == (b"sync", 0)
    asyncio.run(main())


def test_fd_ready_after_a_close_from_another_thread(mq_name):
    """close() on another thread closes the C handle first and schedules the
    loop-side shutdown; if the fd fires in between, waiters still get
    ClosedError (IPC_ECLOSED)."""
    async def main() -> None:
        mq = MessageQueue.create(mq_name, 4, 8)
        task = asyncio.create_task(mq.receive_async())
        await until_waiting(mq)
        mq._h.close()     # what close() on another thread does first...
        mq._aio._ready()  # ...then the fd callback runs before the shutdown call
        with pytest.raises(ClosedError) as e:
            await task
        assert e.value.code == ErrorCode.ECLOSED
        mq.close()
    asyncio.run(main())
