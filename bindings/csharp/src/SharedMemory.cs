using System;
using System.Buffers;
using System.IO;
using System.Runtime.InteropServices;
using LibIpc.Native;

namespace LibIpc;

/// <summary>
/// A shared memory segment, mapped into this process (<c>ipc_shm_*</c>).
/// Programs in any language that open the same kind and name see the same bytes.
/// </summary>
/// <remarks>
/// <para>Lifetime: named segments outlive this object; <see cref="Dispose"/>
/// unmaps but never removes (<see cref="Remove"/> does).</para>
/// <para>Views: <see cref="AsSpan()"/> and <see cref="AsReadOnlySpan()"/> are
/// raw views of the mapping, valid until <see cref="Dispose"/>.
/// <see cref="AsMemory()"/> and <see cref="AsReadOnlyMemory()"/> views keep the
/// mapping alive by themselves: it is unmapped when both this object is disposed
/// and the last such view has been collected. Writable views of a read-only
/// handle are refused with <see cref="IpcReadOnlyException"/>.</para>
/// <para>Offsets and lengths are bytes. A range outside the segment throws
/// <see cref="IpcOutOfRangeException"/> (ERANGE) and changes nothing; a negative
/// one throws <see cref="ArgumentOutOfRangeException"/>.</para>
/// <para>Thread safety: every member may be called from any thread, including
/// <see cref="Dispose"/> racing other calls (they finish first or throw
/// <see cref="ObjectDisposedException"/>). The bytes themselves are not
/// synchronised: use <see cref="ShmStream"/> or your own protocol.</para>
/// </remarks>
public sealed unsafe class SharedMemory : IDisposable
{
    private const uint ReadOnlyFlag = 0x1; // IPC_SHM_READONLY

    private readonly ShmHandle handle;
    private readonly byte* address;

    /// <summary>The name as given to the open ("" for an anonymous segment).</summary>
    public string Name { get; }

    /// <summary>The kind of segment.</summary>
    public ShmKind Kind { get; }

    /// <summary>The mapped length in bytes.</summary>
    public long Size { get; }

    /// <summary>True if opened read-only: writes and writable views are refused.</summary>
    public bool IsReadOnly { get; }

    private volatile bool disposed;

    /// <summary>True once <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => disposed;

    /// <summary>The native handle (for interop with other libipc C callers).</summary>
    public SafeHandle Handle => handle;

