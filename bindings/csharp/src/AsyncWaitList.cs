using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace LibIpc;

/// <summary>How a waiter ended.</summary>
internal enum WaitOutcome
{
    Result,
    Canceled,
    TimedOut,
    Failed,
}

/// <summary>
/// One pending asynchronous wait (a <c>WaitAsync</c>, a <c>ReceiveAsync</c>, a
/// batch of <c>ReadAllAsync</c>). See <see cref="AsyncWaitList"/> for the protocol.
/// </summary>
/// <remarks>
/// State: <see cref="Pending"/> (in the list, may be cancelled),
/// <see cref="Claimed"/> (the drain is taking a unit or message for it: it
/// cannot be cancelled now), <see cref="Done"/> (outcome decided, exactly once).
/// A unit or message is taken only for a claimed waiter, and a claimed waiter
/// always receives what was taken, so a cancellation or timeout can never lose
/// one. A cancellation that arrives while the waiter is claimed is noticed by
/// the drain when it gives the claim back (if nothing was there to take).
/// </remarks>
internal abstract class AsyncWaiter : IThreadPoolWorkItem
{
    internal const int Pending = 0, Claimed = 1, Done = 2;

    internal int State;
    internal AsyncWaiter? Prev, Next;
    internal bool InList;
    internal AsyncWaitList Owner = null!;

    private CancellationToken token;
    private CancellationTokenRegistration registration;
    private Timer? timer;
    private volatile bool timedOut;
    private WaitOutcome outcome;
    private Exception? error;

    /// <summary>
    /// The non-blocking attempt, made by the drain with this waiter claimed:
    /// 0 (IPC_OK: the result is kept for <see cref="SetResult"/>) or the C code,
    /// read right after the failing call (IPC_EAGAIN: nothing there).
    /// </summary>
    internal abstract int TryTake();

    protected abstract void SetResult();
    protected abstract void SetCanceled(CancellationToken cancellationToken);
    protected abstract void SetTimedOut();
    protected abstract void SetException(Exception e);

    /// <summary>Cancellation or the timeout asked this waiter to end.</summary>
    internal bool EndRequested => timedOut || token.IsCancellationRequested;

    /// <summary>Hooks up cancellation and the timeout (before the waiter is listed).</summary>
    internal void Start(AsyncWaitList owner, long timeoutMs, CancellationToken cancellationToken)
    {
        Owner = owner;
        token = cancellationToken;
        if (cancellationToken.CanBeCanceled)
            registration = cancellationToken.UnsafeRegister(static s => ((AsyncWaiter)s!).TryFinish(WaitOutcome.Canceled, null), this);
        // Timer's limit is 2^32-2 ms (49.7 days); a longer timeout waits without one.
        if (timeoutMs > 0 && timeoutMs <= 0xFFFFFFFEL)
            timer = new Timer(static s => ((AsyncWaiter)s!).OnTimeout(), this, timeoutMs, Timeout.Infinite);
    }

    private void OnTimeout()
    {
        timedOut = true; // before the attempt: a drain holding the claim sees it when it lets go
        TryFinish(WaitOutcome.TimedOut, null);
    }

    /// <summary>Ends a pending waiter with <paramref name="how"/>; false if it was
    /// claimed or already done. The task is completed on the thread pool.</summary>
    internal bool TryFinish(WaitOutcome how, Exception? e)
    {
        if (Interlocked.CompareExchange(ref State, Done, Pending) != Pending)
            return false;
        outcome = how;
        error = e;
        Owner.Remove(this);
        ReleaseHooks();
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    /// <summary>After the drain let go of the claim: ends the waiter if it was
    /// cancelled or timed out meanwhile.</summary>
    internal void FinishIfEndRequested()
    {
        if (token.IsCancellationRequested)
            TryFinish(WaitOutcome.Canceled, null);
        else if (timedOut)
            TryFinish(WaitOutcome.TimedOut, null);
    }

    /// <summary>Claimed and served: the outcome is the result. The caller publishes.</summary>
    internal void Served()
    {
        outcome = WaitOutcome.Result;
        Volatile.Write(ref State, Done);
        Owner.Remove(this);
        ReleaseHooks();
    }

    private void ReleaseHooks()
    {
        registration.Unregister(); // never waits (Dispose would, from inside the callback)
        timer?.Dispose();
    }

    /// <summary>Completes the task on this thread (its continuations run here).</summary>
    internal void Publish()
    {
        switch (outcome)
        {
            case WaitOutcome.Result: SetResult(); break;
            case WaitOutcome.Canceled: SetCanceled(token); break;
            case WaitOutcome.TimedOut: SetTimedOut(); break;
            default: SetException(error!); break;
        }
    }

    /// <summary>Completes the task on a thread-pool thread.</summary>
    internal void PublishLater() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute() => Publish();
}

/// <summary>A waiter whose task yields a <typeparamref name="T"/>.</summary>
internal abstract class AsyncWaiter<T> : AsyncWaiter
{
    // Continuations run synchronously on the thread that publishes; the list
    // publishes from thread-pool work items only (never from the libipc
    // thread, a canceller's Cancel() or a Dispose), so that is always safe.
    private readonly TaskCompletionSource<T> tcs = new();

