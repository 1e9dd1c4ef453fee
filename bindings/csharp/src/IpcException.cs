using System;
using LibIpc.Native;

namespace LibIpc;

/// <summary>
/// A libipc call failed. <see cref="Code"/> is the C error code and
/// <see cref="Detail"/> the library's detail for that failure
/// (<c>ipc_last_error_message()</c>: which call, which name, the OS error).
/// </summary>
/// <remarks>
/// Every libipc failure is an <see cref="IpcException"/>, so one
/// <c>catch (IpcException e) when (e.Code == ...)</c> handles any of them.
/// Codes with a matching .NET concept get a subclass:
/// <list type="table">
/// <item><term><see cref="IpcNotFoundException"/></term><description>ENOENT (like FileNotFoundException)</description></item>
/// <item><term><see cref="IpcAlreadyExistsException"/></term><description>EEXIST</description></item>
/// <item><term><see cref="IpcAccessDeniedException"/></term><description>EACCES (like UnauthorizedAccessException)</description></item>
/// <item><term><see cref="IpcReadOnlyException"/></term><description>EREADONLY (an <see cref="IpcAccessDeniedException"/>)</description></item>
/// <item><term><see cref="IpcTimeoutException"/></term><description>ETIMEDOUT (like TimeoutException)</description></item>
/// <item><term><see cref="IpcArgumentException"/></term><description>EINVAL, EBADNAME, ENAMETOOLONG, EILSEQ (like ArgumentException)</description></item>
/// <item><term><see cref="IpcOutOfRangeException"/></term><description>ERANGE (an <see cref="IpcArgumentException"/>)</description></item>
/// <item><term><see cref="IpcNotSupportedException"/></term><description>ENOTSUP (like NotSupportedException)</description></item>
/// <item><term><see cref="IpcWouldBlockException"/></term><description>EAGAIN (an <see cref="IpcTimeoutException"/>: a zero timeout ran out)</description></item>
/// <item><term><see cref="IpcMessageSizeException"/></term><description>EMSGSIZE (an <see cref="IpcArgumentException"/>)</description></item>
/// <item><term><see cref="IpcClosedException"/></term><description>ECLOSED (like ObjectDisposedException, for a wait the close interrupted)</description></item>
/// <item><term><see cref="IpcSocketException"/></term><description>ECONNREFUSED, ECONNRESET, EADDRINUSE, ETLS (like SocketException)</description></item>
/// </list>
/// Other codes are a plain <see cref="IpcException"/>. Using a disposed object
/// throws .NET's own <see cref="ObjectDisposedException"/>, and negative sizes,
/// offsets or counts .NET's <see cref="ArgumentOutOfRangeException"/>: those are
/// caught before any C call.
/// </remarks>
public class IpcException : Exception
{
    /// <summary>The libipc error code.</summary>
    public IpcErrorCode Code { get; }

    /// <summary>The detail message for this failure ("" if none).</summary>
    public string Detail { get; }

    /// <summary>The C name of <see cref="Code"/>, e.g. <c>IPC_ENOENT</c>.</summary>
    public string CodeName => "IPC_" + Code;

    /// <summary>Creates an exception for <paramref name="code"/>.</summary>
    public IpcException(IpcErrorCode code, string? detail = null)
        : base(FormatMessage(code, detail ?? ""))
    {
        Code = code;
        Detail = detail ?? "";
    }

    private static string FormatMessage(IpcErrorCode code, string detail)
    {
        string text = libipc_native.strerror((int)code);
        return detail.Length == 0 ? $"IPC_{code}: {text}" : $"IPC_{code}: {text}: {detail}";
    }

    /// <summary>
    /// The exception of the right subclass for <paramref name="code"/>.
    /// </summary>
    public static IpcException Create(IpcErrorCode code, string? detail = null) => code switch
    {
        IpcErrorCode.ENOENT => new IpcNotFoundException(detail),
        IpcErrorCode.EEXIST => new IpcAlreadyExistsException(detail),
        IpcErrorCode.EACCES => new IpcAccessDeniedException(detail),
        IpcErrorCode.EREADONLY => new IpcReadOnlyException(detail),
        IpcErrorCode.ETIMEDOUT => new IpcTimeoutException(detail),
        IpcErrorCode.ERANGE => new IpcOutOfRangeException(detail),
        IpcErrorCode.EINVAL or IpcErrorCode.EBADNAME or IpcErrorCode.ENAMETOOLONG
            or IpcErrorCode.EILSEQ => new IpcArgumentException(code, detail),
        IpcErrorCode.ENOTSUP => new IpcNotSupportedException(detail),
        IpcErrorCode.EAGAIN => new IpcWouldBlockException(detail),
        IpcErrorCode.EMSGSIZE => new IpcMessageSizeException(detail),
        IpcErrorCode.ECLOSED => new IpcClosedException(detail),
        IpcErrorCode.ECONNREFUSED or IpcErrorCode.ECONNRESET or IpcErrorCode.EADDRINUSE
            or IpcErrorCode.ETLS => new IpcSocketException(code, detail),
        _ => new IpcException(code, detail),
    };

    /// <summary>
    /// Called by the generated layer after every call that returns an error
    /// code: throws for a non-zero <paramref name="rc"/>.
    /// </summary>
    internal static void Check(int rc)
    {
        if (rc != 0)
            throw FromLastError(rc);
    }

    /// <summary>
    /// The exception for <paramref name="rc"/>, with the detail the library
    /// recorded for it. Must run on the thread of the failing call, before any
    /// other libipc call there (the detail is thread-local).
    /// </summary>
    internal static IpcException FromLastError(int rc) => Create((IpcErrorCode)rc, LastDetail(rc));

