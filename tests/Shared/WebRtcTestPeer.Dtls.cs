using System.Collections.Concurrent;
using System.Net.Sockets;
using Broadcast.Ingest.Dtls;
using Broadcast.Ingest.Protocols.Srtp;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using Org.BouncyCastle.X509;
using SrtpProtectionProfile = Broadcast.Ingest.Protocols.Srtp.SrtpProtectionProfile;

namespace Broadcast.Testing;

// The DTLS client (RFC 5764): BouncyCastle's blocking client on a thread of its own for the handshake, fed by the
// receive loop through a queue; then the SRTP keys; later records (the server's alerts) are read on the thread pool.
public sealed partial class WebRtcTestPeer
{
    private const int DtlsQueueCapacity = 64;
    private const int DtlsSendLimit = 1200;

    private readonly DtlsPipe _dtlsPipe;
    private readonly PeerTlsClient _tlsClient;
    private readonly Lock _dtlsGate = new();
    private readonly byte[] _dtlsReceiveBuffer = new byte[ReceiveBufferLength];
    private DtlsTransport? _dtls;
    private int _draining;
    private volatile bool _dtlsClosedByServer;

    /// <summary>True once the server sent close_notify (its transport closed).</summary>
    public bool DtlsClosedByServer => _dtlsClosedByServer;

    // The handshake thread: the client flights, the keys, and the SRTP context (in, the server's keys; out, ours).
    private void RunHandshake()
    {
        var transport = new DtlsClientProtocol().Connect(_tlsClient, _dtlsPipe);
        var keys = _tlsClient.Keys ?? throw new InvalidOperationException("The DTLS handshake ended without SRTP keys.");
        var srtp = new SrtpContext((SrtpProtectionProfile)(ushort)keys.Profile, keys.ServerWriteKey.Span, keys.ServerWriteSalt.Span,
            keys.ClientWriteKey.Span, keys.ClientWriteSalt.Span);
        lock (_dtlsGate)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                srtp.Dispose();
                CloseQuietly(transport);
                throw new ObjectDisposedException(nameof(WebRtcTestPeer));
            }

