using System;
using System.IO;
using System.Linq;
using Xunit;

namespace LibIpc.Tests;

public class SharedMemoryTests
{
    [Fact]
    public void CreateThenOpenSeesTheSameBytes()
    {
        using var s = new Scratch();
        using var a = SharedMemory.Create(s.Name, 4096);
        Assert.Equal(4096, a.Size);
        Assert.Equal(s.Name, a.Name);
        Assert.Equal(ShmKind.Posix, a.Kind);
        Assert.False(a.IsReadOnly);
        Assert.False(a.IsDisposed);
        Assert.False(a.Handle.IsInvalid);
        a.Write(100, new byte[] { 1, 2, 3 });

        using var b = SharedMemory.Open(s.Name);
        Assert.Equal(4096, b.Size);
        Assert.Equal(new byte[] { 1, 2, 3 }, b.ReadBytes(100, 3));
        b.AsSpan()[0] = 42;
        Assert.Equal(42, a.AsReadOnlySpan()[0]);
        Assert.Contains(s.Name, b.ToString());
    }

    [Fact]
    public void CreateOnlyOfAnExistingSegmentThrowsAlreadyExists()
    {
        using var s = new Scratch();
        using var a = SharedMemory.Create(s.Name, 64);
        var e = Assert.Throws<IpcAlreadyExistsException>(() => SharedMemory.Create(s.Name, 64));
        Assert.Equal(IpcErrorCode.EEXIST, e.Code);
        Assert.Contains(s.Name, e.Detail);
    }

    [Fact]
    public void OpenOnlyOfAMissingSegmentThrowsNotFound()
    {
        using var s = new Scratch();
        var e = Assert.Throws<IpcNotFoundException>(() => SharedMemory.Open(s.Name));
        Assert.Equal(IpcErrorCode.ENOENT, e.Code);
        Assert.IsAssignableFrom<IpcException>(e);
    }

    [Fact]
    public void OpenOrCreateCreatesThenOpens()
    {
        using var s = new Scratch();
        using var a = SharedMemory.OpenOrCreate(s.Name, 128);
        a.Write(0, new byte[] { 7 });
        using var b = SharedMemory.OpenOrCreate(s.Name, 128);
        Assert.Equal(7, b.AsReadOnlySpan()[0]);
        Assert.Equal(128, b.Size);
    }

    [Fact]
    public void OpenMapsAPrefixOrRefusesMoreThanExists()
    {
        using var s = new Scratch();
        using var a = SharedMemory.Create(s.Name, 100);
        using (var prefix = SharedMemory.Open(s.Name, size: 40))
            Assert.Equal(40, prefix.Size);
        var e = Assert.Throws<IpcOutOfRangeException>(() => SharedMemory.Open(s.Name, size: 101));
        Assert.Equal(IpcErrorCode.ERANGE, e.Code);
        Assert.IsAssignableFrom<IpcArgumentException>(e);
    }

