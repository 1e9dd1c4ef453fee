using System;
using System.Text;
using System.Text.Json;

namespace LibIpc;

/// <summary>What a <see cref="SocketEvent"/> is (<c>ipc_sock_event_kind_t</c>, same values).</summary>
public enum SocketEventKind
{
    /// <summary>A user event: <see cref="SocketEvent.Type"/>, <see cref="SocketEvent.Data"/>, the connection.</summary>
    Message = 0,
    /// <summary>Raw mode: <see cref="SocketEvent.RawData"/> is the bytes as read.</summary>
    Data = 1,
    /// <summary>Server: listening (its first event).</summary>
    Start = 2,
    /// <summary>Server: a new connection; client: connected (again).</summary>
    Connect = 3,
    /// <summary>A connection closed (by either side).</summary>
    Disconnect = 4,
    /// <summary>Client: no more reconnects; its last event.</summary>
    Destroy = 5,
    /// <summary>An error: <see cref="SocketEvent.Code"/>, <see cref="SocketEvent.ErrorMessage"/>.</summary>
    Error = 6,
    /// <summary>The write queue of a connection that had refused an emit is below half its limit.</summary>
    Drain = 7,
}

/// <summary>
/// One event of a socket endpoint: a message, raw bytes, or a lifecycle event
/// (start, connect, disconnect, destroy, error, drain). Immutable; safe to keep
/// and to share between threads.
/// </summary>
public sealed class SocketEvent : EventArgs
{
    private object? parsed; // the parsed JsonElement, boxed, once asked for

    internal SocketEvent(SocketEventKind kind, IpcErrorCode code, ulong connection, string type,
                         ReadOnlyMemory<byte> rawData, string address)
    {
        Kind = kind;
        Code = code;
        Connection = connection;
        Type = type;
        RawData = rawData;
        Address = address;
    }

    /// <summary>What happened.</summary>
    public SocketEventKind Kind { get; }

    /// <summary>For <see cref="SocketEventKind.Error"/>: the error; otherwise <see cref="IpcErrorCode.OK"/>.</summary>
    public IpcErrorCode Code { get; }

    /// <summary>The connection concerned: a server's connection id (1 and up),
    /// 0 for a client's one connection or an error about no connection. A
    /// server passes it to <see cref="SocketServer.Emit(ulong, string, object?)"/>.</summary>
    public ulong Connection { get; }

    /// <summary>The user event's type ("" unless <see cref="SocketEventKind.Message"/>).</summary>
    public string Type { get; }

    /// <summary>The event's bytes: a message's data as UTF-8 JSON text, the
    /// bytes read in raw mode, or an error's message as UTF-8.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>The peer, e.g. <c>127.0.0.1:40312</c>, <c>[::1]:8000</c> or a
    /// socket path; may be "".</summary>
    public string Address { get; }

    /// <summary>
    /// A message's data, parsed (once; a standalone element that needs no
    /// disposing). <c>default</c> (<see cref="JsonValueKind.Undefined"/>) for
    /// other kinds of event.
    /// </summary>
    public JsonElement Data
    {
        get
        {
            if (Kind != SocketEventKind.Message)
                return default;
            if (parsed is JsonElement e)
                return e;
            var element = JsonSerializer.Deserialize<JsonElement>(RawData.Span);
            parsed = element;
            return element;
        }
    }

    /// <summary>A message's data as <typeparamref name="T"/> (System.Text.Json;
    /// <paramref name="options"/> default to <see cref="SocketEndpoint.DefaultJsonOptions"/>,
    /// camelCase names as in JavaScript).</summary>
    public T? GetData<T>(JsonSerializerOptions? options = null) =>
        JsonSerializer.Deserialize<T>(RawData.Span, options ?? SocketEndpoint.DefaultJsonOptions);

    /// <summary><see cref="RawData"/> decoded as UTF-8 (a message's JSON text, an error's message).</summary>
    public string Text => Encoding.UTF8.GetString(RawData.Span);

    /// <summary>For an error event: its message; otherwise null.</summary>
    public string? ErrorMessage => Kind == SocketEventKind.Error ? Text : null;

    /// <summary>For an error event: the exception for its code and message
    /// (e.g. an <see cref="IpcSocketException"/> for ECONNREFUSED); otherwise null.</summary>
    public IpcException? Exception => Kind == SocketEventKind.Error ? IpcException.Create(Code, Text) : null;

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        SocketEventKind.Message => $"Message(conn {Connection}, \"{Type}\", {Text})",
        SocketEventKind.Data => $"Data(conn {Connection}, {RawData.Length} bytes)",
        SocketEventKind.Error => $"Error(conn {Connection}, IPC_{Code}: {Text})",
        _ => $"{Kind}(conn {Connection}{(Address.Length != 0 ? ", " + Address : "")})",
    };
}
