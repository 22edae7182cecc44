#!/usr/bin/env bash
# Downloads the wheels named on standard input (NAME==VERSION a line; blank lines and
# `#` comments skipped) from PyPI and unpacks each into DEST/<name>-<version>/.
# Usage: fetch_wheels.sh DEST < LIST. Re-running reuses what is there.
set -euo pipefail
dest=${1:?usage: fetch_wheels.sh DEST < LIST}
mkdir -p "$dest"
py=${PYTHON:-python3}
grep -v '^\s*\(#\|$\)' | while read -r spec; do
  out="$dest/${spec%%==*}-${spec##*==}"
  [ -d "$out" ] && continue
  tmp=$(mktemp -d)
  "$py" -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$spec"
  rm -rf "$out.part" && mkdir -p "$out.part"
  "$py" -m zipfile -e "$tmp"/*.whl "$out.part"
  mv "$out.part" "$out"
  rm -rf "$tmp"
  echo "fetched $spec -> $out"
done
