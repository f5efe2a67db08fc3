#!/usr/bin/env bash
# Ingest benchmark (on demand, not part of CI's test run).
# Generates a 1,000,000-row CSV (about 3 rows per participant) and measures, side by side in one run:
#   - `sqlite3 .import` of the file into a table (the peer: parse + store, nothing else)
#   - `backfill ingest` of the same file (parse, normalize, validate, store rows, fold, store jobs)
#   - `backfill ingest --mode history` of the same file (the same, with one job per step; issue 11's budget:
#     within 1.5x of latest mode's time, under 64 MiB)
# reporting wall time, rows per second and peak memory (max RSS) for each, and the ratio.
# Usage: benchmarks/ingest.sh [ROWS]   (release build; needs sqlite3 and GNU time)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
OUT=benchmarks/out
mkdir -p "$OUT"
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }

swift build -c release --product backfill >/dev/null
BIN="$(swift build -c release --show-bin-path)/backfill"
CSV="$OUT/ingest-$ROWS.csv"
[ -f "$CSV" ] || python3 benchmarks/gen_ingest_csv.py "$ROWS" "$CSV"
LINES=$(($(wc -l < "$CSV") - 1))
cat "$CSV" > /dev/null   # warm the page cache for both contenders

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > "$OUT/$label.log" 2>&1
  read -r secs kb < "$OUT/time.txt"
  echo "$label $secs $kb"
}

rm -f "$OUT"/import.sqlite* "$OUT"/ingest.sqlite* "$OUT"/history.sqlite*
read -r _ s_secs s_kb < <(measure sqlite3_import sqlite3 "$OUT/import.sqlite" ".mode csv" ".import $CSV changes")
read -r _ b_secs b_kb < <(measure backfill_ingest "$BIN" ingest "$CSV" --db "$OUT/ingest.sqlite")
read -r _ h_secs h_kb < <(measure backfill_history "$BIN" ingest --mode history "$CSV" --db "$OUT/history.sqlite")

python3 - "$LINES" "$s_secs" "$s_kb" "$b_secs" "$b_kb" "$h_secs" "$h_kb" <<'PY'
import sys
rows, s_secs, s_kb, b_secs, b_kb = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
h_secs, h_kb = float(sys.argv[6]), int(sys.argv[7])
print(f"rows: {rows:,}")
print(f"| contender | wall time | rows/s | peak memory |")
print(f"|---|---|---|---|")
print(f"| sqlite3 .import | {s_secs:.2f} s | {rows/s_secs:,.0f} | {s_kb/1024:.1f} MiB |")
print(f"| backfill ingest | {b_secs:.2f} s | {rows/b_secs:,.0f} | {b_kb/1024:.1f} MiB |")
print(f"| backfill ingest --mode history | {h_secs:.2f} s | {rows/h_secs:,.0f} | {h_kb/1024:.1f} MiB |")
print(f"ratio (backfill / sqlite3): {b_secs/s_secs:.2f}x wall time (target <= 2x); peak memory {b_kb/1024:.1f} MiB (target < 64 MiB)")
print(f"ratio (history / latest): {h_secs/b_secs:.2f}x wall time (target <= 1.5x); peak memory {h_kb/1024:.1f} MiB (target < 64 MiB)")
PY
tail -n 3 "$OUT/backfill_ingest.log"
tail -n 3 "$OUT/backfill_history.log"
