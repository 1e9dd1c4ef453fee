using System.Threading;

namespace LibIpc;

/// <summary>
/// The state of work done in passes on the thread pool and requested from a
/// libipc notify callback (<see cref="AsyncWaitList"/>'s drain,
/// <see cref="SocketDispatcher"/>'s pump): at most one pass runs at a time, and
/// requests that come while one runs are folded into one more pass, so a
/// burst of notifications costs one work item, and none is ever missed.
/// Lock-free. A mutable struct: keep it in a field and call it there.
/// </summary>
internal struct CoalescedPasses
{
    private const int Idle = 0, Running = 1, RunAgain = 2;
    private int state;

    public bool IsIdle => Volatile.Read(ref state) == Idle;

    /// <summary>Asks for a pass. True: none was running and the caller must
    /// start one (queue the work item); false: the running one will run again.</summary>
    public bool Request()
    {
        for (;;)
        {
            int s = Volatile.Read(ref state);
            if (s == Idle)
            {
                if (Interlocked.CompareExchange(ref state, Running, Idle) == Idle)
                    return true;
            }
            else if (s == Running)
            {
                if (Interlocked.CompareExchange(ref state, RunAgain, Running) == Running)
                    return false;
            }
            else
            {
                return false;
            }
        }
    }

    /// <summary>Claims a pass only if none runs (for work done inline).</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref state, Running, Idle) == Idle;

    /// <summary>At the start of each pass (clears a pending request: the pass serves it).</summary>
    public void BeginPass() => Volatile.Write(ref state, Running);

    /// <summary>At the end of a pass: true if the passes are over (now idle),
    /// false if another was requested meanwhile (the state is running again).</summary>
    public bool TryEnd()
    {
        if (Interlocked.CompareExchange(ref state, Idle, Running) == Running)
            return true;
        Volatile.Write(ref state, Running);
        return false;
    }
}
