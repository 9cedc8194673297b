using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace Broadcast.Api.Jobs;

/// <summary>
/// Hangfire's logging goes through one process-wide provider. The stock one keeps the host's logger factory and
/// throws once that host has stopped, which breaks every other host of the process (tests run several); this one
/// falls silent instead.
/// </summary>
internal sealed class HangfireLogProvider(ILoggerFactory loggers) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(loggers);

    public ILog GetLogger(string name)
    {
        try
        {
            return _inner.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return Silent.Instance;
        }
    }

    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
