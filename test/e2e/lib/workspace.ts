/**
 * A dev container workspace with the local Airlock Feature, brought up by the real devcontainer
 * CLI (`devcontainer up`), the way the generated devcontainer.json of docs/architecture.md §2
 * does it: the Feature folder copied to .devcontainer/airlock and referenced as "./airlock",
 * `containerEnv` proxy variables (every process gets them), .devcontainer mounted read-only.
 *
 *   const ws = await createWorkspace(run, { name: 'enforce', featureOptions: { allow: 'a.example' },
 *                                           network: net, addHosts: { 'a.example': ip } });
 *   const up = await ws.up();                       // RunResult of `devcontainer up`
 *   await ws.exec('curl -sS https://a.example/');   // bash -c as the remote user (devcontainer exec)
 *   await ws.rootExec(['airlock-ctl', 'status', '--json']);   // docker exec -u root
 *   await ws.remove();                              // docker rm -f the container
 *
 * The workspace folder path is stable per suite and name (under the OS temp dir), so the image
 * the CLI builds is reused by the next run through Docker's layer cache.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { docker, dockerOk, type TestRun } from './docker';
import { run, type RunResult } from './process';
import type { TestNetwork } from './testNetwork';

export const REPO_ROOT = findRepoRoot(__dirname);
export const FEATURE_SOURCE = path.join(REPO_ROOT, 'devcontainer-feature', 'src', 'airlock');
export const DEV_IMAGE = 'airlock-test/debian-dev:bookworm';

function findRepoRoot(start: string): string {
	for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
		if (fs.existsSync(path.join(dir, 'devcontainer-feature')) && fs.existsSync(path.join(dir, 'package.json'))) {
			return dir;
		}
	}
	throw new Error(`cannot find the repository root above ${start}`);
}

/** The devcontainer CLI from node_modules (scripts/node-env.sh puts Node 24 first on PATH). */
export function devcontainerBin(): string {
	return path.join(REPO_ROOT, 'node_modules', '.bin', 'devcontainer');
}

export interface WorkspaceSpec {
	/** Folder name; together with the suite it makes the stable path. */
	readonly name: string;
	/** The Feature's options (docs/architecture.md §2). */
	readonly featureOptions: Readonly<Record<string, string | boolean>>;
	/** The test network to attach; without one the container gets `--network none`. */
	readonly network?: TestNetwork;
	/** `--add-host NAME:IP` entries. */
	readonly addHosts?: Readonly<Record<string, string>>;
	/** `--dns IP`: Docker's embedded DNS forwards to it. */
	readonly dns?: string;
	/** Defaults to "dev". */
	readonly remoteUser?: string;
	/** Dockerfile text; by default the dev base image plus passwordless sudo for `dev` (what
	 * common dev images ship), ping and an ssh client, so the tests can show the Feature takes
	 * sudo away and routes ssh through the proxy. */
	readonly dockerfile?: string;
	readonly proxyPort?: number;
}

export const DEFAULT_DOCKERFILE = [
	`FROM ${DEV_IMAGE}`,
	'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends sudo iputils-ping openssh-client \\',
	' && rm -rf /var/lib/apt/lists/* \\',
	" && echo 'dev ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/dev && chmod 0440 /etc/sudoers.d/dev && usermod -aG sudo dev",
	'',
].join('\n');

export interface Workspace {
	readonly folder: string;
	readonly spec: WorkspaceSpec;
	up(timeoutMs?: number): Promise<RunResult>;
	/** The running container's id (after `up`). */
	containerId(): Promise<string>;
	/** `bash -c SCRIPT` as the remote user through `devcontainer exec`. */
	exec(script: string, timeoutMs?: number): Promise<RunResult>;
	/** `docker exec -i -u root CONTAINER ARGS...`, with optional stdin. */
	rootExec(args: readonly string[], input?: string, timeoutMs?: number): Promise<RunResult>;
	remove(): Promise<void>;
}

export function proxyEnv(port: number): Record<string, string> {
	const proxy = `http://127.0.0.1:${port}`;
	const noProxy = 'localhost,127.0.0.1,::1';
	return { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy, NO_PROXY: noProxy, no_proxy: noProxy };
}

export function createWorkspace(testRun: TestRun, spec: WorkspaceSpec): Workspace {
	const folder = path.join(os.tmpdir(), 'airlock-e2e', testRun.suite, spec.name);
	const devcontainerDir = path.join(folder, '.devcontainer');
	fs.rmSync(folder, { recursive: true, force: true });
	fs.mkdirSync(devcontainerDir, { recursive: true });
	fs.cpSync(FEATURE_SOURCE, path.join(devcontainerDir, 'airlock'), { recursive: true });
	fs.writeFileSync(path.join(devcontainerDir, 'Dockerfile'), spec.dockerfile ?? DEFAULT_DOCKERFILE);
	const port = spec.proxyPort ?? Number(spec.featureOptions.proxyPort ?? 3128);
	const runArgs = ['--network', spec.network?.name ?? 'none', ...testRun.labelArgs];
	for (const [host, ip] of Object.entries(spec.addHosts ?? {})) {
		runArgs.push('--add-host', `${host}:${ip}`);
	}
	if (spec.dns) {
		runArgs.push('--dns', spec.dns);
	}
	const config = {
		name: `airlock-e2e ${spec.name}`,
		// Host networking for the build only (the engine's default bridge may be absent here);
		// --force-rm: a failed build (an install refusal) leaves no intermediate container.
		build: { dockerfile: 'Dockerfile', options: ['--network=host', '--force-rm'] },
		remoteUser: spec.remoteUser ?? 'dev',
		features: { './airlock': spec.featureOptions },
		runArgs,
		containerEnv: proxyEnv(port),
		mounts: ['source=${localWorkspaceFolder}/.devcontainer,target=${containerWorkspaceFolder}/.devcontainer,type=bind,readonly'],
	};
	fs.writeFileSync(path.join(devcontainerDir, 'devcontainer.json'), JSON.stringify(config, null, 2));

	let cachedId: string | undefined;
	const workspace: Workspace = {
		folder,
		spec,
		up: (timeoutMs = 600_000) =>
			run(devcontainerBin(), ['up', '--workspace-folder', folder, '--log-level', 'info'], { timeoutMs }),
		async containerId() {
			if (cachedId) {
				return cachedId;
			}
			const found = await dockerOk(['ps', '-q', '--filter', `label=devcontainer.local_folder=${folder}`, '--filter', `label=${testRun.runLabel}`]);
			const id = found.stdout.trim().split('\n')[0];
			if (!id) {
				throw new Error(`no running container for workspace ${folder}`);
			}
			cachedId = id;
			return id;
		},
		exec: (script, timeoutMs = 60_000) =>
			run(devcontainerBin(), ['exec', '--workspace-folder', folder, 'bash', '-c', script], { timeoutMs }),
		async rootExec(args, input, timeoutMs = 60_000) {
			const id = await workspace.containerId();
			return docker(['exec', '-i', '-u', 'root', id, ...args], { input, timeoutMs });
		},
		async remove() {
			const found = await docker(['ps', '-a', '-q', '--filter', `label=devcontainer.local_folder=${folder}`]);
			const ids = found.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
			if (ids.length > 0) {
				await docker(['rm', '-f', '-v', ...ids], { timeoutMs: 120_000 });
			}
			cachedId = undefined;
		},
	};
	return workspace;
}
