-- 0012_echo_mismatch: a 200 echoes the participant's record (Zero Hash: a fixed subset of fields; the seed: all of
-- it). A field echoed with another value than the one sent is kept here: the job succeeded (the API applied the
-- update), and this says where the API's record differs from what was sent.
CREATE TABLE echo_mismatch (
    id          INTEGER PRIMARY KEY,
    job_id      INTEGER NOT NULL REFERENCES job(id),
    target_id   INTEGER NOT NULL REFERENCES target(id),
    field       TEXT    NOT NULL,
    sent        TEXT,                  -- NULL once purged (backfill purge)
    echoed      TEXT,                  -- NULL: the answer left the field out (or purged)
    recorded_at INTEGER NOT NULL
);
CREATE INDEX echo_mismatch_target ON echo_mismatch(target_id, job_id);
CREATE INDEX echo_mismatch_job ON echo_mismatch(job_id);
