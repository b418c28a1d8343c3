#!/usr/bin/env bash
# Runs shellcheck over every shell script in the project (tracked or new, not ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.sh' 'devcontainer-feature/src/airlock/bin/*' '.ci/run' | sort -u)
[ "${#files[@]}" -gt 0 ] || exit 0
shellcheck -x "${files[@]}"
