# shellcheck shell=bash
# The sidecar topology's two containers, built from this same Feature folder (sidecar/Dockerfile):
#
#   the proxy  (`airlock-ctl proxy-run`, PID 1, as the proxy user, no capabilities, read-only root
#              file system): Squid with the same configuration, grammar, log and apply as the
#              Feature, listening on its name on the internal network. State on a volume.
#   the gate   (`airlock-ctl gate`, PID 1, root with NET_ADMIN only): owns the network namespace
#              the agent's container joins (`network_mode: service:airlock-gate`). It programs
#              that namespace's firewall before the agent starts (its health check says when),
#              then only sleeps. The agent, root or not, holds no NET_ADMIN there and cannot
#              change it; restarting the agent keeps the namespace and its rules.
#
# Sourced by airlock-ctl after lib/common.sh, lib/squid.sh, lib/firewall.sh and lib/grammar.sh.

# A name the proxy has only on the internal network (its service name resolves on the egress
# network too), and the gate's readiness mark (on the gate's /run tmpfs; its Compose health check
# tests this path).
AIRLOCK_PROXY_NAME=airlock-proxy-internal
AIRLOCK_GATE_RUN=/run/airlock
AIRLOCK_GATE_READY=$AIRLOCK_GATE_RUN/gate-ready
# The resolver address the Compose file gives the gate (RFC 7600's dummy, never routed).
AIRLOCK_GATE_RESOLVER=192.0.0.8

# Dotted IPv4 from the little-endian hex of /proc/net/route.
airlock_hex_ip() {
	local h=$1
	printf '%d.%d.%d.%d' "0x${h:6:2}" "0x${h:4:2}" "0x${h:2:2}" "0x${h:0:2}"
}

airlock_mask_bits() {
	local m=$1 n=0 b
	for b in "0x${m:6:2}" "0x${m:4:2}" "0x${m:2:2}" "0x${m:0:2}"; do
		b=$((b))
		while [ "$b" -gt 0 ]; do
			n=$((n + (b & 1)))
			b=$((b >> 1))
		done
	done
	echo "$n"
}

# Prints "SUBNET GATEWAY" of the namespace's one network (the internal one), from the routes.
airlock_gate_network() {
	local iface dest gateway mask subnet='' gw='' _
	while read -r iface dest gateway _ _ _ _ mask _; do
		[ "$iface" = Iface ] && continue
		if [ "$dest" = 00000000 ]; then
			gw=$(airlock_hex_ip "$gateway")
		elif [ "$gateway" = 00000000 ] && [ -z "$subnet" ]; then
			subnet="$(airlock_hex_ip "$dest")/$(airlock_mask_bits "$mask")"
		fi
	done </proc/net/route
	[ -n "$subnet" ] || return 1
	echo "$subnet ${gw:-none}"
}

# The agent namespace's filter table for FAMILY (4|6). Out: replies, loopback (Docker's
# embedded DNS answers the names of the internal network there; a name it would forward goes
# to a resolver below and is refused), and the internal network (the proxy, and services the
# agent must reach directly) except its gateway, which is the host. Everything else is REJECTed
# so a direct attempt fails at once.
airlock_gate_rules() {
	local family=$1 subnet=$2 gateway=$3
	echo '*filter'
	echo ':INPUT ACCEPT [0:0]'
	echo ':FORWARD DROP [0:0]'
	echo ':OUTPUT DROP [0:0]'
	echo '-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'
	echo '-A OUTPUT -o lo -j ACCEPT'
	if [ "$family" = 4 ]; then
		if [ "$gateway" != none ]; then
			echo "-A OUTPUT -d $gateway/32 -p tcp -j REJECT --reject-with tcp-reset"
			echo "-A OUTPUT -d $gateway/32 -j REJECT --reject-with icmp-admin-prohibited"
		fi
		echo "-A OUTPUT -d $subnet -j ACCEPT"
		echo '-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset'
		echo '-A OUTPUT -p udp -j REJECT --reject-with icmp-port-unreachable'
		echo '-A OUTPUT -j REJECT --reject-with icmp-admin-prohibited'
	else
		echo '-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset'
		echo '-A OUTPUT -j REJECT --reject-with icmp6-adm-prohibited'
	fi
	echo 'COMMIT'
}

