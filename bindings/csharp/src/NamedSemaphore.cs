using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using LibIpc.Native;

namespace LibIpc;

/// <summary>
/// A named counting semaphore shared by processes in any language (<c>ipc_sem_*</c>).
/// (Not called <c>Semaphore</c>, which would clash with
/// <see cref="System.Threading.Semaphore"/>.)
/// </summary>
/// <remarks>
/// <para>Waits follow <see cref="SemaphoreSlim"/>: <see cref="Wait()"/> waits for
/// as long as it takes; <see cref="Wait(TimeSpan)"/>, <see cref="TryWait"/> and
/// <see cref="WaitAsync(TimeSpan?, CancellationToken)"/> return false when no
/// unit came in time. Only failures throw.</para>
/// <para><see cref="WaitAsync(CancellationToken)"/> takes no thread while it
/// waits: it is woken by libipc's readiness notification and takes the unit
/// with a non-blocking call. Asynchronous waiters of one object are served
/// first come, first served. A cancelled or timed-out asynchronous wait never
/// consumes a unit.</para>
/// <para>Lifetime: kernel persistence. <see cref="Dispose"/> closes this handle
/// and never removes the semaphore (<see cref="Remove"/> does). A Dispose while
/// other threads or tasks wait on this object makes those waits throw
/// <see cref="IpcClosedException"/> (ECLOSED); calls made after it throw
/// <see cref="ObjectDisposedException"/>.</para>
/// <para>Thread safety: every member may be called from any thread, including
/// <see cref="Dispose"/>.</para>
/// </remarks>
public sealed class NamedSemaphore : IDisposable
{
    /// <summary>The largest value a semaphore can hold (<c>IPC_SEM_VALUE_MAX</c>, 2^31-1).</summary>
    public const int MaxValue = 0x7FFFFFFF;

    /// <summary>Longest name in bytes (UTF-8), <c>IPC_OBJ_NAME_MAX</c>.</summary>
    public const int NameMax = 240;

    private static readonly Task<bool> True = Task.FromResult(true), False = Task.FromResult(false);

    private readonly SemHandle handle;
    private SemWaitList? waiters;
    private int disposed;
    private uint spinNs = Args.DefaultSpinNs;

    /// <summary>The name given to the open.</summary>
    public string Name { get; }

    /// <summary>True once <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => Volatile.Read(ref disposed) != 0;

