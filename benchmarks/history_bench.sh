#!/usr/bin/env bash
# History mode's paced run (issue 11; on demand, not CI), release build.
# 3,800 participants with 3 changes each (11,400 steps, whose instants interleave across participants), ingested
# with --mode history and sent with `backfill run --rate 1900/10s` (default --concurrency) against
# `backfill sandbox --rate-limit 2000/10s --reject-stale-updates`, at several --latency settings. Every step is
# sent (no --limit): a participant's step k+1 only after its step k succeeded. For every row it prints:
#   achieved: requests started per second while sending (first start to last start, from the ledger),
#             as a share of 190/s (target >= 97%); the wall-clock figure (start-up and the wait for the
#             last answer included) beside it;
#   429s:     what the sandbox answered 429 (its own count, from --state-out);
#   peak:     the peak in-flight requests the run reported, and whether it hit --concurrency;
#   400s:     updates the sandbox refused as older than the participant's last (must be 0).
# Knobs: PARTICIPANTS (3800), PORT (18093), ROWS ("0ms 250ms").
set -euo pipefail
cd "$(dirname "$0")/.."
PARTICIPANTS=${PARTICIPANTS:-3800}
PORT=${PORT:-18093}
ROWS=${ROWS:-"0ms 250ms"}
JOBS=$(( PARTICIPANTS * 3 ))
API_KEY=bench-key
API_SECRET=$(printf 'latency-benchmark-secret-0123456789' | base64)
PASSPHRASE=bench-passphrase
export BACKFILL_API_KEY=$API_KEY BACKFILL_API_SECRET=$API_SECRET BACKFILL_API_PASSPHRASE=$PASSPHRASE
command -v sqlite3 >/dev/null || apt-get install -y -qq sqlite3 >/dev/null

swift build -c release --product backfill >/dev/null 2>&1
BIN="$(swift build -c release --show-bin-path 2>/dev/null)/backfill"
WORK=$(mktemp -d); [ -n "${KEEP:-}" ] && echo "work: $WORK"
SANDBOX_PID=
cleanup() { [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT

python3 - "$PARTICIPANTS" "$WORK/history.csv" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261202)
with open(path, "w") as f:
    f.write("participant_code,platform_updated_at,first_name,last_name,city,state,zip,country,address_one\n")
    for p in range(n):
        code = f"H{p:05d}"
        start = 1_600_000_000 + rng.randrange(0, 86_400 * 365)
        for k in range(3):   # three changes a month apart: three steps
            f.write(f"{code},{start + k * 86_400 * 30},First{k},Last{p},Austin,TX,787{k:02d},United States,{p} Main St\n")
PY

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "history mode: $JOBS steps of $PARTICIPANTS participants; backfill run --rate 1900/10s vs sandbox --rate-limit 2000/10s --reject-stale-updates"
printf '%-28s %9s %8s %9s %6s %6s %6s %s\n' "sandbox" "requests" "req/s" "of 190/s" "wall" "429s" "400s" "peak in flight"
for row in $ROWS; do
  case $row in
    slow) flags=(--latency 250ms --slow-rate 0.02 --slow 35s); label="250ms, 2% answered after 35s" ;;
    *) flags=(--latency "$row"); label="--latency $row" ;;
  esac
  rm -f "$WORK"/run.sqlite* "$WORK/state.json"
  "$BIN" ingest --mode history "$WORK/history.csv" --db "$WORK/run.sqlite" >/dev/null
  "$BIN" sandbox --port "$PORT" --api-key "$API_KEY" --api-secret "$API_SECRET" --passphrase "$PASSPHRASE" \
    --rate-limit 2000/10s --reject-stale-updates --log-level warning --state-out "$WORK/state.json" "${flags[@]}" >"$WORK/sandbox.log" 2>&1 &
  SANDBOX_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/time" >/dev/null && break; sleep 0.1; done
  "$BIN" run --db "$WORK/run.sqlite" --base-url "http://127.0.0.1:$PORT" --rate 1900/10s \
    --log-level warning >"$WORK/run.out" 2>"$WORK/run.err" || true
  kill -TERM "$SANDBOX_PID"; wait "$SANDBOX_PID" 2>/dev/null || true; SANDBOX_PID=
  python3 - "$WORK/run.sqlite" "$WORK/state.json" "$WORK/run.out" "$label" <<'PY'
import json, re, sqlite3, sys
db, state_path, out_path, label = sys.argv[1:]
n, first, last = sqlite3.connect(db).execute(
    "SELECT count(*), min(started_at), max(started_at) FROM attempt WHERE outcome != 'interrupted'").fetchone()
state = json.load(open(state_path))["requests"]
refused = state.get("by_status", {}).get("400", 0)
out = open(out_path).read()
ended = re.search(r"(finished in|STOPPED after|interrupted by \S+ after) ([0-9.]+) s", out)
wall = float(ended.group(2)) if ended else float("nan")
stopped = "" if not ended or ended.group(1) == "finished in" else " STOPPED: " + out.splitlines()[0].split(": ", 1)[-1][:80]
peak = re.search(r"peak in flight (\d+)", out)
ceiling = " (hit --concurrency)" if "latency limited the rate" in out else ""
rate = (n - 1) / ((last - first) / 1000) if n > 1 and last > first else 0
print(f"{label:<28} {n:>9,} {rate:>8.1f} {rate / 190 * 100:>8.1f}% {wall:>5.0f}s {state['rate_limited']:>6} "
      f"{refused:>6} {peak.group(1) if peak else '?'}{ceiling}{stopped}")
PY
done
