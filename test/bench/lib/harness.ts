/**
 * What the benchmarks and the fault and load suite share: this suite's test network, a test host
 * with large files, dev container workspaces built by the real devcontainer CLI (with the local
 * Airlock Feature, or the same Dockerfile without it), and running commands as the agent.
 *
 *   const run = newTestRun('bench');
 *   const net = await createTestNetwork(run, BENCH_NETWORK);
 *   const host = await startBulkHost(run, net, 10);             // web host + /big.bin
 *   const ws = await buildWorkspace(run, { name: 'locked', airlock: { allow: 'a.test' }, network: net, addHosts });
 *   await asAgent(ws.container, 'curl -sS https://a.test/', { proxy: true });
 *   await ws.remove(); await removeEverything(run);
 *
 * Everything carries the run's labels (test/e2e/lib/docker.ts), so cleanup is by label.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { docker, dockerOk, type TestRun } from '../../e2e/lib/docker';
import { run, runOk, type RunResult } from '../../e2e/lib/process';
import { ensureTestHostImage, startWebHost, type WebHost } from '../../e2e/lib/testHosts';
import type { TestNetwork, TestNetworkPlan } from '../../e2e/lib/testNetwork';
import { DEFAULT_DOCKERFILE, FEATURE_SOURCE, REPO_ROOT, devcontainerBin, proxyEnv } from '../../e2e/lib/workspace';

/*
 * This work's ranges are 198.51.100.160/27 and 2001:db8:a5::/64, split so the benchmarks and
 * the reliability suite can run at the same time: bench .160/28, reliability .176/29, and the
 * reliability suite's private engine bridge .184/29.
 */
export const BENCH_NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.160/28', subnetV6: '2001:db8:a5::/80' };
export const RELIABILITY_NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.176/29', subnetV6: '2001:db8:a5:0:1::/80' };
export const PRIVATE_ENGINE_BRIDGE_ADDRESS = '198.51.100.185/29';
export const PROXY_PORT = 3128;
export const REMOTE_USER = 'dev';
export { REPO_ROOT };

/** Sizes of the files the bulk host serves (bytes). */
export const BIG_FILE_BYTES = 256 * 1024 * 1024;
export const MEDIUM_FILE_BYTES = 4 * 1024 * 1024;

export interface BulkHost extends WebHost {
	/** Serves /big.bin on 80 (plain HTTP) and 8443 (plain HTTP, for CONNECT tunnels). */
	readonly hostNumber: number;
}

/** A test host (test/e2e/lib/testHosts.ts) plus a large file of random bytes. */
export async function startBulkHost(testRun: TestRun, network: TestNetwork, hostNumber: number): Promise<BulkHost> {
	await ensureTestHostImage();
	const web = await startWebHost(testRun, network, { hostNumber, hostName: `bulk${hostNumber}` });
	await dockerOk(['exec', web.container, 'sh', '-c',
		`head -c ${BIG_FILE_BYTES} /dev/urandom > /srv/www/big.bin`], { timeoutMs: 120_000 });
	return { ...web, hostNumber };
}

export interface WorkspaceOptions {
	/** Folder name (stable per name, so the devcontainer CLI's image is reused by the next run). */
	readonly name: string;
	/** The Feature's options; undefined builds the same Dockerfile without the Feature. */
	readonly airlock?: Readonly<Record<string, string | boolean>>;
	readonly network: TestNetwork;
	readonly addHosts?: Readonly<Record<string, string>>;
}

export interface BuiltWorkspace {
	readonly folder: string;
	readonly container: string;
	readonly image: string;
	readonly withAirlock: boolean;
	remove(): Promise<void>;
}

function workspaceFolder(name: string): string {
	return path.join(os.tmpdir(), 'airlock-bench', name);
}

/**
 * A fresh workspace folder with `dockerfile` and a devcontainer.json that builds it, with the
 * local Feature (its options `airlock`) or without; `extra` adds top-level keys.
 */
