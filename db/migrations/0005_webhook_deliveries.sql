-- Webhook deliveries (Webhooks:Endpoints): one row per event and endpoint, updated by each attempt. Any appliance
-- sharing the database may run an attempt (Hangfire's shared queue), so the row, not the process, holds the state.
CREATE TABLE webhook_deliveries (
    id text PRIMARY KEY,
    endpoint text NOT NULL,
    url text NOT NULL,
    event_type text NOT NULL,
    channel_id text NOT NULL,
    payload text NOT NULL,
    created_at timestamptz NOT NULL,
    -- pending, delivered, retrying, failed
    state text NOT NULL,
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_attempt_at timestamptz,
    last_status_code integer,
    last_error text,
    delivered_at timestamptz
);

-- "The latest deliveries", newest first.
CREATE INDEX webhook_deliveries_created_at ON webhook_deliveries (created_at DESC, id);
