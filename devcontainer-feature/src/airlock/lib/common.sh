# shellcheck shell=bash disable=SC2034
# (SC2034: the variables here are used by the scripts that source this file.)
# Shared by airlock-ctl and the installer: fixed paths, the Feature's install-time settings,
# canonical policy parsing, status writing and JSON escaping. Sourced, never executed.

AIRLOCK_SHARE=/usr/local/share/airlock
AIRLOCK_ETC=/etc/airlock
AIRLOCK_POLICY=$AIRLOCK_ETC/policy
AIRLOCK_SETTINGS=$AIRLOCK_ETC/feature.conf
AIRLOCK_SQUID_DIR=$AIRLOCK_ETC/squid
AIRLOCK_RUN=/run/airlock
AIRLOCK_STATUS=$AIRLOCK_RUN/status.json
AIRLOCK_STATE=$AIRLOCK_RUN/state
AIRLOCK_SQUID_PID=$AIRLOCK_RUN/squid.pid
AIRLOCK_SUPERVISOR_PID=$AIRLOCK_RUN/supervisor.pid
AIRLOCK_LOG_DIR=/var/log/airlock
AIRLOCK_ACCESS_LOG=$AIRLOCK_LOG_DIR/access.log
AIRLOCK_POLICY_HEADER='airlock-policy 1'

# Install-time settings (written by install.sh): remote user, proxy port and user, sudo kept,
# and the role: `container` (the Feature in the agent's own container: firewall and proxy there)
# or `proxy` (the sidecar topology's proxy container, where everything runs as the proxy user and
# the state that changes lives on the volume at /var/lib/airlock, the root file system being
# read-only).
AIRLOCK_REMOTE_USER=
AIRLOCK_PROXY_PORT=3128
AIRLOCK_PROXY_USER=proxy
AIRLOCK_ALLOW_SUDO=false
AIRLOCK_ROLE=container
AIRLOCK_STATE_DIR=/var/lib/airlock
# The address Squid listens on: loopback in the agent's container; in the proxy container the
# address its internal-network name resolves to (written by `proxy-run` to /run/airlock/listen).
AIRLOCK_LISTEN=127.0.0.1
airlock_load_settings() {
	if [ -r "$AIRLOCK_SETTINGS" ]; then
		# Only KEY=value lines we wrote ourselves; parsed, not sourced, so the file cannot run code.
		local key value
		while IFS='=' read -r key value; do
			case "$key" in
				REMOTE_USER) AIRLOCK_REMOTE_USER=$value ;;
				PROXY_PORT) AIRLOCK_PROXY_PORT=$value ;;
				PROXY_USER) AIRLOCK_PROXY_USER=$value ;;
				ALLOW_SUDO) AIRLOCK_ALLOW_SUDO=$value ;;
				ROLE) AIRLOCK_ROLE=$value ;;
			esac
		done <"$AIRLOCK_SETTINGS"
	fi
	if [ "$AIRLOCK_ROLE" = proxy ]; then
		AIRLOCK_POLICY=$AIRLOCK_STATE_DIR/policy
		AIRLOCK_SQUID_DIR=$AIRLOCK_STATE_DIR/squid
		# The root file system is read-only and a tmpfs would be root's: run state on the volume
		# too (stale state from before a restart is recognised as such, see airlock_status_json).
		AIRLOCK_RUN=$AIRLOCK_STATE_DIR/run
		AIRLOCK_STATUS=$AIRLOCK_RUN/status.json
		AIRLOCK_STATE=$AIRLOCK_RUN/state
		AIRLOCK_SQUID_PID=$AIRLOCK_RUN/squid.pid
		AIRLOCK_SUPERVISOR_PID=$AIRLOCK_RUN/supervisor.pid
		if [ -r "$AIRLOCK_RUN/listen" ]; then
			AIRLOCK_LISTEN=$(cat "$AIRLOCK_RUN/listen")
		fi
	fi
}

# Step timings for profiling (docs/benchmarks.md): with AIRLOCK_PROFILE=1 in the environment,
# `airlock_prof STEP` prints the milliseconds since the previous mark to stderr. Free otherwise.
AIRLOCK_PROF_LAST=
airlock_prof() {
	[ "${AIRLOCK_PROFILE:-}" = 1 ] || return 0
	local now=${EPOCHREALTIME/./}
	[ -n "$AIRLOCK_PROF_LAST" ] && printf 'airlock-ctl: profile: %-28s %6d ms\n' "$1" $(((now - AIRLOCK_PROF_LAST) / 1000)) >&2
	AIRLOCK_PROF_LAST=$now
}

