#!/usr/bin/env bash
# Profiles the lock a container start runs (issue #14, docs/benchmarks.md "Start: where the time
# went"): in a running locked dev container, stops the supervisor and Squid, then runs
# `airlock-ctl lock --at-start` as the entrypoint does, with AIRLOCK_PROFILE=1, RUNS times.
# Prints each step's milliseconds and the lock's total.
# The container is locked again afterwards (the last run's lock stays in force).
#   scripts/bench/profile-lock.sh CONTAINER [RUNS]
set -euo pipefail
container=${1:?usage: scripts/bench/profile-lock.sh CONTAINER [RUNS]}
runs=${2:-5}
for ((i = 1; i <= runs; i++)); do
	echo "run $i:"
	# shellcheck disable=SC2016 # expanded in the container
	docker exec -u root -e AIRLOCK_PROFILE=1 "$container" bash -c '
		kill "$(cat /run/airlock/supervisor.pid 2>/dev/null)" 2>/dev/null
		sleep 0.2
		pkill -x squid
		for _ in $(seq 1 50); do pgrep -x squid >/dev/null || break; sleep 0.05; done
		rm -f /run/airlock/status.json /run/airlock/state /run/airlock/netns-proven /run/airlock/squid.pid
		start=${EPOCHREALTIME/./}
		/usr/local/sbin/airlock-ctl lock --at-start 2>&1 >/dev/null | grep profile
		end=${EPOCHREALTIME/./}
		echo "lock total: $(((end - start) / 1000)) ms"'
done
