using System;
using System.Runtime.InteropServices;
using System.Threading;
using LibIpc.Native;

namespace LibIpc;

/// <summary>
/// An <c>ipc_sem_t *</c> or <c>ipc_mq_t *</c>. Passed to the generated
/// P/Invoke layer as a SafeHandle, like <see cref="ShmHandle"/>: the runtime
/// AddRefs it for the length of every call, and a call on a released handle
/// throws <see cref="ObjectDisposedException"/> before reaching C.
/// </summary>
/// <remarks>
/// <para>Closing differs from a segment's. The C handle is an id looked up in a
/// table on every call, never a pointer that is dereferenced, so it may be
/// closed while calls on it are in flight: they finish, or return
/// <c>IPC_ECLOSED</c> if they were blocked in a wait. <see cref="CloseNow"/>
/// does that (the owner's Dispose uses it to wake its waiters); a call that
/// starts later gets <c>IPC_EBADHANDLE</c>, which the owner reports as
/// <see cref="ObjectDisposedException"/>. <see cref="ReleaseHandle"/> closes
/// only if that has not happened yet.</para>
/// <para>The notify cookie: the GCHandle given to <c>ipc_*_notify</c> as its
/// user_data. It is freed in <see cref="ReleaseHandle"/>, which runs once the
/// C handle is closed and no call on it is in flight; the C object, and with
/// it the libipc thread that calls back, is gone by then (the last reference
/// to it is dropped inside the last C call, which joins that thread).</para>
/// </remarks>
internal abstract class IpcObjectHandle : SafeHandle
{
    private int closed;
    private IntPtr notifyCookie;

    protected IpcObjectHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The raw close (<c>ipc_sem_close</c>/<c>ipc_mq_close</c>): returns the code.</summary>
    protected abstract int CloseRaw(IntPtr h);

    /// <summary>Closes the C handle now, once, whatever calls are in flight.</summary>
    internal void CloseNow()
    {
        if (Interlocked.Exchange(ref closed, 1) == 0 && handle != IntPtr.Zero)
            CloseRaw(handle);
    }

    /// <summary>Set once, before the first <c>ipc_*_notify</c>; freed by <see cref="ReleaseHandle"/>.</summary>
    internal void SetNotifyCookie(GCHandle cookie) =>
        Interlocked.Exchange(ref notifyCookie, GCHandle.ToIntPtr(cookie));

    protected override bool ReleaseHandle()
    {
        CloseNow();
        IntPtr cookie = Interlocked.Exchange(ref notifyCookie, IntPtr.Zero);
        if (cookie != IntPtr.Zero)
            GCHandle.FromIntPtr(cookie).Free();
        return true;
    }
}

/// <summary>An <c>ipc_sem_t *</c> (see <see cref="IpcObjectHandle"/>).</summary>
internal sealed class SemHandle : IpcObjectHandle
{
    /// <summary>Used by the P/Invoke marshaller for <c>ipc_sem_open</c>'s out-parameter.</summary>
    public SemHandle() { }

    protected override int CloseRaw(IntPtr h) => libipc_nativePINVOKE.sem_close(h);
}

/// <summary>An <c>ipc_mq_t *</c> (see <see cref="IpcObjectHandle"/>).</summary>
internal sealed class MqHandle : IpcObjectHandle
{
    /// <summary>Used by the P/Invoke marshaller for <c>ipc_mq_open</c>'s out-parameter.</summary>
    public MqHandle() { }

    protected override int CloseRaw(IntPtr h) => libipc_nativePINVOKE.mq_close(h);
}

/// <summary>An <c>ipc_sock_t *</c> (see <see cref="IpcObjectHandle"/>).</summary>
internal sealed class SockHandle : IpcObjectHandle
{
    /// <summary>Used by the P/Invoke marshaller for the out-parameter of
    /// <c>ipc_sock_listen</c>/<c>ipc_sock_connect</c>.</summary>
    public SockHandle() { }

    protected override int CloseRaw(IntPtr h) => libipc_nativePINVOKE.sock_close(h);
}
