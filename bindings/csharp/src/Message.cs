using System;

namespace LibIpc;

/// <summary>
/// One message received from a <see cref="MessageQueue"/>: its bytes and its
/// priority (0..31, higher first).
/// </summary>
/// <remarks>
/// <see cref="Data"/> is this process's own copy, read-only and never reused
/// by the queue: keep it as long as you like. Messages of one batch
/// (<see cref="MessageQueue.ReceiveMany"/>, <see cref="MessageQueue.ReadAllAsync(System.Threading.CancellationToken)"/>)
/// share one array, each its own slice of it.
/// </remarks>
public readonly struct Message
{
    /// <summary>A message of <paramref name="data"/> at <paramref name="priority"/>.</summary>
    public Message(ReadOnlyMemory<byte> data, int priority)
    {
        Data = data;
        Priority = priority;
    }

    /// <summary>The bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The bytes, as a span.</summary>
    public ReadOnlySpan<byte> Span => Data.Span;

    /// <summary>The priority it was sent with (0..31).</summary>
    public int Priority { get; }

    /// <summary>The length in bytes.</summary>
    public int Length => Data.Length;

    /// <summary>A new array with a copy of the bytes.</summary>
    public byte[] ToArray() => Data.ToArray();

    /// <summary>For <c>var (data, priority) = message;</c>.</summary>
    public void Deconstruct(out ReadOnlyMemory<byte> data, out int priority)
    {
        data = Data;
        priority = Priority;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Message({Length} bytes, priority {Priority})";
}
