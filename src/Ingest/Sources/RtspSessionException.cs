namespace Broadcast.Ingest.Sources;

/// <summary>Why a session with a camera ended or could not start; decides the next state and how long to wait.</summary>
public enum RtspFailure
{
    /// <summary>No TCP connection: refused, timed out, no route, unknown host.</summary>
    Unreachable,

    /// <summary>The camera refused the credentials (or wants some and none were given).</summary>
    AuthenticationFailed,

    /// <summary>The camera answered with an error, sent something unusable, or went silent.</summary>
    Failed,
}

/// <summary>A session step failed; the message is safe to show (no credentials).</summary>
public sealed class RtspSessionException(RtspFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public RtspFailure Failure { get; } = failure;
}
