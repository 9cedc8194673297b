using System.Text;

namespace Broadcast.Transcode.Tests;

public class ProcessUsageTests
{
    // /proc/<pid>/stat of an FFmpeg 5.1 a second into its run: utime 2, stime 3.
    private const string FfmpegStat =
        "7830 (ffmpeg) S 7829 7827 9058 0 -1 4194304 3596 0 68 0 2 3 0 0 20 0 5 0 7330598 307961856 12266 18446744073709551615 " +
        "94068455337984 94068455511849 140724685676880 0 0 0 0 4096 8404998 0 0 0 17 1 0 0 0 0 0 94068455571632 94068455583872 " +
        "94069015400448 140724685682911 140724685682987 140724685682987 140724685684712 0\n";

    [Fact]
    public void CPU_time_is_utime_plus_stime_in_clock_ticks()
    {
        Assert.True(ProcessUsage.TryParseCpuTicks(Encoding.ASCII.GetBytes(FfmpegStat), out var ticks));
        Assert.Equal(5, ticks);
    }

    [Fact]
    public void A_command_name_with_spaces_and_parentheses_does_not_shift_the_fields()
    {
        var stat = FfmpegStat.Replace("(ffmpeg)", "(ff) (m peg)", StringComparison.Ordinal);

        Assert.True(ProcessUsage.TryParseCpuTicks(Encoding.ASCII.GetBytes(stat), out var ticks));
        Assert.Equal(5, ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7830 (ffmpeg")]
    [InlineData("7830 (ffmpeg) S 7829 7827 9058 0 -1 4194304 3596 0 68 0 2")]
    [InlineData("7830 (ffmpeg) S 7829 7827 9058 0 -1 4194304 3596 0 68 0 x 3 0")]
    public void A_truncated_or_odd_stat_line_does_not_parse(string stat)
    {
        Assert.False(ProcessUsage.TryParseCpuTicks(Encoding.ASCII.GetBytes(stat), out _));
    }

    [Fact]
    public void Resident_memory_is_VmRSS_in_bytes()
    {
        var status = "Name:\tffmpeg\nUmask:\t0022\nVmHWM:\t   49296 kB\nVmRSS:\t   49296 kB\nRssAnon:\t   20800 kB\n"u8;

        Assert.True(ProcessUsage.TryParseRssBytes(status, out var bytes));
        Assert.Equal(49296L * 1024, bytes);
    }

    [Fact]
    public void An_exited_process_has_no_VmRSS()
    {
        var status = "Name:\tffmpeg\nState:\tZ (zombie)\nThreads:\t1\n"u8;

        Assert.False(ProcessUsage.TryParseRssBytes(status, out _));
    }

    [Fact]
    public void The_clock_tick_rate_is_read_from_the_auxiliary_vector()
    {
        // Native words, as the kernel writes them; AT_NULL (zeros) at the end.
        var auxv = new byte[6 * 8];
        ulong[] words = [6, 4096, 17, 250]; // AT_PAGESZ 4096, AT_CLKTCK 250
        for (var i = 0; i < words.Length; i++)
        {
            BitConverter.TryWriteBytes(auxv.AsSpan(i * 8), words[i]);
        }

        Assert.True(ProcessUsage.TryParseClockTicks(auxv, 8, out var ticks));
        Assert.Equal(250, ticks);
        Assert.False(ProcessUsage.TryParseClockTicks(auxv.AsSpan(0, 16), 8, out _));
    }

    [Fact]
    public void This_process_is_read_from_proc_and_one_that_does_not_exist_is_null()
    {
        var usage = ProcessUsage.Read(Environment.ProcessId);

        Assert.Equal(100, ProcessUsage.ClockTicksPerSecond);
        Assert.NotNull(usage);
        Assert.True(usage.Value.CpuTime > TimeSpan.Zero);
        Assert.InRange(usage.Value.RssBytes!.Value, 10_000_000, long.MaxValue);
        Assert.Null(ProcessUsage.Read(int.MaxValue)); // above any pid_max
    }

    [Fact]
    public void CPU_time_agrees_with_what_the_runtime_reads()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();

        var before = ProcessUsage.Read(Environment.ProcessId)!.Value.CpuTime;
        self.Refresh();
        var runtime = self.TotalProcessorTime;
        var after = ProcessUsage.Read(Environment.ProcessId)!.Value.CpuTime;

        // The runtime asks getrusage, which counts to the microsecond; /proc cuts utime and stime to whole ticks.
        var tick = TimeSpan.FromSeconds(1.0 / ProcessUsage.ClockTicksPerSecond);
        Assert.InRange(runtime, before, after + 2 * tick);
    }
}
