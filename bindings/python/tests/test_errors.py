"""Errors: every bad input raises the IpcError subclass for its C code, which is
also the matching built-in exception, with .code, .name and the C detail."""
from __future__ import annotations

import ctypes
import io
import os
import sys

import pytest

import libipc
from libipc import errors, libipc_native as native
from libipc import (AlreadyExistsError, BadHandleError, BadNameError, EncodingError, ErrorCode,
                    InvalidArgumentError, IpcError, NameTooLongError, NotFoundError,
                    NotSupportedError, OutOfRangeError, PermissionDeniedError, ReadOnlyError,
                    SharedMemory, ShmStream)
from conftest import run

# code -> (class, the built-in it must also be)
EXPECTED = {
    ErrorCode.EINVAL: (InvalidArgumentError, ValueError),
    ErrorCode.ENOENT: (NotFoundError, FileNotFoundError),
    ErrorCode.EEXIST: (AlreadyExistsError, FileExistsError),
    ErrorCode.EACCES: (PermissionDeniedError, PermissionError),
    ErrorCode.EBADHANDLE: (BadHandleError, ValueError),
    ErrorCode.EBADNAME: (BadNameError, ValueError),
    ErrorCode.ENAMETOOLONG: (NameTooLongError, ValueError),
    ErrorCode.ERANGE: (OutOfRangeError, ValueError),
    ErrorCode.EREADONLY: (ReadOnlyError, PermissionError),
    ErrorCode.ENOMEM: (errors.OutOfMemoryError, MemoryError),
    ErrorCode.ENOSPC: (errors.NoSpaceError, OSError),
    ErrorCode.ETIMEDOUT: (errors.TimedOutError, TimeoutError),
    ErrorCode.EAGAIN: (errors.TryAgainError, BlockingIOError),
    ErrorCode.EMSGSIZE: (errors.MessageSizeError, ValueError),
    ErrorCode.EILSEQ: (EncodingError, ValueError),
    ErrorCode.ENOTSUP: (NotSupportedError, io.UnsupportedOperation),
    ErrorCode.ECORRUPT: (errors.CorruptError, IpcError),
    ErrorCode.ECLOSED: (errors.ClosedError, ConnectionError),
    ErrorCode.EIO: (errors.IpcIOError, OSError),
    ErrorCode.EINTERNAL: (errors.InternalError, RuntimeError),
    ErrorCode.ECONNREFUSED: (errors.IpcConnectionRefusedError, ConnectionRefusedError),
    ErrorCode.ECONNRESET: (errors.IpcConnectionResetError, ConnectionResetError),
    ErrorCode.EADDRINUSE: (errors.AddressInUseError, OSError),
    ErrorCode.ETLS: (errors.TlsError, ConnectionError),
}


def check(excinfo, cls, code, *, detail_has: str = ""):
    e = excinfo.value
    assert type(e) is cls
    assert isinstance(e, IpcError)
    assert e.code == code and type(e.code) is int
    assert e.name == "IPC_" + ErrorCode(code).name
    assert str(e).startswith(e.name + ": ")
    assert detail_has in e.detail


def test_every_code_has_a_class_and_builtin():
    assert {int(c) for c in ErrorCode if c} == set(range(1, 25))
    for code, (cls, builtin) in EXPECTED.items():
        e = errors.make_error(code)
        assert type(e) is cls and isinstance(e, builtin) and isinstance(e, IpcError)
        assert e.code == code == cls.code
        assert e.name == native.err_name(code) == cls.name
        assert e.detail == native.strerror(code)
        assert isinstance(e, Exception)


def test_unknown_code_is_a_plain_ipcerror():
    e = errors.make_error(999, detail="from the future")
    assert type(e) is IpcError and e.code == 999 and e.name == "IPC_EUNKNOWN"
    assert str(e) == "IPC_EUNKNOWN: from the future"


