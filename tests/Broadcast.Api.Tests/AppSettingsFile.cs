using Microsoft.Extensions.Configuration;

namespace Broadcast.Api.Tests;

/// <summary>The appliance's appsettings.json, as built next to the tests (the app's own copy).</summary>
internal static class AppSettingsFile
{
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    public static IConfigurationRoot Load() => new ConfigurationBuilder().AddJsonFile(Path, optional: false).Build();
}
