"""Shared memory segments (the C ``ipc_shm_*`` functions, idiomatically).

The native handle (``libipc_native.ShmHandle``) does the lifetime work: it owns
the C handle and exports the mapping through the buffer protocol, so a
``memoryview`` (or a numpy array built on one) keeps the mapping alive after
:meth:`SharedMemory.close` and the mapping is unmapped when the last view goes.
This module only translates Python arguments and names.
"""
from __future__ import annotations

import array
import enum
import os
from typing import Any, Iterable, NamedTuple, Optional, Union

from . import libipc_native as _n
from .errors import ErrorCode, make_error

__all__ = ["Kind", "Mode", "SharedMemory", "ShmStream", "StreamType", "StreamValue", "ENCODINGS"]

Name = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]", int, None]
Floats = Union[Iterable[float], memoryview, "array.array[float]"]


class Kind(str, enum.Enum):
    """Where a segment lives (see docs/shm.md)."""
    POSIX = "posix"  # /dev/shm/<name>; the same object as multiprocessing.shared_memory's
    FILE = "file"    # a mapped file; name is its path
    SYSV = "sysv"    # System V; name is the numeric key ("4660", "0x1234" or an int)
    ANON = "anon"    # this process (and fork children) only; no name


class Mode(str, enum.Enum):
    """How opening treats the named segment (Boost.Interprocess's creation tags)."""
    CREATE = "create"                  # IPC_CREATE_ONLY: FileExistsError if it exists
    OPEN = "open"                      # IPC_OPEN_ONLY: FileNotFoundError if missing
    OPEN_OR_CREATE = "open_or_create"  # IPC_OPEN_OR_CREATE


_KINDS = {Kind.POSIX: _n.SHM_POSIX, Kind.FILE: _n.SHM_FILE, Kind.SYSV: _n.SHM_SYSV,
          Kind.ANON: _n.SHM_ANON}
_KIND_OF_CODE = {v: k for k, v in _KINDS.items()}
_MODES = {Mode.CREATE: _n.CREATE_ONLY, Mode.OPEN: _n.OPEN_ONLY,
          Mode.OPEN_OR_CREATE: _n.OPEN_OR_CREATE}

#: Node's Buffer encoding names (case-insensitive, as in Node).
ENCODINGS = {
    "utf8": _n.ENC_UTF8, "utf-8": _n.ENC_UTF8,
    "ascii": _n.ENC_ASCII,
    "latin1": _n.ENC_LATIN1, "binary": _n.ENC_LATIN1,
    "base64": _n.ENC_BASE64,
    "hex": _n.ENC_HEX,
    "utf16le": _n.ENC_UTF16LE, "utf-16le": _n.ENC_UTF16LE, "ucs2": _n.ENC_UTF16LE,
    "ucs-2": _n.ENC_UTF16LE,
}


def _invalid(detail: str) -> Exception:
    return make_error(ErrorCode.EINVAL, detail=detail)


