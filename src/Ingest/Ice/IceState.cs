namespace Broadcast.Ingest.Ice;

/// <summary>An ICE-lite agent's state, named as mediasoup's <c>iceState</c>.</summary>
public enum IceState
{
    /// <summary>No valid Binding request yet.</summary>
    New,

    /// <summary>A valid request arrived; its tuple is selected, none nominated yet.</summary>
    Connected,

    /// <summary>The peer nominated a tuple (USE-CANDIDATE or a larger NOMINATION).</summary>
    Completed,

    /// <summary>Every tuple lost consent; a new valid request connects again.</summary>
    Disconnected,

    /// <summary>Closed by its owner: it answers nothing more.</summary>
    Closed,
}
