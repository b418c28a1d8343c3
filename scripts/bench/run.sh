#!/usr/bin/env bash
# `npm run bench`: builds what the benchmarks need (bundles, compiled tests, the .vsix), then
# measures with real containers and prints the table; writes bench/results.json.
# Run it with nothing else running on the machine: the figures are ratios and medians, but two
# cores shared with other containers still move them. See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh
npm run build
npm run compile-tests
npm run package
exec node out/test/bench/bench.js
