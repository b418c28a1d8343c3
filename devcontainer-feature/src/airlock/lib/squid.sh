# shellcheck shell=bash
# Generates Squid's configuration and ACL files from the canonical policy. Sourced by airlock-ctl
# after lib/common.sh. Decisions are made on names only (`dstdomain -n`) until a request is known
# to be allowlisted, so a denied name never causes a DNS lookup.

# Destinations nobody may reach through the proxy: private, loopback, link-local (metadata),
# CGNAT, multicast and reserved, IPv4 and IPv6. (Squid keeps IPv4 as v4-mapped internally, so
# ::ffff:0:0/96 must not be listed here.)
AIRLOCK_PRIVATE_V4='0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 192.0.0.0/24 192.168.0.0/16 198.18.0.0/15 224.0.0.0/4 240.0.0.0/4'
AIRLOCK_PRIVATE_V6='::1 fc00::/7 fe80::/10 fec0::/10 ff00::/8 64:ff9b:1::/48'

# Placeholder entry for an empty list: `.invalid` names are never allowlisted (RFC 6761).
AIRLOCK_EMPTY_LIST_ENTRY=empty-list.airlock.invalid

# The reserved name the agent's access requests are sent to (bin/airlock-request): the proxy
# answers it itself, before any other rule, and logs the request for the person on the host.
AIRLOCK_REQUEST_NAME=request.airlock.invalid

# The exfiltration scorer (an external ACL helper, generated from extension/core/exfil/rules.ts).
AIRLOCK_EXFIL_HELPER=$AIRLOCK_SHARE/lib/exfil-score.pl

