using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Broadcast.Transcode.Tests.Support;

/// <summary>Writes log entries, with event id and scopes, to the test's output and keeps their event ids.</summary>
internal sealed class TestOutputLogger(ITestOutputHelper output) : ILogger
{
    private readonly LoggerExternalScopeProvider _scopes = new();
    private readonly List<int> _eventIds = [];

    public IReadOnlyList<int> EventIds
    {
        get
        {
            lock (_eventIds)
            {
                return [.. _eventIds];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => _scopes.Push(state);

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_eventIds)
        {
            _eventIds.Add(eventId.Id);
        }

        var scopes = new List<string>();
        _scopes.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? ""), scopes);
        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {eventId.Id} [{string.Join(" > ", scopes)}] {formatter(state, exception)} {exception}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; its output is closed.
        }
    }
}
