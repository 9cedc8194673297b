using System.Net;
using System.Text;
using Broadcast.Ingest.Ice;
using Broadcast.Ingest.Protocols.Stun;

namespace Broadcast.Ingest.Tests.Ice;

public class IceLiteAgentTests
{
    private static readonly IPEndPoint Browser = new(IPAddress.Parse("192.0.2.10"), 50000);
    private static readonly IPEndPoint BrowserRelay = new(IPAddress.Parse("198.51.100.7"), 3478);
    private static readonly IPEndPoint BrowserV6 = new(IPAddress.Parse("2001:db8::10"), 50001);

    private readonly ManualTimeProvider _clock = new();
    private readonly RecordingListener _listener = new();
    private readonly IceLiteAgent _agent;

    public IceLiteAgentTests() => _agent = new IceLiteAgent(_listener, _clock);

    [Fact]
    public void Generated_credentials_are_16_and_32_random_lowercase_letters_and_digits()
    {
        var a = IceCredentials.Generate();
        var b = IceCredentials.Generate();

        Assert.Matches("^[0-9a-z]{16}$", a.UsernameFragment);
        Assert.Matches("^[0-9a-z]{32}$", a.Password);
        Assert.NotEqual(a.UsernameFragment, b.UsernameFragment);
        Assert.NotEqual(a.Password, b.Password);
        Assert.DoesNotContain(a.Password, a.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", "0123456789012345678901")]
    [InlineData("abcd", "012345678901234567890")]
    [InlineData("ab:d", "0123456789012345678901")]
    [InlineData("abcd", "01234567890123456789 1")]
    public void Credentials_shorter_than_rfc_8839_or_with_other_characters_are_refused(string ufrag, string pwd)
    {
        Assert.Throws<ArgumentException>(() => new IceCredentials(ufrag, pwd));
    }

    [Fact]
    public void A_valid_check_is_answered_with_the_source_as_xor_mapped_address_signed_with_our_password()
    {
        var request = Check();

        var result = Process(request, Browser, out var response);

        Assert.Equal(IceCheckResult.Accepted, result);
        Assert.True(StunMessage.TryParse(response, out var message));
        Assert.Equal(StunMessageType.BindingSuccessResponse, message.Type);
        Assert.Equal(request.TransactionId, message.TransactionId(response).ToArray());
        Assert.True(XorMappedAddress.TryParse(message.XorMappedAddress(response), message.TransactionId(response), out var mapped));
        Assert.Equal(Browser, mapped.ToIPEndPoint());
        Assert.True(StunMessageIntegrity.Verify(response, message, Encoding.UTF8.GetBytes(_agent.LocalCredentials.Password)));
        Assert.True(StunFingerprint.Verify(response, message));
    }

    [Fact]
    public void The_first_valid_check_adds_and_selects_its_tuple_and_connects()
    {
        Process(Check(), Browser, out _);

        Assert.Equal(IceState.Connected, _agent.State);
        Assert.Equal(["added 192.0.2.10:50000", "selected 192.0.2.10:50000", "state Connected"], _listener.Take());
        Assert.Equal(Browser, _agent.SelectedTuple!.Address.ToIPEndPoint());
        Assert.Equal(Browser, (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(_agent.SelectedTuple.SocketAddress));
        Assert.NotNull(_agent.FindTuple(TransportAddress.FromIPEndPoint(Browser)));
        Assert.Null(_agent.FindTuple(TransportAddress.FromIPEndPoint(BrowserRelay)));
    }

    [Fact]
    public void An_ipv6_source_is_mapped_as_ipv6()
    {
        Process(Check(), BrowserV6, out var response);

        Assert.True(StunMessage.TryParse(response, out var message));
        Assert.True(XorMappedAddress.TryParse(message.XorMappedAddress(response), message.TransactionId(response), out var mapped));
        Assert.Equal(BrowserV6, mapped.ToIPEndPoint());
    }

    public static TheoryData<string, Func<IceLiteAgent, BindingRequest>, IceCheckResult, int> Refusals => new()
    {
        { "no FINGERPRINT", a => Check(a) with { WithFingerprint = false }, IceCheckResult.BadRequest, 400 },
        { "no PRIORITY", a => Check(a) with { WithPriority = false }, IceCheckResult.BadRequest, 400 },
        { "no USERNAME", a => Check(a) with { WithUsername = false }, IceCheckResult.BadRequest, 400 },
        { "no MESSAGE-INTEGRITY", a => Check(a) with { WithMessageIntegrity = false }, IceCheckResult.BadRequest, 400 },
        { "not a Binding request", a => Check(a) with { Type = 0x0003 }, IceCheckResult.BadRequest, 400 },
        { "another transport's ufrag", a => Check(a) with { Username = "someoneelse1:remote" }, IceCheckResult.Unauthorized, 401 },
        { "our ufrag without the colon", a => Check(a) with { Username = a.LocalCredentials.UsernameFragment }, IceCheckResult.Unauthorized, 401 },
        { "a wrong password", a => Check(a) with { Password = "not-the-password-at-all" }, IceCheckResult.Unauthorized, 401 },
        { "ICE-CONTROLLED", a => Check(a) with { IceControlled = true }, IceCheckResult.RoleConflict, 487 },
        { "an unknown comprehension-required attribute", a => Check(a) with { ExtraAttribute = 0x0031 }, IceCheckResult.UnknownAttribute, 420 },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_check_that_fails_is_answered_with_an_error_and_changes_nothing(string name,
        Func<IceLiteAgent, BindingRequest> request, IceCheckResult expected, int code)
    {
        var result = Process(request(_agent), Browser, out var response);

        Assert.Equal(expected, result);
        Assert.True(StunMessage.TryParse(response, out var message), name);
        Assert.Equal(StunClass.ErrorResponse, message.Class);
        Assert.True(StunErrorCode.TryParse(message.ErrorCode(response), out var actual, out _));
        Assert.Equal(code, actual);
        Assert.True(StunFingerprint.Verify(response, message));
        // Only an authenticated request gets a signed error.
        var signed = code is 420 or 487;
        Assert.Equal(signed, message.HasMessageIntegrity);
        if (signed)
        {
            Assert.True(StunMessageIntegrity.Verify(response, message, Encoding.UTF8.GetBytes(_agent.LocalCredentials.Password)));
        }

        Assert.Equal(IceState.New, _agent.State);
        Assert.Empty(_agent.Tuples);
        Assert.Empty(_listener.Events);
    }

    [Fact]
    public void A_420_lists_the_unknown_attributes()
    {
        Process(Check() with { ExtraAttribute = 0x0031 }, Browser, out var response);

        Assert.True(StunMessage.TryParse(response, out var message));
        Assert.Equal(0, message.UnknownRequiredCount);
        // UNKNOWN-ATTRIBUTES (0x000A), 2 bytes: 0x0031.
        Assert.True(response.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x00, 0x0a, 0x00, 0x02, 0x00, 0x31]) > 0);
    }

    [Fact]
    public void A_check_with_a_bad_fingerprint_garbage_responses_and_indications_get_no_answer()
    {
        var spoiled = Check().ToBytes();
        spoiled[^1] ^= 1;
        var indication = (Check() with { Type = StunMessageType.BindingIndication }).ToBytes();
        var buffer = new byte[IceLiteAgent.MinResponseBufferLength];
        var source = Browser.Serialize();

        Assert.Equal(IceCheckResult.Malformed, _agent.ProcessStun(spoiled, source, buffer, out var length1));
        Assert.Equal(IceCheckResult.Malformed, _agent.ProcessStun([0, 1, 0, 0], source, buffer, out var length2));
        Assert.Equal(IceCheckResult.Ignored, _agent.ProcessStun(Rfc5769IPv4Response(), source, buffer, out var length3));
        Assert.Equal(IceCheckResult.Ignored, _agent.ProcessStun(indication, source, buffer, out var length4));
        Assert.Equal([0, 0, 0, 0], new[] { length1, length2, length3, length4 });
        Assert.Empty(_listener.Events);
    }

    [Fact]
    public void Use_candidate_completes_and_selects_that_tuple()
    {
        Process(Check(), Browser, out _);
        Process(Check(), BrowserRelay, out _);
        _listener.Take();

        Process(Check() with { UseCandidate = true }, BrowserRelay, out _);

        Assert.Equal(IceState.Completed, _agent.State);
        Assert.Equal(["selected 198.51.100.7:3478", "state Completed"], _listener.Take());
        Process(Check() with { UseCandidate = true }, Browser, out _);
        Assert.Equal(["selected 192.0.2.10:50000"], _listener.Take());
    }

    [Fact]
    public void A_second_tuple_without_nomination_is_valid_but_not_selected()
    {
        Process(Check(), Browser, out _);
        _listener.Take();

        Process(Check(), BrowserRelay, out _);

        Assert.Equal(["added 198.51.100.7:3478"], _listener.Take());
        Assert.Equal(Browser, _agent.SelectedTuple!.Address.ToIPEndPoint());
        Assert.Equal(2, _agent.Tuples.Count);
    }

    [Fact]
    public void A_first_check_that_nominates_goes_straight_to_completed()
    {
        Process(Check() with { Nomination = 1 }, Browser, out _);

        Assert.Equal(["added 192.0.2.10:50000", "selected 192.0.2.10:50000", "state Completed"], _listener.Take());
    }

    [Fact]
    public void Nomination_selects_only_when_larger_than_the_last_one()
    {
        Process(Check() with { Nomination = 5 }, Browser, out _);
        _listener.Take();

        Process(Check() with { Nomination = 5 }, BrowserRelay, out _);
        Process(Check() with { Nomination = 3, UseCandidate = true }, BrowserRelay, out _);
        Assert.Equal(["added 198.51.100.7:3478"], _listener.Take());

        Process(Check() with { Nomination = 6 }, BrowserRelay, out _);
        Assert.Equal(["selected 198.51.100.7:3478"], _listener.Take());
        Assert.Equal(IceState.Completed, _agent.State);
    }

    [Fact]
    public void Consent_checks_keep_a_tuple_and_30_seconds_without_one_remove_it_and_disconnect()
    {
        Process(Check() with { UseCandidate = true }, Browser, out _);
        _listener.Take();

        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(5));
            Process(Check(), Browser, out _);
            _agent.CheckConsent();
        }

        Assert.Empty(_listener.Events);
        _clock.Advance(TimeSpan.FromSeconds(29.9));
        _agent.CheckConsent();
        Assert.Empty(_listener.Events);

        _clock.Advance(TimeSpan.FromSeconds(0.1));
        _agent.CheckConsent();

        Assert.Equal(["removed 192.0.2.10:50000", "state Disconnected"], _listener.Take());
        Assert.Equal(IceState.Disconnected, _agent.State);
        Assert.Null(_agent.SelectedTuple);
        Assert.Empty(_agent.Tuples);
    }

