using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using LibIpc.Native;

namespace LibIpc;

/// <summary>
/// A socket server (<c>ipc_sock_listen</c>): accepts many connections over a
/// Unix socket, TCP, TLS or UDP and exchanges events with them in node-ipc's
/// wire format, so node-ipc clients and libipc clients in any language talk to
/// it. Each connection has an id (<see cref="SocketEvent.Connection"/>, 1 and
/// up) to emit to.
/// </summary>
/// <remarks>
/// Events (handlers and asynchronous reads), the dispatcher thread,
/// backpressure and lifetime: see <see cref="SocketEndpoint"/>.
/// <code>
/// await using var server = new SocketServer(new SocketOptions { Id = "world" });
/// server.On("hello", ev => server.Emit(ev.Connection, "welcome", new { to = ev.Data.GetProperty("from").GetString() }));
/// server.Start();
/// </code>
/// </remarks>
public sealed class SocketServer : SocketEndpoint
{
    /// <summary>
    /// Listens (binds before returning, so an address in use throws here) and
    /// queues the <see cref="SocketEventKind.Start"/> event.
    /// </summary>
    /// <exception cref="IpcArgumentException">Bad options (EINVAL; the detail names the
    /// key), a Unix path over 107 bytes (ENAMETOOLONG).</exception>
    /// <exception cref="IpcSocketException">EADDRINUSE: a live server is there; ETLS:
    /// certificate or key unreadable.</exception>
    /// <exception cref="IpcAlreadyExistsException">A file that is not a socket is at the path.</exception>
    /// <exception cref="IpcAccessDeniedException">EACCES.</exception>
    public SocketServer(SocketOptions options) : base(listen: true, OptionsUtf8(options)) { }

    /// <summary>As <see cref="SocketServer(SocketOptions)"/>, with the options as
    /// the JSON object text of <c>ipc/sock.h</c>.</summary>
    public SocketServer(string optionsJson) : base(listen: true, OptionsUtf8(optionsJson)) { }

    /// <summary>The live connections.</summary>
    public int Connections => ConnectionCount;

    /// <summary>
    /// Sends event (<paramref name="type"/>, <paramref name="data"/>) to
    /// connection <paramref name="connection"/> (or <see cref="SocketEndpoint.AllConnections"/>).
    /// <paramref name="data"/>: any object System.Text.Json serializes (with
    /// <see cref="SocketEndpoint.JsonOptions"/>), a <see cref="System.Text.Json.JsonElement"/>
    /// or <see cref="System.Text.Json.Nodes.JsonNode"/>; null sends <c>{}</c> as
    /// node-ipc does for no data. Returns once queued (the I/O thread writes).
    /// </summary>
    /// <exception cref="IpcWouldBlockException">EAGAIN: that connection's write queue is
    /// over maxWriteQueue; nothing was queued (see <see cref="EmitAsync"/>).</exception>
    /// <exception cref="IpcNotFoundException">ENOENT: no connection with that id.</exception>
    /// <exception cref="IpcNotSupportedException">ENOTSUP: raw mode (use <see cref="Send"/>).</exception>
    public void Emit(ulong connection, string type, object? data = null) => EmitCore(connection, type, data);

    /// <summary>As <see cref="Emit"/>, but false instead of <see cref="IpcWouldBlockException"/>.</summary>
    public bool TryEmit(ulong connection, string type, object? data = null)
    {
        int rc = TryEmitCore(connection, type, data);
        if (rc == (int)IpcErrorCode.EAGAIN)
            return false;
        if (rc != 0)
            throw Fail(rc);
        return true;
    }

    /// <summary>As <see cref="Emit"/>, with the data as JSON text, sent as it is
    /// (after libipc validates it: EILSEQ if it is not JSON).</summary>
    public void EmitJson(ulong connection, string type, string json)
    {
        int rc = TryEmitJsonCore(connection, type, json);
        if (rc != 0)
            throw Fail(rc);
    }

    /// <summary>As <see cref="EmitJson(ulong, string, string)"/>, with UTF-8 JSON text.</summary>
    public void EmitJson(ulong connection, string type, ReadOnlySpan<byte> utf8Json)
    {
        int rc = TryEmitJsonCore(connection, type, utf8Json);
        if (rc != 0)
            throw Fail(rc);
    }

    /// <summary>
    /// As <see cref="Emit"/>, but while the connection's write queue is full it
    /// waits (without a thread) for the connection's drain and tries again,
    /// instead of throwing <see cref="IpcWouldBlockException"/>.
    /// </summary>
    public ValueTask EmitAsync(ulong connection, string type, object? data = null, CancellationToken cancellationToken = default) =>
        EmitAsyncCore(connection, type, data, cancellationToken);

    /// <summary>
    /// Sends the event to every connection (node-ipc's <c>broadcast</c>). A
    /// connection too slow to take it (write queue over maxWriteQueue) is
    /// disconnected instead of stalling the others (an error event with ENOSPC,
    /// then a disconnect event).
    /// </summary>
    public void Broadcast(string type, object? data = null) => EmitCore(AllConnections, type, data);

    /// <summary>Raw mode: sends the bytes unframed to the connection (UDP: one
    /// datagram), or to every connection with <see cref="SocketEndpoint.AllConnections"/>.</summary>
    /// <exception cref="IpcNotSupportedException">ENOTSUP: not in raw mode.</exception>
    public void Send(ulong connection, ReadOnlySpan<byte> bytes) => SendCore(connection, bytes);

    /// <summary>Closes connection <paramref name="connection"/> (a disconnect
    /// event follows). <see cref="IpcNotFoundException"/> if there is none.</summary>
    public void Disconnect(ulong connection) => DisconnectCore(connection);

    /// <summary>Bytes queued for writing to the connection.</summary>
    public long Pending(ulong connection) => PendingCore(connection);

    /// <summary>
    /// UDP: the connection id of the peer at <paramref name="host"/>:<paramref name="port"/>,
    /// to emit to it (node-ipc's <c>server.emit({address, port}, ...)</c>).
    /// Peers that sent datagrams have ids in their events already.
    /// </summary>
    /// <exception cref="IpcNotSupportedException">Not a UDP socket.</exception>
    /// <exception cref="IpcArgumentException">The host does not resolve.</exception>
    public unsafe ulong Peer(string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        if (host.Contains('\0'))
            throw new IpcArgumentException(IpcErrorCode.EINVAL, "host contains a NUL character");
        byte[] h = SocketOptions.Terminate(Encoding.UTF8.GetBytes(host), nul: true);
        int rc;
        ulong conn;
        fixed (byte* p = h)
            rc = libipc_nativePINVOKE.sock_peer(Handle, (IntPtr)p, (ushort)port, out conn);
        if (rc != 0)
            throw Fail(rc);
        return conn;
    }

    /// <inheritdoc/>
    public override string ToString() => IsDisposed ? "SocketServer(disposed)" : $"SocketServer({Address})";
}
