using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using LibIpc.Native;

namespace LibIpc;

/// <summary>
/// Takes a socket endpoint's events from libipc and hands them to the
/// endpoint, one at a time and in order, on a thread-pool thread — the
/// "dispatcher" the handlers run on. Driven by <c>ipc_sock_notify</c>: no
/// thread waits for events.
/// </summary>
/// <remarks>
/// <para><b>Notify.</b> On first demand it registers an
/// <c>[UnmanagedCallersOnly]</c> function with <c>ipc_sock_notify</c>, with a
/// GCHandle to itself as user_data (the handle, <see cref="SockHandle"/>,
/// frees it once the C handle is closed and no call is in flight). libipc calls
/// it on its watcher thread when an event is queued, then stays quiet until
/// <c>ipc_sock_notify_arm</c>. The callback only schedules a pump (a CAS and a
/// thread-pool work item) and returns.</para>
/// <para><b>Pump</b> (one at a time per endpoint, on the thread pool): while
/// the endpoint has demand and room, take a batch with <c>ipc_sock_next_many</c>
/// (IPC_NOWAIT), deliver each event, repeat; when libipc has nothing, arm
/// (arming re-checks, so what came meanwhile signals again at once). Without
/// demand, or with the endpoint's inbox full, it stops without arming and the
/// endpoint signals it when that changes; the events wait in libipc's queue,
/// whose limit (maxEventQueue) stops the reading, so backpressure reaches the
/// senders.</para>
/// <para><b>Lifetime.</b> The GCHandle keeps the dispatcher, and so its
/// endpoint, alive from the first demand until the endpoint is disposed: an
/// endpoint with handlers keeps running with no other reference to it, as a
/// listening socket does.</para>
/// </remarks>
internal sealed unsafe class SocketDispatcher : IThreadPoolWorkItem
{
    private const int MaxBatch = 256;
    private const int InitialBuffer = 64 << 10;

    [ThreadStatic] private static SocketDispatcher? current;

    private readonly SocketEndpoint owner;
    private readonly SocketPacked packed = new();
    private readonly object gate = new();
    private byte[] buffer = Array.Empty<byte>();
    private CoalescedPasses pumps;
    private bool registered, closed, ended;
    private GCHandle self;
    private TaskCompletionSource? idle;

    internal SocketDispatcher(SocketEndpoint owner) => this.owner = owner;

    /// <summary>True on the dispatcher's own thread while it delivers events.</summary>
    internal bool IsCurrentThread => current == this;

