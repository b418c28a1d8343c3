#!/usr/bin/env bash
# Builds the registry-free base images the end-to-end tests use, once, and caches them
# in the local Docker engine. No registry is reachable here, so the root filesystem
# comes from Debian's mirror through debootstrap.
#   airlock-test/debian:bookworm      plain minbase, root only
#   airlock-test/debian-dev:bookworm  the same with a non-root user `dev` (uid 1000) and
#                                     curl, as dev container images usually have
set -euo pipefail

base=airlock-test/debian:bookworm
dev=airlock-test/debian-dev:bookworm
mirror=${AIRLOCK_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if ! docker image inspect "$base" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { echo "base-image: debootstrap is missing (apt-get install -y debootstrap)" >&2; exit 1; }
  rootfs=$(mktemp -d /tmp/airlock-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  echo "base-image: debootstrap bookworm into $rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/tmp/airlock-debootstrap.log 2>&1 || {
    tail -20 /tmp/airlock-debootstrap.log >&2; exit 1; }
  tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/bash"]' - "$base" >/dev/null
  echo "base-image: built $base"
fi

if ! docker image inspect "$dev" >/dev/null 2>&1; then
  docker build -q -t "$dev" - >/dev/null <<DOCKERFILE
FROM $base
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates procps \
 && rm -rf /var/lib/apt/lists/* \
 && useradd -m -u 1000 -s /bin/bash dev
DOCKERFILE
  echo "base-image: built $dev"
fi
