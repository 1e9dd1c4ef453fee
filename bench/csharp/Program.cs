// bench/csharp: message round trip and one-way throughput between two .NET
// processes: LibIpc.MessageQueue (blocking, ReceiveAsync, ReadAllAsync) beside
// System.IO.Pipes (named pipes: Unix domain sockets on Linux; sync and async),
// with the two processes pinned (taskset) to different cores, then to the same
// core. Prints a table, ratios, and CPU time per message (both processes' user +
// system time, every thread, divided by messages).
//
//   dotnet LibIpc.MqBench.dll [--quick] [--only TEST:IMPL[,...]]
//   dotnet LibIpc.MqBench.dll sock ...   (the socket benchmark's client: SockBench.cs)
//
// --only runs just those rows, e.g. --only rt:mq-async,tp:mq (TEST rt or tp;
// IMPL mq, mq-span, mq-async, mq-readall, pipe, pipe-async).
//
// Speed is reported, never asserted (bench/README.md). Each measurement starts
// two fresh processes `taskset -c CPU dotnet LibIpc.MqBench.dll child ...`:
// side A is timed (the round-trip client, or the consumer), side B serves (the
// echo, or the producer). Both run a warm-up first (JIT tiers, page faults);
// time and CPU are taken over the measured messages only.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Pipes;
using System.Linq;
using System.Threading.Tasks;
using LibIpc;

internal static class Program
{
    private static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length > 0 && args[0] == "child")
            return BenchChild.Run(args[1..]);
        if (args.Length > 0 && args[0] == "sock")
            return SockBench.Run(args[1..]); // SockBench.cs: the socket benchmark's C# client
        int only = Array.IndexOf(args, "--only");
        return Driver.Run(args.Contains("--quick"), only >= 0 && only + 1 < args.Length ? args[only + 1].Split(',') : null);
    }
}

/// <summary>One measured run of the timed side: per message (or round trip) µs,
/// CPU µs per message, and for round trips the median and 99th percentile µs.</summary>
internal readonly record struct Result(double UsPerOp, double CpuUsPerMsg, double P50 = 0, double P99 = 0);

internal static class Driver
{
    private static int counter;

    public static int Run(bool quick, string[]? only)
    {
        bool Wanted(string test, string impl) => only is null || only.Contains($"{test}:{impl}");
        int cpus = Environment.ProcessorCount;
        int rtN = quick ? 300 : 20_000, rtWarm = quick ? 100 : 3_000;
        int tpWarm = quick ? 200 : 10_000;
        int TpN(int size) => quick ? 2_000 : size <= 64 ? 300_000 : 100_000;
        Console.WriteLine($"libipc C# mq bench ({(quick ? "quick" : "full")}); {cpus} CPUs; .NET {Environment.Version}; " +
                          "lower µs is better; CPU = both processes' user+system time per message");
        var placements = new List<(string Name, int A, int B)>();
        if (cpus >= 2)
            placements.Add(("different cores (taskset 0 / 1)", 0, 1));
        placements.Add(("same core (taskset 0 / 0)", 0, 0));

        foreach (var (place, a, b) in placements)
        {
            Console.WriteLine($"\n== round trip, {place}");
            foreach (int size in new[] { 64, 4096 })
            {
                var r = new Dictionary<string, Result>();
                foreach (string impl in new[] { "mq", "mq-async", "pipe", "pipe-async" })
                {
                    if (!Wanted("rt", impl))
                        continue;
                    r[impl] = Measure("rt", impl, size, rtN, rtWarm, a, b);
                    Console.WriteLine($"  {Label(impl, size),-36} {r[impl].UsPerOp,9:F2} µs {r[impl].CpuUsPerMsg,9:F2} µs CPU/msg" +
                                      $"   p50 {r[impl].P50,6:F2} p99 {r[impl].P99,7:F2} µs");
                }
                if (r.Count == 4)
                    Console.WriteLine($"  {"  pipe / libipc mq (sync)",-36} {r["pipe"].UsPerOp / r["mq"].UsPerOp,9:F2}x   " +
                                  $"async: {r["pipe-async"].UsPerOp / r["mq-async"].UsPerOp:F2}x   " +
                                  $"libipc async / sync: {r["mq-async"].UsPerOp / r["mq"].UsPerOp:F2}x");
            }

            Console.WriteLine($"\n== one-way throughput, {place}");
            foreach (int size in new[] { 64, 4096 })
            {
                var r = new Dictionary<string, Result>();
                foreach (string impl in new[] { "mq", "mq-span", "mq-async", "mq-readall", "pipe", "pipe-async" })
                {
                    if (!Wanted("tp", impl))
                        continue;
                    r[impl] = Measure("tp", impl, size, TpN(size), tpWarm, a, b);
                    Console.WriteLine($"  {Label(impl, size),-36} {1 / r[impl].UsPerOp,9:F3} M msg/s {r[impl].CpuUsPerMsg,9:F2} µs CPU/msg");
                }
                if (r.Count == 6)
                    Console.WriteLine($"  {"  libipc mq / pipe (sync)",-36} {r["pipe"].UsPerOp / r["mq"].UsPerOp,9:F2}x   " +
                                  $"async: {r["pipe-async"].UsPerOp / r["mq-async"].UsPerOp:F2}x   " +
                                  $"ReadAllAsync: {r["pipe-async"].UsPerOp / r["mq-readall"].UsPerOp:F2}x (vs pipe async)");
            }
        }
        return 0;
    }

