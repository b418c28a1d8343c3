#!/bin/bash
set -e
# shellcheck source=/dev/null
source dev-container-features-test-lib
# shellcheck source=devcontainer-feature/test/airlock/airlock-checks.sh
source airlock-checks.sh

check "status weakened" airlock_status_is weakened
check "sudoers entry kept" bash -c 'ls /etc/sudoers.d/dev'
check "loopback works (positive control)" airlock_local_control
check "direct IPv4 refused" airlock_direct_refused http://192.0.2.1/
reportResults
