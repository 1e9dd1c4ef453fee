using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Xunit;

namespace LibIpc.Tests;

/// <summary>NamedSemaphore: the synchronous API, bad input, closing, other processes.</summary>
public class SemaphoreTests
{
    [Fact]
    public void CreateOpenPostWaitAndValue()
    {
        using var n = ObjName.Sem();
        using var a = NamedSemaphore.Create(n, initialCount: 2);
        Assert.Equal(n.Name, a.Name);
        Assert.Equal(2, a.Value);
        Assert.True(File.Exists(n.BackingFile));
        using var b = NamedSemaphore.Open(n);
        Assert.Equal(2, b.Value);
        Assert.True(b.TryWait());
        Assert.True(a.Wait(TimeSpan.Zero));
        Assert.False(b.TryWait());
        Assert.False(a.Wait(0));
        a.Post();
        Assert.Equal(1, b.Value);
        b.Wait(); // a unit is there: returns at once
        b.Post(3);
        Assert.Equal(3, a.Value);
        Assert.Contains(n.Name, a.ToString());
    }

    [Fact]
    public void ModesExistsAndRemove()
    {
        using var n = ObjName.Sem();
        Assert.False(NamedSemaphore.Exists(n));
        Assert.Equal(IpcErrorCode.ENOENT, Assert.Throws<IpcNotFoundException>(() => NamedSemaphore.Open(n)).Code);
        using var a = NamedSemaphore.OpenOrCreate(n, initialCount: 4);
        Assert.True(NamedSemaphore.Exists(n));
        using var b = NamedSemaphore.OpenOrCreate(n, initialCount: 9); // opens: the initial count is ignored
        Assert.Equal(4, b.Value);
        var e = Assert.Throws<IpcAlreadyExistsException>(() => NamedSemaphore.Create(n));
        Assert.Contains(n.Name, e.Detail);

        NamedSemaphore.Remove(n);
        Assert.False(NamedSemaphore.Exists(n));
        Assert.False(NamedSemaphore.TryRemove(n));
        Assert.Throws<IpcNotFoundException>(() => NamedSemaphore.Remove(n));
        // Open handles keep working with the removed semaphore.
        a.Post();
        Assert.Equal(5, b.Value);
        using var fresh = NamedSemaphore.Create(n); // the name is free again: a new semaphore
        Assert.Equal(0, fresh.Value);
    }

