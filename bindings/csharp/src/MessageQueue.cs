using System;
using System.Buffers;
using System.IO;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using LibIpc.Native;

namespace LibIpc;

/// <summary>
/// A named bounded message queue shared by processes in any language
/// (<c>ipc_mq_*</c>): many producers, many consumers, each message delivered
/// to exactly one consumer, priorities 0..31 (higher first, FIFO within one).
/// </summary>
/// <remarks>
/// <para><b>Waiting.</b> Blocking forms take a timeout: null (or
/// <see cref="Timeout.InfiniteTimeSpan"/>) waits as long as it takes, a
/// positive one at most that long, zero not at all. <see cref="Send"/> and
/// <see cref="Receive(TimeSpan?)"/> throw <see cref="IpcTimeoutException"/> when
/// time runs out (<see cref="IpcWouldBlockException"/>, a subclass, for a zero
/// timeout); the <c>Try...</c> forms return false instead. A full queue never
/// drops or overwrites.</para>
/// <para><b>Asynchronous receives</b> (<see cref="ReceiveAsync(CancellationToken)"/>,
/// <see cref="ReadAllAsync(CancellationToken)"/>) take no thread while they wait:
/// libipc's readiness notification wakes them, and they take with non-blocking
/// calls. Asynchronous receivers of one object are served first come, first
/// served; a cancelled or timed-out receive never consumes a message. There is
/// no <c>SendAsync</c>: libipc notifies readiness to receive only.</para>
/// <para><b>Messages kept aside.</b> When a <see cref="ReadAllAsync(CancellationToken)"/>
/// loop ends (break, exception, cancellation) in the middle of a batch it had
/// taken off the queue, the rest of that batch stays with this object, and its
/// next receives (of any form) return those messages first, in order.
/// <see cref="Count"/> includes them. <see cref="Dispose"/> sends any still
/// kept back to the queue at their priorities (behind messages of the same
/// priority sent meanwhile); only if the queue is full at that moment are they
/// lost.</para>
/// <para><b>Lifetime</b>: kernel persistence. <see cref="Dispose"/> never
/// removes the queue (<see cref="Remove"/> does). A Dispose while other threads
/// or tasks wait on this object makes those waits throw
/// <see cref="IpcClosedException"/> (ECLOSED); calls made after it throw
/// <see cref="ObjectDisposedException"/>.</para>
/// <para>Thread safety: every member may be called from any thread, including
/// <see cref="Dispose"/>.</para>
/// </remarks>
public sealed class MessageQueue : IDisposable
{
    /// <summary>The highest priority (<c>IPC_MQ_PRIO_MAX</c>).</summary>
    public const int MaxPriority = 31;

    /// <summary>The largest capacity in messages (<c>IPC_MQ_CAPACITY_MAX</c>, 2^20).</summary>
    public const int CapacityLimit = 1 << 20;

    /// <summary>The largest maximum message size in bytes (<c>IPC_MQ_MSG_SIZE_MAX</c>, 64 MiB).</summary>
    public const int MessageSizeLimit = 64 << 20;

    /// <summary>Longest name in bytes (UTF-8), <c>IPC_OBJ_NAME_MAX</c>.</summary>
    public const int NameMax = 240;

    /// <summary>Default batch size of <see cref="ReadAllAsync(CancellationToken)"/>.</summary>
    public const int DefaultBatchSize = 64;

    private const int StackBufferMax = 1024;   // receives of queues with small messages use the stack
    private const int BatchBufferMax = 1 << 20; // a batch receive's scratch buffer, unless one message needs more

    private readonly MqHandle handle;
    private MqWaitList? waiters;
    private int disposed;
    private uint spinNs = Args.DefaultSpinNs;

    // Messages taken off the queue and not yet delivered (see the remarks).
    private readonly object stashGate = new();
    private Queue<Message>? stash;
    private volatile int stashCount;

    /// <summary>The name given to the open.</summary>
    public string Name { get; }

    /// <summary>How many messages the queue holds at most (fixed at creation).</summary>
    public int Capacity { get; }

    /// <summary>The longest message in bytes (fixed at creation).</summary>
    public int MaxMessageSize { get; }

    /// <summary>True once <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => Volatile.Read(ref disposed) != 0;

