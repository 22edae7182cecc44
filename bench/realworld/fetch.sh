#!/usr/bin/env bash
# Downloads the triage packages (packages.txt beside this script) from PyPI and unpacks
# each wheel into DEST/<name>-<version>/. Usage: fetch.sh DEST. Re-running reuses what is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: fetch.sh DEST}
mkdir -p "$dest"
py=${PYTHON:-python3}
grep -v '^\s*\(#\|$\)' "$here/packages.txt" | while read -r spec; do
  name=${spec%%==*} version=${spec##*==}
  out="$dest/$name-$version"
  [ -d "$out" ] && continue
  tmp=$(mktemp -d)
  "$py" -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$spec"
  mkdir -p "$out.part"
  "$py" -m zipfile -e "$tmp"/*.whl "$out.part"
  mv "$out.part" "$out"
  rm -rf "$tmp"
  echo "fetched $spec -> $out"
done
