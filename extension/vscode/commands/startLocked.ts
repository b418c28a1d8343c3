import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { readApprovedPolicy } from '../../core/approvals';
import { InvalidInputError } from '../../core/errors';
import { examineWorkspaceSafely, findingLocation, unacceptedBlockers } from '../../core/findings';
import { resolvePlan } from '../../core/plan';
import { COMMAND } from '../../core/views/commandIds';
import { DockerLayerError } from '../../docker/errors';
import { startLockedContainer, StartLockedError, STEP_NAMES, type StartStep } from '../../docker/startLocked';
import { generateOptionsFor } from '../devcontainerSync';
import { requireHostFolder } from '../hostOnly';
import { describeError, openAt, reportError, showErrorWithSteps, showInfoWithSteps, showWarningWithSteps, type NextStep } from '../nextStep';
import { policyFileOf } from '../planReview';
import type { AirlockSession } from '../session';
import { openContainerTerminal } from './openTerminal';

/** How long the container may take to report its lock once it runs (the build is not counted). */
const LOCK_TIMEOUT_MS = 120_000;

const STEP_PROGRESS: Readonly<Record<StartStep, string>> = {
	generate: 'Writing devcontainer.json from the approved plan (1/3)…',
	start: 'Building and starting the container (2/3)…',
	lock: 'Waiting for the lock (3/3)…',
};

/**
 * Airlock: Start Locked Container — what `airlock up` does, from the editor, in any VS Code
 * build (no Dev Containers extension needed): devcontainer.json from the approved plan, the
 * devcontainer CLI that ships in the extension builds and starts the container (its log in
 * an output channel), then the lock is awaited. The blocked-requests view follows the
 * container as soon as it runs, and a terminal into it opens when it is locked.
 */