    internal MqHandle NativeHandle
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return handle;
        }
    }

    /// <summary>Opens or creates a queue (<c>ipc_mq_open</c>).</summary>
    /// <param name="name">1..240 bytes of UTF-8, no '/'. Queues, semaphores and
    /// segments have separate namespaces.</param>
    /// <param name="mode">Create, open, or either.</param>
    /// <param name="capacity">Messages the queue holds (1..<see cref="CapacityLimit"/>)
    /// if this call creates it; 0 to open.</param>
    /// <param name="maxMessageSize">The longest message in bytes
    /// (1..<see cref="MessageSizeLimit"/>) if this call creates it; 0 to open.
    /// An existing queue keeps its own sizes whatever is passed.</param>
    /// <param name="permissions">Permission bits of a queue this call creates;
    /// 0 means owner read/write (0600). The umask is not applied.</param>
    /// <exception cref="IpcNotFoundException">OpenOnly and there is no such queue.</exception>
    /// <exception cref="IpcAlreadyExistsException">CreateOnly and it exists.</exception>
    /// <exception cref="IpcAccessDeniedException">Its permissions forbid this open.</exception>
    /// <exception cref="IpcArgumentException">A bad name (EBADNAME, ENAMETOOLONG); a zero or too
    /// large capacity or message size when creating, a bad mode or permissions (EINVAL).</exception>
    /// <exception cref="IpcWouldBlockException">Another process was still creating it after 2 s (EAGAIN).</exception>
    /// <exception cref="IpcException">ECORRUPT: the name holds something that is not a libipc queue.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative capacity or message size.</exception>
    public MessageQueue(string name, OpenMode mode, int capacity = 0, int maxMessageSize = 0, UnixFileMode permissions = 0)
    {
        Args.CheckObjectName(name);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessageSize);
        int rc = libipc_nativePINVOKE.mq_open(name, (int)mode, (nuint)capacity, (nuint)maxMessageSize,
                                             (uint)permissions, out MqHandle h);
        if (rc != 0)
        {
            IpcException error = IpcException.FromLastError(rc); // before any other libipc call
            h.Dispose();
            throw error;
        }
        try
        {
            libipc_native.mq_capacity(h, out nuint cap);
            libipc_native.mq_max_msg_size(h, out nuint max);
            Capacity = checked((int)cap);
            MaxMessageSize = checked((int)max);
        }
        catch
        {
            h.Dispose();
            throw;
        }
        handle = h;
        Name = name;
    }

    /// <summary>Creates a new queue (create-only).</summary>
    public static MessageQueue Create(string name, int capacity, int maxMessageSize, UnixFileMode permissions = 0)
        => new(name, OpenMode.CreateOnly, capacity, maxMessageSize, permissions);

    /// <summary>Opens an existing queue (open-only), with the sizes it was created with.</summary>
    public static MessageQueue Open(string name) => new(name, OpenMode.OpenOnly);

    /// <summary>Opens the queue if it exists (with its own sizes), else creates it with these.</summary>
    public static MessageQueue OpenOrCreate(string name, int capacity, int maxMessageSize, UnixFileMode permissions = 0)
        => new(name, OpenMode.OpenOrCreate, capacity, maxMessageSize, permissions);

    /// <summary>
    /// Removes the name (<c>ipc_mq_remove</c>). Handles already open keep
    /// working with the removed queue; new opens get
    /// <see cref="IpcNotFoundException"/> (or create a fresh one).
    /// </summary>
    /// <exception cref="IpcNotFoundException">There is no such queue.</exception>
    public static void Remove(string name)
    {
        Args.CheckObjectName(name);
        libipc_native.mq_remove(name);
    }

    /// <summary>Removes the name if it exists; false if there was none.</summary>
    public static bool TryRemove(string name)
    {
        Args.CheckObjectName(name);
        int rc = libipc_nativePINVOKE.mq_remove(name);
        if (rc == (int)IpcErrorCode.ENOENT)
            return false;
        IpcException.Check(rc);
        return true;
    }

    /// <summary>True if a queue of that name exists (<c>ipc_mq_exists</c>).</summary>
    public static bool Exists(string name)
    {
        Args.CheckObjectName(name);
        libipc_native.mq_exists(name, out int exists);
        return exists != 0;
    }

    /// <summary>Messages queued now (a snapshot), plus any this object keeps aside.</summary>
    public int Count
    {
        get
        {
            int rc = libipc_nativePINVOKE.mq_count(NativeHandle, out nuint n);
            if (rc != 0)
                throw Error(rc);
            return (int)n + stashCount;
        }
    }

    /// <summary>How many times a process that died holding the queue's lock was
    /// recovered from (its interrupted operation rolled back), since creation.</summary>
    public long Recoveries
    {
        get
        {
            int rc = libipc_nativePINVOKE.mq_recoveries(NativeHandle, out ulong n);
            if (rc != 0)
                throw Error(rc);
            return (long)n;
        }
    }

    /// <summary>
    /// How long a wait spins before it sleeps (default 20 µs; zero: never):
    /// a blocking send or receive in libipc, and an asynchronous receive here
    /// before it goes pending (polling with non-blocking calls, yielding the
    /// CPU). A message that comes within that time is received without a thread
    /// hand-off; an idle wait uses no CPU after it.
    /// </summary>
    public void SetSpin(TimeSpan spin)
    {
        uint ns = Args.SpinNs(spin);
        int rc = libipc_nativePINVOKE.mq_set_spin(NativeHandle, ns);
        if (rc != 0)
            throw Error(rc);
        Volatile.Write(ref spinNs, ns);
    }

    // ---- Sending -----------------------------------------------------------

    /// <summary>
    /// Queues a copy of <paramref name="data"/> at <paramref name="priority"/>,
    /// waiting while the queue is full for at most <paramref name="timeout"/>
    /// (null: no limit).
    /// </summary>
    /// <exception cref="IpcTimeoutException">Still full when the timeout ran out
    /// (<see cref="IpcWouldBlockException"/> for a zero timeout).</exception>
    /// <exception cref="IpcMessageSizeException">Longer than <see cref="MaxMessageSize"/> (EMSGSIZE).</exception>
    /// <exception cref="IpcArgumentException">Priority above <see cref="MaxPriority"/> (EINVAL).</exception>
    /// <exception cref="IpcClosedException">This object was disposed while the send waited.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative priority or timeout.</exception>
    public void Send(ReadOnlySpan<byte> data, int priority = 0, TimeSpan? timeout = null)
    {
        int rc = SendCore(data, priority, Args.TimeoutMs(timeout));
        if (rc != 0)
            throw Error(rc);
    }

    /// <summary>Queues a copy of <paramref name="data"/> if there is room now; false if the queue is full.</summary>
    public bool TrySend(ReadOnlySpan<byte> data, int priority = 0)
    {
        // A full queue answers from the count (a lock-free read) without the C
        // call, whose "would block" costs ~1.7 µs (see Probe).
        if (Probe() is var n && n != Unknown && n >= (nuint)Capacity)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(priority);
            return false;
        }
        return TrySend(data, priority, TimeSpan.Zero);
    }

    /// <summary>Queues a copy of <paramref name="data"/>, waiting at most
    /// <paramref name="timeout"/> for room; false if the queue stayed full.</summary>
    public bool TrySend(ReadOnlySpan<byte> data, int priority, TimeSpan timeout)
    {
        int rc = SendCore(data, priority, Args.TimeoutMs(timeout));
        if (rc == 0)
            return true;
        if (rc == (int)IpcErrorCode.EAGAIN || rc == (int)IpcErrorCode.ETIMEDOUT)
            return false;
        throw Error(rc);
    }

    private unsafe int SendCore(ReadOnlySpan<byte> data, int priority, long timeoutMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        fixed (byte* p = data)
            return libipc_nativePINVOKE.mq_send(NativeHandle, (IntPtr)p, (nuint)data.Length, (uint)priority, timeoutMs);
    }

    // ---- Receiving ---------------------------------------------------------

    /// <summary>
    /// Receives the highest-priority, oldest message, waiting at most
    /// <paramref name="timeout"/> (null: no limit) while the queue is empty.
    /// </summary>
    /// <exception cref="IpcTimeoutException">Still empty when the timeout ran out
    /// (<see cref="IpcWouldBlockException"/> for a zero timeout).</exception>
    /// <exception cref="IpcClosedException">This object was disposed while the receive waited.</exception>
    public Message Receive(TimeSpan? timeout = null)
    {
        int rc = ReceiveCore(Args.TimeoutMs(timeout), out Message message);
        if (rc != 0)
            throw Error(rc);
        return message;
    }

    /// <summary>Receives a message if one is queued now; false if none.</summary>
    public bool TryReceive(out Message message) => TryReceive(out message, TimeSpan.Zero);

    /// <summary>Receives a message, waiting at most <paramref name="timeout"/>; false if none came.</summary>
    public bool TryReceive(out Message message, TimeSpan timeout)
    {
        long ms = Args.TimeoutMs(timeout);
        int rc = ms == 0 ? ReceiveNow(out message) : ReceiveCore(ms, out message);
        if (rc == 0)
            return true;
        if (rc == (int)IpcErrorCode.EAGAIN || rc == (int)IpcErrorCode.ETIMEDOUT)
            return false;
        throw Error(rc);
    }

    /// <summary>
    /// Receives into <paramref name="destination"/> without allocating; returns
    /// the message's length. A buffer of <see cref="MaxMessageSize"/> bytes
    /// always suffices.
    /// </summary>
    /// <exception cref="IpcMessageSizeException">The next message is longer than
    /// <paramref name="destination"/>: it stays queued, and
    /// <see cref="IpcMessageSizeException.RequiredSize"/> is its length.</exception>
    /// <exception cref="IpcTimeoutException">Still empty when the timeout ran out.</exception>
    public int Receive(Span<byte> destination, out int priority, TimeSpan? timeout = null)
    {
        int rc = ReceiveIntoCore(destination, Args.TimeoutMs(timeout), out int length, out priority);
        if (rc != 0)
            throw IntoError(rc, length);
        return length;
    }

    /// <summary>Receives into <paramref name="destination"/> if a message is queued now; false if none.</summary>
    /// <exception cref="IpcMessageSizeException">The next message is longer than <paramref name="destination"/> (it stays queued).</exception>
    public bool TryReceive(Span<byte> destination, out int length, out int priority)
        => TryReceive(destination, out length, out priority, TimeSpan.Zero);

    /// <summary>Receives into <paramref name="destination"/>, waiting at most <paramref name="timeout"/>; false if none came.</summary>
    /// <exception cref="IpcMessageSizeException">The next message is longer than <paramref name="destination"/> (it stays queued).</exception>
    public bool TryReceive(Span<byte> destination, out int length, out int priority, TimeSpan timeout)
    {
        long ms = Args.TimeoutMs(timeout);
        if (ms == 0 && stashCount == 0 && Probe() == 0)
        {
            length = priority = 0;
            return false;
        }
        int rc = ReceiveIntoCore(destination, ms, out length, out priority);
        if (rc == 0)
            return true;
        if (rc == (int)IpcErrorCode.EAGAIN || rc == (int)IpcErrorCode.ETIMEDOUT)
        {
            length = priority = 0;
            return false;
        }
        throw IntoError(rc, length);
    }

    /// <summary>
    /// Receives up to <paramref name="maxCount"/> messages under one lock of the
    /// queue (<c>ipc_mq_receive_many</c>), waiting at most
    /// <paramref name="timeout"/> for the first; the others are those queued at
    /// that moment. The messages share one array.
    /// </summary>
    /// <exception cref="IpcTimeoutException">Still empty when the timeout ran out.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> below 1.</exception>
    public Message[] ReceiveMany(int maxCount, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        int rc = ReceiveManyCore(maxCount, Args.TimeoutMs(timeout), out Message[] batch);
        if (rc != 0)
            throw Error(rc);
        return batch;
    }

    /// <summary>Receives the messages queued now, up to <paramref name="maxCount"/>;
    /// false (and an empty array) if there are none.</summary>
    public bool TryReceiveMany(int maxCount, out Message[] messages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        int rc = ReceiveManyNow(maxCount, out messages);
        if (rc == 0)
            return true;
        if (rc == (int)IpcErrorCode.EAGAIN)
            return false;
        throw Error(rc);
    }

    /// <summary>
    /// Receives a message asynchronously, without holding a thread while the
    /// queue is empty. Completes synchronously when a message is there and no
    /// other asynchronous receive of this object is pending.
    /// </summary>
    /// <exception cref="OperationCanceledException">(In the task.) Cancelled; no message was taken.</exception>
    /// <exception cref="IpcClosedException">(In the task.) This object was disposed meanwhile.</exception>
    public ValueTask<Message> ReceiveAsync(CancellationToken cancellationToken = default)
        => ReceiveAsyncCore(Args.Infinite, cancellationToken);

    /// <summary>
    /// As <see cref="ReceiveAsync(CancellationToken)"/>, waiting at most
    /// <paramref name="timeout"/> (null: no limit); then the task fails with
    /// <see cref="IpcTimeoutException"/> (no message was taken).
    /// </summary>
    public ValueTask<Message> ReceiveAsync(TimeSpan? timeout, CancellationToken cancellationToken = default)
        => ReceiveAsyncCore(Args.TimeoutMs(timeout), cancellationToken);

    private ValueTask<Message> ReceiveAsyncCore(long timeoutMs, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<Message>(cancellationToken);
        MqWaitList list = Waiters;
        if (!list.HasWaiters)
        {
            int rc = ReceiveNow(out Message message);
            if (rc == 0)
                return new ValueTask<Message>(message);
            if (rc != (int)IpcErrorCode.EAGAIN)
                return ValueTask.FromException<Message>(Error(rc));
            if (timeoutMs == 0)
                return ValueTask.FromException<Message>(WouldBlock());
            if (SpinReceive(out message, out rc))
                return rc == 0 ? new ValueTask<Message>(message) : ValueTask.FromException<Message>(Error(rc));
        }
        else if (timeoutMs == 0)
        {
            return ValueTask.FromException<Message>(WouldBlock());
        }
        return new ValueTask<Message>(list.Enqueue(new MqWaiter(this), timeoutMs, cancellationToken));
    }

    /// <summary>
    /// Every message, as it arrives, until this object is disposed (the loop
    /// then ends normally) or <paramref name="cancellationToken"/> is cancelled
    /// (<see cref="OperationCanceledException"/>). Drains in batches of up to
    /// <see cref="DefaultBatchSize"/> with <c>ipc_mq_receive_many</c>, and waits
    /// without a thread when the queue is empty.
    /// </summary>
    /// <remarks>Messages of a batch the loop did not get to are kept by this
    /// object for its next receive (see the class remarks).</remarks>
    public IAsyncEnumerable<Message> ReadAllAsync(CancellationToken cancellationToken = default)
        => ReadAllAsync(DefaultBatchSize, cancellationToken);

    /// <summary>As <see cref="ReadAllAsync(CancellationToken)"/>, in batches of up to <paramref name="maxBatch"/>.</summary>
    public IAsyncEnumerable<Message> ReadAllAsync(int maxBatch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBatch, CapacityLimit);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return ReadAll(maxBatch, cancellationToken);
    }

    private async IAsyncEnumerable<Message> ReadAll(int maxBatch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Message[]? batch = null;
        int next = 0;
        try
        {
            for (;;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch = await NextBatchAsync(maxBatch, cancellationToken).ConfigureAwait(false);
                next = 0;
                if (batch is null)
                    yield break; // disposed
                while (next < batch.Length)
                {
                    Message m = batch[next++];
                    yield return m;
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }
        finally
        {
            if (batch is not null && next < batch.Length)
                Keep(batch, next);
        }
    }

    /// <summary>The next batch, or null once this object is disposed.</summary>
    private async ValueTask<Message[]?> NextBatchAsync(int maxBatch, CancellationToken cancellationToken)
    {
        if (IsDisposed)
            return null;
        MqWaitList list = Waiters;
        if (!list.HasWaiters)
        {
            int rc;
            Message[] batch;
            // Disposed meanwhile (by another thread, during the take or the
            // spin): the loop ends quietly.
            try
            {
                rc = ReceiveManyNow(maxBatch, out batch);
                if (rc == (int)IpcErrorCode.EAGAIN)
                {
                    var spin = new BatchSpinState(this, maxBatch);
                    if (Args.Spin(Volatile.Read(ref spinNs), spin, static st => st.Attempt(), static st => st.Queue.Waiters.HasWaiters))
                        (rc, batch) = (spin.Rc, spin.Batch);
                }
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            if (rc == 0)
                return batch;
            if (rc != (int)IpcErrorCode.EAGAIN)
            {
                Exception e = Error(rc);
                if (e is ObjectDisposedException or IpcClosedException)
                    return null;
                throw e;
            }
        }
        try
        {
            return await list.Enqueue(new MqBatchWaiter(this, maxBatch), Args.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IpcClosedException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>The spin before an asynchronous receive goes pending (see
    /// <see cref="SetSpin"/>): true if it ended with a result (<paramref name="rc"/> 0)
    /// or a failure (the detail pending on this thread).</summary>
    private bool SpinReceive(out Message message, out int rc)
    {
        var state = new SpinState(this);
        bool done = Args.Spin(Volatile.Read(ref spinNs), state, static st => st.Attempt(),
                              static st => st.Queue.Waiters.HasWaiters);
        message = state.Message;
        rc = state.Rc;
        return done;
    }

    private sealed class SpinState
    {
        public readonly MessageQueue Queue;
        public Message Message;
        public int Rc;

        public SpinState(MessageQueue queue) => Queue = queue;

        public bool Attempt()
        {
            Rc = Queue.ReceiveNow(out Message);
            return Rc != (int)IpcErrorCode.EAGAIN;
        }
    }

    private sealed class BatchSpinState
    {
        public readonly MessageQueue Queue;
        private readonly int maxBatch;
        public Message[] Batch = Array.Empty<Message>();
        public int Rc;

        public BatchSpinState(MessageQueue queue, int maxBatch)
        {
            Queue = queue;
            this.maxBatch = maxBatch;
        }

        public bool Attempt()
        {
            Rc = Queue.ReceiveManyNow(maxBatch, out Batch);
            return Rc != (int)IpcErrorCode.EAGAIN;
        }
    }

    // ---- The calls ----------------------------------------------------------

    /// <summary>
    /// The count, a lock-free snapshot; <see cref="Unknown"/> if it failed (the
    /// real call that follows reports why). The non-blocking forms look at it
    /// first: a C call that would block returns IPC_EAGAIN through a C++
    /// exception inside libipc (~1.7 µs against ~50 ns for the count), and an
    /// empty (or full) queue is what a polling or draining caller meets most.
    /// </summary>
    private nuint Probe() => libipc_nativePINVOKE.mq_count(NativeHandle, out nuint n) == 0 ? n : Unknown;

    private static readonly nuint Unknown = nuint.MaxValue;

    /// <summary>A non-blocking receive: 0, IPC_EAGAIN (no detail set: callers
    /// make their own exception), or another code (detail pending).</summary>
    private int ReceiveNow(out Message message)
    {
        if (stashCount == 0 && Probe() == 0)
        {
            message = default;
            return (int)IpcErrorCode.EAGAIN;
        }
        return ReceiveCore(Args.NoWait, out message);
    }

    /// <summary>A non-blocking receive_many, as <see cref="ReceiveNow"/>.</summary>
    private int ReceiveManyNow(int maxCount, out Message[] batch)
    {
        if (stashCount == 0 && Probe() == 0)
        {
            batch = Array.Empty<Message>();
            return (int)IpcErrorCode.EAGAIN;
        }
        return ReceiveManyCore(maxCount, Args.NoWait, out batch);
    }

    private IpcWouldBlockException WouldBlock() => new($"receive on queue \"{Name}\": would block");

    /// <summary>One receive into a new exact-size array: 0 or the code (error detail pending on this thread).</summary>
    private unsafe int ReceiveCore(long timeoutMs, out Message message)
    {
        if (stashCount != 0 && TryTakeKept(out message))
            return 0;
        int max = MaxMessageSize;
        byte[]? rented = null;
        Span<byte> buf = max <= StackBufferMax ? stackalloc byte[StackBufferMax] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int rc;
            nuint len;
            uint prio;
            fixed (byte* p = buf)
                rc = libipc_nativePINVOKE.mq_receive(NativeHandle, (IntPtr)p, (nuint)max, out len, out prio, timeoutMs);
            if (rc != 0)
            {
                message = default;
                return rc;
            }
            message = new Message(buf.Slice(0, (int)len).ToArray(), (int)prio);
            return 0;
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private unsafe int ReceiveIntoCore(Span<byte> destination, long timeoutMs, out int length, out int priority)
    {
        if (stashCount != 0)
        {
            lock (stashGate)
            {
                if (stash is { Count: > 0 })
                {
                    Message m = stash.Peek();
                    length = m.Length;
                    priority = m.Priority;
                    if (m.Length > destination.Length)
                        return (int)IpcErrorCode.EMSGSIZE;
                    stash.Dequeue();
                    stashCount = stash.Count;
                    m.Span.CopyTo(destination);
                    return 0;
                }
            }
        }
        int rc;
        nuint len;
        uint prio;
        fixed (byte* p = destination)
            rc = libipc_nativePINVOKE.mq_receive(NativeHandle, (IntPtr)p, (nuint)destination.Length, out len, out prio, timeoutMs);
        length = (int)len;
        priority = (int)prio;
        return rc;
    }

    /// <summary>One receive_many, unpacked into messages over one array.</summary>
    private unsafe int ReceiveManyCore(int maxCount, long timeoutMs, out Message[] batch)
    {
        if (stashCount != 0 && TryTakeKept(maxCount, out batch))
            return 0;
        long slot = 8 + (((long)MaxMessageSize + 7) & ~7L);
        long want = Math.Max(slot, Math.Min(slot * maxCount, BatchBufferMax));
        byte[] buf = ArrayPool<byte>.Shared.Rent((int)want);
        try
        {
            int rc;
            nuint count, used;
            fixed (byte* p = buf)
                rc = libipc_nativePINVOKE.mq_receive_many(NativeHandle, (IntPtr)p, (nuint)buf.Length, (nuint)maxCount,
                                                         out count, out used, timeoutMs);
            if (rc != 0)
            {
                batch = Array.Empty<Message>();
                return rc;
            }
            batch = Unpack(buf.AsSpan(0, (int)used), (int)count);
            return 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    /// <summary>
    /// Unpacks ipc_mq_receive_many's format (native uint32 length, uint32
    /// priority, the bytes, padding to a multiple of 8) into messages that share
    /// one new array holding just the payloads.
    /// </summary>
    internal static Message[] Unpack(ReadOnlySpan<byte> packed, int count)
    {
        int total = 0, off = 0;
        for (int i = 0; i < count; ++i)
        {
            if (packed.Length - off < 8)
                throw Malformed();
            uint n = MemoryMarshal.Read<uint>(packed.Slice(off));
            if (n > (uint)(packed.Length - off - 8))
                throw Malformed();
            total += (int)n;
            off += 8 + (int)((n + 7) & ~7u);
            off = Math.Min(off, packed.Length);
        }
        byte[] all = total == 0 ? Array.Empty<byte>() : new byte[total];
        var batch = new Message[count];
        int at = 0;
        off = 0;
        for (int i = 0; i < count; ++i)
        {
            int n = (int)MemoryMarshal.Read<uint>(packed.Slice(off));
            int prio = (int)MemoryMarshal.Read<uint>(packed.Slice(off + 4));
            packed.Slice(off + 8, n).CopyTo(all.AsSpan(at));
            batch[i] = new Message(new ReadOnlyMemory<byte>(all, at, n), prio);
            at += n;
            off = Math.Min(off + 8 + ((n + 7) & ~7), packed.Length);
        }
        return batch;
    }

    private static IpcException Malformed() =>
        new(IpcErrorCode.EINTERNAL, "ipc_mq_receive_many returned a malformed batch");

    // ---- Messages kept aside --------------------------------------------------

    private void Keep(Message[] batch, int from)
    {
        lock (stashGate)
        {
            stash ??= new Queue<Message>();
            for (int i = from; i < batch.Length; ++i)
                stash.Enqueue(batch[i]);
            stashCount = stash.Count;
        }
    }

    private bool TryTakeKept(out Message message)
    {
        lock (stashGate)
        {
            if (stash is { Count: > 0 })
            {
                message = stash.Dequeue();
                stashCount = stash.Count;
                return true;
            }
        }
        message = default;
        return false;
    }

    private bool TryTakeKept(int maxCount, out Message[] batch)
    {
        lock (stashGate)
        {
            if (stash is { Count: > 0 })
            {
                batch = new Message[Math.Min(maxCount, stash.Count)];
                for (int i = 0; i < batch.Length; ++i)
                    batch[i] = stash.Dequeue();
                stashCount = stash.Count;
                return true;
            }
        }
        batch = Array.Empty<Message>();
        return false;
    }

    /// <summary>Dispose: messages still kept go back to the queue (non-blocking).</summary>
    private unsafe void ReturnKept()
    {
        Message[] kept;
        lock (stashGate)
        {
            if (stash is not { Count: > 0 })
                return;
            kept = stash.ToArray();
            stash.Clear();
            stashCount = 0;
        }
        foreach (Message m in kept)
        {
            fixed (byte* p = m.Span)
                libipc_nativePINVOKE.mq_send(handle, (IntPtr)p, (nuint)m.Length, (uint)m.Priority, Args.NoWait);
        }
    }

    private MqWaitList Waiters
    {
        get
        {
            MqWaitList? w = Volatile.Read(ref waiters);
            if (w is not null)
                return w;
            Interlocked.CompareExchange(ref waiters, new MqWaitList(this), null);
            return waiters!;
        }
    }

    /// <summary>
    /// Closes this handle (never removes the queue). Sends and receives blocked
    /// on this object in other threads, and pending asynchronous receives, end
    /// with <see cref="IpcClosedException"/>; a <see cref="ReadAllAsync(CancellationToken)"/>
    /// loop ends. Messages kept aside go back to the queue. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        Volatile.Read(ref waiters)?.Close();
        try
        {
            ReturnKept();
        }
        catch (ObjectDisposedException)
        {
        }
        handle.CloseNow(); // wakes blocked calls with ECLOSED
        handle.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"MessageQueue(\"{Name}\", capacity {Capacity}, max message {MaxMessageSize} bytes{(IsDisposed ? ", disposed" : "")})";

    /// <summary>The exception for a failed call (right after it, on its thread).</summary>
    internal Exception Error(int rc) =>
        rc == (int)IpcErrorCode.EBADHANDLE && IsDisposed
            ? new ObjectDisposedException(ToString())
            : IpcException.FromLastError(rc);

    private Exception IntoError(int rc, int length) =>
        rc == (int)IpcErrorCode.EMSGSIZE
            ? new IpcMessageSizeException(
                IpcException.LastDetail(rc) is { Length: > 0 } d ? d : $"receive on queue \"{Name}\": buffer too small; {length} bytes needed",
                length)
            : Error(rc);

    internal IpcClosedException ClosedError() => new($"receive on queue \"{Name}\": handle closed while waiting");

    private sealed class MqWaitList : AsyncWaitList
    {
        private readonly MessageQueue owner;

        public MqWaitList(MessageQueue owner) => this.owner = owner;

        protected override IpcObjectHandle Handle => owner.handle;
        protected override int NativeNotify(IntPtr fn, IntPtr userData) => libipc_nativePINVOKE.mq_notify(owner.handle, fn, userData);
        protected override int NativeArm() => libipc_nativePINVOKE.mq_notify_arm(owner.handle);
        internal override Exception ClosedError() => owner.ClosedError();
    }

    private sealed class MqWaiter : AsyncWaiter<Message>
    {
        private readonly MessageQueue owner;

        public MqWaiter(MessageQueue owner) => this.owner = owner;

        internal override int TryTake() => owner.ReceiveNow(out Value);

        protected override void SetTimedOut() =>
            SetException(new IpcTimeoutException($"receive on queue \"{owner.Name}\": timed out"));
    }

    private sealed class MqBatchWaiter : AsyncWaiter<Message[]>
    {
        private readonly MessageQueue owner;
        private readonly int maxCount;

        public MqBatchWaiter(MessageQueue owner, int maxCount)
        {
            this.owner = owner;
            this.maxCount = maxCount;
        }

        internal override int TryTake() => owner.ReceiveManyNow(maxCount, out Value);

        protected override void SetTimedOut() =>
            SetException(new IpcTimeoutException($"receive on queue \"{owner.Name}\": timed out"));
    }
}
