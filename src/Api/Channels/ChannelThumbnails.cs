using System.Collections.Concurrent;
using System.Diagnostics;
using Broadcast.Transcode;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Channels;

/// <summary>A channel's picture: a JPEG of the first picture of its newest HLS segment.</summary>
/// <param name="Jpeg">The image, at most 360 lines high.</param>
/// <param name="Segment">The segment it comes from (its file name), which also serves as its ETag.</param>
public sealed record ChannelThumbnail(byte[] Jpeg, string Segment);

/// <summary>
/// Thumbnails from the channel's own output: the newest segment the playlist lists (with its init segment for fMP4) is
/// given to FFmpeg, which decodes its first picture (a key frame: segments start with one) into a JPEG. One decode per
/// segment and channel, however many ask (the console, API users), and at most two decodes at once for the appliance.
/// </summary>
public sealed class ChannelThumbnails(IOptions<HlsOptions> hls, ILogger<ChannelThumbnails> logger)
{
    private static readonly TimeSpan DecodeTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (string Segment, Lazy<Task<ChannelThumbnail?>> Decode)> _latest = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _decoders = new(2, 2);
    private long _decodes;

    /// <summary>FFmpeg decodes run so far.</summary>
    public long Decodes => Interlocked.Read(ref _decodes);

    /// <summary>The thumbnail of the channel's newest segment; null when it has none yet (or it could not be decoded).</summary>
    public async Task<ChannelThumbnail?> GetAsync(string channelId, CancellationToken cancellationToken)
    {
        if (NewestSegment(Path.Combine(Path.GetFullPath(hls.Value.Root), channelId)) is not { } source)
        {
            _latest.TryRemove(channelId, out _); // no output (any more): nothing to keep
            return null;
        }

        var entry = _latest.AddOrUpdate(channelId,
            _ => (source.Segment, Lazy(source)),
            (_, existing) => existing.Segment == source.Segment ? existing : (source.Segment, Lazy(source)));
        // A caller that gives up does not cancel the decode: the next one gets its result.
        return await entry.Decode.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Lazy<Task<ChannelThumbnail?>> Lazy((string? Init, string SegmentPath, string Segment) source) =>
        new(() => DecodeAsync(source.Init, source.SegmentPath, source.Segment));

    /// <summary>The newest listed segment of the channel's first media playlist, and its MAP (init segment), as paths.</summary>
    internal static (string? Init, string SegmentPath, string Segment)? NewestSegment(string folder)
    {
        var playlist = Path.Combine(folder, "index.m3u8");
        var text = ReadOrNull(playlist);
        if (text is null)
        {
            return null;
        }

        // A multivariant playlist (renditions): the first variant's media playlist.
        if (text.Contains("#EXT-X-STREAM-INF", StringComparison.Ordinal))
        {
            var variant = Uris(text).FirstOrDefault();
            if (variant is null || Resolve(folder, variant) is not { } variantPath || ReadOrNull(variantPath) is not { } variantText)
            {
                return null;
            }

            folder = Path.GetDirectoryName(variantPath)!;
            text = variantText;
        }

        string? init = null;
        foreach (var line in text.Split('\n'))
        {
            const string Map = "#EXT-X-MAP:URI=\"";
            if (line.StartsWith(Map, StringComparison.Ordinal) && line.IndexOf('"', Map.Length) is var end and > 0)
            {
                init = line[Map.Length..end];
            }
        }

        var segment = Uris(text).LastOrDefault();
        if (segment is null || Resolve(folder, segment) is not { } segmentPath)
        {
            return null;
        }

        return (init is null ? null : Resolve(folder, init), segmentPath, Path.GetRelativePath(folder, segmentPath));
    }

    // Only files inside the channel's folder: a playlist is our own output, but a path is never trusted.
    private static string? Resolve(string folder, string uri)
    {
        var path = Path.GetFullPath(Path.Combine(folder, uri.Split('?')[0]));
        return path.StartsWith(Path.GetFullPath(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(path) ? path : null;
    }

    // The playlist's URI lines: neither blank nor tags.
    private static IEnumerable<string> Uris(string playlist) =>
        playlist.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#');

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null; // being replaced: the next request reads the new one
        }
    }

    private async Task<ChannelThumbnail?> DecodeAsync(string? init, string segmentPath, string segment)
    {
        await _decoders.WaitAsync().ConfigureAwait(false);
        Process? ffmpeg = null;
        try
        {
            var startInfo = new ProcessStartInfo(hls.Value.FfmpegPath)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])["-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-frames:v", "1",
                         "-vf", "scale=-2:'min(360,ih)'", "-q:v", "5", "-f", "image2", "-c:v", "mjpeg", "pipe:1"])
            {
                startInfo.ArgumentList.Add(argument);
            }

            ffmpeg = Process.Start(startInfo)!;
            Interlocked.Increment(ref _decodes);
            using var timeout = new CancellationTokenSource(DecodeTimeout);
            var jpeg = new MemoryStream();
            var output = ffmpeg.StandardOutput.BaseStream.CopyToAsync(jpeg, timeout.Token);
            var errors = ffmpeg.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await using (var input = ffmpeg.StandardInput.BaseStream)
                {
                    foreach (var file in (string?[])[init, segmentPath])
                    {
                        if (file is not null)
                        {
                            await using var stream = File.OpenRead(file);
                            await stream.CopyToAsync(input, timeout.Token).ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (IOException)
            {
                // FFmpeg closed its input once it had the picture.
            }

            await Task.WhenAll(output, errors, ffmpeg.WaitForExitAsync(timeout.Token)).ConfigureAwait(false);
            if (ffmpeg.ExitCode != 0 || jpeg.Length == 0)
            {
                logger.LogWarning("No thumbnail from {Segment}: FFmpeg exited {Code}: {Errors}", segmentPath, ffmpeg.ExitCode, (await errors).Trim());
                return null;
            }

            return new ChannelThumbnail(jpeg.ToArray(), segment);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.ComponentModel.Win32Exception)
        {
            logger.LogWarning(e, "No thumbnail from {Segment}", segmentPath);
            return null;
        }
        finally
        {
            if (ffmpeg is { HasExited: false })
            {
                ffmpeg.Kill(); // timed out
            }

            ffmpeg?.Dispose();
            _decoders.Release();
        }
    }
}