export async function startLocked(session: AirlockSession): Promise<void> {
	const workspace = await requireHostFolder(session);
	if (!workspace) {
		return;
	}
	if (session.state.startInProgress) {
		session.startLog.show(true);
		return;
	}
	let approved;
	try {
		approved = readApprovedPolicy(workspace);
	} catch (err) {
		await reportError('cannot read the approval', err, session.output);
		return;
	}
	if (!approved) {
		if (!fs.existsSync(policyFileOf(workspace))) {
			await showInfoWithSteps('Airlock: this repository has no policy yet. Lock it first: you choose the presets, review the plan and approve it; then the container can start locked.', [
				{ label: 'Lock This Repository…', run: () => vscode.commands.executeCommand(COMMAND.lockRepository) },
			]);
		} else {
			await showInfoWithSteps('Airlock: nothing is approved for this repository yet, so its container would deny all egress. Review and approve the plan first.', [
				{ label: 'Review & Approve', run: () => vscode.commands.executeCommand(COMMAND.reviewChanges) },
			]);
		}
		return;
	}
	// The same gate as `airlock up`: a setting that defeats the lock (the engine socket, the host's
	// network…) is refused unless the approved plan accepts it.
	const examined = examineWorkspaceSafely(workspace, { accepted: approved.terms });
	const blockers = examined.examination ? unacceptedBlockers(examined.examination) : [];
	if (blockers.length > 0) {
		const first = blockers[0];
		await showErrorWithSteps(
			`Airlock: the container is not started: its configuration has ${blockers.length} setting${blockers.length === 1 ? '' : 's'} that defeat${blockers.length === 1 ? 's' : ''} the egress lock and the approved plan does not accept: ${blockers.map((f) => `${f.id} (${findingLocation(f)})`).join(', ')}. Remove each, or accept it in airlock.yaml with a reason and approve the plan again.`,
			[
				{ label: 'Open File at Problem', run: () => openAt(first.file, first.line, first.column) },
				{ label: 'Review & Approve', run: () => vscode.commands.executeCommand(COMMAND.reviewChanges) },
			],
			session.output,
		);
		return;
	}
	try {
		if (resolvePlan(workspace).hash !== approved.planHash) {
			session.output.warn('The policy file has changes that are not approved; the container starts with the approved plan only.');
		}
	} catch {
		session.output.warn('The policy file has errors; the container starts with the approved plan only.');
	}

	const log = session.startLog;
	log.clear();
	log.show(true);
	log.appendLine(`Starting the locked container for ${workspace} (approved plan ${approved.planHash}).`);
	session.update({ startInProgress: true, detail: 'Starting the locked container…' });
	const controller = new AbortController();
	let outcome: Awaited<ReturnType<typeof startLockedContainer>> | { error: unknown };
	try {
		outcome = await vscode.window.withProgress(
			{ location: vscode.ProgressLocation.Notification, title: 'Airlock: starting the locked container', cancellable: true },
			async (progress, token) => {
				token.onCancellationRequested(() => controller.abort());
				let step: StartStep | undefined;
				try {
					return await startLockedContainer({
						docker: session.docker,
						approved,
						generate: generateOptionsFor(workspace, approved),
						lockTimeoutMs: LOCK_TIMEOUT_MS,
						signal: controller.signal,
						say: (line, at) => {
							log.appendLine(line);
							session.output.info(line);
							if (at !== step) {
								step = at;
								progress.report({ message: STEP_PROGRESS[at] });
							}
						},
						onLog: (text) => log.append(text),
						onApprovalLock: (sync) => {
							if (sync.state === 'written') {
								session.output.info(`Wrote ${sync.file} from this machine's approval (commit it with the repository).`);
							} else if (sync.state === 'other-approval' && sync.other) {
								session.output.warn(`${sync.file} records another approval (${sync.other.planHash} by ${sync.other.approvedBy}); it was left as it is. Approve again in the review to replace it.`);
							}
						},
					});
				} catch (error) {
					return { error };
				}
			},
		);
	} finally {
		session.update({ startInProgress: false });
	}

	if ('error' in outcome) {
		await reportStartError(session, outcome.error);
		return;
	}
	const result = outcome;
	if (!result.locked) {
		await showErrorWithSteps(
			`Airlock: the container started but is NOT LOCKED after ${LOCK_TIMEOUT_MS / 1000} s (${result.notLockedWhy}). Its egress stays closed; nothing is open. Verify it, or look at the start log.`,
			[
				{ label: 'Verify Lockdown', run: () => vscode.commands.executeCommand(COMMAND.verify) },
				{ label: 'Show Start Log', run: () => log.show(true) },
			],
			session.output,
		);
		return;
	}
	log.appendLine('Locked. Blocked requests appear in the Airlock view; the terminal opens inside the container.');
	await openContainerTerminal(session, result.containerId);
	const s = result.status;
	void showInfoWithSteps(
		`Airlock: the container is locked${s ? ` (${s.hosts} approved host${s.hosts === 1 ? '' : 's'}, mode ${s.mode})` : ''}. A terminal into it is open; blocked requests show up in the Airlock view.`,
		[
			{ label: 'Show Blocked Requests', run: () => vscode.commands.executeCommand(COMMAND.showBlocked) },
			{ label: 'Verify Lockdown', run: () => vscode.commands.executeCommand(COMMAND.verify) },
		],
		session.output,
	);
}

/** Each failure with the step it happened in and the one next step. */
async function reportStartError(session: AirlockSession, error: unknown): Promise<void> {
	const retry: NextStep = { label: 'Retry', run: () => vscode.commands.executeCommand(COMMAND.startLocked) };
	const showLog: NextStep = { label: 'Show Start Log', run: () => session.startLog.show(true) };
	if (error instanceof InvalidInputError) {
		await reportError(`cannot start the locked container: ${STEP_NAMES.generate} failed`, error, session.output, [retry]);
		return;
	}
	if (error instanceof StartLockedError) {
		if (error.logTail) {
			session.startLog.appendLine(`\n--- ${error.message} ---`);
		}
		const where = error.logTail ? ' (the start log has its whole output)' : '';
		const message = `Airlock: could not start the locked container: ${error.message}. Next: ${error.fix}${where}.`;
		await (error.why === 'stopped on request' ? showWarningWithSteps(message, [retry, showLog], session.output) : showErrorWithSteps(message, [showLog, retry], session.output));
		return;
	}
	if (error instanceof DockerLayerError) {
		await showErrorWithSteps(`Airlock: could not start the locked container: ${error.message} Next: ${error.nextStep}.`, [retry, showLog], session.output);
		return;
	}
	await showErrorWithSteps(`Airlock: could not start the locked container: ${describeError(error).message}`, [showLog, retry], session.output);
}
