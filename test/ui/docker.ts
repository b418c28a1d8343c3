import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './codeServer';

export interface Run {
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
}

/** Runs a command to the end (bounded), collecting its output. */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
		child.on('error', reject);
		child.on('close', (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr });
		});
	});
}

/** The `airlock` CLI from this checkout's bundle (dist/cli.js), with the Feature from source. */
export function airlockCli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 900_000): Promise<Run> {
	return run(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], { env, timeoutMs });
}

export const FEATURE_SOURCE = path.join(ROOT, 'devcontainer-feature', 'src', 'airlock');

/** The running (or, with `all`, every) container the devcontainer CLI labelled for `folder`. */
export async function containersFor(folder: string, options: { all?: boolean } = {}): Promise<string[]> {
	const r = await run('docker', ['ps', '-q', '--no-trunc', ...(options.all ? ['-a'] : []), '--filter', `label=devcontainer.local_folder=${folder}`]);
	return r.stdout.split('\n').filter(Boolean);
}

/** A request through the container's proxy, as the non-root remote user (the agent). */
export async function requestThroughProxy(container: string, url: string): Promise<Run> {
	return run('docker', ['exec', '-u', 'dev', container, 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '20', '--proxy', 'http://127.0.0.1:3128', url], { timeoutMs: 60_000 });
}

/** Where a workspace's lock lives, found the way the extension finds it (docker/lock.ts). */
export interface LockContainers {
	readonly topology: 'single' | 'sidecar';
	/** The agent's container (what the devcontainer CLI labelled for the folder). */
	readonly agent: string;
	/** The container that runs the proxy: the agent's own (single), or the sidecar's airlock-proxy. */
	readonly control: string;
	/** Sidecar: the gate that owns the agent's network namespace. */
	readonly gate?: string;
	/** Where the control container keeps the policy it enforces. */
	readonly policyPath: string;
}

async function composeService(project: string, service: string): Promise<string | undefined> {
	const r = await run('docker', ['ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`]);
	return r.stdout.split('\n').filter(Boolean)[0];
}

export async function lockContainers(agent: string): Promise<LockContainers> {
	const project = (await run('docker', ['inspect', '-f', '{{ index .Config.Labels "com.docker.compose.project" }}', agent])).stdout.trim();
	if (project !== '' && project !== '<no value>') {
		const proxy = await composeService(project, 'airlock-proxy');
		if (proxy) {
			const gate = await composeService(project, 'airlock-gate');
			return { topology: 'sidecar', agent, control: proxy, ...(gate ? { gate } : {}), policyPath: '/var/lib/airlock/policy' };
		}
	}
	return { topology: 'single', agent, control: agent, policyPath: '/etc/airlock/policy' };
}

/** A request the way the agent's programs make it: through the proxy its environment names (either topology). */
export async function requestAsAgent(container: string, url: string, user = 'dev'): Promise<Run> {
	return run('docker', ['exec', '-u', user, container, 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '20', url], { timeoutMs: 60_000 });
}

/**
 * Removes everything a workspace's dev container left behind, in either topology: the containers
 * labelled for the folder, and the Compose project the devcontainer CLI names after it (the
 * sidecar's gate and proxy, its networks and volumes). What `airlock down` does for users.
 */
export async function removeWorkspaceContainers(workspace: string): Promise<void> {
	const project = `${path.basename(workspace)}_devcontainer`.toLowerCase().replace(/[^a-z0-9_-]/g, '');
	const labelled = await containersFor(workspace, { all: true });
	const composed = (await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).stdout.split('\n').filter(Boolean);
	const ids = [...new Set([...labelled, ...composed])];
	if (ids.length > 0) {
		await run('docker', ['rm', '-f', '-v', ...ids], { timeoutMs: 120_000 });
	}
	for (const kind of ['network', 'volume']) {
		const names = (await run('docker', [kind, 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout.split('\n').filter(Boolean);
		if (names.length > 0) {
			await run('docker', [kind, 'rm', ...names]);
		}
	}
}