def _enum(cls: type, value: Any, what: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise _invalid(f"unknown {what} {value!r} (expected one of {allowed})") from None


def _encoding(name: str) -> int:
    try:
        return ENCODINGS[name.lower()]
    except (KeyError, AttributeError):
        raise _invalid(f"unknown encoding {name!r} (expected one of {', '.join(ENCODINGS)})") from None


def _name_arg(kind: Kind, name: Name) -> Any:
    # A SysV key may be given as an int; everything else goes to C as is (the
    # typemap takes str, bytes, os.PathLike and None, and rejects NUL).
    if kind is Kind.SYSV and isinstance(name, int) and not isinstance(name, bool):
        return str(name)
    return name


def _count(n: int) -> int:
    """A byte or element count for a buffer made here: negative is out of range
    (as it is in C), not Python's "negative count" ValueError."""
    if isinstance(n, int) and n < 0:
        raise make_error(ErrorCode.ERANGE, detail=f"negative length or count {n}")
    return n


def _float_buffer(values: Floats, code: str) -> Any:
    """`values` as a contiguous buffer of C floats ('f') or doubles ('d'),
    without copying when it already is one (array.array, numpy)."""
    try:
        m = memoryview(values)  # type: ignore[arg-type]
        if m.format.lstrip("@=<") == code and m.c_contiguous:
            return m
    except TypeError:
        pass
    return array.array(code, values)  # type: ignore[arg-type]


class SharedMemory:
    """A shared memory segment, mapped into this process.

    >>> with SharedMemory.create("demo", 4096) as shm:
    ...     shm.write_string(0, "hello")
    ...     shm.buf[5] = 0
    ...     SharedMemory.remove("demo")

    Closing never removes the segment (other processes may still use it);
    :meth:`remove` does. ``close()`` is idempotent; views taken from :attr:`buf`
    stay valid after it, and the mapping goes away with the last of them.

    Thread safety: one object may be used from several threads, including a
    ``close()`` racing other calls (they finish first or raise BadHandleError).
    Access to the bytes themselves is not synchronised (see :class:`ShmStream`).
    """

    __slots__ = ("_h", "_name", "_kind", "__weakref__")

    def __init__(self, name: Name = None, size: int = 0, *, kind: Union[Kind, str] = Kind.POSIX,
                 mode: Union[Mode, str] = Mode.OPEN, readonly: bool = False,
                 perm: Optional[int] = None) -> None:
        """Open or create segment `name` of `size` bytes (0 on open: the whole
        existing segment). `perm` (default 0o600) applies to a segment this
        call creates; the umask is not applied."""
        kind = _enum(Kind, kind, "kind")
        mode = _enum(Mode, mode, "mode")
        if perm is None:
            perm = 0
        elif not isinstance(perm, int) or not 0 <= perm <= 0o7777:
            raise _invalid(f"perm must be permission bits in 0..0o7777, not {perm!r}")
        flags = _n.SHM_READONLY if readonly else 0
        self._kind = kind
        self._h = _n.shm_open(_KINDS[kind], _name_arg(kind, name), _MODES[mode], size, flags, perm)
        self._name = "" if kind is Kind.ANON else os.fsdecode(_name_arg(kind, name))

    # -- alternative constructors (read better than a mode argument) --
    @classmethod
    def create(cls, name: Name, size: int, *, kind: Union[Kind, str] = Kind.POSIX,
               perm: Optional[int] = None) -> "SharedMemory":
        """Create a new segment; FileExistsError (AlreadyExistsError) if it exists."""
        return cls(name, size, kind=kind, mode=Mode.CREATE, perm=perm)

    @classmethod
    def open(cls, name: Name, size: int = 0, *, kind: Union[Kind, str] = Kind.POSIX,
             readonly: bool = False) -> "SharedMemory":
        """Open an existing segment; FileNotFoundError (NotFoundError) if missing."""
        return cls(name, size, kind=kind, mode=Mode.OPEN, readonly=readonly)

    @classmethod
    def open_or_create(cls, name: Name, size: int, *, kind: Union[Kind, str] = Kind.POSIX,
                       perm: Optional[int] = None) -> "SharedMemory":
        return cls(name, size, kind=kind, mode=Mode.OPEN_OR_CREATE, perm=perm)

    @classmethod
    def anonymous(cls, size: int) -> "SharedMemory":
        """An unnamed segment shared only with fork() children."""
        return cls(None, size, kind=Kind.ANON, mode=Mode.CREATE)

    # -- names --
    @staticmethod
    def remove(name: Name, kind: Union[Kind, str] = Kind.POSIX) -> None:
        """Remove a named segment. Existing mappings (any process) stay valid."""
        kind = _enum(Kind, kind, "kind")
        _n.shm_remove(_KINDS[kind], _name_arg(kind, name))

    @staticmethod
    def exists(name: Name, kind: Union[Kind, str] = Kind.POSIX) -> bool:
        kind = _enum(Kind, kind, "kind")
        return bool(_n.shm_exists(_KINDS[kind], _name_arg(kind, name)))

    # -- properties --
    @property
    def name(self) -> str:
        """The name as given ("" for an anonymous segment)."""
        return self._name

    @property
    def kind(self) -> Kind:
        return self._kind

    @property
    def size(self) -> int:
        return self._h.size

    def __len__(self) -> int:
        return self._h.size

    @property
    def readonly(self) -> bool:
        return self._h.readonly

    @property
    def closed(self) -> bool:
        return self._h.closed

    @property
    def address(self) -> int:
        """Start address of the mapping (for ctypes/cffi users); 0 once unmapped."""
        return self._h.address

    @property
    def buf(self) -> memoryview:
        """A zero-copy view of the whole mapping; read-only for a read-only
        segment. Each access makes a new view (so close() is never blocked by
        one cached here); ``numpy.frombuffer(shm.buf, ...)`` shares the memory."""
        return memoryview(self._h)

    # -- checked access (every range is bounds-checked: OutOfRangeError) --
    def read(self, offset: int = 0, length: Optional[int] = None) -> bytes:
        """A copy of `length` bytes at `offset` (default: to the end)."""
        if length is None:
            length = max(self._h.size - offset, 0) if isinstance(offset, int) else 0
        out = bytearray(_count(length))
        _n.shm_read(self._h, offset, out)
        return bytes(out)

    def read_into(self, offset: int, buffer: Any) -> None:
        """Fill the writable `buffer` (bytearray, numpy array, ...) from `offset`."""
        _n.shm_read(self._h, offset, buffer)

    def write(self, offset: int, data: Any) -> int:
        """Copy the bytes-like `data` to `offset`; returns its length."""
        _n.shm_write(self._h, offset, data)
        return memoryview(data).nbytes

    def write_string(self, offset: int, text: str, encoding: str = "utf8") -> int:
        """Store `text` encoded with a Node encoding name; returns the bytes
        written. Nothing is truncated: too long is OutOfRangeError and nothing
        is written. For base64/hex, `text` is the encoded form to decode."""
        return _n.shm_write_string(self._h, offset, text, _encoding(encoding))

    def read_string(self, offset: int, length: int, encoding: str = "utf8") -> str:
        """Decode `length` bytes at `offset` (invalid UTF-8/16 becomes U+FFFD)."""
        enc = _encoding(encoding)
        # The C call needs a buffer big enough for the UTF-8 result. For `length`
        # input bytes the largest result is 3*length (utf8: an invalid byte ->
        # U+FFFD, 3 bytes; latin1 2x; utf16le 1.5x; hex 2x; base64 4/3x rounded
        # up to a multiple of 4, at most 3*length + 4), plus the NUL.
        cap = 3 * _count(length) + 5
        return _n.shm_read_string(self._h, offset, length, enc, cap)

    def write_f32(self, offset: int, values: Floats) -> None:
        """Store float32 values (native order, any offset); array.array('f') and
        numpy.float32 arrays are read in place, other sequences converted."""
        _n.shm_write_f32(self._h, offset, values)

    def read_f32(self, offset: int, count: int) -> "array.array[float]":
        out = array.array("f", bytes(4 * _count(count)))
        _n.shm_read_f32(self._h, offset, out)
        return out

    def write_f64(self, offset: int, values: Floats) -> None:
        _n.shm_write_f64(self._h, offset, values)

    def read_f64(self, offset: int, count: int) -> "array.array[float]":
        out = array.array("d", bytes(8 * _count(count)))
        _n.shm_read_f64(self._h, offset, out)
        return out

    def read_f32_into(self, offset: int, out: Any) -> None:
        """Fill `out` (array.array('f'), numpy.float32) from `offset`."""
        _n.shm_read_f32(self._h, offset, out)

    def read_f64_into(self, offset: int, out: Any) -> None:
        _n.shm_read_f64(self._h, offset, out)

    def flush(self) -> None:
        """Write a file-backed mapping to its file now (msync); no-op otherwise."""
        _n.shm_flush(self._h)

    def close(self) -> None:
        """Close the handle (never removes the segment). Idempotent. Unmaps now,
        or when the last view from :attr:`buf` is released."""
        self._h.close()

    def __enter__(self) -> "SharedMemory":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " closed" if self.closed else (" readonly" if self.readonly else "")
        return f"<SharedMemory {self._kind.value}:{self._name!r} size={self.size}{state}>"


class StreamType(enum.IntEnum):
    EMPTY = _n.STREAM_EMPTY
    STRING = _n.STREAM_STRING
    F32 = _n.STREAM_F32
    F64 = _n.STREAM_F64
    BYTES = _n.STREAM_BYTES


class StreamValue(NamedTuple):
    type: StreamType
    value: Union[None, str, bytes, "array.array[float]"]
    version: int  # completed writes when read; compare to spot a new value


class ShmStream:
    """The torn-read-free stream layout (``shm_stream.h``) over a segment: one
    current value that readers in any language fetch whole or not at all.

    Thread safety: any number of readers and writers, in any processes.
    """

    __slots__ = ("shm",)

    HEADER = _n.SHM_STREAM_HEADER

    def __init__(self, shm: SharedMemory) -> None:
        self.shm = shm

    @property
    def capacity(self) -> int:
        """Largest payload in bytes (segment size - 32)."""
        return _n.shm_stream_capacity(self.shm._h)

    @property
    def version(self) -> int:
        """Completed writes so far (cheap: nothing is copied)."""
        return _n.shm_stream_version(self.shm._h)

    def write(self, value: Union[str, bytes, bytearray, memoryview]) -> None:
        """Publish a str (as UTF-8, type STRING) or bytes-like (type BYTES)."""
        if isinstance(value, str):
            try:
                data: Any = value.encode("utf-8")
            except UnicodeEncodeError as e:
                raise make_error(ErrorCode.EILSEQ, detail=f"stream string is not valid Unicode: {e}") \
                    from None
            _n.shm_stream_write(self.shm._h, _n.STREAM_STRING, data)
        else:
            _n.shm_stream_write(self.shm._h, _n.STREAM_BYTES, value)

    def write_f32(self, values: Floats) -> None:
        _n.shm_stream_write(self.shm._h, _n.STREAM_F32, _float_buffer(values, "f"))

    def write_f64(self, values: Floats) -> None:
        _n.shm_stream_write(self.shm._h, _n.STREAM_F64, _float_buffer(values, "d"))

    def read(self) -> StreamValue:
        """The current value. TryAgainError (a BlockingIOError) if a writer stayed
        mid-write (or died there) for the C call's bounded patience."""
        # The value never exceeds the capacity (a longer length is reported as
        # corrupt by C), so one call with a capacity-sized buffer always fits.
        buf = bytearray(self.capacity)
        t, n, version = _n.shm_stream_read(self.shm._h, buf)
        raw = bytes(memoryview(buf)[:n])
        value: Any
        if t == _n.STREAM_STRING:
            value = raw.decode("utf-8", "replace")
        elif t == _n.STREAM_F32:
            value = array.array("f", raw)
        elif t == _n.STREAM_F64:
            value = array.array("d", raw)
        elif t == _n.STREAM_EMPTY:
            value = None
        else:
            value = raw
        try:
            st = StreamType(t)
        except ValueError:  # a type this version does not know: raw bytes
            st = StreamType.BYTES
        return StreamValue(st, value, version)
