using System;
using System.Threading;
using System.Threading.Tasks;

namespace LibIpc;

/// <summary>
/// A socket client (<c>ipc_sock_connect</c>): one connection to a server over
/// a Unix socket, TCP, TLS or UDP, in node-ipc's wire format (so the server may
/// be a node-ipc program), reconnecting as node-ipc does: after a loss it
/// retries every <see cref="SocketOptions.Retry"/> ms unless
/// <see cref="SocketOptions.StopRetrying"/>, retries are exhausted
/// (<see cref="SocketOptions.MaxRetries"/>) or <see cref="Disconnect"/> is
/// called; then the <see cref="SocketEventKind.Destroy"/> event is its last.
/// </summary>
/// <remarks>
/// Connecting happens in the background: a connect event, or error events
/// (ECONNREFUSED...) for failed attempts, follow the constructor;
/// <see cref="SocketEndpoint.WaitConnectedAsync"/> waits for it. Emits made
/// while not connected are queued (up to maxWriteQueue) and sent on connect.
/// Events, the dispatcher thread, backpressure and lifetime: see
/// <see cref="SocketEndpoint"/>.
/// <code>
/// await using var client = new SocketClient(new SocketOptions { Id = "world" });
/// await client.WaitConnectedAsync();
/// client.Emit("hello", new { from = "csharp" });
/// SocketEvent reply = await client.ReceiveAsync();
/// </code>
/// </remarks>
public sealed class SocketClient : SocketEndpoint
{
    /// <summary>Starts the client; the connection is made in the background.</summary>
    /// <exception cref="IpcArgumentException">Bad options (EINVAL; the detail names the key).</exception>
    public SocketClient(SocketOptions options) : base(listen: false, OptionsUtf8(options)) { }

    /// <summary>As <see cref="SocketClient(SocketOptions)"/>, with the options as
    /// the JSON object text of <c>ipc/sock.h</c>.</summary>
    public SocketClient(string optionsJson) : base(listen: false, OptionsUtf8(optionsJson)) { }

    /// <summary>True while connected.</summary>
    public bool IsConnected => ConnectionCount > 0;

    /// <summary>
    /// Sends event (<paramref name="type"/>, <paramref name="data"/>) to the
    /// server. <paramref name="data"/>: any object System.Text.Json serializes
    /// (with <see cref="SocketEndpoint.JsonOptions"/>), a <see cref="System.Text.Json.JsonElement"/>
    /// or <see cref="System.Text.Json.Nodes.JsonNode"/>; null sends <c>{}</c>.
    /// Returns once queued; while not connected it stays queued until a connect.
    /// </summary>
    /// <exception cref="IpcWouldBlockException">EAGAIN: the write queue is over
    /// maxWriteQueue; nothing was queued (see <see cref="EmitAsync"/>).</exception>
    /// <exception cref="IpcClosedException">ECLOSED: the client was destroyed.</exception>
    /// <exception cref="IpcNotSupportedException">ENOTSUP: raw mode (use <see cref="Send"/>).</exception>
    public void Emit(string type, object? data = null) => EmitCore(0, type, data);

    /// <summary>As <see cref="Emit"/>, but false instead of <see cref="IpcWouldBlockException"/>.</summary>
    public bool TryEmit(string type, object? data = null)
    {
        int rc = TryEmitCore(0, type, data);
        if (rc == (int)IpcErrorCode.EAGAIN)
            return false;
        if (rc != 0)
            throw Fail(rc);
        return true;
    }

    /// <summary>As <see cref="Emit"/>, with the data as JSON text, sent as it is
    /// (after libipc validates it: EILSEQ if it is not JSON).</summary>
    public void EmitJson(string type, string json)
    {
        int rc = TryEmitJsonCore(0, type, json);
        if (rc != 0)
            throw Fail(rc);
    }

    /// <summary>As <see cref="EmitJson(string, string)"/>, with UTF-8 JSON text.</summary>
    public void EmitJson(string type, ReadOnlySpan<byte> utf8Json)
    {
        int rc = TryEmitJsonCore(0, type, utf8Json);
        if (rc != 0)
            throw Fail(rc);
    }

    /// <summary>
    /// As <see cref="Emit"/>, but while the write queue is full it waits
    /// (without a thread) for the drain and tries again, instead of throwing
    /// <see cref="IpcWouldBlockException"/>.
    /// </summary>
    public ValueTask EmitAsync(string type, object? data = null, CancellationToken cancellationToken = default) =>
        EmitAsyncCore(0, type, data, cancellationToken);

    /// <summary>Raw mode: sends the bytes unframed (UDP: one datagram).</summary>
    /// <exception cref="IpcNotSupportedException">ENOTSUP: not in raw mode.</exception>
    public void Send(ReadOnlySpan<byte> bytes) => SendCore(0, bytes);

    /// <summary>Disconnects for good (no reconnect): a disconnect event (if
    /// connected) and the destroy event follow.</summary>
    public void Disconnect() => DisconnectCore(0);

    /// <summary>Bytes queued for writing to the server.</summary>
    public long Pending => PendingCore(0);

    /// <inheritdoc/>
    public override string ToString() => IsDisposed ? "SocketClient(disposed)" : $"SocketClient({Address})";
}
