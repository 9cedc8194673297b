using Broadcast.Api.Cluster;
using Broadcast.Api.State;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Broadcast.Api.Tests.Cluster;

/// <summary>The grant a 307 to the channel's owner carries instead of the Authorization header browsers drop.</summary>
public sealed class RedirectGrantsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly RedirectGrants _grants;

    public RedirectGrantsTests() => _grants = new RedirectGrants(StateKey.FromSecret("the appliances' shared state key"), _time);

    private static HttpRequest Request(string method, string path, string query = "")
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        http.Request.QueryString = new QueryString(query);
        return http.Request;
    }

    private static HttpRequest Following(string location, string method = "POST")
    {
        var uri = new Uri(location);
        return Request(method, Uri.UnescapeDataString(uri.AbsolutePath), uri.Query);
    }

    [Fact]
    public void A_grant_proves_what_was_checked_for_the_same_request_only_and_only_for_30_seconds()
    {
        var grant = _grants.Issue(Request("POST", "/whip/stage", "?x=1"), RedirectGrant.Publisher);
        var location = RedirectGrants.WithGrant("http://node2:8080/whip/stage?x=1", grant);

        Assert.Equal(RedirectGrant.Publisher, _grants.Verify(Following(location)));
        Assert.Null(_grants.Verify(Following(location, "DELETE")));
        Assert.Null(_grants.Verify(Following(location.Replace("/whip/stage", "/whip/other", StringComparison.Ordinal))));
        Assert.Null(_grants.Verify(Following(location.Replace(".p.", ".a.", StringComparison.Ordinal)))); // what it proves is signed
        Assert.Null(_grants.Verify(Request("POST", "/whip/stage")));
        Assert.Null(_grants.Verify(Following(location.Replace("x=1", "x=2", StringComparison.Ordinal)))); // the query is signed too
        Assert.Null(new RedirectGrants(StateKey.FromSecret("another database's state key"), _time).Verify(Following(location)));

        var admin = RedirectGrants.WithGrant("http://node2:8080/api/v1/mediasoup/router", _grants.Issue(Request("POST", "/api/v1/mediasoup/router"), RedirectGrant.Admin));
        Assert.Equal(RedirectGrant.Admin, _grants.Verify(Following(admin)));

        _time.Advance(RedirectGrants.Lifetime + TimeSpan.FromSeconds(1));
        Assert.Null(_grants.Verify(Following(location)));
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("?broadcast_grant=", null)]
    [InlineData("?broadcast_grant=1.p", null)]
    [InlineData("?broadcast_grant=99999999999.p.!!!", null)]
    [InlineData("?broadcast_grant=99999999999.x.AAAA", null)]
    [InlineData("?broadcast_grant=a.p.AAAA", null)]
    public void Malformed_grants_prove_nothing(string query, RedirectGrant? expected) =>
        Assert.Equal(expected, _grants.Verify(Request("POST", "/whip/stage", query)));

    [Fact]
    public void Adding_a_grant_keeps_the_query_and_replaces_an_earlier_grant()
    {
        Assert.Equal("http://n/whep/a?broadcast_grant=g", RedirectGrants.WithGrant("http://n/whep/a", "g"));
        Assert.Equal("http://n/whep/a?expires=1&sig=x&broadcast_grant=h", RedirectGrants.WithGrant("http://n/whep/a?expires=1&broadcast_grant=old&sig=x", "h"));
    }
}
