using System.Reflection;

namespace Broadcast.Testing;

/// <summary>
/// UDP port ranges for the media servers that tests start, leased so that no two live servers of a test process
/// ever share a port. Each test assembly has a range of its own below Linux's ephemeral ports (32768–60999), so the
/// ports the OS hands out to clients (FFmpeg, Chromium, HttpClient, GStreamer) and the other test processes running
/// at the same time never land in it. A lease goes back to the pool when disposed.
/// </summary>
public static class TestPorts
{
    /// <summary>Ports in one block; a lease is one or more consecutive blocks.</summary>
    public const int BlockSize = 100;

    private static readonly object Gate = new();
    private static readonly (int Start, int End) Range = RangeOf(typeof(TestPorts).Assembly);
    private static readonly bool[] Leased = new bool[(Range.End - Range.Start + 1) / BlockSize];
    private static int _nextBlock;

    /// <summary>First and last port of this test process's range.</summary>
    public static (int Start, int End) ProcessRange => Range;

    /// <summary>Leases <paramref name="blocks"/> consecutive blocks of <see cref="BlockSize"/> ports.</summary>
    /// <exception cref="InvalidOperationException">Every block is leased: the range is too small for the tests at once.</exception>
    public static PortLease Lease(int blocks = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        lock (Gate)
        {
            // Round robin from the block after the last lease: a block just returned is handed out again last, so
            // a socket its previous holder closes late (a finalizer, a slow peer) cannot meet the next holder.
            for (var i = 0; i < Leased.Length; i++)
            {
                var first = (_nextBlock + i) % Leased.Length;
                if (first + blocks <= Leased.Length && IsFree(first, blocks))
                {
                    Mark(first, blocks, true);
                    _nextBlock = (first + blocks) % Leased.Length;
                    var min = Range.Start + (first * BlockSize);
                    return new PortLease(min, min + (blocks * BlockSize) - 1, () => Return(first, blocks));
                }
            }
        }

        throw new InvalidOperationException(
            $"All {Leased.Length} port blocks of {Range.Start}..{Range.End} are leased: a test leaks media servers or the range is too small.");
    }

    private static bool IsFree(int first, int blocks)
    {
        for (var i = first; i < first + blocks; i++)
        {
            if (Leased[i])
            {
                return false;
            }
        }

        return true;
    }

    private static void Mark(int first, int blocks, bool leased)
    {
        for (var i = first; i < first + blocks; i++)
        {
            Leased[i] = leased;
        }
    }

    private static void Return(int first, int blocks)
    {
        lock (Gate)
        {
            Mark(first, blocks, false);
        }
    }

    // One range per test assembly (this file is compiled into each), so that test projects running at once never
    // meet; BROADCAST_TEST_PORT_OFFSET shifts them all for a second checkout running its suite on the same machine.
    private static (int Start, int End) RangeOf(Assembly testAssembly)
    {
        var (start, size) = testAssembly.GetName().Name switch
        {
            "Broadcast.Ingest.Tests" => (16000, 4000),
            "Broadcast.Api.Tests" => (20000, 4000),
            "Broadcast.E2E.Tests" => (24000, 4000),
            "Broadcast.Transcode.Tests" => (28000, 2000),
            _ => (30000, 2000),
        };
        var offset = int.TryParse(Environment.GetEnvironmentVariable("BROADCAST_TEST_PORT_OFFSET"), out var shift) ? shift : 0;
        return (start + offset, start + offset + size - 1);
    }
}

/// <summary>Ports <see cref="MinPort"/>..<see cref="MaxPort"/> (inclusive), this holder's alone until disposed.</summary>
public sealed class PortLease(int minPort, int maxPort, Action release) : IDisposable
{
    private Action? _release = release;

    public int MinPort { get; } = minPort;

    public int MaxPort { get; } = maxPort;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
