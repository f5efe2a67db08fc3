#!/usr/bin/env bash
# Run benchmarks (on demand, not CI), release build, against the sandbox on loopback:
#  (1) unlimited rate: backfill run jobs/s end to end (ledger included), side by side with wrk on the same route;
#  (2) --rate 1900/10s for ~60 s against a sandbox limited to 2000/10s: 429s seen and the rate achieved;
#  (3) peak memory (max RSS) of a 1,000,000-job run.
#  (1) also runs with --metrics (scraped every second) side by side, ROUNDS times each, alternating.
# Knobs: JOBS (100000), PACED_JOBS (11400 = 60 s at 190/s), MEM_JOBS (1000000; 0 skips), CONCURRENCY (32), PORT (18090),
#        ROUNDS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-100000}
PACED_JOBS=${PACED_JOBS:-11400}
MEM_JOBS=${MEM_JOBS:-1000000}
CONCURRENCY=${CONCURRENCY:-32}
PORT=${PORT:-18090}
API_KEY=bench-key
API_SECRET=$(printf 'run-benchmark-secret-0123456789abcdef' | base64)
PASSPHRASE=bench-passphrase
export BACKFILL_API_KEY=$API_KEY BACKFILL_API_SECRET=$API_SECRET BACKFILL_API_PASSPHRASE=$PASSPHRASE
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