    private static string Label(string impl, int size) => impl switch
    {
        "mq" => $"libipc mq {size} B",
        "mq-span" => $"libipc mq into Span {size} B",
        "mq-async" => $"libipc mq ReceiveAsync {size} B",
        "mq-readall" => $"libipc mq ReadAllAsync {size} B",
        "pipe" => $"named pipe {size} B",
        _ => $"named pipe async {size} B",
    };

    private static Result Measure(string test, string impl, int size, int n, int warm, int cpuA, int cpuB)
    {
        string name = $"csbench_{Environment.ProcessId}_{++counter}";
        var queues = new List<string>();
        if (impl.StartsWith("mq", StringComparison.Ordinal))
        {
            queues.AddRange(test == "rt" ? new[] { name + ".ping", name + ".pong" } : new[] { name });
            foreach (string q in queues)
                MessageQueue.Create(q, test == "rt" ? 64 : 1024, size).Dispose();
        }
        try
        {
            string common = $"{impl} {size} {n} {warm} {name}";
            using Proc b = Proc.Start(cpuB, $"{test}-b {common}");
            b.Expect("ready");
            using Proc a = Proc.Start(cpuA, $"{test}-a {common}");
            a.Expect("ready");
            b.Send("go");
            a.Send("go");
            (double seconds, double cpuA_, double p50, double p99) = a.Result();
            (_, double cpuB_, _, _) = b.Result();
            return new Result(seconds * 1e6 / n, (cpuA_ + cpuB_) * 1e6 / n, p50, p99);
        }
        finally
        {
            foreach (string q in queues)
                MessageQueue.TryRemove(q);
        }
    }

    /// <summary>A pinned child process, driven by lines.</summary>
    private sealed class Proc : IDisposable
    {
        private readonly Process p;

        private Proc(Process p) => this.p = p;

        public static Proc Start(int cpu, string args)
        {
            string dotnet = Environment.ProcessPath ?? "dotnet";
            string dll = typeof(Driver).Assembly.Location;
            var psi = new ProcessStartInfo("taskset")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(cpu.ToString(CultureInfo.InvariantCulture));
            psi.ArgumentList.Add(dotnet);
            psi.ArgumentList.Add(dll);
            psi.ArgumentList.Add("child");
            foreach (string a in args.Split(' '))
                psi.ArgumentList.Add(a);
            return new Proc(Process.Start(psi) ?? throw new InvalidOperationException("cannot start taskset"));
        }

