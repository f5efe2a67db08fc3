-- 0006_history: history mode. A database is made in one mode and keeps it ('latest': one job per participant,
-- the fold; 'history': one job per step of the participant's history, sent in order).

-- Settings chosen when the database was made. name 'mode': 'latest' | 'history'; no row: 'latest' (every
-- database made before this step).
CREATE TABLE setting (
    name    TEXT PRIMARY KEY,
    value   TEXT NOT NULL
) WITHOUT ROWID;

-- job.step: 0 in latest mode (the participant's one job); 1, 2, ... in history mode, the step's place in the
-- participant's sequence. A participant has one current job per step.
ALTER TABLE job ADD COLUMN step INTEGER NOT NULL DEFAULT 0;
-- job.corrective: 1 for history mode's single corrective PATCH (the latest fold) of a participant whose history
-- changed before a step that was already sent; it is held until `backfill retry --participant CODE --as-latest`.
ALTER TABLE job ADD COLUMN corrective INTEGER NOT NULL DEFAULT 0;
DROP INDEX job_current;
CREATE UNIQUE INDEX job_current ON job(participant_code, step) WHERE is_current = 1;

-- History mode sends the first ready steps oldest instant first; later steps become ready one by one.
CREATE INDEX job_first_steps ON job(platform_updated_at, id) WHERE is_current = 1 AND state = 'pending' AND step = 1;
