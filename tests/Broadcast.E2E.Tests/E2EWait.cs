using Broadcast.Testing;

namespace Broadcast.E2E.Tests;

/// <summary>Waits of the end-to-end tests: for a camera, FFmpeg and a few segments a loaded machine may take long.</summary>
internal static class E2EWait
{
    /// <summary>Bounds a failing test only; a passing one goes on as soon as the condition holds.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static async Task ForAsync(Func<Task<bool>> condition, string what) =>
        Assert.True(await Eventually.TrueAsync(condition, Timeout), $"Timed out after {Timeout.TotalSeconds} s waiting for {what}.");
}
