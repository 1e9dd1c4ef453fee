"""libipc.Semaphore: modes, counting, the threading-like and raising forms,
bad input, closing, the GIL, and other processes (synchronised on the lines
they print and on their exit, never on sleeps)."""
from __future__ import annotations

import os
import stat
import sys
import threading

import pytest

from conftest import blocked_in, run, unique
from libipc import (SEM_VALUE_MAX, AlreadyExistsError, BadHandleError, BadNameError, ClosedError,
                    ErrorCode, InvalidArgumentError, IpcError, NameTooLongError, NotFoundError,
                    OutOfRangeError, Semaphore, TimedOutError, TryAgainError)


def seg(name: str) -> str:
    return "/dev/shm/ipc-sem." + name


# ---- names and modes ----

def test_create_open_remove(sem_name):
    assert not Semaphore.exists(sem_name)
    with Semaphore.create(sem_name, initial=2) as a:
        assert (a.name, a.value, a.closed) == (sem_name, 2, False)
        assert Semaphore.exists(sem_name) and os.path.exists(seg(sem_name))
        with Semaphore.open(sem_name) as b:
            assert b.value == 2
            assert b.try_acquire()
            assert a.value == 1
    assert a.closed
    assert Semaphore.exists(sem_name)  # closing never removes
    Semaphore.remove(sem_name)
    assert not Semaphore.exists(sem_name)


def test_modes_and_errors(sem_name):
    with pytest.raises(NotFoundError) as e:
        Semaphore.open(sem_name)
    assert e.value.code == ErrorCode.ENOENT and isinstance(e.value, FileNotFoundError)
    with Semaphore.open_or_create(sem_name, 4) as a:
        with Semaphore(sem_name, 99, mode="open_or_create") as b:  # initial only when created
            assert b.value == 4
        with pytest.raises(AlreadyExistsError) as e:
            Semaphore.create(sem_name)
        assert e.value.code == ErrorCode.EEXIST and isinstance(e.value, FileExistsError)
        a.post()
        assert a.value == 5


def test_removed_name_keeps_open_handles(sem_name):
    with Semaphore.create(sem_name, 1) as a:
        Semaphore.remove(sem_name)
        with pytest.raises(NotFoundError):
            Semaphore.open(sem_name)
        assert a.try_acquire() and not a.try_acquire()
        a.post()
        assert a.value == 1


def test_perm_is_exact(sem_name):
    old = os.umask(0o077)
    try:
        with Semaphore.create(sem_name, perm=0o640):
            assert stat.S_IMODE(os.stat(seg(sem_name)).st_mode) == 0o640
    finally:
        os.umask(old)


def test_default_perm(sem_name):
    with Semaphore.create(sem_name):
        assert stat.S_IMODE(os.stat(seg(sem_name)).st_mode) == 0o600


# ---- counting ----

def test_threading_like_forms(sem_name):
    with Semaphore.create(sem_name, 2) as sem:
        assert sem.acquire() is True
        assert sem.acquire(blocking=False) is True
        assert sem.acquire(blocking=False) is False
        assert sem.try_acquire() is False
        assert sem.acquire(timeout=0) is False
        assert sem.acquire(timeout=0.01) is False  # times out: False, as threading's
        sem.release()
        sem.release(3)
        assert sem.value == 4
        with pytest.raises(ValueError):
            sem.acquire(blocking=False, timeout=1)


def test_raising_forms(sem_name):
    with Semaphore.create(sem_name, 1) as sem:
        sem.wait()
        with pytest.raises(TimedOutError) as e:
            sem.wait(0.01)
        assert isinstance(e.value, TimeoutError) and e.value.code == ErrorCode.ETIMEDOUT
        assert sem_name in e.value.detail
        with pytest.raises(TryAgainError) as e:
            sem.wait(0)  # one non-blocking try
        assert isinstance(e.value, BlockingIOError) and e.value.code == ErrorCode.EAGAIN


def test_acquired_context_manager(sem_name):
    with Semaphore.create(sem_name, 1) as sem:
        with sem.acquired() as s:
            assert s is sem and sem.value == 0
            with pytest.raises(TimedOutError):
                with sem.acquired(timeout=0.01):
                    pass
            with pytest.raises(TimedOutError):
                with sem.acquired(timeout=0):
                    pass
        assert sem.value == 1
        with pytest.raises(KeyError):  # the unit goes back on an exception too
            with sem.acquired():
                raise KeyError
        assert sem.value == 1
    assert sem.closed  # `with sem` is the handle


def test_value_max(sem_name):
    with Semaphore.create(sem_name, SEM_VALUE_MAX) as sem:
        assert sem.value == SEM_VALUE_MAX == 2**31 - 1
        with pytest.raises(OutOfRangeError) as e:
            sem.post()
        assert e.value.code == ErrorCode.ERANGE
        assert sem.value == SEM_VALUE_MAX


# ---- bad input ----

@pytest.mark.parametrize("initial,code", [(SEM_VALUE_MAX + 1, ErrorCode.ERANGE), (-1, ErrorCode.ERANGE),
                                          (2**70, ErrorCode.ERANGE)])
def test_bad_initial(sem_name, initial, code):
    with pytest.raises(IpcError) as e:
        Semaphore.create(sem_name, initial)
    assert e.value.code == code
    assert not Semaphore.exists(sem_name)


