#!/bin/bash
set -e
# shellcheck source=/dev/null
source dev-container-features-test-lib
# shellcheck source=devcontainer-feature/test/airlock/airlock-checks.sh
source airlock-checks.sh

check "status locked" airlock_status_is locked
check "policy says audit" grep -qx 'mode audit' /etc/airlock/policy
check "allowed host answers through the proxy (positive control)" airlock_proxy_ok "$ALLOWED_URL"
check "a host not allowlisted answers too (audit)" airlock_proxy_ok "$OTHER_URL"
check "... and is logged as not enforced" airlock_logged_unenforced other.airlock-scenarios.example
check "direct IPv4 still refused" airlock_direct_refused "http://$SCENARIO_HOST_V4/"
check "embedded DNS still refused" airlock_udp_refused 127.0.0.11 53
check "IP literals still denied by the proxy" airlock_proxy_denies "http://$SCENARIO_HOST_V4/"
reportResults
