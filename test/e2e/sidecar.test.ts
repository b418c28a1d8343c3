/*
 * The sidecar topology, end to end (docs/sidecar.md): `topology: sidecar` in airlock.yaml, then
 * `airlock up` with the real devcontainer CLI and Docker Compose. The agent is root with Docker's
 * default capabilities (raw sockets included); every negative probe comes after a positive
 * control through the proxy, and a block must look like one (403, refused at once, EPERM, a
 * name that does not resolve), never a time-out. A test resolver records every query it gets,
 * to prove no lookup of the agent's leaves by any path.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { containerLogs, docker, dockerOk, leftovers, newTestRun, removeEverything } from './lib/docker';
import { describeRun, run, type RunResult } from './lib/process';
import { createSidecar, showCurl, type Curl, type SidecarWorkspace } from './lib/sidecarWorkspace';
import type { TestNetworkPlan } from './lib/testNetwork';
import { TEST_HOST_IMAGE, pageBody, type WebHost } from './lib/testHosts';

const NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.144/28', subnetV6: '2001:db8:aa::/64' };
const ALLOWED = 'allowed.airlock-sidecar.example';
const DENIED = 'denied.airlock-sidecar.example';
const LATER = 'later.airlock-sidecar.example';
const TUNNEL = 'tunnel.airlock-sidecar.example';
/** Answered only by the test resolver: a query for it anywhere but through the proxy is a leak. */
const LEAK_NAME = 'leak-probe.airlock-sidecar.example';

