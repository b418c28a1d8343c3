#!/bin/bash
set -e
# shellcheck source=/dev/null
source dev-container-features-test-lib
# shellcheck source=devcontainer-feature/test/airlock/airlock-checks.sh
source airlock-checks.sh
# Default options: an empty allowlist denies everything, in enforce mode, sudo removed.
check "status locked" airlock_status_is locked
check "empty allowlist" bash -c 'printf "airlock-policy 1\nmode enforce\n" | cmp - /etc/airlock/policy'
check "loopback works (positive control)" airlock_local_control
check "direct IPv4 to the test host refused" airlock_direct_refused "http://$SCENARIO_HOST_V4/"
check "direct IPv6 to the test host refused" airlock_direct_refused "http://[$SCENARIO_HOST_V6]/"
check "embedded DNS refused" airlock_udp_refused 127.0.0.11 53
check "proxy denies the test host" airlock_proxy_denies "$ALLOWED_URL"
check "sudo removed" bash -c '! sudo -n true'
reportResults