    /// <summary>
    /// The library's detail for the failure <paramref name="rc"/> that just
    /// happened on this thread ("" if the thread's last error is another one).
    /// </summary>
    internal static string LastDetail(int rc) =>
        // A detail left by an earlier failure must not be reported as this one's.
        libipc_native.last_error_code() == rc ? libipc_native.last_error_message() : "";
}

/// <summary>ENOENT: the named resource does not exist.</summary>
public class IpcNotFoundException : IpcException
{
    /// <summary>Creates the exception.</summary>
    public IpcNotFoundException(string? detail = null) : base(IpcErrorCode.ENOENT, detail) { }
}

/// <summary>EEXIST: a create-only open found the resource already there.</summary>
public class IpcAlreadyExistsException : IpcException
{
    /// <summary>Creates the exception.</summary>
    public IpcAlreadyExistsException(string? detail = null) : base(IpcErrorCode.EEXIST, detail) { }
}

/// <summary>EACCES: the permission bits forbid the access (and the base of
/// <see cref="IpcReadOnlyException"/>).</summary>
public class IpcAccessDeniedException : IpcException
{
    /// <summary>Creates the exception.</summary>
    public IpcAccessDeniedException(string? detail = null) : base(IpcErrorCode.EACCES, detail) { }

    /// <summary>For subclasses with a more precise code.</summary>
    protected IpcAccessDeniedException(IpcErrorCode code, string? detail) : base(code, detail) { }
}

/// <summary>EREADONLY: a write, or a writable view, through a read-only handle.</summary>
public class IpcReadOnlyException : IpcAccessDeniedException
{
    /// <summary>Creates the exception.</summary>
    public IpcReadOnlyException(string? detail = null) : base(IpcErrorCode.EREADONLY, detail) { }
}

/// <summary>ETIMEDOUT: a timed wait expired (and the base of
/// <see cref="IpcWouldBlockException"/>, the zero-timeout case).</summary>
public class IpcTimeoutException : IpcException
{
    /// <summary>Creates the exception.</summary>
    public IpcTimeoutException(string? detail = null) : base(IpcErrorCode.ETIMEDOUT, detail) { }

    /// <summary>For subclasses with a more precise code.</summary>
    protected IpcTimeoutException(IpcErrorCode code, string? detail) : base(code, detail) { }
}

/// <summary>
/// EAGAIN: the operation would have had to wait and was asked not to (a zero
/// timeout: a full queue, an empty queue, a semaphore at 0), or another process
/// was still creating the object after 2 s. It is an
/// <see cref="IpcTimeoutException"/>, so one <c>catch</c> covers every timeout,
/// zero or not. The <c>Try...</c> methods return false instead.
/// </summary>
public class IpcWouldBlockException : IpcTimeoutException
{
    /// <summary>Creates the exception.</summary>
    public IpcWouldBlockException(string? detail = null) : base(IpcErrorCode.EAGAIN, detail) { }
}

/// <summary>
/// EMSGSIZE: a message longer than the queue's maximum message size, or a
/// receive buffer too small for the next message (which then stays queued;
/// <see cref="RequiredSize"/> says how large a buffer it needs).
/// </summary>
public class IpcMessageSizeException : IpcArgumentException
{
    /// <summary>Creates the exception.</summary>
    public IpcMessageSizeException(string? detail = null, int? requiredSize = null)
        : base(IpcErrorCode.EMSGSIZE, detail)
    {
        RequiredSize = requiredSize;
    }

    /// <summary>For a receive into a buffer that was too small: the length of
    /// the message, which is still queued. Null otherwise.</summary>
    public int? RequiredSize { get; }
}

/// <summary>
/// ECLOSED: the object was disposed (closed) while this call was waiting on it,
/// by another thread or task. Calls made after the dispose throw
/// <see cref="ObjectDisposedException"/> instead.
/// </summary>
public class IpcClosedException : IpcException
{
    /// <summary>Creates the exception.</summary>
    public IpcClosedException(string? detail = null) : base(IpcErrorCode.ECLOSED, detail) { }
}

/// <summary>EINVAL, EBADNAME, ENAMETOOLONG or EILSEQ: an argument the library
/// refused (and the base of <see cref="IpcOutOfRangeException"/>).</summary>
public class IpcArgumentException : IpcException
{
    /// <summary>Creates the exception.</summary>
    public IpcArgumentException(IpcErrorCode code = IpcErrorCode.EINVAL, string? detail = null) : base(code, detail) { }
}

/// <summary>ERANGE: an offset, length or size outside the segment.</summary>
public class IpcOutOfRangeException : IpcArgumentException
{
    /// <summary>Creates the exception.</summary>
    public IpcOutOfRangeException(string? detail = null) : base(IpcErrorCode.ERANGE, detail) { }
}

/// <summary>ENOTSUP: not supported for this kind of object.</summary>
public class IpcNotSupportedException : IpcException
{
    /// <summary>Creates the exception.</summary>
    public IpcNotSupportedException(string? detail = null) : base(IpcErrorCode.ENOTSUP, detail) { }
}

/// <summary>
/// ECONNREFUSED, ECONNRESET, EADDRINUSE or ETLS: a socket endpoint could not
/// bind, connect or keep its connection (see <see cref="SocketServer"/>,
/// <see cref="SocketClient"/>). Also what <see cref="SocketEvent.Exception"/>
/// gives for an error event with one of these codes.
/// </summary>
public class IpcSocketException : IpcException
{
    /// <summary>Creates the exception.</summary>
    public IpcSocketException(IpcErrorCode code, string? detail = null) : base(code, detail) { }
}
