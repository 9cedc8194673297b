namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>
/// Both directions of a DTLS-SRTP association: <see cref="Inbound"/> keyed with the peer's master key and salt
/// (unprotects what it sends us), <see cref="Outbound"/> with ours (protects what we send). As the DTLS server
/// of RFC 5764 §4.2 the remote keys are the client_write ones and the local keys the server_write ones.
/// </summary>
public sealed class SrtpContext : IDisposable
{
    public SrtpContext(SrtpProtectionProfile profile, ReadOnlySpan<byte> remoteMasterKey, ReadOnlySpan<byte> remoteMasterSalt,
        ReadOnlySpan<byte> localMasterKey, ReadOnlySpan<byte> localMasterSalt)
    {
        Inbound = new SrtpSession(profile, remoteMasterKey, remoteMasterSalt);
        try
        {
            Outbound = new SrtpSession(profile, localMasterKey, localMasterSalt);
        }
        catch
        {
            Inbound.Dispose();
            throw;
        }
    }

    public SrtpProtectionProfile Profile => Inbound.Profile;

    public SrtpSession Inbound { get; }

    public SrtpSession Outbound { get; }

    /// <summary>Master key length in bytes for a profile.</summary>
    public static int MasterKeyLength(SrtpProtectionProfile profile) => SrtpProfileParameters.For(profile).KeyLength;

    /// <summary>Master salt length in bytes for a profile (14 for AES-CM, 12 for GCM).</summary>
    public static int MasterSaltLength(SrtpProtectionProfile profile) => SrtpProfileParameters.For(profile).SaltLength;

    public SrtpStatus UnprotectRtp(Span<byte> packet, out int length) => Inbound.UnprotectRtp(packet, out length);

    public SrtpStatus UnprotectRtcp(Span<byte> packet, out int length) => Inbound.UnprotectRtcp(packet, out length);

    public SrtpStatus ProtectRtcp(Span<byte> buffer, int length, out int protectedLength) =>
        Outbound.ProtectRtcp(buffer, length, out protectedLength);

    public SrtpStatus ProtectRtp(Span<byte> buffer, int length, out int protectedLength) =>
        Outbound.ProtectRtp(buffer, length, out protectedLength);

    public void Dispose()
    {
        Inbound.Dispose();
        Outbound.Dispose();
    }
}
