using System.Threading.Channels;
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
    private readonly Channel<(string Name, ReadOnlyMemory<byte> Bytes, bool WithPlaylist, TaskCompletionSource? Written)> _writes =
        Channel.CreateUnbounded<(string, ReadOnlyMemory<byte>, bool, TaskCompletionSource?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _outputDirectory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Fmp4Packager _packager;
    private readonly Task _writer;
    private readonly Worker? _worker;
    private int _runs;

    /// <param name="channelId">The channel (for logs).</param>
    /// <param name="outputDirectory">The channel's folder.</param>
    /// <param name="options">Segment and part targets, playlist length.</param>
    /// <param name="time">The clock of held requests and PROGRAM-DATE-TIME.</param>
    /// <param name="logger">Where failed writes are reported.</param>
    /// <param name="worker">The channel's worker: FFmpeg's pipe is read on its loop when it runs on epoll (else on the thread pool).</param>
    public LowLatencyChannel(string channelId, string outputDirectory, HlsOptions options, TimeProvider time, ILogger logger, Worker? worker = null)
    {
        _worker = worker;
        ChannelId = channelId;
        _outputDirectory = outputDirectory;
        _logger = logger;
        _time = time;
        var session = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        Playlist = new LiveMediaPlaylist("index", session, options.SegmentSeconds, options.PartSeconds, options.PlaylistSize, time);
        Playlist.FileReady += (name, bytes, withPlaylist) => _writes.Writer.TryWrite((name, bytes, withPlaylist, null));
        _packager = new Fmp4Packager(Playlist, time);
        _writer = Task.Run(WriteFilesAsync);
    }

    public string ChannelId { get; }

    /// <summary>The channel's one media playlist (<c>index.m3u8</c>).</summary>
    public LiveMediaPlaylist Playlist { get; }

    /// <summary>Fragments dropped before a run's first key frame.</summary>
    public long DroppedBeforeKeyFrame => _packager.DroppedBeforeKeyFrame;

    /// <summary>
    /// Reads one FFmpeg run's stdout to its end (the supervisor's media output). Throws
    /// <see cref="Fmp4FormatException"/> on a broken stream: the supervisor then restarts FFmpeg.
    /// </summary>
    public async Task ReadAsync(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var splitter = new Fmp4Splitter();
        Playlist.Resume();
        _packager.BeginRun(Interlocked.Increment(ref _runs));
        if (_worker is { BatchesSends: true } worker && PipeHandle(output) is { } handle)
        {
            // A wake-up per fragment (about 80 a second) is most of what a channel costs: on the worker's own epoll
            // loop a read costs no thread-pool hand-off.
            var reader = new PipeReader(splitter, _packager);
            if (await worker.InvokeAsync(() => worker.AddByteStream(handle, reader) is not null, Worker.DefaultAnswerTimeout).ConfigureAwait(false))
            {
                await reader.Ended.ConfigureAwait(false);
                return;
            }
        }

        try
        {
            int read;
            while ((read = await output.ReadAsync(splitter.GetBuffer()).ConfigureAwait(false)) > 0)
            {
                splitter.Advance(read, _packager);
            }
        }
        finally
        {
            _packager.EndRun();
        }
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
        Playlist.End();
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _writes.Writer.TryWrite((string.Empty, ReadOnlyMemory<byte>.Empty, true, written)) ? written.Task : Task.CompletedTask;
    }

    /// <summary>The pipeline is gone: ends the playlist and waits for the last files to be written.</summary>
    public async Task CloseAsync()
    {
        await EndAsync().ConfigureAwait(false);
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteFilesAsync()
    {
        await foreach (var (name, bytes, withPlaylist, written) in _writes.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                Directory.CreateDirectory(_outputDirectory);
                if (name.Length > 0)
                {
                    await WriteAtomicallyAsync(Path.Combine(_outputDirectory, name), bytes).ConfigureAwait(false);
                }

                if (withPlaylist)
                {
                    var text = System.Text.Encoding.UTF8.GetBytes(LowLatencyPlaylistWriter.Write(Playlist.View(), lowLatency: false));
                    await WriteAtomicallyAsync(Path.Combine(_outputDirectory, Playlist.PlaylistFileName), text).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(_logger, ChannelId, name, e);
            }

            written?.TrySetResult();
        }
    }

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
