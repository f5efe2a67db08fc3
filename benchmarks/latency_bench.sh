#!/usr/bin/env bash
# The run engine on a real network (on demand, not CI), release build.
# `backfill run --rate 1900/10s` with the default --concurrency against `backfill sandbox --rate-limit 2000/10s`
# at several --latency settings, about 60 s each (--limit = 60 s of jobs at 190/s). For every row it prints:
#   achieved: requests started per second while sending (first start to last start, from the ledger),
#             as a share of 190/s (target >= 97%); the wall-clock figure (start-up and the wait for the
#             last answer included) beside it;
#   429s:     what the sandbox answered 429 (its own count, from --state-out);
#   peak:     the peak in-flight requests the run reported, and whether it hit --concurrency.
# Knobs: SECONDS_EACH (60), PORT (18091), ROWS ("0ms 50ms 250ms 1s slow"; slow = 250ms --slow-rate 0.02 --slow 35s),
#        HANDOVERS (percent, e.g. 2: a corpus where that share of participants hand their email on to another, with
#        a sandbox roster holding everyone at their first address; a taker sent before its giver is refused).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${SECONDS_EACH:-60}
PORT=${PORT:-18091}
ROWS=${ROWS:-"0ms 50ms 250ms 1s slow"}
JOBS=$(( SECONDS_EACH * 190 ))
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

ROSTER=()
if [ -n "${HANDOVERS:-}" ]; then
  python3 benchmarks/gen_handover_csv.py "$JOBS" "$WORK/history.csv" "$WORK/roster.jsonl" "$HANDOVERS"
  ROSTER=(--roster "$WORK/roster.jsonl")
else
  python3 benchmarks/gen_ingest_csv.py $(( JOBS * 3 )) "$WORK/history.csv" >/dev/null
fi

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "backfill run --rate 1900/10s --limit $JOBS (default --concurrency) vs sandbox --rate-limit 2000/10s"
printf '%-28s %9s %8s %9s %6s %6s %s\n' "sandbox" "requests" "req/s" "of 190/s" "wall" "429s" "peak in flight"
for row in $ROWS; do
  case $row in
    slow) flags=(--latency 250ms --slow-rate 0.02 --slow 35s); label="250ms, 2% answered after 35s" ;;
    *) flags=(--latency "$row"); label="--latency $row" ;;
  esac
  rm -f "$WORK"/run.sqlite* "$WORK/state.json"
  "$BIN" ingest "$WORK/history.csv" --db "$WORK/run.sqlite" >/dev/null
  "$BIN" sandbox --port "$PORT" --api-key "$API_KEY" --api-secret "$API_SECRET" --passphrase "$PASSPHRASE" \
    --rate-limit 2000/10s --log-level warning --state-out "$WORK/state.json" "${flags[@]}" ${ROSTER[@]+"${ROSTER[@]}"} >"$WORK/sandbox.log" 2>&1 &
  SANDBOX_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/time" >/dev/null && break; sleep 0.1; done
  "$BIN" run --db "$WORK/run.sqlite" --base-url "http://127.0.0.1:$PORT" --rate 1900/10s --limit "$JOBS" \
    --log-level warning >"$WORK/run.out" 2>"$WORK/run.err" || true
  kill -TERM "$SANDBOX_PID"; wait "$SANDBOX_PID" 2>/dev/null || true; SANDBOX_PID=
  python3 - "$WORK/run.sqlite" "$WORK/state.json" "$WORK/run.out" "$label" <<'PY'
import json, re, sqlite3, sys
db, state_path, out_path, label = sys.argv[1:]
n, first, last = sqlite3.connect(db).execute(
    "SELECT count(*), min(started_at), max(started_at) FROM attempt WHERE outcome != 'interrupted'").fetchone()
state = json.load(open(state_path))["requests"]
out = open(out_path).read()
ended = re.search(r"(finished in|STOPPED after|interrupted by \S+ after) ([0-9.]+) s", out)
wall = float(ended.group(2)) if ended else float("nan")
stopped = "" if not ended or ended.group(1) == "finished in" else " STOPPED: " + out.splitlines()[0].split(": ", 1)[-1][:80]
peak = re.search(r"peak in flight (\d+)", out)
ceiling = " (hit --concurrency)" if "latency limited the rate" in out else ""
rate = (n - 1) / ((last - first) / 1000) if n > 1 and last > first else 0
refused = state.get("by_status", {}).get("400", 0)
waited = re.search(r"emails: (\d+) handovers? \((\d+) applied", out)
extra = f"  400s {refused}, handovers {waited.group(2)}/{waited.group(1)} applied after their giver" if waited else ""
print(f"{label:<28} {n:>9,} {rate:>8.1f} {rate / 190 * 100:>8.1f}% {wall:>5.0f}s {state['rate_limited']:>6} "
      f"{peak.group(1) if peak else '?'}{ceiling}{stopped}{extra}")
PY
done
