#!/usr/bin/env bash
# On demand, not CI: builds a realistic job database (the samples plus generated participants, sent to a local
# sandbox with faults and a tight rate limit so there are retries, 429s, failures and held participants),
# writes `backfill report --html` (plain and --redact), renders both in headless Chromium to PNGs and fails
# on any console error. Look at the PNGs afterwards (report-N.png: 1000-pixel slices, to see at full size).
#
#   benchmarks/report_html_check.sh            # output in /tmp/backfill-report-check
#   N=5000 OUT=/tmp/check benchmarks/report_html_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1500}
OUT=${OUT:-/tmp/backfill-report-check}
SCRATCH=${SCRATCH:-.build}
PORT=${PORT:-18437}

if ! command -v chromium >/dev/null 2>&1; then
    echo "installing chromium (Debian's package)..."
    apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi

swift build --scratch-path "$SCRATCH" --product backfill
BIN="$SCRATCH/debug/backfill"

rm -rf "$OUT"
mkdir -p "$OUT"
DB="$OUT/demo.sqlite"

# N participants, one or two rows each; a few held (no city, a malformed email, a shared email), a few rows with
# unusable codes; a roster where 1 in 60 is not a customer (400 "is not a customer").
python3 - "$N" "$OUT" <<'PY'
import json, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
random.seed(7)
first = ["Ana", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena"]
last = ["Lima", "Okafor", "Nguyen", "Schmidt", "Rossi", "Tanaka", "Silva", "Haddad"]
with open(f"{out}/history.csv", "w") as csv, open(f"{out}/roster.jsonl", "w") as roster:
    csv.write("participant_code,updated_at,first_name,last_name,address_one,city,state,zip,country,email\n")
    for i in range(n):
        code = f"P{i:05d}"
        f, l = random.choice(first), random.choice(last)
        city = "" if i % 97 == 5 else "Austin"
        email = f"{f.lower()}.{l.lower()}{i}@example.com"
        if i % 131 == 7: email = f"{f.lower()}@@broken"
        if i % 211 == 9: email = "shared@example.com"
        csv.write(f'{code},2024-0{1 + i % 9}-1{i % 9}T10:00:00Z,{f},{l},"{i} Main St, Unit {i % 7}",{city},TX,78701,US,{email}\n')
        if i % 3 == 0:
            csv.write(f"{code},2024-10-01T00:00:00Z,,,,,,,,{f.lower()}.{l.lower()}.{i}@example.org\n")
        if i % 400 == 3:
            csv.write(f"BAD-{i},2024-01-01,{f},{l},,,,,,\n")
        roster.write(json.dumps({"participant_code": code, "customer": i % 60 != 11}) + "\n")
PY

SECRET=$(printf 'report-check-secret-0123456789' | base64)
"$BIN" sandbox --port "$PORT" --api-key report-check --api-secret "$SECRET" --passphrase pass \
    --roster "$OUT/roster.jsonl" --fail-rate 0.06 --reset-rate 0.01 --slow-rate 0.01 --slow 6s --rate-limit 60/1s --lockout 2s --latency 15ms \
    --seed 11 --log-level warning >"$OUT/sandbox.log" 2>&1 &
SANDBOX=$!
trap 'kill "$SANDBOX" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    grep -q "listening" "$OUT/sandbox.log" 2>/dev/null && break
    sleep 0.1
done

"$BIN" ingest "$OUT/history.csv" --db "$DB" >/dev/null
BACKFILL_API_KEY=report-check BACKFILL_API_SECRET="$SECRET" BACKFILL_API_PASSPHRASE=pass \
    "$BIN" run --db "$DB" --base-url "http://127.0.0.1:$PORT" --rate 90/1s --concurrency 8 --max-attempts 2 \
    --timeout 5s --stop-after 1000 --log-format json --log-level warning >"$OUT/run.log" 2>&1 || echo "run exit $? (2 = some failed or held, expected)"
kill "$SANDBOX" 2>/dev/null || true
wait "$SANDBOX" 2>/dev/null || true
trap - EXIT

"$BIN" report --summary --db "$DB" | tee "$OUT/summary.txt"
"$BIN" report --html "$OUT/report.html" --db "$DB"
"$BIN" report --html "$OUT/report-redacted.html" --redact --db "$DB"

status=0
for page in report report-redacted; do
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 \
        --screenshot="$OUT/$page.png" --window-size=1280,${HEIGHT:-5200} "file://$OUT/$page.html" 2>"$OUT/$page.chromium.log" || true
    if [ ! -s "$OUT/$page.png" ]; then
        echo "FAIL: $page: no screenshot (see $OUT/$page.chromium.log)"
        status=1
    elif grep -E "Uncaught|ERROR:CONSOLE|CONSOLE\(" "$OUT/$page.chromium.log"; then
        echo "FAIL: $page: console errors (above)"
        status=1
    else
        echo "ok: $OUT/$page.png, no console errors"
    fi
done
# The full page is taller than an image viewer shows at full size: also 1280x1000 slices of it, through a wrapper
# page (a local iframe; the report itself still fetches nothing), to look at one by one.
for page in report report-redacted; do
    for i in 0 1 2 3 4 5 6; do
        wrapper="$OUT/$page-slice-$i.html"
        printf '%s' "<!DOCTYPE html><html><body style='margin:0;overflow:hidden'><iframe src='$page.html' scrolling='no' style='position:absolute;top:-$((i * 1000))px;left:0;width:1280px;height:$(((i + 1) * 1000 + 200))px;border:0'></iframe></body></html>" >"$wrapper"
        chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$OUT/$page-$i.png" \
            --window-size=1280,1000 "file://$wrapper" >/dev/null 2>&1 || true
    done
done
echo "slices: $OUT/report-[0-6].png, $OUT/report-redacted-[0-6].png"
exit $status
