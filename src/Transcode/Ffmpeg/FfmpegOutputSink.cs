using System.Globalization;

namespace Broadcast.Transcode;

/// <summary>
/// Where FFmpeg's output lines go: the in-memory tail and the channel's log file (appended across runs and
/// restarts; moved aside to <c>.1</c> when it passes <see cref="MaxLogBytes"/> at the start of a run).
/// </summary>
internal sealed class FfmpegOutputSink : IDisposable
{
    public const long MaxLogBytes = 8L * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly string _logPath;
    private readonly OutputTail _tail;
    private StreamWriter? _log;

    public FfmpegOutputSink(string logPath, OutputTail tail)
    {
        _logPath = logPath;
        _tail = tail;
        _log = OpenLog(logPath);
    }

    public void WriteLine(string line)
    {
        _tail.Add(line);
        lock (_gate)
        {
            _log?.WriteLine(line);
        }
    }

    /// <summary>A line of our own in the log file (not in the tail), marking run starts and exits.</summary>
    public void WriteMarker(DateTimeOffset at, string text)
    {
        lock (_gate)
        {
            _log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"=== {at:O} {text}"));
        }
    }

    public void RotateIfLarge()
    {
        lock (_gate)
        {
            if (_log is null || _log.BaseStream.Length < MaxLogBytes)
            {
                return;
            }

            _log.Dispose();
            File.Move(_logPath, _logPath + ".1", overwrite: true);
            _log = OpenLog(_logPath);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    private static StreamWriter OpenLog(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
}
