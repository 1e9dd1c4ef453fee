// The C# interop peer (see tests/interop/README.md): peer AREA create|open NAME OTHER_LANG.
// Uses the binding's own API: shm: the span view, the string helper, the float64
// helper; stream: ShmStream; sem: NamedSemaphore; mq: MessageQueue; sock:
// SocketServer/SocketClient (SockPeer.cs).
using System;
using System.Buffers.Binary;
using System.Linq;
using System.Text;
using LibIpc;

internal static class Program
{
    private const int ShmSize = 4096;
    private const string Text = "libipc interop \u2713 h\u00e9llo w\u00f6rld \U0001F600";
    private static readonly double[] Floats = { 0.5, -1.25, 3.141592653589793, 1e300, -0.0, 5e-324, 42.0, 65504.0 };

    private static int Main(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: peer AREA create|open NAME OTHER_LANG");
            return 2;
        }
        try
        {
            bool create = args[1] == "create";
            switch (args[0])
            {
                case "shm": return create ? ShmCreate(args[2]) : ShmOpen(args[2], args[3]);
                case "stream": return create ? StreamCreate(args[2], args[3]) : StreamOpen(args[2]);
                case "sem": return create ? SemCreate(args[2]) : SemOpen(args[2]);
                case "mq": return create ? MqCreate(args[2]) : MqOpen(args[2]);
                case "sock":
                    return (create ? SockPeer.Create(args[2], args[3]) : SockPeer.Open(args[2], args[3])).GetAwaiter().GetResult();
            }
            Console.Error.WriteLine($"csharp peer: unknown area {args[0]}");
            return 2;
        }
        catch (Exception e) when (e is IpcException or InvalidOperationException or OperationCanceledException)
        {
            Console.Error.WriteLine($"csharp peer: {e.Message}");
            return 1;
        }
    }

    private static int ShmCreate(string name)
    {
        using (var shm = SharedMemory.Create(name, ShmSize))
        {
            Span<byte> view = shm.AsSpan();
            for (int i = 0; i < 256; ++i)
                view[i] = (byte)i;
            BinaryPrimitives.WriteUInt32LittleEndian(view.Slice(256, 4), (uint)Encoding.UTF8.GetByteCount(Text));
            shm.WriteString(260, Text);
            shm.WriteFloat64(1024, Floats);
            Span<byte> lang = view.Slice(2048, 32);
            lang.Clear();
            Encoding.ASCII.GetBytes("csharp", lang);
        }
        Console.WriteLine("ready");
        return 0;
    }

    private static int ShmOpen(string name, string creator)
    {
        using var shm = SharedMemory.Open(name, readOnly: true);
        if (shm.Size != ShmSize)
            return Fail($"size {shm.Size}");
        ReadOnlySpan<byte> view = shm.AsReadOnlySpan();
        for (int i = 0; i < 256; ++i)
            if (view[i] != i)
                return Fail($"byte {i} = {view[i]}");
        int n = (int)BinaryPrimitives.ReadUInt32LittleEndian(view.Slice(256, 4));
        string text = shm.ReadString(260, n);
        if (text != Text)
            return Fail($"text \"{text}\"");
        double[] floats = shm.ReadFloat64(1024, Floats.Length);
        for (int i = 0; i < Floats.Length; ++i)
            if (BitConverter.DoubleToInt64Bits(floats[i]) != BitConverter.DoubleToInt64Bits(Floats[i]))
                return Fail($"float {i} = {floats[i]:R}, expected {Floats[i]:R}");
        ReadOnlySpan<byte> lang = view.Slice(2048, 32);
        int end = lang.IndexOf((byte)0);
        string who = Encoding.ASCII.GetString(end < 0 ? lang : lang.Slice(0, end));
        if (who != creator)
            return Fail($"creator \"{who}\"");
        Console.WriteLine($"ok: read {who}'s segment");
        return 0;
    }

    // ---- stream ----

    private static readonly double[] StreamFloats = { 0.5, -1.25, 1e300 };

    private static int StreamCreate(string name, string other)
    {
        using var shm = SharedMemory.Create(name, ShmSize);
        var stream = new ShmStream(shm);
        stream.WriteString("first");
        stream.WriteFloat64(StreamFloats);
        Console.WriteLine("ready");
        Console.In.ReadToEnd(); // until the driver closes it: the opener has run
        ShmStreamValue got = stream.Read();
        string want = $"reply \u2713 from {other}";
        if (got.Type != StreamValueType.String || got.AsString() != want || got.Version != 3)
            return Fail($"reply: {got} \"{(got.Type == StreamValueType.String ? got.AsString() : "")}\", expected \"{want}\" at version 3");
        Console.WriteLine("ok: read the reply");
        return 0;
    }

    private static int StreamOpen(string name)
    {
        using var shm = SharedMemory.Open(name);
        var stream = new ShmStream(shm);
        ShmStreamValue got = stream.Read();
        if (got.Type != StreamValueType.Float64 || !got.AsFloat64().SequenceEqual(StreamFloats) || got.Version != 2)
            return Fail($"floats: {got}");
        stream.WriteString("reply \u2713 from csharp");
        Console.WriteLine("ok: read the floats, wrote the reply");
        return 0;
    }

    // ---- sem ----

    private static int SemCreate(string name)
    {
        using var sem = NamedSemaphore.Create(name, initialCount: 3);
        Console.WriteLine("ready");
        Console.In.ReadToEnd(); // the opener has run
        if (Take(sem, 5, "creator") is int rc and not 0)
            return rc;
        Console.WriteLine("ok: took the 5 units the opener posted");
        return 0;
    }

    private static int SemOpen(string name)
    {
        using var sem = NamedSemaphore.Open(name);
        if (Take(sem, 3, "opener") is int rc and not 0)
            return rc;
        for (int i = 0; i < 5; ++i)
            sem.Post();
        Console.WriteLine("ok: took 3, posted 5");
        return 0;
    }

    /// <summary>Value is n; n non-blocking waits succeed; one more fails with EAGAIN.</summary>
    private static int Take(NamedSemaphore sem, int n, string who)
    {
        if (sem.Value != n)
            return Fail($"{who}: value {sem.Value}, expected {n}");
        for (int i = 0; i < n; ++i)
            if (!sem.TryWait())
                return Fail($"{who}: non-blocking wait {i + 1} of {n} failed");
        // The language's form of IPC_EAGAIN: TryWait returns false, and a
        // zero-timeout async wait says false too.
        if (sem.TryWait() || sem.Wait(TimeSpan.Zero) || sem.WaitAsync(TimeSpan.Zero).Result)
            return Fail($"{who}: a wait beyond {n} succeeded, expected IPC_EAGAIN");
        return 0;
    }

    // ---- mq ----

    private static readonly (byte[] Data, int Priority)[] MqSent =
    {
        (Encoding.UTF8.GetBytes("low-1"), 1),
        (Encoding.UTF8.GetBytes("high"), 9),
        (Encoding.UTF8.GetBytes("low-2"), 1),
        (Encoding.UTF8.GetBytes("utf8 \u2713 \U0001F600"), 5),
        (Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 0),
    };

    private static readonly int[] MqOrder = { 1, 3, 0, 2, 4 };

    private static int MqCreate(string name)
    {
        using var mq = MessageQueue.Create(name, capacity: 16, maxMessageSize: 256);
        Console.WriteLine("ready");
        Console.In.ReadToEnd(); // the opener has run
        for (int i = 0; i < MqOrder.Length; ++i)
        {
            (byte[] data, int prio) = MqSent[MqOrder[i]];
            if (!mq.TryReceive(out Message m))
                return Fail($"message {i + 1}: queue empty");
            if (m.Priority != prio || !m.Span.SequenceEqual(data))
                return Fail($"message {i + 1}: {m} \"{Encoding.UTF8.GetString(m.Span)}\", expected {data.Length} bytes at priority {prio}");
        }
        try
        {
            mq.Receive(TimeSpan.Zero);
            return Fail("a sixth receive succeeded, expected IPC_EAGAIN");
        }
        catch (IpcWouldBlockException e) when (e.Code == IpcErrorCode.EAGAIN)
        {
        }
        Console.WriteLine("ok: 5 messages in priority order, then IPC_EAGAIN");
        return 0;
    }

    private static int MqOpen(string name)
    {
        using var mq = MessageQueue.Open(name);
        if (mq.Capacity != 16 || mq.MaxMessageSize != 256)
            return Fail($"capacity {mq.Capacity}, max message size {mq.MaxMessageSize}; expected 16, 256");
        foreach ((byte[] data, int prio) in MqSent)
            mq.Send(data, prio, TimeSpan.Zero);
        Console.WriteLine("ok: sent 5");
        return 0;
    }

    private static int Fail(string what)
    {
        Console.Error.WriteLine($"csharp peer: {what}");
        return 1;
    }
}