    internal SemHandle NativeHandle
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return handle;
        }
    }

    /// <summary>Opens or creates a semaphore (<c>ipc_sem_open</c>).</summary>
    /// <param name="name">1..240 bytes of UTF-8, no '/'. Semaphores, queues and
    /// segments have separate namespaces.</param>
    /// <param name="mode">Create, open, or either.</param>
    /// <param name="initialCount">The value of a semaphore this call creates
    /// (0..<see cref="MaxValue"/>); ignored when it opens one.</param>
    /// <param name="permissions">Permission bits of a semaphore this call
    /// creates; 0 means owner read/write (0600). The umask is not applied.</param>
    /// <exception cref="IpcNotFoundException">OpenOnly and there is no such semaphore.</exception>
    /// <exception cref="IpcAlreadyExistsException">CreateOnly and it exists.</exception>
    /// <exception cref="IpcAccessDeniedException">Its permissions forbid this open.</exception>
    /// <exception cref="IpcArgumentException">A bad name (EBADNAME, ENAMETOOLONG), mode or permissions (EINVAL).</exception>
    /// <exception cref="IpcWouldBlockException">Another process was still creating it after 2 s (EAGAIN).</exception>
    /// <exception cref="IpcException">ECORRUPT: the name holds something that is not a libipc semaphore.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative <paramref name="initialCount"/>.</exception>
    public NamedSemaphore(string name, OpenMode mode, int initialCount = 0, UnixFileMode permissions = 0)
    {
        Args.CheckObjectName(name);
        ArgumentOutOfRangeException.ThrowIfNegative(initialCount);
        int rc = libipc_nativePINVOKE.sem_open(name, (int)mode, (uint)initialCount, (uint)permissions, out SemHandle h);
        if (rc != 0)
        {
            IpcException error = IpcException.FromLastError(rc); // before any other libipc call
            h.Dispose();
            throw error;
        }
        handle = h;
        Name = name;
    }

    /// <summary>Creates a new semaphore with <paramref name="initialCount"/> units (create-only).</summary>
    public static NamedSemaphore Create(string name, int initialCount = 0, UnixFileMode permissions = 0)
        => new(name, OpenMode.CreateOnly, initialCount, permissions);

    /// <summary>Opens an existing semaphore (open-only).</summary>
    public static NamedSemaphore Open(string name) => new(name, OpenMode.OpenOnly);

    /// <summary>Opens the semaphore if it exists, else creates it with <paramref name="initialCount"/> units.</summary>
    public static NamedSemaphore OpenOrCreate(string name, int initialCount = 0, UnixFileMode permissions = 0)
        => new(name, OpenMode.OpenOrCreate, initialCount, permissions);

    /// <summary>
    /// Removes the name (<c>ipc_sem_remove</c>). Handles already open keep
    /// working with the removed semaphore; new opens get
    /// <see cref="IpcNotFoundException"/> (or create a fresh one).
    /// </summary>
    /// <exception cref="IpcNotFoundException">There is no such semaphore.</exception>
    public static void Remove(string name)
    {
        Args.CheckObjectName(name);
        libipc_native.sem_remove(name);
    }

    /// <summary>Removes the name if it exists; false if there was none.</summary>
    public static bool TryRemove(string name)
    {
        Args.CheckObjectName(name);
        int rc = libipc_nativePINVOKE.sem_remove(name);
        if (rc == (int)IpcErrorCode.ENOENT)
            return false;
        IpcException.Check(rc);
        return true;
    }

    /// <summary>True if a semaphore of that name exists (<c>ipc_sem_exists</c>).</summary>
    public static bool Exists(string name)
    {
        Args.CheckObjectName(name);
        libipc_native.sem_exists(name, out int exists);
        return exists != 0;
    }

    /// <summary>The current value (a snapshot: other processes may change it at once).</summary>
    public int Value
    {
        get
        {
            int rc = libipc_nativePINVOKE.sem_value(NativeHandle, out uint value);
            if (rc != 0)
                throw Error(rc);
            return (int)value;
        }
    }

    /// <summary>Adds one unit, waking a waiter (<c>ipc_sem_post</c>).</summary>
    /// <exception cref="IpcOutOfRangeException">The value is already <see cref="MaxValue"/> (ERANGE).</exception>
    public void Post()
    {
        int rc = libipc_nativePINVOKE.sem_post(NativeHandle);
        if (rc != 0)
            throw Error(rc);
    }

    /// <summary>Adds <paramref name="releaseCount"/> units, one post each; an
    /// <see cref="IpcOutOfRangeException"/> stops at <see cref="MaxValue"/> with
    /// the earlier ones done.</summary>
    public void Post(int releaseCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(releaseCount);
        for (int i = 0; i < releaseCount; ++i)
            Post();
    }

    /// <summary>Takes one unit, waiting for as long as it takes.</summary>
    /// <exception cref="IpcClosedException">This object was disposed meanwhile (ECLOSED).</exception>
    public void Wait() => WaitCore(Args.Infinite);

    /// <summary>Takes one unit, waiting at most <paramref name="timeout"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: no limit; zero: no wait).</summary>
    /// <returns>False if no unit came in time.</returns>
    /// <exception cref="IpcClosedException">This object was disposed meanwhile (ECLOSED).</exception>
    public bool Wait(TimeSpan timeout) => WaitCore(Args.TimeoutMs(timeout));

    /// <summary>Takes one unit, waiting at most <paramref name="millisecondsTimeout"/> ms (-1: no limit).</summary>
    /// <returns>False if no unit came in time.</returns>
    public bool Wait(int millisecondsTimeout) => WaitCore(Args.TimeoutMs(millisecondsTimeout));

    /// <summary>Takes one unit if there is one now (<c>ipc_sem_try_wait</c>); never waits.</summary>
    public bool TryWait() => WaitCore(Args.NoWait);

    private bool WaitCore(long timeoutMs)
    {
        int rc = timeoutMs == 0 ? TryWaitNow() : libipc_nativePINVOKE.sem_wait(NativeHandle, timeoutMs);
        if (rc == 0)
            return true;
        if (rc == (int)IpcErrorCode.EAGAIN || rc == (int)IpcErrorCode.ETIMEDOUT)
            return false;
        throw Error(rc);
    }

    /// <summary>
    /// Takes one unit asynchronously, without holding a thread while it waits.
    /// </summary>
    /// <exception cref="OperationCanceledException">(In the task.) Cancelled; no unit was taken.</exception>
    /// <exception cref="IpcClosedException">(In the task.) This object was disposed meanwhile.</exception>
    public Task WaitAsync(CancellationToken cancellationToken = default) => WaitAsyncCore(Args.Infinite, cancellationToken);

    /// <summary>
    /// Takes one unit asynchronously, waiting at most <paramref name="timeout"/>
    /// (null or <see cref="Timeout.InfiniteTimeSpan"/>: no limit; zero: no wait).
    /// The task's result is false if no unit came in time.
    /// </summary>
    /// <exception cref="OperationCanceledException">(In the task.) Cancelled; no unit was taken.</exception>
    /// <exception cref="IpcClosedException">(In the task.) This object was disposed meanwhile.</exception>
    public Task<bool> WaitAsync(TimeSpan? timeout, CancellationToken cancellationToken = default)
        => WaitAsyncCore(Args.TimeoutMs(timeout), cancellationToken);

    /// <summary>As <see cref="WaitAsync(TimeSpan?, CancellationToken)"/>, in milliseconds (-1: no limit).</summary>
    public Task<bool> WaitAsync(int millisecondsTimeout, CancellationToken cancellationToken = default)
        => WaitAsyncCore(Args.TimeoutMs(millisecondsTimeout), cancellationToken);

    private Task<bool> WaitAsyncCore(long timeoutMs, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (cancellationToken.IsCancellationRequested)
            return Task.FromCanceled<bool>(cancellationToken);
        SemWaitList list = Waiters;
        if (!list.HasWaiters) // nobody queued before us: take it now if it is there
        {
            int rc = TryWaitNow();
            if (rc == 0)
                return True;
            if (rc != (int)IpcErrorCode.EAGAIN)
                return Task.FromException<bool>(Error(rc));
            if (timeoutMs != 0)
            {
                // The spin before going pending (see SetSpin); rc is the last try's.
                var st = new SpinState(this);
                if (Args.Spin(Volatile.Read(ref spinNs), st, static x => x.Attempt(), static x => x.Sem.Waiters.HasWaiters))
                    return st.Rc == 0 ? True : Task.FromException<bool>(Error(st.Rc));
            }
        }
        if (timeoutMs == 0)
            return False;
        return list.Enqueue(new SemWaiter(this), timeoutMs, cancellationToken);
    }

    private SemWaitList Waiters
    {
        get
        {
            SemWaitList? w = Volatile.Read(ref waiters);
            if (w is not null)
                return w;
            Interlocked.CompareExchange(ref waiters, new SemWaitList(this), null);
            return waiters!;
        }
    }

    /// <summary>
    /// How long a wait spins before it sleeps (default 20 µs; zero: never): a
    /// blocking <see cref="Wait()"/> in libipc, and a <see cref="WaitAsync(CancellationToken)"/>
    /// here before it goes pending (polling the value, yielding the CPU). A unit
    /// posted within that time is taken without a thread hand-off; an idle wait
    /// uses no CPU after it.
    /// </summary>
    public void SetSpin(TimeSpan spin)
    {
        uint ns = Args.SpinNs(spin);
        int rc = libipc_nativePINVOKE.sem_set_spin(NativeHandle, ns);
        if (rc != 0)
            throw Error(rc);
        Volatile.Write(ref spinNs, ns);
    }

    private sealed class SpinState
    {
        public readonly NamedSemaphore Sem;
        public int Rc;

        public SpinState(NamedSemaphore sem) => Sem = sem;

        public bool Attempt()
        {
            Rc = Sem.TryWaitNow();
            return Rc != (int)IpcErrorCode.EAGAIN;
        }
    }

    /// <summary>
    /// A non-blocking take: 0, IPC_EAGAIN (no detail set), or another code
    /// (detail pending). A value of 0 (a lock-free read) answers without
    /// <c>ipc_sem_try_wait</c>, whose "would block" costs ~1.7 µs (a C++
    /// exception inside libipc) against ~50 ns for the value.
    /// </summary>
    private int TryWaitNow()
    {
        SemHandle h = NativeHandle;
        int rc = libipc_nativePINVOKE.sem_value(h, out uint v);
        if (rc == 0 && v == 0)
            return (int)IpcErrorCode.EAGAIN;
        return libipc_nativePINVOKE.sem_try_wait(h);
    }

    /// <summary>
    /// Closes this handle (never removes the semaphore). Waits blocked on this
    /// object in other threads, and pending <see cref="WaitAsync(CancellationToken)"/>
    /// tasks, end with <see cref="IpcClosedException"/>. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        Volatile.Read(ref waiters)?.Close();
        handle.CloseNow(); // wakes blocked waits with ECLOSED
        handle.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"NamedSemaphore(\"{Name}\"{(IsDisposed ? ", disposed" : "")})";

    /// <summary>The exception for a failed call (right after it, on its thread).</summary>
    internal Exception Error(int rc) =>
        rc == (int)IpcErrorCode.EBADHANDLE && IsDisposed
            ? new ObjectDisposedException(ToString())
            : IpcException.FromLastError(rc);

    internal IpcClosedException ClosedError() => new($"semaphore \"{Name}\": handle closed while waiting");

    private sealed class SemWaitList : AsyncWaitList
    {
        private readonly NamedSemaphore owner;

        public SemWaitList(NamedSemaphore owner) => this.owner = owner;

        protected override IpcObjectHandle Handle => owner.handle;
        protected override int NativeNotify(IntPtr fn, IntPtr userData) => libipc_nativePINVOKE.sem_notify(owner.handle, fn, userData);
        protected override int NativeArm() => libipc_nativePINVOKE.sem_notify_arm(owner.handle);
        internal override Exception ClosedError() => owner.ClosedError();
    }

    private sealed class SemWaiter : AsyncWaiter<bool>
    {
        private readonly NamedSemaphore owner;

        public SemWaiter(NamedSemaphore owner) => this.owner = owner;

        internal override int TryTake()
        {
            int rc = owner.TryWaitNow();
            if (rc == 0)
                Value = true;
            return rc;
        }

        protected override void SetTimedOut() => SetResult(false);
    }
}
