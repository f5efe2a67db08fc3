-- 0013_across_participants: rules that span participants (issue 20).
--
-- Email handovers. Emails are unique per platform: a participant that takes an address another participant gave
-- up earlier in the input history is sent only after the giver's change has succeeded on the same target.
-- email_release lists the addresses each participant gave up (latest mode: written by the fold from the rows;
-- history mode reads its steps instead). email_handover is the plan the email pass makes after every ingest: the
-- taker's job waits for the giver's job. A cycle of takers (a swap) cannot be ordered: its jobs are held, and
-- job.email_cycle names the other participants of the cycle.
CREATE TABLE email_release (
    participant_code TEXT    NOT NULL,
    email            TEXT    NOT NULL,   -- an address the participant had and gave up (as folded: exact bytes)
    released_at      INTEGER NOT NULL,   -- platform_updated_at of the row that changed it
    PRIMARY KEY (participant_code, email)
) WITHOUT ROWID;
CREATE INDEX email_release_email ON email_release(email);

CREATE TABLE email_handover (
    taker_job_id INTEGER NOT NULL REFERENCES job(id),
    giver_job_id INTEGER NOT NULL REFERENCES job(id),
    email        TEXT    NOT NULL,
    PRIMARY KEY (taker_job_id, giver_job_id)
) WITHOUT ROWID;
CREATE INDEX email_handover_giver ON email_handover(giver_job_id);

ALTER TABLE job ADD COLUMN email_cycle TEXT;  -- the other participants of an email cycle holding this job, ', '-separated

-- An "email already used" answer from a holder the input does not show: the job waits (deferred = 1) until every
-- other job of the run on the target has been answered, then is sent once more with the same request id
-- (deferred = 2); a second refusal fails it (email_taken).
ALTER TABLE job_send ADD COLUMN deferred INTEGER NOT NULL DEFAULT 0 CHECK (deferred = 0 OR deferred = 1 OR deferred = 2);

-- Jurisdiction moves: one row per change of jurisdiction in a participant's accepted history, written by the fold
-- (backfill report --moves, the status line, the page). Codes are ISO 3166-2 where the state resolves.
CREATE TABLE jurisdiction_move (
    participant_code TEXT    NOT NULL,
    moved_at         INTEGER NOT NULL,   -- platform_updated_at of the row that moved
    from_country     TEXT,
    from_state       TEXT,
    from_code        TEXT,               -- ISO 3166-2 (US-NY) when known, else NULL
    to_country       TEXT,
    to_state         TEXT,
    to_code          TEXT,
    PRIMARY KEY (participant_code, moved_at)
) WITHOUT ROWID;

-- Sends that waited for an email held by someone else, found without walking every send of the target.
CREATE INDEX job_send_deferred ON job_send(target_id, state) WHERE deferred != 0;
