import * as fs from 'node:fs';
import type Docker from 'dockerode';
import type { CliContext, Command } from '../command';
import { CliError, EXIT_CHECK_FAILED, EXIT_INVALID, EXIT_OK } from '../command';
import { InvalidInputError } from '../../core/errors';
import { planDevcontainer, writeDevcontainer } from '../../core/devcontainer';
import { connectDocker } from '../../docker/connect';
import { devcontainerCliPath, runDevcontainerUp, type DevcontainerUpRun } from '../../docker/devcontainerCli';
import { readStatus } from '../../docker/control';
import { enforceApproved, lockInContainer } from '../../docker/lock';
import { listWorkspaceContainers } from '../../docker/findContainer';
import { AirlockNotInstalledError, DockerLayerError, describeCause, shortId } from '../../docker/errors';
import { isLocked, type AirlockStatus } from '../../docker/status';
import { generateOptionSpecs, generateOptionsFrom, lockSyncMessage, requireApprovedPolicy } from './generate';
import { syncApprovalLock } from '../../core/approvalLock';
import { buildShapeHash, readUpRecord, writeUpRecord } from '../../core/devcontainer/buildShape';
import { withDockerErrors } from './status';

const OUTPUT_TAIL_LINES = 30;
const DEFAULT_LOCK_TIMEOUT_S = 120;
const STATUS_POLL_MS = 500;

