namespace Broadcast.Transcode.Retention;

/// <summary>A segment file as the retention policy sees it.</summary>
/// <param name="ChannelId">The channel folder it lives in.</param>
/// <param name="Name">File name within the channel folder.</param>
/// <param name="Bytes">Size on disk.</param>
/// <param name="LastWrite">When it was last written (finished).</param>
/// <param name="InLivePlaylist">Listed by the channel's playlist: never deleted, whatever the rules say.</param>
public sealed record SegmentFile(string ChannelId, string Name, long Bytes, DateTimeOffset LastWrite, bool InLivePlaylist);

/// <summary>A channel's retention: segments older than <paramref name="MaxAge"/> go, and the channel keeps at most <paramref name="QuotaBytes"/>.</summary>
public sealed record ChannelRetention(TimeSpan? MaxAge, long? QuotaBytes)
{
    public static ChannelRetention KeepEverything { get; } = new(null, null);
}

public enum DeletionReason
{
    /// <summary>Older than the channel's retention.</summary>
    Age,

    /// <summary>The channel was over its quota: oldest first.</summary>
    ChannelQuota,

    /// <summary>All channels together were over the global quota: oldest first, across channels.</summary>
    GlobalQuota,
}

public sealed record RetentionDecision(SegmentFile Segment, DeletionReason Reason);

/// <summary>
/// Which segments to delete, as pure code: first by age, then per-channel quotas, then the global quota, each time
/// the oldest first. A segment still listed by a live playlist is never chosen, nor one written within
/// <see cref="InProgressGrace"/> (FFmpeg writes a segment before it lists it), so quotas may stay exceeded when the
/// live window alone is bigger than they allow.
/// </summary>
public static class RetentionPolicy
{
    /// <summary>Segments written this recently are left alone: they may be the one FFmpeg is still writing.</summary>
    public static readonly TimeSpan InProgressGrace = TimeSpan.FromSeconds(30);

    public static IReadOnlyList<RetentionDecision> Decide(IReadOnlyList<SegmentFile> segments, Func<string, ChannelRetention> rulesFor,
        long? globalQuotaBytes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(rulesFor);
        var decisions = new List<RetentionDecision>();
        var deleted = new HashSet<SegmentFile>(ReferenceEqualityComparer.Instance);
        var channels = segments.GroupBy(s => s.ChannelId, StringComparer.Ordinal).ToList();

        foreach (var channel in channels)
        {
            var rules = rulesFor(channel.Key);
            if (rules.MaxAge is { } maxAge)
            {
                foreach (var segment in channel.Where(s => Deletable(s) && now - s.LastWrite > maxAge).OrderBy(s => s.LastWrite))
                {
                    Delete(segment, DeletionReason.Age);
                }
            }

            if (rules.QuotaBytes is { } quota)
            {
                var used = channel.Where(s => !deleted.Contains(s)).Sum(s => s.Bytes);
                foreach (var segment in OldestDeletable(channel))
                {
                    if (used <= quota)
                    {
                        break;
                    }

                    Delete(segment, DeletionReason.ChannelQuota);
                    used -= segment.Bytes;
                }
            }
        }

        if (globalQuotaBytes is { } globalQuota)
        {
            var used = segments.Where(s => !deleted.Contains(s)).Sum(s => s.Bytes);
            foreach (var segment in OldestDeletable(segments))
            {
                if (used <= globalQuota)
                {
                    break;
                }

                Delete(segment, DeletionReason.GlobalQuota);
                used -= segment.Bytes;
            }
        }

        return decisions;

        IEnumerable<SegmentFile> OldestDeletable(IEnumerable<SegmentFile> from) =>
            from.Where(s => Deletable(s) && !deleted.Contains(s))
                .OrderBy(s => s.LastWrite)
                .ThenBy(s => s.Name, StringComparer.Ordinal)
                .ToList();

        bool Deletable(SegmentFile segment) => !segment.InLivePlaylist && now - segment.LastWrite >= InProgressGrace;

        void Delete(SegmentFile segment, DeletionReason reason)
        {
            if (deleted.Add(segment))
            {
                decisions.Add(new RetentionDecision(segment, reason));
            }
        }
    }
}
