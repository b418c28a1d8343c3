#!/bin/bash
# Default options (empty allowlist = deny all, enforce). Run with a non-root remote user, e.g.
#   devcontainer features test -p devcontainer-feature -f airlock -i airlock-test/debian-dev:bookworm -u dev
set -e
# shellcheck source=/dev/null
source dev-container-features-test-lib
# shellcheck source=devcontainer-feature/test/airlock/airlock-checks.sh
source airlock-checks.sh

check "status locked" airlock_status_is locked
check "empty allowlist" bash -c 'printf "airlock-policy 1\nmode enforce\n" | cmp - /etc/airlock/policy'
check "loopback works (positive control)" airlock_local_control
check "direct IPv4 refused" airlock_direct_refused http://192.0.2.1/
check "embedded DNS refused" airlock_udp_refused 127.0.0.11 53
check "proxy denies everything" env HTTP_PROXY=http://127.0.0.1:3128 bash -c 'curl -sS -o /dev/null -w "%{http_code}" -x http://127.0.0.1:3128 --max-time 8 http://example.com/ | grep -qx 403'
reportResults
