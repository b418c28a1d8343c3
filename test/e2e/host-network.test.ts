/*
 * A container started with the host's network namespace (`--network=host`) or another
 * container's (`--network container:X`) is never locked and never changes that namespace's
 * rules: the Feature proves it is in the container's own namespace before any iptables command,
 * and otherwise programs nothing, records NOT LOCKED with the reason and stops the container.
 *
 * Never on this machine's own namespace: a private Docker engine runs inside a throwaway network
 * namespace (`ip netns`), entered with nsenter (network only: `ip netns exec` would also remount
 * /sys and hide the cgroups dockerd needs), so `--network=host` there means the throwaway
 * namespace. The same image in its own namespace on that engine is the positive control.
 *
 * Takes about 1 minute with the image in Docker's build cache (the first build installs Squid).
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { newTestRun } from './lib/docker';
import { createWorkspace, devcontainerBin, type Workspace } from './lib/workspace';
import { run, type RunResult } from './lib/process';

const ENGINE_ROOT = '/run/airlock-hostnet-engine';
const ENGINE_SOCKET = `${ENGINE_ROOT}/docker.sock`;
const ENGINE_PIDFILE = `${ENGINE_ROOT}/dockerd.pid`;
/** Kept between runs: an image cache (the locked image is large to copy). */
const ENGINE_DATA_ROOT = '/var/lib/airlock-hostnet-engine';
const ENGINE_LOG = '/tmp/airlock-hostnet-dockerd.log';
/** The private engine's bridge, inside the throwaway namespace only (this suite's range). */
const ENGINE_BIP = '198.51.100.233/29';
const NETNS = `airlock-hostnet-${process.pid}`;
const IMAGE = 'airlock-e2e/hostnet-locked:latest';
const MARKER = 'airlock-hostnet-marker';
/** The devcontainer CLI's own start script, with the Feature's entrypoint line. */
const DEVCONTAINER_START = 'echo Container started\ntrap "exit 0" 15\n/usr/local/share/airlock/entrypoint.sh\nexec "$@"\nwhile sleep 1 & wait $!; do :; done';

function sh(cmd: string, args: readonly string[], input?: Buffer): string {
	const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 120_000, ...(input ? { input } : {}) });
	assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
	return r.stdout;
}

