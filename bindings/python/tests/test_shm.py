"""SharedMemory in one process: kinds, modes, permissions, zero-copy views and
their lifetime, numpy, strings in Node's encodings, floats, threads."""
from __future__ import annotations

import array
import gc
import math
import os
import stat
import struct
import threading

import numpy as np
import pytest

from libipc import (BadHandleError, ENCODINGS, Kind, Mode, NotFoundError, OutOfRangeError,
                    SharedMemory)


def mapped_in_this_process(path: str) -> bool:
    with open("/proc/self/maps") as f:
        return any(line.rstrip().endswith(path) for line in f)


# ---- kinds, modes, names, sizes ----

def test_create_open_remove_posix(posix_name):
    assert not SharedMemory.exists(posix_name)
    with SharedMemory.create(posix_name, 4096) as a:
        assert (a.name, a.kind, a.size, len(a), a.readonly, a.closed) == (posix_name, Kind.POSIX, 4096, 4096, False, False)
        assert os.path.getsize("/dev/shm/" + posix_name) == 4096
        assert SharedMemory.exists(posix_name)
        a.write(0, b"hello")
        with SharedMemory.open(posix_name) as b:  # size 0: the whole segment
            assert b.size == 4096 and b.read(0, 5) == b"hello"
        with SharedMemory.open(posix_name, 100) as c:  # a prefix
            assert c.size == 100
    assert a.closed
    assert SharedMemory.exists(posix_name)  # closing never removes
    SharedMemory.remove(posix_name)
    assert not SharedMemory.exists(posix_name)


def test_open_or_create(posix_name):
    with SharedMemory.open_or_create(posix_name, 256) as a:
        a.write(0, b"first")
        with SharedMemory(posix_name, 256, mode=Mode.OPEN_OR_CREATE) as b:
            assert b.read(0, 5) == b"first"
        with SharedMemory(posix_name, 256, mode="open_or_create") as c:  # plain strings work too
            assert c.size == 256


def test_fresh_segment_is_zeroed(posix_name):
    with SharedMemory.create(posix_name, 10000) as shm:
        assert shm.read() == bytes(10000)


def test_perm_is_exact(posix_name, posix_names):
    with SharedMemory.create(posix_name, 64):
        assert stat.S_IMODE(os.stat("/dev/shm/" + posix_name).st_mode) == 0o600  # default
    other = posix_names()
    old = os.umask(0o077)
    try:
        with SharedMemory.create(other, 64, perm=0o644):  # the umask is not applied
            assert stat.S_IMODE(os.stat("/dev/shm/" + other).st_mode) == 0o644
    finally:
        os.umask(old)


def test_sysv(sysv_key):
    with SharedMemory.create(sysv_key, 8192, kind="sysv") as a:
        a.write_string(0, "sysv")
        with SharedMemory.open(int(sysv_key), kind=Kind.SYSV) as b:  # int keys accepted
            assert b.size == 8192 and b.read_string(0, 4) == "sysv"
        hexkey = hex(int(sysv_key))
        assert SharedMemory.exists(hexkey, "sysv")
    SharedMemory.remove(sysv_key, "sysv")
    assert not SharedMemory.exists(sysv_key, "sysv")


def test_anon():
    with SharedMemory.anonymous(1000) as shm:
        assert shm.kind is Kind.ANON and shm.name == "" and shm.size == 1000
        shm.write(10, b"anon")
        assert shm.read(10, 4) == b"anon"
    with pytest.raises(OutOfRangeError):
        SharedMemory.anonymous(-1)


def test_anon_shared_with_fork_child():
    with SharedMemory.anonymous(64) as shm:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: write, then report through the pipe
            try:
                shm.write(0, b"from child")
                os.write(w, b"x")
            finally:
                os._exit(0)
        os.close(w)
        assert os.read(r, 1) == b"x"
        os.close(r)
        assert os.waitpid(pid, 0)[1] == 0
        assert shm.read(0, 10) == b"from child"