function writeWorkspaceFolder(name: string, dockerfile: string, airlock: WorkspaceOptions['airlock'], extra: Record<string, unknown> = {}): string {
	const folder = workspaceFolder(name);
	const devcontainerDir = path.join(folder, '.devcontainer');
	fs.rmSync(folder, { recursive: true, force: true });
	fs.mkdirSync(devcontainerDir, { recursive: true });
	fs.writeFileSync(path.join(devcontainerDir, 'Dockerfile'), dockerfile);
	const config: Record<string, unknown> = {
		name: `airlock-bench ${name}`,
		// Host networking for the build only (the engine's default bridge may be absent here).
		build: { dockerfile: 'Dockerfile', options: ['--network=host', '--force-rm'] },
		remoteUser: REMOTE_USER,
		updateRemoteUserUID: false,
		...extra,
	};
	if (airlock) {
		fs.cpSync(FEATURE_SOURCE, path.join(devcontainerDir, 'airlock'), { recursive: true });
		config.features = { './airlock': airlock };
		config.remoteEnv = proxyEnv(PROXY_PORT);
	}
	fs.writeFileSync(path.join(devcontainerDir, 'devcontainer.json'), JSON.stringify(config, null, 2));
	return folder;
}

/**
 * Builds and starts a workspace with the real devcontainer CLI: the same Dockerfile
 * (test/e2e/lib/workspace.ts's default: the dev base image plus sudo), with or without the
 * local Feature, on the test network, with the run's labels.
 */
export async function buildWorkspace(testRun: TestRun, options: WorkspaceOptions): Promise<BuiltWorkspace> {
	const runArgs = ['--network', options.network.name, ...testRun.labelArgs];
	for (const [host, ip] of Object.entries(options.addHosts ?? {})) {
		runArgs.push('--add-host', `${host}:${ip}`);
	}
	const folder = writeWorkspaceFolder(options.name, DEFAULT_DOCKERFILE, options.airlock, { runArgs });
	const up = await run(devcontainerBin(), ['up', '--workspace-folder', folder, '--log-level', 'info'], { timeoutMs: 900_000 });
	const ids = await dockerOk(['ps', '-q', '--filter', `label=devcontainer.local_folder=${folder}`, '--filter', `label=${testRun.runLabel}`]);
	const container = ids.stdout.trim().split('\n')[0];
	if (up.code !== 0 || !container) {
		throw new Error(`devcontainer up ${options.name} failed (exit ${up.code}):\n${up.stdout.slice(-3000)}\n${up.stderr.slice(-3000)}`);
	}
	const image = (await dockerOk(['inspect', '--format', '{{.Image}}', container])).stdout.trim();
	return {
		folder,
		container,
		image,
		withAirlock: options.airlock !== undefined,
		async remove() {
			await docker(['rm', '-f', '-v', container], { timeoutMs: 120_000 });
		},
	};
}

/**
 * Builds an image only (`devcontainer build`, nothing started) from `dockerfile`, with the local
 * Feature when `airlock` is given, the way `buildWorkspace` does; resolves to the image name.
 */
export async function buildImageOnly(options: { name: string; dockerfile: string; airlock?: Readonly<Record<string, string | boolean>>; noCache?: boolean }): Promise<string> {
	const folder = writeWorkspaceFolder(`image-${options.name}`, options.dockerfile, options.airlock);
	const image = `airlock-bench/${options.name}:latest`;
	// --no-cache: a first build, as a user's first "Reopen in Container" pays it (the base image is local either way).
	const built = await run(devcontainerBin(), ['build', '--workspace-folder', folder, '--image-name', image, '--log-level', 'info', ...(options.noCache ? ['--no-cache'] : [])], { timeoutMs: 900_000 });
	if (built.code !== 0) {
		throw new Error(`devcontainer build ${options.name} failed (exit ${built.code}):\n${built.stdout.slice(-3000)}\n${built.stderr.slice(-3000)}`);
	}
	return image;
}

