using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;

namespace LibIpc.Tests;

/// <summary>
/// A helper process for the multi-process tests. Synchronises on its output
/// lines and its exit, never on sleeps; each wait has a generous deadline so a
/// hung child fails the test instead of hanging it, and Dispose kills it.
/// </summary>
internal sealed class Child : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly Process process;
    private readonly Task<string> stderr;

    private Child(Process process)
    {
        this.process = process;
        stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>tests/c/shm_child (path in IPC_SHM_CHILD, set by ctest).</summary>
    public static string ShmChildPath =>
        Environment.GetEnvironmentVariable("IPC_SHM_CHILD") is { Length: > 0 } p
            ? p
            : throw new InvalidOperationException("IPC_SHM_CHILD is not set: run the tests through ctest");

    public static string KindArg(ShmKind kind) => kind switch
    {
        ShmKind.File => "file",
        ShmKind.SysV => "sysv",
        _ => "posix",
    };

    public static Child Start(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        return new Child(Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {exe}"));
    }

    /// <summary>Runs shm_child to completion; returns its exit code and stderr.</summary>
    public static (int Code, string Stderr) RunShmChild(params string[] args)
    {
        using Child c = Start(ShmChildPath, args);
        c.process.StandardInput.Close();
        return c.WaitForExit();
    }

    /// <summary>
    /// Runs the C# interop peer (IPC_CSHARP_PEER) through setpriv with
    /// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped from its bounding set:
    /// a real .NET process for which permission bits apply even as root.
    /// </summary>
    public static (int Code, string Stderr) RunCSharpPeerWithoutDacOverride(params string[] args)
    {
        string peer = Environment.GetEnvironmentVariable("IPC_CSHARP_PEER") is { Length: > 0 } p
            ? p
            : throw new InvalidOperationException("IPC_CSHARP_PEER is not set: run the tests through ctest");
        using Child c = Start("setpriv", new[] { "--bounding-set=-dac_override,-dac_read_search", DotnetHost, peer }
                                         .Concat(args).ToArray());
        c.process.StandardInput.Close();
        return c.WaitForExit();
    }

    /// <summary>
    /// The C# helper process (bindings/csharp/testchild, path in
    /// IPC_CSHARP_CHILD): a line-driven script over NamedSemaphore and
    /// MessageQueue; see its Program.cs for the commands.
    /// </summary>
    public static Child StartCSharp()
    {
        string dll = Environment.GetEnvironmentVariable("IPC_CSHARP_CHILD") is { Length: > 0 } p
            ? p
            : throw new InvalidOperationException("IPC_CSHARP_CHILD is not set: run the tests through ctest");
        return Start(DotnetHost, dll);
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h
            ? h
            : Environment.ProcessPath is { } self && System.IO.Path.GetFileName(self) == "dotnet" ? self : "dotnet";

    /// <summary>Sends a command and returns the child's answer line.</summary>
    public string Ask(string command)
    {
        WriteLine(command);
        return ReadLine();
    }

    /// <summary>The child's exit code; closes its stdin first (end of script).</summary>
    public int Finish()
    {
        process.StandardInput.Close();
        var (code, err) = WaitForExit();
        if (code != 0)
            throw new InvalidOperationException($"child exited {code}: {err}");
        return code;
    }

    public bool HasExited => process.HasExited;

    public string ReadLine()
    {
        Task<string?> line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(Deadline))
            throw new TimeoutException("child printed nothing before the deadline");
        return line.Result ?? throw new InvalidOperationException($"child closed its output; stderr: {StderrSoFar()}");
    }

    public void WriteLine(string text)
    {
        process.StandardInput.WriteLine(text);
        process.StandardInput.Flush();
    }

    public (int Code, string Stderr) WaitForExit()
    {
        if (!process.WaitForExit(Deadline))
            throw new TimeoutException("child did not exit before the deadline");
        process.WaitForExit(); // drains the redirected streams
        return (process.ExitCode, stderr.Result);
    }

    private string StderrSoFar() => process.HasExited ? stderr.Result : "(still running)";

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }
}
