using Broadcast.Api.Options;
using Broadcast.Api.Security;
using Broadcast.Testing;

namespace Broadcast.Api.Tests.Auth;

/// <summary>Secrets in the settings: validated by length without showing them; API keys matched exactly.</summary>
public sealed class SecretsAuthTests
{
    [Fact]
    public void Short_secrets_are_reported_by_length_without_their_values()
    {
        var options = new ApiOptions { JwtSecret = "short-jwt", ApiKeys = "tiny-key, long-enough-api-key-01234", HlsSigningKey = "short-hls" };

        var result = new ApiOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.Contains("JWT_SECRET", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("API_KEYS", StringComparison.Ordinal) && f.Contains("#1", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("HLS_SIGNING_KEY", StringComparison.Ordinal));
        Assert.All(result.Failures!, f =>
        {
            Assert.DoesNotContain("short-jwt", f, StringComparison.Ordinal);
            Assert.DoesNotContain("tiny-key", f, StringComparison.Ordinal);
            Assert.DoesNotContain("short-hls", f, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Starting_with_a_short_JWT_secret_fails_without_printing_it()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => BroadcastHost.StartAsync(new Dictionary<string, string?> { ["Api:JwtSecret"] = "hunter2" }));

        var message = error.ToString();
        Assert.Contains("JWT_SECRET", message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_count_as_configured_when_either_kind_is_set()
    {
        Assert.False(new ApiOptions().HasAdminCredentials);
        Assert.False(new ApiOptions { ApiKeys = " , " }.HasAdminCredentials);
        Assert.True(new ApiOptions { JwtSecret = SecuredHost.JwtSecret }.HasAdminCredentials);
        Assert.True(new ApiOptions { ApiKeys = SecuredHost.ApiKey }.HasAdminCredentials);
    }

    [Theory]
    [InlineData("api-key-of-the-auth-tests-42", true)]
    [InlineData("another-api-key-0123456789", true)]
    [InlineData(" api-key-of-the-auth-tests-42", false)]
    [InlineData("api-key-of-the-auth-tests-4", false)]
    [InlineData("API-KEY-OF-THE-AUTH-TESTS-42", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void An_API_key_matches_only_a_configured_key_exactly(string? presented, bool matches)
    {
        var ring = new ApiKeyRing(Microsoft.Extensions.Options.Options.Create(new ApiOptions { ApiKeys = $"{SecuredHost.ApiKey},{SecuredHost.OtherApiKey}" }));

        Assert.Equal(matches, ring.Matches(presented));
    }
}