    /// <summary>Demand or room changed: make sure a pump runs (registering
    /// with libipc the first time). Cheap; any thread.</summary>
    internal void Signal()
    {
        if (!Volatile.Read(ref registered))
        {
            lock (gate)
            {
                if (closed)
                    return;
                if (!registered)
                {
                    try
                    {
                        Register();
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                    Volatile.Write(ref registered, true);
                }
            }
        }
        Schedule();
    }

    private void Register()
    {
        if (!self.IsAllocated)
        {
            self = GCHandle.Alloc(this, GCHandleType.Normal);
            owner.Handle.SetNotifyCookie(self); // the handle frees it, after close
        }
        delegate* unmanaged[Cdecl]<IntPtr, void> fn = &OnNotify;
        int rc = libipc_nativePINVOKE.sock_notify(owner.Handle, (IntPtr)fn, GCHandle.ToIntPtr(self));
        if (rc != 0)
            throw IpcException.FromLastError(rc);
    }

    /// <summary>The endpoint is being disposed: no pump starts after this, and
    /// the GCHandle no longer roots it (it is freed with the C handle).</summary>
    internal void Close()
    {
        lock (gate)
        {
            if (closed)
                return;
            closed = true;
            if (self.IsAllocated)
                self.Target = null;
            if (pumps.IsIdle)
                idle?.TrySetResult();
        }
    }

    /// <summary>Completes once no pump is running (after <see cref="Close"/>):
    /// the handler that was running, if any, has returned.</summary>
    internal Task WhenIdleAsync()
    {
        lock (gate)
        {
            if (pumps.IsIdle)
                return Task.CompletedTask;
            idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return idle.Task;
        }
    }

    // ---- The libipc thread ------------------------------------------------

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static void OnNotify(IntPtr userData)
    {
        try
        {
            if (GCHandle.FromIntPtr(userData).Target is SocketDispatcher d)
                d.Schedule();
        }
        catch (Exception)
        {
            // Nothing may unwind into C; there is nothing to report it to.
        }
    }

    /// <summary>Schedules a pump, or makes the running one run again. Lock-free.</summary>
    private void Schedule()
    {
        if (pumps.Request())
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    // ---- The pump (thread pool) ---------------------------------------------

    void IThreadPoolWorkItem.Execute()
    {
        current = this;
        try
        {
            do
            {
                pumps.BeginPass();
                PumpOnce();
            } while (!pumps.TryEnd());
        }
        finally
        {
            current = null;
        }
        lock (gate)
        {
            if (closed && pumps.IsIdle)
                idle?.TrySetResult();
        }
    }

    private void PumpOnce()
    {
        while (TakeBatch() == Took.Some)
        {
        }
    }

    private enum Took { Some, Empty, Stop }

    /// <summary>
    /// One batch from libipc, delivered. Empty: libipc has none, and it was
    /// armed (unless <paramref name="arm"/> is false: a spinning reader, whose
    /// release runs a real pump if a signal came meanwhile).
    /// </summary>
    private Took TakeBatch(bool arm = true)
    {
        if (ended || Volatile.Read(ref closed) || !owner.WantsEvents)
            return Took.Stop; // whoever adds demand or room signals again
        int rc;
        nuint count = 0, used = 0;
        if (buffer.Length == 0)
            buffer = new byte[InitialBuffer];
        try
        {
            fixed (byte* p = buffer)
                rc = libipc_nativePINVOKE.sock_next_many(owner.Handle, (IntPtr)p, (nuint)buffer.Length, MaxBatch,
                                                        out count, out used, 0);
        }
        catch (ObjectDisposedException)
        {
            return Took.Stop; // disposed under us
        }
        if (rc == (int)IpcErrorCode.EAGAIN)
        {
            if (arm)
                Arm();
            return Took.Empty;
        }
        if (rc == (int)IpcErrorCode.EMSGSIZE)
        {
            // One event larger than the buffer: grow to what it needs (it stays queued).
            buffer = new byte[checked((int)Math.Max(used, (nuint)buffer.Length * 2))];
            return Took.Some;
        }
        if (rc == (int)IpcErrorCode.ECLOSED || rc == (int)IpcErrorCode.EBADHANDLE)
        {
            ended = true; // a client whose destroy was taken, or closed
            owner.OnEventsEnded(null);
            return Took.Stop;
        }
        if (rc != 0)
        {
            ended = true;
            owner.OnEventsEnded(IpcException.FromLastError(rc));
            return Took.Stop;
        }
        SocketEvent[] events;
        try
        {
            events = packed.Unpack(buffer.AsSpan(0, (int)used), (int)count);
        }
        catch (IpcException e)
        {
            ended = true;
            owner.OnEventsEnded(e);
            return Took.Stop;
        }
        // A buffer grown for one huge event is not kept for the small ones.
        if (buffer.Length > 4 * InitialBuffer && (int)used <= InitialBuffer)
            buffer = Array.Empty<byte>();
        foreach (SocketEvent ev in events)
            owner.Deliver(ev); // handlers run here; an exception they throw is the process's
        return Took.Some;
    }

    /// <summary>
    /// For a reader spinning before it goes pending (only when no handler can
    /// run, so nothing but the inbox is touched on the reader's thread): takes
    /// one batch now if no pump runs. If libipc signalled meanwhile, a real
    /// pump follows (it arms again); otherwise the arm of the last pump stands.
    /// </summary>
    internal void TryTakeInline()
    {
        if (!pumps.TryClaim())
            return; // a pump runs: it fills the inbox
        current = this;
        try
        {
            TakeBatch(arm: false);
        }
        finally
        {
            current = null;
            if (!pumps.TryEnd())
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
            else
            {
                lock (gate)
                {
                    if (closed)
                        idle?.TrySetResult();
                }
            }
        }
    }

    private void Arm()
    {
        try
        {
            libipc_nativePINVOKE.sock_notify_arm(owner.Handle); // fails only once closed
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
