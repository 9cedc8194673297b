using Broadcast.Transcode;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Hls;

/// <summary>A file under the HLS root that may be served, with its content type.</summary>
public sealed record HlsFile(string FullPath, string ContentType, bool IsPlaylist);

/// <summary>Why a request for an HLS file was refused.</summary>
public enum HlsRefusal
{
    None,

    /// <summary>The path is not a plain relative path of safe names (traversal, encoding, backslash, absolute): 400.</summary>
    BadPath,

    /// <summary>A well-formed path to something that is not an HLS file: 404.</summary>
    NotServed,
}

/// <summary>
/// Confines HLS serving to &lt;root&gt;/&lt;channel&gt;/: only plain names (letters, digits, '-', '_', '.') separated
/// by '/', only playlist and segment extensions, and the canonical path must still lie inside the channel's folder.
/// </summary>
public sealed class HlsFileResolver(IOptions<HlsOptions> options)
{
    private const int MaxPathLength = 512;

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".m3u8"] = "application/vnd.apple.mpegurl",
        [".ts"] = "video/mp2t",
        [".m4s"] = "video/iso.segment",
        [".mp4"] = "video/mp4",
        [".aac"] = "audio/aac",
    };

    /// <summary>The absolute root, ending with a directory separator.</summary>
    public string FullRoot { get; } = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Value.Root)) + Path.DirectorySeparatorChar;

    public HlsRefusal TryResolve(string channelId, string file, out HlsFile? resolved) => TryResolve(FullRoot, channelId, file, out resolved);

    /// <summary>Pure: resolves <paramref name="file"/> of <paramref name="channelId"/> under <paramref name="fullRoot"/> (which ends with a separator).</summary>
    public static HlsRefusal TryResolve(string fullRoot, string channelId, string file, out HlsFile? resolved)
    {
        resolved = null;
        if (!IsSafeName(channelId) || file.Length is 0 or > MaxPathLength)
        {
            return HlsRefusal.BadPath;
        }

        foreach (var segment in file.Split('/'))
        {
            if (!IsSafeName(segment))
            {
                return HlsRefusal.BadPath;
            }
        }

        if (!ContentTypes.TryGetValue(Path.GetExtension(file), out var contentType))
        {
            return HlsRefusal.NotServed;
        }

        // Defense in depth: whatever the checks above missed, the canonical path must stay in the channel's folder.
        var channelRoot = Path.GetFullPath(channelId, fullRoot) + Path.DirectorySeparatorChar;
        var fullPath = Path.GetFullPath(file, channelRoot);
        if (!channelRoot.StartsWith(fullRoot, StringComparison.Ordinal) || !fullPath.StartsWith(channelRoot, StringComparison.Ordinal))
        {
            return HlsRefusal.BadPath;
        }

        resolved = new HlsFile(fullPath, contentType, contentType == ContentTypes[".m3u8"]);
        return HlsRefusal.None;
    }

    private static bool IsSafeName(string name)
    {
        if (name.Length is 0 or > 255 || name is "." or "..")
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
