using System;
using System.IO;
using System.Threading;

namespace LibIpc.Tests;

/// <summary>
/// Unique names for every named resource a test makes (pid + counter), and a
/// guard that removes the resource before use and on Dispose, even when the
/// test fails.
/// </summary>
internal static class TestNames
{
    private static int counter;

    public static string Posix(string what = "t") =>
        $"ipccs_{what}_{Environment.ProcessId}_{Interlocked.Increment(ref counter)}";

    public static string FilePath(string what = "t") =>
        Path.Combine(Path.GetTempPath(), $"ipccs_{what}_{Environment.ProcessId}_{Interlocked.Increment(ref counter)}.shm");

    /// <summary>A non-zero SysV key unique to this process and call, as 0x-hex.</summary>
    public static string SysVKey()
    {
        int n = Interlocked.Increment(ref counter);
        int key = 0x1C000000 | ((Environment.ProcessId & 0x3FFFF) << 8) | (n & 0xFF);
        return $"0x{key:x}";
    }
}

/// <summary>A named segment reserved for one test: removed before and after.</summary>
internal sealed class Scratch : IDisposable
{
    public string Name { get; }
    public ShmKind Kind { get; }

    public Scratch(ShmKind kind = ShmKind.Posix, string what = "t")
    {
        Kind = kind;
        Name = kind switch
        {
            ShmKind.File => TestNames.FilePath(what),
            ShmKind.SysV => TestNames.SysVKey(),
            _ => TestNames.Posix(what),
        };
        Cleanup();
    }

    public void Dispose() => Cleanup();

    private void Cleanup()
    {
        SharedMemory.TryRemove(Name, Kind);
        if (Kind == ShmKind.File)
            File.Delete(Name);
    }
}

/// <summary>A semaphore or queue name reserved for one test: removed before and after.</summary>
internal sealed class ObjName : IDisposable
{
    public enum Kind { Semaphore, Queue }

    public string Name { get; }
    private readonly Kind kind;

    public ObjName(Kind kind, string what = "o")
    {
        this.kind = kind;
        Name = TestNames.Posix(what);
        Cleanup();
    }

    public static ObjName Sem(string what = "sem") => new(Kind.Semaphore, what);
    public static ObjName Queue(string what = "mq") => new(Kind.Queue, what);

    /// <summary>Where the object lives on Linux (sem.h, mq.h).</summary>
    public string BackingFile => $"/dev/shm/ipc-{(kind == Kind.Semaphore ? "sem" : "mq")}.{Name}";

    public static implicit operator string(ObjName n) => n.Name;

    public void Dispose() => Cleanup();

    private void Cleanup()
    {
        if (kind == Kind.Semaphore)
            NamedSemaphore.TryRemove(Name);
        else
            MessageQueue.TryRemove(Name);
    }
}
