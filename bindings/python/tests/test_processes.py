"""Several processes sharing segments: Python children using libipc, and the C
child (tests/c/shm_child.c) that speaks only the C ABI. Synchronised on lines
the children print and on their exit, never on sleeps."""
from __future__ import annotations

import sys

import pytest

from conftest import SHM_CHILD, needs_shm_child, pattern, run
from libipc import NotFoundError, SharedMemory, ShmStream, StreamType

CHILD_CREATES = """
import sys
from libipc import SharedMemory
name = sys.argv[1]
with SharedMemory.create(name, 4096) as shm:
    shm.write_string(0, "from the child ✓")
    shm.write_f64(512, [0.25, -8.5])
print("ready", flush=True)
sys.stdin.readline()  # the segment outlives this process anyway; wait to be told
"""

CHILD_READS = """
import sys
from libipc import SharedMemory
name, n = sys.argv[1], int(sys.argv[2])
with SharedMemory.open(name, readonly=True) as shm:
    print(shm.size)
    print(shm.read_string(0, n))
    print(shm.read_f64(512, 2).tolist())
"""

CHILD_HOLDS_VIEW = """
import sys
from libipc import SharedMemory
shm = SharedMemory.open(sys.argv[1])
view = shm.buf
shm.close()          # the view keeps the mapping
print("mapped", flush=True)
sys.stdin.readline()
print(bytes(view[:8]).decode(), flush=True)
view[8:12] = b"ack!"
"""


def test_child_creates_parent_opens(posix_name, children):
    child = children([posix_name], python=CHILD_CREATES)
    child.expect("ready")
    with SharedMemory.open(posix_name, readonly=True) as shm:
        assert shm.size == 4096
        n = len("from the child ✓".encode())
        assert shm.read_string(0, n) == "from the child ✓"
        assert shm.read_f64(512, 2).tolist() == [0.25, -8.5]
    child.finish()


def test_parent_creates_child_opens(posix_name):
    text = "written by the parent, héllo"
    with SharedMemory.create(posix_name, 4096) as shm:
        n = shm.write_string(0, text)
        shm.write_f64(512, [1.5, 1e300])
    out = run([sys.executable, "-c", CHILD_READS, posix_name, str(n)]).stdout.splitlines()
    assert out == ["4096", text, "[1.5, 1e+300]"]


def test_view_in_child_outlives_close_and_remove(posix_name, children):
    with SharedMemory.create(posix_name, 64) as shm:
        child = children([posix_name], python=CHILD_HOLDS_VIEW)
        child.expect("mapped")
        SharedMemory.remove(posix_name)  # gone by name; the child's mapping stays
        shm.write(0, b"12345678")
        child.send("go")
        child.expect("12345678")
        child.finish()
        assert shm.read(8, 4) == b"ack!"
    with pytest.raises(NotFoundError):
        SharedMemory.open(posix_name)


def test_stream_across_processes(posix_name):
    code = ("import sys\nfrom libipc import SharedMemory, ShmStream\n"
            "with SharedMemory.open(sys.argv[1]) as shm:\n"
            "    s = ShmStream(shm)\n    t, v, ver = s.read()\n    print(t.name, v, ver)\n"
            "    s.write_f32([1.5, 2.5])\n")
    with SharedMemory.create(posix_name, 1024) as shm:
        s = ShmStream(shm)
        s.write("hello stream")
        assert run([sys.executable, "-c", code, posix_name]).stdout.split() == \
            ["STRING", "hello", "stream", "1"]
        t, v, ver = s.read()
        assert (t, v.tolist(), ver) == (StreamType.F32, [1.5, 2.5], 2)


# ---- with the C child: the same segment from C and Python ----

@needs_shm_child
@pytest.mark.parametrize("kind", ["posix", "sysv", "file"])
def test_python_creates_c_checks(kind, posix_name, sysv_key, file_path):
    name = {"posix": posix_name, "sysv": sysv_key, "file": file_path}[kind]
    with SharedMemory.create(name, 5000, kind=kind) as shm:
        shm.buf[:] = pattern(5000)
    run([SHM_CHILD, "check", kind, name, "5000"])


@needs_shm_child
@pytest.mark.parametrize("kind", ["posix", "sysv", "file"])
def test_c_creates_python_checks(kind, posix_name, sysv_key, file_path):
    name = {"posix": posix_name, "sysv": sysv_key, "file": file_path}[kind]
    run([SHM_CHILD, "create", kind, name, "3000"])
    with SharedMemory.open(name, kind=kind, readonly=True) as shm:
        assert shm.size >= 3000  # SysV sizes are the creator's; file/POSIX exact
        assert bytes(shm.buf[:3000]) == pattern(3000)
    SharedMemory.remove(name, kind)


@needs_shm_child
def test_c_child_holds_while_python_removes(posix_name, children):
    with SharedMemory.create(posix_name, 777) as shm:
        shm.buf[:] = pattern(777)
    c = children([SHM_CHILD, "hold", "posix", posix_name, "777"])
    c.expect("mapped")
    SharedMemory.remove(posix_name)
    run([SHM_CHILD, "expect", "posix", posix_name, "IPC_ENOENT"])  # new opens fail
    c.send("go")
    c.expect("ok")  # its mapping still holds the bytes
    c.finish()