def test_code_constants_match_the_c_header():
    # errors.h: the values are append-only; bindings may hard-code them.
    assert (native.OK, native.EINVAL, native.ENOENT, native.EREADONLY, native.EINTERNAL) == (0, 1, 2, 9, 20)
    assert (native.ECONNREFUSED, native.ECONNRESET, native.EADDRINUSE, native.ETLS) == (21, 22, 23, 24)
    assert native.err_name(2) == "IPC_ENOENT" and native.err_name(12345) == "IPC_EUNKNOWN"


def test_version_matches_header():
    assert libipc.__version__ == native.VERSION_STRING == native.version_string()
    assert native.version() == native.VERSION_HEX


def test_enoent_open_missing(posix_name):
    with pytest.raises(FileNotFoundError) as ei:
        SharedMemory.open(posix_name)
    check(ei, NotFoundError, 2, detail_has=posix_name)
    with pytest.raises(FileNotFoundError) as ei:
        SharedMemory.remove(posix_name)
    check(ei, NotFoundError, 2)


def test_enoent_detail_is_the_c_last_error_message(posix_name):
    with pytest.raises(NotFoundError) as ei:
        SharedMemory.open(posix_name)
    # Same thread, so the C library still holds the message of that call.
    assert ei.value.detail == native.last_error_message()
    assert native.last_error_code() == 2
    assert "No such file or directory" in ei.value.detail


def test_eexist_create_twice(posix_name):
    with SharedMemory.create(posix_name, 64):
        with pytest.raises(FileExistsError) as ei:
            SharedMemory.create(posix_name, 64)
        check(ei, AlreadyExistsError, 3, detail_has=posix_name)


@pytest.mark.parametrize("name,cls,code", [
    ("a/b", BadNameError, 6),
    ("", BadNameError, 6),
    ("nul\0inside", BadNameError, 6),
    ("x" * 251, NameTooLongError, 7),
])
def test_bad_posix_names(name, cls, code):
    with pytest.raises(ValueError) as ei:
        SharedMemory.open_or_create(name, 64)
    check(ei, cls, code)


@pytest.mark.parametrize("key", ["0", "zz", "-1", "0x"])
def test_bad_sysv_keys(key):
    with pytest.raises(BadNameError) as ei:
        SharedMemory.open(key, kind="sysv")
    check(ei, BadNameError, 6)


def test_einval(posix_name):
    with pytest.raises(ValueError) as ei:
        SharedMemory.create(posix_name, 0)  # size 0 on create
    check(ei, InvalidArgumentError, 1)
    with pytest.raises(InvalidArgumentError):
        SharedMemory(posix_name, 64, mode="create", readonly=True)  # read-only cannot create
    with pytest.raises(InvalidArgumentError) as ei:
        SharedMemory(posix_name, 64, kind="tmpfs")
    assert "tmpfs" in ei.value.detail and ei.value.code == 1
    with pytest.raises(InvalidArgumentError):
        SharedMemory(posix_name, 64, mode="truncate")
    with pytest.raises(InvalidArgumentError):
        SharedMemory.create(posix_name, 64, perm=0o10000)
    with pytest.raises(InvalidArgumentError) as ei:
        native.shm_open(99, posix_name, native.CREATE_ONLY, 64, 0, 0)  # unknown kind in C
    assert "kind" in ei.value.detail
    assert not SharedMemory.exists(posix_name)


def test_erange(posix_name):
    with SharedMemory.create(posix_name, 100) as shm:
        for call in (lambda: shm.write(99, b"ab"), lambda: shm.read(101, 0), lambda: shm.read(0, 101),
                     lambda: shm.write(-1, b"a"), lambda: shm.read(2**64, 1),
                     lambda: shm.write_f64(96, [1.0]), lambda: shm.read_f32(98, 1),
                     lambda: shm.read(0, -1), lambda: shm.read_string(0, -5),
                     lambda: shm.write_string(98, "abc")):
            with pytest.raises(ValueError) as ei:
                call()
            check(ei, OutOfRangeError, 8)
        assert shm.read(0, 100) == bytes(100)  # nothing was written by the failures
        with pytest.raises(OutOfRangeError):
            SharedMemory.open(posix_name, 101)  # bigger than the segment


