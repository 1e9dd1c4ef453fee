using System;
using System.Buffers;
using System.Threading;

namespace LibIpc;

/// <summary>
/// The owner behind a <see cref="Memory{T}"/> view of a mapping. It holds a
/// reference on the segment's <see cref="ShmHandle"/> from construction until it
/// is collected (its finalizer) or disposed, so the mapping stays valid while any
/// Memory (or a MemoryHandle from <see cref="Memory{T}.Pin"/>) over it is
/// reachable, even after the <see cref="SharedMemory"/> was disposed. The last
/// of the owner and the views to go unmaps.
/// </summary>
/// <remarks>
/// A <see cref="Span{T}"/> taken from the Memory does not keep the manager
/// alive on its own (no Span over native memory can): keep the Memory in a
/// variable for as long as its Span is used, or pin it.
/// </remarks>
internal sealed unsafe class ShmMemoryManager : MemoryManager<byte>
{
    private readonly ShmHandle handle;
    private readonly byte* pointer;
    private readonly int length;
    private int released;

    internal ShmMemoryManager(ShmHandle handle, byte* pointer, int length)
    {
        bool added = false;
        handle.DangerousAddRef(ref added); // throws ObjectDisposedException if already closed
        this.handle = handle;
        this.pointer = pointer;
        this.length = length;
    }

    // CA2015 warns that a finalizer may free memory a Span still uses. Here the
    // finalizer only drops this view's reference: the mapping goes only when the
    // SharedMemory is disposed too, and a Span (from AsSpan, or from a Memory no
    // longer referenced) used after that is outside the documented contract.
    // Without the finalizer a dropped Memory would pin the mapping until exit.
#pragma warning disable CA2015
    ~ShmMemoryManager() => Dispose(false);
#pragma warning restore CA2015

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref released) != 0, this);
        return new Span<byte>(pointer, length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref released) != 0, this);
        if ((uint)elementIndex > (uint)length)
            throw new ArgumentOutOfRangeException(nameof(elementIndex));
        // The MemoryHandle keeps this manager (and so the mapping) reachable.
        return new MemoryHandle(pointer + elementIndex, default, this);
    }

    public override void Unpin() { }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
            handle.DangerousRelease();
    }
}
