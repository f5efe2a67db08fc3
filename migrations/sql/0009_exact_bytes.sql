-- 0009_exact_bytes: the release that introduced 0007_compact_rows left a normalized value out of input_row.norm
-- when Swift's `String ==` called it equal to its cell, which it does for canonically equivalent text: an NFD
-- name ("Jose" + U+0301) was read back, folded and sent decomposed, with a request_id of those bytes. Values are
-- now compared as bytes, and a field left out of norm reads as its cell in NFC, so such rows read back as they
-- should have been stored. Their participants' jobs are folded again by the next `backfill ingest`: those whose
-- body changes (NFC now) get a new job with a new request_id; the others stay as they are.
--
-- refold_pending lists them: every participant with a stored row holding a byte that is not ASCII (text length
-- in characters differs from its length in bytes), or a NUL.
CREATE TABLE refold_pending (
    participant_code TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO refold_pending (participant_code)
SELECT DISTINCT participant_code FROM input_row
WHERE participant_code IS NOT NULL AND raw IS NOT NULL AND status IN ('accepted', 'rejected')
  AND length(raw) != length(CAST(raw AS BLOB))
  AND participant_code IN (SELECT participant_code FROM job);