function engine(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
	return run('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${ENGINE_SOCKET}` }, timeoutMs: options.timeoutMs ?? 60_000, ...(options.input !== undefined ? { input: options.input } : {}) });
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, attempts = 120, everyMs = 250): Promise<T> {
	for (let i = 0; i < attempts; i++) {
		const value = await check();
		if (value !== undefined) {
			return value;
		}
		await new Promise((r) => setTimeout(r, everyMs));
	}
	throw new Error(`gave up waiting for ${what}`);
}

/** Every rule of every table in the throwaway namespace, both families and both iptables backends. */
function namespaceRules(): string {
	return ['iptables-nft-save', 'ip6tables-nft-save', 'iptables-legacy-save', 'ip6tables-legacy-save']
		.map((tool) => `== ${tool}\n${sh('ip', ['netns', 'exec', NETNS, tool]).split('\n').filter((l) => !l.startsWith('#')).join('\n')}`)
		.join('\n');
}

/** This machine's own OUTPUT chains (the engine changes FORWARD and nat as others' suites run; OUTPUT is what a lock would take). */
function machineOutputRules(): string {
	return ['iptables-save', 'ip6tables-save'].map((tool) => sh(tool, ['-t', 'filter']).split('\n').filter((l) => /^(:OUTPUT|-A OUTPUT)/.test(l)).join('\n')).join('\n');
}

async function startEngine(): Promise<void> {
	fs.mkdirSync(ENGINE_ROOT, { recursive: true });
	const log = fs.openSync(ENGINE_LOG, 'a');
	const child = spawn('nsenter', [`--net=/var/run/netns/${NETNS}`, 'dockerd', '--host', `unix://${ENGINE_SOCKET}`, '--data-root', ENGINE_DATA_ROOT, '--exec-root', `${ENGINE_ROOT}/exec`,
		'--pidfile', ENGINE_PIDFILE, '--bip', ENGINE_BIP, '--iptables=false', '--ip6tables=false', '--shutdown-timeout=1'], { detached: true, stdio: ['ignore', log, log] });
	child.unref();
	fs.closeSync(log);
	await waitFor(`the private engine in ${NETNS} to answer (see ${ENGINE_LOG})`, async () => ((await engine(['version'])).code === 0 ? true : undefined), 240, 500);
}

async function stopEngine(): Promise<void> {
	let pid: number;
	try {
		pid = Number(fs.readFileSync(ENGINE_PIDFILE, 'utf8').trim());
		process.kill(pid, 'SIGTERM');
	} catch {
		return;
	}
	await waitFor('the private engine to exit', async () => {
		try {
			process.kill(pid, 0);
			return undefined;
		} catch {
			return true;
		}
	}, 240, 250);
}

/** The Feature's image, started the way the devcontainer CLI starts it. */
async function startLocked(networkArgs: readonly string[], entrypoint: 'airlock' | 'sleep' = 'airlock'): Promise<string> {
	const start = entrypoint === 'airlock' ? ['--entrypoint', '/bin/sh', IMAGE, '-c', DEVCONTAINER_START, '-'] : ['--entrypoint', 'sleep', IMAGE, 'infinity'];
	const r = await engine(['run', '-d', '--label', MARKER, '--cap-add', 'NET_ADMIN', '--security-opt', 'no-new-privileges', ...networkArgs, ...start]);
	assert.equal(r.code, 0, r.stderr);
	return r.stdout.trim();
}

async function statusOf(container: string): Promise<{ state: string; reason: string | null }> {
	return waitFor(`a settled status in ${container}`, async () => {
		const r = await engine(['exec', '-u', 'root', container, 'airlock-ctl', 'status', '--json']);
		const status = /^\{/.test(r.stdout) ? (JSON.parse(r.stdout) as { state: string; reason: string | null }) : undefined;
		return status && !(status.reason ?? '').startsWith('locking') && !(status.reason ?? '').startsWith('no lock has been applied') ? status : undefined;
	});
}

describe("e2e: the host's network namespace is never locked and its rules never change (throwaway namespace, private engine)", function () {
	this.timeout(900_000);
	const testRun = newTestRun('hostnet');
	let ws: Workspace;
	let rulesBefore: string;
	let machineBefore: string;
	let control: string;

	before(async function () {
		// The image: the e2e workspace's Dockerfile with the local Feature, built by the real devcontainer CLI.
		ws = createWorkspace(testRun, { name: 'hostnet', featureOptions: { allow: 'allowed.airlock-hostnet.example', mode: 'enforce' } });
		const built = await run(devcontainerBin(), ['build', '--workspace-folder', ws.folder, '--image-name', IMAGE, '--log-level', 'info'], { timeoutMs: 900_000 });
		assert.equal(built.code, 0, `devcontainer build failed:\n${built.stdout.slice(-3000)}\n${built.stderr.slice(-3000)}`);

		sh('ip', ['netns', 'add', NETNS]);
		sh('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', 'lo', 'up']);
		// Rules of the namespace's own, so "unchanged" compares something, in both families.
		sh('ip', ['netns', 'exec', NETNS, 'iptables', '-A', 'INPUT', '-m', 'comment', '--comment', MARKER, '-j', 'ACCEPT']);
		sh('ip', ['netns', 'exec', NETNS, 'ip6tables', '-A', 'OUTPUT', '-m', 'comment', '--comment', MARKER, '-j', 'ACCEPT']);
		await startEngine();
		const imageId = sh('docker', ['image', 'inspect', '--format', '{{.Id}}', IMAGE]).trim();
		if ((await engine(['image', 'inspect', '--format', '{{.Id}}', IMAGE])).stdout.trim() !== imageId) {
			const saved = spawnSync('docker', ['save', IMAGE], { maxBuffer: 4 << 30 });
			assert.equal(saved.status, 0, String(saved.stderr));
			const loaded = spawnSync('docker', ['load', '-q'], { input: saved.stdout, env: { ...process.env, DOCKER_HOST: `unix://${ENGINE_SOCKET}` }, maxBuffer: 1 << 20 });
			assert.equal(loaded.status, 0, String(loaded.stderr));
		}
		rulesBefore = namespaceRules();
		machineBefore = machineOutputRules();
		assert.match(rulesBefore, new RegExp(MARKER));
	});

	after(async function () {
		if ((await engine(['version'])).code === 0) {
			const ids = (await engine(['ps', '-a', '-q', '--filter', `label=${MARKER}`])).stdout.split('\n').filter(Boolean);
			if (ids.length > 0) {
				await engine(['rm', '-f', '-v', ...ids], { timeoutMs: 120_000 });
			}
			assert.equal((await engine(['ps', '-a', '-q', '--filter', `label=${MARKER}`])).stdout.trim(), '', 'containers left on the private engine');
		}
		await stopEngine();
		// dockerd binds its own namespace under its exec root and leaves it there: unmount it, or the
		// throwaway namespace outlives `ip netns del`.
		spawnSync('umount', [`${ENGINE_ROOT}/exec/netns/default`], { stdio: 'ignore' });
		spawnSync('ip', ['netns', 'del', NETNS], { stdio: 'ignore' });
		if (ws) {
			fs.rmSync(ws.folder, { recursive: true, force: true });
		}
	});

	it('control: in its own namespace (the private engine\'s bridge) the Feature locks, and programs only that namespace', async () => {
		control = await startLocked([]);
		assert.equal((await statusOf(control)).state, 'locked');
		const own = await engine(['exec', '-u', 'root', control, 'iptables-save', '-t', 'filter']);
		assert.match(own.stdout, /-A OUTPUT .*--uid-owner \d+ .*-j ACCEPT/, 'the lock is in the container\'s own namespace');
		assert.match(own.stdout, /-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset/);
		assert.equal(namespaceRules(), rulesBefore, 'the throwaway namespace (the engine\'s "host") is untouched');
	});

	it('--network=host: NOT LOCKED with the reason, nothing programmed, and the container stops by itself', async () => {
		assert.ok(control, 'the control ran first');
		const host = await startLocked(['--network', 'host']);
		await waitFor('the host-network container to stop', async () => ((await engine(['inspect', '--format', '{{.State.Running}}', host])).stdout.trim() === 'false' ? true : undefined));
		const logs = await engine(['logs', host]);
		assert.match(logs.stderr + logs.stdout, /NOT LOCKED: this is not the container's own network namespace \(.*engine socket \/run\/airlock-hostnet-engine\/docker\.sock.*interface docker0.*\): it is the host's or another container's/);
		const status = await engine(['cp', `${host}:/run/airlock/status.json`, '-']);
		assert.match(status.stdout, /"state":"not-locked","reason":"this is not the container's own network namespace/);
		assert.match(status.stdout, /stopped so nothing runs with open egress/);
		assert.equal(namespaceRules(), rulesBefore, "the host's rules are exactly as before");
		assert.equal(machineOutputRules(), machineBefore, "this machine's own OUTPUT rules are as before");
		assert.notEqual((await engine(['exec', '-u', 'dev', host, 'true'])).code, 0, 'nothing can run in it');
	});

	it("airlock-ctl lock and apply, run by hand as root in the host's namespace, refuse and program nothing", async () => {
		const host = await startLocked(['--network', 'host'], 'sleep');
		const lock = await engine(['exec', '-u', 'root', host, 'airlock-ctl', 'lock']);
		assert.equal(lock.code, 1, lock.stderr);
		assert.match(lock.stderr, /airlock-ctl: lock: this is not the container's own network namespace/);
		const apply = await engine(['exec', '-i', '-u', 'root', host, 'airlock-ctl', 'apply'], { input: 'airlock-policy 1\nmode enforce\nallow other.example\n' });
		assert.equal(apply.code, 1, apply.stderr);
		assert.match(apply.stderr, /airlock-ctl: apply: line 1: \(container\): this is not the container's own network namespace .*nothing was changed/);
		assert.match((await engine(['exec', '-u', 'root', host, 'airlock-ctl', 'status', '--json'])).stdout, /"state":"not-locked"/);
		assert.equal(namespaceRules(), rulesBefore, "the host's rules are exactly as before");
	});

	it("--network container:<locked container>: another container's namespace is refused too, and its lock stays", async () => {
		const rulesOfControl = (await engine(['exec', '-u', 'root', control, 'iptables-save', '-t', 'filter'])).stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n');
		const guest = await startLocked(['--network', `container:${control}`], 'sleep');
		const lock = await engine(['exec', '-u', 'root', guest, 'airlock-ctl', 'lock']);
		assert.equal(lock.code, 1, lock.stderr);
		assert.match(lock.stderr, /not the container's own network namespace \(\d+ socket\(s\) of processes outside this container\)/);
		const after = (await engine(['exec', '-u', 'root', control, 'iptables-save', '-t', 'filter'])).stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n');
		assert.equal(after, rulesOfControl);
		assert.equal((await statusOf(control)).state, 'locked');
	});
});
