using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;

namespace LibIpc;

/// <summary>How a socket endpoint talks (the <c>"transport"</c> option of <c>ipc/sock.h</c>).</summary>
public enum SocketTransport
{
    /// <summary>A Unix stream socket (a path in the file system).</summary>
    Unix,
    /// <summary>TCP over IPv4 or IPv6 (<see cref="SocketOptions.Host"/>).</summary>
    Tcp,
    /// <summary>TLS over TCP (<see cref="SocketOptions.Tls"/>).</summary>
    Tls,
    /// <summary>UDP over IPv4: one frame per datagram.</summary>
    Udp4,
    /// <summary>UDP over IPv6: one frame per datagram.</summary>
    Udp6,
}

/// <summary>
/// The options of a <see cref="SocketServer"/> or <see cref="SocketClient"/>:
/// each property is one key of the JSON object that <c>ipc_sock_listen</c> and
/// <c>ipc_sock_connect</c> take (<c>ipc/sock.h</c>, "OPTIONS"), with the same
/// meaning and the same defaults. A property left null is not sent, so the
/// library's default applies. The library checks the values (a bad one is an
/// <see cref="IpcArgumentException"/> with EINVAL and a detail that names it).
/// </summary>
/// <remarks>
/// Options this class does not have yet can be given as JSON text instead:
/// every constructor of the endpoints also takes the options as a string.
/// </remarks>
public sealed record SocketOptions
{
    /// <summary><c>"transport"</c>. Default: Unix when <see cref="Path"/> or
    /// <see cref="Id"/> is given, else TCP.</summary>
    public SocketTransport? Transport { get; init; }

    /// <summary><c>"path"</c>: the Unix socket path. If absent it is composed
    /// as node-ipc does: <see cref="SocketRoot"/> + <see cref="AppSpace"/> + <see cref="Id"/>.</summary>
    public string? Path { get; init; }

    /// <summary><c>"id"</c>: node-ipc's id, the last part of the composed path.</summary>
    public string? Id { get; init; }

    /// <summary><c>"appspace"</c> (default <c>"app."</c>).</summary>
    public string? AppSpace { get; init; }

    /// <summary><c>"socketRoot"</c>, ending with '/'. Default: libipc's private
    /// 0700 directory (<see cref="SocketEndpoint.DefaultSocketRoot"/>); an
    /// unmodified node-ipc uses <c>"/tmp/"</c>.</summary>
    public string? SocketRoot { get; init; }

    /// <summary><c>"host"</c>: TCP/TLS/UDP host (default <c>"127.0.0.1"</c>; <c>"::1"</c> for IPv6).</summary>
    public string? Host { get; init; }

    /// <summary><c>"port"</c>: TCP/TLS/UDP port; 0 = any free port (then read
    /// <see cref="SocketEndpoint.Port"/>).</summary>
    public int? Port { get; init; }

    /// <summary><c>"unlink"</c>: a server replaces a stale Unix socket file (default true).</summary>
    public bool? Unlink { get; init; }

    /// <summary><c>"raw"</c>: node-ipc's rawBuffer mode, bytes with no framing
    /// (<see cref="SocketEventKind.Data"/> events; send with <c>Send</c>).</summary>
    public bool? Raw { get; init; }

    /// <summary><c>"maxConnections"</c> (default 100).</summary>
    public int? MaxConnections { get; init; }

    /// <summary><c>"maxFrame"</c>: longest incoming frame in bytes (default 16 MiB).</summary>
    public long? MaxFrame { get; init; }

    /// <summary><c>"maxWriteQueue"</c>: bytes queued for one connection before an
    /// emit to it is refused (default 16 MiB; <see cref="SocketEndpoint"/>'s
    /// <c>EmitAsync</c> then waits for the drain).</summary>
    public long? MaxWriteQueue { get; init; }

    /// <summary><c>"maxEventQueue"</c>: bytes of events not yet taken before the
    /// library stops reading (default 16 MiB).</summary>
    public long? MaxEventQueue { get; init; }

    /// <summary><c>"inlineReads"</c> (default true): Unix and TCP connections are read
    /// by the thread that takes events (a receive, or the handlers' dispatch) instead
    /// of libipc's I/O thread — one thread wake-up less per event; false: the I/O
    /// thread reads everything as it arrives. See docs/sock.md.</summary>
    public bool? InlineReads { get; init; }

    /// <summary>Client: <c>"retry"</c>, ms between reconnect attempts (default 500).</summary>
    public int? Retry { get; init; }

    /// <summary>Client: <c>"maxRetries"</c> after a loss (default unlimited; 0 = never).</summary>
    public int? MaxRetries { get; init; }

    /// <summary>Client: <c>"stopRetrying"</c>: never reconnect.</summary>
    public bool? StopRetrying { get; init; }

