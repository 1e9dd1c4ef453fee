using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using LibIpc.Native;

namespace LibIpc;

/// <summary>
/// What <see cref="SocketServer"/> and <see cref="SocketClient"/> share: one
/// libipc socket handle (<c>ipc_sock_t</c>), its events in both forms —
/// handlers and asynchronous reads — and the emit machinery.
/// </summary>
/// <remarks>
/// <para><b>Events reach the program in two forms</b>, usable together:</para>
/// <list type="bullet">
/// <item><b>Handlers</b> (<see cref="Started"/>, <see cref="Connected"/>,
/// <see cref="Disconnected"/>, <see cref="Destroyed"/>, <see cref="Error"/>,
/// <see cref="Drain"/>, <see cref="MessageReceived"/>, <see cref="DataReceived"/>,
/// and <see cref="On"/> for one user event type). Attach them, then call
/// <see cref="Start"/>: from then on events are raised. Until then events wait
/// in libipc's queue, so none is missed between the constructor and
/// <see cref="Start"/>.</item>
/// <item><b>Asynchronous reads</b> (<see cref="ReceiveAsync"/>,
/// <see cref="EventsAsync"/>): events in order, each to one reader.</item>
/// </list>
/// <para><b>Which form gets an event.</b> Before <see cref="Start"/> every event
/// goes to the readers. After it, an event goes to its handlers if it has
/// any (for a message: <see cref="MessageReceived"/> or an <see cref="On"/>
/// handler of its type), and otherwise to the readers: a program may handle,
/// say, connects with a handler and read messages with
/// <see cref="ReceiveAsync"/>. Events for the readers wait in the endpoint's
/// inbox. Internal waits (<see cref="WaitConnectedAsync"/>, the drain
/// <c>EmitAsync</c> waits for) look at every event without taking it.</para>
/// <para><b>The dispatcher thread.</b> Events are taken from libipc by a
/// dispatcher that runs on the .NET thread pool when libipc signals that an
/// event is queued (<c>ipc_sock_notify</c>); no thread waits for events, and
/// no caller's thread is ever blocked by it. Handlers of one endpoint run on
/// it one at a time, in the order of the events (a handler that blocks
/// delays the endpoint's later events, nothing else). Handlers may call any
/// member, including <see cref="Dispose"/>. An exception a handler throws is
/// not caught: like one thrown by a <see cref="Timer"/> callback it ends the
/// process. Continuations of the asynchronous reads run on the thread pool,
/// never on the dispatcher.</para>
/// <para><b>Backpressure.</b> The inbox holds at most 65536 events or 16 MiB
/// of data; when it is full the dispatcher stops taking events (handlers too
/// wait), libipc's own queue fills up to maxEventQueue, and then libipc stops
/// reading the sockets, so the senders slow down. Nothing is dropped. A
/// program that reads asynchronously must therefore keep reading (or dispose
/// the endpoint). One exception, so that a program that only uses handlers
/// never stalls: after <see cref="Start"/> and until the first read, the
/// inbox keeps only the latest 1024 unhandled events (older ones are
/// dropped).</para>
/// <para><b>Lifetime.</b> Once it takes events, an endpoint stays alive until
/// <see cref="Dispose"/>, even with no reference to it (as a listening socket
/// does). Dispose closes every connection (a server's Unix socket file is
/// removed), drops the events not yet taken, and ends pending reads and waits
/// with <see cref="IpcClosedException"/>; calls made after it throw
/// <see cref="ObjectDisposedException"/>.</para>
/// <para>Thread safety: every member may be called from any thread.</para>
/// </remarks>
public abstract class SocketEndpoint : IDisposable, IAsyncDisposable
{
    /// <summary>The connection id meaning every connection (<c>IPC_SOCK_ALL</c>).</summary>
    public const ulong AllConnections = ulong.MaxValue;

