#!/usr/bin/env bash
# Ingest benchmark (on demand, not part of CI's test run).
# For each size (default: 1,000,000 and 10,000,000 rows; about 3 rows per participant, generated the same way
# by gen_ingest_csv.py), measures side by side in one run:
#   - `sqlite3 .import` of the file into one table (the peer: parse + store, nothing else)
#   - `backfill ingest` of the same file (parse, normalize, validate, store rows, fold, store jobs, email pass),
#     under the default contract (zerohash) and under `--contract ndax` (issue 19: zerohash within 5% of ndax)
#   - with HISTORY=1, also `backfill ingest --mode history` (issue 11's budget: within 1.5x of latest mode)
# and prints wall time, rows/s, peak memory (max RSS), database size against the input file's size, the ratios
# (issue 12: ingest within 2x of .import, under 64 MiB, database at most 3x the input), and `backfill status`'s
# wall time on the database ingest made (budget: 200 ms).
# Usage: benchmarks/ingest.sh [ROWS...]   (release build; needs sqlite3, GNU time and python3 for the data)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000000 10000000)
OUT=benchmarks/out
mkdir -p "$OUT"
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }

swift build -c release --product backfill >/dev/null
BIN="$(swift build -c release --show-bin-path)/backfill"

measure() { # label, command...: prints "seconds kilobytes"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > "$OUT/$label.log" 2>&1
  cat "$OUT/time.txt"
}
size() { stat -c %s "$1"; }
status_ms() { # median of 5 runs of `backfill status` on a database, in milliseconds
  local db=$1
  for _ in 1 2 3 4 5; do
    local t0 t1
    t0=$(date +%s%N); "$BIN" status --db "$db" > /dev/null; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
  done | sort -n | sed -n 3p
}

RESULTS="$OUT/ingest-results.txt"
: > "$RESULTS"
for ROWS in "${SIZES[@]}"; do
  CSV="$OUT/ingest-$ROWS.csv"
  [ -f "$CSV" ] || python3 benchmarks/gen_ingest_csv.py "$ROWS" "$CSV"
  LINES=$(($(wc -l < "$CSV") - 1))
  cat "$CSV" > /dev/null   # warm the page cache for every contender
  rm -f "$OUT"/import-$ROWS.sqlite* "$OUT"/ingest-$ROWS.sqlite* "$OUT"/history-$ROWS.sqlite* "$OUT"/ndax-$ROWS.sqlite*
  read -r s_secs s_kb < <(measure "sqlite3_import_$ROWS" sqlite3 "$OUT/import-$ROWS.sqlite" ".mode csv" ".import $CSV changes")
  read -r b_secs b_kb < <(measure "backfill_ingest_$ROWS" "$BIN" ingest "$CSV" --db "$OUT/ingest-$ROWS.sqlite" --timings)
  n_secs=0 n_kb=0 n_size=0
  if [ "${NDAX:-1}" = 1 ]; then
    read -r n_secs n_kb < <(measure "backfill_ndax_$ROWS" "$BIN" ingest --contract ndax "$CSV" --db "$OUT/ndax-$ROWS.sqlite")
    n_size=$(size "$OUT/ndax-$ROWS.sqlite")
  fi
  h_secs=0 h_kb=0 h_size=0
  if [ "${HISTORY:-0}" = 1 ]; then
    read -r h_secs h_kb < <(measure "backfill_history_$ROWS" "$BIN" ingest --mode history "$CSV" --db "$OUT/history-$ROWS.sqlite")
    h_size=$(size "$OUT/history-$ROWS.sqlite")
  fi
  st_ms=$(status_ms "$OUT/ingest-$ROWS.sqlite")
  echo "$LINES $(size "$CSV") $s_secs $s_kb $(size "$OUT/import-$ROWS.sqlite") $b_secs $b_kb $(size "$OUT/ingest-$ROWS.sqlite") $h_secs $h_kb $h_size $st_ms $n_secs $n_kb $n_size" >> "$RESULTS"
  echo "--- backfill ingest --timings, $ROWS rows:"; grep "time:" "$OUT/backfill_ingest_$ROWS.log" || true
done

python3 - "$RESULTS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
mib = lambda b: b / 1048576
print()
print("| rows | input | contender | wall time | rows/s | peak memory | database | database / input | time / sqlite3 |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    n, inp, s_s, s_kb, s_db, b_s, b_kb, b_db, h_s, h_kb, h_db, st = int(r[0]), int(r[1]), float(r[2]), int(r[3]), int(r[4]), float(r[5]), int(r[6]), int(r[7]), float(r[8]), int(r[9]), int(r[10]), int(r[11])
    n_s, n_kb, n_db = float(r[12]), int(r[13]), int(r[14])
    print(f"| {n:,} | {mib(inp):.0f} MiB | sqlite3 .import | {s_s:.2f} s | {n/s_s:,.0f} | {s_kb/1024:.1f} MiB | {mib(s_db):.0f} MiB | {s_db/inp:.2f}x | 1.00x |")
    print(f"| {n:,} | {mib(inp):.0f} MiB | backfill ingest (zerohash) | {b_s:.2f} s | {n/b_s:,.0f} | {b_kb/1024:.1f} MiB | {mib(b_db):.0f} MiB | {b_db/inp:.2f}x | {b_s/s_s:.2f}x |")
    if n_s > 0:
        print(f"| {n:,} | {mib(inp):.0f} MiB | backfill ingest --contract ndax | {n_s:.2f} s | {n/n_s:,.0f} | {n_kb/1024:.1f} MiB | {mib(n_db):.0f} MiB | {n_db/inp:.2f}x | {n_s/s_s:.2f}x |")
    if h_s > 0:
        print(f"| {n:,} | {mib(inp):.0f} MiB | backfill ingest --mode history | {h_s:.2f} s | {n/h_s:,.0f} | {h_kb/1024:.1f} MiB | {mib(h_db):.0f} MiB | {h_db/inp:.2f}x | {h_s/s_s:.2f}x |")
print()
for r in rows:
    n, inp, s_s, b_s, b_kb, b_db, h_s, st = int(r[0]), int(r[1]), float(r[2]), float(r[5]), int(r[6]), int(r[7]), float(r[8]), int(r[11])
    print(f"{n:,} rows: backfill / sqlite3 = {b_s/s_s:.2f}x wall time (target <= 2x); peak {b_kb/1024:.1f} MiB (target < 64 MiB); "
          f"database {b_db/inp:.2f}x the input (target <= 3x); status {st} ms (target < 200 ms)"
          + (f"; history / latest = {h_s/b_s:.2f}x (target <= 1.5x)" if h_s > 0 else "")
          + (f"; zerohash / ndax = {b_s/float(r[12]):.3f}x (target within 5%)" if float(r[12]) > 0 else ""))
if len(rows) > 1:
    a, b = rows[0], rows[-1]
    k = int(b[0]) / int(a[0])
    print(f"growth {int(a[0]):,} -> {int(b[0]):,} rows ({k:.0f}x): backfill time {float(b[5])/float(a[5]):.2f}x, "
          f"sqlite3 time {float(b[2])/float(a[2]):.2f}x, backfill peak memory {int(b[6])/int(a[6]):.2f}x")
PY
