#!/usr/bin/env bash
# Installs and starts what the tests and the demo need on a fresh Debian machine (as root):
# Debian's Docker engine and Compose, debootstrap, iptables, shellcheck, Chromium, an OCI
# registry (for the Feature publish test); Node >= 22.12; the base images. Idempotent: installs
# only what is missing and starts dockerd only if none answers.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in dockerd:docker.io docker-compose:docker-compose debootstrap:debootstrap iptables:iptables shellcheck:shellcheck chromium:chromium busybox:busybox docker-registry:docker-registry; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing ${need[*]}; run as root or install them with apt-get" >&2; exit 1
  fi
  echo "setup: apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "setup: starting dockerd"
  (dockerd >/var/log/airlock-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start; see /var/log/airlock-dockerd.log" >&2; exit 1; }
fi

# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/base-image.sh
