-- 0003_ledger: sending. Every attempt is a row of `attempt`; a job carries its sending state.
ALTER TABLE job ADD COLUMN attempts        INTEGER NOT NULL DEFAULT 0; -- attempts used (429s and interruptions excluded)
ALTER TABLE job ADD COLUMN next_attempt_at INTEGER;                    -- not before this (backoff), epoch ms
ALTER TABLE job ADD COLUMN last_attempt_at INTEGER;
ALTER TABLE job ADD COLUMN last_status     INTEGER;                    -- HTTP status of the last answer
ALTER TABLE job ADD COLUMN error_class     TEXT;                       -- of the last attempt that did not succeed
ALTER TABLE job ADD COLUMN last_message    TEXT;                       -- the API's message, whichever shape it came in
ALTER TABLE job ADD COLUMN response        BLOB;                       -- the 200 answer's body

-- One row per attempt, in the order they ended. outcome: 'succeeded' | 'failed' | 'retry' | 'rate_limited'
-- | 'stopped' | 'interrupted' (a crashed run's attempt, found in flight at the next start).
CREATE TABLE attempt (
    id              INTEGER PRIMARY KEY,
    job_id          INTEGER NOT NULL REFERENCES job(id),
    number          INTEGER NOT NULL,              -- the job's attempt number (1-based)
    request_id      TEXT    NOT NULL,
    started_at      INTEGER NOT NULL,              -- epoch ms
    ended_at        INTEGER NOT NULL,
    latency_ms      INTEGER NOT NULL,
    http_status     INTEGER,                       -- NULL when no answer came
    outcome         TEXT    NOT NULL,
    error_class     TEXT,
    message         TEXT,
    response_body   BLOB                           -- capped at 4 KiB
);
CREATE INDEX attempt_job ON attempt(job_id);
CREATE INDEX attempt_ended ON attempt(ended_at);

-- Runs, for the summary and the report: when, against what, and how they ended.
CREATE TABLE run (
    id              INTEGER PRIMARY KEY,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    base_url        TEXT    NOT NULL,
    rate            TEXT    NOT NULL,
    concurrency     INTEGER NOT NULL,
    exit_code       INTEGER,
    stop_reason     TEXT
);

CREATE INDEX job_pending ON job(is_current, state, next_attempt_at);
