#!/usr/bin/env bash
# Builds the release artifact an operator copies to the allowlisted host:
#   dist/backfill-VERSION-linux-ARCH.tar.gz   (one stripped binary, the Swift runtime linked in statically)
#   dist/backfill-VERSION-linux-ARCH.tar.gz.sha256
# The binary carries everything it reads (migrations, samples, ISO 3166 data); it needs only glibc, libsqlite3,
# zlib, libstdc++ and libgcc_s on the host (Debian/Ubuntu: libsqlite3-0 zlib1g libstdc++6).
# It records the commit it was built from: this script writes it into Sources/BackfillCore/Store/BuildInfo.swift
# for the build and puts the file back afterwards. A tree with uncommitted changes is marked `-dirty`.
# Usage: scripts/release.sh [OUT_DIR]   (default dist/; the build directory is .build/static)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-dist}
INFO=Sources/BackfillCore/Store/BuildInfo.swift
VERSION=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' "$INFO")
ARCH=$(uname -m)
NAME="backfill-$VERSION-linux-$ARCH"

COMMIT=
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  COMMIT=$(git rev-parse --short=12 HEAD)
  # Only tracked files count: the build directory and dist/ are not the source.
  if ! git diff --quiet HEAD -- . ':!dist' 2>/dev/null; then COMMIT="$COMMIT-dirty"; fi
fi

BACKUP=$(mktemp)
cp "$INFO" "$BACKUP"
restore() { cp "$BACKUP" "$INFO"; rm -f "$BACKUP"; }
trap restore EXIT
if [ -n "$COMMIT" ]; then
  sed -i "s/public static let commit: String? = nil/public static let commit: String? = \"$COMMIT\"/" "$INFO"
fi

echo "building $NAME (commit ${COMMIT:-unknown}) with --static-swift-stdlib..."
START=$(date +%s)
swift build -c release --static-swift-stdlib --product backfill --scratch-path .build/static
BIN="$(swift build -c release --static-swift-stdlib --scratch-path .build/static --show-bin-path)/backfill"
echo "built in $(( $(date +%s) - START )) s"
restore; trap - EXIT

STAGE=$(mktemp -d)
mkdir -p "$STAGE/$NAME"
cp "$BIN" "$STAGE/$NAME/backfill"
strip "$STAGE/$NAME/backfill"
cat > "$STAGE/$NAME/README" <<TXT
backfill $VERSION (commit ${COMMIT:-unknown}), linux $ARCH.
The host needs glibc, libsqlite3, zlib, libstdc++ and libgcc_s (Debian/Ubuntu: apt-get install libsqlite3-0 zlib1g libstdc++6).
Nothing else: migrations, samples and the ISO 3166 data are inside the binary.
  ./backfill --version
  ./backfill demo
TXT
mkdir -p "$OUT"
tar -C "$STAGE" -czf "$OUT/$NAME.tar.gz" "$NAME"
(cd "$OUT" && sha256sum "$NAME.tar.gz" > "$NAME.tar.gz.sha256")
rm -rf "$STAGE"
echo "$OUT/$NAME.tar.gz ($(du -h "$OUT/$NAME.tar.gz" | cut -f1)), binary $(stat -c %s "$BIN" | numfmt --to=iec) before strip"
cat "$OUT/$NAME.tar.gz.sha256"
