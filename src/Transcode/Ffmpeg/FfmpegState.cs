namespace Broadcast.Transcode;

/// <summary>Where a <see cref="FfmpegSupervisor"/> is in its life.</summary>
public enum FfmpegState
{
    /// <summary>Created, not started.</summary>
    Idle,

    /// <summary>Writing the SDP file and starting the first FFmpeg.</summary>
    Starting,

    /// <summary>An FFmpeg process runs.</summary>
    Running,

    /// <summary>FFmpeg exited or stalled; waiting before the next start.</summary>
    BackingOff,

    /// <summary>Stopping: 'q' sent, waiting for the exit or killing.</summary>
    Stopping,

    /// <summary>Stopped for good (or never started and stopped).</summary>
    Stopped,
}