        public void Expect(string line)
        {
            string? got = p.StandardOutput.ReadLine();
            if (got != line)
                throw new InvalidOperationException($"child said \"{got}\", expected \"{line}\"");
        }

        public void Send(string line)
        {
            p.StandardInput.WriteLine(line);
            p.StandardInput.Flush();
        }

        public (double Seconds, double Cpu, double P50, double P99) Result()
        {
            string? line = p.StandardOutput.ReadLine();
            string[] f = line?.Split(' ') ?? Array.Empty<string>();
            if (f.Length != 5 || f[0] != "result")
                throw new InvalidOperationException($"child said \"{line}\", expected a result");
            if (!p.WaitForExit(120_000) || p.ExitCode != 0)
                throw new InvalidOperationException($"child failed (exit {(p.HasExited ? p.ExitCode : -1)})");
            double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            return (D(1), D(2), D(3), D(4));
        }

        public void Dispose()
        {
            if (!p.HasExited)
                p.Kill();
            p.Dispose();
        }
    }
}

/// <summary>
/// One side of a measurement: child rt-a|rt-b|tp-a|tp-b IMPL SIZE N WARM NAME.
/// Prints "ready" once set up, waits for "go", runs WARM + N messages, and
/// prints "result SECONDS CPU" for the N measured ones (SECONDS only on side a).
/// </summary>
internal static class BenchChild
{
    public static int Run(string[] args)
    {
        string role = args[0], impl = args[1];
        int size = int.Parse(args[2]), n = int.Parse(args[3]), warm = int.Parse(args[4]);
        string name = args[5];
        var meter = new Meter();
        if (impl.StartsWith("mq", StringComparison.Ordinal))
            RunMq(role, impl, size, n, warm, name, meter).GetAwaiter().GetResult();
        else
            RunPipe(role, impl, size, n, warm, name, meter).GetAwaiter().GetResult();
        Console.WriteLine(FormattableString.Invariant(
            $"result {meter.Seconds:R} {meter.Cpu:R} {meter.Percentile(0.50):R} {meter.Percentile(0.99):R}"));
        return 0;
    }

    /// <summary>Wall and CPU time between Start (after the warm-up) and Stop.</summary>
    private sealed class Meter
    {
        private readonly Stopwatch sw = new();
        private TimeSpan cpu0;
        private long[]? laps;
        private int lapCount;
        private long lastLap;
        public double Seconds { get; private set; }
        public double Cpu { get; private set; }

        /// <summary>Records per-operation times (round trips) for the percentiles.</summary>
        public void RecordLaps(int n) => laps = new long[n];

        public void Lap()
        {
            if (laps is null || lapCount >= laps.Length)
                return;
            long now = Stopwatch.GetTimestamp();
            laps[lapCount++] = now - lastLap;
            lastLap = now;
        }

        /// <summary>µs of the fraction <paramref name="q"/> of operations (0 if none recorded).</summary>
        public double Percentile(double q)
        {
            if (laps is null || lapCount == 0)
                return 0;
            long[] sorted = laps[..lapCount];
            Array.Sort(sorted);
            return sorted[Math.Min(lapCount - 1, (int)(q * lapCount))] * 1e6 / Stopwatch.Frequency;
        }

        public void Start()
        {
            cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            sw.Restart();
            lastLap = Stopwatch.GetTimestamp();
        }

        public void Stop()
        {
            Seconds = sw.Elapsed.TotalSeconds;
            Cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        }
    }

    private static void ReadyThenGo()
    {
        Console.WriteLine("ready");
        Console.Out.Flush();
        if (Console.ReadLine() != "go")
            throw new InvalidOperationException("expected go");
    }

    // ---- libipc --------------------------------------------------------------

