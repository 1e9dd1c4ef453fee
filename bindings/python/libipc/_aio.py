"""asyncio support for semaphores and queues (private).

libipc tells an event loop about readiness through ``ipc_*_notify_fd``: an
eventfd that a libipc thread makes readable when the semaphore has a unit or the
queue a message, after which it stays quiet until ``ipc_*_notify_arm``. That
thread never calls Python. Per handle object, :class:`Readiness` keeps

- a ``dup`` of that fd, registered with ``loop.add_reader`` only while some
  coroutine awaits (the dup outlives the C handle, so closing the handle from
  another thread can never leave a closed or reused fd number in the selector);
- a FIFO of waiting futures. When the fd is readable it reads the eventfd, hands
  results to as many waiters as it can with *non-blocking* calls (the owner's
  ``drain``: ``receive_many`` for a queue, ``try_wait`` per unit for a
  semaphore), and arms again if any are left. No thread per wait, no polling.
"""
from __future__ import annotations

import asyncio
import os
from collections import deque
from typing import Any, Callable, Deque, List, Optional

Drain = Callable[[List["asyncio.Future[Any]"]], int]


class Readiness:
    __slots__ = ("_get_fd", "_arm", "_drain", "_fd", "_loop", "_waiters", "_registered", "_eventfd")

    def __init__(self, get_fd: Callable[[], int], arm: Callable[[], None], drain: Drain) -> None:
        self._get_fd = get_fd      # the C handle's notify fd (created on first use)
        self._arm = arm
        self._drain = drain        # serves a prefix of the futures; returns how many
        self._fd = -1              # our dup of it
        self._eventfd = True       # an eventfd to clear by reading (else an epoll set)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._waiters: Deque["asyncio.Future[Any]"] = deque()
        self._registered = False

    def has_waiters(self) -> bool:
        return bool(self._waiters)

    def wait(self) -> "asyncio.Future[Any]":
        """A future resolved by drain(); the caller must discard() it when done."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._waiters:
                raise RuntimeError("this handle is already awaited on another event loop; "
                                   "open another handle for this loop")
            self._unregister()
            self._loop = loop
        fut: "asyncio.Future[Any]" = loop.create_future()
        if self._fd < 0:
            self._fd = os.dup(self._get_fd())  # non-inheritable, like every fd Python makes
        self._waiters.append(fut)
        if not self._registered:
            loop.add_reader(self._fd, self._ready)
            self._registered = True
        self._arm()  # re-checks: a unit/message that came meanwhile signals at once
        return fut

    def discard(self, fut: "asyncio.Future[Any]") -> None:
        try:
            self._waiters.remove(fut)
        except ValueError:
            pass
        if not self._waiters:
            self._unregister()

    def hand_over(self, value: Any) -> bool:
        """Give `value` to the first live waiter (a result taken for a waiter
        that was cancelled at the last moment); False if there is none."""
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(value)
                return True
        return False

    def _ready(self) -> None:
        if self._eventfd:
            try:
                os.read(self._fd, 8)  # clear the eventfd before draining: no signal is lost
            except BlockingIOError:
                pass
            except OSError:
                # A socket with inlineReads=True: its fd is an epoll set,
                # level-triggered, polled but never read.
                self._eventfd = False
        live = [f for f in self._waiters if not f.done()]
        served = 0
        if live:
            try:
                served = self._drain(live)
            except BaseException as e:  # e.g. the handle was closed by another thread
                for f in live:
                    if not f.done():
                        f.set_exception(e)
                self._waiters.clear()
                self._unregister()
                return
        self._waiters = deque(f for f in live[served:])
        if self._waiters:
            self._arm()
        else:
            self._unregister()

    def _unregister(self) -> None:
        if self._registered and self._loop is not None:
            self._registered = False
            if not self._loop.is_closed():
                self._loop.remove_reader(self._fd)

    def shutdown(self, exc: BaseException) -> None:
        """The handle is closing: fail the waiters with `exc`, stop watching,
        close our fd. Call on the loop's thread, or when no loop runs."""
        waiters, self._waiters = self._waiters, deque()
        for f in waiters:
            if not f.done():
                f.set_exception(exc)
        self._unregister()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def close(self, exc: BaseException) -> None:
        """shutdown(exc) now if safe from this thread, else on the loop's thread."""
        loop = self._loop
        # While its loop runs, all of this object's state changes happen on the
        # loop's thread (a wait() starting there cannot meet a half-shut state).
        if loop is not None and loop.is_running():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                try:
                    loop.call_soon_threadsafe(self.shutdown, exc)
                    return
                except RuntimeError:  # closed meanwhile
                    pass
        self.shutdown(exc)

    def __del__(self) -> None:
        if self._fd >= 0:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = -1
