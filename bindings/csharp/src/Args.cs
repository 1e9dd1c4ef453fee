using System;
using System.Diagnostics;
using System.Threading;

namespace LibIpc;

/// <summary>Argument checks and conversions shared by the semaphore and the queue.</summary>
internal static class Args
{
    /// <summary>IPC_INFINITE and IPC_NOWAIT.</summary>
    internal const long Infinite = -1, NoWait = 0;

    /// <summary>
    /// A semaphore or queue name: null is .NET's ArgumentNullException; a NUL
    /// inside would cut the C string short, so it is refused like C refuses a
    /// '/' (EBADNAME). Everything else (empty, too long, '/') is C's to judge.
    /// </summary>
    internal static void CheckObjectName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Contains('\0'))
            throw new IpcArgumentException(IpcErrorCode.EBADNAME, "name contains a NUL character");
    }

    /// <summary>
    /// A timeout as the C ABI's milliseconds: null or
    /// <see cref="Timeout.InfiniteTimeSpan"/> is IPC_INFINITE (-1), zero is
    /// IPC_NOWAIT, anything else is rounded up to whole milliseconds (so a
    /// positive timeout never becomes "do not wait"). Other negative values
    /// throw <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    internal static long TimeoutMs(TimeSpan? timeout, string paramName = "timeout")
    {
        if (timeout is not { } t || t == Timeout.InfiniteTimeSpan)
            return Infinite;
        if (t < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(paramName, t, "a timeout is positive, zero, or Timeout.InfiniteTimeSpan (or null) for no limit");
        long ms = t.Ticks / TimeSpan.TicksPerMillisecond;
        return t.Ticks % TimeSpan.TicksPerMillisecond != 0 ? ms + 1 : ms;
    }

    /// <summary>Milliseconds: -1 (<see cref="Timeout.Infinite"/>), 0 or positive.</summary>
    internal static long TimeoutMs(int millisecondsTimeout, string paramName = "millisecondsTimeout")
    {
        if (millisecondsTimeout < -1)
            throw new ArgumentOutOfRangeException(paramName, millisecondsTimeout, "a timeout is positive, zero, or -1 (Timeout.Infinite) for no limit");
        return millisecondsTimeout;
    }

    /// <summary>A spin time as the C ABI's nanoseconds (0..2^32-1).</summary>
    internal static uint SpinNs(TimeSpan spin)
    {
        long ns = spin.Ticks * 100;
        if (spin < TimeSpan.Zero || spin.Ticks > uint.MaxValue / 100)
            throw new ArgumentOutOfRangeException(nameof(spin), spin, "spin is 0 to about 4.29 s");
        return (uint)ns;
    }

    /// <summary>libipc's default spin before a wait sleeps (sem.h, mq.h): 20 µs.</summary>
    internal const uint DefaultSpinNs = 20_000;

    /// <summary>
    /// The bounded spin an asynchronous wait makes before it goes pending, as
    /// libipc's own waits do before they sleep: calls <paramref name="attempt"/>
    /// (a non-blocking try; true when it is done) for up to
    /// <paramref name="spinNs"/>, pausing a few times and then yielding the CPU
    /// on every turn (a peer on the same core can only run once we yield).
    /// Stops early when <paramref name="stop"/> says so (a waiter queued
    /// meanwhile: first come, first served).
    /// </summary>
    internal static bool Spin<T>(uint spinNs, T state, Func<T, bool> attempt, Func<T, bool> stop)
    {
        if (spinNs == 0)
            return false;
        long end = Stopwatch.GetTimestamp() + (long)(spinNs * (double)Stopwatch.Frequency / 1e9);
        for (int i = 1; Stopwatch.GetTimestamp() < end; ++i)
        {
            if (i < 16)
                Thread.SpinWait(1);
            else
                Thread.Yield();
            if (stop(state))
                return false;
            if (attempt(state))
                return true;
        }
        return false;
    }
}
