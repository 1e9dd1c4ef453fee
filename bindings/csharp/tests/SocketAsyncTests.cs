using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace LibIpc.Tests;

/// <summary>
/// The asynchronous forms and lifetime of socket endpoints: backpressure and
/// EmitAsync, cancellation without loss, several readers, Dispose while
/// events flow, Dispose from a handler.
/// </summary>
public class SocketAsyncTests
{
    private static async Task<(SocketServer Server, SocketClient Client, ulong Conn)> Pair(SockPath path, SocketOptions? serverOptions = null, SocketOptions? clientOptions = null)
    {
        var server = new SocketServer((serverOptions ?? new SocketOptions()) with { Path = path });
        var client = new SocketClient((clientOptions ?? new SocketOptions()) with { Path = path, StopRetrying = true });
        await Within.Ok(client.WaitConnectedAsync());
        ulong conn = (await Within.Next(server, SocketEventKind.Connect)).Connection;
        return (server, client, conn);
    }

    [Fact]
    public async Task EmitAsyncWaitsForTheDrainOfAFullWriteQueue()
    {
        using var path = new SockPath("bp");
        var (server, client, conn) = await Pair(path,
            new SocketOptions { MaxWriteQueue = 64 << 10 }, new SocketOptions { MaxEventQueue = 64 << 10 });
        await using var _s = server;
        await using var _c = client;
        string payload = new('x', 1000);
        // The client takes no events: its queue fills, libipc stops reading,
        // the socket buffers fill, and then the server's write queue.
        int sent = 0;
        for (;; ++sent)
        {
            Assert.True(sent < 1_000_000, "the write queue never filled");
            try
            {
                server.Emit(conn, "n", new { i = sent, payload });
            }
            catch (IpcWouldBlockException e)
            {
                Assert.Equal(IpcErrorCode.EAGAIN, e.Code);
                break;
            }
        }
        Assert.InRange(server.Pending(conn), 0, 16 << 20); // the I/O thread may have written it all since
        // Waits for the drain (the client's libipc may still be filling its
        // event queue, so this may also complete at once).
        ValueTask blocked = server.EmitAsync(conn, "n", new { i = sent, payload });
        Task more = Task.Run(async () =>
        {
            await blocked;
            for (int i = sent + 1; i < sent + 500; ++i)
                await server.EmitAsync(conn, "n", new { i, payload });
        });
        // Now the client reads: every event arrives, in order, none lost.
        for (int i = 0; i < sent + 500; ++i)
        {
            SocketEvent ev = await Within.Message(client, "n");
            Assert.Equal(i, ev.Data.GetProperty("i").GetInt32());
        }
        await Within.Ok(more);
    }

    [Fact]
    public async Task ACancelledReceiveLosesNothing()
    {
        using var path = new SockPath();
        var (server, client, conn) = await Pair(path);
        await using var _s = server;
        await using var _c = client;
        Assert.Equal(SocketEventKind.Connect, (await Within.Ok(client.ReceiveAsync())).Kind);
        using (var cts = new CancellationTokenSource())
        {
            ValueTask<SocketEvent> r = client.ReceiveAsync(cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => r.AsTask());
        }
        server.Emit(conn, "after", 1);
        Assert.Equal(1, (await Within.Message(client, "after")).Data.GetInt32());
    }

