#!/bin/bash
set -e
# shellcheck source=/dev/null
source dev-container-features-test-lib
# shellcheck source=devcontainer-feature/test/airlock/airlock-checks.sh
source airlock-checks.sh

check "status locked" airlock_status_is locked
check "policy says audit" grep -qx 'mode audit' /etc/airlock/policy
check "loopback works (positive control)" airlock_local_control
check "direct IPv4 still refused" airlock_direct_refused http://192.0.2.1/
check "embedded DNS still refused" airlock_udp_refused 127.0.0.11 53
check "IP literals still denied by the proxy" airlock_proxy_denies http://192.0.2.1/
reportResults
