using System;
using System.Buffers.Binary;
using System.Text;

namespace LibIpc;

/// <summary>
/// Parses the batch <c>ipc_sock_next_many</c> packs (<c>ipc/sock.h</c>,
/// IPC_SOCK_PACKED_HEADER): per event a 32-byte little-endian header — uint32
/// kind, int32 code, uint64 conn, uint32 type_len, uint32 data_len, uint32
/// address_len, uint32 reserved — then the type, data and address bytes, then
/// padding to a multiple of 8.
/// </summary>
internal sealed class SocketPacked
{
    internal const int HeaderSize = 32;

    // Types and addresses repeat (one address per connection, a few types):
    // the last few decoded strings are reused instead of decoded again.
    private const int CacheSize = 8;
    private readonly byte[]?[] cacheBytes = new byte[CacheSize][];
    private readonly string[] cacheStrings = new string[CacheSize];
    private int cacheNext;

    /// <summary>
    /// The <paramref name="count"/> events in <paramref name="packed"/>. Their
    /// data share one new array (no copy is made per event). A batch that does
    /// not add up is EINTERNAL (a libipc bug): nothing is delivered from it.
    /// </summary>
    internal SocketEvent[] Unpack(ReadOnlySpan<byte> packed, int count)
    {
        // First pass: check every length and add up the data.
        long total = 0;
        int off = 0;
        for (int i = 0; i < count; ++i)
        {
            if (packed.Length - off < HeaderSize)
                throw Malformed("header past the end");
            uint typeLen = BinaryPrimitives.ReadUInt32LittleEndian(packed.Slice(off + 16));
            uint dataLen = BinaryPrimitives.ReadUInt32LittleEndian(packed.Slice(off + 20));
            uint addrLen = BinaryPrimitives.ReadUInt32LittleEndian(packed.Slice(off + 24));
            long body = (long)typeLen + dataLen + addrLen;
            if (body > packed.Length - off - HeaderSize)
                throw Malformed("lengths past the end");
            total += dataLen;
            off += HeaderSize + (int)((body + 7) & ~7L);
            off = Math.Min(off, packed.Length);
        }
        byte[] all = total == 0 ? Array.Empty<byte>() : new byte[total];
        var events = new SocketEvent[count];
        int at = 0;
        off = 0;
        for (int i = 0; i < count; ++i)
        {
            ReadOnlySpan<byte> h = packed.Slice(off, HeaderSize);
            var kind = (SocketEventKind)BinaryPrimitives.ReadUInt32LittleEndian(h);
            var code = (IpcErrorCode)BinaryPrimitives.ReadInt32LittleEndian(h.Slice(4));
            ulong conn = BinaryPrimitives.ReadUInt64LittleEndian(h.Slice(8));
            int typeLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(h.Slice(16));
            int dataLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(h.Slice(20));
            int addrLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(h.Slice(24));
            int p = off + HeaderSize;
            string type = Decode(packed.Slice(p, typeLen));
            packed.Slice(p + typeLen, dataLen).CopyTo(all.AsSpan(at));
            var data = new ReadOnlyMemory<byte>(all, at, dataLen);
            at += dataLen;
            string address = Decode(packed.Slice(p + typeLen + dataLen, addrLen));
            events[i] = new SocketEvent(kind, code, conn, type, data, address);
            off = Math.Min(p + ((typeLen + dataLen + addrLen + 7) & ~7), packed.Length);
        }
        return events;
    }

    private string Decode(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
            return "";
        if (utf8.Length > 64)
            return Encoding.UTF8.GetString(utf8);
        for (int i = 0; i < CacheSize; ++i)
        {
            if (cacheBytes[i] is { } b && utf8.SequenceEqual(b))
                return cacheStrings[i];
        }
        string s = Encoding.UTF8.GetString(utf8);
        int slot = cacheNext;
        cacheNext = (slot + 1) % CacheSize;
        cacheBytes[slot] = utf8.ToArray();
        cacheStrings[slot] = s;
        return s;
    }

    private static IpcException Malformed(string what) =>
        new(IpcErrorCode.EINTERNAL, $"ipc_sock_next_many returned a malformed batch ({what})");
}
