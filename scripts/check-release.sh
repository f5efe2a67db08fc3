#!/usr/bin/env bash
# Checks a release artifact as the allowlisted host will run it (CI runs this after scripts/release.sh):
# unpacked into an empty directory, in a private mount namespace (`unshare -m`) where an empty directory is
# mounted over the toolchain's Swift runtime directory and over this checkout's .build (where SwiftPM would look
# for resource bundles), and run from a directory with no checkout:
#   1. ldd lists no Swift runtime library (and nothing "not found");
#   2. backfill --version prints the version and the commit;
#   3. backfill demo succeeds;
#   4. ingest, then run against the binary's own sandbox, succeeds.
# Usage: scripts/check-release.sh [dist/backfill-VERSION-linux-ARCH.tar.gz]   (as root: unshare -m, mount)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
TARBALL=${1:-$(ls -t dist/backfill-*-linux-*.tar.gz | head -1)}
VERSION=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/BackfillCore/Store/BuildInfo.swift)
RUNTIME=$(readlink -f "$(dirname "$(readlink -f "$(command -v swift)")")/../lib/swift/linux")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && sha256sum -c "$REPO/$TARBALL.sha256" >/dev/null 2>&1) || (cd "$(dirname "$TARBALL")" && sha256sum -c "$(basename "$TARBALL").sha256")
tar -C "$WORK" -xzf "$TARBALL"
BIN=$(ls "$WORK"/backfill-*/backfill)
echo "artifact: $TARBALL; binary $(stat -c %s "$BIN" | numfmt --to=iec); runtime hidden: $RUNTIME"

unshare -m bash -s "$BIN" "$RUNTIME" "$REPO" "$WORK" "$VERSION" <<'INNER'
set -euo pipefail
BIN=$1 RUNTIME=$2 REPO=$3 WORK=$4 VERSION=$5
EMPTY=$(mktemp -d)
mount --make-rprivate / 2>/dev/null || true
mount --bind "$EMPTY" "$RUNTIME"
[ -d "$REPO/.build" ] && mount --bind "$EMPTY" "$REPO/.build"
[ -z "$(ls -A "$RUNTIME")" ] || { echo "FAIL: the runtime directory is still visible"; exit 1; }
fail() { echo "FAIL: $*"; exit 1; }

# 1. No Swift runtime library, nothing missing.
LIBS=$(ldd "$BIN")
echo "$LIBS" | sed 's/^/  ldd: /'
if echo "$LIBS" | grep -Eq 'libswift|libFoundation|libdispatch|libBlocksRuntime|lib_FoundationICU|libXCTest'; then fail "ldd lists a Swift runtime library"; fi
if echo "$LIBS" | grep -q 'not found'; then fail "ldd: a library is not found"; fi
echo "ok 1: ldd shows no Swift runtime library"

# 2. --version.
V=$("$BIN" --version)
echo "  $V"
case "$V" in "backfill $VERSION ("*) ;; *) fail "--version printed '$V'" ;; esac
echo "ok 2: --version"

# 3. demo, in a directory with no checkout.
HOME_DIR=$(mktemp -d); cd "$HOME_DIR"
"$BIN" demo --db "$HOME_DIR/demo.sqlite" > demo.out 2>&1 || { cat demo.out; fail "demo exited $?"; }
grep -q "update(s) applied" demo.out || { cat demo.out; fail "demo applied nothing"; }
echo "ok 3: demo ($(grep 'update(s) applied' demo.out))"

# 4. ingest, then run against the bundled sandbox.
PORT=$(( 20000 + RANDOM % 20000 ))
SECRET=$(printf 'release-check-secret-0123456789abcd' | base64)
"$BIN" sandbox --port "$PORT" --api-key rk --api-secret "$SECRET" --passphrase rp --log-level warning > sandbox.out 2>&1 &
SANDBOX=$!
trap 'kill $SANDBOX 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
cat > changes.csv <<CSV
participant_code,platform_updated_at,first_name,last_name,address_one,city,state,zip,country,email
REL001,2024-01-02T03:04:05Z,Ana,Lima,1 Main St,Austin,TX,78701,United States,ana@example.com
REL002,2024-01-02T03:04:06Z,Bo,Kim,2 Elm St,Albany,NY,12201,USA,bo@example.com
REL002,2024-02-02T03:04:06Z,,,9 Oak St,Miami,FL,33101,US,
CSV
"$BIN" ingest changes.csv --db run.sqlite
BACKFILL_API_KEY=rk BACKFILL_API_SECRET="$SECRET" BACKFILL_API_PASSPHRASE=rp \
  "$BIN" run --db run.sqlite --base-url "http://127.0.0.1:$PORT" > run.out 2>&1 || { cat run.out sandbox.out; fail "run exited $?"; }
grep -q "2 succeeded" run.out || { cat run.out; fail "run did not apply both participants"; }
"$BIN" status --db run.sqlite --json | grep -q "\"versions\":\[\"$VERSION+" || fail "status --json does not name the version that sent"
echo "ok 4: ingest and run against the bundled sandbox ($(grep -o 'requests: [^,]*' run.out))"
INNER
echo "release check passed"
