using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace LibIpc.Tests;

/// <summary>
/// Runs a blocking call on a thread of its own and tells when that thread is
/// asleep in the kernel inside it: the event a "close while waiting" test must
/// wait for, observed in /proc (state S, in the futex syscall) instead of
/// guessed with a sleep.
/// </summary>
internal sealed class Blocked
{
    private readonly Thread thread;
    private readonly ManualResetEventSlim calling = new();
    private string? taskDir;
    public Exception? Error { get; private set; }
    public bool Returned { get; private set; }

    public Blocked(Action call)
    {
        thread = new Thread(() =>
        {
            // /proc/thread-self -> "<pid>/task/<tid>"
            taskDir = "/proc/" + new FileInfo("/proc/thread-self").LinkTarget;
            calling.Set();
            try
            {
                call();
                Returned = true;
            }
            catch (Exception e)
            {
                Error = e;
            }
        }) { IsBackground = true };
        thread.Start();
    }

    /// <summary>Returns once the thread sleeps in a futex wait (after it
    /// started the call), or fails the test after 60 s.</summary>
    public void WaitUntilAsleep()
    {
        Assert.True(calling.Wait(TimeSpan.FromSeconds(60)));
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (!thread.IsAlive)
                throw new InvalidOperationException($"the call returned instead of blocking: {Error}");
            if (AsleepInFutex())
                return;
            Thread.Yield();
        }
        throw new TimeoutException("the thread never went to sleep in the call");
    }

    private static readonly string FutexSyscall =
        RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "98 " : "202 ";

    private bool AsleepInFutex()
    {
        try
        {
            string stat = File.ReadAllText(taskDir + "/stat");
            char state = stat[stat.LastIndexOf(')') + 2];
            string syscall = File.ReadAllText(taskDir + "/syscall");
            return state == 'S' && syscall.StartsWith(FutexSyscall, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Joins the thread (60 s at most) and returns what the call threw.</summary>
    public Exception? Join()
    {
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "the blocked call did not return");
        return Error;
    }
}
