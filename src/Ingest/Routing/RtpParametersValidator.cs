namespace Broadcast.Ingest.Routing;

/// <summary>mediasoup's validateRtpParameters plus the checks transport.produce() makes, with errors naming the field.</summary>
public static class RtpParametersValidator
{
    public static void ValidateProducer(string? kind, RtpParameters? parameters)
    {
        if (!MediaKinds.IsValid(kind))
        {
            throw new InvalidFieldException("kind", "kind must be \"audio\" or \"video\".");
        }

        if (parameters is null)
        {
            throw new InvalidFieldException("rtpParameters", "rtpParameters is required.");
        }

        if (parameters.Codecs is null || parameters.Codecs.Count == 0)
        {
            throw new InvalidFieldException("rtpParameters.codecs", "rtpParameters.codecs must list at least one codec.");
        }

        var payloadTypes = new HashSet<int>();
        for (var i = 0; i < parameters.Codecs.Count; i++)
        {
            var field = $"rtpParameters.codecs[{i}]";
            var codec = parameters.Codecs[i];
            if (string.IsNullOrEmpty(codec.MimeType) || MediaKinds.FromMimeType(codec.MimeType) is not { } codecKind)
            {
                throw new InvalidFieldException($"{field}.mimeType", $"'{codec.MimeType}' is not an audio/ or video/ MIME type.");
            }

            if (codecKind != kind)
            {
                throw new InvalidFieldException($"{field}.mimeType", $"{codec.MimeType} does not match kind \"{kind}\".");
            }

            if (codec.PayloadType is < 0 or > 127)
            {
                throw new InvalidFieldException($"{field}.payloadType", "payloadType must be 0..127.");
            }

            if (!payloadTypes.Add(codec.PayloadType))
            {
                throw new InvalidFieldException($"{field}.payloadType", $"payloadType {codec.PayloadType} is used twice.");
            }

            if (codec.ClockRate <= 0)
            {
                throw new InvalidFieldException($"{field}.clockRate", "clockRate must be positive.");
            }

            if (codec.Channels is <= 0)
            {
                throw new InvalidFieldException($"{field}.channels", "channels must be positive.");
            }

            if (Ortc.IsRtx(codec.MimeType) && (!codec.Parameters.TryGetValue("apt", out var apt) || apt is not long))
            {
                throw new InvalidFieldException($"{field}.parameters.apt", "An rtx codec needs a numeric apt parameter.");
            }
        }

        if (parameters.Codecs.All(c => Ortc.IsRtx(c.MimeType)))
        {
            throw new InvalidFieldException("rtpParameters.codecs", "rtpParameters.codecs has no media codec.");
        }

        for (var i = 0; i < parameters.HeaderExtensions.Count; i++)
        {
            var extension = parameters.HeaderExtensions[i];
            if (string.IsNullOrEmpty(extension.Uri))
            {
                throw new InvalidFieldException($"rtpParameters.headerExtensions[{i}].uri", "uri is required.");
            }

            if (extension.Id is < 1 or > 255)
            {
                throw new InvalidFieldException($"rtpParameters.headerExtensions[{i}].id", "id must be 1..255.");
            }
        }

        ValidateEncodings(parameters);
    }

    private static void ValidateEncodings(RtpParameters parameters)
    {
        var encodings = parameters.Encodings;
        if (encodings.Count > 1)
        {
            for (var i = 0; i < encodings.Count; i++)
            {
                if (encodings[i].Ssrc is null && string.IsNullOrEmpty(encodings[i].Rid))
                {
                    throw new InvalidFieldException($"rtpParameters.encodings[{i}]", "With several encodings each needs an ssrc or a rid.");
                }
            }
        }
        else if ((encodings.Count == 0 || (encodings[0].Ssrc is null && string.IsNullOrEmpty(encodings[0].Rid)))
            && string.IsNullOrEmpty(parameters.Mid))
        {
            throw new InvalidFieldException("rtpParameters.encodings", "An encoding without ssrc or rid needs rtpParameters.mid to identify the stream.");
        }

        var ssrcs = new HashSet<uint>();
        for (var i = 0; i < encodings.Count; i++)
        {
            if ((encodings[i].Ssrc is { } ssrc && !ssrcs.Add(ssrc)) || (encodings[i].Rtx?.Ssrc is { } rtx && !ssrcs.Add(rtx)))
            {
                throw new InvalidFieldException($"rtpParameters.encodings[{i}].ssrc", "An SSRC is used twice.");
            }
        }
    }

    public static void ValidateCapabilities(RtpCapabilities? caps, string field = "rtpCapabilities")
    {
        if (caps is null)
        {
            throw new InvalidFieldException(field, $"{field} is required.");
        }

        for (var i = 0; i < caps.Codecs.Count; i++)
        {
            var codec = caps.Codecs[i];
            if (string.IsNullOrEmpty(codec.MimeType) || MediaKinds.FromMimeType(codec.MimeType) is null)
            {
                throw new InvalidFieldException($"{field}.codecs[{i}].mimeType", $"'{codec.MimeType}' is not an audio/ or video/ MIME type.");
            }

            if (codec.PreferredPayloadType is null)
            {
                throw new InvalidFieldException($"{field}.codecs[{i}].preferredPayloadType", "preferredPayloadType is required.");
            }
        }
    }
}
