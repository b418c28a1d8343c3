#!/usr/bin/env bash
# `npm run test:reliability`: the fault and load suite (test/reliability), real containers,
# about 13 minutes with the full soak. AIRLOCK_SOAK_SECONDS shortens the soak for development
# (CI runs the default, 600 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh
npm run build
npm run compile-tests
exec mocha --config test/reliability/.mocharc.json
