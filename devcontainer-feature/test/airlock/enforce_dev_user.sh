#!/bin/bash
set -e
# shellcheck source=/dev/null
source dev-container-features-test-lib
# shellcheck source=devcontainer-feature/test/airlock/airlock-checks.sh
source airlock-checks.sh

check "status locked" airlock_status_is locked
check "policy is the canonical text" bash -c 'printf "airlock-policy 1\nmode enforce\nallow *.example.org\nallow example.com\nallow example.net:22\n" | cmp - /etc/airlock/policy'
check "loopback works (positive control)" airlock_local_control
check "direct IPv4 refused" airlock_direct_refused http://192.0.2.1/
check "direct IPv6 refused" airlock_direct_refused 'http://[2001:db8::1]/'
check "embedded DNS refused" airlock_udp_refused 127.0.0.11 53
check "QUIC refused" airlock_udp_refused 192.0.2.1 443
check "proxy denies a host not allowlisted" airlock_proxy_denies http://blocked.example.invalid/
check "proxy denies an IP literal" airlock_proxy_denies http://192.0.2.1/
check "sudo removed" bash -c '! sudo -n true'
check "policy not writable" bash -c '! echo "allow x.example" 2>/dev/null >>/etc/airlock/policy'
check "airlock-ctl refuses non-root" bash -c 'airlock-ctl status 2>&1 | grep -q "needs root"'
reportResults
