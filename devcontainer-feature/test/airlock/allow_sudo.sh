#!/bin/bash
set -e
# shellcheck source=/dev/null
source dev-container-features-test-lib
# shellcheck source=devcontainer-feature/test/airlock/airlock-checks.sh
source airlock-checks.sh

check "status weakened" airlock_status_is weakened
check "sudoers entry kept" bash -c 'ls /etc/sudoers.d/dev'
check "allowed host answers through the proxy (positive control)" airlock_proxy_ok "$ALLOWED_URL"
check "direct IPv4 still refused" airlock_direct_refused "http://$SCENARIO_HOST_V4/"
# The Feature's no-new-privileges applies to every process, so setuid sudo cannot gain root
# even with its entries kept (devcontainer-feature/src/airlock/NOTES.md).
check "sudo still cannot gain root (no-new-privileges)" bash -c '! sudo -n true'
reportResults
