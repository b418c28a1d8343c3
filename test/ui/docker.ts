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
