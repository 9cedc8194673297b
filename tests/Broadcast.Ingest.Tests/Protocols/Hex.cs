namespace Broadcast.Ingest.Tests.Protocols;

/// <summary>Byte fixtures written as hex with spaces or line breaks between groups, as captures print them.</summary>
internal static class Hex
{
    public static byte[] Bytes(string hex) =>
        Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)
            .Replace("\n", "", StringComparison.Ordinal)
            .Replace("\r", "", StringComparison.Ordinal));
}
