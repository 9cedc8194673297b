using System.Net;
using Broadcast.Ingest.Protocols.Stun;

namespace Broadcast.Ingest.Ice;

/// <summary>
/// The ICE-lite side of a WebRTC transport (RFC 8445 §2.5, mediasoup's IceServer): answers Binding requests,
/// keeps the valid tuples, follows the peer's nomination (USE-CANDIDATE, or the renomination draft's NOMINATION
/// when it grows), expires tuples without consent (RFC 7675) and restarts with new credentials. Pure logic: no
/// sockets, time from an injected <see cref="TimeProvider"/>, responses written into the caller's buffer, events
/// through <see cref="IIceAgentListener"/>. Not thread-safe: call it from the transport's worker only.
/// <code>
///  new ──valid check──▶ connected ──nomination──▶ completed
///   ▲                        │                        │
///   │                        └──── no tuple has consent ──▶ disconnected ──valid check──▶ connected / completed
/// </code>
/// </summary>
public sealed partial class IceLiteAgent
{
    /// <summary>Tuples kept at most; a new one evicts the one checked least recently (mediasoup keeps 8 too).</summary>
    public const int MaxTuples = 8;

    /// <summary>The room a response needs in the buffer given to <see cref="ProcessStun"/>.</summary>
    public const int MinResponseBufferLength = 128;

    public static readonly TimeSpan DefaultConsentTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MinConsentTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxConsentTimeout = TimeSpan.FromSeconds(60);

    private const int MaxUnknownAttributesListed = 4;

    private readonly IIceAgentListener _listener;
    private readonly TimeProvider _time;
    private readonly List<IceTuple> _tuples = new(MaxTuples);
    private IceCredentials? _previousCredentials;
    private uint _remoteNomination;

    /// <param name="listener">The owner, told of tuples and state.</param>
    /// <param name="time">The clock for consent freshness.</param>
    /// <param name="consentTimeout">
    /// How long a tuple keeps consent without a valid check: 10 to 60 s, or <see cref="TimeSpan.Zero"/> to never
    /// expire; <see cref="DefaultConsentTimeout"/> when null.
    /// </param>
    /// <param name="credentials">The local ufrag and password; generated when null.</param>
    public IceLiteAgent(IIceAgentListener listener, TimeProvider time, TimeSpan? consentTimeout = null, IceCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(time);
        var timeout = consentTimeout ?? DefaultConsentTimeout;
        if (timeout != TimeSpan.Zero && (timeout < MinConsentTimeout || timeout > MaxConsentTimeout))
        {
            throw new ArgumentOutOfRangeException(nameof(consentTimeout), timeout, "The ICE consent timeout is 10 to 60 s, or 0 to disable it.");
        }

        _listener = listener;
        _time = time;
        ConsentTimeout = timeout;
        LocalCredentials = credentials ?? IceCredentials.Generate();
    }

    public IceState State { get; private set; } = IceState.New;

    /// <summary>The credentials the signaling hands to the peer (iceParameters).</summary>
    public IceCredentials LocalCredentials { get; private set; }

    public TimeSpan ConsentTimeout { get; }

    /// <summary>Where DTLS and RTCP go; null until the first valid check and while disconnected.</summary>
    public IceTuple? SelectedTuple { get; private set; }

    public IReadOnlyList<IceTuple> Tuples => _tuples;

    /// <summary>The valid tuple for a source address, if it is one: DTLS and SRTP are accepted only from these.</summary>
    public IceTuple? FindTuple(in TransportAddress address)
    {
        foreach (var tuple in _tuples)
        {
            if (tuple.Address == address)
            {
                return tuple;
            }
        }

        return null;
    }

    /// <summary>The valid tuple for the source of a received datagram, if it is one; allocates nothing.</summary>
    public IceTuple? FindTuple(SocketAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return FindTuple(TransportAddress.FromSocketAddress(source));
    }

    /// <summary>
    /// Handles one STUN datagram from <paramref name="source"/>. When <paramref name="responseLength"/> is not zero,
    /// the first that many bytes of <paramref name="response"/> (at least <see cref="MinResponseBufferLength"/>
    /// long) are to be sent back to the source. Never throws on wire input.
    /// </summary>
    public IceCheckResult ProcessStun(ReadOnlySpan<byte> datagram, SocketAddress source, Span<byte> response, out int responseLength)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (response.Length < MinResponseBufferLength)
        {
            throw new ArgumentException($"The response buffer needs {MinResponseBufferLength} bytes.", nameof(response));
        }

        responseLength = 0;
        if (State == IceState.Closed)
        {
            return IceCheckResult.Ignored;
        }

        if (!StunMessage.TryParse(datagram, out var request))
        {
            return IceCheckResult.Malformed;
        }

        if (request.Class != StunClass.Request)
        {
            return IceCheckResult.Ignored;
        }

        if (request.Method != StunMessageType.BindingMethod || !request.HasFingerprint)
        {
            return Error(datagram, request.Method, StunErrorCode.BadRequest, [], response, out responseLength);
        }

