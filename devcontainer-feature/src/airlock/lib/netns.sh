# shellcheck shell=bash
# Is this the container's own network namespace? Sourced by airlock-ctl, which asks before it
# touches a firewall: with --network=host (or network_mode host, service:X, container:X) the
# namespace is the host's or another container's, and iptables-restore there would program the
# host's firewall, not the container's. Nothing here writes anything.
#
# A container's own namespace, at any time after its start, holds only its own interfaces (lo and
# the container end of veth, macvlan or ipvlan links) and only sockets of processes it can see,
# except Docker's embedded DNS resolver on 127.0.0.11, which the engine binds there from outside.
# The host's namespace shows itself by the engine's own sockets, bridges, the host end of veth
# pairs and physical network cards; another container's by sockets of processes this container
# cannot see. (A namespace of another container that holds no socket at all cannot be told apart.)

# Interface names only a host (or an engine's namespace) has.
airlock_netns_host_interfaces() {
	local name
	while read -r name; do
		case "$name" in
			docker0 | br-* | veth* | virbr* | cni* | podman* | cali* | flannel* | vxlan* | weave* | lxcbr* | lxdbr* | kube-*)
				printf '%s, ' "interface $name"
				continue
				;;
		esac
		# Physical cards have a device behind them; container interfaces are all virtual.
		if [ "$name" != lo ] && [ -e "/sys/class/net/$name/device" ]; then
			printf '%s, ' "network card $name"
		fi
	done < <(awk -F: 'NR > 2 { gsub(/[ \t]/, "", $1); print $1 }' /proc/net/dev)
}

# Listening sockets of a container engine (Docker, containerd, Podman, CRI-O, BuildKit).
airlock_netns_engine_sockets() {
	awk 'NR > 1 && NF >= 8 { print $8 }' /proc/net/unix 2>/dev/null |
		grep -E '(docker|containerd|podman|crio|dockershim|buildkitd)[^/]*\.sock$|^/(var/)?run/(docker|containerd)/' |
		sort -u | head -3 | sed 's/^/engine socket /; s/$/, /' | tr -d '\n'
}

# Socket inodes in this namespace (TCP, UDP, Unix), except Docker's DNS resolver on 127.0.0.11.
airlock_netns_socket_inodes() {
	cat /proc/net/tcp /proc/net/udp /proc/net/tcp6 /proc/net/udp6 2>/dev/null |
		awk '$2 ~ /:/ && $2 !~ /^0B00007F:/ && $10 != 0 { print $10 }'
	awk 'NR > 1 && $7 != 0 { print $7 }' /proc/net/unix 2>/dev/null
}

# Socket inodes held by the processes this container can see.
airlock_netns_visible_socket_inodes() {
	# `ls -l` prints "-> socket:[INODE]" for each socket; it works with GNU and busybox alike.
	# shellcheck disable=SC2010 # the link targets are read, not file names
	ls -l /proc/[0-9]*/fd 2>/dev/null | grep -o 'socket:\[[0-9]*\]' | tr -dc '0-9\n'
}

airlock_netns_unseen_sockets() {
	local all visible
	all=$(airlock_netns_socket_inodes | sort -u)
	[ -n "$all" ] || return 0
	visible=$(airlock_netns_visible_socket_inodes | sort -u)
	comm -23 <(printf '%s\n' "$all") <(printf '%s\n' "$visible")
}

# Where the namespace proven at this start is remembered: Squid, once running, changes uid and
# its sockets can no longer be traced to it (root here has no CAP_SYS_PTRACE), so later checks
# (apply, a second lock) compare the namespace with the one proven before anything ran.
AIRLOCK_NETNS_PROVEN=${AIRLOCK_RUN:-/run/airlock}/netns-proven

airlock_netns_id() {
	readlink /proc/self/ns/net 2>/dev/null
}

# Records that the current namespace was proven the container's own (root-only file in /run).
airlock_netns_remember() {
	mkdir -p "$(dirname "$AIRLOCK_NETNS_PROVEN")"
	airlock_netns_id >"$AIRLOCK_NETNS_PROVEN.tmp" && mv -f "$AIRLOCK_NETNS_PROVEN.tmp" "$AIRLOCK_NETNS_PROVEN"
}

airlock_netns_forget() {
	rm -f "$AIRLOCK_NETNS_PROVEN"
}

# Prints the evidence and returns 0 when the namespace is not provably the container's own;
# returns 1 (printing nothing) when it is.
airlock_netns_foreign() {
	local evidence unseen again id proven=''
	id=$(airlock_netns_id)
	# `read`, not $(cat): every apply passes here, and a fork is milliseconds.
	[ -r "$AIRLOCK_NETNS_PROVEN" ] && IFS= read -r proven <"$AIRLOCK_NETNS_PROVEN"
	if [ -n "$id" ] && [ "$proven" = "$id" ]; then
		return 1
	fi
	evidence="$(airlock_netns_engine_sockets)$(airlock_netns_host_interfaces)"
	unseen=$(airlock_netns_unseen_sockets)
	if [ -n "$unseen" ]; then
		# A socket closed between the two reads looks unseen once; a process we cannot see keeps it.
		sleep 0.2
		again=$(comm -12 <(printf '%s\n' "$unseen") <(airlock_netns_unseen_sockets))
		[ -z "$again" ] || evidence+="$(printf '%s\n' "$again" | grep -c .) socket(s) of processes outside this container, "
	fi
	if [ -n "$evidence" ]; then
		printf '%s' "${evidence%, }"
		return 0
	fi
	return 1
}
