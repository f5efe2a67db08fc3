#!/usr/bin/env bash
# The IP's budget is shared (issue 22), on demand, release build. For each background load (BACKGROUND, default
# "0 60 150" GET /time requests per second, started before the run and kept up through it), on one sandbox with
# the documented 2000/10s and 10 s lockout:
#   backfill run --rate 1900/10s for SECONDS (120) seconds, then SIGINT.
# Per row: lockouts the run caused (its own count, `status --json`), the backfill's rate after the lockout
# (from the first start after the pause to the end, from the ledger) as a share of the free room
# (200/s less the background), and the background's own 429s (each lockout refuses 10 s of it).
# Targets: at most 1 lockout; >= 85% of the free room after it; the background's 429s at most one lockout's
# worth; the 0/s row at >= 97% of 190/s with zero 429s.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${SECONDS_EACH:-120}
PORT=${PORT:-18121}
BACKGROUND=${BACKGROUND:-"0 60 150"}
API_SECRET=$(printf 'shared-budget-benchmark-secret-0123' | base64)
export BACKFILL_API_KEY=bench-key BACKFILL_API_SECRET=$API_SECRET BACKFILL_API_PASSPHRASE=bench-pass
swift build -c release --product backfill >/dev/null 2>&1
BIN="$(swift build -c release --show-bin-path 2>/dev/null)/backfill"
WORK=$(mktemp -d)
SANDBOX_PID=
cleanup() { [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
python3 benchmarks/gen_ingest_csv.py 120000 "$WORK/changes.csv" >/dev/null
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "backfill run --rate 1900/10s for ${SECONDS_EACH}s beside GET /time load, sandbox --rate-limit 2000/10s (10 s lockout)"
printf '%-12s %9s %10s %12s %10s %14s %s\n' "background" "lockouts" "backfill" "free room" "share" "background 429s" "run 429s"
for bg in $BACKGROUND; do
  rm -f "$WORK"/run.sqlite*
  "$BIN" ingest "$WORK/changes.csv" --db "$WORK/run.sqlite" >/dev/null
  "$BIN" sandbox --port "$PORT" --api-key bench-key --api-secret "$API_SECRET" --passphrase bench-pass \
    --rate-limit 2000/10s --log-level warning > "$WORK/sandbox.log" 2>&1 &
  SANDBOX_PID=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
  # The platform's traffic is there before the run (a full window) and through it.
  python3 benchmarks/background_load.py "$PORT" "$bg" $(( SECONDS_EACH + 15 )) > "$WORK/bg.json" &
  BG_PID=$!
  sleep 10
  "$BIN" run --db "$WORK/run.sqlite" --base-url "http://127.0.0.1:$PORT" --rate 1900/10s --log-level warning \
    > "$WORK/run.out" 2> "$WORK/run.err" &
  RUN_PID=$!
  sleep "$SECONDS_EACH"
  kill -INT "$RUN_PID" 2>/dev/null || true
  wait "$RUN_PID" 2>/dev/null || true
  wait "$BG_PID"
  kill -TERM "$SANDBOX_PID"; wait "$SANDBOX_PID" 2>/dev/null || true; SANDBOX_PID=
  "$BIN" status --db "$WORK/run.sqlite" --json > "$WORK/status.json"
  python3 - "$WORK/run.sqlite" "$WORK/status.json" "$WORK/bg.json" "$bg" <<'PY'
import json, sqlite3, sys
db, status_path, bg_path, bg = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
con = sqlite3.connect(db)
target = json.load(open(status_path))["targets"][0]
lockouts = target.get("ip_lockouts", 0)
bgc = json.load(open(bg_path))
first, last = con.execute("SELECT min(started_at), max(started_at) FROM attempt").fetchone()
limited = con.execute("SELECT min(started_at) FROM attempt WHERE outcome = 'rate_limited'").fetchone()[0]
run429 = con.execute("SELECT count(*) FROM attempt WHERE outcome = 'rate_limited'").fetchone()[0]
# After the lockout: from the first start after the pause (11 s) to the last start; without one, the whole run.
since = (con.execute("SELECT min(started_at) FROM attempt WHERE started_at > ?", (limited + 11000,)).fetchone()[0]
         if limited else first)
n = con.execute("SELECT count(*) FROM attempt WHERE started_at >= ? AND started_at <= ?", (since, last)).fetchone()[0]
rate = (n - 1) / ((last - since) / 1000) if last > since else 0
free = 200 - bg
print(f"{bg:>8.0f}/s {lockouts:>9} {rate:>8.1f}/s {free:>10.0f}/s {rate / free * 100:>9.1f}% "
      f"{bgc['429']:>8} of {bgc['sent']:<6} {run429}")
PY
done
