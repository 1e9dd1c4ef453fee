using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace LibIpc.Tests;

/// <summary>
/// SocketServer and SocketClient in one process (the I/O is libipc's own
/// thread; the wire is a real socket): Unix, TCP, UDP, raw mode, the
/// lifecycle, bad input.
/// </summary>
public class SocketTests
{
    private static readonly object Hello = new { lang = "csharp", text = "héllo ✓ 😀", n = new object[] { 1, 2.5, -3 }, nested = new { ok = true, none = (object?)null } };

    [Fact]
    public async Task UnixServerAndClientExchangeEventsAsync()
    {
        using var path = new SockPath();
        await using var server = new SocketServer(new SocketOptions { Path = path });
        Assert.Equal(path.Path, server.Address);
        Assert.Equal(0, server.Port);
        Assert.True(File.Exists(path));
        SocketEvent start = await Within.Ok(server.ReceiveAsync());
        Assert.Equal(SocketEventKind.Start, start.Kind);

        await using var client = new SocketClient(new SocketOptions { Path = path, StopRetrying = true });
        await Within.Ok(client.WaitConnectedAsync());
        Assert.True(client.IsConnected);
        client.Emit("hello", Hello);

        SocketEvent connect = await Within.Next(server, SocketEventKind.Connect);
        Assert.NotEqual(0UL, connect.Connection);
        SocketEvent hello = await Within.Message(server, "hello");
        Assert.Equal(connect.Connection, hello.Connection);
        Assert.Equal("csharp", hello.Data.GetProperty("lang").GetString());
        Assert.Equal("héllo ✓ 😀", hello.Data.GetProperty("text").GetString());
        Assert.Equal(2.5, hello.Data.GetProperty("n")[1].GetDouble());
        Assert.Equal(JsonValueKind.Null, hello.Data.GetProperty("nested").GetProperty("none").ValueKind);
        Assert.Equal(1, server.Connections);

        server.Emit(hello.Connection, "welcome", new { echo = hello.Data });
        server.Broadcast("news", "broadcast ✓");
        SocketEvent welcome = await Within.Message(client, "welcome");
        Assert.Equal("héllo ✓ 😀", welcome.Data.GetProperty("echo").GetProperty("text").GetString());
        SocketEvent news = await Within.Message(client, "news");
        Assert.Equal("broadcast ✓", news.GetData<string>());

        // No data is node-ipc's {}; JSON text goes as it is.
        client.Emit("empty");
        client.EmitJson("json", "[1, {\"a\": null}]");
        Assert.Equal("{}", (await Within.Message(server, "empty")).Text);
        Assert.Equal(1, (await Within.Message(server, "json")).Data[0].GetInt32());

        client.Disconnect();
        Assert.Equal(hello.Connection, (await Within.Next(server, SocketEventKind.Disconnect)).Connection);
        await Within.Next(client, SocketEventKind.Destroy);
        // The destroy was the client's last event.
        await Assert.ThrowsAsync<IpcClosedException>(() => client.ReceiveAsync().AsTask());
        Assert.Throws<IpcClosedException>(() => client.Emit("late"));
    }

    [Fact]
    public async Task TcpWithHandlersOnTheDispatcher()
    {
        await using var server = new SocketServer(new SocketOptions { Transport = SocketTransport.Tcp, Port = 0 });
        int port = server.Port;
        Assert.InRange(port, 1, 65535);
        Assert.Equal($"127.0.0.1:{port}", server.Address);
        var started = new TaskCompletionSource<SocketEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var threads = new List<bool>();
        server.Started += (_, ev) => started.TrySetResult(ev);
        server.On("ping", ev =>
        {
            threads.Add(Thread.CurrentThread.IsThreadPoolThread);
            server.Emit(ev.Connection, "pong", ev.Data);
        });
        server.Start();
        await Within.Ok(started.Task);

        await using var client = new SocketClient(new SocketOptions { Transport = SocketTransport.Tcp, Port = port });
        var pongs = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (client.On<Dictionary<string, int>>("pong", (data, _) =>
        {
            pongs.Add(data!["i"]);
            if (pongs.Count == 50)
                all.TrySetResult();
        }))
        {
            client.Start();
            for (int i = 0; i < 50; ++i)
                client.Emit("ping", new { i });
            await Within.Ok(all.Task);
        }
        Assert.Equal(Enumerable.Range(0, 50), pongs); // in order, one handler at a time
        Assert.All(threads, Assert.True);
        Assert.EndsWith($":{port}", client.Address);
    }

