-- 0002_run_lock: at most one `backfill run` holds a database. The row names the holder's process;
-- a lock whose process is gone is stale and taken over. Ingest is refused while a live run holds it.
CREATE TABLE run_lock (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    pid         INTEGER NOT NULL,
    host        TEXT    NOT NULL,
    started_at  INTEGER NOT NULL
);
