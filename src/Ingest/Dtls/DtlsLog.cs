using Microsoft.Extensions.Logging;

namespace Broadcast.Ingest.Dtls;

/// <summary>Source-generated log messages of the DTLS sessions (event ids 2500–2599).</summary>
internal static partial class DtlsLog
{
    [LoggerMessage(EventId = 2500, Level = LogLevel.Debug, Message = "DTLS handshake started")]
    public static partial void HandshakeStarted(ILogger logger);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Information,
        Message = "DTLS connected in {ElapsedMs:F0} ms with cipher suite 0x{CipherSuite:X4} and SRTP profile {Profile}")]
    public static partial void Connected(ILogger logger, double elapsedMs, int cipherSuite, SrtpProfile profile);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Warning, Message = "DTLS failed ({Failure}): {Detail}")]
    public static partial void Failed(ILogger logger, DtlsFailure failure, string detail);

    [LoggerMessage(EventId = 2503, Level = LogLevel.Information, Message = "DTLS closed {By}")]
    public static partial void Closed(ILogger logger, string by);

    [LoggerMessage(EventId = 2504, Level = LogLevel.Debug, Message = "DTLS handshake done; waiting for the remote fingerprint from connect")]
    public static partial void AwaitingFingerprint(ILogger logger);

    [LoggerMessage(EventId = 2505, Level = LogLevel.Debug, Message = "DTLS {Level} alert received: {Description}")]
    public static partial void AlertReceived(ILogger logger, string level, string description);

    [LoggerMessage(EventId = 2506, Level = LogLevel.Debug, Message = "DTLS {Level} alert sent: {Description} ({Reason})")]
    public static partial void AlertRaised(ILogger logger, string level, string description, string? reason);

    [LoggerMessage(EventId = 2507, Level = LogLevel.Debug, Message = "DTLS close_notify could not be sent")]
    public static partial void CloseFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2508, Level = LogLevel.Error, Message = "The DTLS listener threw when told {Outcome}")]
    public static partial void ListenerFailed(ILogger logger, DtlsSessionState outcome, Exception exception);
}