    [Fact]
    public async Task EventsAsyncLoopsShareTheEvents()
    {
        using var path = new SockPath();
        var (server, client, conn) = await Pair(path);
        await using var _s = server;
        await using var _c = client;
        const int N = 2000;
        var seen = new ConcurrentBag<int>();
        using var stop = new CancellationTokenSource(Within.Deadline);
        int done = 0;
        async Task Loop()
        {
            await foreach (SocketEvent ev in client.EventsAsync(stop.Token))
            {
                if (ev.Kind != SocketEventKind.Message)
                    continue;
                seen.Add(ev.Data.GetInt32());
                if (Interlocked.Increment(ref done) == N)
                    stop.Cancel();
            }
        }
        Task[] loops = Enumerable.Range(0, 4).Select(_ => Task.Run(Loop)).ToArray();
        for (int i = 0; i < N; ++i)
            await server.EmitAsync(conn, "n", i);
        foreach (Task t in loops)
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t);
        Assert.Equal(Enumerable.Range(0, N), seen.OrderBy(x => x)); // each exactly once
    }

    [Fact]
    public async Task EventsAsyncEndsWhenTheEndpointIsDisposed()
    {
        using var path = new SockPath();
        var server = new SocketServer(new SocketOptions { Path = path });
        var kinds = new List<SocketEventKind>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task loop = Task.Run(async () =>
        {
            await foreach (SocketEvent ev in server.EventsAsync())
            {
                kinds.Add(ev.Kind);
                started.TrySetResult();
            }
        });
        await Within.Ok(started.Task);
        server.Dispose();
        await Within.Ok(loop);
        Assert.Equal(new[] { SocketEventKind.Start }, kinds);
        Assert.Throws<ObjectDisposedException>(() => server.Broadcast("x"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => server.ReceiveAsync().AsTask());
    }

    [Fact]
    public async Task DisposeWhileEventsFlow()
    {
        using var path = new SockPath("flow");
        var (server, client, conn) = await Pair(path);
        await using var _c = client;
        int handled = 0;
        var some = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.On("n", _ =>
        {
            if (Interlocked.Increment(ref handled) == 100)
                some.TrySetResult();
        });
        server.Start();
        using var stop = new CancellationTokenSource();
        Task producer = Task.Run(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; ++i)
            {
                try
                {
                    if (!client.TryEmit("n", i))
                        Thread.Yield();
                }
                catch (IpcClosedException)
                {
                    return;
                }
            }
        });
        await Within.Ok(some.Task);
        Task waiter = Task.Run(async () => await server.ReceiveAsync(CancellationToken.None).AsTask());
        await server.DisposeAsync(); // returns once no handler runs
        int after = Volatile.Read(ref handled);
        await Within.Next(client, SocketEventKind.Disconnect);
        stop.Cancel();
        await Within.Ok(producer);
        Assert.Equal(after, Volatile.Read(ref handled)); // no handler after DisposeAsync
        // A read that was pending, or made later, ends (it may have got an
        // event that was kept before the dispose).
        try
        {
            await Within.Ok(waiter);
        }
        catch (Exception e) when (e is IpcClosedException or ObjectDisposedException)
        {
        }
        Assert.Throws<ObjectDisposedException>(() => server.Emit(conn, "x"));
        Assert.Throws<ObjectDisposedException>(() => _ = server.Connections);
        server.Dispose(); // idempotent
    }

    [Fact]
    public async Task AHandlerMayDisposeItsEndpoint()
    {
        using var path = new SockPath("self");
        var (server, client, conn) = await Pair(path);
        await using var _c = client;
        int afterBye = 0;
        var byeSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.On("bye", _ =>
        {
            server.Dispose();
            byeSeen.TrySetResult();
        });
        server.On("late", _ => Interlocked.Increment(ref afterBye));
        server.Start();
        client.Emit("bye");
        try
        {
            for (int i = 0; i < 100; ++i)
                client.Emit("late", i); // likely in the same batch as "bye"
        }
        catch (IpcClosedException)
        {
            // the server was gone already and this client does not retry
        }
        await Within.Ok(byeSeen.Task);
        await Within.Ok(server.DisposeAsync());
        await Within.Next(client, SocketEventKind.Disconnect);
        Assert.Equal(0, afterBye);
    }

    [Fact]
    public async Task WaitConnectedAsyncCancelsAndEndsOnDispose()
    {
        using var path = new SockPath("never");
        var client = new SocketClient(new SocketOptions { Path = path, Retry = 10 });
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.WaitConnectedAsync(cts.Token));
        Task wait = client.WaitConnectedAsync();
        client.Dispose();
        await Assert.ThrowsAsync<IpcClosedException>(() => Within.Ok(wait));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.WaitConnectedAsync());
    }

    [Fact]
    public async Task HandledEventsGoToHandlersTheRestToReaders()
    {
        using var path = new SockPath("both");
        var (server, client, conn) = await Pair(path);
        await using var _s = server;
        await using var _c = client;
        var handled = new ConcurrentQueue<int>();
        client.On("n", ev => handled.Enqueue(ev.Data.GetInt32()));
        client.Start();
        for (int i = 0; i < 10; ++i)
        {
            server.Emit(conn, "n", i);
            server.Emit(conn, "m", i);
        }
        // The connect event WaitConnectedAsync saw had no handler: it is there.
        Assert.Equal(SocketEventKind.Connect, (await Within.Ok(client.ReceiveAsync())).Kind);
        for (int i = 0; i < 10; ++i)
            Assert.Equal(i, (await Within.Message(client, "m")).Data.GetInt32());
        Assert.Equal(Enumerable.Range(0, 10), handled);
    }

    [Fact]
    public async Task AnUnreadInboxKeepsTheLatestUnhandledEvents()
    {
        using var path = new SockPath("unread");
        var server = new SocketServer(new SocketOptions { Path = path });
        await using var _s = server;
        var client = new SocketClient(new SocketOptions { Path = path, StopRetrying = true });
        await using var _c = client;
        var end = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On("end", _ => end.TrySetResult());
        ulong conn = 0;
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Connected += (_, ev) =>
        {
            conn = ev.Connection;
            connected.TrySetResult();
        };
        server.Start();
        client.Start();
        await Within.Ok(connected.Task);
        for (int i = 0; i < 3000; ++i)
            server.Emit(conn, "x", i);
        server.Emit(conn, "end");
        await Within.Ok(end.Task);
        // A program that only uses handlers never stalls: nobody read, so only
        // the latest 1024 unhandled events were kept.
        Assert.Equal(3000 - 1024, (await Within.Ok(client.ReceiveAsync())).Data.GetInt32());
    }
}
