import * as fs from 'node:fs';
import type Docker from 'dockerode';
import { syncApprovalLock } from '../core/approvalLock';
import type { ApprovedPolicy } from '../core/approvals';
import { planDevcontainer, writeDevcontainer, type GenerateOptions } from '../core/devcontainer';
import { buildShapeHash, readUpRecord, writeUpRecord } from '../core/devcontainer/buildShape';
import { InvalidInputError } from '../core/errors';
import { devcontainerCliPath, runDevcontainerUp, type DevcontainerUpRun } from './devcontainerCli';
import { AirlockNotInstalledError, DockerLayerError, EngineRequestError, describeCause, shortId } from './errors';
import { listWorkspaceContainers } from './findContainer';
import { enforceApproved, isStrandedSidecarAgent, lockInContainer, lockOf, readLockStatus, type LockLocation } from './lock';
import { isLocked, type AirlockStatus } from './status';

/**
 * Starting a workspace's locked container, the same three steps for `airlock up` and the
 * editor's "Start Locked Container": devcontainer.json from the approved plan only, the
 * devcontainer CLI builds and starts the container, then wait for the Feature to report the
 * lock (and enforce the approved plan if a reused container holds another). Each front end
 * words the outcome and the next step itself.
 */

export type StartStep = 'generate' | 'start' | 'lock';

/** "step 2/3 (devcontainer up)" — how both front ends name a step. */
export const STEP_NAMES: Readonly<Record<StartStep, string>> = {
	generate: 'step 1/3 (generate devcontainer.json)',
	start: 'step 2/3 (devcontainer up)',
	lock: 'step 3/3 (waiting for the lock)',
};

export interface StartLockedOptions {
	readonly docker: Docker;
	/** The approved policy; nothing else reaches devcontainer.json or the container. */
	readonly approved: ApprovedPolicy;
	/** How devcontainer.json is generated (workspace, Feature source, proxy port, sudo). */
	readonly generate: GenerateOptions;
	readonly env?: NodeJS.ProcessEnv;
	readonly lockTimeoutMs: number;
	/** Progress in words, one line per event. */
	readonly say?: (line: string, step: StartStep) => void;
	/** The devcontainer CLI's log, as it comes. */
	readonly onLog?: (text: string) => void;
	/** What happened to `.devcontainer/airlock.lock` (the committed approval), for the front end to word. */
	readonly onApprovalLock?: (sync: ReturnType<typeof syncApprovalLock>) => void;
	/** Stops the devcontainer CLI (the container may be left half-built; a new start picks up). */
	readonly signal?: AbortSignal;
}

export interface StartLockedResult {
	readonly containerId: string;
	/** Sidecar: the proxy's container. */
	readonly proxyContainerId?: string;
	readonly remoteUser: string | null;
	readonly remoteWorkspaceFolder: string | null;
	/** The last status the container reported (undefined when it never answered). */
	readonly status?: AirlockStatus;
	readonly locked: boolean;
	/** Why it is not locked, when it is not: the status's reason or the last problem asking it. */
	readonly notLockedWhy?: string;
	readonly configFile: string;
	readonly configChanged: boolean;
	/** The container was made again because devcontainer.json changed after it was made. */
	readonly recreated: readonly string[];
	/** Only the allowlist changed since the container was made: it was kept and the plan applied live. */
	readonly appliedLive: boolean;
	/** A reused container enforced another policy (this hash); the approved one was applied. */
	readonly replacedPolicy?: string;
}

/** A step failed. `fix` is what to do about it, in words that fit both front ends. */
export class StartLockedError extends Error {
	constructor(
		readonly step: StartStep,
		readonly why: string,
		readonly fix: string,
		/** The last lines of the devcontainer CLI's output, when it was that step. */
		readonly logTail?: string,
		readonly cause?: unknown,
	) {
		super(`${STEP_NAMES[step]} failed: ${why}`);
	}
}

const OUTPUT_TAIL_LINES = 30;
/** Between status reads (each is a `docker exec`): a short pause, so `up` returns soon after the lock is ready. */
const STATUS_POLL_MS = 100;

