/*
 * The Airlock Feature, end to end: a workspace built by the real devcontainer CLI with the local
 * Feature, on a test network with test hosts this suite starts (HTTP, HTTPS, DNS). As the
 * non-root remote user, each block is shown after a positive control passed, and each block must
 * look like one (403 from the proxy, connection refused, EPERM, "could not resolve host") —
 * never a timeout. Then live apply, audit mode, a killed proxy and a container restart.
 */
import * as assert from 'node:assert/strict';
import { containerLogs, docker, leftovers, newTestRun, removeEverything } from './lib/docker';
import { describeRun } from './lib/process';
import {
	accessLog, assertCouldNotResolve, assertProxyDenied, assertRefused, assertThrough, assertUdpRefused,
	direct, lastLogFor, udpProbe, viaProxy,
} from './lib/probes';
import { createTestNetwork, FEATURE_NETWORK, type TestNetwork } from './lib/testNetwork';
import { ensureTestHostImage, pageBody, startWebHost, type WebHost } from './lib/testHosts';
import { createWorkspace, type Workspace } from './lib/workspace';

const ALLOWED = 'allowed.airlock-e2e.example';
const DENIED = 'denied.airlock-e2e.example';
const LOOKALIKE = 'allowed.airlock-e2e.example.evil.example';
const WILD_SUB = 'a.wild.airlock-e2e.example';
const WILD_APEX = 'wild.airlock-e2e.example';
const PRIVATE = 'private.airlock-e2e.example';
const TUNNEL = 'tunnel.airlock-e2e.example';
const LATER = 'later.airlock-e2e.example';
/** Resolved only by the test DNS server (not in /etc/hosts), to see which names the proxy looks up. */
const DNS_ALLOWED = 'dns-allowed.airlock-e2e.example';
const DNS_DENIED = 'dns-denied.airlock-e2e.example';

const INITIAL_ALLOW = [ALLOWED, `*.wild.airlock-e2e.example`, `${ALLOWED}:8443`, PRIVATE, DNS_ALLOWED, `${TUNNEL}:22`];

function canonical(mode: 'enforce' | 'audit', rules: string[]): string {
	const sorted = [...new Set(rules.map((r) => `allow ${r}`))].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
	return ['airlock-policy 1', `mode ${mode}`, ...sorted].join('\n') + '\n';
}

