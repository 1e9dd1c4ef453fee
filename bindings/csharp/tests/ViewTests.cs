using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace LibIpc.Tests;

public class ViewTests
{
    [Fact]
    public void SpansAreViewsOfTheMapping()
    {
        using var shm = SharedMemory.CreateAnonymous(64);
        Span<byte> all = shm.AsSpan();
        Assert.Equal(64, all.Length);
        all[5] = 55;
        Assert.Equal(55, shm.ReadBytes(5, 1)[0]);
        shm.Write(60, new byte[] { 1, 2, 3, 4 });
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, shm.AsReadOnlySpan(60).ToArray());
        Assert.Equal(4, shm.AsSpan(60).Length);
        Assert.Equal(0, shm.AsSpan(64).Length);
        shm.AsSpan(8, 4).Fill(0xCC);
        Assert.Equal(new byte[] { 0, 0xCC, 0xCC, 0xCC, 0xCC, 0 }, shm.ReadBytes(7, 6));
    }

    [Fact]
    public void ViewsOutsideTheSegmentAreRefused()
    {
        using var shm = SharedMemory.CreateAnonymous(64);
        Assert.Equal(IpcErrorCode.ERANGE, Assert.Throws<IpcOutOfRangeException>(() => shm.AsSpan(60, 5)).Code);
        Assert.Throws<IpcOutOfRangeException>(() => shm.AsSpan(65));
        Assert.Throws<IpcOutOfRangeException>(() => shm.AsReadOnlySpan(long.MaxValue, 1));
        Assert.Throws<IpcOutOfRangeException>(() => shm.AsMemory(0, 65));
        Assert.Throws<IpcOutOfRangeException>(() => shm.AsReadOnlyMemory(64, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => shm.AsSpan(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => shm.AsSpan(0, -1));
        // The checked copies report the same code from C, and change nothing.
        Assert.Equal(IpcErrorCode.ERANGE, Assert.Throws<IpcOutOfRangeException>(() => shm.Write(62, new byte[] { 1, 2, 3 })).Code);
        Assert.Equal(0, shm.AsReadOnlySpan()[62]);
        Assert.Equal(IpcErrorCode.ERANGE, Assert.Throws<IpcOutOfRangeException>(() => shm.Read(63, new byte[2])).Code);
        Assert.Throws<ArgumentOutOfRangeException>(() => shm.Write(-1, new byte[1]));
    }

    [Fact]
    public void MemoryViewsWorkLikeSpans()
    {
        using var shm = SharedMemory.CreateAnonymous(128);
        Memory<byte> m = shm.AsMemory(16, 32);
        m.Span[0] = 1;
        m.Slice(31).Span[0] = 2;
        Assert.Equal(1, shm.AsReadOnlySpan()[16]);
        Assert.Equal(2, shm.AsReadOnlySpan()[47]);
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(m, out _));
        using (MemoryHandle pin = m.Pin())
            unsafe { Assert.Equal(1, *(byte*)pin.Pointer); }
        ReadOnlyMemory<byte> r = shm.AsReadOnlyMemory();
        Assert.Equal(128, r.Length);
        Assert.Equal(2, r.Span[47]);
    }

    [Fact]
    public void AMemoryViewOutlivesDispose()
    {
        using var s = new Scratch(what: "mem");
        var shm = SharedMemory.Create(s.Name, 4096);
        Memory<byte> m = shm.AsMemory();
        ReadOnlyMemory<byte> r = shm.AsReadOnlyMemory(0, 8);
        shm.Dispose();
        Assert.True(shm.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => shm.AsSpan());
        // Still mapped: the views hold the handle.
        Assert.True(IsMapped(s.Name));
        m.Span[0] = 0x5A;
        Assert.Equal(0x5A, r.Span[0]);
        using (var again = SharedMemory.Open(s.Name))
            Assert.Equal(0x5A, again.AsReadOnlySpan()[0]);
        GC.KeepAlive(m);
        GC.KeepAlive(r);
    }

    [Fact]
    public void TheMappingGoesWithTheLastView()
    {
        using var s = new Scratch(what: "last");
        var shm = SharedMemory.Create(s.Name, 4096);
        TakeAndDropViews(shm);
        Assert.True(IsMapped(s.Name)); // the owner still holds it
        shm.Dispose();
        // The dropped views' managers release their references when collected.
        for (int i = 0; i < 10 && IsMapped(s.Name); ++i)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(IsMapped(s.Name));
    }

    [Fact]
    public void DisposeWithoutViewsUnmapsAtOnce()
    {
        using var s = new Scratch(what: "now");
        var shm = SharedMemory.Create(s.Name, 4096);
        Assert.True(IsMapped(s.Name));
        shm.Dispose();
        Assert.False(IsMapped(s.Name));
    }

    [Fact]
    public void DisposeRacingCallsNeverCrashes()
    {
        using var s = new Scratch(what: "race");
        for (int round = 0; round < 20; ++round)
        {
            var shm = SharedMemory.Create(s.Name, 1 << 16);
            using var started = new ManualResetEventSlim();
            Exception? ended = null;
            var t = new Thread(() =>
            {
                var buf = new double[1024];
                try
                {
                    while (true)
                    {
                        shm.ReadFloat64(0, buf);
                        shm.WriteFloat64(8192, buf);
                        started.Set();
                    }
                }
                catch (Exception e)
                {
                    ended = e;
                    started.Set();
                }
            });
            t.Start();
            started.Wait();
            shm.Dispose();
            t.Join();
            Assert.IsType<ObjectDisposedException>(ended);
            SharedMemory.Remove(s.Name);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TakeAndDropViews(SharedMemory shm)
    {
        Memory<byte> m = shm.AsMemory();
        m.Span[1] = 1;
        ReadOnlyMemory<byte> r = shm.AsReadOnlyMemory(0, 16);
        Assert.Equal(1, r.Span[1]);
    }

    /// <summary>True if /dev/shm/NAME is mapped into this process.</summary>
    internal static bool IsMapped(string posixName) =>
        File.ReadLines("/proc/self/maps").Any(l => l.EndsWith("/dev/shm/" + posixName, StringComparison.Ordinal) ||
                                                   l.Contains("/dev/shm/" + posixName + " ", StringComparison.Ordinal));
}
