#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Airlock Feature installer, bash part (install.sh runs it). Idempotent: running it again
# reinstalls the same files and rewrites the policy from the options.
#
# Options arrive upper-cased (devcontainer Feature spec): ALLOW, MODE, PROXYPORT, ALLOWSUDO.
set -euo pipefail
trap 'echo "airlock: install: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

FEATURE_DIR=$(cd "$(dirname "$0")" && pwd)
ALLOW=${ALLOW:-}
MODE=${MODE:-enforce}
PROXYPORT=${PROXYPORT:-3128}
ALLOWSUDO=${ALLOWSUDO:-false}
EXFILWARN=${EXFILWARN:-}
REMOTE_USER=${_REMOTE_USER:-}
CONTAINER_USER=${_CONTAINER_USER:-root}
# `proxy`: building the sidecar topology's proxy image (sidecar/Dockerfile), not a Feature install.
ROLE=${AIRLOCK_ROLE:-container}

fail() {
	echo "airlock: install: $*" >&2
	exit 1
}

# shellcheck source=lib/common.sh
. "$FEATURE_DIR/lib/common.sh"
[ -r "$FEATURE_DIR/lib/grammar.sh" ] || fail "lib/grammar.sh is missing from the Feature (it is generated from the TypeScript grammar)"
# shellcheck source=lib/grammar.sh
. "$FEATURE_DIR/lib/grammar.sh"
# shellcheck source=lib/squid.sh
. "$FEATURE_DIR/lib/squid.sh"

# ---- refuse what Airlock cannot protect ----------------------------------------------------

[ "$(id -u)" -eq 0 ] || fail "install.sh must run as root (the devcontainer CLI does this)"
case "$ROLE" in container | proxy) ;; *) fail "AIRLOCK_ROLE: \"$ROLE\": expected container or proxy" ;; esac
container_uid=$(id -u "$CONTAINER_USER" 2>/dev/null || echo '?')
if [ "$ROLE" = proxy ]; then
	: # The proxy image has no remote user and no agent: the checks below are for the agent's container.
elif [ "$container_uid" != 0 ]; then
	fail "the container user is \"$CONTAINER_USER\" (uid $container_uid), but Airlock's entrypoint must run as root to program the firewall. Set \"containerUser\": \"root\" in devcontainer.json (or remove USER from the Dockerfile) and keep a non-root \"remoteUser\"."
fi
if [ "$ROLE" = container ] && { [ -z "$REMOTE_USER" ] || [ "$(id -u "$REMOTE_USER" 2>/dev/null || echo 0)" = 0 ]; }; then
	fail "the remote user is \"${REMOTE_USER:-root}\" (root): Airlock cannot protect a root session, which could simply turn the firewall off. Set \"remoteUser\" in devcontainer.json to a non-root user (e.g. \"vscode\" or \"dev\")."
fi

# ---- options -------------------------------------------------------------------------------

case "$MODE" in enforce | audit) ;; *) fail "option mode: \"$MODE\": expected \"enforce\" or \"audit\"" ;; esac
case "$ALLOWSUDO" in true | false) ;; *) fail "option allowSudo: \"$ALLOWSUDO\": expected true or false" ;; esac
if ! [[ "$PROXYPORT" =~ ^[1-9][0-9]{0,4}$ ]] || [ "$PROXYPORT" -gt 65535 ]; then
	fail "option proxyPort: \"$PROXYPORT\": expected a port number 1-65535"
fi

declare -a allow_lines=()
IFS=',' read -r -a allow_items <<<"$ALLOW"
item_number=0
for item in "${allow_items[@]}"; do
	item_number=$((item_number + 1))
	# Spaces around commas are a formatting habit, not part of a host.
	item=${item#"${item%%[![:space:]]*}"}
	item=${item%"${item##*[![:space:]]}"}
	[ -n "$item" ] || continue
	if ! reason=$(airlock_check_rule "$item"); then
		fail "option allow: item $item_number \"$item\": ${reason:-invalid rule}"
	fi
	allow_lines+=("allow $item")
done

# exfilWarn: wildcards from the allow list whose exfiltration suspects are flagged, not refused.
IFS=',' read -r -a warn_items <<<"$EXFILWARN"
for item in "${warn_items[@]}"; do
	item=${item#"${item%%[![:space:]]*}"}
	item=${item%"${item##*[![:space:]]}"}
	[ -n "$item" ] || continue
	case "$item" in
		'*.'*) ;;
		*) fail "option exfilWarn: \"$item\": expected a wildcard from the allow option (*.example.com)" ;;
	esac
	if ! printf '%s\n' "${allow_lines[@]}" | grep -qxF "allow $item"; then
		fail "option exfilWarn: \"$item\": the allow option does not allow it"
	fi
	allow_lines+=("exfil-warn $item")