def test_ereadonly(posix_name):
    with SharedMemory.create(posix_name, 64) as rw, SharedMemory.open(posix_name, readonly=True) as ro:
        assert ro.readonly and not rw.readonly
        for call in (lambda: ro.write(0, b"x"), lambda: ro.write_string(0, "x"),
                     lambda: ro.write_f32(0, [1.0]), lambda: ro.write_f64(0, [1.0]),
                     lambda: ShmStream(ro).write("x")):
            with pytest.raises(PermissionError) as ei:
                call()
            check(ei, ReadOnlyError, 9)
        with pytest.raises(TypeError):
            ro.buf[0] = 1  # the view itself is read-only
        # No way around it: the view's .obj (the native handle) refuses every
        # writable buffer request, so nothing writes through a PROT_READ mapping.
        assert ro.buf.obj is ro._h
        for target in (ro.buf, ro.buf.obj):
            with pytest.raises((TypeError, BufferError)):
                io.BytesIO(b"x").readinto(target)
            with pytest.raises((TypeError, BufferError)):
                ctypes.c_char.from_buffer(target)
        assert rw.read(0, 1) == b"\0"


def test_ebadhandle_after_close(posix_name):
    shm = SharedMemory.create(posix_name, 64)
    shm.close()
    shm.close()  # idempotent
    assert shm.closed
    for call in (lambda: shm.read(0, 1), lambda: shm.write(0, b"x"), lambda: shm.buf,
                 lambda: shm.flush(), lambda: ShmStream(shm).version):
        with pytest.raises(ValueError) as ei:
            call()
        check(ei, BadHandleError, 5)


def test_enotsup_remove_anon():
    with pytest.raises(io.UnsupportedOperation) as ei:
        SharedMemory.remove(None, "anon")
    check(ei, NotSupportedError, 16)


def test_eilseq_bad_text(posix_name):
    with SharedMemory.create(posix_name, 64) as shm:
        for text, enc in (("abc", "hex"), ("zz", "hex"), ("!!!!", "base64"), ("\ud800", "utf8"),
                          (b"\xff\xfe", "utf8")):
            with pytest.raises(ValueError) as ei:
                shm.write_string(0, text, enc)
            check(ei, EncodingError, 15)


@pytest.mark.skipif(sys.platform != "linux", reason="uses /proc and setuid")
def test_eacces_other_user(posix_name):
    # An owner-only segment refused to another user. Root bypasses permission
    # bits, so as root the opener is a child that drops to nobody first.
    with SharedMemory.create(posix_name, 64, perm=0o600):
        if os.geteuid() != 0:
            pytest.skip("needs root to switch users (non-root: covered by the C tests)")
        code = ("import os, sys; os.setgid(65534); os.setuid(65534)\n"
                "from libipc import SharedMemory, PermissionDeniedError\n"
                "try:\n    SharedMemory.open(sys.argv[1])\n"
                "except PermissionError as e:\n"
                "    assert isinstance(e, PermissionDeniedError) and e.code == 4, e\n"
                "    print(e.name)\n")
        r = run([sys.executable, "-c", code, posix_name])
        assert r.stdout.strip() == "IPC_EACCES"


def test_type_errors_stay_type_errors(posix_name):
    with SharedMemory.create(posix_name, 64) as shm:
        with pytest.raises(TypeError):
            shm.write(0, "not bytes")
        with pytest.raises(TypeError):
            shm.read(1.5, 1)
        with pytest.raises(TypeError):
            shm.write_f32(0, ["x"])
        with pytest.raises(TypeError):
            shm.read_f32_into(0, bytearray(8))  # not a float buffer
        with pytest.raises(TypeError):
            native.shm_size(object())
    with pytest.raises(TypeError):
        SharedMemory.open(3.5)


def test_raw_module_raises_the_same_classes(posix_name):
    with pytest.raises(NotFoundError):
        native.shm_remove(native.SHM_POSIX, posix_name)
    with pytest.raises(TypeError):
        native.ShmHandle()  # only shm_open makes handles
