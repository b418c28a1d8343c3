/**
 * The Docker engine as the tests use it: the `docker` CLI with time limits, and the labels that
 * mark everything a test run creates, so teardown can remove it and prove nothing is left.
 *
 *   const run = newTestRun('feature');      // labels: airlock-e2e=feature, airlock-e2e-run=<id>
 *   await docker(['ps']);                    // RunResult, never throws
 *   await leftovers(run)                     // containers, networks, volumes still carrying the run label
 *   await removeEverything(run)              // rm -f / network rm / volume rm by label
 *
 * Images are not per-run: the test-host image is cached across runs (label airlock-e2e=cache).
 */
import { randomBytes } from 'node:crypto';
import { run, runOk, type RunOptions, type RunResult } from './process';

/** The label key every e2e object carries; the value names the suite. */
export const SUITE_LABEL = 'airlock-e2e';
/** The label key whose value is unique per test run. */
export const RUN_LABEL = 'airlock-e2e-run';

export interface TestRun {
	readonly suite: string;
	readonly id: string;
	/** `--label` arguments for docker create/run/network create. */
	readonly labelArgs: readonly string[];
	/** The run's label as `key=value`, for `--filter label=...`. */
	readonly runLabel: string;
}

export function newTestRun(suite: string): TestRun {
	const id = `${suite}-${randomBytes(4).toString('hex')}`;
	return {
		suite,
		id,
		labelArgs: ['--label', `${SUITE_LABEL}=${suite}`, '--label', `${RUN_LABEL}=${id}`],
		runLabel: `${RUN_LABEL}=${id}`,
	};
}

export function docker(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
	return run('docker', args, { timeoutMs: 60_000, ...options });
}

export function dockerOk(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
	return runOk('docker', args, { timeoutMs: 60_000, ...options });
}

function lines(text: string): string[] {
	return text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}

export interface Leftovers {
	readonly containers: string[];
	readonly networks: string[];
	readonly volumes: string[];
}

/** Everything that still carries the run's label. */
export async function leftovers(testRun: TestRun): Promise<Leftovers> {
	const filter = ['--filter', `label=${testRun.runLabel}`];
	const [containers, networks, volumes] = await Promise.all([
		dockerOk(['ps', '-a', '-q', ...filter]),
		dockerOk(['network', 'ls', '-q', ...filter]),
		dockerOk(['volume', 'ls', '-q', ...filter]),
	]);
	return { containers: lines(containers.stdout), networks: lines(networks.stdout), volumes: lines(volumes.stdout) };
}

/** Removes the run's containers (with their anonymous volumes), then networks and volumes. */
export async function removeEverything(testRun: TestRun): Promise<void> {
	const left = await leftovers(testRun);
	if (left.containers.length > 0) {
		await docker(['rm', '-f', '-v', ...left.containers], { timeoutMs: 120_000 });
	}
	for (const network of left.networks) {
		await docker(['network', 'rm', network]);
	}
	if (left.volumes.length > 0) {
		await docker(['volume', 'rm', '-f', ...left.volumes]);
	}
}

/** The last lines of a container's output, for failure messages. */
export async function containerLogs(container: string, tail = 80): Promise<string> {
	const result = await docker(['logs', '--tail', String(tail), container]);
	return `${result.stdout}${result.stderr}`;
}