    [Fact]
    public void PermissionsAreApplied()
    {
        using var n = ObjName.Sem();
        using (NamedSemaphore.Create(n, 0, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead))
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
                         File.GetUnixFileMode(n.BackingFile));
        NamedSemaphore.Remove(n);
        using (NamedSemaphore.Create(n))
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(n.BackingFile));
    }

    [Fact]
    public void BadInputThrowsTheRightException()
    {
        using var n = ObjName.Sem();
        Assert.Throws<ArgumentNullException>(() => NamedSemaphore.Create(null!));
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => NamedSemaphore.Create("")).Code);
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => NamedSemaphore.Create("a/b")).Code);
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => NamedSemaphore.Create("a\0b")).Code);
        Assert.Equal(IpcErrorCode.ENAMETOOLONG,
                     Assert.Throws<IpcArgumentException>(() => NamedSemaphore.Create(new string('x', NamedSemaphore.NameMax + 1))).Code);
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => NamedSemaphore.Exists("a/b")).Code);
        Assert.Throws<ArgumentOutOfRangeException>(() => NamedSemaphore.Create(n, initialCount: -1));
        Assert.Equal(IpcErrorCode.EINVAL,
                     Assert.Throws<IpcArgumentException>(() => new NamedSemaphore(n, (OpenMode)7)).Code);
        Assert.Equal(IpcErrorCode.EINVAL,
                     Assert.Throws<IpcArgumentException>(() => NamedSemaphore.Create(n, 0, UnixFileMode.SetUser)).Code);
        Assert.False(NamedSemaphore.Exists(n)); // nothing was created by the failures

        // The longest name works.
        string longest = TestNames.Posix("long");
        longest += new string('y', NamedSemaphore.NameMax - longest.Length);
        using (NamedSemaphore.Create(longest))
            NamedSemaphore.Remove(longest);

        using var s = NamedSemaphore.Create(n, initialCount: NamedSemaphore.MaxValue);
        var e = Assert.Throws<IpcOutOfRangeException>(() => s.Post());
        Assert.Equal(IpcErrorCode.ERANGE, e.Code);
        Assert.Equal(NamedSemaphore.MaxValue, s.Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Wait(-2));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Wait(TimeSpan.FromMilliseconds(-5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = s.WaitAsync(TimeSpan.FromMilliseconds(-5)); });
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Post(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.SetSpin(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.SetSpin(TimeSpan.FromSeconds(5)));
        s.SetSpin(TimeSpan.Zero);
        s.SetSpin(TimeSpan.FromMicroseconds(50));
    }

    [Fact]
    public void ADisposedSemaphoreThrowsObjectDisposed()
    {
        using var n = ObjName.Sem();
        var s = NamedSemaphore.Create(n, 1);
        s.Dispose();
        s.Dispose(); // idempotent
        Assert.True(s.IsDisposed);
        Assert.True(NamedSemaphore.Exists(n)); // closing never removes
        Assert.Throws<ObjectDisposedException>(() => s.Post());
        Assert.Throws<ObjectDisposedException>(() => s.TryWait());
        Assert.Throws<ObjectDisposedException>(() => s.Wait());
        Assert.Throws<ObjectDisposedException>(() => s.Value);
        Assert.Throws<ObjectDisposedException>(() => { _ = s.WaitAsync(); });
        Assert.Throws<ObjectDisposedException>(() => s.SetSpin(TimeSpan.Zero));
        using var again = NamedSemaphore.Open(n);
        Assert.Equal(1, again.Value);
    }

    [Fact]
    public void ATimedWaitTimesOut()
    {
        using var n = ObjName.Sem();
        using var s = NamedSemaphore.Create(n);
        var sw = Stopwatch.StartNew();
        Assert.False(s.Wait(TimeSpan.FromMilliseconds(30)));
        Assert.True(sw.ElapsedMilliseconds >= 29, $"returned after {sw.ElapsedMilliseconds} ms");
        Assert.False(s.Wait(1));
    }

    [Fact]
    public void DisposeWakesABlockedWaitWithClosed()
    {
        using var n = ObjName.Sem();
        var s = NamedSemaphore.Create(n);
        s.SetSpin(TimeSpan.Zero);
        var waiter = new Blocked(() => s.Wait());
        waiter.WaitUntilAsleep();
        s.Dispose();
        var e = Assert.IsType<IpcClosedException>(waiter.Join());
        Assert.Equal(IpcErrorCode.ECLOSED, e.Code);
        Assert.Contains(n.Name, e.Message);
    }

    [Fact]
    public void AnotherProcessWakesOurWaitAndWeWakeItsWait()
    {
        using var n = ObjName.Sem();
        using var s = NamedSemaphore.Create(n);
        using var child = Child.StartCSharp();
        Assert.Equal("ok", child.Ask($"sem {n.Name}"));

        // Ours: blocked until the child posts.
        s.SetSpin(TimeSpan.Zero);
        var waiter = new Blocked(() => s.Wait());
        waiter.WaitUntilAsleep();
        Assert.Equal("posted 1", child.Ask("post 1"));
        Assert.Null(waiter.Join());
        Assert.True(waiter.Returned);

        // Theirs: the child blocks in Wait(-1) until we post.
        child.WriteLine("wait -1");
        s.Post();
        Assert.Equal("took", child.ReadLine());
        Assert.Equal(0, s.Value);
        Assert.Equal("timeout", child.Ask("wait 0"));
        child.Finish();
    }
}
