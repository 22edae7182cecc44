#!/usr/bin/env bash
# Downloads the pinned benchmark corpus (wheels from PyPI, unpacked). Usage: corpus.sh DEST
set -euo pipefail
bash "$(dirname "$0")/fetch_wheels.sh" "${1:-.bench-corpus}" <<'LIST'
transformers==5.23.0
peft==0.21.2
accelerate==1.15.0
mlx-lm==0.32.2
mlx-vlm==0.7.10
unsloth-zoo==2026.10.9
LIST
