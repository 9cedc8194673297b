namespace Broadcast.Ingest.Protocols.Srtp;

/// <summary>
/// The 48-bit SRTP packet index <c>i = 2^16·ROC + SEQ</c> guessed from a 16-bit sequence number and the highest
/// index accepted so far (RFC 3711 §3.3.1 and appendix A), whose upper 32 bits are the rollover counter ROC and
/// lower 16 bits s_l.
/// <code>
///   if s_l &lt; 2^15:  v = (SEQ − s_l &gt; 2^15) ? ROC − 1 : ROC      (a late packet from before the wrap)
///   else:           v = (s_l − 2^15 &gt; SEQ) ? ROC + 1 : ROC      (the sequence wrapped)
///   i = 2^16·v + SEQ
/// </code>
/// The caller commits <c>max(highest, i)</c> only once the packet authenticates: that is exactly the RFC's
/// "ROC = v, s_l = SEQ when v = ROC + 1; s_l = SEQ when v = ROC and SEQ &gt; s_l".
/// </summary>
internal static class SrtpPacketIndex
{
    private const int Half = 1 << 15;

    /// <summary>The guessed index; negative for a packet from before the stream's first one (v = −1).</summary>
    public static long Estimate(ulong highestIndex, ushort sequenceNumber)
    {
        var roc = (long)(highestIndex >> 16);
        var sl = (int)(highestIndex & 0xFFFF);
        long v;
        if (sl < Half)
        {
            v = sequenceNumber - sl > Half ? roc - 1 : roc;
        }
        else
        {
            v = sl - Half > sequenceNumber ? roc + 1 : roc;
        }

        return (v << 16) + sequenceNumber;
    }
}