# Writes every ACL list for POLICY into DIR in one pass (awk, then one sort per file: a 10,000-host
# policy takes a few tens of milliseconds, where a shell loop per host took seconds):
#   web.names / port-N.names   the hosts of that list: exact names, and `.domain` for `*.domain`
#   web.apex / port-N.apex     each wildcard's apex, which Squid's `.domain` also matches, unless
#                              the apex is itself in the same list (subtracted in squid.conf); an
#                              apex that is listed is then left to `.domain` alone
#   exact.names                the exact hosts at or under a wildcard's domain: the exfiltration
#                              score never refuses an exact host, and only a name a wildcard
#                              matches is scored (others need not be loaded, e.g. 9,000 of 10,000)
#   wild-scored.names, wild-warn.names   the wildcards (`.domain`), split by exfil-warn
#   exfil.bases                every wildcard's domain, for the scorer
# Every list but exfil.bases starts with a `.invalid` placeholder, so none is ever empty.
airlock_squid_write_lists() {
	local policy=$1 dir=$2 f
	rm -f "$dir"/*.names "$dir"/*.apex "$dir/exfil.bases"
	awk -v dir="$dir" -v empty="$AIRLOCK_EMPTY_LIST_ENTRY" '
		function out(file, line) { print line > (dir "/" file) }
		/^exfil-warn [*][.]/ { warn[substr($2, 3)] = 1; next }
		/^allow / {
			r = $2; list = "web"
			if (match(r, /:[0-9]+$/)) { list = "port-" substr(r, RSTART + 1); r = substr(r, 1, RSTART - 1) }
			lists[list] = 1
			if (substr(r, 1, 2) == "*.") { d = substr(r, 3); wild[list, d] = 1; bases[d] = 1 }
			else { exact[list, r] = 1; anyexact[r] = 1 }
		}
		END {
			lists["web"] = 1
			for (l in lists) { out(l ".names", empty); out(l ".apex", empty) }
			# An exact host that is also the apex of a wildcard in the same list is matched by `.apex`
			# already; listing both makes Squid refuse the file ("is a subdomain of").
			for (k in exact) { split(k, p, SUBSEP); if (!(k in wild)) out(p[1] ".names", p[2]) }
			for (k in wild) {
				split(k, p, SUBSEP); out(p[1] ".names", "." p[2])
				if (!((p[1], p[2]) in exact)) out(p[1] ".apex", p[2])
			}
			out("exact.names", empty); out("wild-scored.names", empty); out("wild-warn.names", empty)
			printf "" > (dir "/exfil.bases")
			for (h in anyexact) {
				for (n = h; n != ""; n = (i ? substr(n, i + 1) : "")) {
					if (n in bases) { out("exact.names", h); break }
					i = index(n, ".")
				}
			}
			for (d in bases) {
				out("exfil.bases", d)
				if (d in warn) out("wild-warn.names", "." d); else out("wild-scored.names", "." d)
			}
		}' "$policy"
	for f in "$dir"/*.names "$dir"/*.apex "$dir/exfil.bases"; do
		LC_ALL=C sort -u -o "$f" "$f"
	done
}

# Makes the running Squid (PID) load the generated configuration, and returns once it accepts
# connections again with it: `-k reconfigure` closes the listening socket, re-reads everything
# and opens it again, and a connection in between is refused. Squid logs "Accepting HTTP Socket
# connections" when it listens again; the wait reads cache.log from before the signal. Returns 1
# when that line has not come within about 10 s (the supervisor restarts a Squid that died).
airlock_squid_reconfigure() {
	local log=$AIRLOCK_LOG_DIR/cache.log offset i
	offset=$(stat -c %s "$log" 2>/dev/null || echo 0)
	squid -f "$AIRLOCK_SQUID_DIR/squid.conf" -k reconfigure >/dev/null 2>&1 || return 1
	for ((i = 0; i < 1000; i++)); do
		tail -c "+$((offset + 1))" "$log" 2>/dev/null | grep -q -F 'Accepting HTTP Socket connections' && return 0
		sleep 0.01
	done
	return 1
}

# Generates DIR/squid.conf and the ACL lists for POLICY_FILE.
airlock_squid_generate() {
	local policy=$1 dir=$2 mode port effective_user="cache_effective_user $AIRLOCK_PROXY_USER"
	# The sidecar's proxy already runs as the proxy user (no root, no capabilities to switch).
	[ "$AIRLOCK_ROLE" = proxy ] && effective_user='# runs as the proxy user already (sidecar)'

	mode=$(airlock_policy_mode "$policy")
	mkdir -p "$dir"
	# The lock's record of which policy this directory was generated from: no longer true.
	rm -f "$dir/.generated-from"
	airlock_squid_write_lists "$policy" "$dir"
	: >"$dir/mime.conf"
	local -a ports=()
	local f
	for f in "$dir"/port-*.names; do
		[ -e "$f" ] || continue
		f=${f##*/port-}
		ports+=("${f%.names}")
	done
	mapfile -t ports < <(printf '%s\n' "${ports[@]}" | sed '/^$/d' | sort -n)

	{
		cat <<CONF
# Generated by airlock-ctl from $AIRLOCK_POLICY. Do not edit: changes are overwritten.
http_port $AIRLOCK_LISTEN:$AIRLOCK_PROXY_PORT
pid_filename $AIRLOCK_SQUID_PID
$effective_user
visible_hostname airlock
httpd_suppress_version_string on
max_filedescriptors 4096
shutdown_lifetime 1 seconds
pinger_enable off
# No FTP or gopher listings to decorate: an empty MIME table spares loading Squid's 60 icons at
# every start and reconfigure (docs/benchmarks.md).
mime_table $dir/mime.conf
# The proxy never opens TLS itself (CONNECT tunnels are opaque; only plain HTTP is forwarded), so
# it needs no CA store: loading one took half of each start and reconfigure (docs/benchmarks.md).
tls_outgoing_options default-ca=off
coredump_dir none
check_hostnames on
uri_whitespace deny

# No cache, no trace of the proxy in requests or replies.
cache deny all
cache_mem 0 MB
via off
forwarded_for delete
reply_header_access X-Cache deny all
reply_header_access X-Cache-Lookup deny all
reply_header_access X-Squid-Error deny all
# X-Airlock-Reason comes from this proxy only (reply_header_add below); the agent's request
# header X-Airlock-Request never leaves the container.
reply_header_access X-Airlock-Reason deny all
request_header_access X-Airlock-Request deny all

error_directory $AIRLOCK_SHARE/errors
cache_log $AIRLOCK_LOG_DIR/cache.log
# Root rotates the access log (the proxy user cannot rename files in the root-owned log
# directory); with 0 here, \`squid -k rotate\` only reopens the logs.
logfile_rotate 0
umask 022

acl CONNECT method CONNECT
acl http_scheme proto HTTP
acl port_80 port 80
acl port_443 port 443
# IP literals in any spelling: dotted or plain numbers, hex, and anything bracketed or with
# two colons (IPv6). Names are matched only after these are gone.
acl ip_literal url_regex -i ^([a-z][a-z0-9+.-]*://)?\[
acl ip_literal url_regex -i ^([a-z][a-z0-9+.-]*://)?[0-9a-f]*:[0-9a-f]*:
acl ip_literal url_regex -i ^([a-z][a-z0-9+.-]*://)?(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+))*\.?(:[0-9]+)?(/|\$)
acl private_dst dst $AIRLOCK_PRIVATE_V4 $AIRLOCK_PRIVATE_V6
acl airlock_request dstdomain -n $AIRLOCK_REQUEST_NAME
acl web_names dstdomain -n "$dir/web.names"
acl web_apex dstdomain -n "$dir/web.apex"
acl web_host all-of web_names !web_apex
acl web_connect all-of CONNECT port_443 web_host
acl web_plain all-of !CONNECT http_scheme port_80 web_host
acl web_ok any-of web_connect web_plain
CONF
		local any_host='web_host' any_ok='web_ok'
		for port in "${ports[@]}"; do
			cat <<CONF
acl port_$port port $port
acl port_${port}_names dstdomain -n "$dir/port-$port.names"
acl port_${port}_apex dstdomain -n "$dir/port-$port.apex"
acl port_${port}_host all-of port_${port}_names !port_${port}_apex
acl port_${port}_ok all-of CONNECT port_$port port_${port}_host
CONF
			any_host+=" port_${port}_host"
			any_ok+=" port_${port}_ok"
		done
		cat <<CONF
acl allowlisted_host any-of $any_host
acl allowlisted_request any-of $any_ok

# Exfiltration signals, scored by name (and plain-HTTP URL) before any DNS lookup, for names
# allowed only by a wildcard: an exact entry is never refused for its score. The helper answers
# OK for benign, ERR for suspect; anything else (a crash, an overload) is not OK, so the deny
# rule fails closed. Results are cached per name and URL.
acl exact_host dstdomain -n "$dir/exact.names"
acl wild_scored dstdomain -n "$dir/wild-scored.names"
acl wild_warn dstdomain -n "$dir/wild-warn.names"
acl wild_any any-of wild_scored wild_warn
external_acl_type airlock_exfil ttl=3600 negative_ttl=3600 children-max=4 children-startup=0 children-idle=1 concurrency=64 %>rd %>ru $AIRLOCK_EXFIL_HELPER $dir/exfil.bases
acl exfil_benign external airlock_exfil

# Each deny line ends with a rule_* marker ACL (always true), so deny_info picks the page for
# that rule: deny_info keys on the last ACL of the denying line. Before it, a mark_* ACL
# annotates the transaction with the rule that decided (annotate_transaction always matches);
# the log's rule and verdict and the X-Airlock-Reason header are read from that annotation.
acl rule_access_request src all
acl rule_ip_literal src all
acl rule_not_allowlisted src all
acl rule_exfil_suspect src all
acl rule_port_not_allowed src all
acl rule_method_not_allowed src all
acl rule_private_destination src all
acl rule_other src all
acl has_request has request
acl has_port port 1-65535
deny_info AIRLOCK_ACCESS_REQUEST rule_access_request
deny_info AIRLOCK_IP_LITERAL rule_ip_literal
deny_info AIRLOCK_NOT_ALLOWLISTED rule_not_allowlisted
deny_info AIRLOCK_EXFIL_SUSPECT rule_exfil_suspect
deny_info AIRLOCK_PORT_NOT_ALLOWED rule_port_not_allowed
deny_info AIRLOCK_METHOD_NOT_ALLOWED rule_method_not_allowed
deny_info AIRLOCK_PRIVATE_DESTINATION rule_private_destination
deny_info AIRLOCK_OTHER rule_other

CONF
		local rule
		for rule in access-request ip-literal not-allowlisted exfil-suspect port-not-allowed method-not-allowed private-destination other allowlisted; do
			echo "acl mark_${rule//-/_} annotate_transaction airlock_rule=$rule"
			echo "acl marked_${rule//-/_} note airlock_rule $rule"
		done
		# Audit mode records what enforce mode would have decided, without deciding it.
		for rule in not-allowlisted exfil-suspect port-not-allowed method-not-allowed; do
			echo "acl would_${rule//-/_} annotate_transaction airlock_would=$rule"
			echo "acl would_be_${rule//-/_} note airlock_would $rule"
		done
		cat <<'CONF'
acl would_any note airlock_would
acl marked_enforced_deny any-of marked_access_request marked_ip_literal marked_private_destination marked_other

CONF
		if [ "$mode" = audit ]; then
			# Audit: let policy denials through and log them; access requests, IP literals and
			# private destinations stay denied, as in enforce mode. The lines ending in !all never
			# match: they only record (would_*) what enforce mode would have decided.
			cat <<'CONF'
http_access deny manager mark_other rule_other
http_access deny airlock_request mark_access_request rule_access_request
http_access deny ip_literal mark_ip_literal rule_ip_literal
http_access deny !allowlisted_host would_not_allowlisted !all
http_access deny !would_any !exact_host wild_scored !exfil_benign would_exfil_suspect !all
http_access deny !would_any !exact_host wild_warn !exfil_benign !all
http_access deny !would_any CONNECT !allowlisted_request would_port_not_allowed !all
http_access deny !would_any !CONNECT !http_scheme would_method_not_allowed !all
http_access deny !would_any !allowlisted_request would_port_not_allowed !all
http_access deny private_dst mark_private_destination rule_private_destination
http_access allow all mark_allowlisted

note rule access-request marked_access_request
note rule ip-literal marked_ip_literal
note rule private-destination marked_private_destination
note rule other marked_other
note rule not-allowlisted would_be_not_allowlisted
note rule exfil-suspect would_be_exfil_suspect
note rule port-not-allowed would_be_port_not_allowed
note rule method-not-allowed would_be_method_not_allowed
note rule allowlisted marked_allowlisted
note rule other all
note verdict deny marked_enforced_deny
note verdict deny would_any
note verdict allow marked_allowlisted
note verdict deny all
note enforced false would_any !marked_enforced_deny
note enforced true all
CONF
		else
			# The exfiltration lines come before any rule that resolves a name (private_dst):
			# a suspect name is never looked up. The wild_warn line never matches (!all): it
			# only has the helper score names under exfil-warn wildcards, for the log.
			cat <<'CONF'
http_access deny manager mark_other rule_other
http_access deny airlock_request mark_access_request rule_access_request
http_access deny ip_literal mark_ip_literal rule_ip_literal
http_access deny !allowlisted_host mark_not_allowlisted rule_not_allowlisted
http_access deny !exact_host wild_scored !exfil_benign mark_exfil_suspect rule_exfil_suspect
http_access deny !exact_host wild_warn !exfil_benign !all
http_access deny CONNECT !allowlisted_request mark_port_not_allowed rule_port_not_allowed
http_access deny !CONNECT !http_scheme mark_method_not_allowed rule_method_not_allowed
http_access deny !allowlisted_request mark_port_not_allowed rule_port_not_allowed
http_access deny private_dst mark_private_destination rule_private_destination
http_access allow allowlisted_request mark_allowlisted
http_access deny all mark_other rule_other

# The rule that decided, from the transaction's annotation; "other" when none did (Squid
# refused the request before http_access, or a helper failed and the check failed closed).
note rule access-request marked_access_request
note rule ip-literal marked_ip_literal
note rule not-allowlisted marked_not_allowlisted
note rule exfil-suspect marked_exfil_suspect
note rule port-not-allowed marked_port_not_allowed
note rule method-not-allowed marked_method_not_allowed
note rule private-destination marked_private_destination
note rule allowlisted marked_allowlisted
note rule other all
note verdict allow marked_allowlisted
note verdict deny all
note enforced true all
CONF
		fi
		# The reason, in the proxy's own refusals, for the agent to read (and act on).
		for rule in access-request ip-literal not-allowlisted exfil-suspect port-not-allowed method-not-allowed private-destination other; do
			echo "reply_header_add X-Airlock-Reason $rule marked_${rule//-/_}"
		done
		cat <<CONF

# One JSON object per line (docs/architecture.md §3); %" escapes quotes, backslashes and CR/LF/TAB.
# exfil: the scorer's signals ("-" when not scored or benign); ask: the X-Airlock-Request
# header, URL-escaped (%#) so any bytes the agent sends stay inside the JSON string.
logformat airlock_json {"time":%ts.%03tu,"client":"%">a","method":"%">rm","host":"%">rd","port":%>rP,"verdict":"%{verdict}note","enforced":%{enforced}note,"rule":"%{rule}note","status":%>Hs,"bytes":%<st,"exfil":"%{exfil}note","ask":"%#{X-Airlock-Request}>h"}
# Connections that never sent a parsable request are not logged: no host or port to show.
access_log stdio:$AIRLOCK_ACCESS_LOG logformat=airlock_json has_request has_port
CONF
	} >"$dir/squid.conf"
}
