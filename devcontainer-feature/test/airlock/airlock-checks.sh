#!/bin/bash
# Checks shared by the scenario scripts; sourced after dev-container-features-test-lib. They run
# as the remote user. Every scenario container is on the network `airlock-feature-scenarios`
# (198.51.100.96/28, 2001:db8:a7::/64) with one test host at 198.51.100.106 / 2001:db8:a7::a,
# named allowed.airlock-scenarios.example and other.airlock-scenarios.example (--add-host).
# test/e2e/feature-scenarios.test.ts creates both and runs `devcontainer features test`
# (npm run test:e2e); probes go only to loopback and to that host, each block after a
# positive control.
export SCENARIO_HOST_V4=198.51.100.106
export SCENARIO_HOST_V6=2001:db8:a7::a
export ALLOWED_URL=http://allowed.airlock-scenarios.example/
export OTHER_URL=http://other.airlock-scenarios.example/

# Positive control: loopback works (a one-shot local HTTP server, reached with NO_PROXY).
airlock_local_control() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:18099", Listen => 1, ReuseAddr => 1) or die "listen: $!";
		alarm 10; my $c = $s->accept; print $c "HTTP/1.0 200 OK\r\n\r\nlocal-ok\n"; close $c;' &
	sleep 0.5
	curl -sS --max-time 5 http://127.0.0.1:18099/ | grep -qx local-ok
}

# Direct TCP with the proxy variables removed: refused at once (curl exit 7).
airlock_direct_refused() {
	env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy curl -sS --noproxy '*' --connect-timeout 5 --max-time 8 "$1" >/dev/null 2>&1
	[ "$?" -eq 7 ]
}

# One UDP datagram: the send or the read must fail at once (EPERM / ECONNREFUSED), not time out.
airlock_udp_refused() {
	local err
	err=$(bash -c 'exec 3<>"/dev/udp/$1/$2" && printf "\x13\x37\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01" >&3 && IFS= read -r -t 3 -N 1 _ <&3; echo "rc=$?"' _ "$1" "$2" 2>&1)
	case "$err" in
		*'Operation not permitted'* | *'Connection refused'*) return 0 ;;
		*) echo "UDP $1:$2 not refused: $err" >&2; return 1 ;;
	esac
}

# Through the proxy (the remoteEnv variables): the test host answers with its page.
airlock_proxy_ok() {
	curl -sS --max-time 8 "$1" | grep -q '^airlock-e2e '
}

# Through the proxy to a name that is not allowlisted: 403 from the proxy.
airlock_proxy_denies() {
	local code
	code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 8 "$1" 2>/dev/null)
	[ "$code" = 403 ]
}

# The proxy's log has a line for HOST that audit mode let through (`"enforced":false`).
airlock_logged_unenforced() {
	local tries=10
	until grep -q "\"host\":\"$1\".*\"enforced\":false" /var/log/airlock/access.log; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.2
	done
}

airlock_status_is() {
	grep -q "^{\"state\":\"$1\"" /run/airlock/status.json
}