def test_bad_names():
    for bad, cls in [("a/b", BadNameError), ("", BadNameError), ("nul\0x", BadNameError),
                     ("x" * 241, NameTooLongError)]:
        with pytest.raises(cls) as e:
            Semaphore.open_or_create(bad)
        assert e.value.code == cls.code
    ok = unique("s") + "x" * 200
    ok = ok[:240]
    try:
        with Semaphore.create(ok):
            pass
    finally:
        Semaphore.remove(ok)


def test_bad_arguments(sem_name):
    with pytest.raises(InvalidArgumentError):
        Semaphore(sem_name, mode="sometimes")
    with pytest.raises(InvalidArgumentError):
        Semaphore.create(sem_name, perm=0o1777)
    with pytest.raises(TypeError):
        Semaphore.create(sem_name, initial="3")
    with Semaphore.create(sem_name) as sem:
        for t in (-1, -0.5, float("nan")):
            with pytest.raises(InvalidArgumentError) as e:
                sem.acquire(timeout=t)
            assert e.value.code == ErrorCode.EINVAL
        with pytest.raises(TypeError):
            sem.acquire(timeout="1")
        with pytest.raises(InvalidArgumentError):
            sem.release(0)
        with pytest.raises(OutOfRangeError):
            sem.set_spin(-1)
        sem.set_spin(0)
        sem.post()
        assert sem.acquire(timeout=float("inf")) is True  # inf: forever


def test_closed_handle(sem_name):
    sem = Semaphore.create(sem_name, 1)
    sem.close()
    sem.close()  # idempotent
    assert sem.closed and "closed" in repr(sem)
    for call in (sem.post, sem.try_acquire, lambda: sem.acquire(timeout=1), lambda: sem.value,
                 lambda: sem.wait(0)):
        with pytest.raises(BadHandleError) as e:
            call()
        assert e.value.code == ErrorCode.EBADHANDLE and isinstance(e.value, ValueError)


# ---- threads and the GIL ----

def test_blocking_wait_releases_the_gil(sem_name):
    with Semaphore.create(sem_name) as sem:
        sem.set_spin(0)
        got = []
        th = threading.Thread(target=lambda: got.append(sem.acquire(timeout=60)))
        th.start()
        blocked_in(th, seg(sem_name))  # this thread runs Python while the other waits in C
        progress = sum(range(10000))    # ... and more of it
        sem.post()
        th.join()
        assert got == [True] and progress == 49995000


def test_close_while_another_thread_waits(sem_name):
    sem = Semaphore.create(sem_name)
    errors = []

    def waiter() -> None:
        try:
            sem.acquire()
        except IpcError as e:
            errors.append(e)

    th = threading.Thread(target=waiter)
    th.start()
    blocked_in(th, seg(sem_name))
    sem.close()
    th.join(60)
    assert not th.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], ClosedError)
    assert errors[0].code == ErrorCode.ECLOSED and errors[0].name == "IPC_ECLOSED"
    assert isinstance(errors[0], ConnectionError)


def test_many_threads_one_handle(sem_name):
    n, per = 4, 500
    with Semaphore.create(sem_name) as sem:
        def worker() -> None:
            for _ in range(per):
                assert sem.acquire(timeout=60)
        threads = [threading.Thread(target=worker) for _ in range(n)]
        for t in threads:
            t.start()
        for _ in range(n * per):
            sem.post()
        for t in threads:
            t.join()
        assert sem.value == 0


# ---- other processes ----

CHILD_POSTS = """
import sys
from libipc import Semaphore
with Semaphore.open(sys.argv[1]) as sem:
    print("ready", flush=True)
    for line in sys.stdin:
        for _ in range(int(line)):
            sem.post()
        print("posted", flush=True)
"""

CHILD_TAKES = """
import sys
from libipc import Semaphore
with Semaphore.open(sys.argv[1]) as sem:
    took = 0
    while sem.acquire(timeout=60):
        took += 1
        if took == int(sys.argv[2]):
            break
    print(took, sem.try_acquire())
"""


def test_child_posts_parent_waits(sem_name, children):
    with Semaphore.create(sem_name) as sem:
        sem.set_spin(0)
        child = children([sem_name], python=CHILD_POSTS)
        child.expect("ready")
        got = []
        th = threading.Thread(target=lambda: got.append(sem.acquire(timeout=60)))
        th.start()
        blocked_in(th, seg(sem_name))
        child.send("1")           # another process wakes the sleeping thread
        th.join()
        child.expect("posted")
        assert got == [True]
        child.send("3")
        child.expect("posted")
        assert sem.value == 3
        child.finish()


def test_parent_posts_child_takes(sem_name):
    with Semaphore.create(sem_name, 2) as sem:
        sem.release(8)
        out = run([sys.executable, "-c", CHILD_TAKES, sem_name, "10"]).stdout.split()
        assert out == ["10", "False"]
        assert sem.value == 0


def _mp_worker(name: str, n: int) -> None:
    with Semaphore.open(name) as sem:
        for _ in range(n):
            sem.post()


def test_multiprocessing_workers(sem_name):
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    with Semaphore.create(sem_name) as sem:
        procs = [ctx.Process(target=_mp_worker, args=(sem_name, 250)) for _ in range(3)]
        for p in procs:
            p.start()
        for _ in range(750):
            assert sem.acquire(timeout=60)
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
        assert sem.value == 0
