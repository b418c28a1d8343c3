/*
 * The CLI commands that talk to the container (up, status, verify, logs, down) and the
 * ProxyLogFollower, against real Docker engines and the real devcontainer CLI.
 *
 * Part 1 runs on a private Docker engine this test starts (its own socket and data root), so
 * killing and restarting that engine to prove the follower reconnects does not stop anyone
 * else's containers on the machine's engine. Part 2 builds a workspace with the real Airlock
 * Feature through `airlock up` on the machine's engine.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import * as esbuild from 'esbuild';
import { execInContainer } from '../../extension/docker/exec';
import { ProxyLogFollower, type FollowerState } from '../../extension/docker/logStream';
import { listWorkspaceContainers } from '../../extension/docker/findContainer';
import type { ProxyLogEntry } from '../../extension/core/proxyLog';
import { canonicalText, policyHash } from '../../extension/core/enforcedPolicy';
import { applyPolicy, readLivePolicy, readStatus } from '../../extension/docker/control';
import { ApplyRejectedError } from '../../extension/docker/errors';
import { leftovers, newTestRun, removeEverything } from './lib/docker';
import { runCliBundle, type RunResult } from './lib/process';
import { assertProxyDenied, assertThrough, viaProxy } from './lib/probes';
import { createTestNetwork, type TestNetworkPlan } from './lib/testNetwork';
import { ensureTestHostImage, pageBody, startWebHost, type WebHost } from './lib/testHosts';
import { createWorkspace, type Workspace } from './lib/workspace';

const REPO = findRepoRoot(__dirname);
const CLI_BUNDLE = path.join(REPO, 'out', 'e2e-cli', 'cli.js');
const DEV_IMAGE = 'airlock-test/debian-dev:bookworm';
const LOG_PATH = '/var/log/airlock/access.log';

function findRepoRoot(start: string): string {
	for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
		const pkg = path.join(dir, 'package.json');
		if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'airlock') {
			return dir;
		}
	}
	throw new Error(`cannot find the airlock repository above ${start}`);
}

/** Bundles only the CLI (the editor bundle needs files other people are still writing). */
function buildCliBundle(): void {
	esbuild.buildSync({
		entryPoints: [path.join(REPO, 'extension/cli/main.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs',
		external: ['cpu-features', 'ssh2'], logLevel: 'warning', outfile: CLI_BUNDLE,
		// jsonc-parser's "main" is a UMD build whose dynamic requires esbuild cannot follow.
		mainFields: ['module', 'main'],
	});
}


function airlock(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<RunResult> {
	return runCliBundle(CLI_BUNDLE, args, env, { cwd: REPO, timeoutMs });
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: Buffer): string {
	const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 30, ...(input ? { input } : {}) });
	if (r.status !== 0) {
		throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
	}
	return r.stdout;
}

/** Polls `check` until it returns a value; bounded in attempts so a broken run fails, not hangs. */
async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, attempts = 240, everyMs = 250): Promise<T> {
	for (let i = 0; i < attempts; i++) {
		const value = await check();
		if (value !== undefined && value !== false) {
			return value;
		}
		await new Promise((r) => setTimeout(r, everyMs));
	}
	throw new Error(`gave up waiting for ${what}`);
}

function logLine(host: string, verdict: 'allow' | 'deny', extra: Partial<ProxyLogEntry> = {}): string {
	return JSON.stringify({
		time: 1763843000.5, client: '127.0.0.1', method: 'CONNECT', host, port: 443, verdict, enforced: true,
		rule: verdict === 'allow' ? 'allowlisted' : 'not-allowlisted', status: verdict === 'allow' ? 200 : 403, bytes: verdict === 'allow' ? 1234 : 0, ...extra,
	});
}

/** Appends lines to the container's proxy log as the proxy would. */
async function appendLog(docker: Docker, id: string, lines: string[]): Promise<void> {
	const r = await execInContainer(docker, id, ['sh', '-c', `mkdir -p /var/log/airlock && cat >> ${LOG_PATH}`], { user: 'root', stdin: lines.map((l) => l + '\n').join('') });
	assert.equal(r.exitCode, 0, r.stderr);
}

