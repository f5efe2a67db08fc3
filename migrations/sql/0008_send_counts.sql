-- 0008_send_counts: how many sending rows each target has in each state, kept by triggers, so that `status`
-- counts a database of millions of sent jobs without walking them. job_send stays the truth; this table is a
-- count of it (a test compares the two after every kind of write).
CREATE TABLE send_count (
    target_id   INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (target_id, state)
) WITHOUT ROWID;
INSERT INTO send_count (target_id, state, n) SELECT target_id, state, count(*) FROM job_send GROUP BY target_id, state;

-- INSERT OR REPLACE deletes the row it replaces without firing delete triggers: the row's old state is
-- taken off before the insert (a plain insert that conflicts fails, and its statement's changes are undone).
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
