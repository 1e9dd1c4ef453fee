"""libipc errors: one exception class per C error code (``IPC_ERROR_MAP``).

Every class derives from :class:`IpcError` *and* from the built-in exception a
Python programmer would catch for that situation, so ``except FileNotFoundError``
works for a missing segment and ``except libipc.IpcError`` catches everything
from libipc. Each instance carries ``.code`` (the C code, an ``int``), ``.name``
(``'IPC_ENOENT'``) and ``.detail`` (``ipc_last_error_message()``: which call,
which name, the OS error).
"""
from __future__ import annotations

import enum
import io

from . import libipc_native as _n

__all__ = [
    "ErrorCode", "IpcError", "InvalidArgumentError", "NotFoundError", "AlreadyExistsError",
    "PermissionDeniedError", "BadHandleError", "BadNameError", "NameTooLongError",
    "OutOfRangeError", "ReadOnlyError", "OutOfMemoryError", "NoSpaceError", "TimedOutError",
    "TryAgainError", "MessageSizeError", "EncodingError", "NotSupportedError", "CorruptError",
    "ClosedError", "IpcIOError", "InternalError",
]


class ErrorCode(enum.IntEnum):
    """The C error codes (append-only; values never change)."""
    OK = _n.OK
    EINVAL = _n.EINVAL
    ENOENT = _n.ENOENT
    EEXIST = _n.EEXIST
    EACCES = _n.EACCES
    EBADHANDLE = _n.EBADHANDLE
    EBADNAME = _n.EBADNAME
    ENAMETOOLONG = _n.ENAMETOOLONG
    ERANGE = _n.ERANGE
    EREADONLY = _n.EREADONLY
    ENOMEM = _n.ENOMEM
    ENOSPC = _n.ENOSPC
    ETIMEDOUT = _n.ETIMEDOUT
    EAGAIN = _n.EAGAIN
    EMSGSIZE = _n.EMSGSIZE
    EILSEQ = _n.EILSEQ
    ENOTSUP = _n.ENOTSUP
    ECORRUPT = _n.ECORRUPT
    ECLOSED = _n.ECLOSED
    EIO = _n.EIO
    EINTERNAL = _n.EINTERNAL


class IpcError(Exception):
    """Base of every libipc error. ``str(e)`` is ``'IPC_ENOENT: <detail>'``.

    No ``__init__`` of its own: the built-in bases (OSError's in particular)
    keep their constructors, and :func:`make_error` sets the attributes.
    """
    code: int = -1
    name: str = "IPC_EUNKNOWN"
    detail: str = ""


class InvalidArgumentError(IpcError, ValueError): pass       # noqa: E701
class NotFoundError(IpcError, FileNotFoundError): pass       # noqa: E701
class AlreadyExistsError(IpcError, FileExistsError): pass    # noqa: E701
class PermissionDeniedError(IpcError, PermissionError): pass # noqa: E701
# Like I/O on a closed file, which raises ValueError.
class BadHandleError(IpcError, ValueError): pass             # noqa: E701
class BadNameError(IpcError, ValueError): pass               # noqa: E701
class NameTooLongError(IpcError, ValueError): pass           # noqa: E701
class OutOfRangeError(IpcError, ValueError): pass            # noqa: E701
# Writing through a read-only handle: not permitted by how it was opened.
class ReadOnlyError(IpcError, PermissionError): pass         # noqa: E701
class OutOfMemoryError(IpcError, MemoryError): pass          # noqa: E701
class NoSpaceError(IpcError, OSError): pass                  # noqa: E701
class TimedOutError(IpcError, TimeoutError): pass            # noqa: E701
# "Would block, try again", e.g. a stream whose writer is mid-write.
class TryAgainError(IpcError, BlockingIOError): pass         # noqa: E701
class MessageSizeError(IpcError, ValueError): pass           # noqa: E701
class EncodingError(IpcError, ValueError): pass              # noqa: E701
# io.UnsupportedOperation is both OSError and ValueError.
class NotSupportedError(IpcError, io.UnsupportedOperation): pass  # noqa: E701
class CorruptError(IpcError): pass                           # noqa: E701
class ClosedError(IpcError, ConnectionError): pass           # noqa: E701
class IpcIOError(IpcError, OSError): pass                    # noqa: E701
class InternalError(IpcError, RuntimeError): pass            # noqa: E701

_CLASSES: dict[int, type[IpcError]] = {
    ErrorCode.EINVAL: InvalidArgumentError,
    ErrorCode.ENOENT: NotFoundError,
    ErrorCode.EEXIST: AlreadyExistsError,
    ErrorCode.EACCES: PermissionDeniedError,
    ErrorCode.EBADHANDLE: BadHandleError,
    ErrorCode.EBADNAME: BadNameError,
    ErrorCode.ENAMETOOLONG: NameTooLongError,
    ErrorCode.ERANGE: OutOfRangeError,
    ErrorCode.EREADONLY: ReadOnlyError,
    ErrorCode.ENOMEM: OutOfMemoryError,
    ErrorCode.ENOSPC: NoSpaceError,
    ErrorCode.ETIMEDOUT: TimedOutError,
    ErrorCode.EAGAIN: TryAgainError,
    ErrorCode.EMSGSIZE: MessageSizeError,
    ErrorCode.EILSEQ: EncodingError,
    ErrorCode.ENOTSUP: NotSupportedError,
    ErrorCode.ECORRUPT: CorruptError,
    ErrorCode.ECLOSED: ClosedError,
    ErrorCode.EIO: IpcIOError,
    ErrorCode.EINTERNAL: InternalError,
}
for _code, _cls in _CLASSES.items():
    _cls.code = int(_code)
    _cls.name = _n.err_name(_code)


def make_error(code: int, name: str | None = None, detail: str | None = None) -> IpcError:
    """The exception for `code` (a code this version does not know gives a plain
    IpcError). The SWIG layer calls this for every failing C call."""
    if name is None:
        name = _n.err_name(code)
    if not detail:
        detail = _n.strerror(code)
    exc = _CLASSES.get(code, IpcError)(f"{name}: {detail}")
    exc.code = int(code)
    exc.name = name
    exc.detail = detail
    return exc


_n.set_error_factory(make_error)