    /// <summary>The result <see cref="AsyncWaiter.TryTake"/> took.</summary>
    protected T Value = default!;

    internal Task<T> Task => tcs.Task;

    protected override void SetResult() => tcs.TrySetResult(Value);
    protected override void SetCanceled(CancellationToken cancellationToken) => tcs.TrySetCanceled(cancellationToken);
    protected override void SetException(Exception e) => tcs.TrySetException(e);
    protected void SetResult(T value) => tcs.TrySetResult(value);
}

/// <summary>
/// The asynchronous waiters of one semaphore or queue handle, served without a
/// thread per wait, from the C ABI's readiness notification.
/// </summary>
/// <remarks>
/// <para><b>Notify.</b> On first use the list registers an
/// <c>[UnmanagedCallersOnly]</c> function with <c>ipc_*_notify</c>, with a
/// GCHandle to itself as user_data. libipc calls it on its own thread when the
/// semaphore has a unit or the queue a message, then stays quiet until
/// <c>ipc_*_notify_arm</c>. The callback only schedules the drain (a CAS and a
/// thread-pool work item, no lock, no libipc call) and returns.</para>
/// <para><b>Drain</b> (one at a time per list, on the thread pool): claim the
/// first pending waiter, take for it with a non-blocking call
/// (<c>ipc_sem_try_wait</c>, <c>ipc_mq_receive</c> or <c>_receive_many</c>
/// with IPC_NOWAIT), and repeat; when nothing is left to take, give the claim
/// back and arm (arming re-checks, so what came meanwhile signals again at
/// once). With no waiter left it does not arm: the next waiter does. Waiters are
/// served in FIFO order. A signal that arrives while the drain runs makes it run
/// once more.</para>
/// <para><b>Completions</b> run on the thread pool: the last waiter a drain
/// served is completed on the drain's own thread once the drain is over (so a
/// hand-off costs one thread hop from the libipc thread), the others, and
/// every cancellation, timeout and close, as separate work items. No lock is
/// held while user code runs.</para>
/// <para><b>Lifetime.</b> The GCHandle's target is this list only while
/// waiters are pending (so a pending wait keeps its semaphore or queue alive,
/// and an idle one can still be collected and finalized); a callback that
/// finds no target does nothing. The GCHandle belongs to the SafeHandle, which
/// frees it in ReleaseHandle, after the C handle is closed and no call is in
/// flight (see <see cref="IpcObjectHandle"/>). After <see cref="Close"/> the
/// list never touches it again.</para>
/// </remarks>
internal abstract unsafe class AsyncWaitList : IThreadPoolWorkItem
{
    private readonly object gate = new();
    private AsyncWaiter? head, tail;
    private int count;
    private CoalescedPasses drains;
    private bool registered, closed;
    private GCHandle self;

    /// <summary>The handle whose readiness this list follows.</summary>
    protected abstract IpcObjectHandle Handle { get; }

    /// <summary><c>ipc_*_notify(handle, fn, userData)</c>: the code.</summary>
    protected abstract int NativeNotify(IntPtr fn, IntPtr userData);

    /// <summary><c>ipc_*_notify_arm(handle)</c>: the code.</summary>
    protected abstract int NativeArm();

    /// <summary>The exception for a waiter whose handle was closed.</summary>
    internal abstract Exception ClosedError();

    /// <summary>True while asynchronous waiters are pending (new arrivals then
    /// queue behind them instead of taking directly: FIFO).</summary>
    internal bool HasWaiters => Volatile.Read(ref count) != 0;

    /// <summary>Lists <paramref name="w"/> and arms; returns its task.</summary>
    internal Task<T> Enqueue<T>(AsyncWaiter<T> w, long timeoutMs, CancellationToken cancellationToken)
    {
        w.Start(this, timeoutMs, cancellationToken);
        lock (gate)
        {
            if (w.State != AsyncWaiter.Pending)
                return w.Task; // cancelled already
            if (closed)
            {
                w.TryFinish(WaitOutcome.Failed, ClosedError());
                return w.Task;
            }
            try
            {
                EnsureRegistered();
            }
            catch (Exception e)
            {
                w.TryFinish(WaitOutcome.Failed, e);
                return w.Task;
            }
            w.InList = true;
            w.Prev = tail;
            w.Next = null;
            if (tail is null)
                head = w;
            else
                tail.Next = w;
            tail = w;
            if (count++ == 0)
                self.Target = this;
        }
        Arm();
        return w.Task;
    }

