namespace Broadcast.Transcode;

/// <summary>
/// One block of FFmpeg's <c>-progress</c> report, printed once a second while media flows. A value FFmpeg did not
/// know (N/A) or did not print (no video output: no frames, no fps) is null.
/// </summary>
/// <param name="Fps">Frames a second of the first video output, averaged by FFmpeg since it started.</param>
/// <param name="BitrateKbps">Bitrate of what FFmpeg wrote so far, in kbit/s.</param>
/// <param name="Speed">Media time written per second of wall-clock time: 1 keeps up with a live source.</param>
/// <param name="Frames">Video frames written.</param>
/// <param name="DroppedFrames">Frames dropped by FFmpeg's frame rate conversion.</param>
/// <param name="DuplicatedFrames">Frames duplicated by FFmpeg's frame rate conversion.</param>
/// <param name="OutTimeSeconds">The output's timestamp: media time written.</param>
/// <param name="At">When the block arrived.</param>
public sealed record FfmpegProgress(
    double? Fps,
    double? BitrateKbps,
    double? Speed,
    long? Frames,
    long? DroppedFrames,
    long? DuplicatedFrames,
    double? OutTimeSeconds,
    DateTimeOffset At);
