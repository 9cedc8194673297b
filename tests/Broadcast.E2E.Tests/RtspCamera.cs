using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Broadcast.E2E.Tests;

/// <summary>
/// A fake IP camera: GStreamer's RTSP server (Cameras/rtsp_cam.py) run with Debian's python3, on a free loopback port.
/// Started per test and killed in Dispose; <see cref="Kill"/> and <see cref="StartAgainAsync"/> play a camera that crashes
/// and comes back on the same address.
/// </summary>
internal sealed class RtspCamera : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    private readonly string[] _arguments;
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _active;
    private int _started;
    private int _most;
    private Process? _process;

    private RtspCamera(int port, string[] arguments)
    {
        Port = port;
        _arguments = arguments;
    }

    public int Port { get; }

    /// <summary>Clients that played and have not gone (TEARDOWN or a closed connection).</summary>
    public int ActiveSessions => Volatile.Read(ref _active);

    /// <summary>PLAYs handled since the camera (first) started.</summary>
    public int SessionsStarted => Volatile.Read(ref _started);

    /// <summary>The most clients that were playing at once.</summary>
    public int MostActiveSessions => Volatile.Read(ref _most);

    /// <summary>Returns once <see cref="ActiveSessions"/> is <paramref name="count"/>; throws with the counts after <paramref name="timeout"/>.</summary>
    public async Task WaitForActiveSessionsAsync(int count, TimeSpan timeout)
    {
        // One deadline for the whole wait: counts that keep moving without reaching count must not extend it.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_active == count)
                {
                    return;
                }

                changed = _changed.Task;
            }

            var left = timeout - clock.Elapsed;
            try
            {
                await changed.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"The camera on port {Port} has {ActiveSessions} active session(s), not {count}, after {timeout} ({SessionsStarted} started in all, at most {MostActiveSessions} at once).");
            }
        }
    }

    // Lines of Cameras/rtsp_cam.py: "session play <n> <address>", "session closed <n> <address>". Lines of a camera
    // process already killed are late news: Kill counted its sessions gone.
    private void CountSession(Process from, string line)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(from, _process))
            {
                return;
            }

            if (line.StartsWith("session play ", StringComparison.Ordinal))
            {
                _started++;
                _active++;
                _most = Math.Max(_most, _active);
            }
            else if (line.StartsWith("session closed ", StringComparison.Ordinal))
            {
                _active--;
            }
            else
            {
                return;
            }

            SignalChanged();
        }
    }

    // Wakes every waiter; called under _gate.
    private void SignalChanged()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    public string Url => $"rtsp://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/cam";

    /// <summary>Starts a camera; <paramref name="options"/> are the script's (--audio opus, --user u --password p --digest…).</summary>
    public static async Task<RtspCamera> StartAsync(params string[] options)
    {
        var camera = new RtspCamera(FreeTcpPort(), options);
        try
        {
            await camera.StartAgainAsync();
            return camera;
        }
        catch
        {
            camera.Dispose();
            throw;
        }
    }

    /// <summary>Starts the camera process (again) on the same port and waits until it listens.</summary>
    public async Task StartAgainAsync()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Cameras", "rtsp_cam.py");
        var startInfo = new ProcessStartInfo("/usr/bin/python3")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[script, "--port", Port.ToString(CultureInfo.InvariantCulture), "--size", "640x360", "--fps", "25", .. _arguments])
        {
            startInfo.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        var process = Process.Start(startInfo)!;
        lock (_gate)
        {
            _process = process;
        }

        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            if (line.Contains("ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }

            CountSession(process, line);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"The camera exited: {errors}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(ReadyTimeout);
    }

    /// <summary>Kills the camera as a crash or power loss would: no TEARDOWN, connections reset.</summary>
    public void Kill()
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
            _process = null;
            if (process is not null)
            {
                _active = 0; // its clients went with it
                SignalChanged();
            }
        }

        if (process is not null)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            process.Dispose();
        }
    }

    public void Dispose() => Kill();

    private static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
