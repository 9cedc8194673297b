using System.Collections.Concurrent;
using Broadcast.Api.Cluster;
using Broadcast.Api.Contracts;
using Broadcast.Api.Logging;
using Broadcast.Api.State;
using Broadcast.Ingest.Events;
using Broadcast.Ingest.Routing;
using Broadcast.Ingest.Sources;
using Broadcast.Transcode;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Channels;

/// <summary>
/// Channels: persistent definitions in the state store plus their runtime parts on this appliance. An RTSP channel's
/// camera session starts when it is created or restored; a publisher channel (WebRTC, plain RTP) gets its router,
/// with the channel's HLS profile, when its publisher arrives (<see cref="EnsureRouterAsync"/>). Routers created ad
/// hoc for channels nobody defined keep working and are listed as non-persistent channels.
/// </summary>
public sealed partial class ChannelService(
    IChannelStore store,
    MediaServer media,
    RtspSourceRegistry sources,
    IOptions<HlsOptions> hlsOptions,
    TimeProvider time,
    ILoggerFactory loggers,
    IChannelOwnership ownership,
    IHlsPipelineRegistry? pipelines = null,
    IChannelEventSink? events = null)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Router>>> _creating = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger(ApiLog.MediasoupCategory);

    /// <summary>Stores a new channel and starts what runs at once (an RTSP channel's camera session); the response carries the publish token this once.</summary>
    /// <exception cref="InvalidFieldException">The body is invalid.</exception>
    /// <exception cref="ConflictException">A channel or router with the id exists.</exception>
    public async Task<ChannelResponse> CreateAsync(CreateChannelRequest request, CancellationToken cancellationToken = default)
    {
        var created = ChannelRequestReader.Read(request, time.GetUtcNow());
        var channel = created.Definition;
        if (media.FindRouter(channel.Id) is not null)
        {
            throw new ConflictException($"Channel '{channel.Id}' exists already: a router with that id runs (created through the mediasoup API, WHIP or signaling).");
        }

        if (!await store.TryAddAsync(channel, cancellationToken).ConfigureAwait(false))
        {
            throw new ConflictException($"Channel '{channel.Id}' exists already.");
        }

        try
        {
            if (ownership.IsClustered)
            {
                // Its owner runs it: this appliance at once, another one when woken by the placement.
                var owner = await ownership.PlaceAsync(channel.Id, cancellationToken).ConfigureAwait(false);
                _logger.ChannelPlaced(channel.Id, ChannelSources.Name(channel.Source), owner.Id);
            }
            else if (created.Camera is { } camera)
            {
                await StartCameraAsync(channel, camera).ConfigureAwait(false);
                _logger.ChannelCreated(channel.Id, camera.RedactedUrl, RtspSourceSettings.Name(camera.Transport));
            }
            else
            {
                _logger.PublisherChannelDefined(channel.Id, ChannelSources.Name(channel.Source));
            }
        }
        catch
        {
            await store.DeleteAsync(channel.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        events?.Publish(new ChannelEvent(ChannelEventTypes.ChannelCreated, channel.Id, time.GetUtcNow(),
            new Dictionary<string, string?> { ["source"] = ChannelSources.Name(channel.Source) }));
        var response = await DescribeAsync(channel, media.FindRouter(channel.Id), await OwnersAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false)
            ?? throw new NotFoundException("channel", channel.Id);
        return response with { PublishToken = created.PublishToken };
    }

    /// <summary>
    /// Replaces a persistent channel's settings (PUT: the body of POST /api/v1/channels). A camera channel's session is
    /// restarted with the new settings at once (its playlist continues after a discontinuity); a publisher's session
    /// goes on, and the new HLS settings apply from its next publish. A camera's password may be left out to keep the
    /// stored one (same URL host and user); a publisher channel keeps its token unless publishToken is given, and one
    /// turned from a camera into a publisher channel gets a new one; a token is returned only when it is new.
    /// </summary>
    /// <exception cref="NotFoundException">No channel has the id.</exception>
    /// <exception cref="ConflictException">The id is an ad hoc router's.</exception>
    /// <exception cref="InvalidFieldException">The body is invalid, or names another channel.</exception>
    public async Task<ChannelResponse> ReplaceAsync(string id, CreateChannelRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ChannelId is { } named && named != id)
        {
            throw new InvalidFieldException("channel_id", $"channel_id '{named}' is not the channel of this URL ('{id}'): a channel's id cannot change.");
        }

        var existing = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            throw media.FindRouter(id) is null
                ? new NotFoundException("channel", id)
                : new ConflictException($"Channel '{id}' is an ad hoc router, not a persistent channel: define it with POST /api/v1/channels.");
        }

        // The stored password stays when the request leaves it out for the same camera and user.
        if (request.Rtsp is { Password: null } rtsp && existing.Rtsp is { Password: { } stored } before
            && SameCamera(before, rtsp.Url, rtsp.Username ?? before.Username))
        {
            request = request with { Rtsp = rtsp with { Password = stored, Username = rtsp.Username ?? before.Username } };
        }

        var read = ChannelRequestReader.Read(request with { ChannelId = id }, time.GetUtcNow());
        var keepToken = request.PublishToken is null && read.Definition.Source.IsPublisher() && existing.PublishTokenHash is not null;
        var definition = read.Definition with
        {
            CreatedAt = existing.CreatedAt,
            PublishTokenHash = keepToken ? existing.PublishTokenHash : read.Definition.PublishTokenHash,
        };
        if (!await store.UpdateAsync(definition, cancellationToken).ConfigureAwait(false))
        {
            throw new NotFoundException("channel", id);
        }

        if (ownership.IsClustered)
        {
            await ownership.ChangedAsync(id, cancellationToken).ConfigureAwait(false); // its owner applies the settings
        }

        // A camera's session (and router) belongs to its settings: the old one ends, a new one starts; a publisher's
        // session ends too when its channel becomes a camera's.
        else if ((existing.Source == ChannelSource.Rtsp || read.Camera is not null) && media.FindRouter(id) is { } router)
        {
            await router.CloseAsync().ConfigureAwait(false);
        }

        if (!ownership.IsClustered && read.Camera is { } camera)
        {
            await StartCameraAsync(definition, camera).ConfigureAwait(false);
        }

        _logger.ChannelReplaced(id, ChannelSources.Name(definition.Source));
        var response = await DescribeAsync(definition, media.FindRouter(id), await OwnersAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false)
            ?? throw new NotFoundException("channel", id);
        return keepToken ? response : response with { PublishToken = read.PublishToken };
    }

    // The URL in a stored definition is redacted (no user information): compare what identifies the camera.
    private static bool SameCamera(RtspSourceDefinition stored, string? url, string? username) =>
        Uri.TryCreate(url, UriKind.Absolute, out var requested) && Uri.TryCreate(stored.Url, UriKind.Absolute, out var before)
        && string.Equals(requested.Host, before.Host, StringComparison.OrdinalIgnoreCase)
        && string.IsNullOrEmpty(requested.UserInfo) && username == stored.Username;

    /// <summary>Every persistent channel and every ad hoc router, oldest first.</summary>
    public async Task<IReadOnlyList<ChannelResponse>> ListAsync(CancellationToken cancellationToken = default)
    {
        var definitions = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var owners = await OwnersAsync(cancellationToken).ConfigureAwait(false);
        var defined = new HashSet<string>(StringComparer.Ordinal);
        var channels = new List<ChannelResponse>(definitions.Count + media.Routers.Count);
        foreach (var definition in definitions)
        {
            defined.Add(definition.Id);
            if (await DescribeAsync(definition, media.FindRouter(definition.Id), owners).ConfigureAwait(false) is { } channel)
            {
                channels.Add(channel);
            }
        }

        foreach (var router in media.Routers)
        {
            // A router closed while we list is simply left out.
            if (!defined.Contains(router.Id) && await DescribeAsync(null, router).ConfigureAwait(false) is { } channel)
            {
                channels.Add(channel);
            }
        }

        return [.. channels.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id, StringComparer.Ordinal)];
    }

    /// <exception cref="NotFoundException">Neither a definition nor a router has the id.</exception>
    public async Task<ChannelResponse> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var definition = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        return await DescribeAsync(definition, media.FindRouter(id), await OwnersAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false)
            ?? throw new NotFoundException("channel", id);
    }

    // Only with several appliances: the embedded default owns everything.
    private async Task<IReadOnlyDictionary<string, ApplianceRef>?> OwnersAsync(CancellationToken cancellationToken) =>
        ownership.IsClustered ? await ownership.OwnersAsync(cancellationToken).ConfigureAwait(false) : null;

    /// <summary>Removes the definition and closes the router (its HLS ends the playlist, the camera session is torn down).</summary>
    /// <exception cref="NotFoundException">Neither a definition nor a router has the id.</exception>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        // The definition goes first, so nothing restores what is being closed.
        var deleted = await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
        var router = media.FindRouter(id);
        if (router is not null)
        {
            await router.CloseAsync().ConfigureAwait(false);
        }

        if (!deleted && router is null)
        {
            throw new NotFoundException("channel", id);
        }

        if (deleted && ownership.IsClustered)
        {
            await ownership.ChangedAsync(id, cancellationToken).ConfigureAwait(false); // its owner, wherever, stops it
        }

        _logger.ChannelDeleted(id);
        events?.Publish(new ChannelEvent(ChannelEventTypes.ChannelDeleted, id, time.GetUtcNow(),
            new Dictionary<string, string?> { ["persistent"] = deleted ? "true" : "false" }));
    }

    /// <summary>Replaces a publisher channel's token: <paramref name="token"/>, or a random one. Returned this once.</summary>
    /// <exception cref="NotFoundException">No channel has the id.</exception>
    /// <exception cref="ConflictException">The channel is an RTSP channel or an ad hoc router.</exception>
    public async Task<PublishTokenResponse> RotatePublishTokenAsync(string id, string? token, CancellationToken cancellationToken = default)
    {
        var channel = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (channel is null)
        {
            throw media.FindRouter(id) is null
                ? new NotFoundException("channel", id)
                : new ConflictException($"Channel '{id}' is an ad hoc router, not a persistent channel: define it with POST /api/v1/channels to give it a publish token.");
        }

        if (!channel.Source.IsPublisher())
        {
            throw new ConflictException($"Channel '{id}' is fed by an RTSP camera: it takes no publishers and has no publish token.");
        }

        var newToken = ChannelRequestReader.ReadPublishToken(token, "publishToken");
        var updated = channel with
        {
            PublishTokenHash = PublishToken.Hash(newToken),
            UpdatedAt = ChannelRequestReader.ToDatabasePrecision(time.GetUtcNow()),
        };
        if (!await store.UpdateAsync(updated, cancellationToken).ConfigureAwait(false))
        {
            throw new NotFoundException("channel", id);
        }

        _logger.PublishTokenRotated(id);
        return new PublishTokenResponse(id, newToken);
    }

    /// <summary>
    /// The router a WebRTC publisher (WHIP, signaling) publishes into: the running one; for a defined publisher channel a new
    /// one with the channel's HLS profile; for an id nobody defined an ad hoc router, as before channels persisted.
    /// </summary>
    /// <exception cref="ConflictException">The channel is fed by an RTSP camera.</exception>
    /// <exception cref="OwnedElsewhereException">Another appliance owns the channel.</exception>
    public async Task<Router> EnsureRouterAsync(string channelId, CancellationToken cancellationToken = default)
    {
        await ownership.EnsureServedHereAsync(channelId, cancellationToken).ConfigureAwait(false);
        if (media.FindRouter(channelId) is { } running)
        {
            return sources.Find(channelId) is null ? running : throw CameraChannelConflict(channelId);
        }

        var channel = await store.FindAsync(channelId, cancellationToken).ConfigureAwait(false);
        if (channel is null)
        {
            return await media.GetOrCreateRouterAsync(channelId).ConfigureAwait(false);
        }

        if (channel.Source == ChannelSource.Rtsp)
        {
            throw CameraChannelConflict(channelId);
        }

        return await CreateRouterOnceAsync(channel).ConfigureAwait(false);
    }

    /// <summary>
    /// The router a viewer watches: the running one, whatever feeds it (a camera's too); else, for a publisher channel
    /// that is not live yet, the one its publisher will use, so that the viewer is told when media arrives.
    /// </summary>
    /// <exception cref="ConflictException">A camera channel that is not running.</exception>
    /// <exception cref="OwnedElsewhereException">Another appliance owns the channel.</exception>
    /// <remarks>A router running here is served here (the heartbeat closes those of channels owned elsewhere); without
    /// one, <see cref="EnsureRouterAsync"/> checks the owner, once.</remarks>
    public Task<Router> ViewerRouterAsync(string channelId, CancellationToken cancellationToken = default) =>
        media.FindRouter(channelId) is { } running ? Task.FromResult(running) : EnsureRouterAsync(channelId, cancellationToken);

    /// <summary>Throws when another appliance owns the channel (WHEP, thumbnails and other routes that only read a running router).</summary>
    /// <exception cref="OwnedElsewhereException">Another appliance owns the channel.</exception>
    public Task EnsureServedHereAsync(string channelId, CancellationToken cancellationToken = default) =>
        ownership.EnsureServedHereAsync(channelId, cancellationToken);

    /// <summary>
    /// The router POST /router/{id}/rtp-transport creates its transport on: the running one (an admin's, on any
    /// channel); for a defined publisher channel without one, a new one with the channel's HLS profile, so that a
    /// plain RTP publisher holding nothing but the channel's token can start it.
    /// </summary>
    /// <exception cref="NotFoundException">No router runs with the id and no publisher channel has it.</exception>
    /// <exception cref="OwnedElsewhereException">Another appliance owns the channel.</exception>
    public async Task<Router> GetPlainTransportRouterAsync(string id, CancellationToken cancellationToken = default)
    {
        await ownership.EnsureServedHereAsync(id, cancellationToken).ConfigureAwait(false);
        if (media.FindRouter(id) is { } running)
        {
            return running;
        }

        var channel = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        return channel is not null && channel.Source.IsPublisher()
            ? await CreateRouterOnceAsync(channel).ConfigureAwait(false)
            : throw new NotFoundException("router", id);
    }

    /// <summary>POST /api/v1/mediasoup/router: a defined publisher channel's router gets the channel's HLS profile.</summary>
    /// <exception cref="ConflictException">The router exists, or the id is an RTSP channel's.</exception>
    /// <exception cref="OwnedElsewhereException">Another appliance owns the channel.</exception>
    public async Task<Router> CreateRouterAsync(string? id, CancellationToken cancellationToken = default)
    {
        if (id is not null)
        {
            await ownership.EnsureServedHereAsync(id, cancellationToken).ConfigureAwait(false);
        }

        var channel = id is null ? null : await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (channel is null)
        {
            return await media.CreateRouterAsync(id).ConfigureAwait(false);
        }

        return channel.Source == ChannelSource.Rtsp
            ? throw new ConflictException($"Channel '{id}' is fed by an RTSP camera: its router comes with the channel (POST /api/v1/channels).")
            : await CreateRouterAsync(channel).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts what a stored channel runs without a publisher: an RTSP channel's router and camera session (which
    /// connects in the background and reconnects with backoff). False when there is nothing to start.
    /// </summary>
    public async Task<bool> StartAsync(ChannelDefinition channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (channel.Source != ChannelSource.Rtsp || media.FindRouter(channel.Id) is not null)
        {
            return false;
        }

        await StartCameraAsync(channel, ChannelRequestReader.CameraOf(channel)).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The owner's part (several appliances): runs the stored camera channel's session with its current settings,
    /// replacing any router of the id. Null when no camera channel has the id (then nothing runs here for it).
    /// </summary>
    public async Task<ChannelDefinition?> RunCameraAsync(string channelId)
    {
        var channel = await store.FindAsync(channelId).ConfigureAwait(false);
        if (media.FindRouter(channelId) is { } router)
        {
            await router.CloseAsync().ConfigureAwait(false);
        }

        if (channel is not { Source: ChannelSource.Rtsp })
        {
            return null;
        }

        var camera = ChannelRequestReader.CameraOf(channel);
        await StartCameraAsync(channel, camera).ConfigureAwait(false);
        _logger.ChannelCreated(channel.Id, camera.RedactedUrl, RtspSourceSettings.Name(camera.Transport));
        return channel;
    }

    private async Task StartCameraAsync(ChannelDefinition channel, RtspSourceSettings camera)
    {
        try
        {
            await sources.CreateAsync(channel.Id, camera, router => ConfigureHlsAsync(router.Id, channel.Hls)).ConfigureAwait(false);
        }
        catch (InvalidFieldException ex) when (ex.Field == "router_id")
        {
            // The channel id is its router's id: same rules, the request's name for it.
            throw new InvalidFieldException("channel_id", ex.Message.Replace("router_id", "channel_id", StringComparison.Ordinal));
        }
    }

    // Publishers arriving together (WHIP, signaling, plain RTP) share one creation.
    private async Task<Router> CreateRouterOnceAsync(ChannelDefinition channel)
    {
        var creation = _creating.GetOrAdd(channel.Id, _ => new Lazy<Task<Router>>(() => CreateRouterAsync(channel)));
        try
        {
            return await creation.Value.ConfigureAwait(false);
        }
        catch (ConflictException) when (media.FindRouter(channel.Id) is { } raced)
        {
            return raced; // created meanwhile through the mediasoup API
        }
        finally
        {
            _creating.TryRemove(new KeyValuePair<string, Lazy<Task<Router>>>(channel.Id, creation));
        }
    }

    private async Task<Router> CreateRouterAsync(ChannelDefinition channel)
    {
        var router = await media.CreateRouterAsync(channel.Id).ConfigureAwait(false);
        await ConfigureHlsAsync(router.Id, channel.Hls).ConfigureAwait(false);
        return router;
    }

    // Before any producer exists: the pipeline starts FFmpeg with these settings.
    private async Task ConfigureHlsAsync(string routerId, ChannelHlsProfile hls)
    {
        if (pipelines is not null && (hls.SegmentSeconds is not null || hls.PlaylistSize is not null || hls.Format is not null || hls.Renditions is not null))
        {
            await pipelines.ConfigureAsync(routerId, hls.SegmentSeconds, hls.PlaylistSize, hls.Format,
                hls.Renditions is null ? null : HlsRendition.ParseText(hls.Renditions)).ConfigureAwait(false);
        }
    }

    private static ConflictException CameraChannelConflict(string channelId) =>
        new($"Channel '{channelId}' is fed by an RTSP camera: it takes no publishers.");
}
