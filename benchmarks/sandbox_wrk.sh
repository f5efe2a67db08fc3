#!/usr/bin/env bash
# Throughput of the sandbox's PATCH route on this machine. Run on demand (not in CI), with nothing else heavy running:
#
#   benchmarks/sandbox_wrk.sh
#
# (a) wrk sends ONE pre-signed valid PATCH over and over: the first applies, the rest take the idempotent-replay path.
# (b) wrk cycles through DISTINCT pre-signed PATCHes (python3 signs them just before the run): each one applies.
# Both print wrk's Requests/sec; the sandbox's state file then shows what it answered, by status.
# Environment knobs: PORT (18089), DURATION (15s), THREADS (2), CONNECTIONS (64), DISTINCT (500000),
# BACKFILL_BIN (an already built release binary: skips the build).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18089}
DURATION=${DURATION:-15s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DISTINCT=${DISTINCT:-500000}
API_KEY=bench-key
API_SECRET=$(printf 'sandbox-benchmark-secret-0123456789' | base64)
PASSPHRASE=bench-passphrase
export API_KEY PASSPHRASE THREADS

if ! command -v wrk >/dev/null; then
    echo "Installing wrk..."
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi

if [ -n "${BACKFILL_BIN:-}" ]; then
    BIN=$BACKFILL_BIN
else
    echo "Building (release)..."
    swift build -c release --scratch-path .build-sandbox-release --product backfill 2>&1 | tail -1
    BIN="$(swift build -c release --scratch-path .build-sandbox-release --show-bin-path)/backfill"
fi

WORK=$(mktemp -d)
SANDBOX_PID=
cleanup() {
    if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

start_sandbox() {
    "$BIN" sandbox --no-rate-limit --port "$PORT" --api-key "$API_KEY" --api-secret "$API_SECRET" \
        --passphrase "$PASSPHRASE" --log-level warning --state-out "$WORK/state-$1.json" >"$WORK/sandbox-$1.log" 2>&1 &
    SANDBOX_PID=$!
    for _ in $(seq 1 100); do
        if curl -sf "http://127.0.0.1:$PORT/time" >/dev/null; then return; fi
        sleep 0.1
    done
    echo "sandbox did not start:"; cat "$WORK/sandbox-$1.log"; exit 1
}

stop_sandbox() {
    kill -TERM "$SANDBOX_PID"
    wait "$SANDBOX_PID" || true
    SANDBOX_PID=
    python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['requests']; print('  sandbox answered:', s['by_status'], 'replays:', s['idempotent_replays'])" "$WORK/state-$1.json"
}

requests_per_second() { awk '/Requests\/sec/ {print $2}' "$1"; }

echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"

echo "(a) one pre-signed PATCH, replayed ($THREADS threads, $CONNECTIONS connections, $DURATION)"
start_sandbox single
python3 benchmarks/sandbox_requests.py single "$WORK/single.lua" "$API_SECRET" "$API_KEY" "$PASSPHRASE"
curl -sf "http://127.0.0.1:$PORT/time" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/single.lua" "http://127.0.0.1:$PORT" | tee "$WORK/single.txt"
stop_sandbox single

echo "(b) $DISTINCT distinct pre-signed PATCHes ($THREADS threads, $CONNECTIONS connections, $DURATION)"
start_sandbox distinct
python3 benchmarks/sandbox_requests.py distinct "$WORK/distinct.tsv" "$API_SECRET" "$API_KEY" "$PASSPHRASE" "$DISTINCT"
REQUESTS="$WORK/distinct.tsv" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s benchmarks/sandbox_distinct.lua \
    "http://127.0.0.1:$PORT" | tee "$WORK/distinct.txt"
stop_sandbox distinct

echo
echo "Replayed request:   $(requests_per_second "$WORK/single.txt") requests/s"
echo "Distinct requests:  $(requests_per_second "$WORK/distinct.txt") requests/s"
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