def test_file_backed_persistence(file_path):
    with SharedMemory.create(file_path, 4096, kind="file") as shm:
        shm.write_string(0, "persisted ✓")
        shm.flush()
    assert os.path.getsize(file_path) == 4096
    with SharedMemory.open(file_path, kind="file") as shm:  # contents survive close
        assert shm.read_string(0, len("persisted ✓".encode())) == "persisted ✓"
    # A writable open with a larger size grows the file.
    with SharedMemory.open(file_path, 8192, kind="file") as shm:
        assert shm.size == 8192
    assert os.path.getsize(file_path) == 8192
    SharedMemory.remove(file_path, "file")
    assert not os.path.exists(file_path)


def test_path_like_names(tmp_path):
    p = tmp_path / "pathlike.seg"
    with SharedMemory.create(p, 128, kind="file") as shm:
        assert shm.name == str(p)
    assert SharedMemory.exists(p, "file")


# ---- the zero-copy view ----

def test_buf_is_zero_copy_and_writable(posix_name):
    with SharedMemory.create(posix_name, 4096) as shm, SharedMemory.open(posix_name) as other:
        v = shm.buf
        assert isinstance(v, memoryview) and len(v) == 4096 and v.format == "B" and not v.readonly
        v[0:5] = b"12345"
        assert other.read(0, 5) == b"12345"  # another mapping sees it
        other.write(100, b"back")
        assert bytes(v[100:104]) == b"back"  # and we see its writes, with no copy
        del v


def test_readonly_view(posix_name):
    with SharedMemory.create(posix_name, 64) as rw:
        rw.write(0, b"ro")
        with SharedMemory.open(posix_name, readonly=True) as ro:
            v = ro.buf
            assert v.readonly and bytes(v[:2]) == b"ro"
            with pytest.raises(TypeError):
                v[0] = 1
            del v


def test_view_outlives_close(posix_name):
    path = "/dev/shm/" + posix_name
    shm = SharedMemory.create(posix_name, 4096)
    view = shm.buf
    tail = view[4000:]  # a slice shares the same export
    shm.close()
    assert shm.closed
    with pytest.raises(BadHandleError):
        shm.read(0, 1)  # the handle is closed...
    with pytest.raises(BadHandleError):
        shm.buf  # ... and makes no new views,
    view[0:4] = b"live"  # ... but existing views still work
    tail[0] = 42
    assert mapped_in_this_process(path)
    with SharedMemory.open(posix_name) as check:
        assert check.read(0, 4) == b"live" and check.read(4000, 1) == b"\x2a"
    del view
    assert mapped_in_this_process(path)  # `tail` still holds the mapping
    del tail
    gc.collect()
    # The last view is gone: unmapped at once (not left to the collector).
    assert not mapped_in_this_process(path)
    assert not shm._h.mapped


def test_close_without_views_unmaps_at_once(posix_name):
    shm = SharedMemory.create(posix_name, 4096)
    shm.buf[0] = 1  # a temporary view, released right away
    assert mapped_in_this_process("/dev/shm/" + posix_name)
    shm.close()
    assert not mapped_in_this_process("/dev/shm/" + posix_name)


def test_segment_removed_while_mapped(posix_name):
    with SharedMemory.create(posix_name, 64) as shm:
        SharedMemory.remove(posix_name)
        shm.write(0, b"still here")  # existing mappings stay valid
        assert shm.read(0, 10) == b"still here"
        with pytest.raises(NotFoundError):
            SharedMemory.open(posix_name)


# ---- numpy ----

def test_numpy_frombuffer_zero_copy(posix_name):
    with SharedMemory.create(posix_name, 4096) as shm:
        a = np.frombuffer(shm.buf, dtype=np.float64, count=4, offset=64)
        assert a.__array_interface__["data"][0] == shm.address + 64  # the mapping itself
        assert a.flags.writeable and not a.flags.owndata
        shm.write_f64(64, [1.0, 2.0, 3.0, 4.0])
        assert a.tolist() == [1.0, 2.0, 3.0, 4.0]  # C wrote, numpy sees
        a[0] = 9.5
        assert shm.read_f64(64, 1)[0] == 9.5  # numpy wrote, C sees
        b = np.frombuffer(shm.buf, dtype=np.uint8)
        assert np.shares_memory(a, b)
        del a, b


