#!/usr/bin/env bash
# The main job, end to end on this machine: lock an example workspace in a dev container with
# the local Feature and show that it holds. This machine has no internet, so a test host the
# demo starts itself plays "the internet" (the same harness the end-to-end tests use).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh
npm run --silent build
npm run --silent compile-tests >/dev/null
node scripts/demo.mjs
