using System.Diagnostics;
using Broadcast.Ingest.Dtls;
using Broadcast.Testing;
using Xunit.Abstractions;

namespace Broadcast.Ingest.Tests.Dtls;

/// <summary>Garbage on the wire, closing from either side, and a worker that must never wait on the session.</summary>
public sealed class DtlsRobustnessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Garbage_fed_all_through_the_handshake_neither_stops_it_nor_makes_Feed_wait()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient();
        using var stop = new CancellationTokenSource();
        var random = new Random(4);
        var slowest = TimeSpan.Zero;
        var fed = 0;
        var garbage = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var datagram = Garbage(random);
                var started = Stopwatch.GetTimestamp();
                link.Session.Feed(datagram);
                var took = Stopwatch.GetElapsedTime(started);
                slowest = took > slowest ? took : slowest;
                Interlocked.Increment(ref fed);
                await Task.Yield();
            }
        });

        await Eventually.HoldsAsync(() => Volatile.Read(ref fed) >= 20, () => "no garbage fed");
        await link.ConnectVerifiedAsync(client);
        var afterHandshake = Volatile.Read(ref fed);
        await Eventually.HoldsAsync(() => Volatile.Read(ref fed) >= afterHandshake + 100, () => "no garbage fed after the handshake");
        await stop.CancelAsync();
        await garbage;

        Assert.Equal(DtlsSessionState.Connected, link.Session.State);
        Assert.Equal(client.Keys!.ServerWriteSalt.ToArray(), link.Session.SrtpKeys!.ServerWriteSalt.ToArray());
        // Feed only queues: even on a loaded machine it never takes the handshake's time.
        output.WriteLine($"{fed} garbage datagrams, slowest Feed {slowest.TotalMilliseconds:F3} ms, {link.Session.DatagramsIgnored} ignored before the ClientHello");
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"Feed took {slowest.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Forged_records_of_the_new_epoch_next_to_the_client_Finished_are_ignored_as_corrupt()
    {
        using var link = new DtlsLoopback();
        var random = new Random(3);
        // Before every client datagram a well-formed epoch-1 record whose tag cannot verify.
        link.DropFromClient = _ =>
        {
            link.Session.Feed(Forged(random, epoch: 1, shortest: 24));
            return false;
        };

        await link.ConnectVerifiedAsync(new TestDtlsClient());
    }

    [Fact]
    public async Task Mutated_copies_of_the_client_datagrams_neither_crash_nor_hang_the_session()
    {
        using var link = new DtlsLoopback(new DtlsServerOptions { HandshakeTimeout = TimeSpan.FromSeconds(4) });
        var random = new Random(7);
        var mutations = 0;
        link.DropFromClient = d =>
        {
            lock (random)
            {
                for (var i = 0; i < 3; i++)
                {
                    link.Session.Feed(Mutate(d, random));
                    mutations++;
                }
            }

            return false;
        };
        var client = new TestDtlsClient { HandshakeTimeoutMillis = 5000 };
        link.Session.SetRemoteFingerprint(client.Certificate.Fingerprint);

        var connecting = link.ConnectAsync(client);
        await Task.WhenAny(link.Listener.Connected, link.Listener.Ended).WaitAsync(DtlsLoopback.Patience);
        await Task.WhenAny(connecting, Task.Delay(DtlsLoopback.Patience));

        Assert.True(link.Listener.ConnectedCount <= 1 && link.Listener.EndCount <= 1);
        Assert.NotEqual(DtlsSessionState.New, link.Session.State);
        var detail = link.Listener.Failed.IsCompleted ? $" ({(await link.Listener.Failed).Detail})" : "";
        output.WriteLine($"{mutations} mutated datagrams: {link.Session.State}{detail}");
    }

    [Fact]
    public async Task Garbage_and_forged_records_after_the_handshake_leave_the_session_connected_and_application_data_is_ignored()
    {
        using var link = new DtlsLoopback();
        var client = new TestDtlsClient();
        var transport = await link.ConnectVerifiedAsync(client);
        var random = new Random(11);

        for (var i = 0; i < 300; i++)
        {
            link.Session.Feed(i % 3 == 0 ? Garbage(random) : Forged(random, epoch: i % 2));
            if (i % 32 == 31)
            {
                await Task.Delay(10); // the queue holds 64: let the session keep up
            }
        }

        // A data channel would send this; we ignore it. Sent again until the queue the garbage filled has room for it.
        await Eventually.HoldsAsync(() =>
        {
            if (link.Session.ApplicationDataIgnored == 0)
            {
                transport.Send("hello"u8.ToArray(), 0, 5);
            }

            return link.Session.ApplicationDataIgnored >= 1;
        }, () => "the application data was never taken");
        Assert.Equal(DtlsSessionState.Connected, link.Session.State);
        Assert.Equal(0, link.Listener.EndCount);
        output.WriteLine($"{link.Session.DatagramsReceived} datagrams taken, {link.Session.DatagramsMalformed} malformed, {link.Session.DatagramsDropped} dropped");

        transport.Close();
        await link.Listener.Closed.WaitAsync(DtlsLoopback.Patience);
    }

    [Fact]
    public async Task A_ClientHello_datagram_with_a_partial_record_after_it_still_gets_an_answer()
    {
        using var link = new DtlsLoopback();
        var first = true;
        // Five stray bytes after the record: dropped before BouncyCastle sees them.
        link.DropFromClient = d =>
        {
            if (!first)
            {
                return false;
            }

            first = false;
            link.Session.Feed([.. d, 1, 2, 3, 4, 5]);
            return true;
        };

        await link.ConnectVerifiedAsync(new TestDtlsClient());
    }

    [Fact]
    public async Task A_protected_record_too_short_for_its_nonce_and_tag_is_dropped_instead_of_ending_the_session()
    {
        using var link = new DtlsLoopback();
        var transport = await link.ConnectVerifiedAsync(new TestDtlsClient());

        Assert.False(link.Session.Feed([DtlsRecord.Alert, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0x10, 0, 0, 2, 2, 40]));
        transport.Send("x"u8.ToArray(), 0, 1);

        await Eventually.HoldsAsync(() => link.Session.ApplicationDataIgnored == 1, () => "no application data seen");
        Assert.Equal(DtlsSessionState.Connected, link.Session.State);
        Assert.Equal(1, link.Session.DatagramsMalformed);
    }

    [Fact]
    public async Task Sends_that_throw_count_as_lost_datagrams_and_the_flight_is_sent_again()
    {
        using var link = new DtlsLoopback();
        var sends = 0;
        link.FailSend = () => Interlocked.Increment(ref sends) <= 2; // ServerHello and Certificate

        await link.ConnectVerifiedAsync(new TestDtlsClient());

        Assert.Equal(2, link.Session.SendFailures);
    }

    [Fact]
    public async Task A_close_notify_from_the_client_is_reported_as_closed()
    {
        using var link = new DtlsLoopback();
        var transport = await link.ConnectVerifiedAsync(new TestDtlsClient());

        transport.Close();

        await link.Listener.Closed.WaitAsync(DtlsLoopback.Patience);
        Assert.Equal(DtlsSessionState.Closed, link.Session.State);
        Assert.Equal(1, link.Listener.EndCount);
        Assert.False(link.Listener.Failed.IsCompleted);
        Assert.False(link.Session.Feed(link.FromClient.Last()));
    }

    [Fact]
    public async Task Close_sends_close_notify_and_is_not_reported_back()
    {
        using var link = new DtlsLoopback();
        await link.ConnectVerifiedAsync(new TestDtlsClient());
        var before = link.FromServer.Count;

        link.Session.Close();
        link.Session.Close();

        Assert.Equal(DtlsSessionState.Closed, link.Session.State);
        var alert = Assert.Single(DtlsRecord.Parse(Assert.Single(link.FromServer.Skip(before))));
        Assert.Equal(DtlsRecord.Alert, alert.ContentType);
        Assert.Equal(1, alert.Epoch); // encrypted: the close_notify of a finished handshake
        await Task.Delay(50);
        Assert.Equal(0, link.Listener.EndCount);
        Assert.Null(link.Session.SrtpKeys);
    }

    [Fact]
    public async Task Close_during_the_handshake_ends_it_without_retransmissions_or_reports()
    {
        using var link = new DtlsLoopback();
        link.DropFromServer = _ => true; // the client never answers, so the server would retransmit after 1 s
        var connecting = link.ConnectAsync(new TestDtlsClient { HandshakeTimeoutMillis = 2000 });
        await Eventually.HoldsAsync(() => link.Session.DatagramsSent > 0, () => "nothing sent");

        link.Session.Close();
        var sent = link.Session.DatagramsSent;
        await Task.Delay(1500);

        Assert.Equal(DtlsSessionState.Closed, link.Session.State);
        Assert.InRange(link.Session.DatagramsSent - sent, 0, 0);
        Assert.Equal(0, link.Listener.EndCount + link.Listener.ConnectedCount);
        await Assert.ThrowsAnyAsync<Exception>(() => connecting.WaitAsync(DtlsLoopback.Patience));
    }

    [Theory]
    [InlineData(new byte[] { 0x17, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0 })] // application data
    [InlineData(new byte[] { 0x16, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1 })] // a ClientHello type in epoch 1
    [InlineData(new byte[] { 0x16, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 2 })] // a ServerHello
    [InlineData(new byte[] { 0x16, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 })] // a bare header
    [InlineData(new byte[] { 0x00 })]
    public void A_datagram_that_is_not_a_ClientHello_starts_nothing(byte[] datagram)
    {
        using var link = new DtlsLoopback();

        Assert.False(link.Session.Feed(datagram));

        Assert.Equal(DtlsSessionState.New, link.Session.State);
        Assert.Equal(1, link.Session.DatagramsIgnored);
        Assert.Equal(0, link.Session.DatagramsReceived);
    }

    // Anything a broken or hostile peer might send that still passes the RFC 7983 demux (first byte 20–63).
    private static byte[] Garbage(Random random)
    {
        var datagram = new byte[random.Next(14, 1500)];
        random.NextBytes(datagram);
        datagram[0] = (byte)random.Next(20, 64);
        switch (random.Next(4))
        {
            case 0: // a record of a later epoch: dropped by the epoch check
                return Forged(random, epoch: random.Next(2, 65536));
            case 1: // a record whose length runs past the datagram
                datagram[1] = 0xFE;
                datagram[2] = 0xFD;
                datagram[11] = 0xFF;
                return datagram;
            case 2: // an unknown content type in epoch 0
                return [(byte)random.Next(25, 64), 0xFE, 0xFD, 0, 0, .. datagram[5..]];
            default:
                return datagram[..random.Next(1, datagram.Length)];
        }
    }

    // A well-formed record header with a random body: in the current epoch it fails authentication.
    private static byte[] Forged(Random random, int epoch, int shortest = 1)
    {
        var body = new byte[random.Next(shortest, 200)];
        random.NextBytes(body);
        byte[] header = [(byte)random.Next(20, 24), 0xFE, 0xFD, (byte)(epoch >> 8), (byte)epoch, 0, 0, 0, 0, 0x10, (byte)random.Next(256),
            (byte)(body.Length >> 8), (byte)body.Length];
        return [.. header, .. body];
    }

    private static byte[] Mutate(byte[] datagram, Random random)
    {
        var copy = (byte[])datagram.Clone();
        switch (random.Next(3))
        {
            case 0:
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return copy;
            case 1:
                return copy[..random.Next(1, copy.Length)];
            default:
                for (var i = 0; i < 8; i++)
                {
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                }

                return copy;
        }
    }
}