def test_numpy_readonly_and_outliving_close(posix_name):
    shm = SharedMemory.create(posix_name, 1024)
    shm.write(0, bytes(range(16)))
    with SharedMemory.open(posix_name, readonly=True) as ro:
        r = np.frombuffer(ro.buf, dtype=np.uint8)
        assert not r.flags.writeable
        with pytest.raises(ValueError):
            r[0] = 1
        del r
    arr = np.frombuffer(shm.buf, dtype=np.uint32, count=4)
    shm.close()
    assert arr.tolist() == list(np.frombuffer(bytes(range(16)), dtype=np.uint32))  # still mapped
    arr[0] = 0xFFFFFFFF
    del arr
    gc.collect()
    assert not mapped_in_this_process("/dev/shm/" + posix_name)


def test_numpy_float_helpers_in_place(posix_name):
    with SharedMemory.create(posix_name, 256) as shm:
        src = np.array([1.5, -2.25, 3e38], dtype=np.float32)
        shm.write_f32(8, src)
        out = np.empty(3, dtype=np.float32)
        shm.read_f32_into(8, out)
        assert out.tolist() == src.tolist()
        d = np.arange(4, dtype=np.float64)
        shm.write_f64(40, d)
        out64 = np.zeros(4)
        shm.read_f64_into(40, out64)
        assert (out64 == d).all()
        shm.write_f32(100, np.array([0.5, 1.5]))  # float64 array: converted element-wise
        assert shm.read_f32(100, 2).tolist() == [0.5, 1.5]
        with pytest.raises(TypeError):
            shm.read_f32_into(0, np.zeros(2))  # float64 buffer where float32 is needed


# ---- strings: Node's encodings ----

TEXT = "libipc ✓ héllo wörld 😀 €"


def node_low_bytes(text: str) -> bytes:
    """Node's 'latin1'/'ascii' write: the low byte of each UTF-16 code unit
    (so 😀, a surrogate pair, is two bytes)."""
    return text.encode("utf-16-le")[0::2]


@pytest.mark.parametrize("encoding,expected", [
    ("utf8", TEXT.encode("utf-8")),
    ("utf-8", TEXT.encode("utf-8")),
    ("utf16le", TEXT.encode("utf-16-le")),
    ("ucs2", TEXT.encode("utf-16-le")),
    ("latin1", node_low_bytes(TEXT)),
    ("binary", node_low_bytes(TEXT)),
    ("ascii", node_low_bytes(TEXT)),
])
def test_write_string_bytes(posix_name, encoding, expected):
    with SharedMemory.create(posix_name, 256) as shm:
        n = shm.write_string(10, TEXT, encoding)
        assert n == len(expected) and shm.read(10, n) == expected


def test_string_round_trips(posix_name):
    with SharedMemory.create(posix_name, 256) as shm:
        for enc in ("utf8", "utf16le", "UTF-8", "Ucs-2"):
            n = shm.write_string(0, TEXT, enc)
            assert shm.read_string(0, n, enc) == TEXT
        n = shm.write_string(0, "héllo", "latin1")
        assert (n, shm.read(0, n), shm.read_string(0, n, "latin1")) == (5, b"h\xe9llo", "héllo")
        assert shm.read_string(0, n, "ascii") == "hillo"  # read clears the high bit
        assert shm.write_string(0, "aGVsbG8gd29ybGQ=", "base64") == 11
        assert shm.read(0, 11) == b"hello world"
        assert shm.read_string(0, 11, "base64") == "aGVsbG8gd29ybGQ="
        shm.write(0, b"\xfb\xff")  # the bytes where the two base64 alphabets differ
        assert shm.read_string(0, 2, "base64") == "+/8="
        assert shm.read_string(0, 2, "base64url") == "-_8"  # Node: no padding
        assert shm.write_string(0, "-_8", "base64url") == 2 and shm.read(0, 2) == b"\xfb\xff"
        assert shm.write_string(0, "aGk", "base64") == 2 and shm.read(0, 2) == b"hi"  # padding optional
        assert shm.write_string(0, "DEADbeef", "hex") == 4
        assert shm.read(0, 4) == b"\xde\xad\xbe\xef" and shm.read_string(0, 4, "hex") == "deadbeef"
        assert shm.write_string(0, "") == 0 and shm.read_string(0, 0) == ""