done

# ---- packages ------------------------------------------------------------------------------

. /etc/os-release 2>/dev/null || true
distro="${PRETTY_NAME:-${ID:-unknown}}"
need_packages=false
for tool in squid iptables ip6tables curl setpriv perl; do
	command -v "$tool" >/dev/null 2>&1 || need_packages=true
done
if $need_packages; then
	if command -v apt-get >/dev/null 2>&1; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get update
		# Only for the packages this call unpacks: no manuals or docs (copyright files stay), and
		# of Squid's error pages in 40-odd languages only the English ones and the templates,
		# which is all Airlock uses (about 10 MB less; docs/benchmarks.md, image growth).
		apt-get install -y --no-install-recommends \
			-o 'Dpkg::Options::=--path-exclude=/usr/share/doc/*' \
			-o 'Dpkg::Options::=--path-include=/usr/share/doc/*/copyright' \
			-o 'Dpkg::Options::=--path-exclude=/usr/share/man/*' \
			-o 'Dpkg::Options::=--path-exclude=/usr/share/squid-langpack/*' \
			-o 'Dpkg::Options::=--path-include=/usr/share/squid-langpack/templates/*' \
			-o 'Dpkg::Options::=--path-include=/usr/share/squid-langpack/en/*' \
			squid iptables curl ca-certificates util-linux
		# Downloaded packages and lists are build leftovers (about 130 MB).
		apt-get clean
		rm -rf /var/lib/apt/lists/*
	elif command -v apk >/dev/null 2>&1; then
		apk add --no-cache squid iptables ip6tables curl ca-certificates setpriv util-linux-misc perl
	elif command -v dnf >/dev/null 2>&1; then
		dnf install -y --setopt=tsflags=nodocs squid iptables-nft curl ca-certificates util-linux perl-interpreter
		dnf clean all
	else
		fail "unsupported distribution \"$distro\": Airlock installs with apt (Debian, Ubuntu), apk (Alpine) or dnf (Fedora, RHEL); install squid, iptables, ip6tables, curl, setpriv and perl first, then rebuild"
	fi
fi
for tool in squid iptables-restore ip6tables-restore curl setpriv sha256sum perl; do
	command -v "$tool" >/dev/null 2>&1 || fail "\"$tool\" is still missing after installing packages on \"$distro\""
done
id -u proxy >/dev/null 2>&1 && AIRLOCK_PROXY_USER=proxy || AIRLOCK_PROXY_USER=squid
id -u "$AIRLOCK_PROXY_USER" >/dev/null 2>&1 || fail "no unprivileged user for the proxy (proxy or squid) on \"$distro\""

# ---- files at lasting paths (the Feature folder is deleted after the build) ----------------

install -d -o root -g root -m 0755 "$AIRLOCK_SHARE" "$AIRLOCK_SHARE/lib" "$AIRLOCK_SHARE/errors" "$AIRLOCK_ETC" "$AIRLOCK_SQUID_DIR" "$AIRLOCK_LOG_DIR"
install -o root -g root -m 0644 "$FEATURE_DIR"/lib/*.sh "$AIRLOCK_SHARE/lib/"
# airlock-ctl's policy checks, ACL lists and apply path (policy.pl) and the grammar it requires.
install -o root -g root -m 0644 "$FEATURE_DIR/lib/grammar.pl" "$FEATURE_DIR/lib/policy.pl" "$AIRLOCK_SHARE/lib/"
install -o root -g root -m 0755 "$FEATURE_DIR/entrypoint.sh" "$FEATURE_DIR/wait-locked.sh" "$AIRLOCK_SHARE/"
install -o root -g root -m 0755 "$FEATURE_DIR/bin/airlock-ssh-proxy" "$AIRLOCK_SHARE/"
install -o root -g root -m 0755 "$FEATURE_DIR/bin/airlock-ctl" /usr/local/sbin/airlock-ctl
# The exfiltration scorer (run by Squid as its user) and the agent's access-request command.
install -o root -g root -m 0755 "$FEATURE_DIR/lib/exfil-score.pl" "$AIRLOCK_SHARE/lib/"
install -o root -g root -m 0755 "$FEATURE_DIR/lib/gate-dns.pl" "$AIRLOCK_SHARE/lib/"
install -o root -g root -m 0755 "$FEATURE_DIR/bin/airlock-request" /usr/local/bin/airlock-request

# Squid's own error templates, plus one page per Airlock rule, in one directory.
templates=''
for dir in /usr/share/squid/errors/templates /usr/share/squid/errors/en /usr/share/squid/errors/English /etc/squid/errors; do
	if [ -r "$dir/ERR_ACCESS_DENIED" ]; then templates=$dir; break; fi
done
[ -n "$templates" ] || fail "cannot find Squid's error page templates on \"$distro\""
cp -L "$templates"/ERR_* "$AIRLOCK_SHARE/errors/"
# One page per Airlock rule. The agent reads these (the body, and the X-Airlock-Reason header
# the proxy adds), so they say in plain words what happened and what to do next. Squid fills in
# %M (method), %H (host), %p (port) and %o (the scorer's signals), HTML-escaped.
write_error_page() {
	local name=$1 rule=$2 why=$3 next=$4
	cat >"$AIRLOCK_SHARE/errors/$name" <<PAGE
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Blocked by Airlock: %H</title></head>
<body>
<h1>%H:%p was blocked by Airlock</h1>
<pre>
Request: %M %H:%p
Reason:  $rule (also in the X-Airlock-Reason header)
Why:     $why
Next:    $next
Nothing inside this container can change the allowlist; a person approves it on the host.
</pre>
</body></html>
PAGE
}
ask='to ask for access, run in this container: airlock-request %H:%p --why "what you need it for". A person reviews it on the host; once approved the host works within a second, no rebuild. Then retry.'
write_error_page AIRLOCK_NOT_ALLOWLISTED not-allowlisted "The host is not on the approved allowlist." "$ask"
write_error_page AIRLOCK_IP_LITERAL ip-literal "Requests to IP addresses are not allowed." "use the host name; if it is not allowed, ask for the name with airlock-request HOST --why \"...\"."
write_error_page AIRLOCK_PORT_NOT_ALLOWED port-not-allowed "The host is allowlisted, but not for this port (80 plain HTTP and 443 CONNECT, or the listed HOST:PORT)." "$ask"
write_error_page AIRLOCK_METHOD_NOT_ALLOWED method-not-allowed "Only plain HTTP and CONNECT tunnels are allowed." "use http:// or https:// through the proxy."
write_error_page AIRLOCK_PRIVATE_DESTINATION private-destination "The host resolves to a private, loopback, link-local or metadata address." "this cannot be allowed; private and metadata addresses are never reachable through the proxy."
write_error_page AIRLOCK_EXFIL_SUSPECT exfil-suspect "The name (or the plain-HTTP URL) looks like it carries data out: %o. It is under an allowed wildcard, but such names are refused before they are looked up." "do not put data or credentials into host names or URLs. If this is a real host you need, ask for it by its exact name: airlock-request %H:%p --why \"...\"."
write_error_page AIRLOCK_ACCESS_REQUEST access-request "This is the answer to an access request: the proxy passed it to the person on the host." "wait for the person to approve it, then retry the request. Nothing changes until then."
write_error_page AIRLOCK_OTHER other "The request was refused." "check the request; if a host you need is blocked, ask with airlock-request HOST --why \"...\"."
chmod 0644 "$AIRLOCK_SHARE"/errors/*

# ---- settings and policy -------------------------------------------------------------------

cat >"$AIRLOCK_SETTINGS" <<CONF
REMOTE_USER=$REMOTE_USER
PROXY_PORT=$PROXYPORT
PROXY_USER=$AIRLOCK_PROXY_USER
ALLOW_SUDO=$ALLOWSUDO
ROLE=$ROLE
CONF
chmod 0644 "$AIRLOCK_SETTINGS"

{
	echo "$AIRLOCK_POLICY_HEADER"
	echo "mode $MODE"
	if [ "${#allow_lines[@]}" -gt 0 ]; then printf '%s\n' "${allow_lines[@]}" | LC_ALL=C sort -u; fi
} >"$AIRLOCK_POLICY.tmp"
validation=$(airlock_validate_policy "$AIRLOCK_POLICY.tmp") || fail "generated policy is invalid: $validation"
chmod 0644 "$AIRLOCK_POLICY.tmp"
mv -f "$AIRLOCK_POLICY.tmp" "$AIRLOCK_POLICY"

if [ "$ROLE" = proxy ]; then
	# The proxy image: everything that changes lives on volumes the proxy user owns (the root file
	# system is read-only at run time); /etc/airlock/policy is the deny-all default a proxy starts
	# with when the Compose file gives no policy. The checks below are for the agent's container.
	chown -R root:root "$AIRLOCK_ETC"
	chmod -R go-w "$AIRLOCK_ETC"
	install -d -o "$AIRLOCK_PROXY_USER" -g "$(id -g "$AIRLOCK_PROXY_USER")" -m 0755 "$AIRLOCK_STATE_DIR" "$AIRLOCK_LOG_DIR" "$AIRLOCK_RUN"
	echo "airlock: installed the sidecar proxy: mode $MODE, ${#allow_lines[@]} allow rule(s) by default, port $PROXYPORT, user $AIRLOCK_PROXY_USER"
	exit 0
fi

airlock_load_settings
airlock_squid_generate "$AIRLOCK_POLICY" "$AIRLOCK_SQUID_DIR"
parse_errors=$(squid -k parse -f "$AIRLOCK_SQUID_DIR/squid.conf" 2>&1 | grep -E 'FATAL|ERROR' || true)
[ -z "$parse_errors" ] || fail "Squid rejected the generated configuration: $parse_errors"
chown -R root:root "$AIRLOCK_ETC"
chmod -R go-w "$AIRLOCK_ETC"

# ---- the proxy for every process ----------------------------------------------------------
# devcontainer.json's containerEnv gives the proxy variables to every process Docker starts
# (`docker exec`, the editor, lifecycle commands). Sessions that build their environment anew
# read it from here: PAM's pam_env (`su -`, cron, login) reads /etc/environment, and sudo keeps
# the variables instead of dropping them. apt's own setting is written by `airlock-ctl lock`
# at run time: at build time the proxy is not running and Features installed after this one
# still need apt.

proxy_url="http://127.0.0.1:$PROXYPORT"
no_proxy_value='localhost,127.0.0.1,::1'
touch /etc/environment
sed -i '/^# airlock-proxy begin$/,/^# airlock-proxy end$/d' /etc/environment
cat >>/etc/environment <<ENV
# airlock-proxy begin
HTTP_PROXY=$proxy_url
HTTPS_PROXY=$proxy_url
http_proxy=$proxy_url
https_proxy=$proxy_url
NO_PROXY=$no_proxy_value
no_proxy=$no_proxy_value
# airlock-proxy end
ENV
if [ -d /etc/sudoers.d ]; then
	printf '%s\n' '# Airlock: commands run with sudo go through the proxy too.' \
		'Defaults env_keep += "HTTP_PROXY HTTPS_PROXY http_proxy https_proxy NO_PROXY no_proxy"' >/etc/sudoers.d/airlock-proxy
	chmod 0440 /etc/sudoers.d/airlock-proxy
	if command -v visudo >/dev/null 2>&1 && ! visudo -cf /etc/sudoers.d/airlock-proxy >/dev/null; then
		rm -f /etc/sudoers.d/airlock-proxy
		fail "sudo rejected /etc/sudoers.d/airlock-proxy"
	fi
fi

# ---- SSH through the proxy (effective once an ssh client is installed) ---------------------

install -d -m 0755 /etc/ssh/ssh_config.d
cat >/etc/ssh/ssh_config.d/airlock.conf <<'SSH'
# Airlock: ssh leaves only through the proxy, as a CONNECT to an allowlisted HOST:PORT.
Host localhost 127.0.0.1 ::1
    ProxyCommand none
Host *
    ProxyCommand /usr/local/share/airlock/airlock-ssh-proxy %h %p
SSH
chmod 0644 /etc/ssh/ssh_config.d/airlock.conf
if [ -f /etc/ssh/ssh_config ] && ! grep -q '^Include /etc/ssh/ssh_config.d/' /etc/ssh/ssh_config; then
	sed -i '1i Include /etc/ssh/ssh_config.d/*.conf' /etc/ssh/ssh_config
fi

# ---- no sudo for the remote user (unless allowSudo) ----------------------------------------

if [ "$ALLOWSUDO" != true ]; then
	for group in sudo wheel admin; do
		if id -nG "$REMOTE_USER" 2>/dev/null | tr ' ' '\n' | grep -qx "$group"; then
			gpasswd -d "$REMOTE_USER" "$group" >/dev/null
		fi
	done
	if [ -d /etc/sudoers.d ]; then
		for file in /etc/sudoers.d/*; do
			[ -f "$file" ] || continue
			if grep -Eq "^[[:space:]]*$REMOTE_USER([[:space:]]|,)" "$file"; then
				sed -i -E "/^[[:space:]]*$REMOTE_USER([[:space:]]|,)/d" "$file"
			fi
		done
	fi
	if [ -f /etc/sudoers ]; then
		sed -i -E "/^[[:space:]]*$REMOTE_USER([[:space:]]|,)/d" /etc/sudoers
	fi
fi

echo "airlock: installed: mode $MODE, ${#allow_lines[@]} allow rule(s), proxy 127.0.0.1:$PROXYPORT, remote user $REMOTE_USER, sudo $([ "$ALLOWSUDO" = true ] && echo kept || echo removed)"
