using System.Globalization;

namespace Broadcast.Transcode;

/// <summary>
/// Which UDP ports a process has bound, from Linux's /proc/net/udp and udp6 tables matched against the socket
/// inodes in /proc/&lt;pid&gt;/fd. FFmpeg prints nothing when its SDP input is ready, so this is how we know.
/// </summary>
internal static class UdpSocketTable
{
    /// <summary>Whether the tables can be read here (Linux with /proc mounted).</summary>
    public static bool IsSupported => File.Exists("/proc/net/udp");

    /// <summary>
    /// Parses one table row, e.g.
    /// <c>15289: 00000000:61AC 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 18857 2 ...</c>:
    /// field 1 is the local address and hex port, field 9 the socket inode. The header row does not parse.
    /// </summary>
    public static bool TryParseRow(string row, out int localPort, out long inode)
    {
        localPort = 0;
        inode = 0;
        var fields = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10 || !fields[0].EndsWith(':'))
        {
            return false;
        }

        var colon = fields[1].LastIndexOf(':');
        return colon > 0
            && int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out localPort)
            && long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out inode);
    }

    /// <summary>The local UDP ports (IPv4 and IPv6) bound by sockets the process holds.</summary>
    public static IReadOnlySet<int> PortsBoundBy(int processId)
    {
        var inodes = SocketInodes(processId);
        var ports = new HashSet<int>();
        if (inodes.Count == 0)
        {
            return ports;
        }

        foreach (var table in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            foreach (var row in ReadLinesOrNone(table))
            {
                if (TryParseRow(row, out var port, out var inode) && inodes.Contains(inode))
                {
                    ports.Add(port);
                }
            }
        }

        return ports;
    }

    private static HashSet<long> SocketInodes(int processId)
    {
        var inodes = new HashSet<long>();
        try
        {
            foreach (var fd in Directory.EnumerateFiles($"/proc/{processId}/fd"))
            {
                // Each socket descriptor is a link to "socket:[<inode>]"; it may close while we look.
                string? target;
                try
                {
                    target = new FileInfo(fd).LinkTarget;
                }
                catch (IOException)
                {
                    continue;
                }

                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && target.EndsWith(']')
                    && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
                {
                    inodes.Add(inode);
                }
            }
        }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            // The process exited, or is not ours to inspect.
        }

        return inodes;
    }

    private static IEnumerable<string> ReadLinesOrNone(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return [];
        }
    }
}
