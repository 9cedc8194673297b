using Broadcast.Api.Options;
using Broadcast.Api.Security;
using Broadcast.Api.State;
using Broadcast.Ingest;
using Broadcast.Ingest.Routing;
using Broadcast.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Broadcast.Api.Tests.Auth;

/// <summary>
/// HLS viewer access against a store that counts its queries and fails on demand, with a clock that moves only when
/// told to: what is remembered per channel, for how long, and what viewers get while the store does not answer.
/// </summary>
public sealed class HlsViewerAccessTests : IDisposable
{
    private static readonly QueryCollection NoSignature = new();

    private readonly FlakyStore _store = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly MediaServer _media;
    private readonly HlsViewerAccess _access;

    public HlsViewerAccessTests()
    {
        _media = new MediaServer(Microsoft.Extensions.Options.Options.Create(new MediaOptions { ListenIp = "127.0.0.1", MinPort = 1, MaxPort = 1, Workers = 1 }), _clock);
        _access = new HlsViewerAccess(_store, _media, HlsUrlSigner.From(new ApiOptions { HlsSigningKey = SignedHlsHost.SigningKey }), _clock,
            NullLogger<HlsViewerAccess>.Instance);
    }

    public void Dispose() => _media.Dispose();

    [Fact]
    public async Task A_channels_answer_is_reused_for_five_seconds_then_asked_again()
    {
        await _store.DefineAsync("cam", signed: false);

        await _access.CheckAsync("cam", NoSignature, default);
        _clock.Advance(TimeSpan.FromSeconds(4.9));
        await _access.CheckAsync("cam", NoSignature, default);
        Assert.Equal(1, _store.Queries);

        _clock.Advance(TimeSpan.FromSeconds(0.2));
        await _access.CheckAsync("cam", NoSignature, default);
        Assert.Equal(2, _store.Queries);
    }

    [Theory]
    [InlineData(typeof(NpgsqlException))]
    [InlineData(typeof(TimeoutException))]
    [InlineData(typeof(InvalidOperationException))] // e.g. a row this build cannot read
    public async Task While_the_store_fails_a_signed_channel_stays_signed_and_a_public_one_public(Type failure)
    {
        await _store.DefineAsync("sealed", signed: true);
        await _store.DefineAsync("open", signed: false);
        await _access.CheckAsync("sealed", NoSignature, default);
        await _access.CheckAsync("open", NoSignature, default);

        _store.Failure = (Exception)Activator.CreateInstance(failure, "the database went away")!;
        _clock.Advance(TimeSpan.FromMinutes(1));
        var sealedAnswer = await _access.CheckAsync("sealed", NoSignature, default);
        var openAnswer = await _access.CheckAsync("open", NoSignature, default);

        Assert.Equal(403, sealedAnswer.Refusal?.Status);
        Assert.Null(openAnswer.Refusal);
        Assert.Equal(4, _store.Queries);
    }

    [Fact]
    public async Task While_the_store_fails_it_is_asked_at_most_once_per_five_seconds_per_channel()
    {
        await _store.DefineAsync("cam", signed: false);
        await _access.CheckAsync("cam", NoSignature, default);
        _store.Failure = new NpgsqlException("the database hangs");
        _clock.Advance(TimeSpan.FromSeconds(6));

        for (var i = 0; i < 5; i++)
        {
            Assert.Null((await _access.CheckAsync("cam", NoSignature, default)).Refusal);
        }

        Assert.Equal(2, _store.Queries);
    }

    [Fact]
    public async Task While_the_store_fails_a_channel_never_seen_is_503_with_a_retry_after()
    {
        _store.Failure = new NpgsqlException("the database went away");

        var answer = await _access.CheckAsync("cam", NoSignature, default);

        Assert.Equal(503, answer.Refusal?.Status);
        Assert.Equal(TimeSpan.FromSeconds(HlsViewerAccess.RetryAfterSeconds), answer.RetryAfter);
    }

    [Fact]
    public async Task A_failure_is_not_remembered_the_next_request_asks_again()
    {
        _store.Failure = new NpgsqlException("the database went away");
        await _access.CheckAsync("cam", NoSignature, default);

        _store.Failure = null;
        await _store.DefineAsync("cam", signed: false);
        var answer = await _access.CheckAsync("cam", NoSignature, default);

        Assert.Null(answer.Refusal);
    }

    [Fact]
    public async Task A_store_that_does_not_answer_in_time_counts_as_failed()
    {
        _store.Hangs = true;

        var checking = _access.CheckAsync("cam", NoSignature, default);
        await Eventually.HoldsAsync(() => _store.Queries == 1, () => "the store was not asked");
        _clock.Advance(HlsViewerAccess.StoreTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(checking.IsCompleted, "gave up on the store before its timeout");
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var answer = await checking.WaitAsync(Eventually.DefaultTimeout);

        Assert.Equal(503, answer.Refusal?.Status);
    }

    [Fact]
    public async Task A_viewer_who_leaves_is_not_answered_from_a_stale_entry()
    {
        _store.Hangs = true;
        using var leaving = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _access.CheckAsync("cam", NoSignature, leaving.Token));
    }

    /// <summary>A store of access records that counts queries, and throws or hangs when told to.</summary>
    private sealed class FlakyStore : IChannelStore
    {
        private readonly InMemoryChannelStore _inner = new();

        public int Queries { get; private set; }

        public Exception? Failure { get; set; }

        public bool Hangs { get; set; }

        public Task DefineAsync(string id, bool signed)
        {
            var now = DateTimeOffset.UtcNow;
            return _inner.TryAddAsync(new ChannelDefinition(id, ChannelSource.WebRtc, null, new ChannelHlsProfile(SignedUrls: signed),
                ChannelRetentionSettings.Default, null, PublishToken.Hash(PublishToken.Create()), now, now));
        }

        public async Task<ChannelAccess?> FindAccessAsync(string id, CancellationToken cancellationToken = default)
        {
            Queries++;
            if (Hangs)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return Failure is null ? await _inner.FindAccessAsync(id, cancellationToken) : throw Failure;
        }

        public Task<IReadOnlyList<ChannelDefinition>> ListAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<ChannelDefinition?> FindAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> TryAddAsync(ChannelDefinition channel, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> UpdateAsync(ChannelDefinition channel, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
