using System.Threading.Channels;
using Broadcast.Ingest.Net;
using Broadcast.Ingest.Routing;
using Broadcast.Transcode.Packaging;
using Microsoft.Extensions.Logging;

namespace Broadcast.Transcode;

/// <summary>
/// A channel's Low-Latency HLS output for the life of its pipeline: reads each FFmpeg run's fragmented MP4 from the
/// pipe into the packager, serves the live playlist from memory, and writes init segments, segments and the playlist
/// (after every segment) to the channel's folder, where retention and players of an ended channel find them. The disk
/// is written by one queue of its own, so a slow disk never holds up the pipe.
/// </summary>
public sealed partial class LowLatencyChannel
{
    private readonly Channel<(string Name, ReadOnlyMemory<byte> Bytes, LiveMediaPlaylist? Playlist, TaskCompletionSource? Written)> _writes =
        Channel.CreateUnbounded<(string, ReadOnlyMemory<byte>, LiveMediaPlaylist?, TaskCompletionSource?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _outputDirectory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly HlsOptions _options;
    private readonly List<Rendition> _renditions = [];
    private readonly Task _writer;
    private readonly Worker? _worker;
    private readonly UncachedFileWriter _files = new();
    private int _runs;

    /// <param name="channelId">The channel (for logs).</param>
    /// <param name="outputDirectory">The channel's folder.</param>
    /// <param name="options">Segment and part targets, playlist length, renditions.</param>
    /// <param name="time">The clock of held requests and PROGRAM-DATE-TIME.</param>
    /// <param name="logger">Where failed writes are reported.</param>
    /// <param name="worker">The channel's worker: FFmpeg's pipes are read on its loop when it runs on epoll (else stdout on the thread pool).</param>
    /// <param name="renditionPipePath">Where the FIFO of a rendition after the first is (see <see cref="HlsJob.RenditionPipePath"/>).</param>
    /// <exception cref="NotSupportedException">Renditions without FIFOs and an epoll worker (Linux x64).</exception>
    /// <param name="continueAfter">The last segment number of an earlier session of the channel: numbering goes on after it.</param>
    public LowLatencyChannel(string channelId, string outputDirectory, HlsOptions options, TimeProvider time, ILogger logger, Worker? worker = null,
        Func<string, string>? renditionPipePath = null, long? continueAfter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _worker = worker;
        ChannelId = channelId;
        _outputDirectory = outputDirectory;
        _logger = logger;
        _time = time;
        _options = options;
        var session = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        if (options.Renditions.Count > 0 && (!Fifo.IsSupported || worker is not { BatchesSends: true } || renditionPipePath is null))
        {
            throw new NotSupportedException("Renditions need Linux (FIFOs) and a worker on epoll.");
        }

        var configured = options.Renditions.Count == 0 ? [null] : options.Renditions.Select(r => (HlsRendition?)r).ToList();
        foreach (var (config, index) in configured.Select((c, i) => (c, i)))
        {
            var playlist = new LiveMediaPlaylist(config?.Name ?? "index", session, options.SegmentSeconds, options.PartSeconds, options.PlaylistSize, time);
            if (continueAfter is { } last)
            {
                playlist.ContinueAfter(last);
            }

            playlist.FileReady += (name, bytes, segment) => _writes.Writer.TryWrite((name, bytes, segment ? playlist : null, null));
            var pipe = index == 0 || config is null ? null : renditionPipePath!(config.Name);
            if (pipe is not null)
            {
                Fifo.Create(pipe);
            }

            _renditions.Add(new Rendition(config, playlist, new Fmp4Packager(playlist, time), pipe));
        }

        foreach (var rendition in _renditions)
        {
            var others = _renditions.Where(r => r != rendition).Select(r => r.Playlist).ToList();
            rendition.Playlist.SetRenditionReports(() =>
            [
                .. others.Select(o => (o, o.LastPublished())).Where(p => p.Item2.Msn >= 0)
                    .Select(p => new RenditionReport(p.o.PlaylistFileName, p.Item2.Msn, p.Item2.Part)),
            ]);
        }

        _writer = Task.Run(WriteFilesAsync);
    }

    public string ChannelId { get; }

    /// <summary>The first rendition's media playlist (<c>index.m3u8</c> without renditions): status and stall detection.</summary>
    public LiveMediaPlaylist Playlist => _renditions[0].Playlist;

    /// <summary>Every rendition's media playlist, in the configured order.</summary>
    public IReadOnlyList<LiveMediaPlaylist> Playlists => [.. _renditions.Select(r => r.Playlist)];

    /// <summary>Its renditions (1 without a ladder).</summary>
    public int RenditionCount => _renditions.Count;

    /// <summary>Several renditions: <c>index.m3u8</c> is the multivariant playlist.</summary>
    public bool IsMultivariant => _renditions.Count > 1 || _renditions[0].Config is not null;

    /// <summary>Fragments dropped before a run's first key frame (all renditions).</summary>
    public long DroppedBeforeKeyFrame => _renditions.Sum(r => r.Packager.DroppedBeforeKeyFrame);

    /// <summary>The multivariant playlist, or null until every rendition has its init segment and a first part.</summary>
    public string? Multivariant()
    {
        if (!IsMultivariant || _renditions.Any(r => r.Playlist.InitFacts is null || r.Playlist.CompletedParts == 0))
        {
            return null;
        }

        return MultivariantPlaylistWriter.Write(_renditions.Select(r =>
        {
            var facts = r.Playlist.InitFacts!;
            // Before a segment is complete: the configured bitrate and the audio's.
            var configured = 1000L * ((r.Config is { Copy: false } c ? c.VideoKbps : _options.VideoBitrateKbps) + _options.AudioBitrateKbps);
            var measured = r.Playlist.Bitrates();
            return new Variant(r.Playlist.PlaylistFileName, measured?.Peak ?? configured, measured?.Average, facts.Width, facts.Height,
                r.Packager.FrameRate > 0 ? r.Packager.FrameRate : null, facts.Codecs);
        }));
    }

    /// <summary>
    /// Reads one FFmpeg run's outputs to their end (the supervisor's media output): stdout carries the first rendition,
    /// FIFOs the others. Throws <see cref="Fmp4FormatException"/> on a broken stream: the supervisor then restarts FFmpeg.
    /// </summary>
    public async Task ReadAsync(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var run = Interlocked.Increment(ref _runs);
        foreach (var rendition in _renditions)
        {
            rendition.Playlist.Resume();
            rendition.Packager.BeginRun(run);
        }

        var pipes = new List<(Rendition Rendition, Microsoft.Win32.SafeHandles.SafeFileHandle Handle)>();
        try
        {
            foreach (var rendition in _renditions.Where(r => r.Pipe is not null))
            {
                pipes.Add((rendition, Fifo.OpenForReading(rendition.Pipe!)));
            }

            var extra = pipes.Select(p => ReadOnWorkerAsync(p.Handle, p.Rendition)).ToList();
            await ReadOneAsync(output, _renditions[0]).ConfigureAwait(false);
            // FFmpeg has closed stdout (it exited): its FIFOs end too, unless it never opened one.
            var all = Task.WhenAll(extra);
            if (extra.Count > 0 && await Task.WhenAny(all, Task.Delay(PipeEndGrace, _time)).ConfigureAwait(false) != all)
            {
                await _worker!.InvokeAsync(() =>
                {
                    foreach (var reader in _openReaders.ToList())
                    {
                        _worker.EndByteStream(reader);
                    }
                }, Worker.DefaultAnswerTimeout).ConfigureAwait(false);
            }

            await all.ConfigureAwait(false);
        }
        finally
        {
            foreach (var (_, handle) in pipes)
            {
                handle.Dispose();
            }
        }
    }

    /// <summary>
    /// A run fed by the appliance's own muxer instead of FFmpeg (one rendition): the packager is returned for its init
    /// segment and fragments, called on the channel's worker like the pipe readers.
    /// </summary>
    /// <exception cref="InvalidOperationException">The channel has renditions (those are made by FFmpeg).</exception>
    public IFmp4Sink BeginDirectRun()
    {
        if (IsMultivariant)
        {
            throw new InvalidOperationException("Renditions are made by FFmpeg.");
        }

        var run = Interlocked.Increment(ref _runs);
        var rendition = _renditions[0];
        rendition.Playlist.Resume();
        rendition.Packager.BeginRun(run);
        return rendition.Packager;
    }

    /// <summary>The muxer's run ended: the open part and segment are published as they are.</summary>
    public void EndDirectRun() => _renditions[0].Packager.EndRun();

    private static readonly TimeSpan PipeEndGrace = TimeSpan.FromSeconds(2);

    // Registrations of the FIFOs being read (touched on the worker only).
    private readonly List<ByteStreamRegistration> _openReaders = [];

    private async Task ReadOneAsync(Stream output, Rendition rendition)
    {
        if (PipeHandle(output) is { } handle && await ReadOnWorkerAsync(handle, rendition, fallback: true).ConfigureAwait(false))
        {
            return;
        }

        var splitter = new Fmp4Splitter();
        try
        {
            int read;
            while ((read = await output.ReadAsync(splitter.GetBuffer()).ConfigureAwait(false)) > 0)
            {
                splitter.Advance(read, rendition.Packager);
            }
        }
        finally
        {
            rendition.Packager.EndRun();
        }
    }

    private async Task ReadOnWorkerAsync(System.Runtime.InteropServices.SafeHandle handle, Rendition rendition) =>
        _ = await ReadOnWorkerAsync(handle, rendition, fallback: false).ConfigureAwait(false);

    // On the worker's own epoll loop a read costs no thread-pool hand-off (a wake-up per fragment, about 80 a second,
    // was most of what a channel cost). False when the worker cannot (the caller reads the stream itself).
    private async Task<bool> ReadOnWorkerAsync(System.Runtime.InteropServices.SafeHandle handle, Rendition rendition, bool fallback)
    {
        if (_worker is not { BatchesSends: true } worker)
        {
            return fallback ? false : throw new NotSupportedException("FIFOs are read on an epoll worker.");
        }

        var reader = new PipeReader(new Fmp4Splitter(), rendition.Packager);
        var registration = await worker.InvokeAsync(() =>
        {
            var added = worker.AddByteStream(handle, reader);
            if (added is not null)
            {
                _openReaders.Add(added);
                reader.Ended.ContinueWith(_ => worker.Post(() => _openReaders.Remove(added)), TaskScheduler.Default);
            }

            return added;
        }, Worker.DefaultAnswerTimeout).ConfigureAwait(false);
        if (registration is null)
        {
            return false;
        }

        await reader.Ended.ConfigureAwait(false);
        return true;
    }

    // Process hands out stdout as a pipe stream on Unix (a file stream elsewhere): either way, its descriptor.
    private static System.Runtime.InteropServices.SafeHandle? PipeHandle(Stream output) => output switch
    {
        System.IO.Pipes.PipeStream { SafePipeHandle: { IsInvalid: false } pipe } => pipe,
        FileStream { SafeFileHandle: { IsInvalid: false } file } => file,
        _ => null,
    };

    // FFmpeg's stdout read on the worker: each read goes through the splitter into the packager; the end of the pipe
    // (or a malformed stream) ends the run.
    private sealed class PipeReader(Fmp4Splitter splitter, Fmp4Packager packager) : IByteStreamReceiver
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Ended => _ended.Task;

        public Span<byte> GetBuffer() => splitter.GetBuffer().Span;

        public void OnBytes(int count) => splitter.Advance(count, packager);

        public void OnEnd(Exception? error)
        {
            packager.EndRun();
            if (error is null)
            {
                _ended.TrySetResult();
            }
            else
            {
                _ended.TrySetException(error);
            }
        }
    }

