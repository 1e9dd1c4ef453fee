using System;
using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;

namespace LibIpc;

/// <summary>
/// Turns an event's type and data into the NUL-terminated UTF-8 that
/// <c>ipc_sock_emit</c> takes, into a reusable per-thread buffer (an emit costs
/// no allocation beyond what the serializer itself makes).
/// </summary>
internal sealed class SocketJson
{
    [ThreadStatic] private static SocketJson? cached;

    private readonly ArrayBufferWriter<byte> buffer = new(1024);
    private Utf8JsonWriter? writer;

    /// <summary>Offsets in <see cref="Written"/>: type at 0, data at DataOffset
    /// (-1: no data, C sends <c>{}</c>).</summary>
    internal int DataOffset;

    internal ReadOnlySpan<byte> Written => buffer.WrittenSpan;

    /// <summary>Takes this thread's instance (a new one if it is in use: a
    /// serializer that emits from inside a converter).</summary>
    internal static SocketJson Rent()
    {
        SocketJson? j = cached;
        cached = null;
        j ??= new SocketJson();
        j.buffer.ResetWrittenCount();
        j.DataOffset = -1;
        return j;
    }

    internal static void Return(SocketJson j)
    {
        if (j.buffer.Capacity <= 1 << 20) // keep no huge buffer per thread
            cached = j;
    }

    /// <summary>Writes the type, NUL-terminated. A NUL inside would cut it short in C: EINVAL.</summary>
    internal void WriteType(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.Contains('\0'))
            throw new IpcArgumentException(IpcErrorCode.EINVAL, "an event type cannot contain a NUL character");
        int max = Encoding.UTF8.GetMaxByteCount(type.Length) + 1;
        Span<byte> span = buffer.GetSpan(max);
        int n = Encoding.UTF8.GetBytes(type, span);
        span[n] = 0;
        buffer.Advance(n + 1);
    }

    /// <summary>
    /// Writes <paramref name="data"/> as JSON, NUL-terminated: null is "no
    /// data" (node-ipc's {}); a <see cref="JsonElement"/>, <see cref="JsonDocument"/>
    /// or <see cref="JsonNode"/> is written as it is; anything else goes through
    /// <see cref="JsonSerializer"/> with <paramref name="options"/>.
    /// </summary>
    internal void WriteData(object? data, JsonSerializerOptions options)
    {
        if (data is null)
            return;
        DataOffset = buffer.WrittenCount;
        Utf8JsonWriter w = Writer();
        switch (data)
        {
            case JsonElement e:
                e.WriteTo(w);
                break;
            case JsonDocument d:
                d.RootElement.WriteTo(w);
                break;
            case JsonNode node:
                node.WriteTo(w, options);
                break;
            default:
                JsonSerializer.Serialize(w, data, data.GetType(), options);
                break;
        }
        w.Flush();
        Terminate();
    }

    /// <summary>Writes already-formatted JSON text (C validates it: EILSEQ).</summary>
    internal void WriteDataJson(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IndexOf((byte)0) >= 0)
            throw new IpcArgumentException(IpcErrorCode.EILSEQ, "JSON text cannot contain a NUL byte");
        DataOffset = buffer.WrittenCount;
        buffer.Write(utf8Json);
        Terminate();
    }

    internal void WriteDataJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Contains('\0'))
            throw new IpcArgumentException(IpcErrorCode.EILSEQ, "JSON text cannot contain a NUL character");
        DataOffset = buffer.WrittenCount;
        Span<byte> span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(json.Length) + 1);
        int n = Encoding.UTF8.GetBytes(json, span);
        buffer.Advance(n);
        Terminate();
    }

    private void Terminate()
    {
        buffer.GetSpan(1)[0] = 0;
        buffer.Advance(1);
    }

    private Utf8JsonWriter Writer()
    {
        if (writer is null)
            writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
            {
                SkipValidation = true,
                // As JSON.stringify: non-ASCII stays UTF-8; control characters (the
                // frame delimiter \f among them) are still escaped.
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            });
        else
            writer.Reset(buffer);
        return writer;
    }
}
