namespace LibIpc;

/// <summary>
/// The libipc error codes: the values and names of <c>IPC_ERROR_MAP</c> in
/// <c>ipc/errors.h</c> (without the <c>IPC_</c> prefix). The list is
/// append-only in C, so the values are stable; a test checks every name and
/// value against the loaded library.
/// </summary>
public enum IpcErrorCode
{
    /// <summary>success</summary>
    OK = 0,
    /// <summary>invalid argument</summary>
    EINVAL = 1,
    /// <summary>no such named resource</summary>
    ENOENT = 2,
    /// <summary>named resource already exists</summary>
    EEXIST = 3,
    /// <summary>permission denied</summary>
    EACCES = 4,
    /// <summary>invalid, wrong-type or closed handle</summary>
    EBADHANDLE = 5,
    /// <summary>invalid name (empty, or contains a forbidden character)</summary>
    EBADNAME = 6,
    /// <summary>name too long</summary>
    ENAMETOOLONG = 7,
    /// <summary>offset or length out of range</summary>
    ERANGE = 8,
    /// <summary>handle is read-only</summary>
    EREADONLY = 9,
    /// <summary>out of memory or address space</summary>
    ENOMEM = 10,
    /// <summary>no space left, or a system limit was reached</summary>
    ENOSPC = 11,
    /// <summary>timed out</summary>
    ETIMEDOUT = 12,
    /// <summary>resource temporarily unavailable; try again</summary>
    EAGAIN = 13,
    /// <summary>message or buffer size mismatch</summary>
    EMSGSIZE = 14,
    /// <summary>invalid encoded data</summary>
    EILSEQ = 15,
    /// <summary>operation not supported for this kind of object</summary>
    ENOTSUP = 16,
    /// <summary>shared data structure is corrupt or has a foreign layout</summary>
    ECORRUPT = 17,
    /// <summary>peer or object was closed</summary>
    ECLOSED = 18,
    /// <summary>operating system I/O error</summary>
    EIO = 19,
    /// <summary>internal error (a bug in libipc)</summary>
    EINTERNAL = 20,
    /// <summary>connection refused (nothing is listening there)</summary>
    ECONNREFUSED = 21,
    /// <summary>connection reset or lost</summary>
    ECONNRESET = 22,
    /// <summary>address already in use</summary>
    EADDRINUSE = 23,
    /// <summary>TLS handshake or certificate verification failed</summary>
    ETLS = 24,
}
