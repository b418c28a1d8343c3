#!/bin/sh
# Airlock entrypoint: one line of the dev container's start script, on every start and restart,
# before any user process. Locks (default deny first) and returns; the proxy keeps running
# under a supervisor in the background. If it cannot lock, egress stays closed; if it cannot
# even close egress (no NET_ADMIN, not root), it stops the container: PID 1 is the devcontainer
# CLI's start script, which exits on SIGTERM (`trap "exit 0" 15`) once this script returns.
mkdir -p /var/log/airlock 2>/dev/null
stop_container() {
	echo "airlock: entrypoint: NOT LOCKED: $1; stopping the container so nothing runs with open egress" >&2
	kill -TERM 1
	exit 1
}
# /run survives `docker restart`: drop the last start's status first, so nobody reads "locked"
# from before this start while the new network namespace has no rules yet.
rm -f /run/airlock/status.json /run/airlock/state /run/airlock/netns-proven 2>/dev/null
if [ "$(id -u)" -ne 0 ]; then
	stop_container "running as uid $(id -u), not root: the firewall cannot be programmed"
fi
/usr/local/sbin/airlock-ctl lock --at-start >>/var/log/airlock/entrypoint.log 2>&1
rc=$?
if [ "$rc" -eq 3 ]; then
	stop_container "the firewall cannot be programmed ($(tail -n 1 /var/log/airlock/entrypoint.log))"
elif [ "$rc" -eq 4 ]; then
	# The host's network (or another container's): nothing was programmed there.
	stop_container "$(tail -n 1 /var/log/airlock/entrypoint.log | sed 's/^airlock-ctl: lock: //')"
elif [ "$rc" -ne 0 ]; then
	echo "airlock: entrypoint: NOT LOCKED (egress stays closed): see /var/log/airlock/entrypoint.log and airlock-ctl status" >&2
fi
exec "$@"
