#!/usr/bin/env bash
# On demand: `backfill report` on a database of about 333,000 participants per 1,000,000 input rows (default 3M rows
# = 1M jobs), with a ledger of one attempt per job and 1 in 50 jobs failed, then the worst case (every job failed).
# Prints wall time and peak memory of --summary, --failures (CSV, redacted) and --html (plain and --redact).
# Uses the shared release build in .build (SCRATCH=... for another).
#
#   ROWS=3000000 benchmarks/report_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-3000000}
OUT=${OUT:-/tmp/backfill-report-bench}
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product backfill >/dev/null
BIN="$SCRATCH/release/backfill"
mkdir -p "$OUT"
DB="$OUT/bench.sqlite"
rm -f "$DB" "$DB-wal" "$DB-shm"
[ -s "$OUT/rows-$ROWS.csv" ] || python3 benchmarks/gen_ingest_csv.py "$ROWS" "$OUT/rows-$ROWS.csv"
"$BIN" ingest "$OUT/rows-$ROWS.csv" --db "$DB" | head -2

# A finished run on one target, written straight into the ledger (the benchmark is about reading it): one attempt
# per job, 1 in 50 failed with a 503, latencies 20-319 ms and 1 in 1000 a 30 s timeout (the page's slow tail).
sqlite3 "$DB" <<'SQL'
INSERT INTO target (name, profile, base_url, created_at) VALUES ('http://127.0.0.1:1', 'zerohash', 'http://127.0.0.1:1', 1700000000000);
INSERT INTO run (started_at, ended_at, base_url, rate, concurrency, exit_code, target_id, profile)
    VALUES (1700000000000, 1700000000000 + (SELECT count(*) FROM job) * 10, 'http://127.0.0.1:1', '1000/10s', 8, 2,
            (SELECT id FROM target), 'zerohash');
INSERT INTO attempt (job_id, number, request_id, started_at, ended_at, latency_ms, http_status, outcome, error_class, message,
                     target_id, run_id)
    SELECT id, 1, request_id, 1700000000000 + id * 10,
           1700000000000 + id * 10 + CASE WHEN id % 1000 = 7 THEN 30000 ELSE 20 + id % 300 END,
           CASE WHEN id % 1000 = 7 THEN 30000 ELSE 20 + id % 300 END,
           CASE WHEN id % 50 = 0 THEN 503 WHEN id % 1000 = 7 THEN NULL ELSE 200 END,
           CASE WHEN id % 50 = 0 OR id % 1000 = 7 THEN 'failed' ELSE 'succeeded' END,
           CASE WHEN id % 50 = 0 THEN 'server' WHEN id % 1000 = 7 THEN 'timeout' END,
           CASE WHEN id % 50 = 0 THEN 'Service Unavailable' WHEN id % 1000 = 7 THEN 'no answer within 30s' END,
           (SELECT id FROM target), (SELECT id FROM run)
    FROM job WHERE is_current = 1 AND state = 'pending';
INSERT INTO job_send (target_id, job_id, state, attempts, last_attempt_at, last_status, error_class, last_message, updated_at)
    SELECT (SELECT id FROM target), id, CASE WHEN id % 50 = 0 OR id % 1000 = 7 THEN 'failed' ELSE 'succeeded' END, 1,
           1700000000000 + id * 10, CASE WHEN id % 50 = 0 THEN 503 WHEN id % 1000 = 7 THEN NULL ELSE 200 END,
           CASE WHEN id % 50 = 0 THEN 'server' WHEN id % 1000 = 7 THEN 'timeout' END,
           CASE WHEN id % 50 = 0 THEN 'Service Unavailable' WHEN id % 1000 = 7 THEN 'no answer within 30s' END,
           1700000000000 + id * 10
    FROM job WHERE is_current = 1 AND state = 'pending';
SQL
echo "jobs: $(sqlite3 "$DB" 'SELECT count(*) FROM job WHERE is_current = 1'), failed: $(sqlite3 "$DB" "SELECT count(*) FROM job_send WHERE state = 'failed'")"

measure() {
    local label=$1; shift
    /usr/bin/time -f "$label: %e s, peak %M KiB" "$@" >/dev/null
}
measure "summary" "$BIN" report --summary --db "$DB"
measure "failures csv --redact (1 in 50 failed)" "$BIN" report --failures --redact --output "$OUT/failures.csv" --db "$DB"
measure "html (1 in 50 failed)" "$BIN" report --html "$OUT/report.html" --db "$DB"
measure "html --redact (1 in 50 failed)" "$BIN" report --html "$OUT/report-redacted.html" --redact --db "$DB"
ls -l "$OUT/report.html" "$OUT/report-redacted.html"
sqlite3 "$DB" "UPDATE job_send SET state = 'failed', error_class = 'server', last_status = 503 WHERE state = 'succeeded'"
measure "failures csv (every job failed)" "$BIN" report --failures --output "$OUT/failures-all.csv" --db "$DB"
measure "failures csv --redact (every job failed)" "$BIN" report --failures --redact --output "$OUT/failures-all-redacted.csv" --db "$DB"
wc -l "$OUT/failures-all.csv"
