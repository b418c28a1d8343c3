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

# Interface names only a host (or an engine's namespace) has. Shell built-ins only: this runs
# before the first firewall rule at every start, where each process started costs milliseconds.
airlock_netns_host_interfaces() {
	local line name
	{
		read -r _ && read -r _ || return 0
		while IFS= read -r line; do
			name=${line%%:*}
			name=${name//[[:space:]]/}
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
		done
	} </proc/net/dev 2>/dev/null
}

# Listening sockets of a container engine (Docker, containerd, Podman, CRI-O, BuildKit): the first
# three in byte order (awk picks them itself: no sort process).
airlock_netns_engine_sockets() {
	awk 'NR > 1 && NF >= 8 {
		p = $8
		if (p ~ /(docker|containerd|podman|crio|dockershim|buildkitd)[^\/]*\.sock$/ || p ~ /^\/(var\/)?run\/(docker|containerd)\//) found[p] = 1
	}
	END {
		for (k = 0; k < 3; k++) {
			best = ""
			for (p in found) if (best == "" || p < best) best = p
			if (best == "") break
			printf "engine socket %s, ", best
			delete found[best]
		}
	}' /proc/net/unix 2>/dev/null
}

# Socket inodes in this namespace (TCP, UDP, Unix) that no process this container can see holds,
# except Docker's DNS resolver on 127.0.0.11 (bound there by the engine from outside), one per
# line, unsorted. Two processes: `ls -l /proc/PID/fd` prints "-> socket:[INODE]" for each socket
# of the visible processes (GNU and busybox alike); awk reads the namespace's socket tables itself
# (getline, so a table the kernel does not have, e.g. without IPv6, is skipped, not fatal).
airlock_netns_unseen_sockets() {
	# shellcheck disable=SC2012 # the link targets are read, not file names
	ls -l /proc/[0-9]*/fd 2>/dev/null | awk '
		{
			while (match($0, /socket:\[[0-9]+\]/)) {
				seen[substr($0, RSTART + 8, RLENGTH - 9)] = 1
				$0 = substr($0, RSTART + RLENGTH)
			}
		}
		END {
			n = split("/proc/net/tcp /proc/net/udp /proc/net/tcp6 /proc/net/udp6", tables, " ")
			for (t = 1; t <= n; t++) {
				while ((getline line < tables[t]) > 0) {
					split(line, f, " ")
					if (f[2] ~ /:/ && f[2] !~ /^0B00007F:/ && f[10] != 0) held[f[10]] = 1
				}
				close(tables[t])
			}
			first = 1
			while ((getline line < "/proc/net/unix") > 0) {
				if (first) { first = 0; continue }
				split(line, f, " ")
				if (f[7] != 0) held[f[7]] = 1
			}
			for (i in held) if (!(i in seen)) print i
		}'
}

# Where the namespace proven at this start is remembered: Squid, once running, changes uid and
# its sockets can no longer be traced to it (root here has no CAP_SYS_PTRACE), so later checks
# (apply, a second lock) compare the namespace with the one proven before anything ran.
AIRLOCK_NETNS_PROVEN=${AIRLOCK_RUN:-/run/airlock}/netns-proven

AIRLOCK_NETNS_ID=
airlock_netns_id() {
	# A process never changes its namespace here: read the link once.
	[ -n "$AIRLOCK_NETNS_ID" ] || AIRLOCK_NETNS_ID=$(readlink /proc/self/ns/net 2>/dev/null)
	printf '%s\n' "$AIRLOCK_NETNS_ID"
}

# Records that the current namespace was proven the container's own (root-only file in /run).
airlock_netns_remember() {
	[ -d "${AIRLOCK_NETNS_PROVEN%/*}" ] || mkdir -p "${AIRLOCK_NETNS_PROVEN%/*}"
	airlock_netns_id >"$AIRLOCK_NETNS_PROVEN.tmp" && mv -f "$AIRLOCK_NETNS_PROVEN.tmp" "$AIRLOCK_NETNS_PROVEN"
}

airlock_netns_forget() {
	rm -f "$AIRLOCK_NETNS_PROVEN"
}

# Prints the evidence and returns 0 when the namespace is not provably the container's own;
# returns 1 (printing nothing) when it is.
airlock_netns_foreign() {
	local evidence unseen again id proven=''
	airlock_netns_id >/dev/null
	id=$AIRLOCK_NETNS_ID
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
		again=$(airlock_netns_unseen_sockets | grep -F -x -f <(printf '%s\n' "$unseen"))
		[ -z "$again" ] || evidence+="$(printf '%s\n' "$again" | grep -c .) socket(s) of processes outside this container, "
	fi
	if [ -n "$evidence" ]; then
		printf '%s' "${evidence%, }"
		return 0
	fi
	return 1
}
