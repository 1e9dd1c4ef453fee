using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace LibIpc.Tests;

/// <summary>
/// TLS over TCP: throwaway certificates made per test run by
/// tests/sock/make_certs.sh (path in IPC_SOCK_MAKE_CERTS, set by ctest;
/// needs the openssl program).
/// </summary>
public class SocketTlsTests : IClassFixture<SocketTlsTests.Certs>
{
    private readonly Certs certs;

    public SocketTlsTests(Certs certs) => this.certs = certs;

    /// <summary>Why the TLS tests cannot run here, or null.</summary>
    internal static string? Unavailable =>
        Environment.GetEnvironmentVariable("IPC_SOCK_MAKE_CERTS") is not { Length: > 0 } script
            ? "IPC_SOCK_MAKE_CERTS is not set (ctest sets it)"
            : !File.Exists(script) ? $"no {script}"
            : !File.Exists("/usr/bin/openssl") ? "no /usr/bin/openssl"
            : null;

    /// <summary>The certificates, made once for the class into a temporary directory.</summary>
    public sealed class Certs : IDisposable
    {
        public string Dir { get; } = Path.Combine("/tmp", SockPath.NewId("certs"));

        public Certs()
        {
            if (Unavailable is not null)
                return;
            var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Environment.GetEnvironmentVariable("IPC_SOCK_MAKE_CERTS")!);
            psi.ArgumentList.Add(Dir);
            using Process p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            if (!p.WaitForExit(60_000) || p.ExitCode != 0)
                throw new InvalidOperationException($"make_certs.sh failed: {err}");
        }

        public string this[string file] => Path.Combine(Dir, file);

        public void Dispose()
        {
            if (Directory.Exists(Dir))
                Directory.Delete(Dir, recursive: true);
        }
    }

    private SocketOptions Server(bool mutual = false) => new()
    {
        Transport = SocketTransport.Tls,
        Port = 0,
        Tls = new SocketTlsOptions
        {
            Cert = certs["server.pem"],
            Key = certs["server.key"],
            Ca = mutual ? new[] { certs["ca.pem"] } : null,
            RequireClientCert = mutual ? true : null,
        },
    };

    private SocketOptions Client(int port, string ca, bool withCert = false) => new()
    {
        Transport = SocketTransport.Tls,
        Port = port,
        StopRetrying = true,
        Tls = new SocketTlsOptions
        {
            Ca = new[] { certs[ca] },
            ServerName = "localhost",
            Cert = withCert ? certs["client.pem"] : null,
            Key = withCert ? certs["client.key"] : null,
        },
    };

    [TlsFact]
    public async Task EventsOverTls()
    {
        await using var server = new SocketServer(Server());
        await using var client = new SocketClient(Client(server.Port, "ca.pem"));
        await Within.Ok(client.WaitConnectedAsync());
        client.Emit("secret", new { text = "héllo ✓" });
        SocketEvent ev = await Within.Message(server, "secret");
        Assert.Equal("héllo ✓", ev.Data.GetProperty("text").GetString());
        server.Emit(ev.Connection, "ack", 1);
        Assert.Equal(1, (await Within.Message(client, "ack")).Data.GetInt32());
    }

    [TlsFact]
    public async Task AnUntrustedServerIsATlsError()
    {
        await using var server = new SocketServer(Server());
        await using var client = new SocketClient(Client(server.Port, "rogue.pem"));
        var e = await Assert.ThrowsAsync<IpcSocketException>(() => Within.Ok(client.WaitConnectedAsync()));
        Assert.Equal(IpcErrorCode.ETLS, e.Code);
    }

    [TlsFact]
    public async Task MutualTls()
    {
        await using var server = new SocketServer(Server(mutual: true));
        await using var client = new SocketClient(Client(server.Port, "ca.pem", withCert: true));
        await Within.Ok(client.WaitConnectedAsync());
        client.Emit("hi");
        await Within.Message(server, "hi");
    }

    [TlsFact]
    public void AnUnreadableKeyIsATlsError()
    {
        var e = Assert.Throws<IpcSocketException>(() => new SocketServer(Server() with
        {
            Tls = new SocketTlsOptions { Cert = certs["server.pem"], Key = certs["missing.key"] },
        }));
        Assert.Equal(IpcErrorCode.ETLS, e.Code);
    }
}

/// <summary>A TLS test: skipped, with the reason, without the certificate script or openssl.</summary>
internal sealed class TlsFactAttribute : FactAttribute
{
    public TlsFactAttribute()
    {
        if (SocketTlsTests.Unavailable is { } why)
            Skip = why;
    }
}