// ---------------------------------------------------------------------------------------------
// A private Docker engine, so the engine-restart case disturbs nothing else on the machine.

const PRIVATE_ROOT = '/run/airlock-e2e-engine';
const PRIVATE_SOCKET = `${PRIVATE_ROOT}/docker.sock`;
const PRIVATE_PIDFILE = `${PRIVATE_ROOT}/dockerd.pid`;
const PRIVATE_HOST = `unix://${PRIVATE_SOCKET}`;

function privateEnv(): NodeJS.ProcessEnv {
	return { ...process.env, DOCKER_HOST: PRIVATE_HOST };
}

function privateEngineAnswers(): boolean {
	return spawnSync('docker', ['info'], { env: privateEnv(), stdio: 'ignore' }).status === 0;
}

/*
 * The private engine gets a bridge of its own: with `--bridge none` dockerd deletes the host's
 * docker0 (it assumes it owns it), which breaks the machine's engine. 198.51.100.112/28 is in
 * this suite's range and apart from its test network (198.51.100.64/27).
 */
const PRIVATE_BRIDGE = 'airlock-e2e0';
const PRIVATE_BRIDGE_ADDRESS = '198.51.100.113/28';

function ensurePrivateBridge(): void {
	if (spawnSync('ip', ['link', 'show', PRIVATE_BRIDGE], { stdio: 'ignore' }).status === 0) {
		return;
	}
	sh('ip', ['link', 'add', PRIVATE_BRIDGE, 'type', 'bridge']);
	sh('ip', ['addr', 'add', PRIVATE_BRIDGE_ADDRESS, 'dev', PRIVATE_BRIDGE]);
	sh('ip', ['link', 'set', PRIVATE_BRIDGE, 'up']);
}

async function startPrivateEngine(): Promise<void> {
	if (privateEngineAnswers()) {
		return;
	}
	fs.mkdirSync(PRIVATE_ROOT, { recursive: true });
	ensurePrivateBridge();
	// Started the way scripts/setup.sh starts the machine's engine, but on its own socket, data
	// root and bridge, and without touching iptables (its containers use --network none).
	const log = fs.openSync('/tmp/airlock-e2e-dockerd.log', 'a');
	const child = spawn('dockerd', ['--host', PRIVATE_HOST, '--data-root', '/var/lib/airlock-e2e-engine', '--exec-root', `${PRIVATE_ROOT}/exec`,
		'--pidfile', PRIVATE_PIDFILE, '--bridge', PRIVATE_BRIDGE, '--iptables=false', '--ip6tables=false', '--shutdown-timeout=1'],
	{ detached: true, stdio: ['ignore', log, log] });
	child.unref();
	fs.closeSync(log);
	await waitFor('the private Docker engine to answer (see /tmp/airlock-e2e-dockerd.log)', () => privateEngineAnswers() || undefined, 120, 500);
}

async function stopPrivateEngine(): Promise<void> {
	const pid = Number(fs.readFileSync(PRIVATE_PIDFILE, 'utf8').trim());
	process.kill(pid, 'SIGTERM');
	await waitFor('the private Docker engine to exit', () => {
		try {
			process.kill(pid, 0);
			return undefined;
		} catch {
			return true;
		}
	}, 240, 250);
}

function ensureImageOnPrivateEngine(): void {
	if (spawnSync('docker', ['image', 'inspect', DEV_IMAGE], { env: privateEnv(), stdio: 'ignore' }).status === 0) {
		return;
	}
	const tar = spawnSync('docker', ['save', DEV_IMAGE], { maxBuffer: 1 << 30 });
	assert.equal(tar.status, 0, `docker save ${DEV_IMAGE} failed; run scripts/base-image.sh`);
	sh('docker', ['load'], privateEnv(), tar.stdout);
}

