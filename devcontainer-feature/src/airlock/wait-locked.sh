#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Airlock postStartCommand: waits (at most about 10 s) until the entrypoint has locked egress,
# and fails loudly otherwise, so the user's own lifecycle commands never run unprotected.
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
			exit 0
			;;
	esac
	sleep 0.1
done
echo "airlock: NOT LOCKED: $status" >&2
echo "airlock: egress stays closed; see /var/log/airlock/entrypoint.log, or run: docker exec -u root <container> airlock-ctl status" >&2
exit 1