    /// <summary>The handle, for a call; throws once disposed. (The handle itself
    /// stays open while Memory views hold it, so it cannot tell.)</summary>
    internal ShmHandle NativeHandle
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return handle;
        }
    }

    /// <summary>
    /// Opens or creates a segment and maps it (<c>ipc_shm_open</c>).
    /// </summary>
    /// <param name="name">POSIX: 1..250 bytes, no '/'. File: a path. SysV: a non-zero
    /// key, decimal or 0x-hex. Anonymous: ignored (may be null).</param>
    /// <param name="mode">Create, open, or either.</param>
    /// <param name="size">On create the size (&gt; 0). On open 0 maps the whole
    /// segment; a non-zero size must not exceed it (a writable file mapping grows
    /// the file instead).</param>
    /// <param name="kind">The kind of segment.</param>
    /// <param name="readOnly">Map read-only (only with <see cref="OpenMode.OpenOnly"/>).</param>
    /// <param name="permissions">Permission bits for a segment this call creates;
    /// <c>0</c> means owner read/write (0600). The umask is not applied.</param>
    /// <exception cref="IpcNotFoundException">OpenOnly and there is no such segment.</exception>
    /// <exception cref="IpcAlreadyExistsException">CreateOnly and it exists.</exception>
    /// <exception cref="IpcAccessDeniedException">Its permissions forbid this open.</exception>
    /// <exception cref="IpcArgumentException">Bad name (EBADNAME, ENAMETOOLONG), size 0
    /// on create, read-only with create, unknown kind or mode (EINVAL).</exception>
    /// <exception cref="IpcOutOfRangeException">size larger than the existing segment.</exception>
    public SharedMemory(string? name, OpenMode mode, long size = 0, ShmKind kind = ShmKind.Posix,
                        bool readOnly = false, UnixFileMode permissions = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        CheckName(name, kind);
        int rc = libipc_nativePINVOKE.shm_open((int)kind, name, (int)mode, (nuint)size,
                                              readOnly ? ReadOnlyFlag : 0, (uint)permissions, out ShmHandle h);
        if (rc != 0)
        {
            IpcException error = IpcException.FromLastError(rc); // before any other libipc call
            h.Dispose();
            throw error;
        }
        try
        {
            libipc_native.shm_data(h, out IntPtr addr, out nuint mapped);
            address = (byte*)addr;
            Size = checked((long)mapped);
        }
        catch
        {
            h.Dispose();
            throw;
        }
        handle = h;
        Name = kind == ShmKind.Anonymous ? "" : name ?? "";
        Kind = kind;
        IsReadOnly = readOnly;
    }

    /// <summary>Creates a new segment (create-only).</summary>
    public static SharedMemory Create(string name, long size, ShmKind kind = ShmKind.Posix, UnixFileMode permissions = 0)
        => new(name, OpenMode.CreateOnly, size, kind, false, permissions);

    /// <summary>Opens an existing segment (open-only), the whole of it unless <paramref name="size"/> &gt; 0.</summary>
    public static SharedMemory Open(string name, ShmKind kind = ShmKind.Posix, bool readOnly = false, long size = 0)
        => new(name, OpenMode.OpenOnly, size, kind, readOnly);

    /// <summary>Opens the segment if it exists, else creates it with <paramref name="size"/> bytes.</summary>
    public static SharedMemory OpenOrCreate(string name, long size, ShmKind kind = ShmKind.Posix, UnixFileMode permissions = 0)
        => new(name, OpenMode.OpenOrCreate, size, kind, false, permissions);

    /// <summary>Creates an anonymous in-process segment of <paramref name="size"/> bytes.</summary>
    public static SharedMemory CreateAnonymous(long size)
        => new(null, OpenMode.CreateOnly, size, ShmKind.Anonymous);

    /// <summary>
    /// Removes a named segment (<c>ipc_shm_remove</c>). Existing mappings stay
    /// valid; new opens fail with <see cref="IpcNotFoundException"/>.
    /// </summary>
    /// <exception cref="IpcNotFoundException">It does not exist.</exception>
    /// <exception cref="IpcNotSupportedException">For <see cref="ShmKind.Anonymous"/>.</exception>
    public static void Remove(string name, ShmKind kind = ShmKind.Posix)
    {
        CheckName(name, kind);
        libipc_native.shm_remove((ipc_shm_kind_t)kind, name);
    }

    /// <summary>Removes a named segment if it exists; false if there was none.</summary>
    public static bool TryRemove(string name, ShmKind kind = ShmKind.Posix)
    {
        try
        {
            Remove(name, kind);
            return true;
        }
        catch (IpcNotFoundException)
        {
            return false;
        }
    }

    /// <summary>True if the named segment exists (<c>ipc_shm_exists</c>).</summary>
    public static bool Exists(string name, ShmKind kind = ShmKind.Posix)
    {
        CheckName(name, kind);
        libipc_native.shm_exists((ipc_shm_kind_t)kind, name, out int exists);
        return exists != 0;
    }

    /// <summary>
    /// Unmaps (unless a <see cref="Memory{T}"/> view still holds the mapping) and
    /// closes the handle. Never removes the segment. Idempotent.
    /// </summary>
    public void Dispose()
    {
        disposed = true;
        handle.Dispose();
    }

    /// <summary>Writes a file-backed mapping's changes to the file (msync); no-op for other kinds.</summary>
    public void Flush() => libipc_native.shm_flush(NativeHandle);

    // ---- Views -------------------------------------------------------------

    /// <summary>A writable view of the whole mapping, valid until <see cref="Dispose"/>.</summary>
    /// <exception cref="IpcReadOnlyException">The handle is read-only.</exception>
    /// <exception cref="InvalidOperationException">The segment is larger than a Span can be (2 GiB); use an offset overload.</exception>
    public Span<byte> AsSpan() => AsSpan(0, WholeLength());

    /// <summary>A writable view from <paramref name="offset"/> to the end.</summary>
    public Span<byte> AsSpan(long offset) => AsSpan(offset, TailLength(offset));

    /// <summary>A writable view of <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public Span<byte> AsSpan(long offset, int length)
    {
        CheckWritable();
        return new Span<byte>(Pointer(offset, length), length);
    }

    /// <summary>A read-only view of the whole mapping, valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> AsReadOnlySpan() => AsReadOnlySpan(0, WholeLength());

    /// <summary>A read-only view from <paramref name="offset"/> to the end.</summary>
    public ReadOnlySpan<byte> AsReadOnlySpan(long offset) => AsReadOnlySpan(offset, TailLength(offset));

    /// <summary>A read-only view of <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public ReadOnlySpan<byte> AsReadOnlySpan(long offset, int length) =>
        new(Pointer(offset, length), length);

    /// <summary>A writable Memory view of the whole mapping that keeps the mapping alive.</summary>
    public Memory<byte> AsMemory() => AsMemory(0, WholeLength());

    /// <summary>A writable Memory view from <paramref name="offset"/> to the end.</summary>
    public Memory<byte> AsMemory(long offset) => AsMemory(offset, TailLength(offset));

    /// <summary>
    /// A writable Memory view of <paramref name="length"/> bytes at
    /// <paramref name="offset"/>. It keeps the mapping alive after
    /// <see cref="Dispose"/> until it is collected.
    /// </summary>
    public Memory<byte> AsMemory(long offset, int length)
    {
        CheckWritable();
        byte* p = Pointer(offset, length);
        return new ShmMemoryManager(handle, p, length).Memory;
    }

    /// <summary>A read-only Memory view of the whole mapping that keeps the mapping alive.</summary>
    public ReadOnlyMemory<byte> AsReadOnlyMemory() => AsReadOnlyMemory(0, WholeLength());

    /// <summary>A read-only Memory view from <paramref name="offset"/> to the end.</summary>
    public ReadOnlyMemory<byte> AsReadOnlyMemory(long offset) => AsReadOnlyMemory(offset, TailLength(offset));

    /// <summary>A read-only Memory view of <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public ReadOnlyMemory<byte> AsReadOnlyMemory(long offset, int length) =>
        new ShmMemoryManager(NativeHandle, Pointer(offset, length), length).Memory;

    // ---- Checked copies (ipc_shm_read/write) --------------------------------

    /// <summary>Copies <paramref name="data"/> into the segment at <paramref name="offset"/>.</summary>
    /// <exception cref="IpcOutOfRangeException">The range is not inside the segment.</exception>
    /// <exception cref="IpcReadOnlyException">The handle is read-only.</exception>
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
            libipc_native.shm_write(NativeHandle, Offset(offset), (IntPtr)p, (nuint)data.Length);
    }

    /// <summary>Fills <paramref name="destination"/> from the segment at <paramref name="offset"/>.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        fixed (byte* p = destination)
            libipc_native.shm_read(NativeHandle, Offset(offset), (IntPtr)p, (nuint)destination.Length);
    }

    /// <summary>Copies <paramref name="length"/> bytes at <paramref name="offset"/> into a new array.</summary>
    public byte[] ReadBytes(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        byte[] result = GC.AllocateUninitializedArray<byte>(length);
        Read(offset, result);
        return result;
    }

    // ---- Strings (ipc_shm_write_string / ipc_shm_read_string) --------------

    /// <summary>
    /// Encodes <paramref name="text"/> with <paramref name="encoding"/> and stores
    /// it at <paramref name="offset"/>. Nothing is truncated: if the encoded form
    /// does not fit, <see cref="IpcOutOfRangeException"/> and nothing is written.
    /// Lone surrogates in <paramref name="text"/> become U+FFFD, as in Node.
    /// </summary>
    /// <returns>The number of bytes stored.</returns>
    /// <exception cref="IpcArgumentException">EILSEQ: invalid base64 or hex text.</exception>
    public int WriteString(long offset, string text, TextEncoding encoding = TextEncoding.Utf8)
    {
        ArgumentNullException.ThrowIfNull(text);
        nuint where = Offset(offset);
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        Span<byte> utf8 = max <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int n = System.Text.Encoding.UTF8.GetBytes(text, utf8);
            nuint written;
            fixed (byte* p = utf8)
                libipc_native.shm_write_string(NativeHandle, where, (IntPtr)p, (nuint)n, (ipc_encoding_t)encoding, out written);
            return checked((int)written);
        }
        finally
        {
            if (rented != null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Decodes <paramref name="byteLength"/> bytes at <paramref name="offset"/>
    /// with <paramref name="encoding"/>. Invalid UTF-8/UTF-16 decodes to U+FFFD,
    /// as in Node.
    /// </summary>
    public string ReadString(long offset, int byteLength, TextEncoding encoding = TextEncoding.Utf8)
    {
        nuint where = Offset(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(byteLength);
        // Every encoding's UTF-8 output is at most 3 bytes per input byte (U+FFFD
        // for each invalid byte is the worst case), plus a NUL: one call suffices.
        long bound = 3L * byteLength + 4;
        if (bound > Array.MaxLength)
            throw new IpcOutOfRangeException($"{byteLength} bytes is too long for one .NET string");
        byte[]? rented = null;
        Span<byte> buf = bound <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent((int)bound));
        try
        {
            nuint n;
            fixed (byte* p = buf)
                libipc_native.shm_read_string(NativeHandle, where, (nuint)byteLength, (ipc_encoding_t)encoding,
                                              (IntPtr)p, (nuint)buf.Length, out n);
            return System.Text.Encoding.UTF8.GetString(buf.Slice(0, (int)n));
        }
        finally
        {
            if (rented != null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // ---- Float arrays (ipc_shm_{write,read}_f32/f64) -----------------------

    /// <summary>Stores <paramref name="values"/> (native byte order) at any byte offset.</summary>
    public void WriteFloat32(long offset, ReadOnlySpan<float> values)
    {
        fixed (float* p = values)
            libipc_native.shm_write_f32(NativeHandle, Offset(offset), (IntPtr)p, (nuint)values.Length);
    }

    /// <summary>Fills <paramref name="destination"/> with float32 values read at <paramref name="offset"/>.</summary>
    public void ReadFloat32(long offset, Span<float> destination)
    {
        fixed (float* p = destination)
            libipc_native.shm_read_f32(NativeHandle, Offset(offset), (IntPtr)p, (nuint)destination.Length);
    }

    /// <summary>Reads <paramref name="count"/> float32 values at <paramref name="offset"/>.</summary>
    public float[] ReadFloat32(long offset, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        float[] result = new float[count];
        ReadFloat32(offset, result);
        return result;
    }

    /// <summary>Stores <paramref name="values"/> (native byte order) at any byte offset.</summary>
    public void WriteFloat64(long offset, ReadOnlySpan<double> values)
    {
        fixed (double* p = values)
            libipc_native.shm_write_f64(NativeHandle, Offset(offset), (IntPtr)p, (nuint)values.Length);
    }

    /// <summary>Fills <paramref name="destination"/> with float64 values read at <paramref name="offset"/>.</summary>
    public void ReadFloat64(long offset, Span<double> destination)
    {
        fixed (double* p = destination)
            libipc_native.shm_read_f64(NativeHandle, Offset(offset), (IntPtr)p, (nuint)destination.Length);
    }

    /// <summary>Reads <paramref name="count"/> float64 values at <paramref name="offset"/>.</summary>
    public double[] ReadFloat64(long offset, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        double[] result = new double[count];
        ReadFloat64(offset, result);
        return result;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"SharedMemory({Kind} \"{Name}\", {Size} bytes{(IsReadOnly ? ", read-only" : "")}{(IsDisposed ? ", disposed" : "")})";

    // ---- Helpers -----------------------------------------------------------

    private static void CheckName(string? name, ShmKind kind)
    {
        // C strings end at the first NUL: refuse a name the C side would see cut short.
        if (kind != ShmKind.Anonymous && name != null && name.Contains('\0'))
            throw new IpcArgumentException(IpcErrorCode.EBADNAME, "name contains a NUL character");
    }

    private static nuint Offset(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return (nuint)offset;
    }

    private void CheckWritable()
    {
        if (IsReadOnly)
            throw new IpcReadOnlyException($"writable view of read-only segment \"{Name}\"; use AsReadOnlySpan/AsReadOnlyMemory");
    }

    private int WholeLength()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Size > int.MaxValue)
            throw new InvalidOperationException($"the segment ({Size} bytes) is larger than one Span; pass an offset and length");
        return (int)Size;
    }

    private int TailLength(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset > Size)
            throw new IpcOutOfRangeException($"offset {offset} is past the end of the {Size}-byte segment");
        long tail = Size - offset;
        if (tail > int.MaxValue)
            throw new InvalidOperationException($"{tail} bytes is larger than one Span; pass a length");
        return (int)tail;
    }

    private byte* Pointer(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset > Size || length > Size - offset)
            throw new IpcOutOfRangeException($"{length} bytes at offset {offset} are not inside the {Size}-byte segment");
        return address + offset;
    }
}
