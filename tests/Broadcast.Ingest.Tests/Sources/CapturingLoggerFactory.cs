using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Broadcast.Ingest.Tests.Sources;

/// <summary>Keeps every formatted log message (and exception text) of every category, for tests that check what is logged.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerFactory factory) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            factory.Messages.Enqueue($"{eventId.Id} {formatter(state, exception)} {exception}");
    }
}