    private static async Task RunMq(string role, string impl, int size, int n, int warm, string name, Meter meter)
    {
        byte[] msg = new byte[size];
        msg.AsSpan().Fill(0x6D);
        bool async = impl == "mq-async";
        if (role is "rt-a" or "rt-b")
        {
            // a sends on ping and receives on pong; b the other way round.
            using var ping = MessageQueue.Open(name + ".ping");
            using var pong = MessageQueue.Open(name + ".pong");
            MessageQueue send = role == "rt-a" ? ping : pong, recv = role == "rt-a" ? pong : ping;
            if (role == "rt-a")
                meter.RecordLaps(n);
            ReadyThenGo();
            for (int i = 0; i < warm + n; ++i)
            {
                if (i == warm)
                    meter.Start();
                if (role == "rt-a")
                {
                    send.Send(msg);
                    if (async)
                        await recv.ReceiveAsync();
                    else
                        recv.Receive();
                    if (i >= warm)
                        meter.Lap();
                }
                else
                {
                    Message m = async ? await recv.ReceiveAsync() : recv.Receive();
                    send.Send(m.Span);
                }
            }
            meter.Stop();
            return;
        }

        using var q = MessageQueue.Open(name);
        ReadyThenGo();
        if (role == "tp-b")
        {
            for (int i = 0; i < warm + n; ++i)
            {
                if (i == warm)
                    meter.Start();
                q.Send(msg);
            }
            meter.Stop();
            return;
        }
        // tp-a: the timed consumer.
        if (impl == "mq-readall")
        {
            int got = 0;
            await foreach (Message m in q.ReadAllAsync())
            {
                if (++got == warm)
                    meter.Start();
                if (got == warm + n)
                    break;
            }
            meter.Stop();
            return;
        }
        byte[] into = new byte[size];
        for (int i = 0; i < warm + n; ++i)
        {
            if (i == warm)
                meter.Start();
            switch (impl)
            {
                case "mq-async": await q.ReceiveAsync(); break;
                case "mq-span": q.Receive(into, out _); break;
                default: q.Receive(); break;
            }
        }
        meter.Stop();
    }

    // ---- System.IO.Pipes ----------------------------------------------------

    private static async Task RunPipe(string role, string impl, int size, int n, int warm, string name, Meter meter)
    {
        bool async = impl == "pipe-async";
        var options = async ? PipeOptions.Asynchronous : PipeOptions.None;
        byte[] msg = new byte[size];
        msg.AsSpan().Fill(0x70);
        byte[] buf = new byte[size];
        Stream pipe;
        if (role.EndsWith("-b", StringComparison.Ordinal))
        {
            var server = new NamedPipeServerStream(name, PipeDirection.InOut, 1, PipeTransmissionMode.Byte, options);
            Console.WriteLine("ready"); // the driver starts side a, which connects
            Console.Out.Flush();
            server.WaitForConnection();
            if (Console.ReadLine() != "go")
                throw new InvalidOperationException("expected go");
            pipe = server;
        }
        else
        {
            var client = new NamedPipeClientStream(".", name, PipeDirection.InOut, options);
            client.Connect(60_000);
            ReadyThenGo();
            pipe = client;
        }
        if (role == "rt-a")
            meter.RecordLaps(n);
        using (pipe)
        {
            for (int i = 0; i < warm + n; ++i)
            {
                if (i == warm)
                    meter.Start();
                switch (role)
                {
                    case "rt-a":
                        if (async)
                        {
                            await pipe.WriteAsync(msg);
                            await pipe.ReadExactlyAsync(buf);
                        }
                        else
                        {
                            pipe.Write(msg);
                            pipe.ReadExactly(buf);
                        }
                        if (i >= warm)
                            meter.Lap();
                        break;
                    case "rt-b":
                        if (async)
                        {
                            await pipe.ReadExactlyAsync(buf);
                            await pipe.WriteAsync(buf);
                        }
                        else
                        {
                            pipe.ReadExactly(buf);
                            pipe.Write(buf);
                        }
                        break;
                    case "tp-b":
                        if (async)
                            await pipe.WriteAsync(msg);
                        else
                            pipe.Write(msg);
                        break;
                    default: // tp-a
                        if (async)
                            await pipe.ReadExactlyAsync(buf);
                        else
                            pipe.ReadExactly(buf);
                        break;
                }
            }
            meter.Stop();
        }
    }
}
