using Broadcast.Api.Jobs;

namespace Broadcast.Api.Tests.Jobs;

public class CleanupPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private static IReadOnlyList<CleanupDecision> Decide(RouterSnapshot[] routers, TransportSnapshot[]? transports = null) =>
        CleanupPolicy.Decide(routers, transports ?? [], IdleTimeout, ConnectTimeout, Now);

    [Fact]
    public void A_router_idle_for_longer_than_the_timeout_is_closed_and_one_just_under_it_is_kept()
    {
        var decisions = Decide([
            new RouterSnapshot("old", Now - TimeSpan.FromMinutes(6), PulledSource: false, IdleTimeout: null),
            new RouterSnapshot("recent", Now - TimeSpan.FromMinutes(4), PulledSource: false, IdleTimeout: null),
            new RouterSnapshot("busy", IdleSince: null, PulledSource: false, IdleTimeout: null),
        ]);

        Assert.Equal(new CleanupDecision("old", null, CleanupReason.Idle), Assert.Single(decisions));
    }

    [Fact]
    public void A_channels_own_idle_timeout_wins_over_the_default()
    {
        var decisions = Decide([
            new RouterSnapshot("patient", Now - TimeSpan.FromMinutes(6), PulledSource: false, IdleTimeout: TimeSpan.FromHours(1)),
            new RouterSnapshot("eager", Now - TimeSpan.FromSeconds(20), PulledSource: false, IdleTimeout: TimeSpan.FromSeconds(10)),
        ]);

        Assert.Equal("eager", Assert.Single(decisions).RouterId);
    }

    [Fact]
    public void A_camera_channel_whose_camera_is_away_is_never_closed_as_idle()
    {
        Assert.Empty(Decide([new RouterSnapshot("camera", Now - TimeSpan.FromDays(1), PulledSource: true, IdleTimeout: null, Defined: true)]));
    }

    [Fact]
    public void A_camera_channel_deleted_through_another_appliance_is_closed_here_too()
    {
        var decisions = Decide([
            new RouterSnapshot("deleted-camera", IdleSince: null, PulledSource: true, IdleTimeout: null, Defined: false),
            new RouterSnapshot("kept-camera", IdleSince: null, PulledSource: true, IdleTimeout: null, Defined: true),
        ]);

        Assert.Equal(new CleanupDecision("deleted-camera", null, CleanupReason.Deleted), Assert.Single(decisions));
    }

    [Fact]
    public void WebRtc_and_plain_transports_that_never_connected_within_the_timeout_are_closed_and_the_appliances_own_are_not()
    {
        var old = Now - TimeSpan.FromSeconds(31);
        var decisions = Decide(
            [new RouterSnapshot("r", IdleSince: null, PulledSource: false, IdleTimeout: null)],
            [
                new TransportSnapshot("webrtc-stale", "r", "webrtc", IsConnected: false, old),
                new TransportSnapshot("plain-stale", "r", "plain", IsConnected: false, old),
                new TransportSnapshot("webrtc-young", "r", "webrtc", IsConnected: false, Now - TimeSpan.FromSeconds(29)),
                new TransportSnapshot("webrtc-connected", "r", "webrtc", IsConnected: true, old),
                new TransportSnapshot("rtsp", "r", "rtsp", IsConnected: false, old),
            ]);

        Assert.Equal(["plain-stale", "webrtc-stale"], decisions.Select(d => d.TransportId!).Order(StringComparer.Ordinal));
        Assert.All(decisions, d => Assert.Equal(CleanupReason.NeverConnected, d.Reason));
    }

    [Fact]
    public void The_transports_of_a_router_that_closes_anyway_are_not_listed_twice()
    {
        var decisions = Decide(
            [new RouterSnapshot("r", Now - TimeSpan.FromHours(1), PulledSource: false, IdleTimeout: null)],
            [new TransportSnapshot("t", "r", "webrtc", IsConnected: false, Now - TimeSpan.FromHours(1))]);

        Assert.Equal(new CleanupDecision("r", null, CleanupReason.Idle), Assert.Single(decisions));
    }
}