describe('Airlock Feature: fail-closed egress lockdown, end to end', function () {
	this.timeout(900_000);
	const testRun = newTestRun('feature');
	let net: TestNetwork;
	let web: WebHost;
	let ws: Workspace;

	before(async function () {
		this.timeout(900_000);
		await ensureTestHostImage();
		net = await createTestNetwork(testRun, FEATURE_NETWORK);
		const webV4 = net.hostV4(10);
		web = await startWebHost(testRun, net, {
			hostNumber: 10,
			hostName: 'web',
			dnsNames: { [DNS_ALLOWED]: webV4, [DNS_DENIED]: webV4 },
		});
		const addHosts: Record<string, string> = {};
		for (const name of [ALLOWED, DENIED, LOOKALIKE, WILD_SUB, WILD_APEX, TUNNEL, LATER]) {
			addHosts[name] = webV4;
		}
		addHosts[PRIVATE] = '169.254.169.254';
		ws = createWorkspace(testRun, {
			name: 'enforce',
			featureOptions: { allow: INITIAL_ALLOW.join(','), mode: 'enforce' },
			network: net,
			addHosts,
			dns: webV4,
		});
		const up = await ws.up();
		if (up.code !== 0) {
			throw new Error(`devcontainer up failed (${up.elapsedMs} ms)\n${describeRun('devcontainer up', [ws.folder], up)}`);
		}
		console.log(`      devcontainer up took ${up.elapsedMs} ms`);
		upOutput = up.stdout + up.stderr;
	});

	let upOutput = '';

	afterEach(async function () {
		if (this.currentTest?.state === 'failed' && ws) {
			const diagnostics = await ws.rootExec(['sh', '-c', 'airlock-ctl status --json; tail -n 5 /var/log/airlock/entrypoint.log /var/log/airlock/cache.log; tail -n 15 /var/log/airlock/access.log'])
				.catch((e: Error) => ({ stdout: '', stderr: e.message }));
			console.log(`--- container diagnostics ---\n${diagnostics.stdout}${diagnostics.stderr}`);
			console.log(`--- test host ---\n${await web.logs()}`);
			const id = await ws.containerId().catch(() => '');
			if (id) {
				console.log(`--- container output ---\n${await containerLogs(id)}`);
			}
		}
	});

	after(async function () {
		this.timeout(300_000);
		if (ws) {
			await ws.remove();
		}
		await removeEverything(testRun);
		const left = await leftovers(testRun);
		assert.deepEqual(left, { containers: [], networks: [], volumes: [] }, 'teardown left Docker objects behind');
	});

	/** The positive control every block test starts with: the allowlisted host through the proxy. */
	async function control(): Promise<void> {
		assertThrough(await viaProxy(ws, `https://${ALLOWED}/index.html`), pageBody('web'));
	}

	async function status(): Promise<{ state: string; reason: string | null; mode: string; policyHash: string; tunnels: number }> {
		const result = await ws.rootExec(['airlock-ctl', 'status', '--json']);
		return JSON.parse(result.stdout) as { state: string; reason: string | null; mode: string; policyHash: string; tunnels: number };
	}

	it('is locked before the user gets a shell: postStartCommand saw it, status says locked', async () => {
		assert.match(upOutput, /airlock: \{"state":"locked"/, 'the Feature postStartCommand should report the lock');
		const s = await status();
		assert.equal(s.state, 'locked');
		assert.equal(s.mode, 'enforce');
		const policy = await ws.exec('cat /etc/airlock/policy; sha256sum /etc/airlock/policy');
		assert.ok(policy.stdout.startsWith(canonical('enforce', INITIAL_ALLOW)), policy.stdout);
		assert.ok(policy.stdout.includes(s.policyHash.replace('sha256:', '')), 'status hash = sha256 of the policy text');
	});

	it('lets the allowlisted host through the proxy: HTTPS (CONNECT 443) and plain HTTP (80)', async () => {
		await control();
		assertThrough(await viaProxy(ws, `http://${ALLOWED}/index.html`), pageBody('web'));
		assertThrough(await viaProxy(ws, `https://${WILD_SUB}/index.html`), pageBody('web'));
		// HOST:PORT rules are CONNECT tunnels: plain HTTP inside a tunnel to 8443 (curl -p).
		assertThrough(await viaProxy(ws, `http://${ALLOWED}:8443/index.html`, ['-p']), pageBody('web'));
		// The origin sees no trace of the proxy, and the client gets none back.
		const echo = await viaProxy(ws, `http://${ALLOWED}/cgi-bin/headers`, ['-D', '/dev/stderr']);
		assert.equal(echo.httpCode, 200, echo.stderr);
		assert.match(echo.body, /^HTTP_HOST=allowed\.airlock-e2e\.example$/m, 'the header echo works (positive control)');
		assert.doesNotMatch(echo.body, /HTTP_VIA|HTTP_X_FORWARDED_FOR|HTTP_FORWARDED/, echo.body);
		assert.doesNotMatch(echo.stderr, /^(Via|X-Cache|X-Cache-Lookup|X-Squid-Error):/im, echo.stderr);
		const line = await lastLogFor(ws, ALLOWED, 443, 'CONNECT');
		assert.equal(line.verdict, 'allow');
		assert.equal(line.rule, 'allowlisted');
		assert.equal(line.status, 200);
	});

	it('sends every process through the proxy: a bare docker exec, a login shell, su -, and apt with no variables at all', async () => {
		const id = await ws.containerId();
		const curl = (url: string): string => `curl -sS -k --connect-timeout 5 --max-time 8 -o /dev/null -w '%{http_code} %{http_connect}' ${url}; echo " exit=$?"`;
		// docker exec with no -e and no devcontainer CLI: what an agent runner, a user's shell or cron gets.
		const bare = await docker(['exec', '-u', 'dev', id, 'sh', '-c', curl(`https://${ALLOWED}/index.html`)]);
		assert.match(bare.stdout, /^200 200 exit=0$/m, `allowed host through the proxy from a bare docker exec: ${bare.stdout}${bare.stderr}`);
		const bareDenied = await docker(['exec', '-u', 'dev', id, 'sh', '-c', curl(`https://${DENIED}/index.html`)]);
		assert.match(bareDenied.stdout, /^000 403 exit=56$/m, `a denied host gets the proxy's 403, not a dead network: ${bareDenied.stdout}${bareDenied.stderr}`);
		const login = await docker(['exec', '-u', 'dev', id, 'bash', '-lc', curl(`https://${ALLOWED}/index.html`)]);
		assert.match(login.stdout, /^200 200 exit=0$/m, `login shell: ${login.stdout}${login.stderr}`);
		// `su -` starts from a clean environment; PAM reads the proxy from /etc/environment.
		const su = await docker(['exec', '-u', 'root', id, 'su', '-', 'dev', '-c', `env | grep -c '^https_proxy=http://127.0.0.1:3128$'; ${curl(`https://${ALLOWED}/index.html`)}`]);
		assert.match(su.stdout, /^1\n200 200 exit=0$/m, `su - dev: ${su.stdout}${su.stderr}`);
		// apt has its own proxy setting: with no variables at all its request still goes through the
		// proxy (root's direct egress is closed, so a request that arrives came through it).
		const before = (await accessLog(ws)).length;
		const aptProbe = await docker(['exec', '-u', 'root', id, 'env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'sh', '-c',
			`mkdir -p /tmp/airlock-probe-lists/partial; echo 'deb [trusted=yes] http://${ALLOWED}/apt-probe bookworm main' > /tmp/airlock-probe.list; apt-get -o Acquire::Retries=0 -o Dir::Etc::sourcelist=/tmp/airlock-probe.list -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists=/tmp/airlock-probe-lists update 2>&1; true`], { timeoutMs: 60_000 });
		const aptLines = (await accessLog(ws)).slice(before).filter((l) => l.host === ALLOWED && l.method === 'GET');
		assert.ok(aptLines.length > 0, `apt's request reached the proxy: ${aptProbe.stdout}`);
		assert.equal(aptLines[0].verdict, 'allow');
		// sudo keeps the variables (where the image keeps sudo at all).
		const sudoers = await ws.rootExec(['sh', '-c', 'cat /etc/sudoers.d/airlock-proxy && visudo -cf /etc/sudoers.d/airlock-proxy']);
		assert.match(sudoers.stdout, /env_keep \+= "HTTP_PROXY HTTPS_PROXY http_proxy https_proxy NO_PROXY no_proxy"/);
		assert.equal(sudoers.code, 0, sudoers.stderr);
	});

	it('refuses direct TCP over IPv4 and IPv6 at once when the proxy variables are removed', async () => {
		await control();
		assertRefused(await direct(ws, `http://${web.ipv4}/index.html`));
		assertRefused(await direct(ws, `https://${web.ipv4}/index.html`));
		assertRefused(await direct(ws, `http://[${web.ipv6}]/index.html`));
		assertRefused(await direct(ws, `http://${ALLOWED}/index.html`));
	});

	it('closes DNS: the embedded resolver (127.0.0.11) and a resolver straight, while root may still ask', async () => {
		await control();
		// Positive control for DNS itself: root (whose DNS the embedded resolver needs) gets answers.
		const rootAnswer = await ws.rootExec(['bash', '-c',
			`exec 3<>/dev/udp/${web.ipv4}/53; printf '%b' '\\x13\\x37\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x0bdns-allowed\\x0bairlock-e2e\\x07example\\x00\\x00\\x01\\x00\\x01' >&3; IFS= read -r -t 3 -N 2 x <&3 && echo answered`]);
		assert.match(rootAnswer.stdout, /answered/, `the test DNS server should answer root: ${rootAnswer.stderr}`);
		assertUdpRefused(await udpProbe(ws, '127.0.0.11', 53));
		assertUdpRefused(await udpProbe(ws, web.ipv4, 53));
		assertUdpRefused(await udpProbe(ws, web.ipv6, 53));
		assertCouldNotResolve(await direct(ws, `http://${DNS_ALLOWED}/`));
		assertRefused(await direct(ws, 'telnet://127.0.0.11:53'));
		assertRefused(await direct(ws, `telnet://${web.ipv4}:53`));
	});

	it('refuses UDP and QUIC (UDP 443), ICMP, and raw packet sockets', async () => {
		await control();
		assertUdpRefused(await udpProbe(ws, web.ipv4, 443));
		assertUdpRefused(await udpProbe(ws, web.ipv6, 443));
		const ping = await ws.exec(`timeout 10 ping -n -c 1 -W 3 ${web.ipv4}; echo "exit=$?"`);
		assert.match(ping.stdout + ping.stderr, /Operation not permitted|Packet filtered|Unreachable/, `ping must be refused, not lost:\n${ping.stdout}${ping.stderr}`);
		assert.doesNotMatch(ping.stdout, /exit=0/);
		const raw = await ws.exec(`perl -MSocket -e 'socket(my $r, PF_INET, SOCK_RAW, 1) or die "raw: $!\\n"; print "raw ok\\n"'; ` +
			`perl -MSocket -e 'socket(my $p, 17, SOCK_RAW, 0x0300) or die "packet: $!\\n"; print "packet ok\\n"'`);
		assert.match(raw.stderr, /raw: Operation not permitted/, raw.stdout + raw.stderr);
		assert.match(raw.stderr, /packet: Operation not permitted/, raw.stdout + raw.stderr);
	});

	it('denies through the proxy with 403 and the right rule: not allowlisted, look-alike, wildcard apex, IP literals, ports, private', async () => {
		await control();
		// Squid logs other spellings of an IPv4 address (decimal, hex, octal, v4-mapped) dotted.
		const cases: Array<{ url: string; host: string; port: number; method: string; rule: string }> = [
			{ url: `https://${DENIED}/`, host: DENIED, port: 443, method: 'CONNECT', rule: 'not-allowlisted' },
			{ url: `http://${DENIED}/`, host: DENIED, port: 80, method: 'GET', rule: 'not-allowlisted' },
			{ url: `https://${LOOKALIKE}/`, host: LOOKALIKE, port: 443, method: 'CONNECT', rule: 'not-allowlisted' },
			{ url: `https://${WILD_APEX}/`, host: WILD_APEX, port: 443, method: 'CONNECT', rule: 'not-allowlisted' },
			{ url: `https://${web.ipv4}/`, host: web.ipv4, port: 443, method: 'CONNECT', rule: 'ip-literal' },
			{ url: `http://${web.ipv4}/`, host: web.ipv4, port: 80, method: 'GET', rule: 'ip-literal' },
			{ url: `https://[${web.ipv6}]/`, host: `[${web.ipv6}]`, port: 443, method: 'CONNECT', rule: 'ip-literal' },
			{ url: 'http://169.254.169.254/latest/meta-data/', host: '169.254.169.254', port: 80, method: 'GET', rule: 'ip-literal' },
			{ url: 'http://2852039166/', host: '169.254.169.254', port: 80, method: 'GET', rule: 'ip-literal' },
			{ url: 'http://0xa9fea9fe/', host: '169.254.169.254', port: 80, method: 'GET', rule: 'ip-literal' },
			{ url: 'http://0251.0376.0251.0376/', host: '169.254.169.254', port: 80, method: 'GET', rule: 'ip-literal' },
			{ url: 'https://[::ffff:169.254.169.254]/', host: '169.254.169.254', port: 443, method: 'CONNECT', rule: 'ip-literal' },
			{ url: `https://${ALLOWED}:22/`, host: ALLOWED, port: 22, method: 'CONNECT', rule: 'port-not-allowed' },
			{ url: `http://${ALLOWED}:8443/`, host: ALLOWED, port: 8443, method: 'GET', rule: 'port-not-allowed' },
			{ url: `https://${PRIVATE}/`, host: PRIVATE, port: 443, method: 'CONNECT', rule: 'private-destination' },
		];
		for (const c of cases) {
			const outcome = await viaProxy(ws, c.url);
			assertProxyDenied(outcome);
			const line = await lastLogFor(ws, c.host, c.port, c.method);
			assert.deepEqual({ verdict: line.verdict, enforced: line.enforced, rule: line.rule, status: line.status },
				{ verdict: 'deny', enforced: true, rule: c.rule, status: 403 }, `log line for ${c.url}`);
		}
		// An IPv6 literal without brackets (CONNECT authority form) is refused too.
		const bare = await ws.exec(`exec 3<>/dev/tcp/127.0.0.1/3128; printf 'CONNECT ${web.ipv6}:443 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&3; IFS= read -r -t 5 line <&3; echo "$line"`);
		assert.match(bare.stdout, /^HTTP\/1\.1 403 /, bare.stdout + bare.stderr);
		console.log(`      bare IPv6 CONNECT: ${bare.stdout.trim()}`);
		// No cache manager, not even when Squid is asked directly on its port.
		const manager = await ws.exec("curl -sS --noproxy '*' -o /dev/null -w '%{http_code}' --max-time 8 http://127.0.0.1:3128/squid-internal-mgr/info");
		assert.equal(manager.stdout, '403', manager.stdout + manager.stderr);
		const page = await viaProxy(ws, `http://${DENIED}/`);
		assert.match(page.body, new RegExp(`${DENIED.replace(/\./g, '\\.')}.*blocked by Airlock`));
	});

	it('decides on names before any lookup: a denied name never reaches DNS, an allowed one does', async () => {
		await control();
		assertThrough(await viaProxy(ws, `https://${DNS_ALLOWED}/index.html`), pageBody('web'));
		assertProxyDenied(await viaProxy(ws, `https://${DNS_DENIED}/`));
		assertProxyDenied(await viaProxy(ws, `http://${DNS_DENIED}/`));
		const queries = await web.dnsQueries();
		assert.ok(queries.includes(DNS_ALLOWED), `the allowed name should be looked up (positive control); queries: ${queries.join(', ')}`);
		assert.ok(!queries.includes(DNS_DENIED), `the denied name must not be looked up; queries: ${queries.join(', ')}`);
	});

	it('refuses the metadata address and the network gateway directly', async () => {
		await control();
		assertRefused(await direct(ws, 'http://169.254.169.254/latest/meta-data/'));
		assertRefused(await direct(ws, `http://${net.gatewayV4}/`));
		assertRefused(await direct(ws, `http://[${net.gatewayV6}]/`));
	});

	it('gives the agent no way to undo it: no sudo, no iptables, read-only policy and .devcontainer', async () => {
		await control();
		// The image gave dev passwordless sudo; the Feature took it away (and no-new-privileges
		// would stop a setuid sudo anyway).
		const sudo = await ws.exec('sudo -n true; echo "exit=$?"');
		assert.match(sudo.stdout, /exit=1/, sudo.stdout + sudo.stderr);
		assert.doesNotMatch((await ws.exec('id -nG')).stdout, /\bsudo\b/, 'dev is no longer in the sudo group');
		const sudoers = await ws.rootExec(['sh', '-c', 'cat /etc/sudoers.d/* /etc/sudoers | grep -c "^dev" || true']);
		assert.equal(sudoers.stdout.trim(), '0', 'no sudoers entry for dev');
		const ipt = await ws.exec('iptables -P OUTPUT ACCEPT; echo "exit=$?"; ip6tables -F; echo "exit=$?"');
		assert.match(ipt.stdout, /exit=[1-9]/);
		assert.doesNotMatch(ipt.stdout, /exit=0/);
		assert.match(ipt.stderr, /Permission denied|must be root/);
		const writes = await ws.exec('echo "allow evil.example" >> /etc/airlock/policy; echo "exit=$?"; ' +
			'touch "$PWD/.devcontainer/x"; echo "exit=$?"; echo x >> "$PWD/.devcontainer/devcontainer.json"; echo "exit=$?"; airlock-ctl apply </dev/null; echo "exit=$?"');
		assert.doesNotMatch(writes.stdout, /exit=0/, writes.stdout + writes.stderr);
		assert.match(writes.stderr, /Permission denied/);
		assert.match(writes.stderr, /Read-only file system/);
		assert.match(writes.stderr, /airlock-ctl: apply needs root/);
		const kill = await ws.exec('kill "$(cat /run/airlock/squid.pid)"; echo "exit=$?"; kill "$(cat /run/airlock/supervisor.pid)"; echo "exit=$?"');
		assert.doesNotMatch(kill.stdout, /exit=0/, kill.stdout + kill.stderr);
		assert.match(kill.stderr, /Operation not permitted/);
		assert.equal((await status()).state, 'locked');
		await control();
	});

	it('logs one JSON line per request, and hostile requests cannot break the JSON', async () => {
		await control();
		// Raw requests over /dev/tcp, each answered by the proxy (400 bad request or 403).
		const send = (request: string): string =>
			`exec 3<>/dev/tcp/127.0.0.1/3128; printf '${request}' >&3; IFS= read -r -t 5 line <&3; echo "answer: $line"; exec 3>&-`;
		const hostile = await ws.exec([
			send('GET http://a"b\\\\c.example/ HTTP/1.1\\r\\nHost: x"y\\\\z\\r\\n\\r\\n'),
			send(`CONNECT ${DENIED}:443 HTTP/1.1\\r\\nHost: "},{"verdict":"allow\\r\\nUser-Agent: \\001\\002\\r\\n\\r\\n`),
			send(`GET http://${DENIED}/"%%0a{"x":1} HTTP/1.1\\r\\nHost: ${DENIED}\\r\\n\\r\\n`),
		].join('\n'));
		const answers = hostile.stdout.split('\n').filter((l) => l.startsWith('answer: '));
		assert.equal(answers.length, 3, hostile.stdout + hostile.stderr);
		for (const answer of answers) {
			assert.match(answer, /^answer: HTTP\/1\.1 40[03] /, hostile.stdout);
		}
		const lines = await accessLog(ws); // throws on any line that is not JSON
		assert.ok(lines.length > 0);
		for (const line of lines) {
			assert.equal(typeof line.time, 'number');
			assert.equal(typeof line.port, 'number');
			assert.equal(typeof line.status, 'number');
			assert.equal(typeof line.bytes, 'number');
			assert.equal(typeof line.enforced, 'boolean');
			assert.ok(line.verdict === 'allow' || line.verdict === 'deny', JSON.stringify(line));
			assert.ok(!(line.verdict === 'allow' && line.host === DENIED), `a hostile header turned into an allow: ${JSON.stringify(line)}`);
		}
		const perms = await ws.exec('stat -c "%U %a" /var/log/airlock/access.log /etc/airlock/policy /usr/local/sbin/airlock-ctl');
		assert.deepEqual(perms.stdout.trim().split('\n'), ['proxy 644', 'root 644', 'root 755']);
	});

	it('airlock-ctl verify passes its control and finds no leak; non-root is refused', async () => {
		const verify = await ws.rootExec(['airlock-ctl', 'verify', '--json', '--control-host', ALLOWED, '--probe-host', web.ipv4, '--probe-host', web.ipv6], undefined, 120_000);
		assert.equal(verify.code, 0, verify.stdout + verify.stderr);
		const report = JSON.parse(verify.stdout) as { ok: boolean; controlPassed: boolean; leaks: number; probes: Array<{ name: string; result: string }> };
		assert.equal(report.controlPassed, true);
		assert.equal(report.leaks, 0);
		assert.ok(report.probes.filter((p) => p.result === 'BLOCKED').length >= 6, verify.stdout);
		const text = await ws.rootExec(['airlock-ctl', 'verify', '--control-host', ALLOWED, '--probe-host', web.ipv4, '--probe-host', web.ipv6], undefined, 120_000);
		console.log(text.stdout.replace(/^/gm, '      '));
		// A control that cannot pass makes verify fail: blocks prove nothing without it.
		const noControl = await ws.rootExec(['airlock-ctl', 'verify', '--control-host', DENIED, '--probe-host', web.ipv4, '--probe-host', web.ipv6], undefined, 120_000);
		assert.notEqual(noControl.code, 0);
		assert.match(noControl.stdout, /positive control did not pass/);
		const asAgent = await ws.exec('airlock-ctl verify; echo "exit=$?"');
		assert.match(asAgent.stderr, /needs root/);
		assert.match(asAgent.stdout, /exit=1/);
	});

	it('tunnels ssh to an allowlisted HOST:22 through the proxy, and only there', async () => {
		await control();
		const config = await ws.exec('cat /etc/ssh/ssh_config.d/airlock.conf');
		assert.match(config.stdout, /ProxyCommand \/usr\/local\/share\/airlock\/airlock-ssh-proxy %h %p/);
		// The test host speaks HTTP on 22; what matters is that bytes flow through the tunnel.
		const through = await ws.exec(`printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | timeout 10 /usr/local/share/airlock/airlock-ssh-proxy ${TUNNEL} 22`);
		assert.match(through.stdout, /airlock-e2e web/, through.stdout + through.stderr);
		const blocked = await ws.exec(`printf 'x' | timeout 10 /usr/local/share/airlock/airlock-ssh-proxy ${DENIED} 22; echo "exit=$?"`);
		assert.match(blocked.stderr, /blocked by Airlock/);
		assert.match(blocked.stdout, /exit=1/);
		assertRefused(await direct(ws, `telnet://${web.ipv4}:22`));
		// A real ssh client picks the ProxyCommand up from ssh_config.d. The test host answers
		// HTTP on 22, so reaching it shows as a bad SSH banner, not as a block.
		const sshAllowed = await ws.exec(`timeout 20 ssh -o BatchMode=yes -o ConnectTimeout=8 -o StrictHostKeyChecking=no git@${TUNNEL} true`);
		assert.match(sshAllowed.stderr, /HTTP\/1\.[01] 40\d|identification|banner/i, sshAllowed.stderr);
		assert.doesNotMatch(sshAllowed.stderr, /blocked by Airlock/);
		const sshDenied = await ws.exec(`timeout 20 ssh -o BatchMode=yes -o ConnectTimeout=8 git@${DENIED} true`);
		assert.notEqual(sshDenied.code, 0);
		assert.match(sshDenied.stderr, /ssh to denied\.airlock-e2e\.example:22 blocked by Airlock/, sshDenied.stderr);
	});

	it('brings the proxy back when it is killed, with egress closed meanwhile', async () => {
		await control();
		const killed = await ws.rootExec(['sh', '-c', 'kill -9 "$(cat /run/airlock/squid.pid)" && echo killed']);
		assert.match(killed.stdout, /killed/);
		assertRefused(await direct(ws, `http://${web.ipv4}/index.html`));
		const started = Date.now();
		let back = false;
		for (let attempt = 0; attempt < 40 && !back; attempt++) {
			back = (await viaProxy(ws, `https://${ALLOWED}/index.html`)).exit === 0;
		}
		assert.ok(back, 'the proxy did not come back');
		console.log(`      proxy answered again after ${Date.now() - started} ms`);
		assert.equal((await status()).state, 'locked');
	});

	it('fails closed when it cannot lock: status NOT LOCKED with the reason, egress stays closed', async () => {
		await control();
		// A policy file that no longer validates (as if corrupted) makes `lock` stop after deny-all.
		const broken = await ws.rootExec(['sh', '-c', 'cp /etc/airlock/policy /run/airlock/policy.good && printf "garbage\\n" > /etc/airlock/policy && airlock-ctl lock; echo "exit=$?"']);
		assert.match(broken.stdout, /exit=1/, broken.stdout + broken.stderr);
		try {
			const s = await status();
			assert.equal(s.state, 'not-locked');
			assert.match(s.reason ?? '', /\/etc\/airlock\/policy: line 1: garbage: .*egress stays closed/);
			assertRefused(await direct(ws, `http://${web.ipv4}/index.html`));
			// The proxy still runs, but even it cannot get out: deny-all is in place.
			const viaDeadProxy = await viaProxy(ws, `https://${ALLOWED}/index.html`);
			assert.notEqual(viaDeadProxy.exit, 0, 'nothing may get out while not locked');
			assert.equal(viaDeadProxy.connectCode, 503, `the proxy reports it cannot connect: exit ${viaDeadProxy.exit} ${viaDeadProxy.stderr}`);
			const wait = await ws.exec('/usr/local/share/airlock/wait-locked.sh; echo "exit=$?"', 60_000);
			assert.match(wait.stdout, /exit=1/);
			assert.match(wait.stderr, /airlock: NOT LOCKED/);
		} finally {
			const fixed = await ws.rootExec(['sh', '-c', 'cp /run/airlock/policy.good /etc/airlock/policy && airlock-ctl lock >/dev/null; echo "exit=$?"']);
			assert.match(fixed.stdout, /exit=0/, fixed.stdout + fixed.stderr);
		}
		assert.equal((await status()).state, 'locked');
		await control();
	});

	it('keeps the last rules when the firewall cannot be programmed, and says NOT LOCKED', async () => {
		await control();
		// Make every iptables*-restore fail, as a missing kernel feature would.
		const broken = await ws.rootExec(['sh', '-c', 'chmod a-x /usr/sbin/xtables-nft-multi && airlock-ctl lock; echo "exit=$?"']);
		try {
			assert.match(broken.stdout, /exit=1/, broken.stdout + broken.stderr);
			const s = await status();
			assert.equal(s.state, 'not-locked');
			assert.match(s.reason ?? '', /could not program the firewall/);
			// A failed restore changes nothing: the previous default-deny rules still hold.
			assertRefused(await direct(ws, `http://${web.ipv4}/index.html`));
			assertRefused(await direct(ws, `http://[${web.ipv6}]/index.html`));
			assertUdpRefused(await udpProbe(ws, '127.0.0.11', 53));
		} finally {
			const fixed = await ws.rootExec(['sh', '-c', 'chmod 755 /usr/sbin/xtables-nft-multi && airlock-ctl lock >/dev/null; echo "exit=$?"']);
			assert.match(fixed.stdout, /exit=0/, fixed.stdout + fixed.stderr);
		}
		assert.equal((await status()).state, 'locked');
		await control();
	});

	describe('live apply', () => {
		it('allows a newly approved host, blocks a removed one, and keeps an open tunnel', async () => {
			await control();
			assertProxyDenied(await viaProxy(ws, `https://${LATER}/`));
			// Open a CONNECT tunnel to ALLOWED:8443 (plain HTTP behind it) and keep it open.
			const tunnelScript = [
				'exec 3<>/dev/tcp/127.0.0.1/3128',
				`printf 'CONNECT ${ALLOWED}:8443 HTTP/1.1\\r\\nHost: ${ALLOWED}:8443\\r\\n\\r\\n' >&3`,
				'IFS= read -r -t 5 line <&3; echo "tunnel: $line"',
				'while IFS= read -r -t 5 line <&3; do [ -z "${line%$\'\\r\'}" ] && break; done',
				'touch /tmp/tunnel-open',
				'for i in $(seq 1 100); do [ -e /tmp/apply-done ] && break; sleep 0.1; done',
				`printf 'GET /index.html HTTP/1.1\\r\\nHost: ${ALLOWED}\\r\\nConnection: close\\r\\n\\r\\n' >&3`,
				'timeout 5 cat <&3',
			].join('\n');
			await ws.rootExec(['rm', '-f', '/tmp/tunnel-open', '/tmp/apply-done']);
			const tunnel = ws.exec(tunnelScript, 60_000);
			let open = false;
			for (let attempt = 0; attempt < 50 && !open; attempt++) {
				open = (await ws.rootExec(['test', '-e', '/tmp/tunnel-open'])).code === 0;
				if (!open) {
					await new Promise((r) => setTimeout(r, 200));
				}
			}
			assert.ok(open, 'the tunnel did not open');
			assert.ok((await status()).tunnels >= 1, 'status counts the open tunnel');

			const next = INITIAL_ALLOW.filter((r) => r !== DNS_ALLOWED).concat([LATER]);
			const started = Date.now();
			const apply = await ws.rootExec(['airlock-ctl', 'apply'], canonical('enforce', next));
			assert.equal(apply.code, 0, apply.stderr);
			const expectedHash = (await ws.exec('sha256sum /etc/airlock/policy')).stdout.split(' ')[0];
			assert.equal(apply.stdout.trim(), `sha256:${expectedHash}`);
			await ws.rootExec(['touch', '/tmp/apply-done']);
			const tunnelResult = await tunnel;
			assert.match(tunnelResult.stdout, /tunnel: HTTP\/1\.1 200/);
			assert.match(tunnelResult.stdout, /airlock-e2e web/, `the open tunnel must survive the reconfigure:\n${tunnelResult.stdout}${tunnelResult.stderr}`);

			let allowed = false;
			for (let attempt = 0; attempt < 30 && !allowed; attempt++) {
				allowed = (await viaProxy(ws, `https://${LATER}/index.html`)).exit === 0;
			}
			assert.ok(allowed, `${LATER} was not allowed after apply`);
			console.log(`      newly allowed host reachable ${Date.now() - started} ms after apply started`);
			assertThrough(await viaProxy(ws, `https://${LATER}/index.html`), pageBody('web'));
			assertProxyDenied(await viaProxy(ws, `https://${DNS_ALLOWED}/`));
			assert.equal((await status()).policyHash, apply.stdout.trim());
		});

		it('rejects hostile policies with a clear error and keeps the last good one', async () => {
			await control();
			const before = await status();
			const hostile: Array<{ text: string; error: RegExp }> = [
				{ text: canonical('enforce', [ALLOWED]).replace(`allow ${ALLOWED}\n`, `allow ${ALLOWED}\nhttp_access allow all\n`), error: /line 4: http_access allow all: expected "allow HOST"/ },
				{ text: 'airlock-policy 1\nmode enforce\nallow evil.com deny all\n', error: /line 3: evil\.com deny all: / },
				{ text: 'airlock-policy 1\nmode enforce\nallow 10.0.0.1\n', error: /line 3: 10\.0\.0\.1: / },
				{ text: 'airlock-policy 1\nmode enforce\nallow .x.com\n', error: /line 3: \.x\.com: / },
				{ text: 'airlock-policy 2\nmode enforce\n', error: /line 1: airlock-policy 2: / },
				{ text: 'airlock-policy 1\nmode open\n', error: /line 2: mode open: / },
				{ text: `airlock-policy 1\nmode enforce\nallow ${ALLOWED}\r\n`, error: /line 3: / },
				{ text: `airlock-policy 1\nmode enforce\nallow evil\u0000.${ALLOWED}\n`, error: /NUL/ },
				{ text: `airlock-policy 1\nmode enforce\nallow ${ALLOWED}`, error: /must end with a newline/ },
			];
			for (const h of hostile) {
				const result = await ws.rootExec(['airlock-ctl', 'apply'], h.text);
				assert.equal(result.code, 2, `${JSON.stringify(h.text)} should be rejected: ${result.stdout}${result.stderr}`);
				assert.match(result.stderr, /^airlock-ctl: apply: line \d+: /);
				assert.match(result.stderr, h.error);
			}
			const after = await status();
			assert.equal(after.policyHash, before.policyHash, 'the last good policy stays');
			assert.equal(after.state, 'locked');
			assertThrough(await viaProxy(ws, `https://${LATER}/index.html`), pageBody('web'));
			assertProxyDenied(await viaProxy(ws, `https://${DENIED}/`));
		});

		it('audit mode lets a non-allowlisted host through, logs verdict deny / enforced false, keeps direct egress closed', async () => {
			await control();
			const audit = await ws.rootExec(['airlock-ctl', 'apply'], canonical('audit', [ALLOWED]));
			assert.equal(audit.code, 0, audit.stderr);
			assert.equal((await status()).mode, 'audit');
			let through = false;
			for (let attempt = 0; attempt < 20 && !through; attempt++) {
				through = (await viaProxy(ws, `https://${DENIED}/index.html`)).exit === 0;
			}
			assert.ok(through, 'audit mode should let the denied host through');
			const line = await lastLogFor(ws, DENIED, 443, 'CONNECT');
			assert.deepEqual({ verdict: line.verdict, enforced: line.enforced, rule: line.rule, status: line.status },
				{ verdict: 'deny', enforced: false, rule: 'not-allowlisted', status: 200 });
			// Still denied in audit mode: IP literals and private destinations; and direct egress.
			assertProxyDenied(await viaProxy(ws, `https://${web.ipv4}/`));
			assertRefused(await direct(ws, `http://${web.ipv4}/`));
			assertUdpRefused(await udpProbe(ws, '127.0.0.11', 53));
			const back = await ws.rootExec(['airlock-ctl', 'apply'], canonical('enforce', INITIAL_ALLOW));
			assert.equal(back.code, 0, back.stderr);
			assertProxyDenied(await viaProxy(ws, `https://${DENIED}/`));
		});
	});

	it('locks again on docker restart, before the first command', async () => {
		const id = await ws.containerId();
		const restart = await docker(['restart', '-t', '2', id], { timeoutMs: 120_000 });
		assert.equal(restart.code, 0, restart.stderr);
		// The very first command after the restart already sees the lock.
		const first = await ws.exec(`cat /run/airlock/status.json; curl -sS --noproxy '*' --connect-timeout 5 --max-time 8 http://${web.ipv4}/; echo "exit=$?"`);
		assert.match(first.stdout, /^\{"state":"locked"/, first.stdout + first.stderr);
		assert.match(first.stdout, /exit=7/, first.stdout + first.stderr);
		assert.equal((await status()).state, 'locked');
		let back = false;
		for (let attempt = 0; attempt < 30 && !back; attempt++) {
			back = (await viaProxy(ws, `https://${ALLOWED}/index.html`)).exit === 0;
		}
		assert.ok(back, 'the proxy did not come back after the restart');
		assertRefused(await direct(ws, `http://[${web.ipv6}]/`));
		assertUdpRefused(await udpProbe(ws, '127.0.0.11', 53));
		assertProxyDenied(await viaProxy(ws, `https://${DENIED}/`));
		const pidCheck = await ws.rootExec(['sh', '-c', `grep -c "Squid is already running" /var/log/airlock/cache.log || true`]);
		assert.equal(pidCheck.stdout.trim(), '0', 'a stale PID file must not keep Squid down');
	});


	describe('log rotation', () => {
		it('rotates the access log by size and keeps logging, readable by the user', async () => {
			await control();
			// About 12 MiB of well-formed lines, past the 10 MiB limit the supervisor checks.
			const line = '{"time":1,"client":"127.0.0.1","method":"GET","host":"filler.airlock-e2e.example","port":80,"verdict":"deny","enforced":true,"rule":"not-allowlisted","status":403,"bytes":0}';
			const fill = await ws.rootExec(['sh', '-c', `yes '${line}' | head -n 70000 >> /var/log/airlock/access.log; stat -c %s /var/log/airlock/access.log`]);
			assert.ok(Number(fill.stdout.trim()) > 10 * 1024 * 1024, fill.stdout);
			let rotated = false;
			for (let attempt = 0; attempt < 60 && !rotated; attempt++) {
				const check = await ws.rootExec(['sh', '-c', 'test -e /var/log/airlock/access.log.0 && test "$(stat -c %s /var/log/airlock/access.log)" -lt 1048576 && echo rotated']);
				rotated = check.stdout.includes('rotated');
				if (!rotated) {
					await new Promise((r) => setTimeout(r, 500));
				}
			}
			assert.ok(rotated, 'the supervisor did not rotate the access log within 30 s');
			assertProxyDenied(await viaProxy(ws, `https://${DENIED}/`));
			const after = await lastLogFor(ws, DENIED, 443, 'CONNECT');
			assert.equal(after.rule, 'not-allowlisted');
			const perms = await ws.exec('stat -c "%U %a %s" /var/log/airlock/access.log');
			assert.match(perms.stdout, /^proxy 644 \d+/);
		});
	});

	// Last (nested describes run after the plain cases): it changes the remote user's uid, and restores it.
	describe('a remote user remapped to uid 0', () => {
		async function waitForProxy(): Promise<boolean> {
			for (let attempt = 0; attempt < 30; attempt++) {
				if ((await viaProxy(ws, `https://${ALLOWED}/index.html`)).exit === 0) {
					return true;
				}
			}
			return false;
		}

		it('is never called locked: egress stays closed and the status says why', async () => {
			const id = await ws.containerId();
			await control();
			const remap = await ws.rootExec(['usermod', '-o', '-u', '0', 'dev']);
			assert.equal(remap.code, 0, remap.stderr);
			try {
				const restart = await docker(['restart', '-t', '2', id], { timeoutMs: 120_000 });
				assert.equal(restart.code, 0, restart.stderr);
				let s = await status().catch(() => undefined);
				for (let attempt = 0; attempt < 50 && (s === undefined || /locking|no lock has been applied|entrypoint has not/.test(s.reason ?? '')); attempt++) {
					await new Promise((r) => setTimeout(r, 200));
					s = await status().catch(() => undefined);
				}
				assert.equal(s?.state, 'not-locked', JSON.stringify(s));
				assert.match(s?.reason ?? '', /remote user "dev" has uid 0 \(root\) and could undo the firewall; egress stays closed/);
				// Closed, and closed fast: the proxy's egress was never opened.
				const out = await docker(['exec', '-u', 'root', id, 'sh', '-c', `curl -sS --noproxy '*' --connect-timeout 5 --max-time 8 http://${web.ipv4}/; echo "exit=$?"`]);
				assert.match(out.stdout, /exit=7/, out.stdout + out.stderr);
			} finally {
				// usermod refuses while "dev" (now uid 0) owns running processes: edit passwd directly.
				const restore = await ws.rootExec(['sh', '-c', "sed -i 's/^dev:x:0:/dev:x:1000:/' /etc/passwd && chown -R 1000 /home/dev && id -u dev"]);
				assert.equal(restore.stdout.trim(), '1000', restore.stderr);
				await docker(['restart', '-t', '2', id], { timeoutMs: 120_000 });
				await waitForProxy();
			}
			assert.equal((await status()).state, 'locked', 'locked again once the uid is back');
			await control();
		});
	});
});