    /// <summary>
    /// The JSON options emits serialize data with and <see cref="SocketEvent.GetData{T}"/>
    /// reads it with by default: <see cref="JsonSerializerDefaults.Web"/>
    /// (camelCase names, as JavaScript peers expect).
    /// </summary>
    public static JsonSerializerOptions DefaultJsonOptions { get; } = new(JsonSerializerDefaults.Web);

    internal const int InboxCountLimit = 65536;
    internal const int UnreadInboxLimit = 1024;
    internal const long InboxByteLimit = 16L << 20;

    private readonly SockHandle handle;
    private readonly SocketDispatcher dispatcher;
    private readonly Channel<SocketEvent> inbox =
        Channel.CreateUnbounded<SocketEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private int inboxCount;
    private long inboxBytes;
    private volatile bool paused;
    private volatile bool raising;   // Start() was called
    private volatile bool asyncUsed; // an asynchronous read was made
    private int disposed;

    private readonly object watchGate = new();
    private readonly List<Watcher> watchers = new();
    private volatile int watcherCount;
    private volatile bool destroyed;
    private IpcException? lastError;

    private readonly object handlerGate = new();
    private Dictionary<string, Action<SocketEvent>> typeHandlers = new(); // copy-on-write

    private protected unsafe SocketEndpoint(bool listen, byte[] optionsUtf8)
    {
        int rc;
        SockHandle h;
        fixed (byte* p = optionsUtf8)
            rc = listen ? libipc_nativePINVOKE.sock_listen((IntPtr)p, out h)
                        : libipc_nativePINVOKE.sock_connect((IntPtr)p, out h);
        if (rc != 0)
        {
            IpcException e = IpcException.FromLastError(rc);
            h.Dispose();
            throw e;
        }
        handle = h;
        dispatcher = new SocketDispatcher(this);
    }

    /// <summary>Options given as JSON text, NUL-terminated for C.</summary>
    private protected static byte[] OptionsUtf8(string optionsJson)
    {
        ArgumentNullException.ThrowIfNull(optionsJson);
        if (optionsJson.Contains('\0'))
            throw new IpcArgumentException(IpcErrorCode.EINVAL, "options JSON contains a NUL character");
        return SocketOptions.Terminate(Encoding.UTF8.GetBytes(optionsJson), nul: true);
    }

    private protected static byte[] OptionsUtf8(SocketOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ToUtf8(nulTerminated: true);
    }

