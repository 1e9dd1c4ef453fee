// Area sock of the C# interop peer (tests/interop/README.md, "Area sock"): a
// SocketServer (create) or SocketClient (open) on {"id": name}, using the
// binding's asynchronous reads. Every wait has a 60 s limit: a failure, never a hang.
using System;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using LibIpc;

internal static class SockPeer
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static JsonElement Hello(string lang) => JsonSerializer.SerializeToElement(new
    {
        lang,
        text = "h\u00e9llo \u2713 \U0001F600",
        n = new object[] { 1, 2.5, -3 },
        nested = new { ok = true, none = (object?)null },
    });

    public static async Task<int> Create(string name, string other)
    {
        using var cts = new CancellationTokenSource(Limit);
        CancellationToken t = cts.Token;
        await using var server = new SocketServer(new SocketOptions { Id = name });
        await Next(server, SocketEventKind.Start, t);
        Console.WriteLine("ready");

        ulong conn = (await Next(server, SocketEventKind.Connect, t)).Connection;
        SocketEvent hello = await Message(server, "hello", t);
        if (hello.Connection != conn || !JsonElement.DeepEquals(hello.Data, Hello(other)))
            return Fail($"hello: {hello}");
        server.Emit(conn, "welcome", new { lang = "csharp", echo = hello.Data });
        server.Broadcast("news", "broadcast \u2713");

        for (int i = 0; i < 100; ++i)
        {
            SocketEvent seq = await Message(server, "seq", t);
            if (seq.Data.ValueKind != JsonValueKind.Number || seq.Data.GetDouble() != i)
                return Fail($"seq {i}: {seq}");
        }
        await Message(server, "bye", t);
        server.Emit(conn, "done", 100);

        SocketEvent gone = await Next(server, SocketEventKind.Disconnect, t);
        if (gone.Connection != conn)
            return Fail($"disconnect of {gone.Connection}, expected {conn}");
        Console.In.ReadToEnd(); // until the driver closes it
        Console.WriteLine("ok: hello, 100 seq and bye from " + other);
        return 0;
    }

    public static async Task<int> Open(string name, string creator)
    {
        using var cts = new CancellationTokenSource(Limit);
        CancellationToken t = cts.Token;
        await using var client = new SocketClient(new SocketOptions { Id = name, StopRetrying = true });
        await client.WaitConnectedAsync(t);
        JsonElement sent = Hello("csharp");
        client.Emit("hello", sent);

        SocketEvent welcome = await Message(client, "welcome", t);
        if (welcome.Data.GetProperty("lang").GetString() != creator ||
            !JsonElement.DeepEquals(welcome.Data.GetProperty("echo"), sent))
            return Fail($"welcome: {welcome}");
        SocketEvent news = await Message(client, "news", t);
        if (news.Data.ValueKind != JsonValueKind.String || news.Data.GetString() != "broadcast \u2713")
            return Fail($"news: {news}");

        for (int i = 0; i < 100; ++i)
            client.Emit("seq", i);
        client.Emit("bye", new { });
        SocketEvent done = await Message(client, "done", t);
        if (done.Data.ValueKind != JsonValueKind.Number || done.Data.GetDouble() != 100)
            return Fail($"done: {done}");
        client.Disconnect();
        Console.WriteLine("ok: welcome, news and done from " + creator);
        return 0;
    }

    private static async Task<SocketEvent> Next(SocketEndpoint e, SocketEventKind kind, CancellationToken t)
    {
        for (;;)
        {
            SocketEvent ev = await e.ReceiveAsync(t);
            if (ev.Kind == kind)
                return ev;
            if (ev.Kind == SocketEventKind.Error)
                throw new InvalidOperationException($"waiting for {kind}: {ev}");
        }
    }

    /// <summary>The next user event, which must be of <paramref name="type"/>.</summary>
    private static async Task<SocketEvent> Message(SocketEndpoint e, string type, CancellationToken t)
    {
        SocketEvent ev = await Next(e, SocketEventKind.Message, t);
        if (ev.Type != type)
            throw new InvalidOperationException($"expected \"{type}\", got {ev}");
        return ev;
    }

    private static int Fail(string what)
    {
        Console.Error.WriteLine($"csharp peer: {what}");
        return 1;
    }
}
