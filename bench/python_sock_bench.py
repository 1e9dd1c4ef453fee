#!/usr/bin/env python3
"""bench/python_sock_bench.py: the Python client of the socket benchmark
(bench/README.md). It connects with libipc.SocketClient to an echo server
that is already running (bench/sock_echo_server.c, or any server with its
behaviour: `ping` -> `pong` with the same data; `tp` counted; `tp_end` ->
`tp_done` with the count) and measures

- the round trip: `ping` with data = a string of SIZE 'x', wait for its
  `pong`, RTT_COUNT times in sequence (after a short warm-up);
- the throughput: TP_COUNT `tp` events with that data, sent in batches
  (SocketClient.emit_many: one C call and one write each) of up to 256 events
  and about 64 KiB, then `tp_end`; timed until `tp_done` arrives, whose count
  must equal TP_COUNT.

    PYTHONPATH=build/bindings/python python3 bench/python_sock_bench.py \\
        --transport unix --path /run/user/1000/libipc/app.bench --size 64 \\
        --rtt-count 10000 --tp-count 200000

Prints ONE JSON line, e.g.
{"client":"python","transport":"unix","size":64,"rtt_us":21.3,"events_per_s":512000.0}
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from libipc import EventKind, SocketClient

BATCH = 256          # events per emit_many, at most...
BATCH_BYTES = 65536  # ...and about this much data (large events go one by one)
WAIT = 60.0  # seconds any single wait may take: a failure, never a hang


def next_message(client: SocketClient, want: str):
    while True:
        ev = client.next_event(WAIT)
        if ev.kind == EventKind.MESSAGE:
            if ev.type != want:
                raise SystemExit(f"python_sock_bench: got {ev.type!r}, expected {want!r}")
            return ev
        if ev.kind in (EventKind.ERROR, EventKind.DISCONNECT, EventKind.DESTROY):
            raise SystemExit(f"python_sock_bench: {ev.kind.name.lower()} while waiting for {want}: {ev.data}")


def round_trips(client: SocketClient, data: str, count: int) -> float:
    emit, take = client.emit, client.next_event
    t0 = time.perf_counter()
    for _ in range(count):
        emit("ping", data)
        ev = take(WAIT)
        if ev.type != "pong":  # the server only ever answers pongs here
            if ev.kind == EventKind.MESSAGE:
                raise SystemExit(f"python_sock_bench: got {ev.type!r}, expected 'pong'")
            next_message(client, "pong")
    return (time.perf_counter() - t0) / count * 1e6


def throughput(client: SocketClient, data: str, count: int) -> float:
    n = max(1, min(BATCH, BATCH_BYTES // max(1, len(data))))
    batch = [("tp", data)] * n
    t0 = time.perf_counter()
    left = count
    while left >= n:
        client.emit_many(batch)  # waits for room if the write queue is full
        left -= n
    if left:
        client.emit_many(batch[:left])
    client.emit("tp_end")
    done = next_message(client, "tp_done")
    elapsed = time.perf_counter() - t0
    if done.data != count:
        raise SystemExit(f"python_sock_bench: the server counted {done.data} tp events, expected {count}")
    return count / elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transport", choices=("unix", "tcp"), required=True)
    ap.add_argument("--path", help="Unix socket path (transport unix)")
    ap.add_argument("--port", type=int, help="TCP port on 127.0.0.1 (transport tcp)")
    ap.add_argument("--size", type=int, default=64, help="data: a string of SIZE 'x'")
    ap.add_argument("--rtt-count", type=int, default=10000)
    ap.add_argument("--tp-count", type=int, default=100000)
    a = ap.parse_args()
    if a.transport == "unix" and not a.path:
        ap.error("--transport unix needs --path")
    if a.transport == "tcp" and not a.port:
        ap.error("--transport tcp needs --port")
    opts = {"path": a.path} if a.transport == "unix" else {"transport": "tcp", "port": a.port}
    data = "x" * a.size
    with SocketClient(opts, stopRetrying=True) as client:
        client.wait_connected(WAIT)
        round_trips(client, data, min(1000, max(10, a.rtt_count // 10)))  # warm-up
        rtt_us = round_trips(client, data, a.rtt_count)
        events_per_s = throughput(client, data, a.tp_count)
    print(json.dumps({"client": "python", "transport": a.transport, "size": a.size,
                      "rtt_us": round(rtt_us, 2), "events_per_s": round(events_per_s, 1)},
                     separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
