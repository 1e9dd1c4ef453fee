"""A segment is raw bytes with no hidden header (shm.h): the standard library's
multiprocessing.shared_memory and plain file I/O see exactly what libipc
wrote, and libipc sees exactly what they wrote, byte 0 included."""
from __future__ import annotations

import os
import struct
import sys
from multiprocessing import resource_tracker, shared_memory

from conftest import SHM_CHILD, needs_shm_child, pattern, run
from libipc import SharedMemory

TEXT = "no header ✓ 😀"


def attach(name: str) -> shared_memory.SharedMemory:
    """Attach with the stdlib without handing the segment to its resource
    tracker: Python 3.11 registers attached segments too, and its tracker would
    unlink them (and warn) when this process exits."""
    seg = shared_memory.SharedMemory(name=name)
    resource_tracker.unregister(seg._name, "shared_memory")  # type: ignore[attr-defined]
    return seg


def test_libipc_creates_stdlib_opens(posix_name):
    with SharedMemory.create(posix_name, 4096) as shm:
        shm.buf[:256] = bytes(range(256))
        n = shm.write_string(256, TEXT)
        shm.write_f64(1024, [0.5, -1.25])
    seg = attach(posix_name)
    try:
        assert seg.size == 4096  # exactly the size asked for: no header
        assert bytes(seg.buf[:256]) == bytes(range(256))
        assert bytes(seg.buf[256:256 + n]).decode() == TEXT
        assert struct.unpack_from("<2d", seg.buf, 1024) == (0.5, -1.25)
        seg.buf[4095] = 0xAB  # the last byte is the user's too
        seg.buf[0] = 0xCD
    finally:
        seg.close()
    with SharedMemory.open(posix_name) as shm:
        assert shm.read(4095, 1) == b"\xab" and shm.read(0, 1) == b"\xcd"


def test_stdlib_creates_libipc_opens(posix_name):
    seg = shared_memory.SharedMemory(name=posix_name, create=True, size=1000)
    try:
        seg.buf[:1000] = pattern(1000)
        with SharedMemory.open(posix_name) as shm:
            assert shm.size == 1000
            assert bytes(shm.buf) == pattern(1000)
            shm.write_string(0, TEXT)
        n = len(TEXT.encode())
        assert bytes(seg.buf[:n]).decode() == TEXT  # the stdlib mapping sees libipc's write
    finally:
        seg.close()
        seg.unlink()  # ours to remove: also unregisters it from the tracker


def test_stdlib_in_another_process_reads_libipc(posix_name):
    # The child is `python -I`: no PYTHONPATH, so it cannot even import libipc.
    code = ("import sys\nfrom multiprocessing import shared_memory, resource_tracker\n"
            "s = shared_memory.SharedMemory(name=sys.argv[1])\n"
            "resource_tracker.unregister(s._name, 'shared_memory')\n"
            "print(s.size, bytes(s.buf[:5]).decode())\n"
            "s.buf[5:10] = b'WORLD'\ns.close()\n")
    with SharedMemory.create(posix_name, 8192) as shm:
        shm.write(0, b"hello")
        out = run([sys.executable, "-I", "-c", code, posix_name]).stdout.split()
        assert out == ["8192", "hello"]
        assert shm.read(5, 5) == b"WORLD"


def test_file_backed_is_the_file(file_path):
    with SharedMemory.create(file_path, 4096, kind="file") as shm:
        shm.buf[:256] = bytes(range(256))
        shm.write_string(256, TEXT)
    with open(file_path, "rb") as f:
        data = f.read()
    n = len(TEXT.encode())
    assert len(data) == 4096  # the file is the segment: same size, byte 0 is ours
    assert data[:256] == bytes(range(256)) and data[256:256 + n].decode() == TEXT
    assert data[256 + n:] == bytes(4096 - 256 - n)
    with open(file_path, "r+b") as f:  # plain writes show up in a new mapping
        f.seek(1000)
        f.write(b"plain write")
    with SharedMemory.open(file_path, kind="file") as shm:
        assert shm.read(1000, 11) == b"plain write"
        # ... and in a live mapping too (same page cache), then back to the file.
        with open(file_path, "r+b") as f:
            f.seek(2000)
            f.write(b"live")
        assert shm.read(2000, 4) == b"live"
        shm.write(3000, b"mapped write")
        shm.flush()
        with open(file_path, "rb") as f:
            f.seek(3000)
            assert f.read(12) == b"mapped write"


def test_existing_file_is_mapped_as_is(file_path):
    with open(file_path, "wb") as f:
        f.write(pattern(1234))
    with SharedMemory.open(file_path, kind="file") as shm:
        assert shm.size == 1234 and bytes(shm.buf) == pattern(1234)


@needs_shm_child
def test_c_created_segment_is_stdlib_readable(posix_name):
    run([SHM_CHILD, "create", "posix", posix_name, "2048"])
    seg = attach(posix_name)
    try:
        assert seg.size == 2048 and bytes(seg.buf) == pattern(2048)
    finally:
        seg.close()


@needs_shm_child
def test_stdlib_created_segment_is_c_readable(posix_name):
    seg = shared_memory.SharedMemory(name=posix_name, create=True, size=999)
    try:
        seg.buf[:999] = pattern(999)
        run([SHM_CHILD, "check", "posix", posix_name, "999"])
    finally:
        seg.close()
        seg.unlink()


@needs_shm_child
def test_c_file_segment_is_plain_file(file_path):
    run([SHM_CHILD, "create", "file", file_path, "3333"])
    assert os.path.getsize(file_path) == 3333
    with open(file_path, "rb") as f:
        assert f.read() == pattern(3333)
