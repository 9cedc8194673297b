using System.Net;
using Broadcast.Ingest.Protocols.Stun;

namespace Broadcast.Ingest.Ice;

// Valid tuples, nomination and selection (RFC 8445 §7.3.1.5, mediasoup IceServer::HandleTuple).
public sealed partial class IceLiteAgent
{
    private void OnValidCheck(in TransportAddress address, SocketAddress source, in StunMessage request)
    {
        var now = _time.GetTimestamp();
        var tuple = FindTuple(address);
        if (tuple is null)
        {
            tuple = AddTuple(address, source, now);
        }
        else
        {
            tuple.LastCheckTimestamp = now;
        }

        // A NOMINATION nominates only when larger than the last one; without it USE-CANDIDATE does (mediasoup).
        bool nominated;
        if (request.Nomination is { } nomination)
        {
            nominated = nomination > _remoteNomination;
            _remoteNomination = Math.Max(_remoteNomination, nomination);
        }
        else
        {
            nominated = request.UseCandidate;
        }

        switch (State)
        {
            case IceState.New or IceState.Disconnected:
                Select(tuple);
                SetState(nominated ? IceState.Completed : IceState.Connected);
                break;
            case IceState.Connected when nominated:
                Select(tuple);
                SetState(IceState.Completed);
                break;
            case IceState.Completed when nominated:
                Select(tuple);
                break;
        }
    }

    private IceTuple AddTuple(in TransportAddress address, SocketAddress source, long now)
    {
        if (_tuples.Count == MaxTuples)
        {
            RemoveTupleAt(LeastRecentlyCheckedUnselected());
        }

        var tuple = new IceTuple(address, source, now);
        _tuples.Add(tuple);
        _listener.OnIceTupleAdded(tuple);
        return tuple;
    }

    private int LeastRecentlyCheckedUnselected()
    {
        var oldest = -1;
        for (var i = 0; i < _tuples.Count; i++)
        {
            if (_tuples[i] != SelectedTuple
                && (oldest < 0 || _tuples[i].LastCheckTimestamp < _tuples[oldest].LastCheckTimestamp))
            {
                oldest = i;
            }
        }

        return oldest;
    }

    private void RemoveTupleAt(int index)
    {
        var removed = _tuples[index];
        _tuples.RemoveAt(index);
        _listener.OnIceTupleRemoved(removed);
        if (removed != SelectedTuple)
        {
            return;
        }

        // The selected tuple went: the most recently checked one takes over, or the agent is disconnected.
        IceTuple? next = null;
        foreach (var tuple in _tuples)
        {
            if (next is null || tuple.LastCheckTimestamp > next.LastCheckTimestamp)
            {
                next = tuple;
            }
        }

        if (next is not null)
        {
            Select(next);
            return;
        }

        SelectedTuple = null;
        _remoteNomination = 0;
        SetState(IceState.Disconnected);
    }

    private void Select(IceTuple tuple)
    {
        if (tuple == SelectedTuple)
        {
            return;
        }

        SelectedTuple = tuple;
        _listener.OnIceSelectedTupleChanged(tuple);
    }

    private void SetState(IceState state)
    {
        if (state == State)
        {
            return;
        }

        State = state;
        _listener.OnIceStateChanged(state);
    }
}
