#!/usr/bin/env bash
# The @vscode/test-electron suite (test/integration/): runs inside a desktop VS Code, which
# test-electron downloads into .vscode-test/ (or set VSCODE_EXECUTABLE to an installed `code`).
# Not part of CI here: VS Code cannot be downloaded on these machines (the UI suite uses
# code-server instead).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh
npm run --silent build
tsc -p test/integration/tsconfig.json
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
  exec xvfb-run -a vscode-test --config .vscode-test.mjs "$@"
fi
exec vscode-test --config .vscode-test.mjs "$@"
