"""Helpers for the socket tests: short private socket roots, waits with
timeouts on events, and line-driven child processes read with timeouts (a
failure, never a hang)."""
from __future__ import annotations

import os
import queue
import shutil
import subprocess
import tempfile
import threading
from typing import Any, Callable, List, Optional, Union

from libipc import Event, EventKind

#: Seconds any single wait in these tests may take before it is a failure.
WAIT = 20.0


def make_root() -> str:
    """A fresh private directory for Unix sockets, with a trailing '/'. Short
    (under /tmp) so paths stay far below the 107-byte limit."""
    return tempfile.mkdtemp(prefix="ipcpy") + "/"


def remove_root(root: str) -> None:
    shutil.rmtree(root, ignore_errors=True)


def take(ep: Any, kind: Optional[EventKind] = None, type: Optional[str] = None,
         timeout: float = WAIT) -> Event:
    """The next event of `ep`, which must be of `kind` (and `type`)."""
    ev = ep.next_event(timeout)
    if kind is not None:
        assert ev.kind == kind, f"expected {kind.name}{' ' + type if type else ''}, got {ev}"
    if type is not None:
        assert ev.type == type, f"expected type {type!r}, got {ev}"
    return ev


def take_until(ep: Any, pred: Callable[[Event], bool], timeout: float = WAIT,
               skip: Callable[[Event], bool] = lambda ev: True) -> Event:
    """Takes events until one satisfies pred; every event before it must
    satisfy `skip` (default: anything may be skipped)."""
    import time
    end = time.monotonic() + timeout
    while True:
        ev = ep.next_event(max(0.0, end - time.monotonic()))
        if pred(ev):
            return ev
        assert skip(ev), f"unexpected event {ev}"


class LineProc:
    """A child process that prints lines (read by a thread into a queue, so
    every read has a timeout) and takes commands on stdin."""

    def __init__(self, args: List[str], env: Optional[dict] = None) -> None:
        self.args = args
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self._lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self._err: List[str] = []
        self.seen: List[str] = []
        threading.Thread(target=self._pump_out, daemon=True).start()
        threading.Thread(target=self._pump_err, daemon=True).start()

    def _pump_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _pump_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._err.append(line)

    def stderr(self) -> str:
        return "".join(self._err)

    def line(self, timeout: float = WAIT) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{self.args[:3]}: no line within {timeout} s; seen {self.seen}; "
                                 f"stderr: {self.stderr()}") from None
        if line is None:
            self._lines.put(None)
            rc = self.proc.wait(timeout=5)
            raise AssertionError(f"{self.args[:3]} exited ({rc}) early; seen {self.seen}; stderr: {self.stderr()}")
        self.seen.append(line)
        return line

    def expect(self, want: Union[str, Callable[[str], bool]], timeout: float = WAIT,
               skip: Callable[[str], bool] = lambda s: False) -> str:
        """The next line, which must equal `want` (or satisfy it); lines for
        which skip() holds are passed over."""
        while True:
            line = self.line(timeout)
            ok = want(line) if callable(want) else line == want
            if ok:
                return line
            if not skip(line):
                raise AssertionError(f"{self.args[:3]}: got {line!r}, expected {want!r}; seen {self.seen}")

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = WAIT) -> int:
        """Closes stdin and waits for the exit code."""
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.args[:3]} did not exit within {timeout} s") from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def node_ipc_env() -> Optional[dict]:
    """The environment to run tests/sock/node_ipc_peer.js with, or None."""
    node, modules = os.environ.get("IPC_NODE"), os.environ.get("IPC_NODE_IPC_PATH")
    if not node or not modules or not os.path.isdir(os.path.join(modules, "node-ipc")):
        return None
    env = dict(os.environ)
    env["NODE_PATH"] = modules
    return env
