using System;
using System.Buffers;
using System.Runtime.InteropServices;
using LibIpc.Native;

namespace LibIpc;

/// <summary>
/// The torn-read-free stream layout over a segment (<c>ipc_shm_stream_*</c>,
/// see <c>ipc/shm_stream.h</c>): one current value — a string, a float32 or
/// float64 array, or bytes — that any number of readers in any language fetch
/// whole, never half-written. The same bytes as every other binding's stream.
/// </summary>
/// <remarks>
/// Not a <see cref="System.IO.Stream"/>: it holds one value, replaced by each
/// write. It does not own the segment: dispose the <see cref="SharedMemory"/>
/// yourself. Any thread; concurrent readers and writers in any processes.
/// </remarks>
public sealed unsafe class ShmStream
{
    /// <summary>Bytes of the header before the payload (<c>IPC_SHM_STREAM_HEADER</c>).</summary>
    public const int HeaderSize = 32;

    private readonly SharedMemory shm;

    /// <summary>A stream over <paramref name="segment"/> (all zero bytes = an empty stream).</summary>
    public ShmStream(SharedMemory segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        shm = segment;
    }

    /// <summary>The segment the stream lives in.</summary>
    public SharedMemory Segment => shm;

    /// <summary>Largest payload the segment holds: its size minus <see cref="HeaderSize"/>.</summary>
    public long Capacity
    {
        get
        {
            libipc_native.shm_stream_capacity(shm.NativeHandle, out nuint capacity);
            return checked((long)capacity);
        }
    }

    /// <summary>The number of completed writes: a cheap "has it changed?" check.</summary>
    public ulong Version
    {
        get
        {
            libipc_native.shm_stream_version(shm.NativeHandle, out ulong version);
            return version;
        }
    }

    /// <summary>Publishes <paramref name="text"/> as the new value (UTF-8).</summary>
    /// <exception cref="IpcOutOfRangeException">Longer than <see cref="Capacity"/>.</exception>
    /// <exception cref="IpcReadOnlyException">The segment is read-only.</exception>
    /// <exception cref="IpcException">ECORRUPT: the segment holds something that is not a stream.</exception>
    public void WriteString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        Write(StreamValueType.String, utf8);
    }

    /// <summary>Publishes a float32 array as the new value.</summary>
    public void WriteFloat32(ReadOnlySpan<float> values) =>
        Write(StreamValueType.Float32, MemoryMarshal.AsBytes(values));

    /// <summary>Publishes a float64 array as the new value.</summary>
    public void WriteFloat64(ReadOnlySpan<double> values) =>
        Write(StreamValueType.Float64, MemoryMarshal.AsBytes(values));

    /// <summary>Publishes opaque bytes as the new value.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes) => Write(StreamValueType.Bytes, bytes);

    /// <summary>Publishes <paramref name="payload"/> as a value of <paramref name="type"/>.</summary>
    /// <exception cref="IpcArgumentException">EINVAL: a float payload that is not a whole number
    /// of elements, or an unknown type; EILSEQ: a String payload that is not UTF-8.</exception>
    public void Write(StreamValueType type, ReadOnlySpan<byte> payload)
    {
        fixed (byte* p = payload)
            libipc_native.shm_stream_write(shm.NativeHandle, (ipc_stream_type_t)type, (IntPtr)p, (nuint)payload.Length);
    }

    /// <summary>Fetches the current value, whole.</summary>
    /// <exception cref="IpcWouldBlockException">EAGAIN: a writer stayed mid-write (or died
    /// mid-write) through the bounded retries.</exception>
    /// <exception cref="IpcException">ECORRUPT: not a stream.</exception>
    public ShmStreamValue Read()
    {
        // Start with a buffer sized for typical values; if the value is larger,
        // the library says how large, and the value may change again meanwhile.
        int size = (int)Math.Min(Math.Max(Capacity, 1), 64 * 1024);
        while (true)
        {
            byte[] buf = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                int rc;
                int type;
                nuint len;
                ulong version;
                fixed (byte* p = buf)
                    rc = libipc_nativePINVOKE.shm_stream_read(shm.NativeHandle, out type, (IntPtr)p, (nuint)buf.Length,
                                                              out len, out version);
                if (rc == (int)IpcErrorCode.EMSGSIZE)
                {
                    if (len > (nuint)Array.MaxLength)
                        throw new IpcOutOfRangeException($"a {len}-byte stream value is larger than a .NET array");
                    size = (int)len;
                    continue;
                }
                IpcException.Check(rc);
                return new ShmStreamValue((StreamValueType)type, version, buf.AsSpan(0, (int)len).ToArray());
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buf);
            }
        }
    }

    /// <summary>
    /// Fetches the current value into <paramref name="destination"/> without
    /// allocating.
    /// </summary>
    /// <returns>The value's length in bytes.</returns>
    /// <exception cref="IpcMessageSizeException">EMSGSIZE if <paramref name="destination"/>
    /// is too small (the detail gives the size needed).</exception>
    public int Read(Span<byte> destination, out StreamValueType type, out ulong version)
    {
        nuint len;
        int t;
        fixed (byte* p = destination)
            libipc_native.shm_stream_read(shm.NativeHandle, out t, (IntPtr)p, (nuint)destination.Length, out len, out version);
        type = (StreamValueType)t;
        return (int)len;
    }
}

/// <summary>One value fetched from a <see cref="ShmStream"/>.</summary>
public sealed class ShmStreamValue
{
    internal ShmStreamValue(StreamValueType type, ulong version, byte[] payload)
    {
        Type = type;
        Version = version;
        this.payload = payload;
    }

    private readonly byte[] payload;

    /// <summary>The type the writer gave.</summary>
    public StreamValueType Type { get; }

    /// <summary>The stream's version when this value was read (completed writes).</summary>
    public ulong Version { get; }

    /// <summary>The raw payload.</summary>
    public ReadOnlyMemory<byte> Payload => payload;

    /// <summary>The value as text (a <see cref="StreamValueType.String"/> value).</summary>
    /// <exception cref="InvalidOperationException">The value is of another type.</exception>
    public string AsString()
    {
        Expect(StreamValueType.String);
        return System.Text.Encoding.UTF8.GetString(payload);
    }

    /// <summary>The value as a float32 array.</summary>
    public float[] AsFloat32()
    {
        Expect(StreamValueType.Float32);
        return MemoryMarshal.Cast<byte, float>(payload).ToArray();
    }

    /// <summary>The value as a float64 array.</summary>
    public double[] AsFloat64()
    {
        Expect(StreamValueType.Float64);
        return MemoryMarshal.Cast<byte, double>(payload).ToArray();
    }

    /// <inheritdoc/>
    public override string ToString() => $"ShmStreamValue({Type}, {payload.Length} bytes, version {Version})";

    private void Expect(StreamValueType wanted)
    {
        if (Type != wanted)
            throw new InvalidOperationException($"the stream value is {Type}, not {wanted}");
    }
}
