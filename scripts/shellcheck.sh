#!/usr/bin/env bash
# Runs shellcheck over every shell script in the project (tracked or new, not ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
# Fixtures are data that only look like scripts (test/fixtures/), so they are not linted.
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.sh' 'devcontainer-feature/src/airlock/bin/*' '.ci/run' ':!test/fixtures/**' | sort -u)
[ "${#files[@]}" -gt 0 ] || exit 0
shellcheck -x "${files[@]}"
