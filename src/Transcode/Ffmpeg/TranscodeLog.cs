using Microsoft.Extensions.Logging;

namespace Broadcast.Transcode;

/// <summary>Source-generated log messages of the FFmpeg supervisor. Event ids 3000–3099 belong to Transcode.</summary>
internal static partial class TranscodeLog
{
    private static readonly Func<ILogger, string, IDisposable?> ChannelScopeFactory =
        LoggerMessage.DefineScope<string>("Channel {ChannelId}");

    public static IDisposable? ChannelScope(this ILogger logger, string channelId) => ChannelScopeFactory(logger, channelId);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "FFmpeg started: pid {ProcessId}, run {Run}, arguments {Arguments}")]
    public static partial void FfmpegStarted(this ILogger logger, int processId, int run, string arguments);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "FFmpeg pid {ProcessId} listens on its RTP/RTCP ports after {ElapsedMs} ms")]
    public static partial void FfmpegListening(this ILogger logger, int processId, long elapsedMs);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "FFmpeg pid {ProcessId} exited with code {ExitCode} after {RunSeconds:0.0} s; last output: {LastLine}")]
    public static partial void FfmpegExitedUnexpectedly(this ILogger logger, int processId, int exitCode, double runSeconds, string? lastLine);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "FFmpeg restarts in {DelayMs} ms (restart {Restart})")]
    public static partial void FfmpegRestartScheduled(this ILogger logger, long delayMs, int restart);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "FFmpeg pid {ProcessId} wrote no segment for {StalledSeconds:0.0} s while media flowed; killing it")]
    public static partial void FfmpegStalled(this ILogger logger, int processId, double stalledSeconds);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Stopping FFmpeg pid {ProcessId} with 'q'")]
    public static partial void FfmpegStopping(this ILogger logger, int processId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "FFmpeg pid {ProcessId} did not quit within {TimeoutMs} ms; killed its process tree")]
    public static partial void FfmpegKilledAfterTimeout(this ILogger logger, int processId, long timeoutMs);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "FFmpeg supervision stopped after {Restarts} restarts; last exit code {ExitCode}")]
    public static partial void SupervisionStopped(this ILogger logger, int restarts, int? exitCode);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Error, Message = "FFmpeg could not be started")]
    public static partial void FfmpegStartFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Error, Message = "The Listening callback failed")]
    public static partial void ListeningCallbackFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Appended EXT-X-ENDLIST to {PlaylistPath}, which FFmpeg could not end itself")]
    public static partial void EndListAppended(this ILogger logger, string playlistPath);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "FFmpeg supervision failed; the process was killed")]
    public static partial void SupervisionFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "Could not clean up {Path}")]
    public static partial void CleanupFailed(this ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Error, Message = "FFmpeg pid {ProcessId} was killed because its media output could not be packaged")]
    public static partial void MediaOutputFailed(this ILogger logger, int processId, Exception exception);
}