function lastLines(text: string, count: number): string {
	return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** Runs `devcontainer up`, relaying its log with --verbose; a missing CLI is a CliError. */
async function startContainer(ctx: CliContext, verbose: boolean, removeExisting: boolean): Promise<DevcontainerUpRun> {
	try {
		devcontainerCliPath();
	} catch (err) {
		throw new CliError(`step 2/3 (devcontainer up) failed: the devcontainer CLI is not installed next to Airlock (${describeCause(err)})`, EXIT_CHECK_FAILED,
			'reinstall Airlock (its dependency @devcontainers/cli provides it)');
	}
	return runDevcontainerUp(ctx.workspace, { env: ctx.env, removeExisting, ...(verbose ? { onLog: (text: string) => ctx.stderr.write(text) } : {}) });
}

/** True when the file changed after `time` (e.g. `airlock generate` ran after the container was made). */
function editedSince(file: string | undefined, time: Date): boolean {
	try {
		return file !== undefined && fs.statSync(file).mtimeMs > time.getTime();
	} catch {
		return false;
	}
}

/** Creation time to the millisecond (the container list rounds to seconds, too coarse to compare with a file's mtime). */
async function createdAt(docker: Docker, id: string): Promise<Date> {
	return withDockerErrors(async () => new Date((await docker.getContainer(id).inspect()).Created));
}

/** Polls `airlock-ctl status` until locked/weakened or the deadline; returns the last status seen. */
async function waitForLock(docker: Docker, id: string, timeoutMs: number): Promise<{ status?: AirlockStatus; lastProblem?: string }> {
	const deadline = Date.now() + timeoutMs;
	let status: AirlockStatus | undefined;
	let lastProblem: string | undefined;
	for (;;) {
		try {
			status = await readStatus(docker, id);
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
		if (Date.now() + STATUS_POLL_MS > deadline) {
			return { ...(status ? { status } : {}), ...(lastProblem ? { lastProblem } : {}) };
		}
		await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
	}
}

export const upCommand: Command = {
	name: 'up',
	summary: 'generate devcontainer.json from the approved plan, start the container with the devcontainer CLI, and wait until egress is locked',
	options: {
		...generateOptionSpecs,
		json: { type: 'boolean', description: 'end with one JSON line: {"containerId","remoteUser","locked"}' },
		verbose: { type: 'boolean', description: 'show the devcontainer CLI\'s log while it runs' },
		'lock-timeout': { type: 'string', description: `seconds to wait for the lock after the container started (default ${DEFAULT_LOCK_TIMEOUT_S})` },
	},
	async run(ctx) {
		const timeoutText = ctx.values['lock-timeout'];
		const lockTimeoutS = typeof timeoutText === 'string' ? Number(timeoutText) : DEFAULT_LOCK_TIMEOUT_S;
		if (!Number.isFinite(lockTimeoutS) || lockTimeoutS <= 0) {
			throw new CliError(`--lock-timeout must be a positive number of seconds, got ${JSON.stringify(timeoutText)}`, EXIT_INVALID);
		}
		const say = (line: string): void => {
			// With --json, stdout is for the result; progress goes to stderr.
			(ctx.values.json ? ctx.stderr : ctx.stdout).write(line + '\n');
		};

		const approved = requireApprovedPolicy(ctx.workspace, ctx.env);
		const { docker } = await withDockerErrors(() => connectDocker(ctx.env));

		// Step 1: devcontainer.json from the approved plan only.
		let configChanged = false;
		let configFile: string | undefined;
		try {
			const options = generateOptionsFrom(ctx.values, ctx.workspace, process.cwd(), approved.policy);
			const plan = planDevcontainer(options);
			configFile = plan.file;
			if (plan.changed) {
				writeDevcontainer(plan, options);
				configChanged = true;
				say(`${plan.before === null ? 'Created' : 'Updated'} ${plan.file} from the approved plan ${approved.planHash}.`);
			} else {
				say(`${plan.file} is in step with the approved plan ${approved.planHash}.`);
			}
			const lockNote = lockSyncMessage(syncApprovalLock(ctx.workspace, approved.record));
			if (lockNote) {
				say(lockNote);
			}
		} catch (err) {
			if (err instanceof InvalidInputError || err instanceof CliError) {
				throw err;
			}
			throw new CliError(`step 1/3 (generate devcontainer.json) failed: ${describeCause(err)}`, EXIT_CHECK_FAILED, 'fix the problem above and run `airlock up` again');
		}

		// Step 2: the devcontainer CLI builds (first time) and starts the container.
		// The devcontainer CLI reuses an existing container even when its config changed. When only
		// the allowlist changed (the build shape is the one this container was made from), step 3
		// applies it live; anything else needs the container recreated, or it would keep what it
		// was built with.
		const existing = await withDockerErrors(() => listWorkspaceContainers(docker, ctx.workspace, { includeStopped: true }));
		const shape = buildShapeHash(ctx.workspace);
		const record = readUpRecord(ctx.workspace, ctx.env);
		const sameShape = existing.length > 0 && record !== undefined && record.containerId === existing[0].id && shape !== undefined && record.buildShape === shape;
		const recreate = existing.length > 0 && !sameShape && (configChanged || editedSince(configFile, await createdAt(docker, existing[0].id)));
		if (sameShape && configChanged) {
			say(`Only the allowlist changed since ${existing[0].name} (${shortId(existing[0].id)}) was made: it is applied live, no rebuild.`);
		}
		if (recreate) {
			say(`devcontainer.json changed since the container was made: recreating ${existing.map((c) => `${c.name} (${shortId(c.id)})`).join(', ')} (files outside the workspace folder and volumes are lost).`);
		}
		say('Starting the dev container with the devcontainer CLI (the first build installs the proxy and can take minutes)...');
		const run = await startContainer(ctx, ctx.values.verbose === true, recreate);
		const result = run.result;
		if (run.exitCode !== 0 || result?.outcome !== 'success' || !result.containerId) {
			const why = result?.message ? `${result.message}${result.description ? ` (${result.description})` : ''}` : `exit code ${run.exitCode}`;
			throw new CliError(`step 2/3 (devcontainer up) failed: ${why}\n--- last lines of the devcontainer CLI output ---\n${lastLines(run.log, OUTPUT_TAIL_LINES)}\n---`,
				EXIT_CHECK_FAILED, 'fix the problem the devcontainer CLI reports (run with --verbose for its whole log) and run `airlock up` again');
		}
		const containerId = result.containerId;
		const remoteUser = result.remoteUser ?? null;
		if (shape !== undefined) {
			writeUpRecord(ctx.workspace, { containerId, buildShape: shape }, ctx.env);
		}
		say(`Container ${shortId(containerId)} is up (remote user ${remoteUser ?? 'unknown'}). Waiting for the lock...`);

		// Step 3: the Feature's entrypoint locks egress at start; wait until it says so.
		let waited: Awaited<ReturnType<typeof waitForLock>>;
		try {
			waited = await waitForLock(docker, containerId, lockTimeoutS * 1000);
		} catch (err) {
			const next = err instanceof DockerLayerError ? err.nextStep : 'look at `docker logs ' + shortId(containerId) + '`';
			throw new CliError(`step 3/3 (waiting for the lock) failed: ${describeCause(err)}`, EXIT_CHECK_FAILED, next);
		}
		const locked = waited.status !== undefined && isLocked(waited.status);
		if (locked && waited.status && waited.status.policyHash !== approved.policyHash) {
			// A reused container may enforce an older plan, or one applied by hand: enforce the approved one.
			const before = waited.status.policyHash;
			try {
				await enforceApproved(lockInContainer(docker, { id: containerId, name: shortId(containerId) }), approved);
				waited = { status: await readStatus(docker, containerId) };
			} catch (err) {
				const next = err instanceof DockerLayerError ? err.nextStep : 'run `airlock up` again';
				throw new CliError(`step 3/3 (enforcing the approved plan) failed: the container enforces ${before}, not the approved plan ${approved.planHash}, and applying it failed: ${describeCause(err)}`, EXIT_CHECK_FAILED, next);
			}
			say(`The container enforced ${before}; applied the approved plan ${approved.planHash}.`);
		}
		if (locked && waited.status) {
			const s = waited.status;
			say(`Egress is ${s.state === 'weakened' ? 'LOCKED, WEAKENED' : 'LOCKED'}${s.reason ? ` (${s.reason})` : ''}: mode ${s.mode}, ${s.hosts} hosts, policy ${s.policyHash}.`);
		}
		if (ctx.values.json) {
			ctx.stdout.write(JSON.stringify({ containerId, remoteUser, locked }) + '\n');
		}
		if (!locked) {
			const why = waited.status ? `airlock-ctl status says ${waited.status.state}${waited.status.reason ? `: ${waited.status.reason}` : ''}` : (waited.lastProblem ?? 'no status');
			throw new CliError(`step 3/3 (waiting for the lock) failed: container ${shortId(containerId)} is not locked after ${lockTimeoutS} s; ${why}`, EXIT_CHECK_FAILED,
				`look at \`docker logs ${shortId(containerId)}\`; run \`airlock status\` to check again`);
		}
		if (!ctx.values.json) {
			say('Next: `airlock verify` probes the lock from inside; `airlock logs -f` shows blocked requests.');
		}
		return EXIT_OK;
	},
};
