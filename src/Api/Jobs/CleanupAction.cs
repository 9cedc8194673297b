using Broadcast.Api.State;

namespace Broadcast.Api.Jobs;

/// <summary>
/// Something a cleanup run did. A record per kind of action, so the run's counts come from the types; each turns
/// into the <see cref="JobAction"/> row the run store keeps and the jobs API shows (texts unchanged).
/// </summary>
/// <param name="ChannelId">The channel (router) it belonged to.</param>
/// <param name="Reason">Why it was released.</param>
public abstract record CleanupAction(string ChannelId, CleanupReason Reason)
{
    public abstract JobAction ToJobAction();

    /// <summary>The reason as the run store writes it.</summary>
    protected string ReasonText => Reason switch
    {
        CleanupReason.Idle => "idle",
        CleanupReason.NeverConnected => "never-connected",
        CleanupReason.Deleted => "deleted",
        _ => "orphan",
    };
}

/// <summary>A router closed (idle, or a camera channel deleted elsewhere).</summary>
public sealed record RouterClosed(string ChannelId, CleanupReason Reason) : CleanupAction(ChannelId, Reason)
{
    public override JobAction ToJobAction() => new(ChannelId, $"router {ChannelId}", "closed", ReasonText);
}

/// <summary>A transport closed because it never connected.</summary>
public sealed record TransportClosed(string ChannelId, string TransportId, CleanupReason Reason) : CleanupAction(ChannelId, Reason)
{
    public override JobAction ToJobAction() => new(ChannelId, $"transport {TransportId}", "closed", ReasonText);
}

/// <summary>An FFmpeg process no pipeline owns, killed with its process tree.</summary>
public sealed record ProcessKilled(string ChannelId, int ProcessId) : CleanupAction(ChannelId, CleanupReason.Orphan)
{
    public override JobAction ToJobAction() => new(ChannelId, $"ffmpeg {ProcessId}", "killed", ReasonText);
}

/// <summary>An SDP file or FFmpeg log of a channel that is gone.</summary>
public sealed record FileDeleted(string ChannelId, string FileName, long Bytes) : CleanupAction(ChannelId, CleanupReason.Orphan)
{
    public override JobAction ToJobAction() => new(ChannelId, $"file {FileName}", "deleted", ReasonText, Bytes);
}

/// <summary>The HLS folder of a channel that is gone.</summary>
public sealed record FolderDeleted(string ChannelId, long Bytes) : CleanupAction(ChannelId, CleanupReason.Orphan)
{
    public override JobAction ToJobAction() => new(ChannelId, $"folder {ChannelId}", "deleted", ReasonText, Bytes);
}