    private void EnsureRegistered()
    {
        if (registered)
            return;
        if (!self.IsAllocated)
        {
            self = GCHandle.Alloc(this, GCHandleType.Normal);
            Handle.SetNotifyCookie(self); // the handle frees it, after close
        }
        delegate* unmanaged[Cdecl]<IntPtr, void> fn = &OnNotify;
        int rc = NativeNotify((IntPtr)fn, GCHandle.ToIntPtr(self));
        if (rc != 0)
            throw IpcException.FromLastError(rc);
        registered = true;
    }

    internal void Remove(AsyncWaiter w)
    {
        lock (gate)
        {
            if (!w.InList)
                return;
            w.InList = false;
            if (w.Prev is null)
                head = w.Next;
            else
                w.Prev.Next = w.Next;
            if (w.Next is null)
                tail = w.Prev;
            else
                w.Next.Prev = w.Prev;
            w.Prev = w.Next = null;
            if (--count == 0 && !closed)
                self.Target = null;
        }
    }

    private void Arm()
    {
        try
        {
            NativeArm(); // fails only once the handle is closed, and Close() ends the waiters
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// The owner is being disposed: every pending waiter fails with
    /// <see cref="ClosedError"/> (a claimed one gets what the drain took, or
    /// the same error). Call before closing the C handle.
    /// </summary>
    internal void Close()
    {
        AsyncWaiter? w;
        lock (gate)
        {
            if (closed)
                return;
            closed = true;
            if (self.IsAllocated)
                self.Target = null;
            w = head;
            head = tail = null;
            count = 0;
            for (AsyncWaiter? x = w; x is not null; x = x.Next)
                x.InList = false;
        }
        while (w is not null)
        {
            AsyncWaiter? next = w.Next;
            w.Prev = w.Next = null;
            w.TryFinish(WaitOutcome.Failed, ClosedError());
            w = next;
        }
    }

    // ---- The libipc thread ------------------------------------------------

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static void OnNotify(IntPtr userData)
    {
        try
        {
            if (GCHandle.FromIntPtr(userData).Target is AsyncWaitList list)
                list.Signal();
        }
        catch (Exception)
        {
            // Nothing may unwind into C; there is nothing to report it to.
        }
    }

    /// <summary>Schedules a drain, or makes the running one run again. Lock-free.</summary>
    private void Signal()
    {
        if (drains.Request())
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    // ---- The drain (thread pool) -----------------------------------------

    void IThreadPoolWorkItem.Execute()
    {
        AsyncWaiter? last = null;
        do
        {
            drains.BeginPass();
            DrainOnce(ref last);
        } while (!drains.TryEnd());
        last?.Publish(); // the drain is over: its thread may run the continuation
    }

    private void DrainOnce(ref AsyncWaiter? last)
    {
        for (;;)
        {
            AsyncWaiter? w;
            lock (gate)
            {
                if (closed)
                    return;
                w = head;
                while (w is not null && Interlocked.CompareExchange(ref w.State, AsyncWaiter.Claimed, AsyncWaiter.Pending) != AsyncWaiter.Pending)
                    w = w.Next;
                if (w is null)
                    return; // nobody waits: the next waiter arms
            }
            int rc;
            Exception? failure = null;
            try
            {
                rc = w.TryTake();
                if (rc != 0 && rc != (int)IpcErrorCode.EAGAIN)
                    failure = IpcException.FromLastError(rc); // same thread, before any other libipc call
            }
            catch (ObjectDisposedException)
            {
                rc = (int)IpcErrorCode.EBADHANDLE;
            }
            catch (Exception e)
            {
                rc = (int)IpcErrorCode.EINTERNAL;
                failure = e;
            }
            if (rc == 0)
            {
                w.Served();
                last?.PublishLater();
                last = w;
                continue;
            }
            Volatile.Write(ref w.State, AsyncWaiter.Pending); // give the claim back...
            bool isClosed;
            lock (gate)
                isClosed = closed;
            if (isClosed || rc == (int)IpcErrorCode.EBADHANDLE || rc == (int)IpcErrorCode.ECLOSED)
            {
                w.TryFinish(WaitOutcome.Failed, ClosedError()); // Close() may have unlisted it while claimed
                FailAll(null);
                return;
            }
            w.FinishIfEndRequested(); // ...and honour a cancel or timeout that came meanwhile
            if (rc == (int)IpcErrorCode.EAGAIN)
            {
                Arm();
                return;
            }
            w.TryFinish(WaitOutcome.Failed, failure);
            FailAll(failure);
            return;
        }
    }

    /// <summary>A failure that is not about one waiter (a corrupt queue, a
    /// handle closed under the list): every pending waiter gets it.</summary>
    private void FailAll(Exception? e)
    {
        AsyncWaiter? w;
        lock (gate)
        {
            w = head;
            head = tail = null;
            count = 0;
            if (!closed && self.IsAllocated)
                self.Target = null;
            for (AsyncWaiter? x = w; x is not null; x = x.Next)
                x.InList = false;
        }
        while (w is not null)
        {
            AsyncWaiter? next = w.Next;
            w.Prev = w.Next = null;
            w.TryFinish(WaitOutcome.Failed, e ?? ClosedError());
            w = next;
        }
    }
}
