#!/bin/bash
# Checks shared by the scenario scripts; sourced after dev-container-features-test-lib. They run
# as the remote user with no test hosts, so every probe targets loopback or a documentation
# address the firewall refuses before anything leaves the container.

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

# Through the proxy to a name that is not allowlisted: 403 from the proxy.
airlock_proxy_denies() {
	local code
	code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 8 "$1" 2>/dev/null)
	[ "$code" = 403 ]
}

airlock_status_is() {
	grep -q "^{\"state\":\"$1\"" /run/airlock/status.json
}