    [Fact]
    public void BadArgumentsThrowTheRightCodes()
    {
        using var s = new Scratch();
        Assert.Equal(IpcErrorCode.EINVAL, Assert.Throws<IpcArgumentException>(() => SharedMemory.Create(s.Name, 0)).Code);
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => SharedMemory.Create("", 8)).Code);
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => SharedMemory.Create("a/b", 8)).Code);
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => SharedMemory.Create("a\0b", 8)).Code);
        Assert.Equal(IpcErrorCode.ENAMETOOLONG,
                     Assert.Throws<IpcArgumentException>(() => SharedMemory.Create(new string('x', IpcLibrary.NameMax + 1), 8)).Code);
        Assert.Equal(IpcErrorCode.EINVAL, Assert.Throws<IpcArgumentException>(() => new SharedMemory(null, OpenMode.CreateOnly, 8)).Code);
        // A read-only handle cannot create.
        Assert.Equal(IpcErrorCode.EINVAL,
                     Assert.Throws<IpcArgumentException>(() => new SharedMemory(s.Name, OpenMode.OpenOrCreate, 8, readOnly: true)).Code);
        Assert.Equal(IpcErrorCode.EINVAL, Assert.Throws<IpcArgumentException>(() => new SharedMemory(s.Name, (OpenMode)7, 8)).Code);
        Assert.Equal(IpcErrorCode.EINVAL, Assert.Throws<IpcArgumentException>(() => new SharedMemory(s.Name, OpenMode.CreateOnly, 8, (ShmKind)9)).Code);
        Assert.Equal(IpcErrorCode.EINVAL,
                     Assert.Throws<IpcArgumentException>(() => SharedMemory.Create(s.Name, 8, permissions: UnixFileMode.SetUser)).Code);
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemory.Create(s.Name, -1));
        Assert.False(SharedMemory.Exists(s.Name)); // nothing was created along the way
    }

    [Fact]
    public void ANameOfNameMaxBytesIsAccepted()
    {
        string name = TestNames.Posix("max");
        name += new string('n', IpcLibrary.NameMax - name.Length);
        SharedMemory.TryRemove(name);
        try
        {
            using var shm = SharedMemory.Create(name, 8);
            Assert.Equal(name, shm.Name);
        }
        finally
        {
            SharedMemory.TryRemove(name);
        }
    }

    [Fact]
    public void PermissionsApplyToWhatIsCreated()
    {
        using var s = new Scratch();
        using (SharedMemory.Create(s.Name, 8))
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode("/dev/shm/" + s.Name));
        SharedMemory.Remove(s.Name);
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        using (SharedMemory.Create(s.Name, 8, permissions: mode))
            Assert.Equal(mode, File.GetUnixFileMode("/dev/shm/" + s.Name));
    }

    [Fact]
    public void ExistsRemoveAndTryRemove()
    {
        using var s = new Scratch();
        Assert.False(SharedMemory.Exists(s.Name));
        using (SharedMemory.Create(s.Name, 8)) { }
        Assert.True(SharedMemory.Exists(s.Name)); // closing never removes
        SharedMemory.Remove(s.Name);
        Assert.False(SharedMemory.Exists(s.Name));
        Assert.Equal(IpcErrorCode.ENOENT, Assert.Throws<IpcNotFoundException>(() => SharedMemory.Remove(s.Name)).Code);
        Assert.False(SharedMemory.TryRemove(s.Name));
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => SharedMemory.Exists("x/y")).Code);
    }

    [Fact]
    public void RemovingKeepsExistingMappingsValid()
    {
        using var s = new Scratch();
        using var shm = SharedMemory.Create(s.Name, 64);
        shm.AsSpan().Fill(9);
        SharedMemory.Remove(s.Name);
        Assert.False(SharedMemory.Exists(s.Name));
        Assert.All(shm.ReadBytes(0, 64), b => Assert.Equal(9, b));
        Assert.Throws<IpcNotFoundException>(() => SharedMemory.Open(s.Name));
    }

    [Fact]
    public void AnonymousSegments()
    {
        using var shm = SharedMemory.CreateAnonymous(256);
        Assert.Equal(ShmKind.Anonymous, shm.Kind);
        Assert.Equal("", shm.Name);
        Assert.Equal(256, shm.Size);
        shm.Write(10, new byte[] { 5, 6 });
        Assert.Equal(new byte[] { 5, 6 }, shm.AsReadOnlySpan(10, 2).ToArray());
        Assert.Equal(IpcErrorCode.ENOTSUP, Assert.Throws<IpcNotSupportedException>(() => SharedMemory.Remove("x", ShmKind.Anonymous)).Code);
        Assert.Equal(IpcErrorCode.EINVAL, Assert.Throws<IpcArgumentException>(() => SharedMemory.Open("x", ShmKind.Anonymous)).Code);
    }

    [Fact]
    public void SysVSegments()
    {
        using var s = new Scratch(ShmKind.SysV);
        using var a = SharedMemory.Create(s.Name, 4096, ShmKind.SysV);
        Assert.Equal(ShmKind.SysV, a.Kind);
        Assert.True(SharedMemory.Exists(s.Name, ShmKind.SysV));
        a.Write(0, new byte[] { 0xAB });
        using (var b = SharedMemory.Open(s.Name, ShmKind.SysV, readOnly: true))
            Assert.Equal(0xAB, b.AsReadOnlySpan()[0]);
        SharedMemory.Remove(s.Name, ShmKind.SysV);
        Assert.False(SharedMemory.Exists(s.Name, ShmKind.SysV));
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => SharedMemory.Create("0", 8, ShmKind.SysV)).Code);
        Assert.Equal(IpcErrorCode.EBADNAME, Assert.Throws<IpcArgumentException>(() => SharedMemory.Create("nokey", 8, ShmKind.SysV)).Code);
    }

    [Fact]
    public void FileBackedSegmentsReachTheFile()
    {
        using var s = new Scratch(ShmKind.File);
        using (var shm = SharedMemory.Create(s.Name, 16, ShmKind.File))
        {
            Assert.Equal(ShmKind.File, shm.Kind);
            shm.Write(0, "hello"u8);
            shm.Flush();
            Assert.Equal("hello"u8.ToArray(), File.ReadAllBytes(s.Name).Take(5).ToArray());
            Assert.Equal(16, new FileInfo(s.Name).Length);
        }
        Assert.True(SharedMemory.Exists(s.Name, ShmKind.File));

        // Existing file contents are visible on open; size 0 maps the whole file.
        File.WriteAllBytes(s.Name, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        using (var shm = SharedMemory.Open(s.Name, ShmKind.File, readOnly: true))
        {
            Assert.Equal(32, shm.Size);
            Assert.Equal(31, shm.AsReadOnlySpan()[31]);
        }
        // A writable open with a larger size grows the file.
        using (var shm = SharedMemory.Open(s.Name, ShmKind.File, size: 64))
        {
            Assert.Equal(64, shm.Size);
            shm.AsSpan()[63] = 0xEE;
        }
        byte[] bytes = File.ReadAllBytes(s.Name);
        Assert.Equal(64, bytes.Length);
        Assert.Equal(0xEE, bytes[63]);
        SharedMemory.Remove(s.Name, ShmKind.File);
        Assert.False(File.Exists(s.Name));
    }

    [Fact]
    public void ReadOnlyHandlesRefuseWrites()
    {
        using var s = new Scratch();
        using (var w = SharedMemory.Create(s.Name, 64))
            w.WriteString(0, "abc");
        using var shm = SharedMemory.Open(s.Name, readOnly: true);
        Assert.True(shm.IsReadOnly);
        var e = Assert.Throws<IpcReadOnlyException>(() => shm.Write(0, new byte[] { 1 }));
        Assert.Equal(IpcErrorCode.EREADONLY, e.Code);
        Assert.IsAssignableFrom<IpcAccessDeniedException>(e);
        Assert.Equal(IpcErrorCode.EREADONLY, Assert.Throws<IpcReadOnlyException>(() => shm.WriteString(0, "x")).Code);
        Assert.Equal(IpcErrorCode.EREADONLY, Assert.Throws<IpcReadOnlyException>(() => shm.WriteFloat32(0, new float[] { 1 })).Code);
        Assert.Equal(IpcErrorCode.EREADONLY, Assert.Throws<IpcReadOnlyException>(() => shm.WriteFloat64(0, new double[] { 1 })).Code);
        Assert.Equal(IpcErrorCode.EREADONLY, Assert.Throws<IpcReadOnlyException>(() => shm.AsSpan()).Code);
        Assert.Throws<IpcReadOnlyException>(() => shm.AsSpan(1, 2));
        Assert.Throws<IpcReadOnlyException>(() => shm.AsMemory());
        Assert.Equal("abc", shm.ReadString(0, 3));
        Assert.Equal((byte)'a', shm.AsReadOnlySpan()[0]);
        Assert.Equal((byte)'b', shm.AsReadOnlyMemory(1).Span[0]);
    }

    [Fact]
    public void AccessDeniedForSegmentsWeMayNotOpen()
    {
        using var s = new Scratch(what: "eacces");
        using var a = SharedMemory.Create(s.Name, 8, permissions: UnixFileMode.UserWrite); // 0200: nobody may read
        if (Environment.UserName != "root")
        {
            var e = Assert.Throws<IpcAccessDeniedException>(() => SharedMemory.Open(s.Name));
            Assert.Equal(IpcErrorCode.EACCES, e.Code);
            return;
        }
        // root bypasses permission bits through CAP_DAC_OVERRIDE: ask a C# process
        // started without it (the interop peer, which prints the exception's message).
        var (code, err) = Child.RunCSharpPeerWithoutDacOverride("shm", "open", s.Name, "c");
        Assert.Equal(1, code);
        Assert.Contains("IPC_EACCES: permission denied", err);
        Assert.Contains(s.Name, err);
    }

    [Fact]
    public void DisposeIsIdempotentAndLaterUseThrowsObjectDisposed()
    {
        using var s = new Scratch();
        var shm = SharedMemory.Create(s.Name, 64);
        shm.Dispose();
        shm.Dispose();
        Assert.True(shm.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => shm.Write(0, new byte[] { 1 }));
        Assert.Throws<ObjectDisposedException>(() => shm.ReadBytes(0, 1));
        Assert.Throws<ObjectDisposedException>(() => shm.AsSpan());
        Assert.Throws<ObjectDisposedException>(() => shm.AsReadOnlySpan(0, 1));
        Assert.Throws<ObjectDisposedException>(() => shm.AsMemory());
        Assert.Throws<ObjectDisposedException>(() => shm.Flush());
        Assert.Throws<ObjectDisposedException>(() => new ShmStream(shm).Version);
        Assert.True(SharedMemory.Exists(s.Name));
    }
}
