"""Shared fixtures: unique names that are removed before and after each test
(even when it fails), and child processes that we synchronise with by reading
the lines they print, never by sleeping."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap

import pytest

from libipc import NotFoundError, SharedMemory

_counter = itertools.count()


def unique(prefix: str = "ipcpy") -> str:
    """A name no other test, run or process uses: prefix_pid_counter."""
    return f"{prefix}_{os.getpid()}_{next(_counter)}"


def _unlink_posix(name: str) -> None:
    try:
        os.unlink("/dev/shm/" + name)  # independent of the code under test
    except FileNotFoundError:
        pass


def _remove_sysv(key: str) -> None:
    try:
        SharedMemory.remove(key, "sysv")
    except NotFoundError:
        pass


@pytest.fixture
def posix_name():
    """A fresh POSIX segment name, unlinked before and after the test."""
    name = unique()
    _unlink_posix(name)
    yield name
    _unlink_posix(name)


@pytest.fixture
def posix_names():
    """A factory of fresh POSIX names, all unlinked after the test."""
    made = []

    def make() -> str:
        made.append(unique())
        _unlink_posix(made[-1])
        return made[-1]

    yield make
    for n in made:
        _unlink_posix(n)


def _unlink_obj(prefix: str, name: str) -> None:
    _unlink_posix(prefix + name)  # a semaphore/queue "x" is the segment "ipc-sem.x"/"ipc-mq.x"


def _obj_names(prefix: str):
    made = []

    def make() -> str:
        made.append(unique())
        _unlink_obj(prefix, made[-1])
        return made[-1]

    return made, make


@pytest.fixture
def sem_name():
    """A fresh semaphore name, its segment unlinked before and after the test."""
    made, make = _obj_names("ipc-sem.")
    yield make()
    for n in made:
        _unlink_obj("ipc-sem.", n)


@pytest.fixture
def mq_name():
    """A fresh queue name, its segment unlinked before and after the test."""
    made, make = _obj_names("ipc-mq.")
    yield make()
    for n in made:
        _unlink_obj("ipc-mq.", n)


@pytest.fixture
def mq_names():
    """A factory of fresh queue names, all unlinked after the test."""
    made, make = _obj_names("ipc-mq.")
    yield make
    for n in made:
        _unlink_obj("ipc-mq.", n)


def blocked_in(thread, path: str, deadline: float = 30.0) -> None:
    """Returns once `thread` is asleep in a futex wait on the shared mapping
    of `path` (read from /proc: its current syscall and its address), i.e.
    inside a libipc wait with the GIL released (this thread could not run
    otherwise). Fails if the thread ends first or the deadline passes."""
    import time
    end = time.monotonic() + deadline
    while True:
        if not thread.is_alive():
            raise AssertionError("the thread ended before it blocked")
        if time.monotonic() > end:
            raise AssertionError(f"the thread did not block on {path}")
        try:
            with open(f"/proc/self/task/{thread.native_id}/syscall") as f:
                sc = f.read().split()
        except OSError:
            continue
        if sc and sc[0] == "202":  # futex (x86_64)
            addr = int(sc[1], 16)
            with open("/proc/self/maps") as f:
                for line in f:
                    if line.rstrip().endswith(path):
                        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
                        if lo <= addr < hi:
                            return


@pytest.fixture
def sysv_key():
    """A SysV key (decimal string) derived from pid and counter, removed after."""
    key = str(0x5A000000 | (os.getpid() & 0xFFFF) << 8 | (next(_counter) & 0xFF))
    _remove_sysv(key)
    yield key
    _remove_sysv(key)


@pytest.fixture
def file_path(tmp_path):
    """A path for a file-backed segment (pytest removes tmp_path)."""
    return str(tmp_path / f"{unique()}.seg")


def pattern(n: int) -> bytes:
    """The byte pattern tests/c/shm_child.c writes and checks."""
    return bytes((i * 7 + 3) % 251 for i in range(n))


SHM_CHILD = os.environ.get("IPC_SHM_CHILD")
needs_shm_child = pytest.mark.skipif(not SHM_CHILD or not os.path.exists(SHM_CHILD),
                                     reason="IPC_SHM_CHILD (build/bin/shm_child) not set")


class Child:
    """A child process: Python code (with libipc importable) or a command.
    expect(line) reads its stdout up to that line; send() writes a line."""

    def __init__(self, args, *, python: str | None = None, isolated: bool = False):
        if python is not None:
            # -I: the child sees neither PYTHONPATH nor the user site, so it can
            # prove a point with the standard library alone.
            args = [sys.executable] + (["-I"] if isolated else []) + ["-c", textwrap.dedent(python)] + list(args)
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def expect(self, want: str) -> None:
        line = self.proc.stdout.readline().strip()
        if line != want:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError(f"child printed {line!r}, expected {want!r}\nstdout: {out}\nstderr: {err}")

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 60) -> str:
        """Close stdin, wait for exit 0; returns the rest of stdout."""
        out, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, f"child exited {self.proc.returncode}\nstdout: {out}\nstderr: {err}"
        return out

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()


@pytest.fixture
def children():
    """Starts Child processes; any still running at the end is killed."""
    started: list[Child] = []

    def start(*args, **kw) -> Child:
        started.append(Child(*args, **kw))
        return started[-1]

    yield start
    for c in started:
        c.kill()


def run(args, **kw) -> subprocess.CompletedProcess:
    """Runs a command to completion; asserts it exits 0."""
    r = subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)
    assert r.returncode == 0, f"{args} exited {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r
