using System.Globalization;
using Broadcast.Transcode.Packaging;

namespace Broadcast.Transcode;

/// <summary>Where a blocking playlist request stands (draft-pantos-hls-rfc8216bis §6.2.5.2).</summary>
public enum BlockingCheck
{
    /// <summary>The playlist holds what was asked for (or has ended): answer now.</summary>
    Ready,

    /// <summary>Not yet: hold the request.</summary>
    Wait,

    /// <summary>Too far ahead of the live edge: 400 at once.</summary>
    TooFarAhead,
}

/// <summary>
/// One rendition's live LL-HLS media playlist: its segments and parts, their bytes in memory while players may ask
/// for them, and the waiting room of blocking requests. One writer (the channel's packager) appends; any number of
/// HTTP requests read. A segment's bytes are the concatenation of its parts, kept once: a part is a slice.
/// </summary>
public sealed class LiveMediaPlaylist
{
    private readonly Lock _gate = new();
    private readonly List<Segment> _segments = [];
    private readonly TimeProvider _time;
    private readonly string _prefix;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Segment? _building;
    private string? _mapUri;
    private byte[]? _initBytes;
    private readonly Dictionary<string, byte[]> _inits = new(StringComparer.Ordinal);
    private readonly Queue<string> _initOrder = new(); // oldest first: a dictionary's order is not its insertion order after a removal
    private bool _nextIsDiscontinuity;
    private bool _continuesEarlierSession;
    private long _nextMsn;
    // Parts are numbered across segments, so the preload hint names the very next part whether or not a new segment
    // starts with it (the hinted URI must be the one the part gets, §4.4.5.3).
    private long _nextPart;
    private long _discontinuitySequence;
    private int _targetDuration;
    private bool _ended;
    private long _version;
    private (long Version, IReadOnlyList<RenditionReport> Reports, string Text)? _full;
    private (long Version, IReadOnlyList<RenditionReport> Reports, string Text)? _delta;
    private Func<IReadOnlyList<RenditionReport>> _reports = static () => [];

    /// <param name="name">The rendition's file-name stem ("index" for a single rendition, else the rendition's name).</param>
    /// <param name="session">A tag unique to this channel session, so URIs never repeat across sessions (stale caches).</param>
    /// <param name="segmentTarget">Seconds: a segment is cut at the first key frame after this.</param>
    /// <param name="partTarget">Seconds: PART-TARGET.</param>
    /// <param name="playlistSize">Complete segments listed.</param>
    /// <param name="time">The clock of held requests and PROGRAM-DATE-TIME.</param>
    public LiveMediaPlaylist(string name, string session, double segmentTarget, double partTarget, int playlistSize, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(partTarget, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentTarget, partTarget);
        ArgumentOutOfRangeException.ThrowIfLessThan(playlistSize, 1);
        Name = name;
        _prefix = name + "_" + session;
        SegmentTarget = segmentTarget;
        PartTarget = partTarget;
        PlaylistSize = playlistSize;
        _time = time;
        // Key frames come late (a browser answering a request, a camera's GOP): room for half a target more.
        _targetDuration = (int)Math.Ceiling(segmentTarget * 1.5);
    }

    public string Name { get; }

    public string PlaylistFileName => Name + ".m3u8";

    public double SegmentTarget { get; }

    public double PartTarget { get; }

    public int PlaylistSize { get; }

    /// <summary>EXT-X-TARGETDURATION; rises (and stays) if a segment runs longer because no key frame came.</summary>
    public int TargetDuration
    {
        get
        {
            lock (_gate)
            {
                return _targetDuration;
            }
        }
    }

    /// <summary>Complete segments produced since the start (not only listed ones).</summary>
    public long CompletedSegments { get; private set; }

    /// <summary>Parts produced since the start.</summary>
    public long CompletedParts { get; private set; }

    /// <summary>When the newest segment was completed, or null.</summary>
    public DateTimeOffset? NewestSegmentAt { get; private set; }

    /// <summary>When the first part was published, or null.</summary>
    public DateTimeOffset? FirstPartAt { get; private set; }

    /// <summary>The URI of the newest complete segment, or null.</summary>
    public string? NewestSegmentUri { get; private set; }

    /// <summary>The bytes of the init segments, their MAP URIs and codec facts, for the multivariant playlist.</summary>
    public Fmp4InitFacts? InitFacts { get; private set; }

    /// <summary>
    /// Raised under the playlist's lock after an init segment starts or a segment completes, with its file name and
    /// bytes (never changed afterwards): the channel queues them for the disk. Handlers must not block.
    /// </summary>
    public event Action<string, ReadOnlyMemory<byte>, bool>? FileReady;

