using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Xunit;

namespace LibIpc.Tests;

/// <summary>MessageQueue: the synchronous API, bad input, closing, other processes.</summary>
public class MessageQueueTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    private static string S(Message m) => Encoding.UTF8.GetString(m.Span);

    [Fact]
    public void CreateOpenSizesAndCount()
    {
        using var n = ObjName.Queue();
        using var a = MessageQueue.Create(n, capacity: 8, maxMessageSize: 100);
        Assert.Equal((8, 100), (a.Capacity, a.MaxMessageSize));
        Assert.Equal(n.Name, a.Name);
        Assert.Equal(0, a.Count);
        Assert.Equal(0, a.Recoveries);
        Assert.True(File.Exists(n.BackingFile));
        using var b = MessageQueue.Open(n);
        Assert.Equal((8, 100), (b.Capacity, b.MaxMessageSize));
        // An existing queue keeps its sizes whatever open-or-create passes.
        using var c = MessageQueue.OpenOrCreate(n, capacity: 3, maxMessageSize: 7);
        Assert.Equal((8, 100), (c.Capacity, c.MaxMessageSize));
        a.Send(B("x"));
        Assert.Equal(1, b.Count);
        Assert.Contains(n.Name, a.ToString());
    }

    [Fact]
    public void PrioritiesThenFifo()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, 16, 64);
        (string, int)[] sent = { ("a1", 1), ("b0", 0), ("c31", 31), ("d1", 1), ("e5", 5), ("f0", 0), ("g31", 31) };
        foreach (var (text, prio) in sent)
            q.Send(B(text), prio);
        string[] order = { "c31", "g31", "e5", "a1", "d1", "b0", "f0" };
        foreach (string want in order)
        {
            Message m = q.Receive(TimeSpan.Zero);
            Assert.Equal(want, S(m));
            Assert.Equal(int.Parse(want[1..]), m.Priority);
            var (data, prio) = m;
            Assert.Equal(m.Priority, prio);
            Assert.Equal(want, Encoding.UTF8.GetString(data.Span));
        }
        Assert.False(q.TryReceive(out _));
    }

    [Fact]
    public void FullAndEmptyWithTimeouts()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, capacity: 2, maxMessageSize: 16);
        Assert.True(q.TrySend(B("1")));
        Assert.True(q.TrySend(B("2"), 3, TimeSpan.FromMilliseconds(10)));
        Assert.False(q.TrySend(B("3")));
        Assert.False(q.TrySend(B("3"), 0, TimeSpan.FromMilliseconds(5)));

        var wouldBlock = Assert.Throws<IpcWouldBlockException>(() => q.Send(B("3"), 0, TimeSpan.Zero));
        Assert.Equal(IpcErrorCode.EAGAIN, wouldBlock.Code);
        Assert.Contains(n.Name, wouldBlock.Detail);
        var sw = Stopwatch.StartNew();
        var timedOut = Assert.Throws<IpcTimeoutException>(() => q.Send(B("3"), 0, TimeSpan.FromMilliseconds(30)));
        Assert.True(sw.ElapsedMilliseconds >= 29, $"returned after {sw.ElapsedMilliseconds} ms");
        Assert.Equal(IpcErrorCode.ETIMEDOUT, timedOut.Code);
        Assert.Equal(2, q.Count);

        Assert.Equal("2", S(q.Receive()));
        Assert.True(q.TryReceive(out Message m, TimeSpan.FromMilliseconds(10)));
        Assert.Equal("1", S(m));
        Assert.False(q.TryReceive(out m));
        Assert.Equal(default, m.Data);
        Assert.False(q.TryReceive(out _, TimeSpan.FromMilliseconds(5)));
        Assert.Equal(IpcErrorCode.EAGAIN, Assert.Throws<IpcWouldBlockException>(() => q.Receive(TimeSpan.Zero)).Code);
        Assert.Equal(IpcErrorCode.ETIMEDOUT,
                     Assert.Throws<IpcTimeoutException>(() => q.Receive(TimeSpan.FromMilliseconds(20))).Code);
        Assert.False(q.TryReceive(new byte[16], out _, out _));
        Assert.False(q.TryReceiveMany(4, out Message[] none));
        Assert.Empty(none);
    }

    [Fact]
    public void BadInputThrowsTheRightException()
    {
        using var n = ObjName.Queue();
        Assert.Throws<ArgumentNullException>(() => MessageQueue.Create(null!, 1, 1));
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => MessageQueue.Create("", 1, 1)).Code);
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => MessageQueue.Create("x/y", 1, 1)).Code);
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => MessageQueue.Open("x\0y")).Code);
        Assert.Equal(IpcErrorCode.ENAMETOOLONG,
                     Assert.Throws<IpcArgumentException>(() => MessageQueue.Create(new string('q', MessageQueue.NameMax + 1), 1, 1)).Code);
        Assert.Equal(IpcErrorCode.EINVAL, Assert.Throws<IpcArgumentException>(() => MessageQueue.Create(n, 0, 16)).Code);
        Assert.Equal(IpcErrorCode.EINVAL, Assert.Throws<IpcArgumentException>(() => MessageQueue.Create(n, 4, 0)).Code);
        Assert.Equal(IpcErrorCode.EINVAL,
                     Assert.Throws<IpcArgumentException>(() => MessageQueue.Create(n, MessageQueue.CapacityLimit + 1, 16)).Code);
        Assert.Equal(IpcErrorCode.EINVAL,
                     Assert.Throws<IpcArgumentException>(() => MessageQueue.Create(n, 1, MessageQueue.MessageSizeLimit + 1)).Code);
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageQueue.Create(n, -1, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageQueue.Create(n, 1, -16));
        Assert.Throws<IpcNotFoundException>(() => MessageQueue.Open(n));
        Assert.False(MessageQueue.Exists(n)); // nothing was created by the failures

        using var q = MessageQueue.Create(n, 4, 8);
        Assert.Throws<IpcAlreadyExistsException>(() => MessageQueue.Create(n, 4, 8));
        var prio = Assert.Throws<IpcArgumentException>(() => q.Send(B("p"), MessageQueue.MaxPriority + 1));
        Assert.Equal(IpcErrorCode.EINVAL, prio.Code);
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Send(B("p"), -1));
        Assert.True(q.TrySend(new byte[8], MessageQueue.MaxPriority)); // 31 is the highest
        var size = Assert.Throws<IpcMessageSizeException>(() => q.Send(new byte[9]));
        Assert.Equal(IpcErrorCode.EMSGSIZE, size.Code);
        Assert.Null(size.RequiredSize);
        Assert.Throws<IpcMessageSizeException>(() => q.TrySend(new byte[9]));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Receive(TimeSpan.FromMilliseconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Send(B("t"), 0, TimeSpan.FromMilliseconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.ReceiveMany(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.ReadAllAsync(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.SetSpin(TimeSpan.FromTicks(-1)));
        Assert.Equal(1, q.Count); // only the 31
    }

    [Fact]
    public void ANameHoldingSomethingElseIsCorrupt()
    {
        using var n = ObjName.Queue();
        string backing = "ipc-mq." + n.Name; // what mq.h says a queue named n lives in
        using (var shm = SharedMemory.Create(backing, 4)) // smaller than any libipc object's header
            shm.AsSpan().Fill(0x5A);
        try
        {
            var e = Assert.ThrowsAny<IpcException>(() => MessageQueue.Open(n));
            Assert.Equal(IpcErrorCode.ECORRUPT, e.Code);
        }
        finally
        {
            SharedMemory.TryRemove(backing);
        }
    }

    [Fact]
    public void ADisposedQueueThrowsObjectDisposed()
    {
        using var n = ObjName.Queue();
        var q = MessageQueue.Create(n, 4, 8);
        q.Send(B("kept"));
        q.Dispose();
        q.Dispose();
        Assert.True(q.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => q.Send(B("x")));
        Assert.Throws<ObjectDisposedException>(() => q.TrySend(B("x")));
        Assert.Throws<ObjectDisposedException>(() => q.Receive());
        Assert.Throws<ObjectDisposedException>(() => q.TryReceive(out _));
        Assert.Throws<ObjectDisposedException>(() => q.Count);
        Assert.Throws<ObjectDisposedException>(() => q.ReadAllAsync());
        Assert.Throws<ObjectDisposedException>(() => { _ = q.ReceiveAsync(); });
        using var again = MessageQueue.Open(n); // closing never removes
        Assert.Equal("kept", S(again.Receive()));
    }

    [Fact]
    public void ReceiveIntoASpan()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, 4, 64);
        q.Send(B("twelve bytes"), 7);
        q.Send(ReadOnlySpan<byte>.Empty, 2);
        var e = Assert.Throws<IpcMessageSizeException>(() => q.Receive(new byte[4], out _));
        Assert.Equal(12, e.RequiredSize);
        Assert.Contains("12 bytes needed", e.Detail);
        Assert.Throws<IpcMessageSizeException>(() => q.TryReceive(new byte[11], out _, out _));
        Assert.Equal(2, q.Count); // still queued
        var buf = new byte[64];
        int len = q.Receive(buf, out int prio);
        Assert.Equal((12, 7), (len, prio));
        Assert.Equal("twelve bytes", Encoding.UTF8.GetString(buf, 0, len));
        Assert.True(q.TryReceive(Span<byte>.Empty, out len, out prio));
        Assert.Equal((0, 2), (len, prio));
    }

    [Fact]
    public void LargeAndEmptyMessages()
    {
        using var n = ObjName.Queue();
        const int Max = 200_000;
        using var q = MessageQueue.Create(n, 3, Max);
        byte[] big = Enumerable.Range(0, Max).Select(i => (byte)(i * 13)).ToArray();
        q.Send(big, 1);
        q.Send(Array.Empty<byte>(), 0);
        q.Send(big.AsSpan(0, 1500), 0);
        Message m = q.Receive();
        Assert.Equal(Max, m.Length);
        Assert.True(m.Span.SequenceEqual(big));
        Assert.Equal(0, q.Receive().Length);
        Assert.True(q.Receive().Span.SequenceEqual(big.AsSpan(0, 1500)));
    }

    [Fact]
    public void ReceiveManyDrainsABatchInOrder()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, 32, 40);
        for (int i = 0; i < 10; ++i)
            q.Send(B(new string((char)('a' + i), i)), i % 3);
        Message[] first = q.ReceiveMany(4);
        Assert.Equal(new[] { "cc", "fffff", "iiiiiiii", "b" }, first.Select(S));
        Assert.Equal(new[] { 2, 2, 2, 1 }, first.Select(m => m.Priority));
        Assert.True(q.TryReceiveMany(100, out Message[] rest));
        Assert.Equal(new[] { "eeee", "hhhhhhh", "", "ddd", "gggggg", "jjjjjjjjj" }, rest.Select(S));
        Assert.Equal(0, q.Count);
        Assert.Throws<IpcWouldBlockException>(() => q.ReceiveMany(3, TimeSpan.Zero));
        Assert.Throws<IpcTimeoutException>(() => q.ReceiveMany(3, TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void OpenHandlesKeepWorkingAfterRemove()
    {
        using var n = ObjName.Queue();
        using var a = MessageQueue.Create(n, 4, 8);
        using var b = MessageQueue.Open(n);
        MessageQueue.Remove(n);
        Assert.False(MessageQueue.Exists(n));
        Assert.False(MessageQueue.TryRemove(n));
        a.Send(B("still"));
        Assert.Equal("still", S(b.Receive()));
        Assert.Throws<IpcNotFoundException>(() => MessageQueue.Open(n));
    }

    [Fact]
    public void DisposeWakesABlockedReceiveAndABlockedSend()
    {
        using var n = ObjName.Queue();
        var q = MessageQueue.Create(n, 1, 8);
        q.SetSpin(TimeSpan.Zero);
        var receiver = new Blocked(() => q.Receive());
        receiver.WaitUntilAsleep();
        q.Dispose();
        Assert.Equal(IpcErrorCode.ECLOSED, Assert.IsType<IpcClosedException>(receiver.Join()).Code);

        var p = MessageQueue.Open(n);
        p.SetSpin(TimeSpan.Zero);
        p.Send(B("full"));
        var sender = new Blocked(() => p.Send(B("more")));
        sender.WaitUntilAsleep();
        p.Dispose();
        Assert.Equal(IpcErrorCode.ECLOSED, Assert.IsType<IpcClosedException>(sender.Join()).Code);
        using var check = MessageQueue.Open(n);
        Assert.Equal(1, check.Count); // "more" was not sent
    }

    [Fact]
    public void MessagesCrossProcessesBothWays()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, capacity: 1, maxMessageSize: 64);
        using var child = Child.StartCSharp();
        Assert.Equal("ok", child.Ask($"mq {n.Name}"));

        // Child to us, our receive blocked first.
        q.SetSpin(TimeSpan.Zero);
        Message got = default;
        var receiver = new Blocked(() => got = q.Receive());
        receiver.WaitUntilAsleep();
        Assert.Equal("sent", child.Ask("send 4 h\u00e9llo \u2713"));
        Assert.Null(receiver.Join());
        Assert.Equal(("h\u00e9llo \u2713", 4), (S(got), got.Priority));

        // Us to the child, our send blocked on the full queue until it receives.
        q.Send(B("one"), 1);
        var sender = new Blocked(() => q.Send(B("two"), 2));
        sender.WaitUntilAsleep();
        Assert.Equal("msg 1 one", child.Ask("recv -1"));
        Assert.Null(sender.Join());
        Assert.Equal("msg 2 two", child.Ask("recv 1000"));
        Assert.Equal("timeout", child.Ask("recv 0"));
        child.Finish();
    }
}
