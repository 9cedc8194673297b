namespace Broadcast.Api.Contracts;

/// <summary>GET /api/v1/stats: load of the media plane and of the process.</summary>
public sealed record StatsResponse(
    IReadOnlyList<WorkerStats> Workers,
    int Routers,
    PortStats Ports,
    MemoryStats Memory,
    double UptimeSeconds);

/// <summary>One worker loop: routers assigned to it and work items executed since start.</summary>
public sealed record WorkerStats(int Index, int Routers, long ExecutedItems);

/// <summary>The UDP port range and how many of its ports are taken.</summary>
public sealed record PortStats(int Min, int Max, int InUse);

/// <summary>Process memory in bytes: working set and managed heap.</summary>
public sealed record MemoryStats(long WorkingSetBytes, long ManagedHeapBytes);