    /// <summary>Whether <see cref="End"/> was called (and not undone by <see cref="Resume"/>).</summary>
    public bool Ended
    {
        get
        {
            lock (_gate)
            {
                return _ended;
            }
        }
    }

    /// <summary>Where the other renditions stand, for EXT-X-RENDITION-REPORT.</summary>
    public void SetRenditionReports(Func<IReadOnlyList<RenditionReport>> reports) => _reports = reports;

    /// <summary>The last (possibly partial) segment's number and its last part's index (-1 before its first part).</summary>
    public (long Msn, int Part) LastPosition()
    {
        lock (_gate)
        {
            return LastPositionLocked();
        }
    }

    /// <summary>The last published part: its segment's number and its index there ((-1, -1) before any), for rendition reports.</summary>
    public (long Msn, int Part) LastPublished()
    {
        lock (_gate)
        {
            if (_building is { Parts.Count: > 0 } building)
            {
                return (building.Msn, building.Parts.Count - 1);
            }

            return _segments.Count == 0 ? (-1, -1) : (_segments[^1].Msn, _segments[^1].Parts.Count - 1);
        }
    }

    /// <summary>The peak and mean bitrate of the listed complete segments in bit/s (null before the first), for BANDWIDTH.</summary>
    public (long Peak, long Average)? Bitrates()
    {
        lock (_gate)
        {
            long peak = 0, bits = 0;
            var seconds = 0.0;
            foreach (var segment in _segments)
            {
                if (segment.Listed && segment.Duration > 0)
                {
                    var length = segment.Bytes.Length * 8L;
                    peak = Math.Max(peak, (long)(length / segment.Duration));
                    bits += length;
                    seconds += segment.Duration;
                }
            }

            return seconds > 0 ? (peak, (long)(bits / seconds)) : null;
        }
    }

    // --- the writer's side ---

