namespace Broadcast.Transcode.Tests.Support;

/// <summary>Tests that run real FFmpeg processes go one at a time: the machine has two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealFfmpegCollection
{
    public const string Name = "Real FFmpeg";
}
