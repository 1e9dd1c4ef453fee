"""ShmStream: the seqlock stream layout of shm_stream.h."""
from __future__ import annotations

import array
import struct
import threading
import time

import numpy as np
import pytest

from libipc import (CorruptError, EncodingError, InvalidArgumentError, OutOfRangeError,
                    ReadOnlyError, SharedMemory, ShmStream, StreamType, TryAgainError)


def test_empty_stream(posix_name):
    with SharedMemory.create(posix_name, 4096) as shm:
        s = ShmStream(shm)
        assert (s.capacity, s.version) == (4096 - 32, 0)
        assert s.read() == (StreamType.EMPTY, None, 0)


def test_values_and_versions(posix_name):
    with SharedMemory.create(posix_name, 4096) as shm:
        s = ShmStream(shm)
        s.write("héllo ✓")
        assert s.read() == (StreamType.STRING, "héllo ✓", 1)
        s.write(b"\x00\x01raw")
        assert s.read() == (StreamType.BYTES, b"\x00\x01raw", 2)
        s.write_f32([0.5, -1.5])
        t, v, ver = s.read()
        assert (t, v, ver) == (StreamType.F32, array.array("f", [0.5, -1.5]), 3)
        s.write_f64(np.array([1.0, 2.0, 3.0]))
        t, v, ver = s.read()
        assert t == StreamType.F64 and v.tolist() == [1.0, 2.0, 3.0] and ver == 4
        s.write_f64([])
        assert s.read() == (StreamType.F64, array.array("d"), 5)
        assert s.version == 5


def test_layout_is_the_documented_one(posix_name):
    with SharedMemory.create(posix_name, 64) as shm:
        ShmStream(shm).write("abc")
        magic, version, seq, typ, reserved, length = struct.unpack_from("<IIQIIQ", shm.buf)
        assert (magic, version, seq, typ, reserved, length) == (0x53435049, 1, 2, 1, 0, 3)
        assert shm.read(32, 3) == b"abc"


def test_capacity_limits(posix_name, posix_names):
    with SharedMemory.create(posix_name, 40) as shm:
        s = ShmStream(shm)
        s.write(b"x" * 8)
        with pytest.raises(OutOfRangeError):
            s.write(b"x" * 9)
        assert s.read().value == b"x" * 8  # the refused write changed nothing
    small = posix_names()
    with SharedMemory.create(small, 16) as shm:
        with pytest.raises(OutOfRangeError):
            ShmStream(shm).read()  # smaller than the 32-byte header


def test_bad_values(posix_name):
    with SharedMemory.create(posix_name, 256) as shm:
        s = ShmStream(shm)
        with pytest.raises(EncodingError):
            s.write("\udc80")
        with pytest.raises(TypeError):
            s.write(123)
        shm.write(0, b"not a stream at all, no")
        with pytest.raises(CorruptError) as ei:
            s.read()
        assert ei.value.code == 17


def test_float_payload_must_be_whole_elements(posix_name):
    from libipc import libipc_native as n
    with SharedMemory.create(posix_name, 256) as shm:
        with pytest.raises(InvalidArgumentError):
            n.shm_stream_write(shm._h, n.STREAM_F64, b"123")


def test_readonly_stream(posix_name):
    with SharedMemory.create(posix_name, 256) as rw:
        ShmStream(rw).write("v1")
        with SharedMemory.open(posix_name, readonly=True) as ro:
            s = ShmStream(ro)
            assert s.read().value == "v1"  # readers may be read-only
            with pytest.raises(ReadOnlyError):
                s.write("v2")


def run_while_counting(call):
    """Runs call() on another thread while this one counts loop turns; returns
    (call's result or exception, its span, the turns in the span's middle third).
    The loop runs only when the other thread does not hold the GIL. Turns at the
    span's ends are GIL hand-offs around the call, so only the middle is
    counted: it lies inside the C call when the call takes most of the span."""
    started = threading.Event()
    result: dict = {}

    def target() -> None:
        started.set()
        t0 = time.monotonic()
        try:
            result["value"] = call()
        except BaseException as e:  # reported to the test
            result["value"] = e
        result["span"] = (t0, time.monotonic())

    th = threading.Thread(target=target)
    th.start()
    started.wait()
    ticks = []
    while th.is_alive():
        ticks.append(time.monotonic())
    th.join()
    t0, t1 = result["span"]
    third = (t1 - t0) / 3
    return result["value"], t1 - t0, sum(1 for t in ticks if t0 + third < t < t1 - third)


def fake_dead_writer(shm: SharedMemory) -> None:
    """Leaves seq odd, as a writer killed mid-write does."""
    seq = int.from_bytes(shm.buf[8:16], "little")
    shm.buf[8:16] = (seq + 1).to_bytes(8, "little")


def test_read_of_a_stuck_stream_releases_the_gil(posix_name):
    # The read waits in C for its bounded patience (~200 ms), then EAGAIN.
    with SharedMemory.create(posix_name, 256) as shm:
        s = ShmStream(shm)
        s.write("x")
        fake_dead_writer(shm)
        err, span, turns = run_while_counting(s.read)
        assert isinstance(err, TryAgainError) and isinstance(err, BlockingIOError) and err.code == 13
        assert span > 0.15
        assert turns > 100, f"this thread ran {turns} times during the C wait: GIL held?"


def test_writer_takes_over_a_dead_writer_without_holding_the_gil(posix_name):
    with SharedMemory.create(posix_name, 256) as shm:
        s = ShmStream(shm)
        s.write("before")
        fake_dead_writer(shm)
        # Waits IPC_SHM_STREAM_TAKEOVER_MS (1 s) in C, then takes the stream over.
        err, span, turns = run_while_counting(lambda: s.write("after"))
        assert err is None and span >= 0.9
        assert turns > 100, f"this thread ran {turns} times during the C wait: GIL held?"
        t, v, _ = s.read()
        assert (t, v) == (StreamType.STRING, "after")
