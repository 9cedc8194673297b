using Broadcast.Api.Jobs;
using Broadcast.Api.State;

namespace Broadcast.Api.Tests.Jobs;

public class CleanupActionTests
{
    public static TheoryData<CleanupAction, JobAction> Rows => new()
    {
        { new RouterClosed("a", CleanupReason.Idle), new JobAction("a", "router a", "closed", "idle") },
        { new RouterClosed("cam", CleanupReason.Deleted), new JobAction("cam", "router cam", "closed", "deleted") },
        { new TransportClosed("a", "t1", CleanupReason.NeverConnected), new JobAction("a", "transport t1", "closed", "never-connected") },
        { new ProcessKilled("a", 4242), new JobAction("a", "ffmpeg 4242", "killed", "orphan") },
        { new FileDeleted("a", "a.ffmpeg.log", 12), new JobAction("a", "file a.ffmpeg.log", "deleted", "orphan", 12) },
        { new FolderDeleted("a", 3400), new JobAction("a", "folder a", "deleted", "orphan", 3400) },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Each_action_is_stored_as_the_same_row_as_before(CleanupAction action, JobAction row) =>
        Assert.Equal(row, action.ToJobAction());
}