function lastLines(text: string, count: number): string {
	return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** True when the file changed after `time` (e.g. `airlock generate` ran after the container was made). */
function editedSince(file: string, time: Date): boolean {
	try {
		return fs.statSync(file).mtimeMs > time.getTime();
	} catch {
		return false;
	}
}

/** Creation time to the millisecond (the container list rounds to seconds, too coarse to compare with a file's mtime). */
async function createdAt(docker: Docker, id: string): Promise<Date> {
	try {
		return new Date((await docker.getContainer(id).inspect()).Created);
	} catch (err) {
		throw new EngineRequestError(`the Docker engine could not inspect container ${shortId(id)}: ${describeCause(err)}`);
	}
}

/** Polls the lock's status until locked/weakened or the deadline; returns the last status seen. */
export async function waitForLock(lock: LockLocation, timeoutMs: number, signal?: AbortSignal): Promise<{ status?: AirlockStatus; lastProblem?: string }> {
	const deadline = Date.now() + timeoutMs;
	let status: AirlockStatus | undefined;
	let lastProblem: string | undefined;
	for (;;) {
		try {
			status = await readLockStatus(lock);
			lastProblem = undefined;
			if (isLocked(status)) {
				return { status };
			}
		} catch (err) {
			// The Feature's entrypoint may still be writing its first status; other failures are final.
			if (err instanceof AirlockNotInstalledError || !(err instanceof DockerLayerError)) {
				throw err;
			}
			lastProblem = err.message;
		}
		if (Date.now() + STATUS_POLL_MS > deadline || signal?.aborted) {
			return { ...(status ? { status } : {}), ...(lastProblem ? { lastProblem } : {}) };
		}
		await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
	}
}

function generateStep(options: StartLockedOptions): { configFile: string; configChanged: boolean } {
	const say = (line: string): void => options.say?.(line, 'generate');
	const plan = planDevcontainer(options.generate);
	if (plan.changed) {
		writeDevcontainer(plan, options.generate);
		say(`${plan.before === null ? 'Created' : 'Updated'} ${plan.file} from the approved plan ${options.approved.planHash}${plan.createdFrom ? `, ${plan.createdFrom}` : ''}.`);
	} else {
		say(`${plan.file} is in step with the approved plan ${options.approved.planHash}.`);
	}
	options.onApprovalLock?.(syncApprovalLock(options.generate.workspace, options.approved.record));
	return { configFile: plan.file, configChanged: plan.changed };
}

async function startStep(options: StartLockedOptions, configFile: string, configChanged: boolean): Promise<{ run: DevcontainerUpRun; recreated: string[]; appliedLive: boolean }> {
	const { docker, generate } = options;
	const env = options.env ?? process.env;
	const say = (line: string): void => options.say?.(line, 'start');
	try {
		devcontainerCliPath();
	} catch (err) {
		throw new StartLockedError('start', `the devcontainer CLI is not installed next to Airlock (${describeCause(err)})`, 'reinstall Airlock: it carries @devcontainers/cli');
	}
	// The devcontainer CLI reuses an existing container even when its config changed. When only
	// the allowlist changed (the build shape is the one this container was made from), step 3
	// applies it live; anything else needs the container recreated, or it would keep what it
	// was built with.
	const existing = await listWorkspaceContainers(docker, generate.workspace, { includeStopped: true });
	const shape = buildShapeHash(generate.workspace);
	const record = readUpRecord(generate.workspace, env);
	const sameShape = existing.length > 0 && record !== undefined && record.containerId === existing[0].id && shape !== undefined && record.buildShape === shape;
	// A sidecar agent left in the namespace of a gate that was recreated has no network at all:
	// only a new container joins the new gate (the Compose project is otherwise as it should be).
	const stranded = existing.length > 0 && (await isStrandedSidecarAgent(docker, existing[0]));
	const recreate = existing.length > 0 && (stranded || (!sameShape && (configChanged || editedSince(configFile, await createdAt(docker, existing[0].id)))));
	const recreated = recreate ? existing.map((c) => `${c.name} (${shortId(c.id)})`) : [];
	const appliedLive = sameShape && configChanged;
	if (appliedLive) {
		say(`Only the allowlist changed since ${existing[0].name} (${shortId(existing[0].id)}) was made: it is applied live, no rebuild.`);
	}
	if (recreate) {
		say(stranded
			? `${existing[0].name} (${shortId(existing[0].id)}) is in the network namespace of a gate that no longer runs: recreating it so it joins the current one.`
			: `devcontainer.json changed since the container was made: recreating ${recreated.join(', ')} (files outside the workspace folder and volumes are lost).`);
	}
	say('Starting the dev container with the devcontainer CLI (the first build installs the proxy and can take minutes)...');
	const run = await runDevcontainerUp(generate.workspace, {
		...(options.env ? { env: options.env } : {}),
		removeExisting: recreate,
		...(options.onLog ? { onLog: options.onLog } : {}),
		...(options.signal ? { signal: options.signal } : {}),
	});
	const result = run.result;
	if (run.exitCode !== 0 || result?.outcome !== 'success' || !result.containerId) {
		if (options.signal?.aborted) {
			throw new StartLockedError('start', 'stopped on request', 'start it again when you are ready', lastLines(run.log, OUTPUT_TAIL_LINES));
		}
		const why = result?.message ? `${result.message}${result.description ? ` (${result.description})` : ''}` : `exit code ${run.exitCode}`;
		throw new StartLockedError('start', why, 'fix the problem the devcontainer CLI reports', lastLines(run.log, OUTPUT_TAIL_LINES));
	}
	if (shape !== undefined) {
		writeUpRecord(generate.workspace, { containerId: result.containerId, buildShape: shape }, env);
	}
	return { run, recreated, appliedLive };
}

/**
 * Runs the three steps. Resolves with `locked: false` when the container started but did not
 * lock in time (the caller decides how loud that is); throws StartLockedError for a failed step,
 * InvalidInputError for a configuration that cannot be read, DockerLayerError for the engine.
 */
export async function startLockedContainer(options: StartLockedOptions): Promise<StartLockedResult> {
	const { docker, approved } = options;
	let generated: { configFile: string; configChanged: boolean };
	try {
		generated = generateStep(options);
	} catch (err) {
		if (err instanceof InvalidInputError) {
			throw err;
		}
		throw new StartLockedError('generate', describeCause(err), 'fix the problem above', undefined, err);
	}
	const { run, recreated, appliedLive } = await startStep(options, generated.configFile, generated.configChanged);
	const containerId = run.result?.containerId ?? '';
	const remoteUser = run.result?.remoteUser ?? null;
	const remoteWorkspaceFolder = run.result?.remoteWorkspaceFolder ?? null;
	options.say?.(`Container ${shortId(containerId)} is up (remote user ${remoteUser ?? 'unknown'}). Waiting for the lock...`, 'lock');

	let waited: Awaited<ReturnType<typeof waitForLock>>;
	let lock: LockLocation;
	try {
		const agent = (await listWorkspaceContainers(docker, options.generate.workspace, { includeStopped: false })).find((c) => c.id === containerId);
		lock = agent ? await lockOf(docker, agent) : lockInContainer(docker, { id: containerId, name: shortId(containerId) });
		waited = await waitForLock(lock, options.lockTimeoutMs, options.signal);
	} catch (err) {
		throw new StartLockedError('lock', describeCause(err), err instanceof DockerLayerError ? err.nextStep : `look at \`docker logs ${shortId(containerId)}\``, undefined, err);
	}
	let replacedPolicy: string | undefined;
	const locked = waited.status !== undefined && isLocked(waited.status);
	if (locked && waited.status && waited.status.policyHash !== approved.policyHash) {
		// A reused container may enforce an older plan, or one applied by hand: enforce the approved one.
		replacedPolicy = waited.status.policyHash;
		try {
			await enforceApproved(lock, approved);
			waited = { status: await readLockStatus(lock) };
		} catch (err) {
			throw new StartLockedError(
				'lock',
				`the container enforces ${replacedPolicy}, not the approved plan ${approved.planHash}, and applying it failed: ${describeCause(err)}`,
				err instanceof DockerLayerError ? err.nextStep : 'start it again',
				undefined,
				err,
			);
		}
		options.say?.(`The container enforced ${replacedPolicy}; applied the approved plan ${approved.planHash}.`, 'lock');
	}
	if (locked && waited.status) {
		const s = waited.status;
		options.say?.(`Egress is ${s.state === 'weakened' ? 'LOCKED, WEAKENED' : 'LOCKED'}${s.reason ? ` (${s.reason})` : ''}: mode ${s.mode}, ${s.hosts} hosts, policy ${s.policyHash}.`, 'lock');
	}
	const notLockedWhy = locked
		? undefined
		: waited.status
			? `airlock-ctl status says ${waited.status.state}${waited.status.reason ? `: ${waited.status.reason}` : ''}`
			: (waited.lastProblem ?? 'no status');
	return {
		containerId,
		...(lock.topology === 'sidecar' ? { proxyContainerId: lock.control.id } : {}),
		remoteUser,
		remoteWorkspaceFolder,
		...(waited.status ? { status: waited.status } : {}),
		locked,
		...(notLockedWhy ? { notLockedWhy } : {}),
		configFile: generated.configFile,
		configChanged: generated.configChanged,
		recreated,
		appliedLive,
		...(replacedPolicy ? { replacedPolicy } : {}),
	};
}
