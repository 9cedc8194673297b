// CONTRACT STUBS: the Protocols helper replaces this file with H264Payload.cs and Vp8Payload.cs (same signatures).
namespace Broadcast.Ingest.Protocols.Codecs;

public static class H264Payload
{
    public static bool IsKeyFrame(ReadOnlySpan<byte> payload) => throw new NotImplementedException();
}

public static class Vp8Payload
{
    public static bool IsKeyFrame(ReadOnlySpan<byte> payload) => throw new NotImplementedException();
}
