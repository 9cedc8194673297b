using System.Security.Cryptography;
using Broadcast.Api.State;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Cluster;

/// <summary>
/// This appliance's name and public URL. The name is Cluster:ApplianceId, else (with PostgreSQL) the one kept in
/// Cluster:IdFile, created on first start, else the machine's name. The URL is Cluster:PublicUrl, else the first
/// address Kestrel listens on, known once the server started.
/// </summary>
public sealed class ApplianceIdentity
{
    private readonly IOptions<ClusterOptions> _options;
    private readonly IServer _server;
    private readonly Lazy<string> _id;
    private string? _url;

    public ApplianceIdentity(IOptions<ClusterOptions> options, IOptions<StateOptions> state, IHostEnvironment environment, IServer server)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(environment);
        _options = options; // read when first used: the identity is built before the options are validated
        _server = server;
        _id = new Lazy<string>(() => !string.IsNullOrWhiteSpace(_options.Value.ApplianceId) ? _options.Value.ApplianceId.Trim()
            : state.Value.UsesPostgreSql ? ReadOrCreateIdFile(Path.GetFullPath(_options.Value.IdFile, environment.ContentRootPath))
            : Sanitize(Environment.MachineName));
    }

    public string Id => _id.Value;

    /// <summary>Where clients reach this appliance; empty before the server listens when Cluster:PublicUrl is not set.</summary>
    public string PublicUrl
    {
        get
        {
            _url ??= ResolveUrl();
            return _url ?? "";
        }
    }

    public ApplianceRef Self => new(Id, PublicUrl);

    private string? ResolveUrl()
    {
        if (_options.Value.PublicUrl is { } configured && !string.IsNullOrWhiteSpace(configured))
        {
            return configured.TrimEnd('/');
        }

        var first = _server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (first is null || !Uri.TryCreate(first.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var address))
        {
            return null; // not listening yet: asked again later
        }

        var host = address.Host is "0.0.0.0" or "[::]" or "::" ? System.Net.Dns.GetHostName() : address.Host;
        return new UriBuilder(address.Scheme, host, address.Port).Uri.GetLeftPart(UriPartial.Authority);
    }

    private static string ReadOrCreateIdFile(string path)
    {
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } stored)
        {
            return ClusterOptions.IsValidId(stored)
                ? stored
                : throw new InvalidOperationException($"{path} holds '{stored}', not an appliance id (1..64 letters, digits, '.', '_' or '-'): fix or delete it, or set Cluster:ApplianceId.");
        }

        var machine = Sanitize(Environment.MachineName);
        var id = $"{machine[..Math.Min(machine.Length, 50)]}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, id + "\n");
        return id;
    }

    private static string Sanitize(string name)
    {
        var clean = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-')]);
        return clean.Length == 0 ? "appliance" : clean[..Math.Min(clean.Length, 64)];
    }
}