/** Shell-quotes one argument for bash. */
export function shq(value: string): string {
	return `'${value.replace(/'/g, `'\\''`)}'`;
}

const PROXY_URL = `http://127.0.0.1:${PROXY_PORT}`;

/**
 * Runs `bash -c SCRIPT` as the remote user via `docker exec` (faster than `devcontainer exec`,
 * so timings measure the network, not the CLI). With `proxy`, the variables the generated
 * devcontainer.json sets are passed (HTTP(S)_PROXY, NO_PROXY); without, none are.
 */
export function asAgent(container: string, script: string, options: { proxy: boolean; timeoutMs?: number; input?: string }): Promise<RunResult> {
	const env = options.proxy ? Object.entries(proxyEnv(PROXY_PORT)).flatMap(([k, v]) => ['-e', `${k}=${v}`]) : [];
	return docker(['exec', '-i', '-u', REMOTE_USER, ...env, container, 'bash', '-c', script], { timeoutMs: options.timeoutMs ?? 120_000, ...(options.input === undefined ? {} : { input: options.input }) });
}

export function asAgentOk(container: string, script: string, options: { proxy: boolean; timeoutMs?: number; input?: string }): Promise<RunResult> {
	return asAgent(container, script, options).then((r) => {
		if (r.code !== 0) {
			throw new Error(`as ${REMOTE_USER} in ${container.slice(0, 12)}: exit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n$ ${script.slice(0, 400)}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
		}
		return r;
	});
}

/** `docker exec -u root` (airlock-ctl, reading /proc). */
export function asRoot(container: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
	return docker(['exec', '-i', '-u', 'root', container, ...args], { timeoutMs: options.timeoutMs ?? 60_000, ...(options.input === undefined ? {} : { input: options.input }) });
}

/** curl options that make a proxy request a CONNECT tunnel even for http:// URLs. */
export const TUNNEL_ARGS = `--proxytunnel -x ${PROXY_URL}`;
export const PLAIN_PROXY_ARGS = `-x ${PROXY_URL}`;

/** Sorted copy. */
function sorted(values: readonly number[]): number[] {
	return [...values].sort((a, b) => a - b);
}

export function median(values: readonly number[]): number {
	return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) {
		return Number.NaN;
	}
	const s = sorted(values);
	const rank = Math.max(1, Math.ceil((p / 100) * s.length));
	return s[Math.min(rank, s.length) - 1];
}

/** Polls `check` until it returns a value, bounded in attempts and time. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, options: { attempts?: number; everyMs?: number } = {}): Promise<T> {
	const attempts = options.attempts ?? 240;
	const everyMs = options.everyMs ?? 250;
	for (let i = 0; i < attempts; i++) {
		const value = await check();
		if (value !== undefined) {
			return value;
		}
		await new Promise((r) => setTimeout(r, everyMs));
	}
	throw new Error(`gave up waiting for ${what} (${attempts} × ${everyMs} ms)`);
}

/** The test host's IPv4 for a name map: every name to the same host. */
export function namesTo(ip: string, names: readonly string[]): Record<string, string> {
	return Object.fromEntries(names.map((n) => [n, ip]));
}

/** Runs a program on the host, throwing with its output on failure. */
export { run, runOk };

/**
 * Runs a poller SCRIPT in a container (`docker exec ARGS… bash -c SCRIPT`, ARGS ending with the
 * container) that prints "polling" once it runs and exits 0 when its request was answered. `ready`
 * resolves at "polling"; `output` with everything it printed, or rejects (naming WHAT) when it
 * failed or ran past a minute.
 */
export function startContainerPoller(execArgs: readonly string[], script: string, what: string): { ready: Promise<void>; output: Promise<string> } {
	const child = spawn('docker', ['exec', ...execArgs, 'bash', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	let readyResolve: () => void = () => undefined;
	const ready = new Promise<void>((resolve) => (readyResolve = resolve));
	child.stdout.on('data', (c: Buffer) => {
		out += c.toString();
		if (out.includes('polling')) {
			readyResolve();
		}
	});
	const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
	const output = new Promise<string>((resolve, reject) => {
		child.on('close', (code) => {
			clearTimeout(timer);
			if (code === 0) {
				resolve(out);
			} else {
				reject(new Error(`poller for ${what} ended with ${code}: ${out.slice(-2000)}`));
			}
		});
	});
	return { ready, output };
}

/** Nanoseconds since the epoch (as `date +%s%N` prints them) in milliseconds. */
export function nsToMs(ns: string): number {
	return Number(BigInt(ns) / 1000n) / 1000;
}
