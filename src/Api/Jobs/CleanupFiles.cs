namespace Broadcast.Api.Jobs;

/// <summary>Deletion that tolerates races: a thing gone in the meantime is no error, one that cannot go is logged.</summary>
internal static class CleanupFiles
{
    public static bool TryDelete(Action delete, ILogger logger)
    {
        try
        {
            delete();
            return true;
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException)
        {
            return false; // gone in the meantime
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.CleanupStepFailed(ex, "a file", null);
            return false;
        }
    }
}
