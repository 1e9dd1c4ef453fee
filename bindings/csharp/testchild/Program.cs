// The helper process of the C# multi-process tests. Reads one command per line
// on stdin and answers with lines on stdout (written whole, under a lock, so
// lines printed by async continuations never interleave). A failing command
// prints "error IPC_<CODE>" (or "error <ExceptionType>") and the script goes on.
//
//   sem NAME             open semaphore NAME (open-only)       -> ok
//   post N               post N units                          -> posted N
//   trickle N            post N units, yielding the CPU between -> posted N
//   wait MS              Wait(MS) (-1: no limit)               -> took | timeout
//   waitasync            start WaitAsync()                     -> waiting, later took
//   value                                                      -> value V
//   mq NAME              open queue NAME (open-only)           -> ok
//   send PRIO TEXT       Send(UTF-8 TEXT, PRIO), no time limit -> sent
//   sendmany N PRIO      send "m0".."m<N-1>" at PRIO           -> sent N
//   recv MS              Receive(MS)                           -> msg PRIO TEXT | timeout
//   recvasync            start ReceiveAsync()                  -> waiting, later msg PRIO TEXT
//   readall N            ReadAllAsync: print N messages, break -> msg PRIO TEXT (xN), done N
//   close                dispose the semaphore and the queue   -> closed
//   exit                 exit 0 at once (pending async waits and all)
// End of input exits too.
using System;
using System.Text;
using System.Threading.Tasks;
using LibIpc;

internal static class Program
{
    private static readonly object Out = new();
    private static NamedSemaphore? sem;
    private static MessageQueue? mq;

    private static void Say(string line)
    {
        lock (Out)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }

    private static string Text(Message m) => $"msg {m.Priority} {Encoding.UTF8.GetString(m.Span)}";

    private static string ErrorLine(Exception e) => e is IpcException ie ? $"error {ie.CodeName}" : $"error {e.GetType().Name}";

    private static int Main()
    {
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            string[] a = line.Split(' ', 3);
            try
            {
                switch (a[0])
                {
                    case "sem":
                        sem = NamedSemaphore.Open(a[1]);
                        Say("ok");
                        break;
                    case "post":
                        sem!.Post(int.Parse(a[1]));
                        Say($"posted {a[1]}");
                        break;
                    case "trickle":
                    {
                        int n = int.Parse(a[1]);
                        for (int i = 0; i < n; ++i)
                        {
                            sem!.Post();
                            System.Threading.Thread.Yield();
                        }
                        Say($"posted {n}");
                        break;
                    }
                    case "wait":
                        Say(sem!.Wait(int.Parse(a[1])) ? "took" : "timeout");
                        break;
                    case "waitasync":
                        Task t = sem!.WaitAsync();
                        Say("waiting");
                        t.ContinueWith(r => Say(r.IsCompletedSuccessfully ? "took" : ErrorLine(r.Exception!.InnerException!)),
                                       TaskScheduler.Default);
                        break;
                    case "value":
                        Say($"value {sem!.Value}");
                        break;
                    case "mq":
                        mq = MessageQueue.Open(a[1]);
                        Say("ok");
                        break;
                    case "send":
                        mq!.Send(Encoding.UTF8.GetBytes(a.Length > 2 ? a[2] : ""), int.Parse(a[1]));
                        Say("sent");
                        break;
                    case "sendmany":
                    {
                        int n = int.Parse(a[1]), prio = int.Parse(a[2]);
                        for (int i = 0; i < n; ++i)
                            mq!.Send(Encoding.UTF8.GetBytes($"m{i}"), prio);
                        Say($"sent {n}");
                        break;
                    }
                    case "recv":
                    {
                        int ms = int.Parse(a[1]);
                        TimeSpan limit = ms < 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms);
                        Say(mq!.TryReceive(out Message m, limit) ? Text(m) : "timeout");
                        break;
                    }
                    case "recvasync":
                    {
                        Task<Message> r = mq!.ReceiveAsync().AsTask();
                        Say("waiting");
                        r.ContinueWith(x => Say(x.IsCompletedSuccessfully ? Text(x.Result) : ErrorLine(x.Exception!.InnerException!)),
                                       TaskScheduler.Default);
                        break;
                    }
                    case "readall":
                        ReadAll(int.Parse(a[1])).GetAwaiter().GetResult();
                        break;
                    case "close":
                        sem?.Dispose();
                        mq?.Dispose();
                        Say("closed");
                        break;
                    case "exit":
                        return 0;
                    default:
                        Say($"error unknown command {a[0]}");
                        break;
                }
            }
            catch (Exception e)
            {
                Say(ErrorLine(e));
            }
        }
        return 0;
    }

    private static async Task ReadAll(int n)
    {
        int got = 0;
        if (n > 0)
        {
            await foreach (Message m in mq!.ReadAllAsync())
            {
                Say(Text(m));
                if (++got == n)
                    break;
            }
        }
        Say($"done {got}");
    }
}
