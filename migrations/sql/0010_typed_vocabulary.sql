-- 0010_typed_vocabulary: every state column holds only the words of its enum (CHECK constraints), a run keeps its
-- stop code and its message apart, and each hold reason stores its kind. The tables are rebuilt in place (same
-- ids, same indexes, same triggers); the words below are the raw values of the Swift enums named beside them.
-- The checks are written as OR chains, not `IN (...)`: SQLite builds an ephemeral table for an IN list of more than
-- two constants on every execution of an INSERT, which cost a million-row ingest a quarter of its time.

-- run (RunStop.Code): stop_reason was "code: message" for an answer that stopped the run, the signal's name,
-- 'crashed', or an error's words.
CREATE TABLE run_typed (
    id              INTEGER PRIMARY KEY,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    base_url        TEXT    NOT NULL,
    rate            TEXT    NOT NULL,
    concurrency     INTEGER NOT NULL,
    exit_code       INTEGER,
    target_id       INTEGER REFERENCES target(id),
    profile         TEXT,
    stop_code       TEXT CHECK (stop_code = 'unauthorized' OR stop_code = 'forbidden' OR stop_code = 'not_found' OR
                                stop_code = 'tls' OR stop_code = 'dns' OR stop_code = 'repeated' OR
                                stop_code = 'database' OR stop_code = 'interrupted' OR stop_code = 'crashed' OR
                                stop_code = 'error'),
    stop_message    TEXT
);
INSERT INTO run_typed (id, started_at, ended_at, base_url, rate, concurrency, exit_code, target_id, profile,
                       stop_code, stop_message)
SELECT id, started_at, ended_at, base_url, rate, concurrency, exit_code, target_id, profile,
       CASE WHEN stop_reason IS NULL THEN NULL
            WHEN stop_reason = 'crashed' THEN 'crashed'
            WHEN stop_reason IN ('SIGINT', 'SIGTERM') OR stop_reason LIKE 'signal %' THEN 'interrupted'
            WHEN instr(stop_reason, ': ') > 0
                 AND substr(stop_reason, 1, instr(stop_reason, ': ') - 1)
                     IN ('unauthorized', 'forbidden', 'not_found', 'tls', 'dns', 'repeated', 'database')
                THEN substr(stop_reason, 1, instr(stop_reason, ': ') - 1)
            ELSE 'error' END,
       CASE WHEN stop_reason IS NULL OR stop_reason = 'crashed' THEN NULL
            WHEN instr(stop_reason, ': ') > 0
                 AND substr(stop_reason, 1, instr(stop_reason, ': ') - 1)
                     IN ('unauthorized', 'forbidden', 'not_found', 'tls', 'dns', 'repeated', 'database')
                THEN substr(stop_reason, instr(stop_reason, ': ') + 2)
            ELSE stop_reason END
FROM run ORDER BY id;
DROP TABLE run;
ALTER TABLE run_typed RENAME TO run;

-- job (JobState); hold_reasons entries gain their kind (HoldKind), told apart this once by the words ingest wrote.
CREATE TABLE job_typed (
    id                  INTEGER PRIMARY KEY,
    participant_code    TEXT    NOT NULL,
    is_current          INTEGER NOT NULL DEFAULT 1,
    state               TEXT    NOT NULL CHECK (state = 'pending' OR state = 'held' OR state = 'superseded'),
    request_id          TEXT,                  -- deterministic UUID of participant + payload
    body                BLOB,                  -- the exact bytes to send (for a held job: as far as it folds)
    platform_updated_at INTEGER,               -- newest timestamp folded in
    email               TEXT,                  -- the folded email (unique per platform)
    hold_reasons        TEXT,                  -- JSON array of {"source": "file:line", "message": "...", "kind": "..."}
    email_conflict      INTEGER NOT NULL DEFAULT 0, -- 1 when another participant folds to the same email
    row_count           INTEGER NOT NULL,      -- input rows folded (accepted and rejected)
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    step                INTEGER NOT NULL DEFAULT 0,
    corrective          INTEGER NOT NULL DEFAULT 0
);
INSERT INTO job_typed (id, participant_code, is_current, state, request_id, body, platform_updated_at, email,
                       hold_reasons, email_conflict, row_count, created_at, updated_at, step, corrective)
SELECT id, participant_code, is_current, state, request_id, body, platform_updated_at, email,
       CASE WHEN hold_reasons IS NULL THEN NULL ELSE (
           SELECT json_group_array(json_set(value, '$.kind',
               CASE WHEN json_extract(value, '$.message') LIKE 'Data segment validation failed%' THEN 'segment'
                    WHEN json_extract(value, '$.message') = 'platform_updated_at submitted with no data segment to update'
                        THEN 'no_data_segment'
                    WHEN json_extract(value, '$.message') LIKE 'a row older than step %' THEN 'out_of_order'
                    ELSE 'rejected_row' END))
           FROM (SELECT value FROM json_each(job.hold_reasons) ORDER BY key)) END,
       email_conflict, row_count, created_at, updated_at, step, corrective
