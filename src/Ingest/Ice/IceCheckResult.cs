namespace Broadcast.Ingest.Ice;

/// <summary>What <see cref="IceLiteAgent.ProcessStun"/> did with a STUN datagram; a response is to be sent whenever its length is not zero.</summary>
public enum IceCheckResult
{
    /// <summary>An indication or a response (an ICE-lite agent sends no checks), or the agent is closed. Nothing to send.</summary>
    Ignored,

    /// <summary>Not a well-formed STUN message, or its FINGERPRINT does not match. Dropped, nothing to send.</summary>
    Malformed,

    /// <summary>400: not a Binding request, or FINGERPRINT, PRIORITY, USERNAME or MESSAGE-INTEGRITY is missing.</summary>
    BadRequest,

    /// <summary>401: the USERNAME names another ufrag, or MESSAGE-INTEGRITY does not verify with our password.</summary>
    Unauthorized,

    /// <summary>420: an unknown comprehension-required attribute.</summary>
    UnknownAttribute,

    /// <summary>487: the peer claims the controlled role, which an ICE-lite agent always has.</summary>
    RoleConflict,

    /// <summary>A valid check: its tuple is valid and a success response is to be sent.</summary>
    Accepted,
}
