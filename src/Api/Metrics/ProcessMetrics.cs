using System.Globalization;
using Prometheus;

namespace Broadcast.Api.Metrics;

/// <summary>
/// The process's CPU, memory, threads and collections under the names Prometheus' client libraries use. Read from
/// counters the runtime keeps and from /proc/self/statm: prometheus-net's own collector refreshes a Process object on
/// every scrape, which cost about 2.4 ms of the 2.7 ms a scrape of an idle appliance took.
/// </summary>
internal sealed class ProcessMetrics
{
    private readonly Counter _cpu;
    private readonly Gauge _resident;
    private readonly Gauge _managed;
    private readonly Gauge _threads;
    private readonly Counter _collections;

    public ProcessMetrics(IMetricFactory factory)
    {
        _cpu = factory.CreateCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
        _resident = factory.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
        _managed = factory.CreateGauge("dotnet_total_memory_bytes", "Bytes the managed heap holds (allocated and live).");
        _threads = factory.CreateGauge("dotnet_threadpool_threads", "Thread-pool threads.");
        _collections = factory.CreateCounter("dotnet_collection_count_total", "Garbage collections since the process started, by generation.",
            new CounterConfiguration { LabelNames = ["generation"] });
        var started = factory.CreateGauge("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.");
        started.Set(new DateTimeOffset(System.Diagnostics.Process.GetCurrentProcess().StartTime).ToUnixTimeMilliseconds() / 1000.0);
    }

    public void Update()
    {
        _cpu.IncTo(Environment.CpuUsage.TotalTime.TotalSeconds);
        _resident.Set(ResidentBytes());
        _managed.Set(GC.GetTotalMemory(forceFullCollection: false));
        _threads.Set(ThreadPool.ThreadCount);
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            _collections.WithLabels(generation.ToString(CultureInfo.InvariantCulture)).IncTo(GC.CollectionCount(generation));
        }
    }

    // statm: size resident shared text lib data dt, in pages.
    private static long ResidentBytes()
    {
        try
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return Environment.WorkingSet;
        }
    }
}
