-- 0004_targets: where a job was sent is part of its state. A target is a profile plus a base URL; a job's
-- sending state (job_send), its attempts and the runs belong to the target they were sent to. The job keeps
-- what ingest decided: state 'pending' (ready to send) | 'held' | 'superseded' (no longer current).

CREATE TABLE target (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,      -- short name: cert, prod, ndax, or the base URL
    profile     TEXT    NOT NULL,      -- 'zerohash' | 'ndax'
    base_url    TEXT    NOT NULL,      -- no trailing slash
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX target_identity ON target(profile, base_url);

-- The targets of the runs made before this step: one per base URL. Runs did not record their profile, so
-- NDAX's documented host says ndax and every other URL zerohash.
INSERT INTO target (name, profile, base_url, created_at)
SELECT CASE base_url WHEN 'https://api.cert.zerohash.com' THEN 'cert'
                     WHEN 'https://api.zerohash.com' THEN 'prod'
                     WHEN 'https://api.ndax.in' THEN 'ndax'
                     ELSE base_url END,
       CASE WHEN base_url = 'https://api.ndax.in' THEN 'ndax' ELSE 'zerohash' END,
       base_url, min(started_at)
FROM run GROUP BY base_url ORDER BY min(id);

ALTER TABLE run ADD COLUMN target_id INTEGER REFERENCES target(id);
ALTER TABLE run ADD COLUMN profile TEXT;
UPDATE run SET target_id = (SELECT t.id FROM target t WHERE t.base_url = run.base_url),
               profile = CASE WHEN base_url = 'https://api.ndax.in' THEN 'ndax' ELSE 'zerohash' END;

-- One row per job and target it has been claimed for. A ready current job with no row here is pending there.
CREATE TABLE job_send (
    target_id       INTEGER NOT NULL REFERENCES target(id),
    job_id          INTEGER NOT NULL REFERENCES job(id),
    state           TEXT    NOT NULL,      -- 'pending' | 'claimed' (taken, not sent) | 'in_flight' | 'succeeded' | 'failed'
    attempts        INTEGER NOT NULL DEFAULT 0, -- attempts used (429s and interruptions excluded)
    next_attempt_at INTEGER,               -- not before this (backoff), epoch ms
    last_attempt_at INTEGER,
    last_status     INTEGER,               -- HTTP status of the last answer
    error_class     TEXT,                  -- of the last attempt that did not succeed
    last_message    TEXT,                  -- the API's message, whichever shape it came in
    response        BLOB,                  -- the 200 answer's body
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (target_id, job_id)
) WITHOUT ROWID;
CREATE INDEX job_send_due ON job_send(target_id, state, next_attempt_at);
CREATE INDEX job_send_job ON job_send(job_id);

-- A database from before this step keeps its history: its sending state moves to the target of its latest run.
INSERT INTO job_send (target_id, job_id, state, attempts, next_attempt_at, last_attempt_at, last_status,
                      error_class, last_message, response, updated_at)
SELECT (SELECT target_id FROM run ORDER BY id DESC LIMIT 1), id,
       CASE WHEN state IN ('in_flight', 'succeeded', 'failed') THEN state ELSE 'pending' END,
       attempts, next_attempt_at, last_attempt_at, last_status, error_class, last_message, response, updated_at
FROM job
WHERE EXISTS (SELECT 1 FROM run)
  AND (state IN ('in_flight', 'succeeded', 'failed') OR attempts > 0 OR next_attempt_at IS NOT NULL
       OR last_status IS NOT NULL);
UPDATE job SET state = CASE WHEN is_current = 0 THEN 'superseded' WHEN state = 'held' THEN 'held' ELSE 'pending' END;

-- Each attempt belongs to the target of the run that made it (the latest run started before it).
ALTER TABLE attempt ADD COLUMN target_id INTEGER REFERENCES target(id);
UPDATE attempt SET target_id = coalesce(
    (SELECT r.target_id FROM run r WHERE r.started_at <= attempt.started_at ORDER BY r.started_at DESC, r.id DESC LIMIT 1),
    (SELECT target_id FROM run ORDER BY id DESC LIMIT 1));
ALTER TABLE attempt ADD COLUMN run_id INTEGER REFERENCES run(id);
UPDATE attempt SET run_id =
    (SELECT r.id FROM run r WHERE r.started_at <= attempt.started_at ORDER BY r.started_at DESC, r.id DESC LIMIT 1);
CREATE INDEX attempt_target ON attempt(target_id, ended_at);
CREATE INDEX attempt_run ON attempt(run_id);

DROP INDEX job_pending;
ALTER TABLE job DROP COLUMN attempts;
ALTER TABLE job DROP COLUMN next_attempt_at;
ALTER TABLE job DROP COLUMN last_attempt_at;
ALTER TABLE job DROP COLUMN last_status;
ALTER TABLE job DROP COLUMN error_class;
ALTER TABLE job DROP COLUMN last_message;
ALTER TABLE job DROP COLUMN response;

-- The run lock tells its holder from a process that reused the pid: the holder's start time (boot id and
-- clock ticks since boot, from /proc), and what it was doing.
ALTER TABLE run_lock ADD COLUMN process_start TEXT;
ALTER TABLE run_lock ADD COLUMN command TEXT;
