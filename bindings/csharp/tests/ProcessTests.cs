using System;
using Xunit;

namespace LibIpc.Tests;

/// <summary>
/// Real processes: tests/c/shm_child (C, public API only) opens what C# made and
/// the other way round. Synchronised on the child's output and exit only.
/// </summary>
public class ProcessTests
{
    private static byte Pattern(long i) => (byte)((i * 7 + 3) % 251);

    private static void Fill(SharedMemory shm)
    {
        Span<byte> view = shm.AsSpan();
        for (int i = 0; i < view.Length; ++i)
            view[i] = Pattern(i);
    }

    [Theory]
    [InlineData(ShmKind.Posix)]
    [InlineData(ShmKind.File)]
    [InlineData(ShmKind.SysV)]
    public void ACChildReadsWhatCSharpWrote(ShmKind kind)
    {
        using var s = new Scratch(kind, "tochild");
        using (var shm = SharedMemory.Create(s.Name, 8192, kind))
            Fill(shm);
        var (code, err) = Child.RunShmChild("check", Child.KindArg(kind), s.Name, "8192");
        Assert.True(code == 0, err);
    }

    [Theory]
    [InlineData(ShmKind.Posix)]
    [InlineData(ShmKind.SysV)]
    public void CSharpReadsWhatACChildWrote(ShmKind kind)
    {
        using var s = new Scratch(kind, "fromchild");
        var (code, err) = Child.RunShmChild("create", Child.KindArg(kind), s.Name, "5000");
        Assert.True(code == 0, err);
        using var shm = SharedMemory.Open(s.Name, kind, readOnly: true);
        Assert.True(shm.Size >= 5000); // SysV sizes are as created; POSIX exact
        ReadOnlySpan<byte> view = shm.AsReadOnlySpan(0, 5000);
        for (int i = 0; i < view.Length; ++i)
            Assert.Equal(Pattern(i), view[i]);
    }

    [Fact]
    public void AChildSeesARemoveAsNotFound()
    {
        using var s = new Scratch(what: "gone");
        using (SharedMemory.Create(s.Name, 64)) { }
        SharedMemory.Remove(s.Name);
        var (code, err) = Child.RunShmChild("expect", "posix", s.Name, "IPC_ENOENT");
        Assert.True(code == 0, err);
    }

    [Fact]
    public void AChildsMappingSurvivesRemoveAndOurDispose()
    {
        using var s = new Scratch(what: "hold");
        using (var shm = SharedMemory.Create(s.Name, 4096))
            Fill(shm);
        using var child = Child.Start(Child.ShmChildPath, "hold", "posix", s.Name, "4096");
        Assert.Equal("mapped", child.ReadLine());
        SharedMemory.Remove(s.Name);
        Assert.False(SharedMemory.Exists(s.Name));
        child.WriteLine("go");
        Assert.Equal("ok", child.ReadLine());
        var (code, err) = child.WaitForExit();
        Assert.True(code == 0, err);
    }
}
