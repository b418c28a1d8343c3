/*
 * Faults in the sidecar topology (docs/sidecar.md), with the agent as root: hostile policies
 * pushed at the proxy, the agent restarted (zero tolerance: not one direct request may get out),
 * the proxy crashed, the gate recreated under a running agent, and the Docker engine restarted.
 * Every negative probe comes after a positive control through the proxy.
 *
 * The engine restart is this machine's engine (the sidecar's Compose project cannot run on the
 * private engine engine.test.ts uses: that one runs without iptables, which Compose's internal
 * networks and Docker's embedded DNS need). It runs last in the reliability suite and waits for
 * the engine to answer again; run it alone with nothing else on the engine.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { docker, dockerOk, newTestRun, removeEverything } from '../e2e/lib/docker';
import { run } from '../e2e/lib/process';
import { createSidecar, showCurl, type Curl, type SidecarWorkspace } from '../e2e/lib/sidecarWorkspace';
import type { TestNetworkPlan } from '../e2e/lib/testNetwork';
import { waitFor } from '../bench/lib/harness';

const NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.224/28', subnetV6: '2001:db8:ab::/64' };
const ALLOWED = 'allowed.airlock-sidecar-faults.example';
const DENIED = 'denied.airlock-sidecar-faults.example';

describe('reliability: faults in the sidecar topology, the agent as root', function () {
	this.timeout(1_800_000);
	const testRun = newTestRun('sidecar-faults');
	let sc: SidecarWorkspace;

	const direct = (): Promise<Curl> => sc.curl(`http://${sc.web.ipv4}/`, { direct: true });
	async function waitForControl(what: string): Promise<void> {
		await waitFor(what, async () => ((await sc.curl(`https://${ALLOWED}/index.html`)).exit === 0 ? true : undefined), { attempts: 120, everyMs: 500 });
	}
	async function status(): Promise<{ state: string; reason: string | null; policyHash: string; approvedPlanHash: string }> {
		const r = await sc.airlock(['status', '--json']);
		return JSON.parse(r.stdout) as { state: string; reason: string | null; policyHash: string; approvedPlanHash: string };
	}

	before(async function () {
		sc = await createSidecar(testRun, { name: 'sidecar-faults', network: NETWORK, allowed: ALLOWED, names: [DENIED] });
		const up = await sc.up();
		assert.equal(up.locked, true);
	});

	after(async function () {
		this.timeout(300_000);
		await sc?.remove();
		await removeEverything(testRun);
	});

	it('refuses hostile policies pushed at the proxy, naming the line, and keeps the last good one', async () => {
		await sc.control();
		const before = (await status()).policyHash;
		const hostile = [
			'airlock-policy 1\nmode enforce\nallow evil.example http_access allow all\n',
			'airlock-policy 1\nmode enforce\nallow 10.0.0.1\n',
			'airlock-policy 1\nmode enforce\nallow *.com\n',
			'airlock-policy 1\nmode enforce\nallow b.example\nallow a.example\n',
			'airlock-policy 1\nmode enforce\nallow a.example\r\n',
			'airlock-policy 1\nmode enforce\nallow a.example\n\n',
			'airlock-policy 2\nmode enforce\n',
			`airlock-policy 1\nmode enforce\n${'allow x.example\n'.repeat(80_000)}`,
		];
		for (const text of hostile) {
			const r = await docker(['exec', '-i', '-u', 'proxy', sc.proxy, 'airlock-ctl', 'apply'], { input: text, timeoutMs: 120_000 });
			assert.notEqual(r.code, 0, `accepted: ${JSON.stringify(text.slice(0, 80))}`);
			assert.match(r.stderr, /airlock-ctl: apply: line \d+: /, r.stderr);
			assert.equal((await status()).policyHash, before, 'the last good policy stays');
		}
		await sc.control();
		const denied = await sc.curl(`https://${DENIED}/index.html`);
		assert.equal(denied.connect, 403, showCurl(denied));
	});

	it('is closed from the first instruction after the agent restarts (zero tolerance)', async () => {
		await sc.control();
		const restart = await docker(['restart', '-t', '1', sc.agent], { timeoutMs: 120_000 });
		assert.equal(restart.code, 0, restart.stderr);
		// As fast as exec allows, right after the restart: not one direct request may get out.
		const probes = await sc.inAgent(`for i in $(seq 1 20); do curl -s -o /dev/null --noproxy '*' --connect-timeout 2 --max-time 3 http://${sc.web.ipv4}/; echo "exit=$?"; done`);
		const exits = [...probes.stdout.matchAll(/exit=(\d+)/g)].map((m) => Number(m[1]));
		assert.equal(exits.length, 20);
		assert.deepEqual(exits.filter((e) => e !== 7), [], `every direct attempt after the restart is refused at once: ${exits.join(',')}`);
		await sc.control();
	});

	it('has no egress at all while the proxy is down after a crash, and the proxy comes back with the last applied policy', async () => {
		await sc.control();
		const pid = (await dockerOk(['inspect', '-f', '{{.State.Pid}}', sc.proxy])).stdout.trim();
		// A crash (not `docker kill`, which Docker counts as a manual stop): the restart policy acts.
		await run('kill', ['-9', pid]);
		let down: Curl | undefined;
		for (let i = 0; i < 20; i++) {
			down = await sc.curl(`https://${ALLOWED}/index.html`);
			if (down.exit !== 0) {
				break;
			}
		}
		assert.ok(down && down.exit !== 0 && down.exit !== 28, `while the proxy is down a request fails at once: ${down ? showCurl(down) : ''}`);
		assert.equal((await direct()).exit, 7);
		await waitForControl('the proxy to come back');
		const s = await status();
		assert.equal(s.state, 'locked');
		assert.equal(s.policyHash, s.approvedPlanHash, 'it came back with the policy it had');
		const denied = await sc.curl(`https://${DENIED}/index.html`);
		assert.equal(denied.connect, 403, showCurl(denied));
	});

	it('a gate recreated under a running agent leaves the agent with no network at all, and status says NOT LOCKED', async () => {
		await sc.control();
		const project = (await dockerOk(['inspect', '-f', '{{index .Config.Labels "com.docker.compose.project"}}', sc.agent])).stdout.trim();
		const compose = path.join(sc.folder, '.devcontainer', 'docker-compose.airlock.yml');
		const recreate = await run('docker-compose', ['-p', project, '-f', compose, 'up', '-d', '--no-deps', '--force-recreate', 'airlock-gate'], { timeoutMs: 300_000 });
		assert.equal(recreate.code, 0, recreate.stderr);
		// The agent still points at the old gate's namespace, which is gone: no interface but loopback.
		const ifaces = await sc.inAgent('ls /sys/class/net');
		assert.deepEqual(ifaces.stdout.trim().split(/\s+/), ['lo'], `the agent has no network left: ${ifaces.stdout}`);
		const c = await direct();
		assert.notEqual(c.exit, 0, showCurl(c));
		const s = await status();
		assert.equal(s.state, 'not-locked');
		assert.match(s.reason ?? '', /does not use the gate's network namespace|gate .* not (running|healthy)/);
		// `airlock up` makes them consistent again.
		const up = await sc.up();
		assert.equal(up.locked, true);
		await waitForControl('the recreated agent to reach the proxy');
		assert.equal((await direct()).exit, 7);
	});

	it('comes back closed after the Docker engine restarts: the gate and the proxy by their restart policy, the agent when started', async () => {
		await sc.control();
		const pidFile = '/var/run/docker.pid';
		const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
		const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
		process.kill(pid, 'SIGTERM');
		await waitFor('the engine to stop', () => {
			try {
				process.kill(pid, 0);
				return undefined;
			} catch {
				return true;
			}
		}, { attempts: 240, everyMs: 250 });
		const log = fs.openSync('/var/log/airlock-dockerd.log', 'a');
		spawn(cmdline[0], cmdline.slice(1), { detached: true, stdio: ['ignore', log, log] }).unref();
		fs.closeSync(log);
		await waitFor('the engine to answer again', async () => ((await docker(['info'], { timeoutMs: 10_000 })).code === 0 ? true : undefined), { attempts: 240, everyMs: 500 });
		// The test host has no restart policy; neither has the agent (the editor or `up` starts it).
		await dockerOk(['start', sc.web.container]);
		await waitFor('the gate to be healthy again', async () => ((await docker(['inspect', '-f', '{{.State.Health.Status}}', sc.gate])).stdout.trim() === 'healthy' ? true : undefined), { attempts: 240, everyMs: 500 });
		const start = await docker(['start', sc.agent], { timeoutMs: 120_000 });
		assert.equal(start.code, 0, start.stderr);
		const first = await direct();
		assert.equal(first.exit, 7, `closed from the agent's first instruction: ${showCurl(first)}`);
		await waitForControl('the proxy to answer after the engine restart');
		const s = await status();
		assert.equal(s.state, 'locked');
		assert.equal(s.policyHash, s.approvedPlanHash);
		assert.equal((await direct()).exit, 7);
	});
});