    [Fact]
    public async Task UdpPeersEmitToEachOther()
    {
        await using var a = new SocketServer(new SocketOptions { Transport = SocketTransport.Udp4, Port = 0 });
        await using var b = new SocketServer(new SocketOptions { Transport = SocketTransport.Udp4, Port = 0 });
        ulong toA = b.Peer("127.0.0.1", a.Port);
        b.Emit(toA, "hi", new { from = "b" });
        SocketEvent hi = await Within.Message(a, "hi");
        Assert.Equal("b", hi.Data.GetProperty("from").GetString());
        Assert.Equal($"127.0.0.1:{b.Port}", hi.Address);
        a.Emit(hi.Connection, "reply", 42);
        SocketEvent reply = await Within.Message(b, "reply");
        Assert.Equal(42, reply.Data.GetInt32());
        Assert.Equal(toA, reply.Connection);
        Assert.Throws<IpcNotSupportedException>(() => new SocketServer(new SocketOptions { Port = 0 }).Using(s => s.Peer("127.0.0.1", 1)));
    }

    [Fact]
    public async Task RawModeSendsBytesUnframed()
    {
        using var path = new SockPath("raw");
        await using var server = new SocketServer(new SocketOptions { Path = path, Raw = true });
        await using var client = new SocketClient(new SocketOptions { Path = path, Raw = true, StopRetrying = true });
        await Within.Ok(client.WaitConnectedAsync());
        byte[] bytes = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 31)).ToArray();
        client.Send(bytes);
        var got = new MemoryStream();
        ulong conn = 0;
        while (got.Length < bytes.Length)
        {
            SocketEvent ev = await Within.Next(server, SocketEventKind.Data);
            conn = ev.Connection;
            got.Write(ev.RawData.Span);
        }
        Assert.Equal(bytes, got.ToArray());
        server.Send(conn, "\f\0 back"u8);
        SocketEvent back = await Within.Next(client, SocketEventKind.Data);
        Assert.Equal("\f\0 back"u8.ToArray(), back.RawData.ToArray());
        var e = Assert.Throws<IpcNotSupportedException>(() => client.Emit("x", 1));
        Assert.Equal(IpcErrorCode.ENOTSUP, e.Code);
    }

    [Fact]
    public async Task SendOutsideRawModeIsNotSupported()
    {
        using var path = new SockPath();
        await using var server = new SocketServer(new SocketOptions { Path = path });
        await using var client = new SocketClient(new SocketOptions { Path = path, StopRetrying = true });
        Assert.Throws<IpcNotSupportedException>(() => client.Send("x"u8));
    }

    [Theory]
    [InlineData("{\"path\": \"/tmp/x\", \"nosuchkey\": 1}", "nosuchkey")]
    [InlineData("{\"transport\": \"carrier-pigeon\"}", "transport")]
    [InlineData("{\"port\": -1}", "port")]
    [InlineData("{\"port\": 70000}", "port")]
    [InlineData("not json", "")]
    [InlineData("[1, 2]", "")]
    public void BadOptionsAreInvalidArguments(string json, string named)
    {
        var e = Assert.Throws<IpcArgumentException>(() => new SocketServer(json));
        Assert.Equal(IpcErrorCode.EINVAL, e.Code);
        Assert.Contains(named, e.Detail);
        var c = Assert.Throws<IpcArgumentException>(() => new SocketClient(json));
        Assert.Equal(IpcErrorCode.EINVAL, c.Code);
    }

    [Fact]
    public void TypedOptionsSerializeToTheHeadersKeys()
    {
        var o = new SocketOptions
        {
            Transport = SocketTransport.Udp6, Id = "w", AppSpace = "a.", SocketRoot = "/r/", Host = "::1", Port = 0,
            Unlink = false, Raw = true, MaxConnections = 3, MaxFrame = 1 << 20, MaxWriteQueue = 5, MaxEventQueue = 6,
            InlineReads = false, Retry = 7, MaxRetries = 8, StopRetrying = true, Backoff = 1.5, RetryMax = 9,
            Tls = new SocketTlsOptions { Cert = "c", Key = "k", Ca = new[] { "a", "b" }, Verify = false, RequireClientCert = true, ServerName = "s" },
        };
        JsonNode n = JsonNode.Parse(o.ToJson())!;
        Assert.Equal("udp6", (string?)n["transport"]);
        Assert.Equal("a.", (string?)n["appspace"]);
        Assert.Equal("/r/", (string?)n["socketRoot"]);
        Assert.Equal(1.5, (double?)n["backoff"]);
        Assert.Equal("b", (string?)n["tls"]!["ca"]![1]);
        Assert.Equal("s", (string?)n["tls"]!["servername"]);
        Assert.False((bool?)n["inlineReads"]);
        Assert.Equal(19, n.AsObject().Count);
        Assert.Equal("{}", new SocketOptions().ToJson());
    }

    [Fact]
    public async Task UnknownConnectionIsNotFound()
    {
        using var path = new SockPath();
        await using var server = new SocketServer(new SocketOptions { Path = path });
        var e = Assert.Throws<IpcNotFoundException>(() => server.Emit(12345, "x"));
        Assert.Equal(IpcErrorCode.ENOENT, e.Code);
        Assert.Throws<IpcNotFoundException>(() => server.Disconnect(12345));
    }

    [Fact]
    public async Task InvalidJsonIsRefusedOnEmitAndReportedOnReceive()
    {
        using var path = new SockPath();
        await using var server = new SocketServer(new SocketOptions { Path = path });
        await using var good = new SocketClient(new SocketOptions { Path = path, StopRetrying = true });
        await Within.Ok(good.WaitConnectedAsync());
        var e = Assert.Throws<IpcArgumentException>(() => good.EmitJson("x", "{not json"));
        Assert.Equal(IpcErrorCode.EILSEQ, e.Code);
        Assert.Equal(IpcErrorCode.EILSEQ, Assert.Throws<IpcArgumentException>(() => good.EmitJson("x", "1\0")).Code);
        Assert.Equal(IpcErrorCode.EINVAL, Assert.Throws<IpcArgumentException>(() => good.Emit("a\0b")).Code);

        // A raw client writes a broken frame: the server reports it and the
        // connection goes on.
        await using var raw = new SocketClient(new SocketOptions { Path = path, Raw = true, StopRetrying = true });
        await Within.Ok(raw.WaitConnectedAsync());
        raw.Send("{\"type\":\"bad\",\"data\":\f{\"type\":\"ok\",\"data\":[1]}\f"u8);
        SocketEvent err = await Within.Next(server, SocketEventKind.Error);
        Assert.Equal(IpcErrorCode.EILSEQ, err.Code);
        Assert.IsAssignableFrom<IpcArgumentException>(err.Exception);
        SocketEvent ok = await Within.Message(server, "ok");
        Assert.Equal(err.Connection, ok.Connection);
        Assert.Equal(1, ok.Data[0].GetInt32());
    }

    [Fact]
    public async Task AddressInUseAndNotASocket()
    {
        using var path = new SockPath();
        await using (var first = new SocketServer(new SocketOptions { Path = path }))
        {
            var e = Assert.Throws<IpcSocketException>(() => new SocketServer(new SocketOptions { Path = path }));
            Assert.Equal(IpcErrorCode.EADDRINUSE, e.Code);
            await using var tcp = new SocketServer(new SocketOptions { Port = 0 });
            var t = Assert.Throws<IpcSocketException>(() => new SocketServer(new SocketOptions { Port = tcp.Port }));
            Assert.Equal(IpcErrorCode.EADDRINUSE, t.Code);
        }
        Assert.False(File.Exists(path)); // the server removed its socket file
        File.WriteAllText(path, "not a socket");
        Assert.Throws<IpcAlreadyExistsException>(() => new SocketServer(new SocketOptions { Path = path }));
    }

    [Fact]
    public async Task AClientWithNothingToConnectToFailsWithTheError()
    {
        using var path = new SockPath("none");
        await using var client = new SocketClient(new SocketOptions { Path = path, StopRetrying = true });
        var e = await Assert.ThrowsAnyAsync<IpcException>(() => Within.Ok(client.WaitConnectedAsync()));
        Assert.True(e.Code is IpcErrorCode.ECONNREFUSED or IpcErrorCode.ENOENT, e.ToString());
        SocketEvent err = await Within.Next(client, SocketEventKind.Error);
        Assert.Equal(e.Code, err.Code);
        await Within.Next(client, SocketEventKind.Destroy);
        // Destroyed: a later wait fails at once, with the same error.
        Assert.Equal(e.Code, (await Assert.ThrowsAnyAsync<IpcException>(() => Within.Ok(client.WaitConnectedAsync()))).Code);
    }

    [Fact]
    public async Task AClientReconnectsWhenTheServerComesBack()
    {
        using var path = new SockPath("re");
        var server = new SocketServer(new SocketOptions { Path = path });
        await using var client = new SocketClient(new SocketOptions { Path = path, Retry = 20 });
        await Within.Next(client, SocketEventKind.Connect);
        await server.DisposeAsync();
        await Within.Next(client, SocketEventKind.Disconnect);
        await using var again = new SocketServer(new SocketOptions { Path = path });
        await Within.Next(client, SocketEventKind.Connect); // errors of failed attempts skipped
        client.Emit("back", true);
        Assert.True((await Within.Message(again, "back")).Data.GetBoolean());
    }

    [Fact]
    public async Task DefaultRootComposesTheIdPath()
    {
        string root = SocketEndpoint.DefaultSocketRoot;
        Assert.EndsWith("/", root);
        Assert.True(Directory.Exists(root));
        string id = SockPath.NewId();
        await using var server = new SocketServer(new SocketOptions { Id = id });
        Assert.Equal(root + "app." + id, server.Address);
        await using var client = new SocketClient(new SocketOptions { Id = id, StopRetrying = true });
        await Within.Ok(client.WaitConnectedAsync());
    }

    /// <summary>The example of docs/csharp.md ("Sockets"), with a unique id and a deadline.</summary>
    [Fact]
    public async Task TheDocsExampleRuns()
    {
        string id = SockPath.NewId("world");
        await using var server = new SocketServer(new SocketOptions { Id = id });
        server.On("hello", ev =>
            server.Emit(ev.Connection, "welcome", new { to = ev.Data.GetProperty("from").GetString() }));
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Connected += (_, ev) => connected.TrySetResult();
        server.Start();

        await using var client = new SocketClient(new SocketOptions { Id = id });
        client.Emit("hello", new { from = "csharp" }); // queued until connected
        string? to = null;
        using var deadline = new CancellationTokenSource(Within.Deadline);
        await foreach (SocketEvent ev in client.EventsAsync(deadline.Token))
        {
            if (ev.Kind == SocketEventKind.Message && ev.Type == "welcome")
            {
                to = ev.Data.GetProperty("to").ToString();
                break;
            }
        }
        Assert.Equal("csharp", to);
        await Within.Ok(connected.Task);
        server.Broadcast("news", "to everyone");
        Assert.Equal("to everyone", (await Within.Message(client, "news")).Data.GetString());
    }
}

internal static class UsingExtensions
{
    public static TResult Using<T, TResult>(this T d, Func<T, TResult> f) where T : IDisposable
    {
        using (d)
            return f(d);
    }
}
