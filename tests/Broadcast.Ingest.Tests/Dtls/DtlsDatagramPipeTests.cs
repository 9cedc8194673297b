using System.Diagnostics;
using Broadcast.Ingest.Dtls;
using Broadcast.Ingest.Tests.Protocols;

namespace Broadcast.Ingest.Tests.Dtls;

public sealed class DtlsDatagramPipeTests
{
    private const string Record0 = "16 FEFD 0000 000000000001 0003 AABBCC"; // epoch 0, 3 bytes
    private const string Record1 = "17 FEFD 0001 000000000001 0018 000102030405060708090A0B0C0D0E0F1011121314151617"; // epoch 1, 24 bytes
    private const string Short1 = "15 FEFD 0001 000000000002 0002 0100"; // epoch 1, 2 bytes: no room for a nonce and tag

    [Theory]
    [InlineData(Record0, Record0)]
    [InlineData(Record0 + Record1, Record0 + Record1)]
    [InlineData(Record0 + "0102030405", Record0)] // a partial header after the last record
    [InlineData(Record0 + "16FEFD0000000000000002 00FF 00", Record0)] // a record longer than what is left
    [InlineData(Short1 + Record0, Record0)]
    [InlineData(Record1 + Short1 + Record0, Record1 + Record0)]
    [InlineData(Short1, "")]
    [InlineData("16FEFD00000000000000", "")] // not even a header
    public void Only_complete_records_and_protected_ones_long_enough_for_their_nonce_and_tag_are_kept(string datagram, string kept)
    {
        var bytes = Hex.Bytes(datagram);

        var length = DtlsDatagramPipe.KeepWellFormedRecords(bytes, minimumProtected: 24);

        Assert.Equal(Hex.Bytes(kept), bytes[..length]);
    }

    [Fact]
    public void The_queue_is_bounded_and_what_it_refuses_is_counted()
    {
        var pipe = new DtlsDatagramPipe(new DtlsServerOptions { QueueCapacity = 2, MaxReceiveDatagram = 100 }, new NullListener());
        var record = Hex.Bytes(Record0);

        Assert.True(pipe.TryEnqueue(record));
        Assert.True(pipe.TryEnqueue(record));
        Assert.False(pipe.TryEnqueue(record)); // full
        Assert.False(pipe.TryEnqueue(new byte[101])); // longer than we accept
        Assert.False(pipe.TryEnqueue(Hex.Bytes(Short1))); // nothing well-formed left

        Assert.Equal(2, pipe.Received);
        Assert.Equal(2, pipe.Dropped);
        Assert.Equal(1, pipe.Malformed);
    }

    [Fact]
    public void Receive_returns_queued_datagrams_in_order_then_minus_one_when_the_wait_runs_out()
    {
        var pipe = new DtlsDatagramPipe(new DtlsServerOptions(), new NullListener());
        pipe.TryEnqueue(Hex.Bytes(Record0));
        pipe.TryEnqueue(Hex.Bytes(Record1));
        var buffer = new byte[pipe.GetReceiveLimit()];

        Assert.Equal(16, pipe.Receive(buffer, 0, buffer.Length, 1000));
        Assert.Equal(37, pipe.Receive(buffer.AsSpan(), 1000));
        var waited = Stopwatch.StartNew();
        Assert.Equal(-1, pipe.Receive(buffer, 0, buffer.Length, 30));
        Assert.InRange(waited.ElapsedMilliseconds, 20, 2000); // Environment.TickCount64 counts in coarse steps of a few ms
    }

    [Fact]
    public async Task Close_wakes_a_waiting_receive_which_then_throws_and_nothing_more_is_queued_or_sent()
    {
        var listener = new NullListener();
        var pipe = new DtlsDatagramPipe(new DtlsServerOptions(), listener);
        var receiving = Task.Run(() => pipe.Receive(new byte[100], 0));
        await Task.Delay(50);

        pipe.Close();

        await Assert.ThrowsAsync<DtlsPipeClosedException>(() => receiving.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(pipe.TryEnqueue(Hex.Bytes(Record0)));
        pipe.Send(new byte[10]);
        Assert.Equal(0, listener.Sent);
        Assert.Equal(1200, pipe.GetSendLimit());
    }

    private sealed class NullListener : IDtlsSessionListener
    {
        public int Sent { get; private set; }

        public void SendDtlsDatagram(ReadOnlySpan<byte> datagram) => Sent++;

        public void OnDtlsConnected(DtlsServerSession session, SrtpKeyingMaterial srtp)
        {
        }

        public void OnDtlsFailed(DtlsServerSession session, DtlsFailure failure, string detail)
        {
        }

        public void OnDtlsClosed(DtlsServerSession session)
        {
        }
    }
}
