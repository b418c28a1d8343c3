#!/bin/bash
set -e
# shellcheck source=/dev/null
source dev-container-features-test-lib
# shellcheck source=devcontainer-feature/test/airlock/airlock-checks.sh
source airlock-checks.sh

check "status locked" airlock_status_is locked
check "policy is the canonical text" bash -c 'printf "airlock-policy 1\nmode enforce\nallow *.wild.airlock-scenarios.example\nallow allowed.airlock-scenarios.example\nallow allowed.airlock-scenarios.example:22\n" | cmp - /etc/airlock/policy'
check "allowed host answers through the proxy (positive control)" airlock_proxy_ok "$ALLOWED_URL"
check "loopback works (positive control)" airlock_local_control
check "direct IPv4 to the same host refused" airlock_direct_refused "http://$SCENARIO_HOST_V4/"
check "direct IPv6 to the same host refused" airlock_direct_refused "http://[$SCENARIO_HOST_V6]/"
check "embedded DNS refused" airlock_udp_refused 127.0.0.11 53
check "QUIC to the same host refused" airlock_udp_refused "$SCENARIO_HOST_V4" 443
check "proxy denies a host not allowlisted (same address)" airlock_proxy_denies "$OTHER_URL"
check "proxy denies an IP literal" airlock_proxy_denies "http://$SCENARIO_HOST_V4/"
check "sudo removed" bash -c '! sudo -n true'
check "policy not writable" bash -c '! echo "allow x.example" 2>/dev/null >>/etc/airlock/policy'
check "airlock-ctl refuses non-root" bash -c 'airlock-ctl status 2>&1 | grep -q "needs root"'
reportResults