            _dtls = transport;
            Volatile.Write(ref _srtp, srtp);
        }

        ScheduleDrain(); // what came while the keys were being set
    }

    // On the receive loop: during the handshake the handshake thread reads the queue, after it the thread pool.
    private void OnDtls(ReadOnlySpan<byte> datagram)
    {
        if (!_dtlsPipe.TryEnqueue(datagram))
        {
            Interlocked.Increment(ref _unknownDatagrams);
            return;
        }

        ScheduleDrain();
    }

    private void ScheduleDrain()
    {
        if (Volatile.Read(ref _dtls) is not null && _dtlsPipe.HasPending && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static peer => peer.Drain(), this, preferLocal: false);
        }
    }

    // BouncyCastle reads the queued records: an alert is reported to the client (close_notify ends the session), a
    // fatal error ends it too. One drainer at a time; it never waits on an empty queue.
    private void Drain()
    {
        lock (_dtlsGate)
        {
            while (_dtls is { } transport && !_dtlsClosedByServer && _dtlsPipe.HasPending)
            {
                try
                {
                    transport.Receive(_dtlsReceiveBuffer, 0, _dtlsReceiveBuffer.Length, 1);
                }
                catch (IOException)
                {
                    _dtls = null;
                }
            }
        }

        Volatile.Write(ref _draining, 0);
        Pulse();
        ScheduleDrain();
    }

    // Dispose: close_notify if the session is up, then the queue ends so that a handshake still running fails at once.
    private void CloseDtls()
    {
        lock (_dtlsGate)
        {
            if (_dtls is { } transport && !_dtlsClosedByServer)
            {
                CloseQuietly(transport);
            }

            _dtls = null;
        }

        _dtlsPipe.Close();
    }

    private static void CloseQuietly(DtlsTransport transport)
    {
        try
        {
            transport.Close();
        }
        catch (IOException)
        {
            // best effort: the transport may be gone
        }
        catch (SocketException)
        {
        }
    }

    // A self-signed ECDSA P-256 certificate, as browsers make for each peer connection.
    private static (byte[] Der, AsymmetricKeyParameter PrivateKey) CreateCertificate()
    {
        var random = new SecureRandom();
        var keys = new ECKeyPairGenerator();
        keys.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
        var pair = keys.GenerateKeyPair();
        var name = new X509Name("CN=webrtc-test-peer");
        var serial = new byte[8];
        random.NextBytes(serial);
        var now = DateTime.UtcNow;
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(1, serial));
        generator.SetIssuerDN(name);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(now.AddDays(-1));
        generator.SetNotAfter(now.AddDays(30));
        generator.SetPublicKey(pair.Public);
        var certificate = generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", pair.Private, random));
        return (certificate.GetEncoded(), pair.Private);
    }

    /// <summary>
    /// The client's policy: DTLS 1.2, ECDHE_ECDSA with AEAD suites, use_srtp with the configured profiles, our
    /// certificate when asked, the server's certificate checked against its signalled fingerprint, the SRTP keys
    /// exported when the handshake completes (RFC 5764 §4.2).
    /// </summary>
    private sealed class PeerTlsClient : DefaultTlsClient
    {
        private static readonly int[] CipherSuites =
        [
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ];

        private readonly WebRtcTestPeer _peer;
        private readonly BcTlsCrypto _crypto;
        private readonly byte[] _certificateDer;
        private readonly AsymmetricKeyParameter _privateKey;
        private readonly DtlsFingerprint _serverFingerprint;
        private SrtpProfile? _profile;
        private volatile SrtpKeyingMaterial? _keys;

        public PeerTlsClient(WebRtcTestPeer peer, byte[] certificateDer, AsymmetricKeyParameter privateKey, DtlsFingerprint serverFingerprint)
            : this(new BcTlsCrypto(new SecureRandom()), peer, certificateDer, privateKey, serverFingerprint)
        {
        }

        private PeerTlsClient(BcTlsCrypto crypto, WebRtcTestPeer peer, byte[] certificateDer, AsymmetricKeyParameter privateKey,
            DtlsFingerprint serverFingerprint)
            : base(crypto)
        {
            _crypto = crypto;
            _peer = peer;
            _certificateDer = certificateDer;
            _privateKey = privateKey;
            _serverFingerprint = serverFingerprint;
        }

        public SrtpKeyingMaterial? Keys => _keys;

        public override int GetHandshakeTimeoutMillis() => (int)_peer._options.ConnectTimeout.TotalMilliseconds;

        protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

        protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, CipherSuites);

        public override IDictionary<int, byte[]> GetClientExtensions()
        {
            var extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetClientExtensions());
            var profiles = _peer._options.SrtpProfiles.Select(profile => (int)profile).ToArray();
            TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(profiles, TlsUtilities.EmptyBytes));
            return extensions;
        }

        public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
        {
            base.ProcessServerExtensions(serverExtensions);
            var answer = TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions);
            if (answer is null || answer.ProtectionProfiles.Length != 1 || answer.Mki.Length != 0
                || !_peer._options.SrtpProfiles.Contains((SrtpProfile)answer.ProtectionProfiles[0]))
            {
                throw new TlsFatalAlert(AlertDescription.illegal_parameter, "use_srtp must answer one profile we offered and no MKI");
            }

            _profile = (SrtpProfile)answer.ProtectionProfiles[0];
        }

        public override void NotifyHandshakeComplete()
        {
            base.NotifyHandshakeComplete();
            // Export now: BouncyCastle clears the security parameters once Connect returns.
            var profile = _profile!.Value;
            var exported = m_context.ExportKeyingMaterial(SrtpKeyingMaterial.ExporterLabel, null, SrtpKeyingMaterial.ExportLength(profile));
            _keys = SrtpKeyingMaterial.Split(profile, exported);
        }

        public override void NotifyAlertReceived(short alertLevel, short alertDescription)
        {
            base.NotifyAlertReceived(alertLevel, alertDescription);
            if (alertDescription == AlertDescription.close_notify)
            {
                _peer._dtlsClosedByServer = true;
            }
        }

        public override TlsAuthentication GetAuthentication() => new Authentication(this);

        private sealed class Authentication(PeerTlsClient client) : TlsAuthentication
        {
            public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
            {
                var der = serverCertificate.Certificate.GetCertificateAt(0).GetEncoded();
                if (!client._serverFingerprint.Matches(der))
                {
                    throw new TlsFatalAlert(AlertDescription.bad_certificate, $"the server's certificate does not match {client._serverFingerprint}");
                }
            }

            public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest)
            {
                var chain = new Certificate([client._crypto.CreateCertificate(client._certificateDer)]);
                return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(client.m_context), client._crypto, client._privateKey, chain,
                    SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
            }
        }
    }

    /// <summary>
    /// The <see cref="DatagramTransport"/> under BouncyCastle: the receive loop queues DTLS datagrams (copied, never
    /// waiting; a full queue drops), receives wait on the queue as long as BouncyCastle's timers ask, sends go straight
    /// to the socket. Once closed, receives throw so that no handshake waits on a peer that is gone.
    /// </summary>
    private sealed class DtlsPipe(Socket socket) : DatagramTransport, IDisposable
    {
        private readonly BlockingCollection<byte[]> _queue = new(DtlsQueueCapacity);

        public bool HasPending => _queue.Count > 0;

        public bool TryEnqueue(ReadOnlySpan<byte> datagram)
        {
            try
            {
                return _queue.TryAdd(datagram.ToArray());
            }
            catch (InvalidOperationException)
            {
                return false; // closed
            }
        }

        public int GetReceiveLimit() => ReceiveBufferLength;

        public int GetSendLimit() => DtlsSendLimit;

        public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

        public int Receive(Span<byte> buffer, int waitMillis)
        {
            if (_queue.IsCompleted)
            {
                throw new IOException("The peer is closed.");
            }

            if (!_queue.TryTake(out var datagram, waitMillis <= 0 ? Timeout.Infinite : waitMillis))
            {
                return _queue.IsCompleted ? throw new IOException("The peer is closed.") : -1;
            }

            var length = Math.Min(datagram.Length, buffer.Length);
            datagram.AsSpan(0, length).CopyTo(buffer);
            return length;
        }

        public void Send(byte[] buf, int off, int len) => socket.Send(buf, off, len, SocketFlags.None);

        public void Send(ReadOnlySpan<byte> buffer) => socket.Send(buffer);

        public void Close()
        {
            if (!_queue.IsAddingCompleted)
            {
                _queue.CompleteAdding();
            }
        }

        public void Dispose() => _queue.Dispose();
    }
}
