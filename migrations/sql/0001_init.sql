-- 0001_init: the input files, every row read from them, and one PATCH job per participant.
-- Times are epoch milliseconds (UTC). Participant codes are stored normalized (upper case).

-- One row per file ingested. sha256 is of the file's (decompressed) bytes: the same file twice is "unchanged".
CREATE TABLE source_file (
    id              INTEGER PRIMARY KEY,
    path            TEXT    NOT NULL,          -- as given on the command line ('-' for standard input)
    format          TEXT    NOT NULL,          -- 'csv' | 'jsonl'
    sha256          TEXT    NOT NULL,
    header          TEXT,                      -- CSV header cells as a JSON array; NULL for JSONL
    ingested_at     INTEGER NOT NULL,
    rows_read       INTEGER NOT NULL DEFAULT 0,
    rows_accepted   INTEGER NOT NULL DEFAULT 0,
    rows_rejected   INTEGER NOT NULL DEFAULT 0,
    first_row_id    INTEGER,                   -- this file's rows are input_row.id in [first_row_id, last_row_id]
    last_row_id     INTEGER
);
CREATE UNIQUE INDEX source_file_sha256 ON source_file(sha256);

-- Every input row, accepted or rejected, with its normalized values and the record exactly as read.
-- id is the input order: it breaks ties between rows with the same platform_updated_at.
CREATE TABLE input_row (
    id                  INTEGER PRIMARY KEY,
    file_id             INTEGER NOT NULL REFERENCES source_file(id),
    line                INTEGER NOT NULL,      -- the line the record starts on (1-based)
    participant_code    TEXT,                  -- NULL when missing or unusable
    platform_updated_at INTEGER,               -- NULL when missing or unusable
    first_name          TEXT,                  -- normalized updatable fields; NULL = not provided
    last_name           TEXT,
    address_one         TEXT,
    address_two         TEXT,
    country             TEXT,
    state               TEXT,
    city                TEXT,
    zip                 TEXT,
    email               TEXT,
    id_number_type      TEXT,
    id_number           TEXT,
    raw                 TEXT,                  -- the CSV record or JSONL line as read (NULL once purged)
    status              TEXT    NOT NULL,      -- 'accepted' | 'rejected' | 'resolved' (a rejection a later correction replaced)
    reject_code         TEXT,                  -- stable reason code of the first problem
    reject_column       TEXT,                  -- source column (or key) of the first problem
    reject_message      TEXT                   -- every problem, '; '-separated
);
CREATE INDEX input_row_fold ON input_row(participant_code, platform_updated_at);
CREATE INDEX input_row_rejected ON input_row(reject_code) WHERE status = 'rejected';

-- One current job per participant (is_current = 1); earlier versions stay for the audit trail.
-- state: 'pending' (ready to send) | 'held' (not to be sent: see hold_reasons / email_conflict)
--        | 'in_flight' | 'succeeded' | 'failed' | 'superseded' (an unsent job replaced by a newer fold)
CREATE TABLE job (
    id                  INTEGER PRIMARY KEY,
    participant_code    TEXT    NOT NULL,
    is_current          INTEGER NOT NULL DEFAULT 1,
    state               TEXT    NOT NULL,
    request_id          TEXT,                  -- deterministic UUID of participant + payload
    body                BLOB,                  -- the exact bytes to send (for a held job: as far as it folds)
    platform_updated_at INTEGER,               -- newest timestamp folded in
    email               TEXT,                  -- the folded email (unique per platform)
    hold_reasons        TEXT,                  -- JSON array of {"source": "file:line", "message": "..."}
    email_conflict      INTEGER NOT NULL DEFAULT 0, -- 1 when another participant folds to the same email
    row_count           INTEGER NOT NULL,      -- input rows folded (accepted and rejected)
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX job_current ON job(participant_code) WHERE is_current = 1;
CREATE INDEX job_current_state ON job(is_current, state);
CREATE INDEX job_current_email ON job(email) WHERE is_current = 1 AND email IS NOT NULL;