FROM job ORDER BY id;
DROP TABLE job;
ALTER TABLE job_typed RENAME TO job;
CREATE INDEX job_current_state ON job(is_current, state);
CREATE INDEX job_current_email ON job(email) WHERE is_current = 1 AND email IS NOT NULL;
CREATE UNIQUE INDEX job_current ON job(participant_code, step) WHERE is_current = 1;
CREATE INDEX job_first_steps ON job(platform_updated_at, id) WHERE is_current = 1 AND state = 'pending' AND step = 1;

-- job_send (SendState), with the send_count triggers of 0008_send_counts.
CREATE TABLE job_send_typed (
    target_id       INTEGER NOT NULL REFERENCES target(id),
    job_id          INTEGER NOT NULL REFERENCES job(id),
    state           TEXT    NOT NULL CHECK (state = 'pending' OR state = 'claimed' OR state = 'in_flight' OR
                                            state = 'succeeded' OR state = 'failed'),
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
INSERT INTO job_send_typed SELECT * FROM job_send;
DROP TABLE job_send;
ALTER TABLE job_send_typed RENAME TO job_send;
CREATE INDEX job_send_due ON job_send(target_id, state, next_attempt_at);
CREATE INDEX job_send_job ON job_send(job_id);
CREATE TRIGGER send_count_replace BEFORE INSERT ON job_send BEGIN
    UPDATE send_count SET n = n - 1
    WHERE (target_id, state) IN (SELECT target_id, state FROM job_send WHERE target_id = NEW.target_id AND job_id = NEW.job_id);
END;
CREATE TRIGGER send_count_insert AFTER INSERT ON job_send BEGIN
    INSERT INTO send_count (target_id, state, n) VALUES (NEW.target_id, NEW.state, 1)
    ON CONFLICT (target_id, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER send_count_delete AFTER DELETE ON job_send BEGIN
    UPDATE send_count SET n = n - 1 WHERE target_id = OLD.target_id AND state = OLD.state;
END;
CREATE TRIGGER send_count_update AFTER UPDATE OF target_id, state ON job_send
WHEN OLD.target_id != NEW.target_id OR OLD.state != NEW.state BEGIN
    UPDATE send_count SET n = n - 1 WHERE target_id = OLD.target_id AND state = OLD.state;
    INSERT INTO send_count (target_id, state, n) VALUES (NEW.target_id, NEW.state, 1)
    ON CONFLICT (target_id, state) DO UPDATE SET n = n + 1;
END;

-- attempt (AttemptOutcome).
CREATE TABLE attempt_typed (
    id              INTEGER PRIMARY KEY,
    job_id          INTEGER NOT NULL REFERENCES job(id),
    number          INTEGER NOT NULL,              -- the job's attempt number (1-based)
    request_id      TEXT    NOT NULL,
    started_at      INTEGER NOT NULL,              -- epoch ms
    ended_at        INTEGER NOT NULL,
    latency_ms      INTEGER NOT NULL,
    http_status     INTEGER,                       -- NULL when no answer came
    outcome         TEXT    NOT NULL CHECK (outcome = 'succeeded' OR outcome = 'failed' OR outcome = 'retry' OR
                                            outcome = 'rate_limited' OR outcome = 'stopped' OR
                                            outcome = 'interrupted'),
    error_class     TEXT,
    message         TEXT,
    response_body   BLOB,                          -- capped at 4 KiB
    target_id       INTEGER REFERENCES target(id),
    run_id          INTEGER REFERENCES run(id)
);
INSERT INTO attempt_typed SELECT * FROM attempt ORDER BY id;
DROP TABLE attempt;
ALTER TABLE attempt_typed RENAME TO attempt;
CREATE INDEX attempt_job ON attempt(job_id);
CREATE INDEX attempt_ended ON attempt(ended_at);
CREATE INDEX attempt_target ON attempt(target_id, ended_at);
CREATE INDEX attempt_run ON attempt(run_id);

-- input_row (RowStatus).
CREATE TABLE input_row_typed (
    id                  INTEGER PRIMARY KEY,
    file_id             INTEGER NOT NULL REFERENCES source_file(id),
    line                INTEGER NOT NULL,      -- the line the record starts on (1-based)
    participant_code    TEXT,                  -- NULL when missing or unusable
    platform_updated_at INTEGER,               -- NULL when missing or unusable
    status              TEXT    NOT NULL CHECK (status = 'accepted' OR status = 'rejected' OR status = 'resolved' OR
                                                status = 'ignored'),
    raw                 TEXT,                  -- the CSV record or JSONL line as read (NULL once purged)
    norm                BLOB,                  -- normalized values where they differ from raw's cells (0007)
    reject_code         TEXT,                  -- stable reason code of the first problem
    reject_column       TEXT,                  -- source column (or key) of the first problem
    reject_message      TEXT                   -- every problem, '; '-separated
);
INSERT INTO input_row_typed SELECT * FROM input_row ORDER BY id;
DROP TABLE input_row;
ALTER TABLE input_row_typed RENAME TO input_row;
CREATE INDEX input_row_fold ON input_row(participant_code, platform_updated_at);
CREATE INDEX input_row_rejected ON input_row(reject_code) WHERE status = 'rejected';
CREATE INDEX input_row_correctable ON input_row(file_id, line) WHERE status != 'accepted';
