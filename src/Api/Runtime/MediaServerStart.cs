namespace Broadcast.Api.Runtime;

/// <summary>When the media plane finished starting; the stats endpoint reports uptime from it.</summary>
public sealed class MediaServerStart(TimeProvider time)
{
    /// <summary>The start time; the time this object was created until the media plane has started.</summary>
    public DateTimeOffset At { get; private set; } = time.GetUtcNow();

    internal void Started(DateTimeOffset at) => At = at;
}
