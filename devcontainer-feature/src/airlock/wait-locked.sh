#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Airlock postStartCommand: waits (at most about 10 s) until the entrypoint has locked egress,
# and fails loudly otherwise, so the user's own lifecycle commands never run unprotected; then
# (at most about 5 s more) until the proxy answers, so their first request is not refused.
# Runs as the remote user; reads only world-readable state.
AIRLOCK_LIB=/usr/local/share/airlock/lib
# shellcheck source=lib/common.sh
. "$AIRLOCK_LIB/common.sh"
airlock_load_settings
status=''
for _ in $(seq 1 100); do
	status=$(airlock_status_json)
	case "$status" in
		'{"state":"locked"'* | '{"state":"weakened"'*)
			echo "airlock: $status"
			# Locked is the guarantee (the state is written once the firewall holds); the proxy
			# answering is what the tools that connect next need. It starts right after the lock,
			# so wait for it too (at most about 5 s), or the first request would be refused.
			for _ in $(seq 1 50); do
				(exec 3<>"/dev/tcp/127.0.0.1/$AIRLOCK_PROXY_PORT") 2>/dev/null && exit 0
				sleep 0.1
			done
			echo "airlock: locked, but the proxy is not answering on 127.0.0.1:$AIRLOCK_PROXY_PORT yet; requests fail until it does" >&2
			exit 0
			;;
	esac
	sleep 0.1
done
echo "airlock: NOT LOCKED: $status" >&2
echo "airlock: egress stays closed; see /var/log/airlock/entrypoint.log, or run: docker exec -u root <container> airlock-ctl status" >&2
exit 1