    [Fact]
    public void When_the_selected_tuple_loses_consent_the_most_recently_checked_one_takes_over()
    {
        Process(Check() with { UseCandidate = true }, Browser, out _);
        Process(Check(), BrowserRelay, out _);
        Process(Check(), BrowserV6, out _);
        _clock.Advance(TimeSpan.FromSeconds(20));
        Process(Check(), BrowserRelay, out _);
        _clock.Advance(TimeSpan.FromSeconds(1));
        _listener.Take();

        _clock.Advance(TimeSpan.FromSeconds(9));
        _agent.CheckConsent();

        Assert.Equal(["removed [2001:db8::10]:50001", "removed 192.0.2.10:50000", "selected 198.51.100.7:3478"], _listener.Take());
        Assert.Equal(IceState.Completed, _agent.State);
    }

    [Fact]
    public void A_valid_check_after_disconnection_connects_again()
    {
        Process(Check(), Browser, out _);
        _clock.Advance(TimeSpan.FromSeconds(31));
        _agent.CheckConsent();
        _listener.Take();

        Process(Check(), BrowserRelay, out _);

        Assert.Equal(["added 198.51.100.7:3478", "selected 198.51.100.7:3478", "state Connected"], _listener.Take());
    }

    [Fact]
    public void A_zero_consent_timeout_never_expires_a_tuple()
    {
        var agent = new IceLiteAgent(_listener, _clock, TimeSpan.Zero);
        var request = new BindingRequest { Username = agent.LocalCredentials.UsernameFragment + ":r", Password = agent.LocalCredentials.Password };
        agent.ProcessStun(request.ToBytes(), Browser.Serialize(), new byte[128], out _);

        _clock.Advance(TimeSpan.FromDays(1));
        agent.CheckConsent();

        Assert.Equal(IceState.Connected, agent.State);
        Assert.Single(agent.Tuples);
    }

