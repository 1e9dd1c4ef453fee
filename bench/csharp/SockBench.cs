// bench/csharp, subcommand `sock`: the C# client of the socket benchmark
// (bench/README.md). It connects with LibIpc.SocketClient to an echo server
// that is already running (bench/sock_echo_server.c, or any server with its
// behaviour: `ping` -> `pong` with the same data; `tp` counted; `tp_end` ->
// `tp_done` with the count) and measures
//
// - the round trip: `ping` with data = a string of SIZE 'x', then await its
//   `pong` (ReceiveAsync), RTT_COUNT times in sequence, after a warm-up;
// - the throughput: TP_COUNT `tp` events with that data (Emit; on a full
//   write queue EmitAsync waits for the drain), then `tp_end`, timed until
//   `tp_done` arrives, whose count must equal TP_COUNT.
//
//   dotnet LibIpc.MqBench.dll sock --transport unix|tcp [--path P] [--port N]
//          --size S --rtt-count N --tp-count N
//
// Prints ONE JSON line, e.g.
// {"client":"csharp","transport":"unix","size":64,"rtt_us":30.1,"events_per_s":400000}
using System;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using LibIpc;

internal static class SockBench
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60); // any single wait: a failure, never a hang

    public static int Run(string[] args)
    {
        string transport = "unix", path = "";
        int port = 0, size = 64, rttCount = 10_000, tpCount = 200_000;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string v = args[i + 1];
            switch (args[i])
            {
                case "--transport": transport = v; break;
                case "--path": path = v; break;
                case "--port": port = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--size": size = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--rtt-count": rttCount = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--tp-count": tpCount = int.Parse(v, CultureInfo.InvariantCulture); break;
                default: return Usage($"unknown option {args[i]}");
            }
        }
        if (args.Length % 2 != 0)
            return Usage($"{args[^1]} needs a value");
        SocketOptions options = transport switch
        {
            "unix" when path.Length > 0 => new SocketOptions { Path = path, StopRetrying = true },
            "tcp" when port > 0 => new SocketOptions { Transport = SocketTransport.Tcp, Port = port, StopRetrying = true },
            _ => null!,
        };
        if (options is null)
            return Usage("--transport unix needs --path, --transport tcp needs --port");
        try
        {
            (double rtt, double eps) = Measure(options, new string('x', size), rttCount, tpCount).GetAwaiter().GetResult();
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                client = "csharp",
                transport,
                size,
                rtt_us = Math.Round(rtt, 2),
                events_per_s = Math.Round(eps),
            }));
            return 0;
        }
        catch (Exception e) when (e is IpcException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            Console.Error.WriteLine($"csharp sock bench: {e.Message}");
            return 1;
        }
    }

    private static int Usage(string why)
    {
        Console.Error.WriteLine($"csharp sock bench: {why}\nusage: sock --transport unix|tcp [--path P] [--port N] --size S --rtt-count N --tp-count N");
        return 2;
    }

    private static async Task<(double RttUs, double EventsPerS)> Measure(SocketOptions options, string data, int rttCount, int tpCount)
    {
        await using var client = new SocketClient(options);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await client.WaitConnectedAsync(cts.Token).WaitAsync(Wait);

        await RoundTrips(client, data, Math.Max(200, rttCount / 10), cts.Token); // warm-up: JIT tiers, buffers
        var sw = Stopwatch.StartNew();
        await RoundTrips(client, data, rttCount, cts.Token);
        double rtt = sw.Elapsed.TotalMicroseconds / Math.Max(1, rttCount);

        await Throughput(client, data, Math.Min(tpCount, 20_000), cts.Token); // warm-up
        sw.Restart();
        await Throughput(client, data, tpCount, cts.Token);
        double eps = tpCount / sw.Elapsed.TotalSeconds;
        return (rtt, eps);
    }

    private static async Task RoundTrips(SocketClient client, string data, int count, CancellationToken t)
    {
        for (int i = 0; i < count; ++i)
        {
            client.Emit("ping", data);
            await NextMessage(client, "pong", t);
        }
    }

    private static async Task Throughput(SocketClient client, string data, int count, CancellationToken t)
    {
        for (int i = 0; i < count; ++i)
        {
            if (!client.TryEmit("tp", data))
                await client.EmitAsync("tp", data, t); // full write queue: wait for the drain
        }
        client.Emit("tp_end");
        SocketEvent done = await NextMessage(client, "tp_done", t);
        if (done.Data.GetInt64() != count)
            throw new InvalidOperationException($"tp_done says {done.Data}, expected {count}");
    }

    private static async Task<SocketEvent> NextMessage(SocketClient client, string type, CancellationToken t)
    {
        for (;;)
        {
            SocketEvent ev = await client.ReceiveAsync(t);
            if (ev.Kind == SocketEventKind.Message)
            {
                if (ev.Type != type)
                    throw new InvalidOperationException($"got \"{ev.Type}\", expected \"{type}\"");
                return ev;
            }
            if (ev.Kind is SocketEventKind.Error or SocketEventKind.Disconnect or SocketEventKind.Destroy)
                throw new InvalidOperationException($"{ev} while waiting for {type}");
        }
    }
}
