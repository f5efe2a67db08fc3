-- 0014_run_version: which build sent what. Every run records the version of the binary that made it
-- (BuildInfo.recorded: `0.21.0+<commit>`, `+unknown` for a build without git information). NULL for runs made
-- before this release.
ALTER TABLE run ADD COLUMN version TEXT;