        if (!StunFingerprint.Verify(datagram, request))
        {
            return IceCheckResult.Malformed;
        }

        if (request.Priority is null || !request.HasUsername || !request.HasMessageIntegrity)
        {
            return Error(datagram, request.Method, StunErrorCode.BadRequest, [], response, out responseLength);
        }

        var credentials = Authenticate(datagram, request);
        if (credentials is null)
        {
            return Error(datagram, request.Method, StunErrorCode.Unauthorized, [], response, out responseLength);
        }

        if (request.UnknownRequiredCount > 0)
        {
            return Error(datagram, request.Method, StunErrorCode.UnknownAttribute, credentials.PasswordBytes, response, out responseLength);
        }

        if (request.IceControlled is not null)
        {
            return Error(datagram, request.Method, StunErrorCode.RoleConflict, credentials.PasswordBytes, response, out responseLength);
        }

        if (ReferenceEquals(credentials, LocalCredentials))
        {
            _previousCredentials = null; // the peer moved to the restarted credentials
        }

        var address = TransportAddress.FromSocketAddress(source);
        var writer = new StunMessageWriter(response, StunMessageType.BindingSuccessResponse, request.TransactionId(datagram));
        writer.AddXorMappedAddress(address);
        writer.AddMessageIntegrity(credentials.PasswordBytes);
        writer.AddFingerprint();
        writer.TryComplete(out responseLength);

        OnValidCheck(address, source, request);
        return IceCheckResult.Accepted;
    }

    /// <summary>
    /// Removes the tuples whose last valid check is older than <see cref="ConsentTimeout"/>; with none left the
    /// agent is disconnected. Call it about once a second from the transport's timer.
    /// </summary>
    public void CheckConsent()
    {
        if (ConsentTimeout == TimeSpan.Zero || State == IceState.Closed)
        {
            return;
        }

        var now = _time.GetTimestamp();
        for (var i = _tuples.Count - 1; i >= 0; i--)
        {
            if (_time.GetElapsedTime(_tuples[i].LastCheckTimestamp, now) >= ConsentTimeout)
            {
                RemoveTupleAt(i);
            }
        }
    }

    /// <summary>
    /// ICE restart: new local credentials for the signaling to send. Checks with the previous ones are still
    /// answered until the peer uses the new ones. Tuples and state are kept; the nomination count starts over.
    /// </summary>
    public IceCredentials Restart()
    {
        ObjectDisposedException.ThrowIf(State == IceState.Closed, this);
        _previousCredentials = LocalCredentials;
        LocalCredentials = IceCredentials.Generate();
        _remoteNomination = 0;
        return LocalCredentials;
    }

    /// <summary>Stops answering; each tuple is reported removed. Idempotent.</summary>
    public void Close()
    {
        if (State == IceState.Closed)
        {
            return;
        }

        State = IceState.Closed;
        SelectedTuple = null;
        var tuples = _tuples.ToArray();
        _tuples.Clear();
        foreach (var tuple in tuples)
        {
            _listener.OnIceTupleRemoved(tuple);
        }
    }

    private IceCredentials? Authenticate(ReadOnlySpan<byte> datagram, in StunMessage request)
    {
        var username = request.Username(datagram);
        var credentials = LocalCredentials.IsLocalPartOf(username) ? LocalCredentials
            : _previousCredentials?.IsLocalPartOf(username) == true ? _previousCredentials
            : null;
        return credentials is not null && StunMessageIntegrity.Verify(datagram, request, credentials.PasswordBytes)
            ? credentials
            : null;
    }

    // Error responses to authenticated requests are signed (RFC 8489 §9.1.3); 400 and 401 are not.
    private static IceCheckResult Error(ReadOnlySpan<byte> datagram, ushort method, int code, ReadOnlySpan<byte> key,
        Span<byte> response, out int responseLength)
    {
        var writer = new StunMessageWriter(response, StunMessageType.Compose(method, StunClass.ErrorResponse),
            datagram.Slice(StunMessage.TransactionIdOffset, StunMessage.TransactionIdLength));
        writer.AddErrorCode(code, StunErrorCode.ReasonPhrase(code));
        if (code == StunErrorCode.UnknownAttribute)
        {
            Span<ushort> unknown = stackalloc ushort[MaxUnknownAttributesListed];
            writer.AddUnknownAttributes(unknown[..StunMessage.CopyUnknownRequiredTypes(datagram, unknown)]);
        }

        if (!key.IsEmpty)
        {
            writer.AddMessageIntegrity(key);
        }

        writer.AddFingerprint();
        writer.TryComplete(out responseLength);
        return code switch
        {
            StunErrorCode.BadRequest => IceCheckResult.BadRequest,
            StunErrorCode.Unauthorized => IceCheckResult.Unauthorized,
            StunErrorCode.UnknownAttribute => IceCheckResult.UnknownAttribute,
            _ => IceCheckResult.RoleConflict,
        };
    }
}