    internal SockHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return handle;
        }
    }

    /// <summary>True once <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => Volatile.Read(ref disposed) != 0;

    /// <summary>The JSON options this endpoint's emits serialize data with
    /// (default <see cref="DefaultJsonOptions"/>).</summary>
    public JsonSerializerOptions JsonOptions { get; set; } = DefaultJsonOptions;

    // ---- Facts ------------------------------------------------------------------

    /// <summary>The bound TCP/TLS/UDP port (useful after <c>Port = 0</c>); 0 for a Unix socket.</summary>
    public int Port
    {
        get
        {
            int rc = libipc_nativePINVOKE.sock_local_port(Handle, out ushort port);
            if (rc != 0)
                throw Fail(rc);
            return port;
        }
    }

    /// <summary>The endpoint as text: the Unix socket path, or <c>host:port</c>.</summary>
    public unsafe string Address
    {
        get
        {
            Span<byte> small = stackalloc byte[256];
            for (int cap = small.Length; ; )
            {
                byte[]? big = cap > small.Length ? new byte[cap] : null;
                Span<byte> buf = big ?? small;
                int rc;
                nuint len;
                fixed (byte* p = buf)
                    rc = libipc_nativePINVOKE.sock_address(Handle, (IntPtr)p, (nuint)buf.Length, out len);
                if (rc == 0 && len < (nuint)buf.Length)
                    return Encoding.UTF8.GetString(buf.Slice(0, (int)len));
                if (rc != 0 && rc != (int)IpcErrorCode.ERANGE)
                    throw Fail(rc);
                cap = checked((int)len + 1);
            }
        }
    }

    /// <summary>Server: the live connections; client: 1 if connected, else 0.</summary>
    public int ConnectionCount
    {
        get
        {
            int rc = libipc_nativePINVOKE.sock_connections(Handle, out nuint n);
            if (rc != 0)
                throw Fail(rc);
            return (int)n;
        }
    }

    /// <summary>Bytes queued for writing to connection <paramref name="connection"/>
    /// (a client: its one connection).</summary>
    private protected long PendingCore(ulong connection)
    {
        int rc = libipc_nativePINVOKE.sock_pending(Handle, connection, out nuint n);
        if (rc != 0)
            throw Fail(rc);
        return (long)n;
    }

    /// <summary>
    /// libipc's default private socket root (<c>ipc_sock_default_root()</c>),
    /// with a trailing '/': <c>$XDG_RUNTIME_DIR/libipc/</c>, or
    /// <c>/tmp/libipc-&lt;uid&gt;/</c> (created 0700 if missing). A Unix
    /// endpoint given only an <see cref="SocketOptions.Id"/> lives at this +
    /// <c>"app."</c> + id.
    /// </summary>
    public static unsafe string DefaultSocketRoot
    {
        get
        {
            byte[] buf = new byte[4096 + 1];
            int rc;
            nuint len;
            fixed (byte* p = buf)
                rc = libipc_nativePINVOKE.sock_default_root((IntPtr)p, (nuint)buf.Length, out len);
            if (rc != 0)
                throw IpcException.FromLastError(rc);
            return Encoding.UTF8.GetString(buf, 0, (int)len);
        }
    }

    // ---- Handlers ---------------------------------------------------------------

    /// <summary>Server: listening (its first event).</summary>
    public event EventHandler<SocketEvent>? Started;

    /// <summary>Server: a new connection (<see cref="SocketEvent.Connection"/>);
    /// client: connected, also after each reconnect.</summary>
    public event EventHandler<SocketEvent>? Connected;

    /// <summary>A connection closed, by either side.</summary>
    public event EventHandler<SocketEvent>? Disconnected;

    /// <summary>Client: it will not reconnect any more; its last event.</summary>
    public event EventHandler<SocketEvent>? Destroyed;

    /// <summary>An error: <see cref="SocketEvent.Code"/> (e.g. ECONNREFUSED for a
    /// failed connect attempt, EILSEQ for a frame that is not valid JSON, which
    /// is dropped while the connection goes on), <see cref="SocketEvent.ErrorMessage"/>.</summary>
    public event EventHandler<SocketEvent>? Error;

    /// <summary>A connection whose write queue had refused an emit is below half its limit again.</summary>
    public event EventHandler<SocketEvent>? Drain;

    /// <summary>Every user event (any type), before the <see cref="On"/> handlers of its type.</summary>
    public event EventHandler<SocketEvent>? MessageReceived;

    /// <summary>Raw mode: bytes read from a connection (<see cref="SocketEvent.RawData"/>).</summary>
    public event EventHandler<SocketEvent>? DataReceived;

    /// <summary>
    /// Calls <paramref name="handler"/> for every user event of type
    /// <paramref name="type"/> (node-ipc's <c>on(type, ...)</c>), on the
    /// dispatcher. Dispose the result to remove it.
    /// </summary>
    public IDisposable On(string type, Action<SocketEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(handler);
        lock (handlerGate)
        {
            var copy = new Dictionary<string, Action<SocketEvent>>(typeHandlers);
            copy[type] = copy.TryGetValue(type, out Action<SocketEvent>? old) ? old + handler : handler;
            Volatile.Write(ref typeHandlers, copy);
        }
        return new Subscription(this, type, handler);
    }

    /// <summary>As <see cref="On(string, Action{SocketEvent})"/>, with the data
    /// deserialized as <typeparamref name="T"/> (with <see cref="JsonOptions"/>).</summary>
    public IDisposable On<T>(string type, Action<T?, SocketEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return On(type, ev => handler(ev.GetData<T>(JsonOptions), ev));
    }

    private void Off(string type, Action<SocketEvent> handler)
    {
        lock (handlerGate)
        {
            if (!typeHandlers.TryGetValue(type, out Action<SocketEvent>? old))
                return;
            var copy = new Dictionary<string, Action<SocketEvent>>(typeHandlers);
            Action<SocketEvent>? rest = old - handler;
            if (rest is null)
                copy.Remove(type);
            else
                copy[type] = rest;
            Volatile.Write(ref typeHandlers, copy);
        }
    }

    private sealed class Subscription : IDisposable
    {
        private SocketEndpoint? owner;
        private readonly string type;
        private readonly Action<SocketEvent> handler;

        public Subscription(SocketEndpoint owner, string type, Action<SocketEvent> handler)
        {
            this.owner = owner;
            this.type = type;
            this.handler = handler;
        }

        public void Dispose() => Interlocked.Exchange(ref owner, null)?.Off(type, handler);
    }

    /// <summary>
    /// Starts raising events to the handlers, on the dispatcher (see the
    /// remarks). Attach handlers first: events that came before wait for this
    /// call. Idempotent.
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        raising = true;
        dispatcher.Signal();
    }

    // ---- Asynchronous reads -----------------------------------------------------

    /// <summary>
    /// The next event, in order (each event goes to one reader). Waits without
    /// a thread. Throws <see cref="IpcClosedException"/> if the endpoint is
    /// disposed meanwhile, and when a client's events have ended (after its
    /// <see cref="SocketEventKind.Destroy"/> event was read); an
    /// <see cref="OperationCanceledException"/> when cancelled (no event is
    /// lost: it stays for the next read).
    /// </summary>
    public ValueTask<SocketEvent> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        EnsureReading();
        if (inbox.Reader.TryRead(out SocketEvent? ev))
        {
            Taken(ev);
            return new ValueTask<SocketEvent>(ev);
        }
        return ReceiveSlowAsync(cancellationToken);
    }

    private async ValueTask<SocketEvent> ReceiveSlowAsync(CancellationToken cancellationToken)
    {
        SocketEvent? ev;
        if (SpinReceive(out ev))
        {
            Taken(ev!);
            return ev!;
        }
        try
        {
            ev = await inbox.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            // A new exception per reader (several may wait): disposed, or a client's events ended.
            throw e.InnerException is IpcException inner
                ? IpcException.Create(inner.Code, inner.Detail)
                : new IpcClosedException("the client was destroyed: it has no more events");
        }
        Taken(ev);
        return ev;
    }

    /// <summary>
    /// Every event, in order, as they come: <c>await foreach (var ev in
    /// server.EventsAsync(token))</c>. Ends when the endpoint is disposed or a
    /// client's events end (after <see cref="SocketEventKind.Destroy"/>);
    /// cancellation throws <see cref="OperationCanceledException"/>. Several
    /// loops over one endpoint share its events (each event goes to one).
    /// </summary>
    public async IAsyncEnumerable<SocketEvent> EventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (;;)
        {
            SocketEvent ev;
            try
            {
                ev = await ReceiveAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IpcClosedException or ObjectDisposedException)
            {
                yield break;
            }
            yield return ev;
        }
    }

    /// <summary>
    /// Completes once the endpoint has a connection: at once if it has one
    /// (<see cref="ConnectionCount"/> &gt; 0), else at the next connect event
    /// (which is still delivered to handlers and readers as usual). Throws the
    /// last connection error (e.g. an <see cref="IpcSocketException"/> with
    /// ECONNREFUSED) or <see cref="IpcClosedException"/> if a client is destroyed
    /// first, <see cref="IpcClosedException"/> if the endpoint is disposed
    /// meanwhile, <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public async Task WaitConnectedAsync(CancellationToken cancellationToken = default)
    {
        Watcher w = AddWatcher(Watcher.Connect, 0);
        try
        {
            if (ConnectionCount > 0)
                return;
            await w.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            RemoveWatcher(w);
        }
    }

    /// <summary>How long a read spins before it goes pending (<see cref="Args.Spin"/>).</summary>
    private const uint ReceiveSpinNs = 50_000;

    /// <summary>
    /// The bounded spin of a read before it goes pending, as libipc's own
    /// waits do before they sleep: a reply that comes within it costs no
    /// thread hop (the notify thread, a pool thread for the dispatcher, another
    /// for the continuation). Without handlers the reader takes from libipc
    /// itself; with them it only watches the inbox the dispatcher fills.
    /// </summary>
    private bool SpinReceive(out SocketEvent? ev)
    {
        bool got = Args.Spin(ReceiveSpinNs, this, static self =>
        {
            if (!self.raising && !self.IsDisposed)
                self.dispatcher.TryTakeInline();
            return self.inbox.Reader.TryPeek(out _);
        }, static self => self.IsDisposed);
        ev = null;
        return got && inbox.Reader.TryRead(out ev);
    }

    private void EnsureReading()
    {
        if (asyncUsed)
            return;
        asyncUsed = true;
        dispatcher.Signal();
    }

    private void Taken(SocketEvent ev)
    {
        Interlocked.Decrement(ref inboxCount);
        Interlocked.Add(ref inboxBytes, -ev.RawData.Length);
        if (paused)
        {
            paused = false;
            dispatcher.Signal();
        }
    }

    // ---- What the dispatcher calls ------------------------------------------------

    /// <summary>The dispatcher may take events now: someone wants them and the inbox has room.</summary>
    internal bool WantsEvents
    {
        get
        {
            if (IsDisposed || !(raising || asyncUsed || watcherCount > 0))
                return false;
            if ((raising && !asyncUsed) || HasRoom())
                return true; // (an unread inbox after Start drops its oldest instead)
            paused = true;
            return HasRoom(); // a reader that took meanwhile saw paused = false before we set it
        }
    }

    private bool HasRoom() => Volatile.Read(ref inboxCount) < InboxCountLimit && Interlocked.Read(ref inboxBytes) < InboxByteLimit;

    /// <summary>One event: watchers, then its handlers or else the inbox. Dispatcher only.</summary>
    internal void Deliver(SocketEvent ev)
    {
        if (IsDisposed)
            return;
        if (watcherCount > 0 || ev.Kind is SocketEventKind.Error or SocketEventKind.Destroy)
            Watch(ev);
        bool handled = raising && Raise(ev);
        if (IsDisposed)
            return;
        if (!handled)
        {
            if (raising && !asyncUsed && Volatile.Read(ref inboxCount) >= UnreadInboxLimit &&
                inbox.Reader.TryRead(out SocketEvent? oldest))
                Taken(oldest); // nobody has read yet: keep the latest only
            Interlocked.Increment(ref inboxCount);
            Interlocked.Add(ref inboxBytes, ev.RawData.Length);
            inbox.Writer.TryWrite(ev);
        }
        if (ev.Kind == SocketEventKind.Destroy)
            inbox.Writer.TryComplete(); // readers get what is kept, then IpcClosedException
    }

    /// <summary>Raises the event to its handlers; false if it has none.</summary>
    private bool Raise(SocketEvent ev)
    {
        EventHandler<SocketEvent>? h = ev.Kind switch
        {
            SocketEventKind.Message => MessageReceived,
            SocketEventKind.Data => DataReceived,
            SocketEventKind.Start => Started,
            SocketEventKind.Connect => Connected,
            SocketEventKind.Disconnect => Disconnected,
            SocketEventKind.Destroy => Destroyed,
            SocketEventKind.Error => Error,
            SocketEventKind.Drain => Drain,
            _ => null,
        };
        Action<SocketEvent>? typed = null;
        if (ev.Kind == SocketEventKind.Message)
            Volatile.Read(ref typeHandlers).TryGetValue(ev.Type, out typed);
        if (h is null && typed is null)
            return false;
        h?.Invoke(this, ev);
        if (typed is not null && !IsDisposed)
            typed(ev);
        return true;
    }

    /// <summary>libipc has no more events for this handle (a client whose
    /// destroy was taken, or a failure): readers end.</summary>
    internal void OnEventsEnded(IpcException? failure)
    {
        inbox.Writer.TryComplete(failure);
        if (failure is not null)
            FailWatchers(_ => failure);
    }

    // ---- Watchers: internal waits on events (connect, drain) ------------------------

    private sealed class Watcher
    {
        internal const int Connect = 0, Drain = 1;
        internal readonly int Kind;
        internal readonly ulong Connection;
        internal readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Watcher(int kind, ulong connection)
        {
            Kind = kind;
            Connection = connection;
        }
    }

    private Watcher AddWatcher(int kind, ulong connection)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var w = new Watcher(kind, connection);
        lock (watchGate)
        {
            if (destroyed)
            {
                if (kind == Watcher.Connect)
                    w.Done.TrySetException(lastError ?? new IpcClosedException("the client was destroyed"));
                else
                    w.Done.TrySetResult(); // the emit retried now reports ECLOSED
                return w;
            }
            watchers.Add(w);
            watcherCount = watchers.Count;
        }
        dispatcher.Signal();
        return w;
    }

    private void RemoveWatcher(Watcher w)
    {
        lock (watchGate)
        {
            watchers.Remove(w);
            watcherCount = watchers.Count;
        }
    }

    private void Watch(SocketEvent ev)
    {
        List<Watcher>? done = null;
        lock (watchGate)
        {
            if (ev.Kind == SocketEventKind.Error)
                lastError = ev.Exception;
            if (ev.Kind == SocketEventKind.Destroy)
                destroyed = true;
            for (int i = watchers.Count - 1; i >= 0; --i)
            {
                Watcher w = watchers[i];
                bool hit = ev.Kind switch
                {
                    SocketEventKind.Connect => w.Kind == Watcher.Connect,
                    SocketEventKind.Drain or SocketEventKind.Disconnect =>
                        w.Kind == Watcher.Drain && (w.Connection == ev.Connection || ev.Connection == 0),
                    SocketEventKind.Destroy => true,
                    _ => false,
                };
                if (!hit)
                    continue;
                (done ??= new()).Add(w);
                watchers.RemoveAt(i);
            }
            watcherCount = watchers.Count;
        }
        if (done is null)
            return;
        foreach (Watcher w in done)
        {
            if (ev.Kind == SocketEventKind.Destroy && w.Kind == Watcher.Connect)
                w.Done.TrySetException(lastError ?? new IpcClosedException("the client was destroyed before it connected"));
            else
                w.Done.TrySetResult();
        }
    }

    private void FailWatchers(Func<Watcher, Exception> error)
    {
        Watcher[] all;
        lock (watchGate)
        {
            all = watchers.ToArray();
            watchers.Clear();
            watcherCount = 0;
        }
        foreach (Watcher w in all)
            w.Done.TrySetException(error(w));
    }

    // ---- Emits --------------------------------------------------------------------

    /// <summary>Serializes and emits; 0 or the code (detail pending on this thread).</summary>
    private protected int TryEmitCore(ulong connection, string type, object? data)
    {
        SocketJson j = SocketJson.Rent();
        try
        {
            j.WriteType(type);
            j.WriteData(data, JsonOptions);
            return EmitWritten(connection, j.Written, j.DataOffset);
        }
        finally
        {
            SocketJson.Return(j); // managed only: the C detail stays this thread's last
        }
    }

    private protected int TryEmitJsonCore(ulong connection, string type, string json)
    {
        SocketJson j = SocketJson.Rent();
        try
        {
            j.WriteType(type);
            j.WriteDataJson(json);
            return EmitWritten(connection, j.Written, j.DataOffset);
        }
        finally
        {
            SocketJson.Return(j);
        }
    }

    private protected int TryEmitJsonCore(ulong connection, string type, ReadOnlySpan<byte> utf8Json)
    {
        SocketJson j = SocketJson.Rent();
        try
        {
            j.WriteType(type);
            j.WriteDataJson(utf8Json);
            return EmitWritten(connection, j.Written, j.DataOffset);
        }
        finally
        {
            SocketJson.Return(j);
        }
    }

    private unsafe int EmitWritten(ulong connection, ReadOnlySpan<byte> written, int dataOffset)
    {
        fixed (byte* p = written)
            return libipc_nativePINVOKE.sock_emit(Handle, connection, (IntPtr)p,
                                                 dataOffset < 0 ? IntPtr.Zero : (IntPtr)(p + dataOffset));
    }

    private protected void EmitCore(ulong connection, string type, object? data)
    {
        int rc = TryEmitCore(connection, type, data);
        if (rc != 0)
            throw Fail(rc);
    }

    /// <summary>
    /// Emits, waiting for the connection's drain while its write queue is over
    /// maxWriteQueue (instead of throwing <see cref="IpcWouldBlockException"/>).
    /// The data is serialized once, before the first attempt.
    /// </summary>
    private protected async ValueTask EmitAsyncCore(ulong connection, string type, object? data, CancellationToken cancellationToken)
    {
        byte[] written;
        int dataOffset;
        SocketJson j = SocketJson.Rent();
        try
        {
            j.WriteType(type);
            j.WriteData(data, JsonOptions);
            written = j.Written.ToArray();
            dataOffset = j.DataOffset;
        }
        finally
        {
            SocketJson.Return(j);
        }
        for (;;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rc = EmitWritten(connection, written, dataOffset);
            if (rc == 0)
                return;
            if (rc != (int)IpcErrorCode.EAGAIN)
                throw Fail(rc);
            // Watch for the drain first, then try again: a drain that came
            // between the refusal and the watch is not waited for in vain.
            Watcher w = AddWatcher(Watcher.Drain, connection);
            try
            {
                rc = EmitWritten(connection, written, dataOffset);
                if (rc == 0)
                    return;
                if (rc != (int)IpcErrorCode.EAGAIN)
                    throw Fail(rc);
                await w.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                RemoveWatcher(w);
            }
        }
    }

    private protected unsafe void SendCore(ulong connection, ReadOnlySpan<byte> bytes)
    {
        int rc;
        fixed (byte* p = bytes)
            rc = libipc_nativePINVOKE.sock_send(Handle, connection, (IntPtr)p, (nuint)bytes.Length);
        if (rc != 0)
            throw Fail(rc);
    }

    private protected void DisconnectCore(ulong connection)
    {
        int rc = libipc_nativePINVOKE.sock_disconnect(Handle, connection);
        if (rc != 0)
            throw Fail(rc);
    }

    /// <summary>The exception for a failed call (right after it, on its thread).</summary>
    private protected Exception Fail(int rc) =>
        rc == (int)IpcErrorCode.EBADHANDLE && IsDisposed
            ? new ObjectDisposedException(ToString())
            : IpcException.FromLastError(rc);

    // ---- Dispose ---------------------------------------------------------------------

    /// <summary>
    /// Closes every connection and the listener, drops the events not yet
    /// taken; pending reads and waits end with <see cref="IpcClosedException"/>.
    /// No handler starts after it returns (one running on the dispatcher
    /// finishes; <see cref="DisposeAsync"/> waits for it). Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        dispatcher.Close();
        var closed = new IpcClosedException($"{GetType().Name} disposed while waiting");
        inbox.Writer.TryComplete(closed);
        FailWatchers(_ => closed);
        handle.CloseNow();
        handle.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>As <see cref="Dispose"/>, then waits until no handler of this
    /// endpoint runs (unless called from one).</summary>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        if (!dispatcher.IsCurrentThread)
            await dispatcher.WhenIdleAsync().ConfigureAwait(false);
    }
}
