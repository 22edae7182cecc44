#!/usr/bin/env bash
# Downloads the pinned benchmark corpus (wheels from PyPI, unpacked). Usage: corpus.sh DEST
set -euo pipefail
dest=${1:-.bench-corpus}
mkdir -p "$dest"
py=${PYTHON:-python3}
while read -r spec; do
  [ -z "$spec" ] && continue
  out="$dest/${spec/==/-}"
  [ -d "$out" ] && continue
  tmp=$(mktemp -d)
  "$py" -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$spec"
  mkdir -p "$out"
  "$py" -m zipfile -e "$tmp"/*.whl "$out"
  rm -rf "$tmp"
  echo "fetched $spec -> $out"
done <<'LIST'
transformers==5.23.0
peft==0.21.2
accelerate==1.15.0
mlx-lm==0.32.2
mlx-vlm==0.7.10
unsloth-zoo==2026.10.9
LIST