    /// <summary>What the pipeline reports and the supervisor watches for stalls: progress is the newest part.</summary>
    public HlsPlaylistStatus Status()
    {
        var view = Playlist.View();
        var (msn, part) = Playlist.LastPosition();
        var newestAt = Playlist.NewestSegmentAt;
        TimeSpan? age = newestAt is { } at ? Max(_time.GetUtcNow() - at, TimeSpan.Zero) : null;
        var complete = view.Segments.Count(s => s.Uri is not null);
        return new HlsPlaylistStatus(Playlist.CompletedParts > 0, complete, age, Playlist.CompletedSegments > 0)
        {
            NewestSegmentName = msn < 0 ? null : $"{msn}.{part}",
        };

        static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    }

    /// <summary>No more media for now (the feed stopped): EXT-X-ENDLIST; completes once the playlist on disk says so too.</summary>
    public Task EndAsync()
    {
        foreach (var rendition in _renditions)
        {
            rendition.Playlist.End();
            _writes.Writer.TryWrite((string.Empty, ReadOnlyMemory<byte>.Empty, rendition.Playlist, null));
        }

        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _writes.Writer.TryWrite((string.Empty, ReadOnlyMemory<byte>.Empty, null, written)) ? written.Task : Task.CompletedTask;
    }

    /// <summary>The pipeline is gone: ends the playlists, waits for the last files to be written, removes the FIFOs.</summary>
    public async Task CloseAsync()
    {
        await EndAsync().ConfigureAwait(false);
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        foreach (var rendition in _renditions.Where(r => r.Pipe is not null))
        {
            try
            {
                File.Delete(rendition.Pipe!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(_logger, ChannelId, rendition.Pipe!, e);
            }
        }
    }

    private sealed record Rendition(HlsRendition? Config, LiveMediaPlaylist Playlist, Fmp4Packager Packager, string? Pipe);

    private async Task WriteFilesAsync()
    {
        await foreach (var (name, bytes, playlist, written) in _writes.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                Directory.CreateDirectory(_outputDirectory);
                if (name.Length > 0)
                {
                    WriteMedia(Path.Combine(_outputDirectory, name), bytes.Span);
                }

                if (playlist is not null)
                {
                    var text = System.Text.Encoding.UTF8.GetBytes(LowLatencyPlaylistWriter.Write(playlist.View(), lowLatency: false));
                    await WriteAtomicallyAsync(Path.Combine(_outputDirectory, playlist.PlaylistFileName), text).ConfigureAwait(false);
                    if (IsMultivariant && Multivariant() is { } multivariant)
                    {
                        await WriteAtomicallyAsync(Path.Combine(_outputDirectory, "index.m3u8"), System.Text.Encoding.UTF8.GetBytes(multivariant)).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(_logger, ChannelId, name, e);
            }

            written?.TrySetResult();
        }
    }

    // Segments and init segments: kept on disk for retention, not read back soon, so written past the page cache. Under
    // their own name, without a rename: nothing reads one before the playlist on disk, written after it, lists it, and a
    // file left half-written by a crash is listed by no playlist (retention removes it).
    private void WriteMedia(string path, ReadOnlySpan<byte> bytes) => _files.Write(path, bytes);

    // Readers of the folder (retention, players after the end) never see half a file.
    private static async Task WriteAtomicallyAsync(string path, ReadOnlyMemory<byte> bytes)
    {
        var temporary = path + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1, useAsync: true))
        {
            await file.WriteAsync(bytes).ConfigureAwait(false);
        }

        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "Channel {ChannelId}: could not write HLS file '{Name}'")]
    private static partial void LogWriteFailed(ILogger logger, string channelId, string name, Exception exception);
}
