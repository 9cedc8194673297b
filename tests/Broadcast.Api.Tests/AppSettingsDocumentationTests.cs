using System.Reflection;
using Broadcast.Api.State;
using Broadcast.Ingest;
using Broadcast.Transcode;
using Microsoft.Extensions.Configuration;

namespace Broadcast.Api.Tests;

/// <summary>
/// appsettings.json documents every setting the appliance reads, with the code's default: every public settable
/// property of every options class (a class with a Section or SectionName constant) has its key in the file.
/// </summary>
public sealed class AppSettingsDocumentationTests
{
    /// <summary>Properties documented in a comment or under another key, and why.</summary>
    private static readonly Dictionary<string, string> DocumentedElsewhere = new(StringComparer.OrdinalIgnoreCase)
    {
        // A list: any entry in the file would replace the default codecs, so the file shows it in a comment.
        ["Media:MediaCodecs"] = "\"MediaCodecs\"",
        // Bound from ConnectionStrings:Broadcast, not from the State section.
        ["State:ConnectionString"] = "\"ConnectionStrings\"",
    };

    public static TheoryData<Type> OptionsTypes()
    {
        var data = new TheoryData<Type>();
        foreach (var type in OptionsClasses())
        {
            data.Add(type);
        }

        return data;
    }

    [Fact]
    public void Options_classes_are_found_in_every_assembly()
    {
        var names = OptionsClasses().Select(t => t.Name).ToList();

        Assert.Contains(nameof(MediaOptions), names);
        Assert.Contains(nameof(HlsOptions), names);
        Assert.Contains(nameof(StateOptions), names);
        Assert.Contains("JobOptions", names);
        Assert.Contains("RateLimitOptions", names);
        Assert.True(names.Count >= 7, string.Join(", ", names));
    }

    [Theory]
    [MemberData(nameof(OptionsTypes))]
    public void Every_option_has_its_key_in_appsettings_json(Type options)
    {
        var settings = AppSettingsFile.Load();
        var text = File.ReadAllText(AppSettingsFile.Path);
        var section = SectionOf(options);

        var missing = new List<string>();
        foreach (var property in SettableProperties(options))
        {
            var key = $"{section}:{property.Name}";
            var found = DocumentedElsewhere.TryGetValue(key, out var mention)
                ? text.Contains(mention, StringComparison.Ordinal)
                : settings.GetSection(key).Value is not null;
            if (!found)
            {
                missing.Add(key);
            }
        }

        Assert.Empty(missing);
    }

    [Theory]
    [MemberData(nameof(OptionsTypes))]
    public void Every_key_in_a_section_of_appsettings_json_is_an_option(Type options)
    {
        var section = SectionOf(options);
        var sections = OptionsClasses().Select(SectionOf).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var properties = SettableProperties(options).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var unknown = AppSettingsFile.Load().GetSection(section).GetChildren()
            .Where(child => !properties.Contains(child.Key) && !sections.Contains(child.Path))
            .Select(child => child.Path)
            .ToList();

        Assert.Empty(unknown);
    }

    [Theory]
    [MemberData(nameof(OptionsTypes))]
    public void The_values_in_appsettings_json_are_the_codes_defaults(Type options)
    {
        var defaults = Activator.CreateInstance(options)!;
        var bound = Activator.CreateInstance(options)!;
        AppSettingsFile.Load().GetSection(SectionOf(options)).Bind(bound);

        var different = SettableProperties(options)
            .Select(p => (p.Name, Default: Normalize(p.GetValue(defaults)), File: Normalize(p.GetValue(bound))))
            .Where(p => p.Default is not System.Collections.IEnumerable || p.Default is string)
            .Where(p => !Equals(p.Default, p.File))
            .Select(p => $"{p.Name}: code {p.Default ?? "null"}, file {p.File ?? "null"}")
            .ToList();

        Assert.Empty(different);
    }

    // An empty string means "not set" for every optional string setting, like null.
    private static object? Normalize(object? value) => value is "" ? null : value;

    private static IEnumerable<Type> OptionsClasses() =>
        new[] { typeof(BroadcastApp).Assembly, typeof(MediaOptions).Assembly, typeof(HlsOptions).Assembly }
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => t.IsClass && !t.IsAbstract && t.Name.EndsWith("Options", StringComparison.Ordinal) && SectionField(t) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    private static FieldInfo? SectionField(Type type) =>
        type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } section
            ? section
            : type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } sectionName ? sectionName : null;

    private static string SectionOf(Type type) => (string)SectionField(type)!.GetRawConstantValue()!;

    private static IEnumerable<PropertyInfo> SettableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true });
}
