using System.Diagnostics;
using System.Globalization;
using Broadcast.Testing;

namespace Broadcast.E2E.Tests.Operators;

/// <summary>
/// A real TURN server (coturn, Debian's package) on loopback with the TURN REST API's shared secret (use-auth-secret):
/// its listening port and its relay ports come from this test process's range, and it relays to loopback peers (the
/// appliance). Killed in Dispose.
/// </summary>
internal sealed class CoturnServer : IDisposable
{
    private readonly Process _process;
    private readonly PortLease _ports;
    private readonly System.Text.StringBuilder _log = new();

    private CoturnServer(Process process, PortLease ports)
    {
        _process = process;
        _ports = ports;
    }

    /// <summary>The TURN listening port (UDP and TCP).</summary>
    public int Port => _ports.MinPort;

    /// <summary>The relay ports: a relayed peer's packets reach the appliance from one of these.</summary>
    public (int Min, int Max) RelayPorts => (_ports.MinPort + 10, _ports.MaxPort);

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<CoturnServer> StartAsync(string secret)
    {
        var ports = TestPorts.Lease();
        var startInfo = new ProcessStartInfo("turnserver") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
                     $"--listening-port={ports.MinPort.ToString(CultureInfo.InvariantCulture)}",
                     $"--min-port={(ports.MinPort + 10).ToString(CultureInfo.InvariantCulture)}",
                     $"--max-port={ports.MaxPort.ToString(CultureInfo.InvariantCulture)}",
                     "--use-auth-secret", $"--static-auth-secret={secret}", "--realm=broadcast.test", "--allow-loopback-peers",
                     "--no-cli", "--no-tls", "--no-dtls", "--no-software-attribute", "--fingerprint", "--log-file=stdout", "--simple-log", "--verbose"])
        {
            startInfo.ArgumentList.Add(argument);
        }

        var server = new CoturnServer(Process.Start(startInfo)!, ports);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Line(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (server._log)
            {
                server._log.AppendLine(line);
            }

            // coturn names each listener it opens; the UDP one is what browsers reach first.
            if (line.Contains("IPv4. UDP listener opened on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }

        server._process.OutputDataReceived += (_, e) => Line(e.Data);
        server._process.ErrorDataReceived += (_, e) => Line(e.Data);
        server._process.EnableRaisingEvents = true;
        server._process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"coturn exited: {server.Log}"));
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(E2EWait.Timeout);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
        _ports.Dispose();
    }
}
