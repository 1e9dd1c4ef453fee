using System;
using System.Runtime.InteropServices;
using LibIpc.Native;

namespace LibIpc;

/// <summary>
/// An <c>ipc_shm_t *</c>. The generated P/Invoke layer passes it as a
/// SafeHandle, so the runtime AddRefs it for the length of every call: a
/// <see cref="SafeHandle.Dispose()"/> racing a call waits for that call, a
/// call on a disposed handle throws <see cref="ObjectDisposedException"/>
/// before reaching C, and <c>ipc_shm_close</c> runs exactly once, when the
/// last reference (the owner, a call in flight, or a <see cref="Memory{T}"/>
/// view's manager) is released.
/// </summary>
internal sealed class ShmHandle : SafeHandle
{
    /// <summary>Used by the P/Invoke marshaller for <c>ipc_shm_open</c>'s out-parameter.</summary>
    public ShmHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        // The raw-pointer close (the SafeHandle itself is closed by now); the
        // intermediary class returns the code instead of throwing.
        return libipc_nativePINVOKE.shm_close(handle) == 0;
    }
}
