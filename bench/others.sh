#!/usr/bin/env bash
# The reference linters of bench/run.py, each in its own environment without seedlint:
# Fixit pins click<8.2 (which mlx-lm's dependencies refuse), and a flake8 that can see
# seedlint would run its plugin too. Usage: others.sh DEST; then run.py --others DEST.
set -euo pipefail
dest=${1:-.bench-others}
py=${PYTHON:-python3}
for spec in fixit==2.2.1 flake8==7.5.0; do
  name=${spec%%==*}
  [ -x "$dest/$name/bin/$name" ] && continue
  "$py" -m venv "$dest/$name"
  "$dest/$name/bin/pip" install --quiet "$spec"
  echo "installed $spec -> $dest/$name"
done
