using Broadcast.Ingest.Sources;

namespace Broadcast.Ingest.Tests.Sources;

public class InterleavedFrameQueueTests
{
    private static List<(byte Channel, byte[] Payload)> DrainAll(InterleavedFrameQueue queue)
    {
        var frames = new List<(byte, byte[])>();
        queue.Drain(frames, static (list, channel, payload) => list.Add((channel, payload.ToArray())));
        return frames;
    }

    [Fact]
    public void Frames_come_out_in_order_with_their_channels()
    {
        var queue = new InterleavedFrameQueue(1 << 17, 8);

        Assert.True(queue.TryEnqueue(0, [1, 2, 3]));
        Assert.True(queue.TryEnqueue(3, [4]));

        Assert.Equal(2, queue.Count);
        var frames = DrainAll(queue);
        Assert.Equal([(byte)0, (byte)3], frames.Select(f => f.Channel));
        Assert.Equal([1, 2, 3], frames[0].Payload);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_full_slot_ring_drops_and_counts_instead_of_waiting()
    {
        var queue = new InterleavedFrameQueue(1 << 17, 4);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(queue.TryEnqueue(0, [(byte)i]));
        }

        Assert.False(queue.TryEnqueue(0, [9]));
        Assert.Equal(1, queue.Dropped);
        Assert.Equal([0, 1, 2, 3], DrainAll(queue).Select(f => (int)f.Payload[0]));
        Assert.True(queue.TryEnqueue(0, [9]));
    }

    [Fact]
    public void Frames_that_would_cross_the_end_of_the_buffer_start_over_at_its_beginning_and_a_full_buffer_drops()
    {
        var queue = new InterleavedFrameQueue(1 << 17, 64);
        var big = new byte[50_000];
        Array.Fill(big, (byte)7);

        Assert.True(queue.TryEnqueue(1, big));
        Assert.True(queue.TryEnqueue(1, big));
        Assert.False(queue.TryEnqueue(1, big)); // 150 000 bytes do not fit in 131 072
        Assert.Equal(2, DrainAll(queue).Count);

        // Wraps: the third frame cannot follow the second at 100 000, so it starts at 0.
        for (var round = 0; round < 10; round++)
        {
            big[0] = (byte)round;
            Assert.True(queue.TryEnqueue(2, big));
            var frame = Assert.Single(DrainAll(queue));
            Assert.Equal(round, frame.Payload[0]);
            Assert.Equal(50_000, frame.Payload.Length);
        }

        Assert.Equal(1, queue.Dropped);
    }

    [Fact]
    public async Task A_reader_thread_and_a_consumer_thread_pass_a_hundred_thousand_frames_intact()
    {
        var queue = new InterleavedFrameQueue(1 << 17, 256);
        const int Total = 100_000;
        var producer = Task.Run(() =>
        {
            var frame = new byte[200];
            for (var i = 0; i < Total;)
            {
                BitConverter.TryWriteBytes(frame, i);
                if (queue.TryEnqueue((byte)(i % 4), frame.AsSpan(0, 100 + (i % 100))))
                {
                    i++;
                }
            }
        });

        var expected = 0;
        var errors = 0;
        while (expected < Total)
        {
            queue.Drain(0, (_, channel, payload) =>
            {
                if (BitConverter.ToInt32(payload) != expected || channel != expected % 4 || payload.Length != 100 + (expected % 100))
                {
                    errors++;
                }

                expected++;
            });
        }

        await producer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, errors);
    }
}
