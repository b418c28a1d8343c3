#!/bin/sh
# Airlock entrypoint: one line of the dev container's start script, on every start and restart,
# before any user process. Locks (default deny first) and returns; the proxy keeps running
# under a supervisor in the background. If it cannot lock, egress stays closed.
mkdir -p /var/log/airlock 2>/dev/null
if [ "$(id -u)" -ne 0 ]; then
	echo "airlock: entrypoint: running as uid $(id -u), not root: cannot program the firewall; egress is NOT locked" >&2
else
	/usr/local/sbin/airlock-ctl lock >>/var/log/airlock/entrypoint.log 2>&1 ||
		echo "airlock: entrypoint: NOT LOCKED: see /var/log/airlock/entrypoint.log and airlock-ctl status" >&2
fi
exec "$@"