# The uid of USER: /etc/passwd read by the shell itself (the lock asks on the way to its first
# rule, where a process costs milliseconds), else `id -u` (users from NSS, e.g. LDAP). Returns 1
# when the user does not exist.
airlock_uid_of() {
	local name uid _
	while IFS=: read -r name _ uid _; do
		if [ "$name" = "$1" ]; then
			printf '%s\n' "$uid"
			return 0
		fi
	done </etc/passwd
	id -u "$1" 2>/dev/null
}

# Escapes a string for use inside a JSON string literal (quotes not included).
airlock_json_escape() {
	local s=$1 out='' c i code
	# Most strings need nothing escaped: skip the character loop for them.
	if [[ $s != *[\"\\[:cntrl:]]* ]]; then
		printf '%s' "$s"
		return 0
	fi
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case "$c" in
			'"') out+='\"' ;;
			\\) out+="\\\\" ;;
			$'\n') out+='\n' ;;
			$'\r') out+='\r' ;;
			$'\t') out+='\t' ;;
			*)
				printf -v code '%d' "'$c"
				if ((code >= 0 && code < 32)) || ((code == 127)); then
					printf -v c '\\u%04x' "$code"
				fi
				out+=$c
				;;
		esac
	done
	printf '%s' "$out"
}

# The rules of a canonical policy (already validated): prints "HOST" or "HOST:PORT" per line.
airlock_policy_rules() {
	sed -n 's/^allow //p' "$1"
}

# The wildcards whose exfiltration suspects are flagged, not refused (`exfil-warn *.HOST` lines).
airlock_policy_exfil_warn() {
	sed -n 's/^exfil-warn //p' "$1"
}

