-- Runs of the recurring jobs (cleanup, segment retention) as the API shows them: what each run did and why.
-- Several appliances may share the database; host names which one ran it.
CREATE TABLE job_runs (
    id bigserial PRIMARY KEY,
    job text NOT NULL,
    host text NOT NULL,
    started_at timestamptz NOT NULL,
    duration_ms double precision NOT NULL CHECK (duration_ms >= 0),
    summary text NOT NULL,
    -- [{"channel", "target", "action", "reason", "bytes"}, ...]
    actions jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(actions) = 'array')
);

-- "The latest runs of a job", newest first.
CREATE INDEX job_runs_job_started_at ON job_runs (job, started_at DESC, id DESC);
