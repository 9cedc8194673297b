using System.Globalization;

namespace Broadcast.Transcode;

/// <summary>
/// Where FFmpeg's output lines go: every line into the in-memory tail (which counts them), and at most
/// <see cref="LinesPerSecond"/> a second into the channel's log file, with a summary line for those left out. The
/// file is appended across runs and restarts and moved aside to <c>.1</c> when it passes <see cref="MaxLogBytes"/>.
/// </summary>
internal sealed class FfmpegOutputSink : IDisposable
{
    public const long MaxLogBytes = 8L * 1024 * 1024;

    /// <summary>Lines a second written to the log file; FFmpeg prints a few a minute while it runs well.</summary>
    public const int DefaultLinesPerSecond = 20;

    private readonly Lock _gate = new();
    private readonly string _logPath;
    private readonly OutputTail _tail;
    private readonly TimeProvider _time;
    private readonly long _createdAt;
    private readonly LogLineLimiter _limiter;
    private StreamWriter? _log;

    public FfmpegOutputSink(string logPath, OutputTail tail, TimeProvider time, int linesPerSecond = DefaultLinesPerSecond)
    {
        _logPath = logPath;
        _tail = tail;
        _time = time;
        _createdAt = time.GetTimestamp();
        _limiter = new LogLineLimiter(linesPerSecond);
        _log = OpenLog(logPath);
    }

    public int LinesPerSecond => _limiter.LinesPerSecond;

    /// <summary>Lines kept out of the log file so far.</summary>
    public long LinesHeldBack
    {
        get
        {
            lock (_gate)
            {
                return _limiter.TotalHeldBack;
            }
        }
    }

    public void WriteLine(string line)
    {
        _tail.Add(line);
        lock (_gate)
        {
            if (!_limiter.Admit(_time.GetElapsedTime(_createdAt), out var heldBack))
            {
                return;
            }

            WriteHeldBackSummary(heldBack);
            _log?.WriteLine(line);
            if (_log is not null && _log.BaseStream.Length >= MaxLogBytes)
            {
                Rotate();
            }
        }
    }

    /// <summary>A line of our own in the log file (not in the tail), marking run starts and exits.</summary>
    public void WriteMarker(DateTimeOffset at, string text)
    {
        lock (_gate)
        {
            WriteHeldBackSummary(_limiter.TakeHeldBack());
            _log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"=== {at:O} {text}"));
        }
    }

    public void RotateIfLarge()
    {
        lock (_gate)
        {
            if (_log is not null && _log.BaseStream.Length >= MaxLogBytes)
            {
                Rotate();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            WriteHeldBackSummary(_limiter.TakeHeldBack());
            _log?.Dispose();
            _log = null;
        }
    }

    private void WriteHeldBackSummary(long heldBack)
    {
        if (heldBack > 0)
        {
            _log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"=== {_time.GetUtcNow():O} {heldBack} lines suppressed (more than {_limiter.LinesPerSecond} a second)"));
        }
    }

    private void Rotate()
    {
        _log!.Dispose();
        File.Move(_logPath, _logPath + ".1", overwrite: true);
        _log = OpenLog(_logPath);
    }

    private static StreamWriter OpenLog(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
}
