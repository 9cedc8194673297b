-- A channel's HLS segment format: 'fmp4' (Low-Latency HLS from our packager) or 'mpegts' (classic HLS written by
-- FFmpeg); NULL takes the appliance's configured default (Hls:Format).
ALTER TABLE channels ADD COLUMN hls_format text CHECK (hls_format IN ('fmp4', 'mpegts'));
