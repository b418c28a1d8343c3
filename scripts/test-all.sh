#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup (idempotent), lint, unit, Feature end-to-end,
# editor end-to-end, fault and load. Each stage can also be run alone (see package.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh
npm run lint
npm run typecheck
npm run build
npm run test:unit
for stage in test:e2e test:ui test:reliability; do
  if node -e "process.exit(require('./package.json').scripts['$stage'] ? 0 : 1)"; then
    npm run "$stage"
  fi
done
