namespace Broadcast.Transcode;

/// <summary>What a supervised FFmpeg's restart was.</summary>
public enum FfmpegRestartKind
{
    /// <summary>FFmpeg exited unexpectedly and has started again.</summary>
    Restarted,

    /// <summary>It keeps exiting soon after each start: the restart delay has reached its maximum.</summary>
    Failing,
}

/// <summary>A restart of a channel's FFmpeg after an unexpected exit.</summary>
/// <param name="Kind">Started again, or failing.</param>
/// <param name="Restarts">Restarts so far (for Failing: the one about to happen).</param>
/// <param name="LastExitCode">The exit code of the run that ended.</param>
/// <param name="Delay">The wait before this restart.</param>
public sealed record FfmpegRestartEvent(FfmpegRestartKind Kind, int Restarts, int? LastExitCode, TimeSpan Delay);
