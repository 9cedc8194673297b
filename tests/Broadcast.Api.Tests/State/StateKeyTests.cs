using System.Security.Cryptography;
using System.Text;
using Broadcast.Api.State;

namespace Broadcast.Api.Tests.State;

/// <summary>The key that encrypts secrets at rest, and the AES-256-GCM format it is used in. Pure: no database.</summary>
public sealed class StateKeyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("broadcast-key-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_base64_key_of_32_bytes_is_used_as_is()
    {
        var raw = RandomNumberGenerator.GetBytes(32);

        var key = StateKey.FromSecret(Convert.ToBase64String(raw));

        Assert.Equal(raw, key.Bytes.ToArray());
        Assert.Equal("State:SecretKey", key.Origin);
        Assert.Matches("^[0-9a-f]{8}$", key.Id);
    }

    [Fact]
    public void A_passphrase_is_stretched_to_the_same_key_every_time_and_another_one_gives_another_key()
    {
        var first = StateKey.FromSecret("correct horse battery staple");
        var again = StateKey.FromSecret("correct horse battery staple");
        var other = StateKey.FromSecret("correct horse battery stapler");

        Assert.Equal(32, first.Bytes.Length);
        Assert.Equal(first.Bytes.ToArray(), again.Bytes.ToArray());
        Assert.Equal(first.Id, again.Id);
        Assert.NotEqual(first.Id, other.Id);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_key_file_is_created_with_mode_0600_and_read_back_on_the_next_start()
    {
        var path = Path.Combine(_folder, "data", "broadcast.key");

        var created = StateKey.FromKeyFile(path, out var wasCreated);
        var read = StateKey.FromKeyFile(path, out var createdAgain);

        Assert.True(wasCreated);
        Assert.False(createdAgain);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.False(StateKey.IsOpenToOthers(path));
        Assert.Equal(created.Bytes.ToArray(), read.Bytes.ToArray());
        Assert.Equal($"key file {path}", read.Origin);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void Processes_creating_the_key_file_at_once_end_up_with_one_key()
    {
        var path = Path.Combine(_folder, "race.key");

        var keys = Enumerable.Range(0, 8).AsParallel().Select(_ => StateKey.FromKeyFile(path, out var _).Id).ToList();

        Assert.Single(keys.Distinct());
    }

    [Fact]
    public void A_key_file_without_a_key_is_a_clear_error()
    {
        var path = Path.Combine(_folder, "broken.key");
        File.WriteAllText(path, "not a key");

        var error = Assert.Throws<InvalidOperationException>(() => StateKey.FromKeyFile(path, out _));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("base64 of 32 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ciphertext_is_versioned_names_its_key_and_does_not_contain_the_secret()
    {
        var cipher = new SecretCipher(StateKey.FromSecret("a passphrase of some length"));

        var blob = cipher.Encrypt("hunter2", "cam1", "rtsp_password");

        Assert.Equal(SecretCipher.Version1, blob[0]);
        Assert.Equal(cipher.Key.Id, SecretCipher.KeyIdOf(blob));
        Assert.Equal(1 + 4 + 12 + 16 + "hunter2".Length, blob.Length);
        Assert.DoesNotContain("hunter2", Encoding.Latin1.GetString(blob), StringComparison.Ordinal);
        Assert.Equal("hunter2", cipher.Decrypt(blob, "cam1", "rtsp_password"));
        Assert.NotEqual(blob, cipher.Encrypt("hunter2", "cam1", "rtsp_password")); // a new nonce every time
    }

    [Theory]
    [InlineData("cam2", "rtsp_password")]
    [InlineData("cam1", "rtsp_username")]
    public void A_ciphertext_moved_to_another_channel_or_field_does_not_decrypt(string channel, string field)
    {
        var cipher = new SecretCipher(StateKey.FromSecret("a passphrase of some length"));
        var blob = cipher.Encrypt("hunter2", "cam1", "rtsp_password");

        var error = Assert.Throws<StateSecretException>(() => cipher.Decrypt(blob, channel, field));

        Assert.Contains("does not authenticate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ciphertext_of_another_key_is_reported_with_both_key_ids_and_what_to_set()
    {
        var saved = new SecretCipher(StateKey.FromSecret("the key the channels were saved with"));
        var configured = new SecretCipher(StateKey.FromSecret("a different key altogether"));
        var blob = saved.Encrypt("hunter2", "cam1", "rtsp_password");

        var error = Assert.Throws<StateSecretException>(() => configured.Decrypt(blob, "cam1", "rtsp_password"));

        Assert.Contains(saved.Key.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains(configured.Key.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains("BROADCAST_SECRET_KEY", error.Message, StringComparison.Ordinal);
        Assert.Contains("channel 'cam1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ciphertext_in_an_unknown_format_is_refused()
    {
        var cipher = new SecretCipher(StateKey.FromSecret("a passphrase of some length"));
        var blob = cipher.Encrypt("hunter2", "cam1", "rtsp_password");
        blob[0] = 2;

        var error = Assert.Throws<StateSecretException>(() => cipher.Decrypt(blob, "cam1", "rtsp_password"));

        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_state_options_validator_reports_every_error_without_echoing_secrets()
    {
        var options = new StateOptions
        {
            ConnectionString = "Hots=db;Password=hunter2",
            SecretKey = "hunter2",
            DatabaseWait = TimeSpan.FromHours(1),
        };

        var result = new StateOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.Contains("ConnectionStrings__Broadcast", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("BROADCAST_SECRET_KEY", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("State:DatabaseWait", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Failures!, f => f.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void A_random_base64_key_and_a_long_passphrase_are_both_valid()
    {
        var validator = new StateOptionsValidator();

        Assert.True(validator.Validate(null, new StateOptions { SecretKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }).Succeeded);
        Assert.True(validator.Validate(null, new StateOptions { SecretKey = "sixteen chars ok", ConnectionString = "Host=db;Database=broadcast" }).Succeeded);
    }
}