describe('sidecar topology: the lock beside the agent, and the agent may be root', function () {
	this.timeout(1_800_000);
	const testRun = newTestRun('sidecar');
	let sc: SidecarWorkspace;
	let web: WebHost;
	let agent = '';
	let proxy = '';
	let gate = '';
	const airlock = (args: readonly string[], timeoutMs?: number): Promise<RunResult> => sc.airlock(args, timeoutMs);
	const inAgent = (script: string, user?: string): Promise<RunResult> => sc.inAgent(script, user);
	const curl = (url: string, options?: { direct?: boolean; user?: string }): Promise<Curl> => sc.curl(url, options);
	const show = showCurl;
	const control = (): Promise<void> => sc.control();

	before(async function () {
		sc = await createSidecar(testRun, {
			name: 'sidecar-app', network: NETWORK, allowed: ALLOWED, alsoAllow: [`{ host: ${TUNNEL}, ports: [22], reason: "git over ssh" }`],
			names: [DENIED, LATER, TUNNEL], resolverNames: [LEAK_NAME],
		});
		web = sc.web;
	});

	afterEach(async function () {
		if (this.currentTest?.state === 'failed' && proxy) {
			console.log(`--- proxy ---\n${await containerLogs(proxy)}\n--- gate ---\n${await containerLogs(gate)}`);
		}
	});

	after(async function () {
		this.timeout(300_000);
		await sc?.remove();
		await removeEverything(testRun);
	});

	it('up: a Compose project with the proxy and the gate; the agent on the internal network only, no NET_ADMIN, locked', async () => {
		const result = await sc.up();
		assert.equal(result.locked, true);
		assert.ok(result.proxyContainerId, 'up --json names the proxy container');
		agent = sc.agent;
		proxy = sc.proxy;
		const info = JSON.parse((await dockerOk(['inspect', agent, proxy])).stdout) as { Id: string; HostConfig: { NetworkMode: string; CapAdd: string[] | null; CapDrop: string[] | null; ReadonlyRootfs: boolean; Sysctls?: Record<string, string> }; Config: { User: string } }[];
		const [a, p] = info;
		gate = sc.gate;
		assert.match(a.HostConfig.NetworkMode, /^container:[0-9a-f]{64}$/, 'the agent joins the gate\'s namespace');
		assert.deepEqual(a.HostConfig.CapAdd ?? [], [], 'the agent gets no capability added');
		assert.deepEqual(p.HostConfig.CapDrop, ['ALL']);
		assert.equal(p.HostConfig.ReadonlyRootfs, true);
		assert.equal(p.Config.User, 'proxy');
		assert.equal(p.HostConfig.Sysctls?.['net.ipv4.ip_forward'], '0');
		const gateNets = JSON.parse((await dockerOk(['inspect', '-f', '{{json .NetworkSettings.Networks}}', gate])).stdout) as Record<string, unknown>;
		assert.deepEqual(Object.keys(gateNets).map((n) => n.replace(/^.*_/, '')), ['airlock-internal']);
		const internal = JSON.parse((await dockerOk(['network', 'inspect', Object.keys(gateNets)[0]])).stdout) as { Internal: boolean }[];
		assert.equal(internal[0].Internal, true);
		const status = await airlock(['status', '--json']);
		assert.equal(status.code, 0, status.stderr);
		const s = JSON.parse(status.stdout) as { state: string; topology: string; policyHash: string; approvedPlanHash: string };
		assert.deepEqual([s.state, s.topology], ['locked', 'sidecar']);
		assert.equal(s.policyHash, s.approvedPlanHash);
	});

	it('lets root in the agent through the proxy to the allowed host, and refuses another with the proxy\'s 403', async () => {
		await control();
		assert.equal((await inAgent('id -u')).stdout.trim(), '0');
		const denied = await curl(`https://${DENIED}/index.html`);
		assert.deepEqual([denied.exit, denied.connect], [56, 403], show(denied));
		const log = await docker(['exec', proxy, 'sh', '-c', `grep '"host":"${DENIED}"' /var/log/airlock/access.log | tail -1`]);
		assert.match(log.stdout, /"verdict":"deny".*"rule":"not-allowlisted"/);
	});

	it('refuses every direct way out at once: IPv4, IPv6, the internal network\'s gateway (the host), UDP; root cannot change it', async () => {
		await control();
		for (const url of [`http://${web.ipv4}/`, `http://[${web.ipv6}]/`, 'http://192.0.0.8/']) {
			const c = await curl(url, { direct: true });
			assert.ok(c.exit === 7, `${url}: refused at once (curl 7), got ${show(c)}`);
		}
		const gw = await inAgent("awk '$2 == \"00000000\" { g = $3 } END { print g }' /proc/net/route");
		const h = gw.stdout.trim();
		const gateway = [6, 4, 2, 0].map((i) => parseInt(h.slice(i, i + 2), 16)).join('.');
		const g = await curl(`http://${gateway}:22/`, { direct: true });
		assert.equal(g.exit, 7, `the host behind the gateway is refused: ${show(g)}`);
		const udp = await inAgent(`bash -c 'exec 3<>/dev/udp/${web.ipv4}/53 && printf x >&3'; echo "exit=$?"`);
		assert.match(udp.stderr + udp.stdout, /Operation not permitted|exit=1/);
		// Root with the default capabilities (what the agent has): a throwaway container in the same
		// namespace, from the proxy image because it has iptables and perl.
		const image = (await dockerOk(['inspect', '-f', '{{.Config.Image}}', proxy])).stdout.trim();
		const attack = await docker(['run', '--rm', '--network', `container:${gate}`, '--user', 'root', '--entrypoint', 'sh', image, '-c',
			'iptables -F OUTPUT 2>&1; echo fw=$?; echo 1 > /proc/sys/net/ipv4/ip_forward 2>&1; echo fwd=$?; '
			// An ICMP echo on a raw socket (the kernel adds the IP header): it still passes OUTPUT.
			+ `perl -e 'use Socket; socket(my $s, PF_INET, SOCK_RAW, 1) or die "socket: $!"; my $ok = send($s, pack("C C n n n", 8, 0, 0xf7fe, 1, 0), 0, pack_sockaddr_in(0, inet_aton("${web.ipv4}"))); print "raw=", ($ok ? "sent" : "refused: $!"), "\\n"'`], { timeoutMs: 60_000 });
		assert.match(attack.stdout, /Permission denied|Operation not permitted/, attack.stdout);
		assert.match(attack.stdout, /fw=[1-9]/, `iptables is refused to root with default capabilities: ${attack.stdout}`);
		assert.match(attack.stdout, /fwd=[1-9]/, attack.stdout);
		assert.match(attack.stdout, /raw=refused: Operation not permitted/, `a raw IP packet goes through the gate's firewall too: ${attack.stdout}`);
	});

	it('does not forward through the proxy container, even for a host on the internal network that routes through it', async () => {
		await control();
		const proxyIp = (await dockerOk(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{if eq $k "sidecar-app_devcontainer_airlock-internal"}}{{$v.IPAddress}}{{end}}{{end}}', proxy])).stdout.trim()
			|| (await inAgent('getent ahostsv4 airlock-proxy | head -1 | cut -d" " -f1')).stdout.trim();
		assert.match(proxyIp, /^\d+\.\d+\.\d+\.\d+$/);
		// The strongest attacker on that network: NET_ADMIN, default route via the proxy.
		const internalNet = (await dockerOk(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}', gate])).stdout.trim();
		const routed = await docker(['run', '--rm', '--network', internalNet, '--cap-add', 'NET_ADMIN', ...testRun.labelArgs, '--user', 'root', '--entrypoint', 'sh', TEST_HOST_IMAGE, '-c',
			`busybox ip route replace default via ${proxyIp} && busybox ip route && curl -sS --noproxy '*' --connect-timeout 4 --max-time 6 http://${web.ipv4}/; echo " exit=$?"`], { timeoutMs: 60_000 });
		assert.match(routed.stdout, new RegExp(`default via ${proxyIp.replace(/\./g, '\\.')}`), `the attacker's route is in place (positive control): ${routed.stdout}${routed.stderr}`);
		assert.doesNotMatch(routed.stdout, /exit=0/, `routed through the proxy: ${routed.stdout}${routed.stderr}`);
		const forwarding = await docker(['exec', proxy, 'cat', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv6/conf/all/forwarding']);
		assert.deepEqual(forwarding.stdout.trim().split('\n'), ['0', '0']);
	});

	it('sends no DNS query of the agent\'s out by any path: the test resolver never hears the probe name', async () => {
		await control();
		const before = (await web.dnsQueries()).filter((q) => q === LEAK_NAME).length;
		const lookups = await inAgent(`getent ahostsv4 ${LEAK_NAME}; echo "getent=$?"; curl -sS --noproxy '*' --max-time 5 http://${LEAK_NAME}/; echo " curl=$?"; bash -c 'exec 3<>/dev/udp/${web.ipv4}/53' 2>&1; echo "udp=$?"`);
		assert.match(lookups.stdout, /getent=2/, lookups.stdout);
		assert.match(lookups.stdout, /curl=6/, `does not resolve, at once (no resolver time-out): ${lookups.stdout}`);
		// Allowed names are resolved by the proxy, from its own namespace, on the way out.
		const allowed = await curl(`https://${ALLOWED}/index.html`);
		assert.equal(allowed.exit, 0, show(allowed));
		const queries = await web.dnsQueries();
		assert.equal(queries.filter((q) => q === LEAK_NAME).length, before, `the resolver got the agent's query: ${queries.join(', ')}`);
	});

	it('verify from the agent\'s namespace as root: the control passes and every probe is blocked', async () => {
		const v = await airlock(['verify', '--json', '--probe-host', web.ipv4, '--probe-host', web.ipv6]);
		assert.equal(v.code, 0, describeRun('airlock verify', [], v));
		const result = JSON.parse(v.stdout) as { ok: boolean; controlPassed: boolean; leaks: number; probes: { name: string; result: string }[] };
		assert.deepEqual([result.ok, result.controlPassed, result.leaks], [true, true, 0]);
		assert.deepEqual(result.probes.filter((p) => p.name !== 'control').map((p) => p.result).filter((r) => r !== 'BLOCKED'), []);
		assert.ok(result.probes.some((p) => p.name === 'host-gateway'), 'the host gateway is probed');
	});

	it('sudo apt-get and ssh go through the proxy', async () => {
		await control();
		const apt = await inAgent(`mkdir -p /tmp/al/partial && echo 'deb [trusted=yes] http://${ALLOWED}/apt-probe bookworm main' > /tmp/apt.list && sudo -u dev sudo env -i PATH=/usr/bin:/bin apt-get -o Acquire::Retries=0 -o Dir::Etc::sourcelist=/tmp/apt.list -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists=/tmp/al update 2>&1; true`);
		const log = await docker(['exec', proxy, 'sh', '-c', `grep '"host":"${ALLOWED}"' /var/log/airlock/access.log | grep '"method":"GET"' | tail -1`]);
		assert.match(log.stdout, /"verdict":"allow"/, `apt's request reached the proxy: ${apt.stdout}`);
		const ssh = await inAgent(`ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o ConnectTimeout=5 -p 22 git@${TUNNEL} true 2>&1; ssh -o BatchMode=yes -o ConnectTimeout=5 -p 22 git@${DENIED} true 2>&1; true`, 'dev');
		assert.match(ssh.stdout, /ssh to denied\.airlock-sidecar\.example:22 blocked by Airlock \(proxy said: HTTP\/1\.1 403/, ssh.stdout);
		const tunnel = await docker(['exec', proxy, 'sh', '-c', `grep '"host":"${TUNNEL}"' /var/log/airlock/access.log | tail -1`]);
		assert.match(tunnel.stdout, /"method":"CONNECT".*"port":22.*"verdict":"allow"/, tunnel.stdout);
	});

	it('applies a newly approved host live to the proxy (no rebuild), and the status follows', async () => {
		const c = await curl(`https://${LATER}/index.html`);
		assert.equal(c.connect, 403, show(c));
		fs.appendFileSync(path.join(sc.folder, '.devcontainer', 'airlock.yaml'), `  - ${LATER}\n`);
		assert.equal((await airlock(['approve', '--yes'])).code, 0);
		const apply = await airlock(['apply', '--json']);
		assert.equal(apply.code, 0, apply.stderr);
		const r = JSON.parse(apply.stdout) as { containerId: string; policyHash: string; planHash: string; locked: boolean };
		assert.equal(r.containerId, agent);
		assert.equal(r.locked, true);
		const now = await curl(`https://${LATER}/index.html`);
		assert.equal(now.exit, 0, show(now));
	});

	it('the agent asks through the proxy beside it: refusals say why, the CLI sees the request and its reason, approving applies it live', async () => {
		await control();
		// The refusal explains itself: the header reaches the agent through the proxy container too.
		const refused = await inAgent(`curl -sS -v --max-time 8 https://${DENIED}/ 2>&1 | grep -i '^< x-airlock-reason'`);
		assert.match(refused.stdout, /^< X-Airlock-Reason: not-allowlisted\r?$/m, refused.stdout + refused.stderr);
		// airlock-request, mounted from the Feature copy, sends the request through the proxy; the proxy's log carries it.
		const ask = await inAgent(`airlock-request ${DENIED} --why 'fetch the fixtures'`, 'dev');
		assert.equal(ask.code, 0, ask.stdout + ask.stderr);
		const list = await airlock(['requests', '--json']);
		assert.equal(list.code, 0, list.stderr);
		const request = (JSON.parse(list.stdout) as { requests: { id: string; target: string; why: string }[] }).requests.find((r) => r.target === DENIED);
		assert.equal(request?.why, 'fetch the fixtures', list.stdout);
		const approve = await airlock(['requests', 'approve', request.id, '--yes']);
		assert.equal(approve.code, 0, approve.stdout + approve.stderr);
		assert.match(approve.stdout, /is reachable now, no rebuild needed/);
		const now = await curl(`https://${DENIED}/index.html`);
		assert.deepEqual([now.exit, now.body], [0, pageBody('web')], show(now));
	});

	it('the agent starts only once the proxy answers: brought up by Compose with the proxy just started, its first request goes through', async () => {
		await control();
		// What a reopen after a stop does: Compose starts the stopped proxy, then the agent. Without
		// the proxy's health check the agent would start while Squid is still starting, and its first
		// request (a postCreateCommand, the agent itself) would be refused.
		const label = async (key: string): Promise<string> => (await dockerOk(['inspect', '-f', `{{index .Config.Labels "${key}"}}`, agent])).stdout.trim();
		const project = await label('com.docker.compose.project');
		const workingDir = await label('com.docker.compose.project.working_dir');
		const files = (await label('com.docker.compose.project.config_files')).split(',').filter((f) => fs.existsSync(f));
		assert.ok(files.some((f) => f.endsWith('docker-compose.airlock.yml')), `Airlock's Compose file among ${files.join(', ')}`);
		const service = await label('com.docker.compose.service');
		await dockerOk(['stop', '-t', '2', agent, proxy], { timeoutMs: 60_000 });
		assert.equal((await dockerOk(['inspect', '-f', '{{.State.Running}}', proxy])).stdout.trim(), 'false');
		const up = await run('docker-compose', ['-p', project, ...files.flatMap((f) => ['-f', f]), 'up', '-d', '--no-recreate', '--no-build', service], { cwd: workingDir, timeoutMs: 300_000 });
		assert.equal(up.code, 0, describeRun('docker-compose up', [], up));
		// At once, one request, no retry.
		const first = await curl(`https://${ALLOWED}/index.html`);
		assert.deepEqual([first.exit, first.http, first.body], [0, 200, pageBody('web')], `the first request after the agent started: ${show(first)}`);
		assert.equal((await dockerOk(['inspect', '-f', '{{.State.Health.Status}}', proxy])).stdout.trim(), 'healthy');
		const status = JSON.parse((await airlock(['status', '--json'])).stdout) as { state: string };
		assert.equal(status.state, 'locked');
	});

	it('down removes the agent, the proxy, the gate, the networks and the volumes', async () => {
		const project = (await dockerOk(['inspect', '-f', '{{index .Config.Labels "com.docker.compose.project"}}', agent])).stdout.trim();
		const down = await airlock(['down']);
		assert.equal(down.code, 0, down.stderr);
		assert.equal((await dockerOk(['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout.trim(), '');
		assert.equal((await dockerOk(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout.trim(), '');
		assert.equal((await dockerOk(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout.trim(), '');
		const left = await leftovers(testRun);
		assert.deepEqual(left.volumes, []);
	});
});