    /// <summary>
    /// Numbers this session's segments after an earlier one's last segment <paramref name="lastMsn"/> (the channel ran
    /// before, here or on an appliance that died, and its segments are in the folder): players that kept the playlist
    /// URL see the media sequence go on, after a discontinuity, instead of starting again. Call before the first run.
    /// </summary>
    public void ContinueAfter(long lastMsn)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastMsn);
        lock (_gate)
        {
            if (_mapUri is not null)
            {
                throw new InvalidOperationException("ContinueAfter comes before the first run.");
            }

            _nextMsn = lastMsn + 1;
            // Above every discontinuity sequence number the earlier session can have used (at most one per segment).
            _discontinuitySequence = lastMsn + 1;
            _continuesEarlierSession = true;
        }
    }

    /// <summary>A new encoder run: its init segment; the next segment follows a discontinuity (except the first run's, unless it continues an earlier session).</summary>
    public string BeginRun(ReadOnlySpan<byte> init, int run, Fmp4InitFacts facts)
    {
        var uri = string.Create(CultureInfo.InvariantCulture, $"{_prefix}_init{run}.mp4");
        lock (_gate)
        {
            FinishSegmentLocked();
            _nextIsDiscontinuity = _mapUri is not null || _continuesEarlierSession;
            _continuesEarlierSession = false;
            _mapUri = uri;
            _initBytes = init.ToArray();
            if (_inits.TryAdd(uri, _initBytes))
            {
                _initOrder.Enqueue(uri);
            }
            else
            {
                _inits[uri] = _initBytes;
            }

            InitFacts = facts with { MapUri = uri };
            while (_inits.Count > 4)
            {
                _inits.Remove(_initOrder.Dequeue());
            }

            ChangedLocked(); // the first run's init brings the first preload hint
            FileReady?.Invoke(uri, _initBytes, false);
        }

        return uri;
    }

    /// <summary>Starts a segment (and its first part) at the packager's media time.</summary>
    public void StartSegment(DateTimeOffset programDateTime, bool independent)
    {
        lock (_gate)
        {
            FinishSegmentLocked();
            _building = new Segment(_nextMsn++, _mapUri ?? throw new InvalidOperationException("BeginRun first."), _nextIsDiscontinuity, programDateTime,
                _segments.Count == 0 ? 256 * 1024 : _segments[^1].Bytes.Length * 5 / 4);
            _building.OpenPart(independent);
            _nextIsDiscontinuity = false;
        }
    }

    /// <summary>Whether a segment is being built.</summary>
    public bool Building => _building is not null;

    /// <summary>Appends bytes (whole moof+mdat fragments) to the open part.</summary>
    public void Append(ReadOnlySpan<byte> fragment)
    {
        var building = _building ?? throw new InvalidOperationException("No segment is being built.");
        lock (_gate)
        {
            building.Append(fragment);
        }
    }

    /// <summary>Publishes the open part with its duration and opens the next one (wakes blocked requests).</summary>
    public void NextPart(double duration, bool nextIndependent)
    {
        lock (_gate)
        {
            var building = _building ?? throw new InvalidOperationException("No segment is being built.");
            ClosePartLocked(building, duration);
            building.OpenPart(nextIndependent);
            ChangedLocked();
        }
    }

    /// <summary>Publishes the open part and completes the segment (the packager then starts the next one).</summary>
    public void EndSegment(double lastPartDuration)
    {
        lock (_gate)
        {
            if (_building is { } building)
            {
                ClosePartLocked(building, lastPartDuration);
                FinishSegmentLocked();
            }
        }
    }

    /// <summary>No more media: the playlist gets EXT-X-ENDLIST and every held request is answered.</summary>
    public void End()
    {
        lock (_gate)
        {
            FinishSegmentLocked();
            _ended = true;
            ChangedLocked();
        }
    }

    /// <summary>Media comes again after <see cref="End"/> (a publisher came back): the next segment follows a discontinuity.</summary>
    public void Resume()
    {
        lock (_gate)
        {
            if (_ended)
            {
                _ended = false;
                _nextIsDiscontinuity = true;
                ChangedLocked();
            }
        }
    }

    private void ClosePartLocked(Segment building, double duration)
    {
        if (building.OpenPartLength == 0)
        {
            building.DropOpenPart();
            return;
        }

        if (building.Parts.Count == 0)
        {
            building.FirstPartNumber = _nextPart;
        }

        building.ClosePart(PartName(_nextPart++), duration);
        CompletedParts++;
        FirstPartAt ??= _time.GetUtcNow();
    }

    private void FinishSegmentLocked()
    {
        if (_building is not { } building)
        {
            return;
        }

        _building = null;
        building.DropOpenPart();
        if (building.Parts.Count == 0)
        {
            _nextMsn = building.Msn; // nothing was published under this number
            _nextIsDiscontinuity |= building.Discontinuity;
            ChangedLocked();
            return;
        }

        building.Complete(string.Create(CultureInfo.InvariantCulture, $"{_prefix}_{building.Msn}.m4s"));
        _segments.Add(building);
        _targetDuration = Math.Max(_targetDuration, (int)Math.Round(building.Duration, MidpointRounding.AwayFromZero));
        CompletedSegments++;
        NewestSegmentAt = _time.GetUtcNow();
        NewestSegmentUri = building.Uri;

        // Out of the playlist beyond PlaylistSize; bytes kept while a player that saw the parts may still ask (≥ 3 × TD).
        var listed = _segments.Count(s => s.Listed);
        foreach (var old in _segments)
        {
            if (listed <= PlaylistSize)
            {
                break;
            }

            if (old.Listed)
            {
                old.Listed = false;
                listed--;
                if (old.Discontinuity)
                {
                    _discontinuitySequence++;
                }
            }
        }

        // Bytes stay in memory for 6 × TD of media: parts are listed up to 3 × TD from the edge and must stay
        // downloadable 3 × TD longer (§6.2.2); older segments are served from their files.
        var keepFrom = _segments.Sum(s => s.Duration) - (6.0 * _targetDuration);
        var elapsed = 0.0;
        _segments.RemoveAll(s =>
        {
            elapsed += s.Duration;
            return !s.Listed && elapsed < keepFrom;
        });
        ChangedLocked();
        FileReady?.Invoke(building.Uri!, building.Bytes, true);
    }

    private void ChangedLocked()
    {
        _version++;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    // --- the readers' side ---

    /// <summary>The playlist text (cached until the next change); a delta update with <paramref name="skip"/>.</summary>
    public string Render(bool skip)
    {
        // The other renditions' positions are read before this playlist's lock is taken: two renditions rendering at
        // once must never wait on each other's locks. They change the text as much as this playlist's own changes.
        var reports = _reports();
        lock (_gate)
        {
            var cached = skip ? _delta : _full;
            if (cached is { } hit && hit.Version == _version && hit.Reports.SequenceEqual(reports))
            {
                return hit.Text;
            }

            var text = LowLatencyPlaylistWriter.Write(ViewLocked(reports), skip);
            if (skip)
            {
                _delta = (_version, reports, text);
            }
            else
            {
                _full = (_version, reports, text);
            }

            return text;
        }
    }

    /// <summary>The current view (for tests and the multivariant playlist).</summary>
    public MediaPlaylistView View()
    {
        var reports = _reports();
        lock (_gate)
        {
            return ViewLocked(reports);
        }
    }

    private MediaPlaylistView ViewLocked(IReadOnlyList<RenditionReport> reports)
    {
        var listed = new List<PlaylistSegment>(PlaylistSize + 1);
        foreach (var segment in _segments)
        {
            if (segment.Listed)
            {
                listed.Add(segment.ToPlaylist());
            }
        }

        string? hint = null;
        if (_building is { } building)
        {
            if (building.Parts.Count > 0)
            {
                listed.Add(building.ToPlaylist());
            }
        }

        if (!_ended && _mapUri is not null)
        {
            hint = PartName(_nextPart);
        }

        return new MediaPlaylistView(_targetDuration, PartTarget, _discontinuitySequence, listed, _ended ? null : hint, _ended,
            _ended ? [] : reports);
    }

    /// <summary>Whether a request with <c>_HLS_msn</c> (and <c>_HLS_part</c>) can be answered now.</summary>
    public BlockingCheck Check(long msn, int? part)
    {
        lock (_gate)
        {
            return CheckLocked(msn, part);
        }
    }

    private BlockingCheck CheckLocked(long msn, int? part)
    {
        if (_ended)
        {
            return BlockingCheck.Ready; // the directives are ignored once the playlist has ended
        }

        var (lastMsn, lastPart) = LastPositionLocked();
        if (msn > lastMsn + 2)
        {
            return BlockingCheck.TooFarAhead;
        }

        // The Advance Part Limit: three parts' worth of time (§6.2.5.2).
        var advanceLimit = PartTarget < 1 ? (int)Math.Ceiling(3 / PartTarget) : 3;
        if (part is { } p && ((msn == lastMsn && p > lastPart + advanceLimit) || (msn > lastMsn && p > advanceLimit)))
        {
            return BlockingCheck.TooFarAhead;
        }

        if (part is not { } wanted)
        {
            // A whole segment M (not only its parts).
            var lastComplete = _segments.Count == 0 ? -1 : _segments[^1].Msn;
            return lastComplete >= msn ? BlockingCheck.Ready : BlockingCheck.Wait;
        }

        // Part N of M, where a part past the last of a complete segment M means part 0 of M + 1.
        var complete = _segments.Find(s => s.Msn == msn);
        if (complete is not null && wanted >= complete.Parts.Count)
        {
            msn++;
            wanted = 0;
        }

        return (lastMsn > msn || (lastMsn == msn && lastPart >= wanted)) ? BlockingCheck.Ready : BlockingCheck.Wait;
    }

    /// <summary>
    /// Waits until <see cref="Check"/> is ready or <paramref name="timeout"/> passes; costs no thread while it waits.
    /// Returns the last check (Wait after the timeout).
    /// </summary>
    public async Task<BlockingCheck> WaitAsync(long msn, int? part, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var check = CheckLocked(msn, part);
                if (check != BlockingCheck.Wait)
                {
                    return check;
                }

                changed = _changed.Task;
            }

            var left = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero)
            {
                return BlockingCheck.Wait;
            }

            try
            {
                await changed.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return CheckAfterTimeout(msn, part);
            }
        }
    }

    private BlockingCheck CheckAfterTimeout(long msn, int? part)
    {
        lock (_gate)
        {
            return CheckLocked(msn, part);
        }
    }

    /// <summary>A served file: a part, a segment still in memory, or an init segment; null when not held here.</summary>
    public ReadOnlyMemory<byte>? Find(string fileName)
    {
        lock (_gate)
        {
            if (_inits.TryGetValue(fileName, out var init))
            {
                return init;
            }

            if (!TryParseName(fileName, out var number, out var isPart))
            {
                return null;
            }

            // Typed nulls: a plain null would become an empty ReadOnlyMemory through byte[]'s conversion, and be served.
            if (!isPart)
            {
                var complete = _segments.Find(s => s.Msn == number);
                return complete is null ? (ReadOnlyMemory<byte>?)null : complete.Bytes;
            }

            var holder = _building is { } building && building.HoldsPart(number) ? building : _segments.Find(s => s.HoldsPart(number));
            return holder is null ? (ReadOnlyMemory<byte>?)null : holder.PartBytes((int)(number - holder.FirstPartNumber));
        }
    }

    /// <summary>Whether <paramref name="fileName"/> is the part the playlist hints next: worth holding.</summary>
    public bool IsUpcomingPart(string fileName)
    {
        if (!TryParseName(fileName, out var number, out var isPart) || !isPart)
        {
            return false;
        }

        lock (_gate)
        {
            return !_ended && number == _nextPart;
        }
    }

    /// <summary>Waits (no thread) until the hinted part <paramref name="fileName"/> is complete; null when it never will be or after the timeout.</summary>
    public async Task<ReadOnlyMemory<byte>?> WaitForPartAsync(string fileName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (Find(fileName) is { } bytes)
                {
                    return bytes;
                }

                if (!IsUpcomingPart(fileName))
                {
                    return null;
                }

                changed = _changed.Task;
            }

            var left = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            try
            {
                await changed.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return Find(fileName);
            }
        }
    }

    /// <summary>Whether <paramref name="fileName"/> is one of this playlist's media names (parts, segments, inits).</summary>
    public bool Owns(string fileName) => fileName.StartsWith(_prefix + "_", StringComparison.Ordinal);

    private string PartName(long number) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}_p{number}.m4s");

    // "<prefix>_<msn>.m4s" is a segment, "<prefix>_p<number>.m4s" a part.
    private bool TryParseName(string fileName, out long number, out bool isPart)
    {
        number = 0;
        isPart = false;
        if (!fileName.StartsWith(_prefix + "_", StringComparison.Ordinal) || !fileName.EndsWith(".m4s", StringComparison.Ordinal))
        {
            return false;
        }

        var middle = fileName.AsSpan(_prefix.Length + 1, fileName.Length - _prefix.Length - 1 - 4);
        isPart = middle.Length > 0 && middle[0] == 'p';
        return long.TryParse(isPart ? middle[1..] : middle, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    private (long Msn, int Part) LastPositionLocked()
    {
        if (_building is { } building)
        {
            return (building.Msn, building.Parts.Count - 1);
        }

        return _segments.Count == 0 ? (-1, -1) : (_segments[^1].Msn, _segments[^1].Parts.Count - 1);
    }

    private sealed class Segment(long msn, string mapUri, bool discontinuity, DateTimeOffset programDateTime, int capacity)
    {
        private readonly List<(int Offset, int Length)> _slices = [];
        // Uninitialized: only the bytes written are ever read, and zeroing ~1 MB per segment was measurable.
        private byte[] _bytes = GC.AllocateUninitializedArray<byte>(Math.Max(capacity, 16 * 1024));
        private int _length;
        private int _openPartStart;
        private bool _openIndependent;

        public long Msn { get; } = msn;

        /// <summary>The running number of its first part.</summary>
        public long FirstPartNumber { get; set; }

        public bool HoldsPart(long number) => Parts.Count > 0 && number >= FirstPartNumber && number < FirstPartNumber + Parts.Count;
        public string MapUri { get; } = mapUri;
        public bool Discontinuity { get; } = discontinuity;
        public DateTimeOffset ProgramDateTime { get; } = programDateTime;
        public List<PlaylistPart> Parts { get; } = [];
        public string? Uri { get; private set; }
        public double Duration { get; private set; }
        public bool Listed { get; set; } = true;
        public int OpenPartLength => _length - _openPartStart;
        public ReadOnlyMemory<byte> Bytes => _bytes.AsMemory(0, _length);

        public void OpenPart(bool independent)
        {
            _openPartStart = _length;
            _openIndependent = independent;
        }

        public void Append(ReadOnlySpan<byte> fragment)
        {
            if (_length + fragment.Length > _bytes.Length)
            {
                // A new array: slices already handed to readers keep pointing at the old one, which stays intact.
                var grown = GC.AllocateUninitializedArray<byte>(Math.Max(_bytes.Length * 2, _length + fragment.Length));
                _bytes.AsSpan(0, _length).CopyTo(grown);
                _bytes = grown;
            }

            fragment.CopyTo(_bytes.AsSpan(_length));
            _length += fragment.Length;
        }

        public void ClosePart(string uri, double duration)
        {
            _slices.Add((_openPartStart, _length - _openPartStart));
            Parts.Add(new PlaylistPart(uri, duration, _openIndependent));
            Duration += duration;
            _openPartStart = _length;
        }

        public void DropOpenPart() => _length = _openPartStart;

        public ReadOnlyMemory<byte> PartBytes(int index) => _bytes.AsMemory(_slices[index].Offset, _slices[index].Length);

        public void Complete(string uri) => Uri = uri;

        public PlaylistSegment ToPlaylist() => new(Msn, Uri, Duration, Discontinuity, MapUri, ProgramDateTime, [.. Parts]);
    }
}
