using Broadcast.Api.Jobs;

namespace Broadcast.Api.Tests.Jobs;

public class JobOptionsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void An_unset_or_empty_host_name_is_valid_and_names_the_appliance_after_its_machine(string? hostName)
    {
        var options = new JobOptions { HostName = hostName };

        var result = new JobOptionsValidator().Validate(null, options);
        var host = new JobHost(Microsoft.Extensions.Options.Options.Create(options));

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.StartsWith(Environment.MachineName + "-", host.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_host_name_names_the_appliance_and_a_bad_one_is_reported()
    {
        var named = new JobHost(Microsoft.Extensions.Options.Options.Create(new JobOptions { HostName = "edge-1" }));
        var result = new JobOptionsValidator().Validate(null, new JobOptions { HostName = "edge 1" });

        Assert.Equal("edge-1", named.Name);
        Assert.True(result.Failed);
        Assert.Contains("Jobs:HostName", result.FailureMessage, StringComparison.Ordinal);
    }
}
