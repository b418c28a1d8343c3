/**
 * Running real programs (docker, the devcontainer CLI) from the end-to-end tests, always with
 * a time limit, so a hang shows up as a failure instead of a stuck suite.
 *
 *   const r = await run('docker', ['ps'], { timeoutMs: 10_000 });
 *   r.code, r.stdout, r.stderr, r.timedOut
 *
 * `run` never throws for a non-zero exit: tests assert on the result. `runOk` throws with the
 * command line and its output when the exit code is not 0.
 */
import { spawn } from 'node:child_process';

export interface RunResult {
	/** Exit code; null when the process was killed (time limit or signal). */
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
	readonly timedOut: boolean;
	/** How long it ran, for logs only (never asserted). */
	readonly elapsedMs: number;
}

export interface RunOptions {
	readonly timeoutMs?: number;
	/** Written to stdin, which is then closed. */
	readonly input?: string;
	readonly env?: NodeJS.ProcessEnv;
	readonly cwd?: string;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
	const timeoutMs = options.timeoutMs ?? 60_000;
	const started = Date.now();
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		let timedOut = false;
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.on('close', (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr, timedOut, elapsedMs: Date.now() - started });
		});
		child.stdin.on('error', () => undefined);
		child.stdin.end(options.input ?? '');
	});
}

export function describeRun(command: string, args: readonly string[], result: RunResult): string {
	const status = result.timedOut ? 'timed out' : `exit ${result.code}`;
	return `${command} ${args.join(' ')}: ${status}\n--- stdout ---\n${result.stdout.slice(-4000)}\n--- stderr ---\n${result.stderr.slice(-4000)}`;
}

export async function runOk(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
	const result = await run(command, args, options);
	if (result.code !== 0) {
		throw new Error(describeRun(command, args, result));
	}
	return result;
}

/**
 * Runs a built CLI bundle with node, as a user's shell would run `airlock`. A run that outlives
 * `timeoutMs` is an error carrying what it printed (a hung command must fail the test, not pass).
 */
export async function runCliBundle(bundle: string, args: readonly string[], env: NodeJS.ProcessEnv, options: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
	const result = await run(process.execPath, [bundle, ...args], { env, cwd: options.cwd, timeoutMs: options.timeoutMs ?? 120_000 });
	if (result.timedOut) {
		throw new Error(`airlock ${args.join(' ')} did not finish within ${options.timeoutMs ?? 120_000} ms\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
	}
	return result;
}
