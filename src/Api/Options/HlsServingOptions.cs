using Microsoft.Extensions.Options;

namespace Broadcast.Api.Options;

/// <summary>
/// What the host needs to serve HLS output: only the folder, read from "Hls:Root". The rest of the "Hls" section
/// belongs to the transcoder's own options.
/// </summary>
public sealed class HlsServingOptions
{
    public const string Section = "Hls";

    /// <summary>Folder holding one sub-folder per channel, relative to the content root or absolute. Default data/hls.</summary>
    public string Root { get; set; } = "data/hls";

    /// <summary>The absolute root folder, ending with a directory separator.</summary>
    public string FullRoot(string contentRoot) =>
        Path.TrimEndingDirectorySeparator(Path.GetFullPath(Root, contentRoot)) + Path.DirectorySeparatorChar;
}

/// <summary>Rejects an empty root.</summary>
public sealed class HlsServingOptionsValidator : IValidateOptions<HlsServingOptions>
{
    public ValidateOptionsResult Validate(string? name, HlsServingOptions options) =>
        string.IsNullOrWhiteSpace(options.Root)
            ? ValidateOptionsResult.Fail("Hls:Root must name a folder.")
            : ValidateOptionsResult.Success;
}
