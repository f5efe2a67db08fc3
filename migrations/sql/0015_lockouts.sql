-- 0015_lockouts: what the run cost the platform. Zero Hash counts one budget per IP across every endpoint, and a
-- 429 the run provoked locked the whole IP out (the platform's own traffic included) for the lockout period. Each
-- run records how many lockouts it caused and their seconds; a run that reached --max-lockouts stops with the
-- code `lockouts`. The run table is rebuilt for the new stop code (its CHECK lists them).
CREATE TABLE run_lockouts (
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
                                stop_code = 'error' OR stop_code = 'lockouts'),
    stop_message    TEXT,
    version         TEXT,
    lockouts        INTEGER NOT NULL DEFAULT 0,   -- 429 episodes the run caused
    lockout_seconds REAL    NOT NULL DEFAULT 0    -- the IP locked out, in all, for those
);
INSERT INTO run_lockouts (id, started_at, ended_at, base_url, rate, concurrency, exit_code, target_id, profile,
                          stop_code, stop_message, version)
SELECT id, started_at, ended_at, base_url, rate, concurrency, exit_code, target_id, profile, stop_code, stop_message,
       version
FROM run ORDER BY id;
DROP TABLE run;
ALTER TABLE run_lockouts RENAME TO run;