# PID 1 of the gate container. Exits non-zero (the container stops, the agent cannot start:
# it depends on the gate being healthy) when the namespace cannot be closed.
airlock_gate_run() {
	mkdir -p "$AIRLOCK_GATE_RUN" || exit 1
	rm -f "$AIRLOCK_GATE_READY"
	local net subnet gateway backend family out dns_pid=
	if ! net=$(airlock_gate_network); then
		echo "airlock-ctl: gate: no network in this namespace (expected the internal network); nothing is open" >&2
		exit 1
	fi
	read -r subnet gateway <<<"$net"
	backend=$(airlock_fw_backend)
	for family in 4 6; do
		if ! out=$(airlock_gate_rules "$family" "$subnet" "$gateway" | "$(airlock_fw_restore_cmd "$family" "$backend")" 2>&1); then
			echo "airlock-ctl: gate: could not program IPv$family: ${out//$'\n'/ }; the agent's container will not start" >&2
			exit 1
		fi
	done
	# Docker's embedded resolver forwards the names it does not know from this namespace to the
	# resolver the Compose file names. Answer those here, at once, with "no such name": the agent
	# gets a plain NXDOMAIN instead of waiting out the resolver's time-outs, and nothing leaves.
	# (An added rule, not a restore: Docker's own nat rules for 127.0.0.11 stay.)
	# The answer listens on this namespace's own address on the internal network (a NAT to
	# 127.0.0.1 would need route_localnet); it only ever says "no such name".
	local resolver=$AIRLOCK_GATE_RESOLVER self
	self=$(awk -v net="${subnet%/*}" 'BEGIN { split(net, n, ".") } $1 ~ /^[0-9.]+$/ { split($1, a, "."); if (a[1] == n[1] && a[2] == n[2]) { print $1; exit } }' <(getent ahostsv4 "$(hostname)"))
	if [ -z "$self" ]; then
		echo "airlock-ctl: gate: cannot find my own address on $subnet; lookups the resolver forwards are refused instead, after its time-out" >&2
	else
		perl "$AIRLOCK_SHARE/lib/gate-dns.pl" "$self" 5353 &
		dns_pid=$!
		if ! out=$("$(airlock_fw_cmd 4 "$backend")" -w -t nat -A OUTPUT -d "$resolver/32" -p udp --dport 53 -j DNAT --to-destination "$self:5353" 2>&1); then
			echo "airlock-ctl: gate: could not send forwarded lookups to the local answer ($out); they are refused instead, after the resolver's time-out" >&2
		fi
	fi
	printf '%s %s\n' "$subnet" "$gateway" >"$AIRLOCK_GATE_READY" || exit 1
	echo "airlock-ctl: gate: the agent's namespace is closed: only the internal network $subnet (not its gateway $gateway) and loopback"
	trap '[ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null; exit 0' TERM INT
	# Nothing else runs here: the answer for forwarded lookups, and this wait.
	while [ -n "$dns_pid" ] && kill -0 "$dns_pid" 2>/dev/null; do
		sleep 3600 &
		wait $!
	done
	echo "airlock-ctl: gate: the local answer for forwarded lookups stopped; lookups now wait for the resolver's time-out (still refused)" >&2
	while :; do
		sleep 3600 &
		wait $!
	done
}

# The policy a proxy starts with. AIRLOCK_POLICY_TEXT (from the generated Compose file: the
# approved plan when the configuration was written) wins when it differs from the one seeded
# last; otherwise the policy applied live since (on the volume) stays, so a crashed and
# restarted proxy keeps the last approved plan the host applied.
airlock_proxy_seed_policy() {
	local seed_file=$AIRLOCK_STATE_DIR/seed-hash staged reason seed_hash
	if [ -z "${AIRLOCK_POLICY_TEXT:-}" ]; then
		[ -s "$AIRLOCK_POLICY" ] || cp "$AIRLOCK_ETC/policy" "$AIRLOCK_POLICY"
		return 0
	fi
	staged=$(mktemp "$AIRLOCK_STATE_DIR/.seed.XXXXXX")
	printf '%s\n' "${AIRLOCK_POLICY_TEXT%$'\n'}" >"$staged"
	if ! reason=$(airlock_validate_policy "$staged"); then
		rm -f "$staged"
		echo "airlock-ctl: proxy: AIRLOCK_POLICY_TEXT: $reason; the proxy does not start" >&2
		return 1
	fi
	seed_hash=$(airlock_policy_hash "$staged")
	if [ ! -s "$AIRLOCK_POLICY" ] || [ "$(cat "$seed_file" 2>/dev/null)" != "$seed_hash" ]; then
		chmod 0644 "$staged"
		mv -f "$staged" "$AIRLOCK_POLICY"
		echo "$seed_hash" >"$seed_file"
	else
		rm -f "$staged"
	fi
}

# PID 1 of the proxy container, as the proxy user.
airlock_proxy_run() {
	mkdir -p "$AIRLOCK_RUN" "$AIRLOCK_STATE_DIR" "$AIRLOCK_SQUID_DIR" "$AIRLOCK_LOG_DIR" || exit 1
	local listen='' tries=0
	# Our own name on the internal network: listen there only, not on the way out.
	until listen=$(getent ahostsv4 "$AIRLOCK_PROXY_NAME" 2>/dev/null | awk 'NR == 1 { print $1 }') && [ -n "$listen" ]; do
		tries=$((tries + 1))
		if [ "$tries" -ge 50 ]; then
			echo "airlock-ctl: proxy: cannot find my address on the internal network ($AIRLOCK_PROXY_NAME does not resolve); not starting" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo "$listen" >"$AIRLOCK_RUN/listen"
	# shellcheck disable=SC2034 # read by airlock_squid_generate (lib/squid.sh)
	AIRLOCK_LISTEN=$listen
	airlock_proxy_seed_policy || exit 1
	airlock_squid_generate "$AIRLOCK_POLICY" "$AIRLOCK_SQUID_DIR"
	local parse
	parse=$(squid -k parse -f "$AIRLOCK_SQUID_DIR/squid.conf" 2>&1 | grep -E 'FATAL|ERROR' | head -3)
	if [ -n "$parse" ]; then
		echo "airlock-ctl: proxy: the proxy rejected the generated configuration: ${parse//$'\n'/ }" >&2
		exit 1
	fi
	airlock_set_state locked ''
	echo "airlock-ctl: proxy: listening on $listen:$AIRLOCK_PROXY_PORT, policy $(airlock_policy_hash "$AIRLOCK_POLICY")"
	cmd_supervise
}
