using System.Security.Cryptography;
using System.Text;

namespace Broadcast.Ingest.Ice;

/// <summary>
/// A local ICE username fragment and password (RFC 8445 §5.3): random from a CSPRNG over [0-9a-z] like
/// mediasoup's, 16 and 32 characters (RFC 8839 asks at least 4 and 22).
/// </summary>
public sealed class IceCredentials
{
    public const int MinUsernameFragmentLength = 4;
    public const int MinPasswordLength = 22;
    public const int MaxLength = 256;
    private const int GeneratedUsernameFragmentLength = 16;
    private const int GeneratedPasswordLength = 32;
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>Given credentials; they must be ice-chars (ALPHA, DIGIT, '+', '/') of the RFC 8839 lengths.</summary>
    public IceCredentials(string usernameFragment, string password)
    {
        Validate(usernameFragment, MinUsernameFragmentLength, nameof(usernameFragment));
        Validate(password, MinPasswordLength, nameof(password));
        UsernameFragment = usernameFragment;
        Password = password;
        UsernameFragmentBytes = Encoding.ASCII.GetBytes(usernameFragment);
        PasswordBytes = Encoding.ASCII.GetBytes(password);
    }

    public string UsernameFragment { get; }

    public string Password { get; }

    internal byte[] UsernameFragmentBytes { get; }

    /// <summary>The MESSAGE-INTEGRITY key.</summary>
    internal byte[] PasswordBytes { get; }

    public static IceCredentials Generate() => new(
        RandomNumberGenerator.GetString(Alphabet, GeneratedUsernameFragmentLength),
        RandomNumberGenerator.GetString(Alphabet, GeneratedPasswordLength));

    /// <summary>The password stays out of logs.</summary>
    public override string ToString() => $"IceCredentials {{ UsernameFragment = {UsernameFragment} }}";

    /// <summary>True when a USERNAME value is <c>"&lt;our ufrag&gt;:&lt;anything&gt;"</c>.</summary>
    internal bool IsLocalPartOf(ReadOnlySpan<byte> username) =>
        username.Length > UsernameFragmentBytes.Length
        && username[UsernameFragmentBytes.Length] == (byte)':'
        && username.StartsWith(UsernameFragmentBytes);

    private static void Validate(string value, int minLength, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Length < minLength || value.Length > MaxLength)
        {
            throw new ArgumentException($"{name} must have {minLength} to {MaxLength} characters.", name);
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '+' and not '/')
            {
                throw new ArgumentException($"{name} may hold only letters, digits, '+' and '/'.", name);
            }
        }
    }
}
