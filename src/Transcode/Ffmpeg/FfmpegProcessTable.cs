using System.Globalization;
using System.Text;

namespace Broadcast.Transcode;

/// <summary>An FFmpeg process found reading one of our SDP files.</summary>
/// <param name="ProcessId">Its pid (also its process group: it runs under setsid).</param>
/// <param name="ChannelId">The channel whose SDP file it reads.</param>
public sealed record FfmpegProcessInfo(int ProcessId, string ChannelId);

/// <summary>
/// Finds the FFmpeg processes that read SDP files under a work folder, from /proc on Linux: the cleanup job kills
/// those no live pipeline owns (left by a crashed run of the appliance, or by a channel that went away abnormally).
/// </summary>
public static class FfmpegProcessTable
{
    /// <summary>
    /// Reads a /proc/&lt;pid&gt;/cmdline (arguments separated by NUL): when the program is ffmpeg and an argument is
    /// <c>&lt;workRoot&gt;/&lt;channel&gt;.sdp</c>, returns the channel id.
    /// </summary>
    public static bool TryGetChannel(ReadOnlySpan<byte> commandLine, string workRoot, out string channelId)
    {
        channelId = "";
        var prefix = Path.TrimEndingDirectorySeparator(workRoot) + "/";
        var first = true;
        while (!commandLine.IsEmpty)
        {
            var end = commandLine.IndexOf((byte)0);
            var argument = end < 0 ? commandLine : commandLine[..end];
            commandLine = end < 0 ? [] : commandLine[(end + 1)..];
            if (first)
            {
                first = false;
                if (!IsFfmpeg(argument))
                {
                    return false;
                }

                continue;
            }

            if (argument.Length > prefix.Length + 4 && argument.EndsWith(".sdp"u8))
            {
                var text = Encoding.UTF8.GetString(argument);
                if (text.StartsWith(prefix, StringComparison.Ordinal) && text.IndexOf('/', prefix.Length) < 0)
                {
                    channelId = text[prefix.Length..^4];
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The FFmpeg processes reading SDP files under <paramref name="workRoot"/>; empty off Linux.</summary>
    public static IReadOnlyList<FfmpegProcessInfo> Find(string workRoot)
    {
        var found = new List<FfmpegProcessInfo>();
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            return found;
        }

        var root = Path.GetFullPath(workRoot);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            byte[] commandLine;
            try
            {
                commandLine = File.ReadAllBytes(Path.Combine(directory, "cmdline"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // exited while we looked, or not ours to read
            }

            if (TryGetChannel(commandLine, root, out var channelId))
            {
                found.Add(new FfmpegProcessInfo(pid, channelId));
            }
        }

        return found;
    }

    private static bool IsFfmpeg(ReadOnlySpan<byte> program)
    {
        var slash = program.LastIndexOf((byte)'/');
        return program[(slash + 1)..].SequenceEqual("ffmpeg"u8);
    }
}