    [Theory]
    [InlineData(9.9, false)]
    [InlineData(10, true)]
    [InlineData(60, true)]
    [InlineData(60.1, false)]
    public void The_consent_timeout_is_10_to_60_seconds(double seconds, bool valid)
    {
        var create = () => new IceLiteAgent(_listener, _clock, TimeSpan.FromSeconds(seconds));

        if (valid)
        {
            Assert.Equal(TimeSpan.FromSeconds(seconds), create().ConsentTimeout);
        }
        else
        {
            Assert.Throws<ArgumentOutOfRangeException>(create);
        }
    }

    [Fact]
    public void After_a_restart_the_old_credentials_work_until_the_new_ones_are_used()
    {
        var old = _agent.LocalCredentials;
        Process(Check() with { Nomination = 9 }, Browser, out _);

        var fresh = _agent.Restart();
        Assert.NotEqual(old.UsernameFragment, fresh.UsernameFragment);
        Assert.Same(fresh, _agent.LocalCredentials);

        var oldCheck = new BindingRequest { Username = old.UsernameFragment + ":r", Password = old.Password };
        Assert.Equal(IceCheckResult.Accepted, Process(oldCheck, Browser, out var response));
        Assert.True(StunMessage.TryParse(response, out var message));
        Assert.True(StunMessageIntegrity.Verify(response, message, Encoding.UTF8.GetBytes(old.Password)));

        // The nomination count starts over with the new session.
        _listener.Take();
        Assert.Equal(IceCheckResult.Accepted, Process(Check() with { Nomination = 1 }, BrowserRelay, out response));
        Assert.True(StunMessage.TryParse(response, out message));
        Assert.True(StunMessageIntegrity.Verify(response, message, Encoding.UTF8.GetBytes(fresh.Password)));
        Assert.Equal(["added 198.51.100.7:3478", "selected 198.51.100.7:3478"], _listener.Take());

        Assert.Equal(IceCheckResult.Unauthorized, Process(oldCheck, Browser, out _));
    }

