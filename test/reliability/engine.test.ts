/*
 * The Docker engine restarts under a locked container: the extension's log stream
 * (ProxyLogFollower → formatBlockedLine, as the output channel gets it) and the CLI's
 * (`airlock logs -f --blocked`) resume by themselves, without being restarted.
 *
 * Runs on a private engine this test starts (own socket, data root, exec root and bridge), so
 * stopping it disturbs nobody else's containers. The bridge is our own, never `--bridge none`
 * (that makes dockerd delete the machine's docker0). The locked image is built on the machine's
 * engine by the devcontainer CLI and copied over with docker save | docker load.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { formatBlockedLine, isDenied } from '../../extension/core/proxyLog';
import { ProxyLogFollower, type FollowerState } from '../../extension/docker/logStream';
import { RUN_LABEL, SUITE_LABEL, dockerOk } from '../e2e/lib/docker';
import { PRIVATE_ENGINE_BRIDGE_ADDRESS, REPO_ROOT, waitFor, type BuiltWorkspace } from '../bench/lib/harness';
import { DOMAIN, createWorld, type World } from './lib/fixture';

const ENGINE_ROOT = '/run/airlock-reliability-engine';
const ENGINE_SOCKET = `${ENGINE_ROOT}/docker.sock`;
const ENGINE_PIDFILE = `${ENGINE_ROOT}/dockerd.pid`;
const ENGINE_HOST = `unix://${ENGINE_SOCKET}`;
/** Kept between runs as an image cache (the locked image is large to copy). */
const ENGINE_DATA_ROOT = '/var/lib/airlock-reliability-engine';
const ENGINE_LOG = '/tmp/airlock-reliability-dockerd.log';
const ENGINE_BRIDGE = 'airlock-rel0';
const IMAGE_TAG = 'airlock-reliability/locked:engine';
const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

/** The devcontainer CLI's own start script, with the Feature's entrypoint line. */
const DEVCONTAINER_START = 'echo Container started\ntrap "exit 0" 15\n/usr/local/share/airlock/entrypoint.sh\nexec "$@"\nwhile sleep 1 & wait $!; do :; done';

function engineEnv(): NodeJS.ProcessEnv {
	return { ...process.env, DOCKER_HOST: ENGINE_HOST };
}

