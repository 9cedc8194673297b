-- Persistent channel definitions: what the appliance restores at start. The runtime parts (router, camera session,
-- FFmpeg) are rebuilt from a row: RTSP channels reconnect, publisher channels wait for their publisher.
CREATE TABLE channels (
    -- The channel id: its router's id and its HLS folder name (same rule as router ids).
    id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,128}$' AND id NOT IN ('.', '..')),
    source text NOT NULL CHECK (source IN ('webrtc', 'rtsp', 'rtp')),

    -- RTSP cameras only. The URL carries no credentials; user name and password are AES-256-GCM ciphertexts
    -- (version byte, key id, nonce, tag, ciphertext; the channel id is authenticated with them).
    rtsp_url text,
    rtsp_transport text CHECK (rtsp_transport IN ('tcp', 'udp', 'auto')),
    rtsp_username_encrypted bytea,
    rtsp_password_encrypted bytea,

    -- HLS profile; NULL takes the appliance's configured default.
    hls_segment_seconds double precision CHECK (hls_segment_seconds BETWEEN 0.5 AND 60),
    hls_playlist_size integer CHECK (hls_playlist_size BETWEEN 1 AND 1000),
    hls_signed_urls boolean NOT NULL DEFAULT false,

    -- Retention; NULL takes the configured default.
    retention_max_age_seconds bigint CHECK (retention_max_age_seconds > 0),
    retention_max_bytes bigint CHECK (retention_max_bytes > 0),

    -- A router without a producer for this long releases its runtime parts; NULL: the configured default.
    idle_timeout_seconds integer CHECK (idle_timeout_seconds > 0),

    -- Lower-case hex SHA-256 of the publish token; the token itself is never stored.
    publish_token_hash text CHECK (publish_token_hash ~ '^[0-9a-f]{64}$'),

    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,

    CONSTRAINT channels_rtsp_fields CHECK (
        (source = 'rtsp' AND rtsp_url IS NOT NULL AND rtsp_transport IS NOT NULL)
        OR (source <> 'rtsp' AND rtsp_url IS NULL AND rtsp_transport IS NULL
            AND rtsp_username_encrypted IS NULL AND rtsp_password_encrypted IS NULL)),
    CONSTRAINT channels_password_needs_username CHECK (rtsp_password_encrypted IS NULL OR rtsp_username_encrypted IS NOT NULL)
);

-- Restore and the channel list read in creation order.
CREATE INDEX channels_created_at ON channels (created_at, id);
