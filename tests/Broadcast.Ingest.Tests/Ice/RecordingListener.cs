using Broadcast.Ingest.Ice;

namespace Broadcast.Ingest.Tests.Ice;

/// <summary>Writes down every event as a line such as "added 10.0.0.1:5000" or "state Connected".</summary>
internal sealed class RecordingListener : IIceAgentListener
{
    public List<string> Events { get; } = [];

    public void OnIceTupleAdded(IceTuple tuple) => Events.Add($"added {tuple}");

    public void OnIceTupleRemoved(IceTuple tuple) => Events.Add($"removed {tuple}");

    public void OnIceSelectedTupleChanged(IceTuple tuple) => Events.Add($"selected {tuple}");

    public void OnIceStateChanged(IceState state) => Events.Add($"state {state}");

    public List<string> Take()
    {
        var events = Events.ToList();
        Events.Clear();
        return events;
    }
}
