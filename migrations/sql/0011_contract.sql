-- 0011_contract: a database is made for one contract of the endpoint (setting 'contract': 'zerohash', Zero Hash's
-- reference today, or 'ndax', the seed's: NDAX's page and the 2022 release note). Every database made before
-- contracts existed holds the seed's bodies: it is 'ndax'. A database nothing was ingested into takes the contract
-- of its first ingest.
INSERT OR IGNORE INTO setting (name, value) SELECT 'contract', 'ndax' WHERE EXISTS (SELECT 1 FROM source_file);

-- Under 'zerohash' an ID change is not sent (no PATCH variant has id_number; the ID goes with a supporting document,
-- POST /participants/documents). Each participant's latest one is listed here by the fold, for status, explain and
-- the reports: what it sets and which input rows it comes from.
CREATE TABLE document_need (
    participant_code    TEXT    NOT NULL PRIMARY KEY,
    id_number_type      TEXT,
    platform_updated_at INTEGER NOT NULL,
    sources             TEXT    NOT NULL,    -- file:line of the rows, ';'-separated
    problem             TEXT,                -- what the ID change lacks, in the API's words (not a hold: it is not sent)
    updated_at          INTEGER NOT NULL
) WITHOUT ROWID;
