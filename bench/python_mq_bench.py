#!/usr/bin/env python3
"""bench/python_mq_bench.py: message round trip and one-way throughput between
two Python processes, libipc.MessageQueue beside multiprocessing.Queue and
multiprocessing.Pipe, with the processes pinned to different cores and then to
the same core. Prints a table, ratios and CPU time per message (both
processes' user + system time, every thread, divided by messages).

    PYTHONPATH=build/bindings/python python3 bench/python_mq_bench.py [--quick]

Speed is reported, never asserted (bench/README.md). The target it reports
against: a libipc round trip at most 1/5 of multiprocessing.Queue's.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from typing import Any, Callable, Dict, List, Tuple

from libipc import MessageQueue

CTX = mp.get_context("fork")  # the children open everything after the fork


def pin(cpu: int) -> None:
    os.sched_setaffinity(0, {cpu})  # this thread; threads made later inherit it


def uniq(what: str) -> str:
    return f"pybench_{what}_{os.getpid()}_{time.monotonic_ns()}"


class Result:
    def __init__(self, seconds: float, cpu: float, msgs: int) -> None:
        self.us = seconds * 1e6 / msgs      # per round trip, or per message one way
        self.cpu_us = cpu * 1e6 / msgs      # both processes, per message


def run_pair(cpu_a: int, cpu_b: int, msgs: int, child: Callable[..., None], parent: Callable[..., None],
             args: Tuple[Any, ...]) -> Result:
    """child(*args, ctl) runs in a fork pinned to cpu_b; it sends "ready" on ctl,
    does its part, then sends its CPU seconds. parent(*args, ctl) is timed here,
    pinned to cpu_a, after the child is ready."""
    ctl_parent, ctl_child = CTX.Pipe()

    def child_main() -> None:
        pin(cpu_b)
        c0 = time.process_time()
        child(*args, ctl_child)
        ctl_child.send(time.process_time() - c0)

    p = CTX.Process(target=child_main)
    p.start()
    old = os.sched_getaffinity(0)
    pin(cpu_a)
    try:
        assert ctl_parent.recv() == "ready"
        c0 = time.process_time()
        t0 = time.perf_counter()
        parent(*args, ctl_parent)
        t1 = time.perf_counter()
        cpu = time.process_time() - c0
        cpu += ctl_parent.recv()
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"child exited {p.exitcode}")
    finally:
        os.sched_setaffinity(0, old)
        if p.is_alive():
            p.kill()
    return Result(t1 - t0, cpu, msgs)


# ---- round trip: parent sends, child sends it back ----

def ipc_rt_child(q1: str, q2: str, n: int, size: int, ctl: Any) -> None:
    with MessageQueue.open(q1) as inq, MessageQueue.open(q2) as outq:
        ctl.send("ready")
        for _ in range(n):
            outq.send(inq.receive().data)


def ipc_rt_parent(q1: str, q2: str, n: int, size: int, ctl: Any) -> None:
    msg = b"x" * size
    with MessageQueue.open(q1) as outq, MessageQueue.open(q2) as inq:
        for _ in range(n):
            outq.send(msg)
            inq.receive()


def ipc_roundtrip(a: int, b: int, size: int, n: int) -> Result:
    q1, q2 = uniq("ping"), uniq("pong")
    MessageQueue.create(q1, 64, size).close()
    MessageQueue.create(q2, 64, size).close()
    try:
        return run_pair(a, b, n, ipc_rt_child, ipc_rt_parent, (q1, q2, n, size))
    finally:
        MessageQueue.remove(q1)
        MessageQueue.remove(q2)


def mpq_rt_child(q1: Any, q2: Any, n: int, size: int, ctl: Any) -> None:
    ctl.send("ready")
    for _ in range(n):
        q2.put(q1.get())


def mpq_rt_parent(q1: Any, q2: Any, n: int, size: int, ctl: Any) -> None:
    msg = b"x" * size
    for _ in range(n):
        q1.put(msg)
        q2.get()


def mpq_roundtrip(a: int, b: int, size: int, n: int) -> Result:
    return run_pair(a, b, n, mpq_rt_child, mpq_rt_parent, (CTX.Queue(64), CTX.Queue(64), n, size))


def pipe_rt_child(c1: Any, c2: Any, n: int, size: int, ctl: Any) -> None:
    ctl.send("ready")
    for _ in range(n):
        c2.send_bytes(c2.recv_bytes())


def pipe_rt_parent(c1: Any, c2: Any, n: int, size: int, ctl: Any) -> None:
    msg = b"x" * size
    for _ in range(n):
        c1.send_bytes(msg)
        c1.recv_bytes()


def pipe_roundtrip(a: int, b: int, size: int, n: int) -> Result:
    c1, c2 = CTX.Pipe()  # duplex (a socketpair)
    return run_pair(a, b, n, pipe_rt_child, pipe_rt_parent, (c1, c2, n, size))


# ---- one way: the child produces, the parent (timed) consumes ----

def ipc_tp_child(qn: str, n: int, size: int, batch: bool, ctl: Any) -> None:
    msg = b"p" * size
    with MessageQueue.open(qn) as q:
        ctl.send("ready")
        ctl.recv()  # go
        send = q.send
        for _ in range(n):
            send(msg)


def ipc_tp_parent(qn: str, n: int, size: int, batch: bool, ctl: Any) -> None:
    with MessageQueue.open(qn) as q:
        ctl.send("go")
        got = 0
        if batch:
            while got < n:
                got += len(q.receive_many(256))
        else:
            receive = q.receive
            for _ in range(n):
                receive()


def ipc_throughput(a: int, b: int, size: int, n: int, batch: bool) -> Result:
    qn = uniq("tput")
    MessageQueue.create(qn, 1024, size).close()
    try:
        return run_pair(a, b, n, ipc_tp_child, ipc_tp_parent, (qn, n, size, batch))
    finally:
        MessageQueue.remove(qn)


def mpq_tp_child(q: Any, n: int, size: int, ctl: Any) -> None:
    msg = b"p" * size
    ctl.send("ready")
    ctl.recv()
    for _ in range(n):
        q.put(msg)


def mpq_tp_parent(q: Any, n: int, size: int, ctl: Any) -> None:
    ctl.send("go")
    for _ in range(n):
        q.get()


def mpq_throughput(a: int, b: int, size: int, n: int) -> Result:
    return run_pair(a, b, n, mpq_tp_child, mpq_tp_parent, (CTX.Queue(1024), n, size))


def pipe_tp_child(r: Any, w: Any, n: int, size: int, ctl: Any) -> None:
    msg = b"p" * size
    ctl.send("ready")
    ctl.recv()
    for _ in range(n):
        w.send_bytes(msg)


def pipe_tp_parent(r: Any, w: Any, n: int, size: int, ctl: Any) -> None:
    ctl.send("go")
    for _ in range(n):
        r.recv_bytes()


def pipe_throughput(a: int, b: int, size: int, n: int) -> Result:
    r, w = CTX.Pipe(duplex=False)
    return run_pair(a, b, n, pipe_tp_child, pipe_tp_parent, (r, w, n, size))


# ---- report ----

def rt_row(what: str, r: Result, ref: Result | None = None, ref_name: str = "") -> None:
    tail = f"   {r.us / ref.us:6.3f}x {ref_name}" if ref else ""
    print(f"  {what:34s} {r.us:9.2f} µs {r.cpu_us:9.2f} µs CPU/msg{tail}")


def tp_row(what: str, r: Result, ref: Result | None = None, ref_name: str = "") -> None:
    tail = f"   {ref.us / r.us:6.2f}x {ref_name}" if ref else ""
    print(f"  {what:34s} {1 / r.us:9.3f} M msg/s {r.cpu_us:7.2f} µs CPU/msg{tail}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small counts (what ctest runs)")
    opts = ap.parse_args()
    rt_n = 300 if opts.quick else 20000
    tp_n = 3000 if opts.quick else 200000
    cpus = sorted(os.sched_getaffinity(0))
    far = (cpus[0], cpus[1]) if len(cpus) > 1 else (cpus[0], cpus[0])
    places = [(f"different cores ({far[0]},{far[1]})", far)] if far[0] != far[1] else []
    places.append((f"same core ({cpus[0]},{cpus[0]})", (cpus[0], cpus[0])))
    load = os.getloadavg()
    print(f"libipc Python mq bench ({'quick' if opts.quick else 'full'}; Python {sys.version.split()[0]}; "
          f"{os.cpu_count()} CPUs; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")
    print("lower µs is better; ratios are libipc / peer for round trips, libipc speed-up over the peer "
          "for throughput")
    summary: List[str] = []
    for label, (a, b) in places:
        print(f"\n== round trip, {label}")
        for size in (64, 4096):
            q = mpq_roundtrip(a, b, size, rt_n)
            p = pipe_roundtrip(a, b, size, rt_n)
            i = ipc_roundtrip(a, b, size, rt_n)
            rt_row(f"multiprocessing.Queue {size} B", q)
            rt_row(f"multiprocessing.Pipe {size} B", p, q, "Queue")
            rt_row(f"libipc MessageQueue {size} B", i, q, "Queue")
            print(f"  {'  libipc / Pipe':34s} {i.us / p.us:9.3f}x")
            met = "met" if i.us <= q.us / 5 else "NOT met"
            summary.append(f"{label}, {size} B: libipc round trip = {i.us / q.us:.3f} of "
                           f"multiprocessing.Queue's (target <= 0.2: {met})")
        print(f"\n== one-way throughput, {label}")
        for size in (64, 4096):
            n = tp_n if size == 64 else tp_n // 8
            q = mpq_throughput(a, b, size, n)
            p = pipe_throughput(a, b, size, n)
            i = ipc_throughput(a, b, size, n, False)
            m = ipc_throughput(a, b, size, n, True)
            tp_row(f"multiprocessing.Queue {size} B", q)
            tp_row(f"multiprocessing.Pipe {size} B", p, q, "Queue")
            tp_row(f"libipc MessageQueue {size} B", i, q, "Queue")
            tp_row(f"libipc receive_many {size} B", m, q, "Queue")
            print(f"  {'  libipc / Pipe (speed-up)':34s} {p.us / i.us:9.2f}x   receive_many {p.us / m.us:.2f}x")
    print("\n== target: libipc round trip <= 1/5 of multiprocessing.Queue's")
    for line in summary:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