    /// <summary>Client: <c>"backoff"</c>, a factor &gt; 1 multiplying the delay after
    /// each failed attempt (default 1: a fixed interval)...</summary>
    public double? Backoff { get; init; }

    /// <summary>Client: ... <c>"retryMax"</c>, up to this many ms (default 30000).</summary>
    public int? RetryMax { get; init; }

    /// <summary><c>"tls"</c>: the TLS options (with <see cref="SocketTransport.Tls"/>).</summary>
    public SocketTlsOptions? Tls { get; init; }

    /// <summary>The options as the JSON object text the C ABI takes.</summary>
    public string ToJson() => System.Text.Encoding.UTF8.GetString(ToUtf8(nulTerminated: false));

    /// <summary>The JSON object as UTF-8, NUL-terminated for the C call if asked.</summary>
    internal byte[] ToUtf8(bool nulTerminated)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (Transport is { } t)
                w.WriteString("transport", TransportName(t));
            Str(w, "path", Path);
            Str(w, "id", Id);
            Str(w, "appspace", AppSpace);
            Str(w, "socketRoot", SocketRoot);
            Str(w, "host", Host);
            Num(w, "port", Port);
            Bool(w, "unlink", Unlink);
            Bool(w, "raw", Raw);
            Num(w, "maxConnections", MaxConnections);
            Num(w, "maxFrame", MaxFrame);
            Num(w, "maxWriteQueue", MaxWriteQueue);
            Num(w, "maxEventQueue", MaxEventQueue);
            Bool(w, "inlineReads", InlineReads);
            Num(w, "retry", Retry);
            Num(w, "maxRetries", MaxRetries);
            Bool(w, "stopRetrying", StopRetrying);
            if (Backoff is { } b)
                w.WriteNumber("backoff", b);
            Num(w, "retryMax", RetryMax);
            if (Tls is { } tls)
            {
                w.WritePropertyName("tls");
                tls.Write(w);
            }
            w.WriteEndObject();
        }
        return Terminate(buffer.WrittenSpan, nulTerminated);
    }

    internal static byte[] Terminate(ReadOnlySpan<byte> utf8, bool nul)
    {
        var bytes = new byte[utf8.Length + (nul ? 1 : 0)];
        utf8.CopyTo(bytes);
        return bytes;
    }

    internal static string TransportName(SocketTransport t) => t switch
    {
        SocketTransport.Unix => "unix",
        SocketTransport.Tcp => "tcp",
        SocketTransport.Tls => "tls",
        SocketTransport.Udp4 => "udp4",
        SocketTransport.Udp6 => "udp6",
        _ => throw new ArgumentOutOfRangeException(nameof(Transport), t, "not a SocketTransport"),
    };

    internal static void Str(Utf8JsonWriter w, string key, string? value)
    {
        if (value is not null)
            w.WriteString(key, value);
    }

    private static void Num(Utf8JsonWriter w, string key, long? value)
    {
        if (value is { } v)
            w.WriteNumber(key, v);
    }

    internal static void Bool(Utf8JsonWriter w, string key, bool? value)
    {
        if (value is { } v)
            w.WriteBoolean(key, v);
    }
}

/// <summary>The <c>"tls"</c> object of the options (<c>ipc/sock.h</c>).</summary>
public sealed record SocketTlsOptions
{
    /// <summary><c>"cert"</c>: PEM file of our certificate (a server needs it; a client only for mutual TLS).</summary>
    public string? Cert { get; init; }

    /// <summary><c>"key"</c>: PEM file of our private key.</summary>
    public string? Key { get; init; }

    /// <summary><c>"ca"</c>: PEM files of the trusted CAs (one is sent as a
    /// string, several as an array). Default: the system's trust store.</summary>
    public IReadOnlyList<string>? Ca { get; init; }

    /// <summary><c>"verify"</c>: verify the peer (default true).</summary>
    public bool? Verify { get; init; }

    /// <summary><c>"requireClientCert"</c>: server, mutual TLS (default false).</summary>
    public bool? RequireClientCert { get; init; }

    /// <summary><c>"servername"</c>: client, the name the server certificate
    /// must carry (default: the host).</summary>
    public string? ServerName { get; init; }

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        SocketOptions.Str(w, "cert", Cert);
        SocketOptions.Str(w, "key", Key);
        if (Ca is { Count: 1 })
        {
            w.WriteString("ca", Ca[0]);
        }
        else if (Ca is not null)
        {
            w.WriteStartArray("ca");
            foreach (string f in Ca)
                w.WriteStringValue(f);
            w.WriteEndArray();
        }
        SocketOptions.Bool(w, "verify", Verify);
        SocketOptions.Bool(w, "requireClientCert", RequireClientCert);
        SocketOptions.Str(w, "servername", ServerName);
        w.WriteEndObject();
    }
}
