using BenchmarkDotNet.Attributes;
using Broadcast.Transcode.Retention;

namespace Broadcast.Benchmarks;

/// <summary>
/// The retention sweep over 10,000 segments in 10 channel folders: listing, reading the playlists, the policy.
/// The rules delete nothing, so every iteration does the same work (deleting adds one unlink per segment).
/// </summary>
[MemoryDiagnoser]
public class RetentionBenchmarks
{
    private string _root = null!;
    private HlsRetentionSweeper _sweeper = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("broadcast-retention-bench-").FullName;
        for (var channel = 0; channel < 10; channel++)
        {
            var folder = Path.Combine(_root, $"cam{channel}");
            Directory.CreateDirectory(folder);
            for (var i = 0; i < 1000; i++)
            {
                File.WriteAllBytes(Path.Combine(folder, $"seg_{i:D5}.ts"), new byte[188]);
            }

            File.WriteAllText(Path.Combine(folder, "index.m3u8"),
                "#EXTM3U\n" + string.Concat(Enumerable.Range(994, 6).Select(i => $"#EXTINF:2.0,\nseg_{i:D5}.ts\n")));
        }

        _sweeper = new HlsRetentionSweeper(_root, TimeProvider.System);
    }

    [Benchmark(Description = "sweep 10,000 segments (nothing due)")]
    public int Sweep() => _sweeper.Sweep(_ => new ChannelRetention(TimeSpan.FromDays(7), 1L << 40), 1L << 42).SegmentsScanned;

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);
}
