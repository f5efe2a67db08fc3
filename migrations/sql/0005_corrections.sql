-- 0005_corrections: what ingest resolved each input column to, and the lookup a correction makes.
--
-- source_file.columns: a JSON object from each source column (CSV header cell, trimmed; JSONL key) to what it
-- was read as after the alias table and --map: 'participant_code', 'platform_updated_at', an updatable field,
-- a non-updatable field's name, or null (an unknown column). backfill_* columns are left out. NULL for a file
-- ingested before this step (reports resolve its header again with the alias table).
ALTER TABLE source_file ADD COLUMN columns TEXT;

-- input_row.status gains 'ignored': a correction row that changes nothing (its cells are the rejected row's,
-- or the row it names was already replaced); it is kept for the audit trail and never folded, like 'resolved'.
-- A correction names its row as `file:line`: rejected, resolved and ignored rows by file and line.
CREATE INDEX input_row_correctable ON input_row(file_id, line) WHERE status != 'accepted';
