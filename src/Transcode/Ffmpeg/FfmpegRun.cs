using System.ComponentModel;
using System.Diagnostics;

namespace Broadcast.Transcode;

/// <summary>
/// One FFmpeg process. We run it with System.Diagnostics.Process rather than FFMpegCore's processor, because
/// that one hides the process id, only writes 'q' as part of its own cancellation, cannot kill a process tree and
/// treats a non-zero exit as an exception; FFMpegCore still builds the arguments (<see cref="FfmpegHlsArguments"/>).
/// On Linux FFmpeg starts through setsid, in a session and process group of its own, so a Ctrl+C aimed at the
/// host does not reach it before our 'q'. Both output pipes are always drained, so FFmpeg never blocks on them.
/// </summary>
internal sealed class FfmpegRun : IDisposable
{
    private static readonly string? SetsidPath = OperatingSystem.IsLinux() ? ExecutableLocator.Find("setsid") : null;

    private readonly Process _process;

    private volatile FfmpegProgress? _progress;

    private FfmpegRun(Process process, FfmpegOutputSink sink, long startedAt, TimeProvider time, Func<Stream, Task>? mediaOutput)
    {
        _process = process;
        ProcessId = process.Id;
        StartedAt = startedAt;
        var drained = Task.WhenAll(
            DrainStderrAsync(process.StandardError, sink, time),
            mediaOutput is null ? DrainAsync(process.StandardOutput, line => sink.WriteLine(line.ToString()))
                : ReadMediaAsync(process.StandardOutput.BaseStream, mediaOutput));
        Exited = WaitForExitAsync(process, drained);
    }

    /// <summary>The last progress block FFmpeg printed, or null before the first.</summary>
    public FfmpegProgress? Progress => _progress;

    /// <summary>Why the media output reader failed, or null: FFmpeg was killed for it.</summary>
    public Exception? MediaOutputFailure { get; private set; }

    // The media pipe's reader must never stop reading while FFmpeg runs (a full pipe would stall it): when it fails,
    // FFmpeg is killed, and the supervisor restarts the pipeline as after any exit.
    private async Task ReadMediaAsync(Stream output, Func<Stream, Task> mediaOutput)
    {
        try
        {
            await mediaOutput(output).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            MediaOutputFailure = e;
            Kill();
        }
        finally
        {
            await output.DisposeAsync().ConfigureAwait(false);
        }
    }

    public int ProcessId { get; }

    /// <summary>Start time on the supervisor's <see cref="TimeProvider"/> timestamp clock.</summary>
    public long StartedAt { get; }

    /// <summary>Completes, with the exit code, once the process has exited and its output is drained.</summary>
    public Task<int> Exited { get; }

    /// <summary>
    /// Starts <paramref name="ffmpegPath"/> with <paramref name="arguments"/>. With <paramref name="mediaOutput"/>, stdout is
    /// the media (a byte stream handed to it), else a second log.
    /// </summary>
    /// <exception cref="Win32Exception">The binary could not be executed.</exception>
    public static FfmpegRun Start(string ffmpegPath, string arguments, FfmpegOutputSink sink, long startedAt, TimeProvider time,
        Func<Stream, Task>? mediaOutput = null)
    {
        var startInfo = SetsidPath is null
            ? new ProcessStartInfo(ffmpegPath, arguments)
            : new ProcessStartInfo(SetsidPath, $"\"{ffmpegPath}\" {arguments}");
        startInfo.UseShellExecute = false;
        startInfo.CreateNoWindow = true;
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;

        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return new FfmpegRun(process, sink, startedAt, time, mediaOutput);
    }

    /// <summary>
    /// Writes 'q' (FFmpeg then finishes the segment and writes EXT-X-ENDLIST), waits up to
    /// <paramref name="timeout"/>, then kills the process tree. Returns whether it had to kill.
    /// </summary>
    /// <remarks>
    /// FFmpeg reads 'q' between packets: with no media arriving it sits in its input read and never sees it. So after
    /// <see cref="QuitGrace"/>, an FFmpeg that has not quit while <paramref name="mediaFlowing"/> says nothing arrives
    /// is killed at once instead of at the end of <paramref name="timeout"/> (a camera that died must not delay the
    /// FFmpeg of its next session by the whole stop timeout).
    /// </remarks>
    public async Task<bool> QuitAsync(TimeSpan timeout, TimeProvider time, Func<bool>? mediaFlowing = null)
    {
        try
        {
            await _process.StandardInput.WriteAsync('q').ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Already gone: the pipe is closed.
        }

        var waited = TimeSpan.Zero;
        var step = TimeSpan.FromTicks(Math.Min(QuitGrace.Ticks, timeout.Ticks));
        while (true)
        {
            try
            {
                await Exited.WaitAsync(step, time).ConfigureAwait(false);
                return false;
            }
            catch (TimeoutException)
            {
                waited += step;
            }

            if (waited >= timeout || mediaFlowing?.Invoke() != true)
            {
                Kill();
                await Exited.ConfigureAwait(false);
                return true;
            }

            step = TimeSpan.FromTicks(Math.Min(QuitPoll.Ticks, (timeout - waited).Ticks));
        }
    }

    /// <summary>How long 'q' gets before FFmpeg without media is killed.</summary>
    private static readonly TimeSpan QuitGrace = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan QuitPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>Kills FFmpeg and anything it started; harmless when it has already exited.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Exited in the meantime.
        }
    }

    public void Dispose() => _process.Dispose();

    // Progress blocks are kept apart from the log: they are neither counted, kept in the tail nor written to the file.
    private Task DrainStderrAsync(StreamReader output, FfmpegOutputSink sink, TimeProvider time)
    {
        var progress = new FfmpegProgressParser();
        return DrainAsync(output, line =>
        {
            if (!progress.TryAccept(line, time, out var block))
            {
                sink.WriteLine(line.ToString());
            }
            else if (block is not null)
            {
                _progress = block;
            }
        });
    }

    private static async Task DrainAsync(StreamReader output, OutputLineHandler handleLine)
    {
        // Read what the pipe holds in one go and cut it into lines here: a burst of error lines costs one wake-up
        // per chunk, not one per line.
        var buffer = new char[ReadChunkChars];
        var lines = new OutputLineSplitter(handleLine);
        try
        {
            int read;
            while ((read = await output.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
            {
                lines.Feed(buffer.AsSpan(0, read));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe broke with the process; nothing more to read.
        }

        lines.Flush();
    }

    private const int ReadChunkChars = 32 * 1024;

    private static async Task<int> WaitForExitAsync(Process process, Task drained)
    {
        await process.WaitForExitAsync().ConfigureAwait(false);
        await drained.ConfigureAwait(false);
        return process.ExitCode;
    }
}