    [Fact]
    public void A_ninth_tuple_evicts_the_one_checked_least_recently_but_never_the_selected_one()
    {
        Process(Check() with { UseCandidate = true }, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1), out _);
        for (var port = 2; port <= IceLiteAgent.MaxTuples; port++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            Process(Check(), new IPEndPoint(IPAddress.Parse("10.0.0.1"), port), out _);
        }

        _listener.Take();
        Process(Check(), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 9), out _);

        Assert.Equal(["removed 10.0.0.1:2", "added 10.0.0.1:9"], _listener.Take());
        Assert.Equal(IceLiteAgent.MaxTuples, _agent.Tuples.Count);
    }

    [Fact]
    public void Close_reports_every_tuple_removed_and_then_answers_nothing()
    {
        Process(Check(), Browser, out _);
        _listener.Take();

        _agent.Close();
        _agent.Close();

        Assert.Equal(["removed 192.0.2.10:50000"], _listener.Take());
        Assert.Equal(IceState.Closed, _agent.State);
        Assert.Equal(IceCheckResult.Ignored, Process(Check(), Browser, out var response));
        Assert.Empty(response);
        Assert.Throws<ObjectDisposedException>(() => _agent.Restart());
    }

    [Fact]
    public void Answering_a_consent_check_on_a_known_tuple_allocates_nothing()
    {
        var request = Check().ToBytes();
        var source = Browser.Serialize();
        var response = new byte[IceLiteAgent.MinResponseBufferLength];
        _agent.ProcessStun(request, source, response, out _);
        _agent.ProcessStun(request, source, response, out _);

        var accepted = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            accepted += _agent.ProcessStun(request, source, response, out _) == IceCheckResult.Accepted ? 1 : 0;
            accepted += _agent.FindTuple(source) is null ? 0 : 1;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(200, accepted);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_response_buffer_shorter_than_the_minimum_is_a_caller_bug()
    {
        Assert.Throws<ArgumentException>(() => _agent.ProcessStun(Check().ToBytes(), Browser.Serialize(), new byte[64], out _));
    }

    private BindingRequest Check() => Check(_agent);

    private static BindingRequest Check(IceLiteAgent agent) => new()
    {
        Username = agent.LocalCredentials.UsernameFragment + ":brwsr",
        Password = agent.LocalCredentials.Password,
    };

    private IceCheckResult Process(BindingRequest request, IPEndPoint source, out byte[] response)
    {
        var buffer = new byte[IceLiteAgent.MinResponseBufferLength];
        var result = _agent.ProcessStun(request.ToBytes(), source.Serialize(), buffer, out var length);
        response = buffer[..length];
        return result;
    }

    private static byte[] Rfc5769IPv4Response() => Stun.Rfc5769Vectors.IPv4Response;
}
