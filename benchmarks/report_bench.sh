#!/usr/bin/env bash
# On demand: `backfill report` on a database of about 333,000 participants per 1,000,000 input rows (default 3M rows
# = 1M jobs), with a ledger of one attempt per job and 1 in 50 jobs failed, then the worst case (every job failed).
# Prints wall time and peak memory of --summary, --failures (CSV, redacted) and --html.
#
#   ROWS=3000000 benchmarks/report_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-3000000}
OUT=${OUT:-/tmp/backfill-report-bench}
SCRATCH=${SCRATCH:-.build-reports}
swift build -c release --scratch-path "$SCRATCH" --product backfill >/dev/null
BIN="$SCRATCH/release/backfill"
mkdir -p "$OUT"
DB="$OUT/bench.sqlite"
rm -f "$DB" "$DB-wal" "$DB-shm"
[ -f "$OUT/rows-$ROWS.csv" ] || python3 benchmarks/gen_ingest_csv.py "$ROWS" "$OUT/rows-$ROWS.csv"
"$BIN" ingest "$OUT/rows-$ROWS.csv" --db "$DB" | head -2

# A finished run, written straight into the ledger (the benchmark is about reading it).
sqlite3 "$DB" <<'SQL'
INSERT INTO run (started_at, ended_at, base_url, rate, concurrency, exit_code)
    VALUES (1700000000000, 1700000000000 + (SELECT count(*) FROM job) * 10, 'http://127.0.0.1:1/', '1000/10s', 8, 2);
INSERT INTO attempt (job_id, number, request_id, started_at, ended_at, latency_ms, http_status, outcome, error_class, message)
    SELECT id, 1, request_id, 1700000000000 + id * 10, 1700000000000 + id * 10 + 20 + id % 300, 20 + id % 300,
           CASE WHEN id % 50 = 0 THEN 503 ELSE 200 END, CASE WHEN id % 50 = 0 THEN 'failed' ELSE 'succeeded' END,
           CASE WHEN id % 50 = 0 THEN 'server' END, CASE WHEN id % 50 = 0 THEN 'Service Unavailable' END
    FROM job WHERE is_current = 1 AND state = 'pending';
UPDATE job SET state = CASE WHEN id % 50 = 0 THEN 'failed' ELSE 'succeeded' END, attempts = 1,
               last_attempt_at = 1700000000000 + id * 10, last_status = CASE WHEN id % 50 = 0 THEN 503 ELSE 200 END,
               error_class = CASE WHEN id % 50 = 0 THEN 'server' END,
               last_message = CASE WHEN id % 50 = 0 THEN 'Service Unavailable' END
    WHERE is_current = 1 AND state = 'pending';
SQL
echo "jobs: $(sqlite3 "$DB" 'SELECT count(*) FROM job WHERE is_current = 1'), failed: $(sqlite3 "$DB" "SELECT count(*) FROM job WHERE state = 'failed'")"

measure() {
    local label=$1; shift
    /usr/bin/time -f "$label: %e s, peak %M KiB" "$@" >/dev/null
}
measure "summary" "$BIN" report --summary --db "$DB"
measure "failures csv --redact (1 in 50 failed)" "$BIN" report --failures --redact --output "$OUT/failures.csv" --db "$DB"
measure "html (1 in 50 failed)" "$BIN" report --html "$OUT/report.html" --db "$DB"
sqlite3 "$DB" "UPDATE job SET state = 'failed', error_class = 'server', last_status = 503 WHERE is_current = 1 AND state = 'succeeded'"
measure "failures csv (every job failed)" "$BIN" report --failures --output "$OUT/failures-all.csv" --db "$DB"
measure "failures csv --redact (every job failed)" "$BIN" report --failures --redact --output "$OUT/failures-all-redacted.csv" --db "$DB"
wc -l "$OUT/failures-all.csv"
