-- 0007_compact_rows: each input value is stored once. The record as read (raw) is the source of truth; the
-- eleven normalized field columns are gone. input_row.norm keeps only what normalization changed:
--   - NULL: every field is its cell in raw as read (an empty cell: not provided);
--   - a binary list of the fields whose normalized value differs from the cell (see Store/StoredValues.swift);
--   - a JSON array of the eleven normalized values in field order (first_name ... id_number), for rows stored
--     before this step (copied from their columns below, so they fold and report exactly as before).
-- A purged row has neither raw nor norm. The table is rebuilt in place (same ids, same indexes).
CREATE TABLE input_row_compact (
    id                  INTEGER PRIMARY KEY,
    file_id             INTEGER NOT NULL REFERENCES source_file(id),
    line                INTEGER NOT NULL,      -- the line the record starts on (1-based)
    participant_code    TEXT,                  -- NULL when missing or unusable
    platform_updated_at INTEGER,               -- NULL when missing or unusable
    status              TEXT    NOT NULL,      -- 'accepted' | 'rejected' | 'resolved' | 'ignored'
    raw                 TEXT,                  -- the CSV record or JSONL line as read (NULL once purged)
    norm                BLOB,                  -- normalized values where they differ from raw's cells (see above)
    reject_code         TEXT,                  -- stable reason code of the first problem
    reject_column       TEXT,                  -- source column (or key) of the first problem
    reject_message      TEXT                   -- every problem, '; '-separated
);
INSERT INTO input_row_compact (id, file_id, line, participant_code, platform_updated_at, status, raw, norm,
                               reject_code, reject_column, reject_message)
SELECT id, file_id, line, participant_code, platform_updated_at, status, raw,
       CASE WHEN raw IS NOT NULL OR first_name IS NOT NULL OR last_name IS NOT NULL OR address_one IS NOT NULL
                 OR address_two IS NOT NULL OR country IS NOT NULL OR state IS NOT NULL OR city IS NOT NULL
                 OR zip IS NOT NULL OR email IS NOT NULL OR id_number_type IS NOT NULL OR id_number IS NOT NULL
            THEN CAST(json_array(first_name, last_name, address_one, address_two, country, state, city, zip, email,
                                 id_number_type, id_number) AS BLOB) END,
       reject_code, reject_column, reject_message
FROM input_row ORDER BY id;
DROP TABLE input_row;
ALTER TABLE input_row_compact RENAME TO input_row;
CREATE INDEX input_row_fold ON input_row(participant_code, platform_updated_at);
CREATE INDEX input_row_rejected ON input_row(reject_code) WHERE status = 'rejected';
CREATE INDEX input_row_correctable ON input_row(file_id, line) WHERE status != 'accepted';
