#!/usr/bin/env bash
# Downloads the triage packages (packages.txt beside this script) from PyPI and unpacks
# each wheel into DEST/<name>-<version>/. Usage: fetch.sh DEST. Re-running reuses what is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../fetch_wheels.sh" "${1:?usage: fetch.sh DEST}" < "$here/packages.txt"
