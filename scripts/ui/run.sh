#!/usr/bin/env bash
# The editor end-to-end suite: a real VS Code (code-server) in Debian's Chromium, with the
# packaged extension installed from the .vsix. Installs (cached) what it needs first.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh
bash scripts/ui/install-code-server.sh
# The blocked-requests tests bring up a real locked container from the registry-free dev image.
bash scripts/base-image.sh
npm run --silent package >/dev/null
tsc -p test/ui/tsconfig.json
mkdir -p test-artifacts/ui
mocha --config test/ui/.mocharc.json "$@"
