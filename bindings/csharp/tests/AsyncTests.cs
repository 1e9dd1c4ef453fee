using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace LibIpc.Tests;

/// <summary>
/// WaitAsync, ReceiveAsync and ReadAllAsync: woken by other processes through
/// libipc's notify, FIFO, no thread per wait, timeouts, cancellation that never
/// loses a unit or a message, close while waiting.
/// </summary>
public class AsyncTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    private static string S(Message m) => Encoding.UTF8.GetString(m.Span);

    /// <summary>Awaits with a deadline, so a lost wake-up fails instead of hanging.</summary>
    private static async Task<T> Within<T>(Task<T> task) => await task.WaitAsync(Deadline);

    private static async Task Within(Task task) => await task.WaitAsync(Deadline);

    private static int ThreadCount() =>
        int.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("Threads:", StringComparison.Ordinal))[8..].Trim());

    // ---- Semaphore --------------------------------------------------------

    [Fact]
    public async Task WaitAsyncIsWokenByAnotherProcess()
    {
        using var n = ObjName.Sem();
        using var s = NamedSemaphore.Create(n);
        using var child = Child.StartCSharp();
        Assert.Equal("ok", child.Ask($"sem {n.Name}"));
        Task<bool> t = s.WaitAsync(null);
        Assert.False(t.IsCompleted);
        Assert.Equal("posted 1", child.Ask("post 1"));
        Assert.True(await Within(t));
        Assert.Equal(0, s.Value);

        // A unit already there: completes synchronously.
        s.Post();
        Assert.True(s.WaitAsync().IsCompletedSuccessfully);
        // And the other way: the child's WaitAsync woken by our post.
        Assert.Equal("waiting", child.Ask("waitasync"));
        s.Post();
        Assert.Equal("took", child.ReadLine());
        Assert.Equal(0, s.Value);
        child.Finish();
    }

    [Fact]
    public async Task WaitAsyncServesWaitersInOrder()
    {
        using var n = ObjName.Sem();
        using var s = NamedSemaphore.Create(n);
        using var poster = NamedSemaphore.Open(n);
        Task<bool>[] waits = Enumerable.Range(0, 5).Select(_ => s.WaitAsync(null)).ToArray();
        Assert.All(waits, w => Assert.False(w.IsCompleted));
        for (int i = 0; i < waits.Length; ++i)
        {
            poster.Post();
            Assert.True(await Within(waits[i]));
            for (int j = i + 1; j < waits.Length; ++j)
                Assert.False(waits[j].IsCompleted, $"waiter {j} served before waiter {i + 1}");
        }
        Assert.Equal(0, s.Value);
        // A new arrival queues behind pending waiters even if a unit is there.
        Task<bool> first = s.WaitAsync(null), second = s.WaitAsync(null);
        poster.Post();
        Assert.True(await Within(first));
        Assert.False(second.IsCompleted);
        poster.Post();
        Assert.True(await Within(second));
    }

    [Fact]
    public async Task WaitAsyncTimeoutsAndCancellation()
    {
        using var n = ObjName.Sem();
        using var s = NamedSemaphore.Create(n);
        Assert.False(await s.WaitAsync(TimeSpan.Zero));
        Assert.False(await Within(s.WaitAsync(TimeSpan.FromMilliseconds(20))));
        Assert.False(await Within(s.WaitAsync(15)));

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Task pre = s.WaitAsync(cts.Token);
        Assert.True(pre.IsCanceled);

        using var later = new CancellationTokenSource();
        Task<bool> pending = s.WaitAsync(null, later.Token);
        Assert.False(pending.IsCompleted);
        later.Cancel();
        var oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(pending));
        Assert.Equal(later.Token, oce.CancellationToken);
        // The cancelled waiter took nothing: the next post is there for the next waiter.
        s.Post();
        Assert.Equal(1, s.Value);
        Assert.True(await Within(s.WaitAsync(TimeSpan.FromSeconds(30))));
    }

    [Fact]
    public async Task DisposeFailsPendingWaitAsyncWithClosed()
    {
        using var n = ObjName.Sem();
        var s = NamedSemaphore.Create(n);
        Task a = s.WaitAsync(), b = s.WaitAsync(TimeSpan.FromMinutes(5));
        s.Dispose();
        var e = await Assert.ThrowsAsync<IpcClosedException>(() => Within(a));
        Assert.Equal(IpcErrorCode.ECLOSED, e.Code);
        await Assert.ThrowsAsync<IpcClosedException>(() => Within(b));
        Assert.Throws<ObjectDisposedException>(() => { _ = s.WaitAsync(); });
    }

    [Fact]
    public async Task PendingWaitsTakeNoThreads()
    {
        using var n = ObjName.Sem();
        using var qn = ObjName.Queue();
        using var s = NamedSemaphore.Create(n);
        using var q = MessageQueue.Create(qn, 4, 8);
        {
            // Warm up: the notify thread of each handle, the thread pool.
            Task warm = s.WaitAsync();
            s.Post();
            await Within(warm);
            int before = ThreadCount();
            Task<bool>[] waits = Enumerable.Range(0, 300).Select(_ => s.WaitAsync(null)).ToArray();
            Task<Message>[] receives = Enumerable.Range(0, 300).Select(_ => q.ReceiveAsync().AsTask()).ToArray();
            int during = ThreadCount();
            Assert.True(during - before < 10, $"{before} threads before 600 pending waits, {during} during");
            using var child = Child.StartCSharp();
            Assert.Equal("ok", child.Ask($"sem {n.Name}"));
            Assert.Equal("posted 300", child.Ask("post 300"));
            Assert.All(await Within(Task.WhenAll(waits)), Assert.True);
            q.Dispose();
            foreach (Task<Message> r in receives)
                await Assert.ThrowsAsync<IpcClosedException>(() => Within(r));
            child.Finish();
        }
    }

    [Fact]
    public async Task CancellingWaitAsyncNeverLosesAUnit()
    {
        using var n = ObjName.Sem();
        using var s = NamedSemaphore.Create(n);
        s.SetSpin(TimeSpan.Zero); // every wait that finds nothing goes pending: the hand-off path
        const int Units = 3000;
        int taken = 0, cancelled = 0;
        using var child = Child.StartCSharp();
        Assert.Equal("ok", child.Ask($"sem {n.Name}"));
        async Task Worker(int seed)
        {
            var rnd = new Random(seed);
            for (;;)
            {
                using var cts = new CancellationTokenSource();
                Task<bool> w = s.WaitAsync(TimeSpan.FromMilliseconds(500), cts.Token);
                switch (rnd.Next(4))
                {
                    case 0: cts.Cancel(); break;                     // at once
                    case 1: cts.CancelAfter(rnd.Next(0, 2)); break;  // around the hand-off
                    default: break;                                  // not at all
                }
                try
                {
                    if (!await w)
                        return; // nothing for 500 ms: the posts are over
                    Interlocked.Increment(ref taken);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                }
            }
        }
        Task workers = Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Worker(i))));
        child.WriteLine($"trickle {Units}"); // one by one, yielding the CPU between posts
        await Within(workers);
        Assert.Equal($"posted {Units}", child.ReadLine());
        Assert.Equal(Units, taken + s.Value);
        Assert.True(cancelled > 0);
        child.Finish();
    }

    // ---- Queue ------------------------------------------------------------

    [Fact]
    public async Task ReceiveAsyncIsWokenByAnotherProcess()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, 8, 64);
        using var child = Child.StartCSharp();
        Assert.Equal("ok", child.Ask($"mq {n.Name}"));
        ValueTask<Message> pending = q.ReceiveAsync();
        Assert.False(pending.IsCompleted);
        Assert.Equal("sent", child.Ask("send 3 from the child"));
        Message m = await Within(pending.AsTask());
        Assert.Equal(("from the child", 3), (S(m), m.Priority));

        // Already queued: completes synchronously.
        q.Send(B("here"));
        ValueTask<Message> now = q.ReceiveAsync();
        Assert.True(now.IsCompletedSuccessfully);
        Assert.Equal("here", S(await now));

        // The child's ReceiveAsync woken by our send.
        Assert.Equal("waiting", child.Ask("recvasync"));
        q.Send(B("to the child"), 9);
        Assert.Equal("msg 9 to the child", child.ReadLine());
        child.Finish();
    }

    [Fact]
    public async Task ReceiveAsyncServesReceiversInOrder()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, 8, 16);
        using var sender = MessageQueue.Open(n);
        Task<Message>[] rs = Enumerable.Range(0, 4).Select(_ => q.ReceiveAsync().AsTask()).ToArray();
        for (int i = 0; i < rs.Length; ++i)
        {
            sender.Send(B($"m{i}"));
            Assert.Equal($"m{i}", S(await Within(rs[i])));
            for (int j = i + 1; j < rs.Length; ++j)
                Assert.False(rs[j].IsCompleted);
        }
    }

    [Fact]
    public async Task ReceiveAsyncTimeoutsAndCancellation()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, 8, 16);
        await Assert.ThrowsAsync<IpcWouldBlockException>(() => q.ReceiveAsync(TimeSpan.Zero).AsTask());
        var e = await Assert.ThrowsAsync<IpcTimeoutException>(() => Within(q.ReceiveAsync(TimeSpan.FromMilliseconds(20)).AsTask()));
        Assert.Equal(IpcErrorCode.ETIMEDOUT, e.Code);
        Assert.Contains(n.Name, e.Message);

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.True(q.ReceiveAsync(cts.Token).IsCanceled);

        using var later = new CancellationTokenSource();
        Task<Message> pending = q.ReceiveAsync(later.Token).AsTask();
        Task<Message> next = q.ReceiveAsync().AsTask();
        later.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(pending));
        // The message goes to the receiver still waiting; nothing is lost.
        q.Send(B("survivor"));
        Assert.Equal("survivor", S(await Within(next)));
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task CancellingReceiveAsyncNeverLosesAMessage()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, 4, 16); // the sender often waits for room: receivers often wait too
        q.SetSpin(TimeSpan.Zero); // every receive that finds nothing goes pending: the hand-off path
        const int Messages = 3000;
        var got = new ConcurrentBag<string>();
        int cancelled = 0;
        using var child = Child.StartCSharp();
        Assert.Equal("ok", child.Ask($"mq {n.Name}"));
        child.WriteLine($"sendmany {Messages} 0");
        async Task Worker(int seed)
        {
            var rnd = new Random(seed);
            for (;;)
            {
                using var cts = new CancellationTokenSource();
                Task<Message> r = q.ReceiveAsync(TimeSpan.FromMilliseconds(500), cts.Token).AsTask();
                switch (rnd.Next(4))
                {
                    case 0: cts.Cancel(); break;
                    case 1: cts.CancelAfter(rnd.Next(0, 2)); break;
                    default: break;
                }
                try
                {
                    got.Add(S(await r));
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                }
                catch (IpcTimeoutException)
                {
                    return; // nothing for 500 ms: the sends are over
                }
            }
        }
        await Within(Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Worker(i)))));
        Assert.Equal($"sent {Messages}", child.ReadLine());
        while (q.TryReceive(out Message m))
            got.Add(S(m));
        Assert.Equal(Messages, got.Count); // none lost...
        Assert.Equal(Enumerable.Range(0, Messages).Select(i => $"m{i}").OrderBy(x => x),
                     got.OrderBy(x => x)); // ...none twice
        Assert.True(cancelled > 0);
        child.Finish();
    }

    [Fact]
    public async Task ReadAllAsyncAcrossProcessesInOrder()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, 256, 32);
        using var child = Child.StartCSharp();
        Assert.Equal("ok", child.Ask($"mq {n.Name}"));
        const int Messages = 2000;
        child.WriteLine($"sendmany {Messages} 4");
        int i = 0;
        await foreach (Message m in q.ReadAllAsync().WithCancellation(new CancellationTokenSource(Deadline).Token))
        {
            Assert.Equal(($"m{i}", 4), (S(m), m.Priority));
            if (++i == Messages)
                break;
        }
        Assert.Equal($"sent {Messages}", child.ReadLine());
        Assert.Equal(0, q.Count);

        // The child's ReadAllAsync over what we send.
        child.WriteLine("readall 3");
        q.Send(B("a"), 1);
        q.Send(B("b"), 2);
        Assert.Equal("msg 2 b", child.ReadLine()); // b and a were there together: priority first
        Assert.Equal("msg 1 a", child.ReadLine());
        q.Send(B("c"), 0);
        Assert.Equal("msg 0 c", child.ReadLine());
        Assert.Equal("done 3", child.ReadLine());
        child.Finish();
    }

    [Fact]
    public async Task ReadAllAsyncKeepsWhatItDidNotDeliver()
    {
        using var n = ObjName.Queue();
        using var q = MessageQueue.Create(n, 32, 16);
        for (int i = 0; i < 10; ++i)
            q.Send(B($"m{i}"));
        var seen = new List<string>();
        await foreach (Message m in q.ReadAllAsync(maxBatch: 16))
        {
            seen.Add(S(m));
            if (seen.Count == 3)
                break; // the batch of 10 was taken whole
        }
        Assert.Equal(new[] { "m0", "m1", "m2" }, seen);
        Assert.Equal(7, q.Count); // kept by this object
        Assert.Equal("m3", S(q.Receive()));
        Assert.Equal("m4", S(await Within(q.ReceiveAsync().AsTask())));
        var buf = new byte[16];
        Assert.True(q.TryReceive(buf, out int len, out _));
        Assert.Equal("m5", Encoding.UTF8.GetString(buf, 0, len));
        Assert.Equal(new[] { "m6", "m7" }, q.ReceiveMany(2).Select(S));
        using (var other = MessageQueue.Open(n))
            Assert.Equal(0, other.Count); // the shared queue itself is empty
        q.Dispose(); // gives m8, m9 back to the queue
        using var after = MessageQueue.Open(n);
        Assert.Equal(new[] { "m8", "m9" }, after.ReceiveMany(10).Select(S));
    }

    [Fact]
    public async Task ReadAllAsyncCancellationAndDispose()
    {
        using var n = ObjName.Queue();
        var q = MessageQueue.Create(n, 32, 16);
        q.Send(B("x"));
        using var cts = new CancellationTokenSource();
        var seen = new List<string>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (Message m in q.ReadAllAsync(cts.Token))
            {
                seen.Add(S(m));
                cts.Cancel(); // cancelled while the loop waits for the next
            }
        });
        Assert.Equal(new[] { "x" }, seen);

        // A loop waiting on an empty queue ends quietly when the queue is disposed.
        var tookTwo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = Task.Run(async () =>
        {
            int count = 0;
            await foreach (Message m in q.ReadAllAsync())
                if (++count == 2)
                    tookTwo.SetResult();
            return count;
        });
        q.Send(B("y"));
        q.Send(B("z"));
        await Within(tookTwo.Task);
        Assert.False(loop.IsCompleted);
        q.Dispose();
        Assert.Equal(2, await Within(loop));
    }

    [Fact]
    public async Task DisposeFailsPendingReceiveAsyncWithClosed()
    {
        using var n = ObjName.Queue();
        var q = MessageQueue.Create(n, 4, 8);
        Task<Message> a = q.ReceiveAsync().AsTask(), b = q.ReceiveAsync(TimeSpan.FromMinutes(5)).AsTask();
        q.Dispose();
        Assert.Equal(IpcErrorCode.ECLOSED, (await Assert.ThrowsAsync<IpcClosedException>(() => Within(a))).Code);
        await Assert.ThrowsAsync<IpcClosedException>(() => Within(b));
    }

    [Fact]
    public void AProcessExitsWithAsyncWaitsPending()
    {
        using var sn = ObjName.Sem();
        using var qn = ObjName.Queue();
        using var s = NamedSemaphore.Create(sn);
        using var q = MessageQueue.Create(qn, 4, 8);
        using var child = Child.StartCSharp();
        Assert.Equal("ok", child.Ask($"sem {sn.Name}"));
        Assert.Equal("ok", child.Ask($"mq {qn.Name}"));
        Assert.Equal("waiting", child.Ask("waitasync"));
        Assert.Equal("waiting", child.Ask("recvasync"));
        child.WriteLine("exit");
        Assert.Equal(0, child.WaitForExit().Code);
        s.Post();
        Assert.Equal(1, s.Value); // the dead process took nothing
    }
}
