using System.Net;
using Broadcast.Api.Hls;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Broadcast.Api.Tests;

/// <summary>HLS viewers: distinct address and User-Agent pairs within the window, forgotten after it, on a fake clock.</summary>
public sealed class HlsViewerTrackerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Clients_count_once_each_within_the_window_and_are_forgotten_after_it()
    {
        var tracker = new HlsViewerTracker(_time);

        tracker.Seen("cam", Request("192.0.2.1", "hls.js"));
        tracker.Seen("cam", Request("192.0.2.1", "hls.js"));
        tracker.Seen("cam", Request("192.0.2.1", "Safari"));
        tracker.Seen("cam", Request("192.0.2.2", "hls.js"));
        tracker.Seen("other", Request("192.0.2.9", "hls.js"));

        Assert.Equal(3, tracker.Count("cam"));
        Assert.Equal(1, tracker.Count("other"));
        Assert.Equal(0, tracker.Count("nobody"));

        _time.Advance(TimeSpan.FromSeconds(10));
        tracker.Seen("cam", Request("192.0.2.1", "hls.js"));
        _time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(1, tracker.Count("cam")); // the one seen 6 s ago
        Assert.Equal(0, tracker.Count("other"));
    }

    [Fact]
    public void Clients_that_left_are_forgotten_as_new_ones_come_even_when_nobody_counts()
    {
        var tracker = new HlsViewerTracker(_time);
        for (var i = 0; i < 1000; i++)
        {
            tracker.Seen("busy", Request($"198.51.100.{i % 250}", $"player {i}"));
        }

        Assert.Equal(1000, tracker.Held("busy"));

        _time.Advance(HlsViewerTracker.Window + TimeSpan.FromSeconds(1));
        tracker.Seen("busy", Request("203.0.113.1", "late"));

        Assert.Equal(1, tracker.Held("busy")); // pruned by the request itself, not by a count
        Assert.Equal(1, tracker.Count("busy"));
    }

    private static DefaultHttpContext Request(string address, string agent)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        http.Request.Headers.UserAgent = agent;
        return http;
    }
}