# The mode of policy FILE (its second line, "mode M") into AIRLOCK_POLICY_MODE, '' when there is
# none: a variable, so the status reads it without a subshell.
airlock_read_policy_mode() {
	local _ line=''
	{ IFS= read -r _ && IFS= read -r line; } <"$1"
	AIRLOCK_POLICY_MODE=''
	[ "${line#mode }" = "$line" ] || AIRLOCK_POLICY_MODE=${line#mode }
}

airlock_policy_mode() {
	airlock_read_policy_mode "$1"
	[ -z "$AIRLOCK_POLICY_MODE" ] || printf '%s\n' "$AIRLOCK_POLICY_MODE"
}

airlock_policy_hash() {
	local sum
	sum=$(sha256sum <"$1")
	printf 'sha256:%s' "${sum%% *}"
}

# lib/policy.pl: the policy checks, the ACL lists and the apply's hot path in one Perl process each
# (next to this file, in the Feature's folder at install time and in $AIRLOCK_SHARE/lib after).
AIRLOCK_POLICY_TOOL=${BASH_SOURCE[0]%/*}/policy.pl

# Validates canonical policy text in FILE. On error prints "line N: <entry>: <reason>" and
# returns 1. One Perl pass with the generated grammar (lib/grammar.pl): 10,000 lines in tens of
# milliseconds, where a shell loop took seconds (that loop is now the unit tests' reference,
# test/unit/policy-reference.sh).
airlock_validate_policy() {
	perl "$AIRLOCK_POLICY_TOOL" check "$1"
}

# The time now, UTC, ISO 8601; and in epoch seconds. Shell built-ins (bash 5): the lock writes the
# state three times on the way to "locked", and a `date` process each time adds up.
airlock_now_iso() {
	local TZ=UTC0
	printf '%(%Y-%m-%dT%H:%M:%SZ)T\n' -1
}

airlock_now_epoch() {
	if [ -n "${EPOCHSECONDS:-}" ]; then echo "$EPOCHSECONDS"; else date +%s; fi
}

# Records the lock state: STATE (locked|weakened|not-locked) and REASON (may be empty).
airlock_set_state() {
	local state=$1 reason=${2:-}
	# Readable by everyone (the status is); once per process is enough.
	if [ -z "${AIRLOCK_RUN_MODE_SET:-}" ]; then
		mkdir -p "$AIRLOCK_RUN"
		chmod 0755 "$AIRLOCK_RUN"
		AIRLOCK_RUN_MODE_SET=1
	fi
	local now epoch
	now=$(airlock_now_iso)
	epoch=$(airlock_now_epoch)
	printf '%s\n%s\n%s\n%s\n' "$state" "$now" "$reason" "$epoch" >"$AIRLOCK_STATE.tmp"
	mv -f "$AIRLOCK_STATE.tmp" "$AIRLOCK_STATE"
	airlock_write_status
}

# Open CONNECT tunnels: established TCP connections the proxy user holds to non-loopback peers.
# One process: the proxy user's uid from /etc/passwd, then the sockets.
airlock_count_tunnels() {
	awk -v user="$AIRLOCK_PROXY_USER" '
		FILENAME == "/etc/passwd" { split($0, f, ":"); if (f[1] == user) uid = f[3]; next }
		uid != "" && $4 == "01" && $8 == uid {
			split($3, remote, ":")
			# Skip 127.0.0.0/8 (7F in the last byte of the little-endian v4 hex) and ::1.
			if (length(remote[1]) == 8 && substr(remote[1], 7, 2) == "7F") next
			if (remote[1] == "00000000000000000000000001000000") next
			n++
		}
		END { print n + 0 }' /etc/passwd /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# When PID 1 (this container start) began, in epoch seconds (boot time + its start ticks), into
# AIRLOCK_START_EPOCH: a variable, not output, so the status costs no subshell for it.
airlock_container_start_epoch() {
	local key value _ boot=0 stat
	local -a fields
	while read -r key value _; do
		[ "$key" = btime ] && { boot=$value; break; }
	done </proc/stat
	read -r stat </proc/1/stat
	read -r -a fields <<<"${stat##*) }"
	# starttime is field 22 of /proc/PID/stat, the 20th after "(comm) "; USER_HZ is 100 on Linux.
	: "${AIRLOCK_CLK_TCK:=$(getconf CLK_TCK 2>/dev/null || echo 100)}"
	AIRLOCK_START_EPOCH=$((boot + fields[19] / AIRLOCK_CLK_TCK))
}

# True when the proxy accepts a connection on its address and port (a connect, nothing sent:
# Squid does not log a connection that never sent a request).
airlock_proxy_answers() {
	# A redirection on `:` opens and closes the socket in this shell: no subshell.
	: 2>/dev/null 3<>"/dev/tcp/$AIRLOCK_LISTEN/$AIRLOCK_PROXY_PORT"
}

# Prints the status JSON (docs/architecture.md §3).
airlock_status_json() {
	local state=not-locked since='' reason='no lock has been applied since this container started'
	local mode=enforce hash='' hosts=0 reason_json
	local written=0 s_state s_since s_reason
	if [ -r "$AIRLOCK_STATE" ]; then
		{ IFS= read -r s_state; IFS= read -r s_since; IFS= read -r s_reason; IFS= read -r written; } <"$AIRLOCK_STATE"
		airlock_container_start_epoch
		if [ "${written:-0}" -ge "$AIRLOCK_START_EPOCH" ]; then
			state=$s_state since=$s_since reason=$s_reason
		else
			# /run survives `docker restart`: a state written before this start says nothing.
			since=$s_since
			reason='stale status from before the last container start; the entrypoint has not locked yet'
		fi
	fi
	# Locked means ready: egress closed AND the proxy answering. A proxy that is starting or being
	# restarted by its supervisor leaves egress closed, but nothing can get through it yet.
	if { [ "$state" = locked ] || [ "$state" = weakened ]; } && ! airlock_proxy_answers; then
		reason="egress is closed, but the proxy is not answering on $AIRLOCK_LISTEN:$AIRLOCK_PROXY_PORT yet (it is being started or restarted; see $AIRLOCK_LOG_DIR/cache.log)${reason:+; $reason}"
		state=not-locked
	fi
	if [ -r "$AIRLOCK_POLICY" ]; then
		airlock_read_policy_mode "$AIRLOCK_POLICY"
		mode=$AIRLOCK_POLICY_MODE
		# The hash and the host count in one process (the policy may have 10,000 lines), or from
		# the apply that has just written the policy under the lock (AIRLOCK_POLICY_SUMMARY).
		if [ -n "${AIRLOCK_POLICY_SUMMARY:-}" ]; then
			read -r hash hosts <<<"$AIRLOCK_POLICY_SUMMARY"
		else
			read -r hash hosts < <(perl "$AIRLOCK_POLICY_TOOL" summary "$AIRLOCK_POLICY")
		fi
	fi
	[ -n "$since" ] || since=$(airlock_now_iso)
	if [ -n "$reason" ]; then reason_json="\"$(airlock_json_escape "$reason")\""; else reason_json=null; fi
	printf '{"state":"%s","reason":%s,"mode":"%s","policyHash":"%s","hosts":%d,"tunnels":%d,"proxyPort":%d,"since":"%s"}\n' \
		"$state" "$reason_json" "$mode" "$hash" "$hosts" "$(airlock_count_tunnels)" "$AIRLOCK_PROXY_PORT" "$since"
}

airlock_write_status() {
	airlock_status_json >"$AIRLOCK_STATUS.tmp"
	chmod 0644 "$AIRLOCK_STATUS.tmp"
	mv -f "$AIRLOCK_STATUS.tmp" "$AIRLOCK_STATUS"
}
