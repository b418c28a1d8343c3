# shellcheck shell=bash
# Generates and applies the iptables and ip6tables `filter` tables. Sourced by airlock-ctl after
# lib/common.sh. Only the filter table is restored, so Docker's nat rules for its embedded DNS
# (127.0.0.11) survive; each restore is one atomic transaction.
#
# OUTPUT policy (IPv4 and IPv6 alike):
#   established/related flows pass (replies, open tunnels across a reprogram)
#   127.0.0.11 (Docker's DNS): root and the proxy only; refused for everyone else
#   loopback: open (the proxy, dev servers on localhost)
#   root: DNS only (Docker's embedded resolver forwards from this namespace as uid 0)
#   proxy user: DNS, then no private destinations, then TCP 80, 443 and the HOST:PORT ports
#               (every TCP port in audit mode)
#   everything else: REJECT (tcp-reset / port-unreachable / admin-prohibited), so blocks fail fast
# INPUT stays open: inbound connections (a dev server published by Docker) are not egress.

# Which iptables backend Docker used for this namespace's nat rules; we use the same one, so
# the tables stay in one backend. Prints "nft", "legacy" or "default". nft is checked first:
# merely listing the legacy tables creates them (and "legacy tables present" warnings).
airlock_fw_backend() {
	if command -v iptables-nft-save >/dev/null 2>&1 &&
		iptables-nft-save -t nat 2>/dev/null | grep -q 'DOCKER_OUTPUT'; then
		echo nft
	elif command -v iptables-legacy-save >/dev/null 2>&1 &&
		iptables-legacy-save -t nat 2>/dev/null | grep -q 'DOCKER_OUTPUT'; then
		echo legacy
	elif command -v iptables-nft-restore >/dev/null 2>&1; then
		echo nft
	else
		echo default
	fi
}

# The iptables (4) or ip6tables (6) command of BACKEND, for single rules.
airlock_fw_cmd() {
	local family=$1 backend=$2 base=iptables
	[ "$family" = 6 ] && base=ip6tables
	if [ "$backend" = default ]; then echo "$base"; else echo "$base-$backend"; fi
}

airlock_fw_restore_cmd() {
	local family=$1 backend=$2 base=iptables
	[ "$family" = 6 ] && base=ip6tables
	if [ "$backend" = default ]; then echo "$base-restore"; else echo "$base-$backend-restore"; fi
}

# Prints the filter table for FAMILY (4|6). KIND is "deny-all" (nothing leaves but loopback
# and root's DNS) or "policy" (the proxy's egress too). PORTS: extra CONNECT ports; MODE:
# enforce|audit.
airlock_fw_rules() {
	local family=$1 kind=$2 mode=$3 ports=$4
	local proxy_uid reject_other reject_udp private nets chunk
	proxy_uid=$(airlock_uid_of "$AIRLOCK_PROXY_USER")
	if [ "$family" = 4 ]; then
		reject_other='icmp-admin-prohibited'
		reject_udp='icmp-port-unreachable'
		private=$AIRLOCK_PRIVATE_V4
	else
		reject_other='icmp6-adm-prohibited'
		reject_udp='icmp6-port-unreachable'
		private=$AIRLOCK_PRIVATE_V6
	fi
	echo '*filter'
	echo ':INPUT ACCEPT [0:0]'
	echo ':FORWARD DROP [0:0]'
	echo ':OUTPUT DROP [0:0]'
	echo '-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'
	if [ "$family" = 4 ]; then
		# Docker's NAT rewrites 127.0.0.11:53 to a random port; the address is enough here.
		echo '-A OUTPUT -d 127.0.0.11/32 -m owner --uid-owner 0 -j ACCEPT'
		echo "-A OUTPUT -d 127.0.0.11/32 -m owner --uid-owner $proxy_uid -j ACCEPT"
		echo '-A OUTPUT -d 127.0.0.11/32 -p tcp -j REJECT --reject-with tcp-reset'
		echo "-A OUTPUT -d 127.0.0.11/32 -j REJECT --reject-with $reject_udp"
	else
		# Neighbour discovery, or IPv6 stops working even for replies and the proxy.
		for chunk in router-solicitation neighbour-solicitation neighbour-advertisement; do
			echo "-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type $chunk -j ACCEPT"
		done
	fi
	echo '-A OUTPUT -o lo -j ACCEPT'
	echo '-A OUTPUT -p udp --dport 53 -m owner --uid-owner 0 -j ACCEPT'
	echo '-A OUTPUT -p tcp --dport 53 -m owner --uid-owner 0 -j ACCEPT'
	if [ "$kind" = policy ]; then
		echo "-A OUTPUT -p udp --dport 53 -m owner --uid-owner $proxy_uid -j ACCEPT"
		echo "-A OUTPUT -p tcp --dport 53 -m owner --uid-owner $proxy_uid -j ACCEPT"
		for nets in $private; do
			echo "-A OUTPUT -d $nets -m owner --uid-owner $proxy_uid -p tcp -j REJECT --reject-with tcp-reset"
		done
		if [ "$mode" = audit ]; then
			echo "-A OUTPUT -p tcp -m owner --uid-owner $proxy_uid -j ACCEPT"
		else
			# multiport takes at most 15 ports per rule.
			local -a all_ports
			read -r -a all_ports <<<"80 443 $ports"
			local i
			for ((i = 0; i < ${#all_ports[@]}; i += 15)); do
				chunk=$(IFS=,; echo "${all_ports[*]:i:15}")
				echo "-A OUTPUT -p tcp -m multiport --dports $chunk -m owner --uid-owner $proxy_uid -j ACCEPT"
			done
		fi
	fi
	echo '-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset'
	echo "-A OUTPUT -p udp -j REJECT --reject-with $reject_udp"
	echo "-A OUTPUT -j REJECT --reject-with $reject_other"
	echo 'COMMIT'
}

# Programs both families. BACKEND (optional) skips detection. Returns 1 (with a reason on
# stdout) if either restore failed.
airlock_fw_apply() {
	local kind=$1 mode=$2 ports=$3 backend=${4:-} family failed=''
	[ -n "$backend" ] || backend=$(airlock_fw_backend)
	for family in 4 6; do
		local out
		if ! out=$(airlock_fw_rules "$family" "$kind" "$mode" "$ports" | "$(airlock_fw_restore_cmd "$family" "$backend")" 2>&1); then
			failed+="IPv$family ($backend): ${out//$'\n'/ }; "
		fi
	done
	if [ -n "$failed" ]; then
		echo "could not program the firewall: ${failed%; }"
		return 1
	fi
	return 0
}
