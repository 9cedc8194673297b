-- Appliances sharing this database, and which of them owns each channel. An appliance upserts its row on every
-- heartbeat; rows silent for Cluster:ForgetAfter are deleted by the next heartbeat of any other appliance.
-- Times are the database's own (now()), so appliances' clocks need not agree.
CREATE TABLE appliances (
    id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
    -- Where clients reach it: the base URL of its API, HLS, WHIP and WHEP, used in 307 redirects.
    public_url text NOT NULL,
    -- The address it announces in ICE candidates and plain RTP transports.
    media_address text,
    started_at timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    -- Set by an admin (any appliance's API): its channels move away, nothing new is placed on it.
    draining boolean NOT NULL DEFAULT false,
    -- Load at the last heartbeat.
    channels integer NOT NULL DEFAULT 0 CHECK (channels >= 0),
    viewers integer NOT NULL DEFAULT 0 CHECK (viewers >= 0),
    cpu_percent double precision NOT NULL DEFAULT 0,
    -- A random tag of the process that wrote the last heartbeat: another tag between two of one's own heartbeats
    -- means a second process runs with the same id.
    instance text NOT NULL DEFAULT ''
);

-- A persistent channel's owner: the one appliance that pulls its camera, takes its publishers and packages its HLS.
-- The owner renews the lease on every heartbeat; once expires_at passes, another live appliance takes it over.
CREATE TABLE channel_leases (
    channel_id text PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    owner text NOT NULL,
    expires_at timestamptz NOT NULL,
    acquired_at timestamptz NOT NULL
);

-- Renewing "every lease of mine" and counting an appliance's channels.
CREATE INDEX channel_leases_owner ON channel_leases (owner);
