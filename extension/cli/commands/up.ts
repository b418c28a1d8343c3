import type { Command } from '../command';
import { CliError, EXIT_CHECK_FAILED, EXIT_INVALID, EXIT_OK } from '../command';
import { connectDocker } from '../../docker/connect';
import { shortId } from '../../docker/errors';
import { startLockedContainer, StartLockedError, STEP_NAMES } from '../../docker/startLocked';
import { generateOptionSpecs, generateOptionsFrom, lockSyncMessage, requireApprovedPolicy } from './generate';
import { withDockerErrors } from './status';
import { checkContainerBeforeUp } from '../findings';

const DEFAULT_LOCK_TIMEOUT_S = 120;

/** The CLI's words for a failed step: what failed, the devcontainer CLI's last lines, and the next step. */
function stepError(err: StartLockedError, verbose: boolean): CliError {
	if (err.step === 'start' && err.logTail !== undefined) {
		const hint = verbose ? '' : ' (run with --verbose for its whole log)';
		return new CliError(`${err.message}\n--- last lines of the devcontainer CLI output ---\n${err.logTail}\n---`, EXIT_CHECK_FAILED, `${err.fix}${hint} and run \`airlock up\` again`);
	}
	return new CliError(err.message, EXIT_CHECK_FAILED, err.step === 'generate' ? `${err.fix} and run \`airlock up\` again` : err.fix);
}

export const upCommand: Command = {
	name: 'up',
	summary: 'generate devcontainer.json from the approved plan, start the container with the devcontainer CLI, and wait until egress is locked',
	options: {
		...generateOptionSpecs,
		json: { type: 'boolean', description: 'end with one JSON line: {"containerId","remoteUser","locked"} (and "proxyContainerId" in the sidecar topology)' },
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
		const verbose = ctx.values.verbose === true;

		const approved = requireApprovedPolicy(ctx.workspace, ctx.env);
		// Settings that defeat the lock (the engine socket, the host's network…) are refused unless the approved plan accepts them.
		checkContainerBeforeUp(ctx.workspace, ctx.env, approved.terms, say);
		const { docker } = await withDockerErrors(() => connectDocker(ctx.env));
		const generate = generateOptionsFrom(ctx.values, ctx.workspace, process.cwd(), approved);

		// The three steps are the editor's "Start Locked Container" too (docker/startLocked.ts).
		let result;
		try {
			result = await withDockerErrors(() =>
				startLockedContainer({
					docker,
					approved,
					generate,
					env: ctx.env,
					lockTimeoutMs: lockTimeoutS * 1000,
					say: (line) => say(line),
					onApprovalLock: (sync) => {
						const note = lockSyncMessage(sync);
						if (note) {
							say(note);
						}
					},
					...(verbose ? { onLog: (text: string) => ctx.stderr.write(text) } : {}),
				}),
			);
		} catch (err) {
			// Anything else (a bad configuration, the engine) is already worded for the CLI.
			throw err instanceof StartLockedError ? stepError(err, verbose) : err;
		}
		const { containerId, remoteUser, locked, proxyContainerId } = result;
		if (ctx.values.json) {
			ctx.stdout.write(JSON.stringify({ containerId, remoteUser, locked, ...(proxyContainerId ? { proxyContainerId } : {}) }) + '\n');
		}
		if (!locked) {
			throw new CliError(`${STEP_NAMES.lock} failed: container ${shortId(containerId)} is not locked after ${lockTimeoutS} s; ${result.notLockedWhy ?? 'no status'}`, EXIT_CHECK_FAILED,
				`look at \`docker logs ${shortId(containerId)}\`; run \`airlock status\` to check again`);
		}
		if (!ctx.values.json) {
			say('Next: `airlock verify` probes the lock from inside; `airlock logs -f` shows blocked requests.');
		}
		return EXIT_OK;
	},
};