function privateDocker(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
	const r = spawnSync('docker', args, { env: engineEnv(), encoding: 'utf8', maxBuffer: 1 << 26, timeout: 120_000, ...(input ? { input } : {}) });
	return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function engineAnswers(): boolean {
	return privateDocker(['version', '--format', '{{.Server.Version}}']).status === 0;
}

async function startEngine(): Promise<void> {
	if (spawnSync('ip', ['link', 'show', ENGINE_BRIDGE], { stdio: 'ignore' }).status !== 0) {
		for (const args of [['link', 'add', ENGINE_BRIDGE, 'type', 'bridge'], ['addr', 'add', PRIVATE_ENGINE_BRIDGE_ADDRESS, 'dev', ENGINE_BRIDGE], ['link', 'set', ENGINE_BRIDGE, 'up']]) {
			const r = spawnSync('ip', args, { encoding: 'utf8' });
			assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
		}
	}
	fs.mkdirSync(ENGINE_ROOT, { recursive: true });
	const log = fs.openSync(ENGINE_LOG, 'a');
	const child = spawn('dockerd', ['--host', ENGINE_HOST, '--data-root', ENGINE_DATA_ROOT, '--exec-root', `${ENGINE_ROOT}/exec`,
		'--pidfile', ENGINE_PIDFILE, '--bridge', ENGINE_BRIDGE, '--iptables=false', '--ip6tables=false', '--shutdown-timeout=1'],
	{ detached: true, stdio: ['ignore', log, log] });
	child.unref();
	fs.closeSync(log);
	await waitFor(`the private engine to answer (see ${ENGINE_LOG})`, () => (engineAnswers() ? true : undefined), { attempts: 240, everyMs: 500 });
}

function enginePid(): number | undefined {
	try {
		const pid = Number(fs.readFileSync(ENGINE_PIDFILE, 'utf8').trim());
		process.kill(pid, 0);
		return pid;
	} catch {
		return undefined;
	}
}

async function stopEngine(): Promise<void> {
	const pid = enginePid();
	if (pid === undefined) {
		return;
	}
	process.kill(pid, 'SIGTERM');
	await waitFor('the private engine to exit', () => (enginePid() === undefined ? true : undefined), { attempts: 240, everyMs: 250 });
}

/** Copies the locked image to the private engine unless it already has it (same image id). */
async function copyImage(imageId: string): Promise<void> {
	if (privateDocker(['image', 'inspect', IMAGE_TAG, '--format', '{{.Id}}']).stdout.trim() === imageId) {
		return;
	}
	await dockerOk(['tag', imageId, IMAGE_TAG]);
	const saved = spawnSync('docker', ['save', IMAGE_TAG], { maxBuffer: 4 << 30 });
	assert.equal(saved.status, 0, `docker save: ${String(saved.stderr)}`);
	const loaded = privateDocker(['load', '-q'], saved.stdout);
	assert.equal(loaded.status, 0, loaded.stderr);
}

/** A blocked request as the agent, through the proxy; asserts the 403 (a block, not a timeout). */
function blockedRequest(container: string, host: string): void {
	const r = privateDocker(['exec', '-u', 'dev', '-e', 'HTTPS_PROXY=http://127.0.0.1:3128', container, 'curl', '-sk', '-o', '/dev/null', '-w', '%{http_connect}', '--max-time', '8', `https://${host}/`]);
	assert.equal(r.stdout.trim(), '403', `expected the proxy's 403 for ${host}: ${r.stdout} ${r.stderr}`);
}

/** Locked, and the proxy answering (the Feature reports the lock as soon as the firewall is in place). */
async function waitLocked(container: string): Promise<void> {
	await waitFor(`${container} locked`, () => {
		const r = privateDocker(['exec', '-u', 'root', container, 'airlock-ctl', 'status', '--json']);
		return /^\{"state":"locked"/.test(r.stdout) ? true : undefined;
	}, { attempts: 120, everyMs: 500 });
	await waitFor(`the proxy in ${container} to answer`, () => {
		const r = privateDocker(['exec', '-u', 'dev', container, 'bash', '-c', '(exec 3<>/dev/tcp/127.0.0.1/3128)']);
		return r.status === 0 ? true : undefined;
	}, { attempts: 120, everyMs: 250 });
}

describe('reliability: the Docker engine restarts; log streams resume by themselves (private engine)', function () {
	this.timeout(600_000);
	let world: World;
	let ws: BuiltWorkspace;
	let workspaceFolder: string;
	let container: string;
	let follower: ProxyLogFollower | undefined;
	let cli: ChildProcess | undefined;
	let runLabel: string;

	before(async function () {
		assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build`);
		world = await createWorld('engine', 3);
		ws = await world.lockedWorkspace('engine');
		runLabel = world.testRun.id;
		await startEngine();
		await copyImage(ws.image);
		workspaceFolder = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-reliability-engine-')));
		// --restart always: the engine brings the container back, and its entrypoint locks again.
		const run = privateDocker(['run', '-d', '--restart', 'always', '--cap-add', 'NET_ADMIN', '--security-opt', 'no-new-privileges', '--network', 'none',
			'--label', `devcontainer.local_folder=${workspaceFolder}`, '--label', `${SUITE_LABEL}=reliability-engine`, '--label', `${RUN_LABEL}=${runLabel}`,
			'--entrypoint', '/bin/sh', IMAGE_TAG, '-c', DEVCONTAINER_START, '-']);
		assert.equal(run.status, 0, run.stderr);
		container = run.stdout.trim();
		await waitLocked(container);
	});

	after(async function () {
		cli?.kill('SIGKILL');
		await follower?.stop();
		if (engineAnswers()) {
			const ids = privateDocker(['ps', '-a', '-q', '--filter', `label=${RUN_LABEL}=${runLabel}`]).stdout.split('\n').filter(Boolean);
			if (ids.length > 0) {
				privateDocker(['rm', '-f', '-v', ...ids]);
			}
			assert.equal(privateDocker(['ps', '-a', '-q', '--filter', `label=${RUN_LABEL}=${runLabel}`]).stdout.trim(), '', 'containers left on the private engine');
		}
		await stopEngine();
		spawnSync('ip', ['link', 'del', ENGINE_BRIDGE], { stdio: 'ignore' });
		await dockerOk(['rmi', IMAGE_TAG]).catch(() => undefined);
		if (workspaceFolder) {
			fs.rmSync(workspaceFolder, { recursive: true, force: true });
		}
		await world?.cleanup();
	});

	it('ProxyLogFollower and `airlock logs -f` show blocks from before and after an engine restart', async () => {
		const editorLines: string[] = [];
		const states: FollowerState[] = [];
		follower = new ProxyLogFollower({ docker: new Docker({ socketPath: ENGINE_SOCKET }), workspace: workspaceFolder, from: 'end', retryMaxMs: 1000 });
		follower.on('entry', (entry) => {
			if (isDenied(entry)) {
				editorLines.push(formatBlockedLine(entry));
			}
		});
		follower.on('state', (change) => states.push(change.state));
		follower.start();

		let cliOut = '';
		let cliErr = '';
		cli = spawn(process.execPath, [CLI, 'logs', '-f', '--blocked', '--new', '--workspace', workspaceFolder], { env: engineEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
		cli.stdout?.on('data', (c: Buffer) => (cliOut += c.toString()));
		cli.stderr?.on('data', (c: Buffer) => (cliErr += c.toString()));
		let cliExit: number | null | undefined;
		cli.on('close', (code) => (cliExit = code));

		await waitFor('the follower to follow', () => (follower?.state === 'following' ? true : undefined));
		await waitFor('airlock logs -f to follow', () => (/following the proxy log/.test(cliErr) ? true : undefined));

		const before = `before-restart.${DOMAIN}`;
		blockedRequest(container, before);
		await waitFor('the editor line for the block before the restart', () => (editorLines.some((l) => l.includes(before)) ? true : undefined));
		await waitFor('the CLI line for the block before the restart', () => (cliOut.includes(before) ? true : undefined));

		const stoppedAt = Date.now();
		await stopEngine();
		await waitFor('the follower to notice the engine is gone', () => (follower?.state === 'engine-unreachable' ? true : undefined));
		await waitFor('airlock logs -f to say the engine is gone', () => (/Docker engine not reachable/.test(cliErr) ? true : undefined));
		await startEngine();
		await waitLocked(container);

		const after = `after-restart.${DOMAIN}`;
		blockedRequest(container, after);
		await waitFor('the editor line for the block after the restart', () => (editorLines.some((l) => l.includes(after)) ? true : undefined), { attempts: 240, everyMs: 250 });
		await waitFor('the CLI line for the block after the restart', () => (cliOut.includes(after) ? true : undefined), { attempts: 240, everyMs: 250 });
		process.stdout.write(`      figure: both streams showed the block after the engine restart ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after the engine was stopped\n`);

		assert.equal(cliExit, undefined, `airlock logs -f exited (${String(cliExit)}): ${cliErr}`);
		assert.ok(states.includes('engine-unreachable'), states.join(','));
		// Resumed where they left off: nothing shown twice.
		assert.equal(editorLines.filter((l) => l.includes(before)).length, 1, editorLines.join('\n'));
		assert.equal(cliOut.split('\n').filter((l) => l.includes(before)).length, 1, cliOut);
		assert.match(editorLines.find((l) => l.includes(after)) ?? '', new RegExp(`^BLOCKED CONNECT ${after.replace(/\./g, '\\.')}:443 — not in allowlist$`));

		cli.kill('SIGINT');
		await waitFor('airlock logs -f to exit on Ctrl-C', () => (cliExit !== undefined ? true : undefined), { attempts: 40, everyMs: 250 });
		assert.equal(cliExit, 0, cliErr);
		cli = undefined;
	});
});