def test_invalid_bytes_decode_to_replacement(posix_name):
    with SharedMemory.create(posix_name, 64) as shm:
        shm.write(0, b"a\xffb\xc3")  # an invalid byte, then a truncated sequence
        assert shm.read_string(0, 4) == "a\ufffdb\ufffd"
        shm.write(0, b"\xe2\x82A")  # WHATWG, as Node: one U+FFFD per maximal invalid subpart
        assert shm.read_string(0, 3) == "\ufffdA"
        shm.write(0, b"\x00\xd8A\x00")  # a lone high surrogate in UTF-16LE
        assert shm.read_string(0, 4, "utf16le") == "\ufffdA"


def test_read_string_worst_case_expansion(posix_name):
    # Every byte invalid: the UTF-8 result is 3x the input (the buffer bound).
    with SharedMemory.create(posix_name, 300) as shm:
        shm.write(0, b"\xff" * 300)
        assert shm.read_string(0, 300) == "\ufffd" * 300
        assert len(shm.read_string(0, 300, "base64")) == 400
        assert len(shm.read_string(0, 1, "base64")) == 4


def test_string_too_long_is_refused_whole(posix_name):
    with SharedMemory.create(posix_name, 8) as shm:
        with pytest.raises(OutOfRangeError):
            shm.write_string(4, "hello")
        assert shm.read() == bytes(8)


def test_bytes_input_to_write_string(posix_name):
    with SharedMemory.create(posix_name, 64) as shm:
        assert shm.write_string(0, "é".encode(), "latin1") == 1  # bytes are UTF-8 text
        assert shm.read(0, 1) == b"\xe9"


def test_encoding_names_are_nodes():
    assert set(ENCODINGS) == {"utf8", "utf-8", "ascii", "latin1", "binary", "base64", "base64url",
                              "hex", "utf16le", "utf-16le", "ucs2", "ucs-2"}


# ---- floats ----

def test_floats_round_trip_at_unaligned_offsets(posix_name):
    values = [0.5, -1.25, math.pi, 1e300, -0.0, 5e-324, 42.0, math.inf]
    with SharedMemory.create(posix_name, 256) as shm:
        shm.write_f64(3, values)  # unaligned is fine
        got = shm.read_f64(3, 8)
        assert isinstance(got, array.array) and got.typecode == "d"
        assert [struct.pack("<d", v) for v in got] == [struct.pack("<d", v) for v in values]
        assert shm.read(3, 64) == struct.pack("<8d", *values)  # native (LE) order, no header
        shm.write_f32(101, [1, 2.5, 1e300, -1e300])  # ints accepted; out of float range -> inf
        assert shm.read_f32(101, 4).tolist() == [1.0, 2.5, math.inf, -math.inf]
        shm.write_f64(200, [math.nan])
        assert math.isnan(shm.read_f64(200, 1)[0])
        shm.write_f32(0, array.array("f", [7.0, 8.0]))  # array.array('f'): in place
        assert shm.read_f32(0, 2).tolist() == [7.0, 8.0]
        shm.write_f64(0, [])
        assert len(shm.read_f64(0, 0)) == 0


# ---- threads ----

def test_close_racing_other_threads(posix_name):
    # Many threads hammer one object while another closes it: every call
    # either completes or raises BadHandleError; nothing crashes.
    shm = SharedMemory.create(posix_name, 1 << 20)
    go = threading.Event()
    errors: list[BaseException] = []
    counts = [0] * 4

    def hammer(i: int) -> None:
        go.wait()
        data = bytes([i]) * 4096
        while True:
            try:
                shm.write(i * 4096, data)
                assert shm.read(i * 4096, 4096) == data
                counts[i] += 1
            except BadHandleError:
                return
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)
                return

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    go.set()
    while min(counts) < 50:  # every thread has done real work...
        pass
    shm.close()  # ... then close under them
    for t in threads:
        t.join()
    assert not errors and shm.closed