swift build -c release --product backfill >/dev/null 2>&1 || { echo 'release build failed'; swift build -c release --product backfill 2>&1 | grep error: | head; exit 1; }
BIN="$(swift build -c release --show-bin-path)/backfill"
WORK=$(mktemp -d)
SANDBOX_PID=
cleanup() { [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

start_sandbox() { # extra sandbox flags...
  "$BIN" sandbox --port "$PORT" --api-key "$API_KEY" --api-secret "$API_SECRET" --passphrase "$PASSPHRASE" \
    --log-level warning --state-out "$WORK/state.json" "$@" >"$WORK/sandbox.log" 2>&1 &
  SANDBOX_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/time" >/dev/null && return; sleep 0.1; done
  cat "$WORK/sandbox.log"; exit 1
}
stop_sandbox() { kill -TERM "$SANDBOX_PID"; wait "$SANDBOX_PID" 2>/dev/null || true; SANDBOX_PID=; }
make_db() { # jobs name
  python3 benchmarks/gen_ingest_csv.py $(( $1 * 3 )) "$WORK/$2.csv" >/dev/null
  "$BIN" ingest "$WORK/$2.csv" --db "$WORK/$2.sqlite" >/dev/null
  rm -f "$WORK/$2.csv"
}
run_timed() { # db label extra-run-flags...
  local db=$1 label=$2; shift 2
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/$label.time" "$BIN" run --db "$db" --base-url "http://127.0.0.1:$PORT" \
    --log-format json --log-level warning "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" || true
}
# The run's own elapsed time, from its summary's first line ("run on T finished in 12.3 s" or "... STOPPED after 12.3 s").
finished_in() { sed -nE '1s/.* (finished in|after) ([0-9.]+) s.*/\2/p' "$1"; }
succeeded() { sqlite3 "$1" "SELECT count(*) FROM job_send WHERE state = 'succeeded'"; }
cpu_seconds() { tail -1 "$1" | awk '{print $3 + $4}'; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== (1) unlimited rate, $JOBS jobs, concurrency $CONCURRENCY, side by side with wrk"
make_db "$JOBS" unlimited
start_sandbox --no-rate-limit
python3 benchmarks/sandbox_requests.py single "$WORK/single.lua" "$API_SECRET" "$API_KEY" "$PASSPHRASE"
wrk -t2 -c"$CONCURRENCY" -d15s -s "$WORK/single.lua" "http://127.0.0.1:$PORT" > "$WORK/wrk.txt"
WRK_RPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
cp "$WORK/unlimited.sqlite" "$WORK/pristine.sqlite"
python3 -c "print(f'wrk (one replayed request): {float(\"$WRK_RPS\"):,.0f} req/s')"
# Side by side, alternating: without metrics, then with --metrics scraped every second, ROUNDS times each.
report_unlimited() { # label
  local secs ok cpu
  secs=$(finished_in "$WORK/$1.out"); ok=$(succeeded "$WORK/$1.sqlite"); cpu=$(cpu_seconds "$WORK/$1.time")
  python3 -c "import sys; w,s,ok,cpu=float(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]),float(sys.argv[4]); j=ok/s; print(f'  {sys.argv[5]:<34} {ok:,} jobs in {s:.1f} s = {j:,.0f} jobs/s = {j/w:.2f} of wrk; client CPU {cpu / ok * 10000:.2f} s per 10,000 jobs')" "$WRK_RPS" "$secs" "$ok" "$cpu" "$2"
  echo "$ok $secs" >> "$WORK/$3.rates"
}
for round in $(seq 1 "${ROUNDS:-2}"); do
  cp "$WORK/pristine.sqlite" "$WORK/plain.sqlite"
  run_timed "$WORK/plain.sqlite" plain --rate unlimited --concurrency "$CONCURRENCY"
  report_unlimited plain "round $round: no metrics" plain
  cp "$WORK/pristine.sqlite" "$WORK/metered.sqlite"
  ( while sleep 1; do curl -s "http://127.0.0.1:$((PORT + 1))/metrics" >/dev/null || true; done ) &
  SCRAPER=$!
  run_timed "$WORK/metered.sqlite" metered --rate unlimited --concurrency "$CONCURRENCY" --metrics "127.0.0.1:$((PORT + 1))"
  kill "$SCRAPER" 2>/dev/null || true
  report_unlimited metered "round $round: --metrics, scraped 1/s" metered
done
python3 - "$WORK/plain.rates" "$WORK/metered.rates" <<'PY'
import sys
def rate(path):
    rows = [tuple(map(float, line.split())) for line in open(path)]
    return sum(ok for ok, _ in rows) / sum(s for _, s in rows)
plain, metered = rate(sys.argv[1]), rate(sys.argv[2])
print(f"backfill run unlimited: {plain:,.0f} jobs/s without metrics, {metered:,.0f} with --metrics: "
      f"cost {(1 - metered / plain) * 100:.1f}% (target < 5%; 4,255 jobs/s before the window)")
PY
stop_sandbox

echo "== (2) --rate 1900/10s against a sandbox limited to 2000/10s, $PACED_JOBS jobs"
make_db "$PACED_JOBS" paced
start_sandbox --rate-limit 2000/10s
run_timed "$WORK/paced.sqlite" paced --rate 1900/10s --concurrency 16
stop_sandbox
SECS=$(finished_in "$WORK/paced.out")
python3 - "$WORK/state.json" "$SECS" "$PACED_JOBS" <<'PY'
import json, sys
state = json.load(open(sys.argv[1]))["requests"]
secs, jobs = float(sys.argv[2]), int(sys.argv[3])
rate = jobs / secs
print(f"sandbox answered: {state['by_status']}, 429s: {state['rate_limited']}")
print(f"achieved {rate:.1f} jobs/s over {secs:.1f} s = {rate / 190 * 100:.1f}% of 190/s (target >= 97%, zero 429s)")
PY

if [ "$MEM_JOBS" -gt 0 ]; then
  echo "== (3) peak memory of a $MEM_JOBS-job run (unlimited rate, concurrency $CONCURRENCY)"
  make_db "$MEM_JOBS" big
  start_sandbox --no-rate-limit
  run_timed "$WORK/big.sqlite" big --rate unlimited --concurrency "$CONCURRENCY"
  stop_sandbox
  read -r _ KB _ < <(tail -1 "$WORK/big.time")
  SECS=$(finished_in "$WORK/big.out")
  python3 -c "import sys; kb,s,n=int(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]); print(f'{n:,} jobs in {s:.1f} s ({n/s:,.0f} jobs/s); peak memory {kb/1024:.1f} MiB (target < 100 MiB)')" "$KB" "$SECS" "$MEM_JOBS"
fi
