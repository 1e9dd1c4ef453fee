using System;
using System.Threading.Tasks;
using Xunit;

namespace LibIpc.Tests;

/// <summary>
/// The real node-ipc 9.2.1 as the other side (a node process, see
/// <see cref="NodeIpcPeer"/>): node-ipc clients to our server and our client
/// to a node-ipc server, over Unix sockets (node-ipc's own path composition)
/// and TCP: events both ways, emit to one, broadcast, reconnect after the
/// node-ipc server restarts. Synchronised on the peer's lines and our events.
/// </summary>
public class NodeIpcTests
{
    [NodeIpcFact]
    public Task NodeIpcClientsTalkToOurUnixServer() => ClientsToOurServer(unix: true);

    [NodeIpcFact]
    public Task NodeIpcClientsTalkToOurTcpServer() => ClientsToOurServer(unix: false);

    private static async Task ClientsToOurServer(bool unix)
    {
        using var root = new SockRoot();
        string id = SockPath.NewId("srv");
        await using var server = new SocketServer(unix
            ? new SocketOptions { SocketRoot = root.Root, Id = id }
            : new SocketOptions { Transport = SocketTransport.Tcp, Port = 0 });
        string[] args = unix ? new[] { "client", "unix", root.Root, id } : new[] { "client", "tcp", server.Port.ToString() };
        if (unix)
            Assert.Equal(root.Root + "app." + id, server.Address);

        await using var a = NodeIpcPeer.Start(args);
        await a.Expect("connect");
        ulong connA = (await Within.Next(server, SocketEventKind.Connect)).Connection;
        SocketEvent hello = await Within.Message(server, "hello");
        Assert.Equal(connA, hello.Connection);
        Assert.Equal("node-ipc", hello.Data.GetProperty("from").GetString());

        await using var b = NodeIpcPeer.Start(args);
        await b.Expect("connect");
        ulong connB = (await Within.Next(server, SocketEventKind.Connect)).Connection;
        Assert.NotEqual(connA, connB);
        await Within.Message(server, "hello");
        Assert.Equal(2, server.Connections);

        // Emit to one: only a gets "only"; then a broadcast reaches both, and
        // b's first user event is the broadcast.
        server.Emit(connA, "only", new { to = "a", text = "héllo ✓ 😀" });
        server.Broadcast("all", new[] { 1, 2, 3 });
        Assert.Equal("héllo ✓ 😀", (await a.ExpectEvent("only")).GetProperty("text").GetString());
        Assert.Equal(3, (await a.ExpectEvent("all")).GetArrayLength());
        string first = await b.Expect("event ");
        Assert.StartsWith("all [1,2,3]", first);

        // node-ipc's client emit reaches us with its connection id.
        b.Emit("ping", new { n = 7, s = "x\fy" });
        SocketEvent ping = await Within.Message(server, "ping");
        Assert.Equal(connB, ping.Connection);
        Assert.Equal("x\fy", ping.Data.GetProperty("s").GetString());

        await b.DisposeAsync(); // node-ipc disconnects
        Assert.Equal(connB, (await Within.Next(server, SocketEventKind.Disconnect)).Connection);
        server.Disconnect(connA);
        await a.Expect("disconnect");
    }

    [NodeIpcFact]
    public Task OurClientTalksToANodeIpcUnixServer() => OurClientToServer(unix: true);

    [NodeIpcFact]
    public Task OurClientTalksToANodeIpcTcpServer() => OurClientToServer(unix: false);

    private static async Task OurClientToServer(bool unix)
    {
        using var root = new SockRoot();
        string id = SockPath.NewId("nsrv");
        await using var node = NodeIpcPeer.Start(unix ? new[] { "server", "unix", root.Root, id } : new[] { "server", "tcp", "0" });
        string ready = await node.Expect("ready");
        SocketOptions options = unix
            ? new SocketOptions { SocketRoot = root.Root, Id = id, Retry = 50 }
            : new SocketOptions { Port = int.Parse(ready), Retry = 50 };
        if (unix)
            Assert.Equal(root.Root + "app." + id, ready);

        await using var client = new SocketClient(options);
        var connects = 0;
        client.Connected += (_, _) =>
        {
            // As node-ipc clients do: hello on every (re)connection.
            ++connects;
            client.Emit("hello", new { from = "csharp" });
        };
        client.Start();
        await node.Expect("connect");
        Assert.Equal("csharp", (await node.ExpectEvent("hello")).GetProperty("from").GetString());
        SocketEvent welcome = await Within.Message(client, "welcome");
        Assert.Equal("csharp", welcome.Data.GetProperty("to").GetString());
        Assert.Equal(1, (await Within.Message(client, "news")).Data.GetProperty("hellos").GetInt32());

        client.Emit("ping", new { seq = 1, text = "héllo ✓ 😀" });
        SocketEvent pong = await Within.Message(client, "pong");
        Assert.Equal("héllo ✓ 😀", pong.Data.GetProperty("text").GetString());
        node.Send("emit notice {\"n\":5}"); // the peer's broadcast
        Assert.Equal(5, (await Within.Message(client, "notice")).Data.GetProperty("n").GetInt32());

        // The node-ipc server goes away and comes back: we reconnect and say
        // hello again (its count goes on).
        node.Send("stop");
        await node.Expect("stopped");
        await Within.Next(client, SocketEventKind.Disconnect);
        node.Send("start");
        await node.Expect("ready");
        await node.Expect("connect"); // our Connected handler says hello again
        // (attempts refused while it was away are error events)
        await Within.Message(client, "welcome", IpcErrorCode.ECONNREFUSED, IpcErrorCode.ECONNRESET);
        Assert.Equal(2, (await Within.Message(client, "news")).Data.GetProperty("hellos").GetInt32());
        Assert.Equal(2, connects);

        client.Disconnect();
        await node.Expect("disconnect");
        await Within.Next(client, SocketEventKind.Destroy);
    }
}
