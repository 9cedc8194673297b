using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Broadcast.Testing;

namespace Broadcast.E2E.Tests;

/// <summary>A camera channel created over the REST API, with what the tests read back: its state and its HLS output.</summary>
internal sealed class CameraChannel
{
    private CameraChannel(BroadcastHost host, string id, Stopwatch sinceCreation)
    {
        Host = host;
        Id = id;
        SinceCreation = sinceCreation;
    }

    public BroadcastHost Host { get; }
    public string Id { get; }

    /// <summary>Started right before the POST that created the channel.</summary>
    public Stopwatch SinceCreation { get; }

    public string PlaylistPath => Path.Combine(Host.HlsRoot, Id, "index.m3u8");

    public static async Task<CameraChannel> CreateAsync(BroadcastHost host, string id, string url, string transport = "tcp",
        string? username = null, string? password = null)
    {
        var rtsp = new JsonObject { ["url"] = url, ["transport"] = transport };
        if (username is not null)
        {
            rtsp["username"] = username;
            rtsp["password"] = password;
        }

        var clock = Stopwatch.StartNew();
        using var response = await host.Client.PostAsJsonAsync("api/v1/channels", new JsonObject { ["channel_id"] = id, ["rtsp"] = rtsp });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST api/v1/channels → {(int)response.StatusCode}: {text}");
        if (password is not null)
        {
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
        }

        return new CameraChannel(host, id, clock);
    }

    /// <summary>A channel that exists already on <paramref name="host"/>, e.g. restored from the database at its start.</summary>
    public static CameraChannel Existing(BroadcastHost host, string id) => new(host, id, Stopwatch.StartNew());

    public async Task<JsonNode> StatusAsync() => (await Host.Client.GetFromJsonAsync<JsonNode>($"api/v1/channels/{Id}"))!;

    public async Task<string> StateAsync() => (await StatusAsync())["state"]!.GetValue<string>();

    public async Task DeleteAsync()
    {
        using var response = await Host.Client.DeleteAsync($"api/v1/channels/{Id}");
        Assert.True(response.IsSuccessStatusCode, $"DELETE → {(int)response.StatusCode}");
    }

    /// <summary>Segments the playlist lists, in order.</summary>
    public IReadOnlyList<string> ListedSegments() =>
        HlsMedia.Segments(Playlist());

    public string Playlist()
    {
        if (!File.Exists(PlaylistPath))
        {
            return "";
        }

        using var stream = new FileStream(PlaylistPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Segments listed after an EXT-X-DISCONTINUITY that follows <paramref name="segment"/> (0 while there is none).
    /// FFmpeg's append_list also tags the very first segment of a channel, so only a tag after a known segment counts.
    /// </summary>
    public int SegmentsAfterDiscontinuityFollowing(string segment)
    {
        var lines = Playlist().Split('\n').Select(l => l.Trim()).ToList();
        var known = lines.IndexOf(segment);
        var tag = known < 0 ? -1 : lines.FindIndex(known, l => l == "#EXT-X-DISCONTINUITY");
        return tag < 0 ? 0 : lines.Skip(tag).Count(HlsMedia.IsSegment);
    }

    public string SegmentPath(string segment) => Path.Combine(Host.HlsRoot, Id, segment);

    /// <summary>ffprobe's view of a listed segment (behind its init segment when it is fMP4).</summary>
    public Task<FFMpegCore.IMediaAnalysis> ProbeAsync(string segment) => HlsMedia.ProbeAsync(Path.Combine(Host.HlsRoot, Id), Playlist(), segment);
}
