using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace LibIpc.Tests;

/// <summary>A Unix socket path unique to one test (pid + counter): removed before and after.</summary>
internal sealed class SockPath : IDisposable
{
    private static int counter;

    public string Path { get; }

    public SockPath(string what = "s")
    {
        Path = System.IO.Path.Combine("/tmp", $"ipccs_{what}_{Environment.ProcessId}_{Interlocked.Increment(ref counter)}.sock");
        File.Delete(Path);
    }

    /// <summary>An id for node-ipc's composition root + "app." + id, unique the same way.</summary>
    public static string NewId(string what = "id") => $"ipccs_{what}_{Environment.ProcessId}_{Interlocked.Increment(ref counter)}";

    public static implicit operator string(SockPath p) => p.Path;

    public void Dispose() => File.Delete(Path);
}

/// <summary>Waits with a deadline: a failure, never a hang.</summary>
internal static class Within
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static Task<T> Ok<T>(Task<T> t) => t.WaitAsync(Deadline);

    public static Task Ok(Task t) => t.WaitAsync(Deadline);

    public static Task<T> Ok<T>(ValueTask<T> t) => t.AsTask().WaitAsync(Deadline);

    public static Task Ok(ValueTask t) => t.AsTask().WaitAsync(Deadline);

    /// <summary>The next event of <paramref name="kind"/>, skipping others (which are returned in order via <paramref name="skipped"/>).</summary>
    public static async Task<SocketEvent> Next(SocketEndpoint e, SocketEventKind kind, Action<SocketEvent>? skipped = null)
    {
        using var cts = new CancellationTokenSource(Deadline);
        for (;;)
        {
            SocketEvent ev = await e.ReceiveAsync(cts.Token);
            if (ev.Kind == kind)
                return ev;
            skipped?.Invoke(ev);
        }
    }

    /// <summary>The next user event, which must be of type <paramref name="type"/> (lifecycle events in between are skipped, errors fail).</summary>
    public static async Task<SocketEvent> Message(SocketEndpoint e, string type, params IpcErrorCode[] allowedErrors)
    {
        SocketEvent ev = await Next(e, SocketEventKind.Message, x =>
        {
            if (x.Kind == SocketEventKind.Error && Array.IndexOf(allowedErrors, x.Code) < 0)
                Assert.Fail($"waiting for \"{type}\": {x}");
        });
        Assert.Equal(type, ev.Type);
        return ev;
    }
}
