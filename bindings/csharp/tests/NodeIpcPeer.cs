using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Xunit;

namespace LibIpc.Tests;

/// <summary>
/// The real node-ipc (npm 9.2.1) as a peer process: tests/sock/node_ipc_peer.js,
/// driven by stdin lines, reporting by stdout lines (contract:
/// tests/sock/README.md). ctest passes IPC_NODE (the node program),
/// IPC_NODE_IPC_PEER (the script) and IPC_NODE_IPC_MODULES (its NODE_PATH, the
/// npm install of the Node binding's build).
/// </summary>
internal sealed class NodeIpcPeer : IAsyncDisposable
{
    private readonly Process process;
    private readonly Channel<string> lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder seen = new();
    private readonly Task<string> stderr;
    private int disposed;

    /// <summary>Why the node-ipc tests cannot run here, or null if they can.</summary>
    public static string? Unavailable
    {
        get
        {
            string? node = Environment.GetEnvironmentVariable("IPC_NODE");
            string? peer = Environment.GetEnvironmentVariable("IPC_NODE_IPC_PEER");
            string? modules = Environment.GetEnvironmentVariable("IPC_NODE_IPC_MODULES");
            if (string.IsNullOrEmpty(node) || string.IsNullOrEmpty(peer) || string.IsNullOrEmpty(modules))
                return "node-ipc peer not configured (IPC_NODE, IPC_NODE_IPC_PEER, IPC_NODE_IPC_MODULES are set by ctest when node is found)";
            if (!File.Exists(peer))
                return $"no {peer}";
            if (!File.Exists(Path.Combine(modules, "node-ipc", "package.json")))
                return $"node-ipc is not installed at {modules} (configure with -DIPC_BUILD_NODE=ON and build: the Node binding's build installs it)";
            return null;
        }
    }

    private NodeIpcPeer(Process process)
    {
        this.process = process;
        stderr = process.StandardError.ReadToEndAsync();
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
                lines.Writer.TryWrite(line);
            lines.Writer.TryComplete();
        });
    }

    public static NodeIpcPeer Start(params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("IPC_NODE")!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Environment.GetEnvironmentVariable("IPC_NODE_IPC_PEER")!);
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["NODE_PATH"] = Environment.GetEnvironmentVariable("IPC_NODE_IPC_MODULES");
        return new NodeIpcPeer(Process.Start(psi) ?? throw new InvalidOperationException("cannot start node"));
    }

    /// <summary>Reads lines until one starts with <paramref name="prefix"/>; returns the rest of it.</summary>
    public async Task<string> Expect(string prefix)
    {
        using var cts = new CancellationTokenSource(Within.Deadline);
        try
        {
            for (;;)
            {
                string line = await lines.Reader.ReadAsync(cts.Token);
                seen.AppendLine(line);
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                    return line.Substring(prefix.Length).TrimStart();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            string err = process.HasExited ? await stderr : "";
            Assert.Fail($"node-ipc peer: no line \"{prefix}\" (exited: {process.HasExited}); lines so far:\n{seen}\nstderr: {err}");
            throw;
        }
    }

    /// <summary>The next <c>event TYPE JSON</c> line of that type, its data parsed.</summary>
    public async Task<JsonElement> ExpectEvent(string type) =>
        JsonSerializer.Deserialize<JsonElement>(await Expect($"event {type} "));

    public void Send(string line)
    {
        process.StandardInput.WriteLine(line);
        process.StandardInput.Flush();
    }

    public void Emit(string type, object data) => Send($"emit {type} {JsonSerializer.Serialize(data)}");

    /// <summary>Closes its stdin (it disconnects or stops, and exits 0) and waits; kills it past the deadline.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        try
        {
            process.StandardInput.Close();
            using var cts = new CancellationTokenSource(Within.Deadline);
            await process.WaitForExitAsync(cts.Token);
        }
        catch (Exception)
        {
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }
}

/// <summary>A test that needs node and node-ipc: skipped, with the reason, where they are missing.</summary>
internal sealed class NodeIpcFactAttribute : FactAttribute
{
    public NodeIpcFactAttribute()
    {
        if (NodeIpcPeer.Unavailable is { } why)
            Skip = why;
    }
}

/// <summary>A private socket root directory ("/" at the end) for node-ipc's path composition.</summary>
internal sealed class SockRoot : IDisposable
{
    public string Root { get; }

    public SockRoot()
    {
        Root = Path.Combine("/tmp", SockPath.NewId("root")) + "/";
        Directory.CreateDirectory(Root);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