describe('e2e: logs, status, down and ProxyLogFollower on a labelled container (private engine)', function () {
	this.timeout(300_000);
	const docker = new Docker({ socketPath: PRIVATE_SOCKET });
	let workspace: string;
	let env: NodeJS.ProcessEnv;
	let containerId: string;

	before(async () => {
		buildCliBundle();
		await startPrivateEngine();
		ensureImageOnPrivateEngine();
		workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-follow-')));
		env = { ...privateEnv(), XDG_CONFIG_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-config-')) };
		// The label the devcontainer CLI puts on a workspace's container is what the CLI looks for.
		const container = await docker.createContainer({
			Image: DEV_IMAGE, Cmd: ['sleep', 'infinity'], Labels: { 'devcontainer.local_folder': workspace },
			HostConfig: { NetworkMode: 'none' },
		});
		containerId = container.id;
		await container.start();
		await appendLog(docker, containerId, [logLine('evil.example', 'deny'), 'squid: a line that is not JSON', logLine('api.example.com', 'allow')]);
	});

	after(async () => {
		if (privateEngineAnswers()) {
			for (const c of await docker.listContainers({ all: true, filters: { label: [`devcontainer.local_folder=${workspace}`] } })) {
				await docker.getContainer(c.Id).remove({ force: true, v: true });
			}
			// Only this test uses the private engine; its data root stays as an image cache.
			await stopPrivateEngine();
		}
		spawnSync('ip', ['link', 'del', PRIVATE_BRIDGE], { stdio: 'ignore' });
	});

	it('status says the container was not built with the Feature (exit 1)', async () => {
		const r = await airlock(['status', '--workspace', workspace], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /no working airlock-ctl .*not built with the Airlock Feature/);
		assert.match(r.stderr, /next: rebuild it with `airlock up`/);
	});

	it('logs prints blocked and allowed requests, --blocked only blocks, --json the raw lines', async () => {
		const all = await airlock(['logs', '--workspace', workspace], env);
		assert.equal(all.code, 0, all.stderr);
		assert.deepEqual(all.stdout.trim().split('\n'), [
			'2025-11-22T20:23:20.500Z  BLOCKED CONNECT evil.example:443 — not in allowlist',
			'2025-11-22T20:23:20.500Z  ALLOWED CONNECT api.example.com:443 (HTTP 200, 1234 bytes)',
		]);
		assert.match(all.stderr, /skipped 1 line/);

		const blocked = await airlock(['logs', '--blocked', '--workspace', workspace], env);
		assert.deepEqual(blocked.stdout.trim().split('\n'), ['2025-11-22T20:23:20.500Z  BLOCKED CONNECT evil.example:443 — not in allowlist']);

		const json = await airlock(['logs', '--json', '--workspace', workspace], env);
		assert.deepEqual(json.stdout.trim().split('\n'), [logLine('evil.example', 'deny'), logLine('api.example.com', 'allow')]);
	});

	it('ProxyLogFollower resumes without repeats after docker restart and after the engine restarts', async () => {
		const follower = new ProxyLogFollower({ docker, workspace, retryInitialMs: 100, retryMaxMs: 1000 });
		const hosts: string[] = [];
		const states: FollowerState[] = [];
		follower.on('entry', (entry) => hosts.push(entry.host));
		follower.on('state', (change) => states.push(change.state));
		follower.start();
		try {
			await waitFor('the existing entries', () => hosts.length >= 2 || undefined);
			await appendLog(docker, containerId, [logLine('one.example', 'deny')]);
			await waitFor('a new entry', () => hosts.includes('one.example') || undefined);

			const followingBefore = states.filter((s) => s === 'following').length;
			await docker.getContainer(containerId).restart({ t: 0 });
			await waitFor('following again after docker restart', () => states.filter((s) => s === 'following').length > followingBefore || undefined);
			await appendLog(docker, containerId, [logLine('two.example', 'deny')]);
			await waitFor('an entry after the restart', () => hosts.includes('two.example') || undefined);

			await stopPrivateEngine();
			await waitFor('engine-unreachable', () => follower.state === 'engine-unreachable' || undefined);
			await startPrivateEngine();
			// Restart policy none: the container is stopped after the engine restart.
			await waitFor('waiting-for-container after the engine came back', () => follower.state === 'waiting-for-container' || undefined);
			await docker.getContainer(containerId).start();
			await waitFor('following after docker start', () => follower.state === 'following' || undefined);
			await appendLog(docker, containerId, [logLine('three.example', 'deny', { port: 22, rule: 'port-not-allowed' })]);
			await waitFor('an entry after the engine restart', () => hosts.includes('three.example') || undefined);

			assert.deepEqual(hosts, ['evil.example', 'api.example.com', 'one.example', 'two.example', 'three.example']);
			assert.ok(states.includes('engine-unreachable') && states.includes('waiting-for-container'), states.join(','));
		} finally {
			await follower.stop();
		}
		assert.equal(follower.state, 'stopped');
	});

	it('logs -f follows new lines and exits 0 on Ctrl-C', async () => {
		const child: ChildProcess = spawn(process.execPath, [CLI_BUNDLE, 'logs', '-f', '--blocked', '--workspace', workspace], { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
		child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
		const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
		try {
			await waitFor('the existing blocked lines', () => stdout.includes('three.example:22 — port not allowed for this host') || undefined);
			assert.match(stderr, /following the proxy log of /);
			await appendLog(docker, containerId, [logLine('four.example', 'deny', { method: 'GET', port: 80, rule: 'ip-literal' }), logLine('ok.example', 'allow')]);
			await waitFor('a followed line', () => stdout.includes('BLOCKED GET four.example:80') || undefined);
		} finally {
			child.kill('SIGINT');
		}
		assert.equal(await exited, 0, stderr);
		assert.doesNotMatch(stdout, /ALLOWED/);
		assert.equal(stdout.split('\n').filter((l) => l.includes('evil.example')).length, 1, stdout);
	});

	it('down removes the stopped container with its volumes; status then says to run `airlock up`', async () => {
		await docker.getContainer(containerId).stop({ t: 0 });
		const stopped = await airlock(['status', '--workspace', workspace], env);
		assert.equal(stopped.code, 1);
		assert.match(stopped.stderr, /no running container for this workspace .*; .* is exited/);

		const r = await airlock(['down', '--workspace', workspace], env);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`removed container .*\\(${containerId.slice(0, 12)}\\)`));
		assert.deepEqual(await listWorkspaceContainers(docker, workspace, { includeStopped: true }), []);

		const status = await airlock(['status', '--workspace', workspace], env);
		assert.equal(status.code, 1);
		assert.match(status.stderr, /no running container for this workspace/);
		assert.match(status.stderr, /next: run `airlock up`/);

		const again = await airlock(['down', '--workspace', workspace], env);
		assert.equal(again.code, 0);
		assert.match(again.stdout, /Nothing to remove/);
	});

	it('down also removes the Compose project\'s other services, its network and its volumes, and keeps unrelated named volumes', async () => {
		// What `docker compose` creates for a Compose-based dev container, made with the same labels.
		const project = `airlock-e2e-down-${process.pid}`;
		const composeLabels = { 'com.docker.compose.project': project };
		const network = await docker.createNetwork({ Name: `${project}_default`, Driver: 'bridge', Labels: composeLabels,
			IPAM: { Config: [{ Subnet: '198.51.100.96/28' }] } });
		const projectVolume = await docker.createVolume({ Name: `${project}_data`, Labels: composeLabels });
		const userVolume = await docker.createVolume({ Name: `${project}-user-data` });
		const make = async (labels: Record<string, string>, binds: string[]): Promise<string> => {
			const c = await docker.createContainer({ Image: DEV_IMAGE, Cmd: ['sleep', 'infinity'], Labels: labels, Volumes: { '/anonymous': {} },
				HostConfig: { NetworkMode: `${project}_default`, Binds: binds } });
			await c.start();
			return c.id;
		};
		const app = await make({ ...composeLabels, 'devcontainer.local_folder': workspace }, [`${projectVolume.name}:/data`, `${userVolume.name}:/user`]);
		const db = await make(composeLabels, []);
		const anonymous = (await docker.getContainer(app).inspect()).Mounts.filter((m) => m.Destination === '/anonymous').map((m) => m.Name);
		assert.equal(anonymous.length, 1);
		try {
			const r = await airlock(['down', '--workspace', workspace], env);
			assert.equal(r.code, 0, r.stderr);
			assert.match(r.stdout, new RegExp(`removed container .*\\(${app.slice(0, 12)}\\)`));
			assert.match(r.stdout, new RegExp(`removed container .*\\(${db.slice(0, 12)}\\)`));
			assert.match(r.stdout, new RegExp(`removed network ${project}_default`));
			assert.match(r.stdout, new RegExp(`removed volume ${project}_data`));
			assert.match(r.stdout, new RegExp(`kept    volume ${project}-user-data \\(named; may hold data`));
			const containers = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
			assert.deepEqual(containers, []);
			const volumes = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
			assert.ok(!volumes.includes(`${project}_data`) && !volumes.includes(anonymous[0] ?? ''), volumes.join(','));
			assert.ok(volumes.includes(`${project}-user-data`));
			await assert.rejects(network.inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
		} finally {
			for (const id of [app, db]) {
				await docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
			}
			await network.remove().catch(() => undefined);
			await projectVolume.remove().catch(() => undefined);
			await userVolume.remove();
		}
	});

	it('logs -f started while the engine is unreachable says so and keeps retrying until Ctrl-C', async () => {
		const child = spawn(process.execPath, [CLI_BUNDLE, 'logs', '-f', '--workspace', workspace],
			{ env: { ...env, DOCKER_HOST: 'unix:///run/airlock-e2e-engine/no-such.sock' }, stdio: ['ignore', 'pipe', 'pipe'] });
		let stderr = '';
		child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
		const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
		try {
			await waitFor('the unreachable-engine message', () => /Docker engine not reachable: .*no-such\.sock.*keeps retrying/.test(stderr) || undefined);
		} finally {
			child.kill('SIGINT');
		}
		assert.equal(await exited, 0, stderr);
	});

	it('says plainly when the engine is not reachable', async () => {
		const r = await airlock(['status', '--workspace', workspace], { ...env, DOCKER_HOST: 'unix:///run/airlock-e2e-engine/no-such.sock' });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /Docker engine not reachable at \/run\/airlock-e2e-engine\/no-such\.sock: .*Start Docker and retry\./);
	});
});

// ---------------------------------------------------------------------------------------------
// The real thing: `airlock up` with the local Feature through the devcontainer CLI, on the
// machine's engine, with test hosts on this suite's own network.

const CLI_NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.64/27', subnetV6: '2001:db8:a2::/64' };
const ALLOWED = 'allowed.airlock-cli.example';
const DENIED = 'denied.airlock-cli.example';

describe('e2e: airlock up, status, verify, logs, down with the real Feature and devcontainer CLI', function () {
	this.timeout(900_000);
	const testRun = newTestRun('cli');
	const docker = new Docker({ socketPath: '/var/run/docker.sock' });
	let env: NodeJS.ProcessEnv;
	let ws: Workspace;
	let containerId: string;
	let volumesBefore: string[];
	let web: WebHost;

	before(async function () {
		buildCliBundle();
		await ensureTestHostImage();
		const net = await createTestNetwork(testRun, CLI_NETWORK);
		const webV4 = net.hostV4(10);
		web = await startWebHost(testRun, net, { hostNumber: 10, hostName: 'web' });
		// The lib's workspace: Dockerfile with sudo for `dev`, test network, names of the test host.
		ws = createWorkspace(testRun, { name: 'up', featureOptions: { allow: '', mode: 'enforce' }, network: net, addHosts: { [ALLOWED]: webV4, [DENIED]: webV4 } });
		fs.writeFileSync(path.join(ws.folder, '.devcontainer', 'airlock.yaml'), `version: 1\nmode: enforce\nbaseline: false\nallow:\n  - ${ALLOWED}\n`);
		env = { ...process.env, XDG_CONFIG_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-config-')) };
		delete env.DOCKER_HOST;
		volumesBefore = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).sort();
	});

	after(async function () {
		if (ws) {
			await ws.remove();
		}
		await removeEverything(testRun);
		assert.deepEqual(await leftovers(testRun), { containers: [], networks: [], volumes: [] }, 'teardown left Docker objects behind');
	});

	it('up refuses an unapproved workspace and says to approve (exit 1)', async () => {
		const r = await airlock(['up', '--workspace', ws.folder], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /nothing has been approved for this workspace yet/);
		assert.match(r.stderr, /airlock approve/);
	});

	it('up --json builds and starts the container and reports it locked', async () => {
		const approve = await airlock(['approve', '--yes', '--workspace', ws.folder], env);
		assert.equal(approve.code, 0, approve.stderr);
		const r = await airlock(['up', '--workspace', ws.folder, '--json'], env, 900_000);
		assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
		const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { containerId: string; remoteUser: string; locked: boolean };
		assert.equal(result.locked, true);
		assert.equal(result.remoteUser, 'dev');
		assert.equal(result.containerId, (await docker.getContainer(await ws.containerId()).inspect()).Id);
		containerId = result.containerId;
		assert.match(r.stderr, /Egress is LOCKED( \([^)]*\))?: mode enforce, 1 hosts/);
	});

	it('status says locked, by the approved plan (exit 0)', async () => {
		const human = await airlock(['status', '--workspace', ws.folder], env);
		assert.equal(human.code, 0, human.stderr);
		assert.match(human.stdout, /egress: +LOCKED \(since /);
		assert.match(human.stdout, /\(the approved plan\)/);
		const json = await airlock(['status', '--json', '--workspace', ws.folder], env);
		const status = JSON.parse(json.stdout) as { state: string; policyHash: string; approvedPlanHash: string; container: { id: string } };
		assert.equal(status.state, 'locked');
		assert.equal(status.policyHash, status.approvedPlanHash);
		assert.equal(status.container.id, containerId);
	});

	it('verify relays the probes: passes when locked, exit 1 when the control fails or a probe leaks', async () => {
		// The leak probes aim at this suite's test host, so a leak reaches a host the test owns.
		const probes = ['--probe-host', web.ipv4, '--probe-host', web.ipv6];
		const ok = await airlock(['verify', '--workspace', ws.folder, ...probes], env);
		assert.equal(ok.code, 0, `stdout:\n${ok.stdout}\nstderr:\n${ok.stderr}`);
		assert.match(ok.stdout, /PASS +control +https:\/\/allowed\.airlock-cli\.example\//);
		assert.match(ok.stdout, /verify: OK/);
		const json = await airlock(['verify', '--json', '--workspace', ws.folder, ...probes], env);
		assert.equal(json.code, 0, json.stderr);
		const report = JSON.parse(json.stdout) as { ok: boolean; controlPassed: boolean; leaks: number };
		assert.deepEqual([report.ok, report.controlPassed, report.leaks], [true, true, 0]);

		const noControl = await airlock(['verify', '--workspace', ws.folder, '--control-host', DENIED, ...probes], env);
		assert.equal(noControl.code, 1, noControl.stdout);
		assert.match(noControl.stdout, /the positive control did not pass/);
		assert.match(noControl.stderr, /next: run `airlock status`/);

		// Open the firewall for everyone (as root, as an attacker with root would): verify must see it.
		const open = await ws.rootExec(['iptables', '-I', 'OUTPUT', '1', '-j', 'ACCEPT']);
		assert.equal(open.code, 0, open.stderr);
		try {
			const leak = await airlock(['verify', '--workspace', ws.folder, ...probes], env);
			assert.equal(leak.code, 1, leak.stdout);
			assert.match(leak.stdout, /verify: FAILED: \d+ probe\(s\) leaked/);
		} finally {
			const close = await ws.rootExec(['iptables', '-D', 'OUTPUT', '1']);
			assert.equal(close.code, 0, close.stderr);
		}
		const again = await airlock(['verify', '--workspace', ws.folder, ...probes], env);
		assert.equal(again.code, 0, again.stdout);
	});

	it('logs shows the request the proxy blocked, after the allowed one went through', async () => {
		assertThrough(await viaProxy(ws, `https://${ALLOWED}/index.html`), pageBody('web'));
		assertProxyDenied(await viaProxy(ws, `https://${DENIED}/index.html`));
		const blocked = await airlock(['logs', '--blocked', '--workspace', ws.folder], env);
		assert.equal(blocked.code, 0, blocked.stderr);
		assert.match(blocked.stdout, new RegExp(`BLOCKED CONNECT ${DENIED.replace(/\./g, '\\.')}:443 — not in allowlist`));
		assert.doesNotMatch(blocked.stdout, /ALLOWED/);
		const all = await airlock(['logs', '--workspace', ws.folder], env);
		assert.match(all.stdout, new RegExp(`ALLOWED CONNECT ${ALLOWED.replace(/\./g, '\\.')}:443 \\(HTTP 200`));
	});

	it('ProxyLogFollower (from the end) keeps following across docker restart of the locked container', async () => {
		const follower = new ProxyLogFollower({ docker, workspace: ws.folder, from: 'end', retryInitialMs: 100, retryMaxMs: 1000 });
		const seen: string[] = [];
		let following = 0;
		follower.on('entry', (entry) => seen.push(`${entry.verdict} ${entry.host}`));
		follower.on('state', (change) => {
			following += change.state === 'following' ? 1 : 0;
		});
		follower.start();
		try {
			await waitFor('following', () => following > 0 || undefined);
			await docker.getContainer(containerId).restart({ t: 5 });
			await waitFor('following again after the restart', () => following > 1 || undefined);
			await waitFor('locked again after the restart', async () => {
				const s = await airlock(['status', '--workspace', ws.folder], env);
				return s.code === 0 || undefined;
			}, 120, 500);
			assertThrough(await viaProxy(ws, `https://${ALLOWED}/index.html`), pageBody('web'));
			assertProxyDenied(await viaProxy(ws, `https://${DENIED}/index.html`));
			await waitFor('both new entries', () => seen.length >= 2 || undefined);
			// From the end: nothing from before the follower started, and nothing twice.
			assert.deepEqual(seen, [`allow ${ALLOWED}`, `deny ${DENIED}`]);
		} finally {
			await follower.stop();
		}
	});

	it('applyPolicy swaps the live policy; a rejected one names the line and leaves the old one enforced', async () => {
		const widened = { mode: 'enforce' as const, rules: [{ host: ALLOWED }, { host: DENIED }] };
		assertThrough(await viaProxy(ws, `https://${ALLOWED}/index.html`), pageBody('web'));
		assertProxyDenied(await viaProxy(ws, `https://${DENIED}/index.html`));
		const applied = await applyPolicy(docker, containerId, canonicalText(widened));
		assert.equal(applied.policyHash, policyHash(widened));
		assert.equal(await readLivePolicy(docker, containerId), canonicalText(widened));
		assertThrough(await viaProxy(ws, `https://${DENIED}/index.html`), pageBody('web'));

		const bad = 'airlock-policy 1\nmode enforce\nallow not a host\n';
		await assert.rejects(applyPolicy(docker, containerId, bad), (err: unknown) =>
			err instanceof ApplyRejectedError && /line 3/.test(err.containerMessage) && /The previous policy is still enforced\./.test(err.message));
		assert.equal((await readStatus(docker, containerId)).policyHash, policyHash(widened));
		assertThrough(await viaProxy(ws, `https://${DENIED}/index.html`), pageBody('web'));

		// Drift: the container no longer enforces the approved plan, and status says so (exit 1).
		const status = await airlock(['status', '--workspace', ws.folder], env);
		assert.equal(status.code, 1);
		assert.match(status.stdout, /DIFFERS from the approved plan/);
		assert.match(status.stderr, /not the approved plan/);
	});

	it('up again re-applies the approved plan to the reused container', async () => {
		const r = await airlock(['up', '--workspace', ws.folder, '--json'], env, 900_000);
		assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
		const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { containerId: string; locked: boolean };
		assert.equal(result.containerId, containerId, 'devcontainer.json did not change, so the container is reused');
		assert.match(r.stderr, /The container enforced sha256:[0-9a-f]{64}; applied the approved plan/);
		const status = await airlock(['status', '--workspace', ws.folder], env);
		assert.equal(status.code, 0, status.stderr);
		assertThrough(await viaProxy(ws, `https://${ALLOWED}/index.html`), pageBody('web'));
		assertProxyDenied(await viaProxy(ws, `https://${DENIED}/index.html`));
	});

	it('up after a newly approved plan (and `airlock generate`) applies it live: only the allowlist changed', async () => {
		fs.writeFileSync(path.join(ws.folder, '.devcontainer', 'airlock.yaml'), `version: 1\nmode: enforce\nbaseline: false\nallow:\n  - ${ALLOWED}\n  - ${DENIED}\n`);
		const approve = await airlock(['approve', '--yes', '--workspace', ws.folder], env);
		assert.equal(approve.code, 0, approve.stderr);
		// generate writes devcontainer.json first, so up itself sees nothing to write: it must still
		// tell an allowlist change (live) from one that needs the container recreated.
		const generate = await airlock(['generate', '--workspace', ws.folder], env);
		assert.equal(generate.code, 0, generate.stderr);
		const r = await airlock(['up', '--workspace', ws.folder, '--json'], env, 900_000);
		assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
		assert.doesNotMatch(r.stderr, /recreating/);
		assert.match(r.stderr, /applied the approved plan/);
		const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { containerId: string; locked: boolean };
		assert.equal(result.locked, true);
		assert.equal(result.containerId, containerId, 'the same container, no rebuild');
		const json = JSON.parse((await airlock(['status', '--json', '--workspace', ws.folder], env)).stdout) as { policyHash: string; approvedPlanHash: string; hosts: number };
		assert.equal(json.policyHash, json.approvedPlanHash);
		assert.equal(json.hosts, 2);
		assertThrough(await viaProxy(ws, `https://${DENIED}/index.html`), pageBody('web'));
	});

	it('apply enforces the approved plan in the running container, through the editor\'s function', async () => {
		fs.writeFileSync(path.join(ws.folder, '.devcontainer', 'airlock.yaml'), `version: 1\nmode: enforce\nbaseline: false\nallow:\n  - ${ALLOWED}\n`);
		assert.equal((await airlock(['approve', '--yes', '--workspace', ws.folder], env)).code, 0);
		assertThrough(await viaProxy(ws, `https://${DENIED}/index.html`), pageBody('web'));
		const r = await airlock(['apply', '--workspace', ws.folder, '--json'], env);
		assert.equal(r.code, 0, r.stderr);
		const result = JSON.parse(r.stdout) as { containerId: string; policyHash: string; planHash: string; locked: boolean };
		assert.deepEqual([result.containerId, result.locked], [containerId, true]);
		assert.equal(result.policyHash, result.planHash);
		assertThrough(await viaProxy(ws, `https://${ALLOWED}/index.html`), pageBody('web'));
		assertProxyDenied(await viaProxy(ws, `https://${DENIED}/index.html`));
	});

	it('up after a change only a rebuild can make recreates the container with it', async () => {
		const file = path.join(ws.folder, '.devcontainer', 'devcontainer.json');
		fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"containerEnv": {', '"containerEnv": {\n    "ACME_MARK": "rebuilt",'));
		const r = await airlock(['up', '--workspace', ws.folder, '--json'], env, 900_000);
		assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
		assert.match(r.stderr, /devcontainer\.json changed since the container was made: recreating/);
		const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { containerId: string; locked: boolean };
		assert.equal(result.locked, true);
		assert.notEqual(result.containerId, containerId);
		containerId = result.containerId;
		const mark = await ws.exec('echo "$ACME_MARK"');
		assert.equal(mark.stdout.trim(), 'rebuilt');
		assertThrough(await viaProxy(ws, `https://${ALLOWED}/index.html`), pageBody('web'));
	});

	it('down removes the container and leaves no containers, networks or volumes of its own', async () => {
		const r = await airlock(['down', '--workspace', ws.folder], env);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`removed container .*\\(${containerId.slice(0, 12)}\\)`));
		assert.deepEqual(await listWorkspaceContainers(docker, ws.folder, { includeStopped: true }), []);
		const volumesAfter = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).sort();
		assert.deepEqual(volumesAfter.filter((v) => !volumesBefore.includes(v)), [], 'volumes created by up are left');
		const status = await airlock(['status', '--workspace', ws.folder], env);
		assert.equal(status.code, 1);
		assert.match(status.stderr, /no running container for this workspace/);
	});
});
