using System.ComponentModel;
using System.Diagnostics;
using Broadcast.Testing;

namespace Broadcast.E2E.Tests.Cameras;

/// <summary>
/// The fake camera counts its RTSP sessions as a real client (FFmpeg) makes them: a PLAY opens one; a TEARDOWN, or a
/// client killed without one (its TCP connection dropped), closes it. Tests of "a camera is pulled once" rely on this.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class CameraSessionCountTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Clients_killed_without_a_TEARDOWN_count_as_closed()
    {
        using var camera = await RtspCamera.StartAsync("--audio", "none");
        var none = await Assert.ThrowsAsync<TimeoutException>(() => camera.WaitForActiveSessionsAsync(1, TimeSpan.FromMilliseconds(200)));
        Assert.Contains("0 active session(s)", none.Message, StringComparison.Ordinal);

        using var first = RtspReader.Start(camera.Url);
        using var second = RtspReader.Start(camera.Url, "udp");
        await camera.WaitForActiveSessionsAsync(2, Wait);

        first.Kill();
        await camera.WaitForActiveSessionsAsync(1, Wait);
        second.Kill();
        await camera.WaitForActiveSessionsAsync(0, Wait);
        Assert.Equal((2, 2), (camera.SessionsStarted, camera.MostActiveSessions));
    }

    [Fact]
    public async Task A_client_that_ends_with_a_TEARDOWN_counts_as_closed()
    {
        using var camera = await RtspCamera.StartAsync("--audio", "none");

        // A second of media, then FFmpeg closes the input with a TEARDOWN and exits.
        using var reader = RtspReader.Start(camera.Url, "tcp", "-t", "1");
        await reader.WaitForExitAsync(Wait);
        // Its lines arrive asynchronously: the PLAY is counted before the close.
        await Eventually.HoldsAsync(() => camera.SessionsStarted == 1, () => $"{camera.SessionsStarted} sessions started", Wait);
        await camera.WaitForActiveSessionsAsync(0, Wait);
        Assert.Equal(1, camera.MostActiveSessions);
    }

    /// <summary>FFmpeg pulling the camera and throwing the media away (copied, not decoded: cheap).</summary>
    private sealed class RtspReader : IDisposable
    {
        private readonly Process _process;

        private RtspReader(Process process) => _process = process;

        public static RtspReader Start(string url, string transport = "tcp", params string[] options)
        {
            var startInfo = new ProcessStartInfo("ffmpeg")
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            };
            foreach (var argument in (string[])["-hide_banner", "-loglevel", "error", "-nostdin", "-rtsp_transport", transport, "-i", url,
                         .. options, "-map", "0", "-c", "copy", "-f", "null", "-"])
            {
                startInfo.ArgumentList.Add(argument);
            }

            var process = Process.Start(startInfo)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new RtspReader(process);
        }

        /// <summary>SIGKILL: no TEARDOWN, the connection just drops.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        public async Task WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cancel.Token);
            Assert.Equal(0, _process.ExitCode);
        }

        public void Dispose()
        {
            try
            {
                Kill();
            }
            catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
            {
                // exited already
            }

            _process.Dispose();
        }
    }
}
