import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { readApproval, readApprovedPolicy, recordApproval } from '../core/approvals';
import { resolvePlan } from '../core/plan';
import { COMMAND } from '../core/views/commandIds';
import { devContainerLabel } from '../docker/displayName';
import { ApplyRejectedError, EngineUnreachableError } from '../docker/errors';
import { enforceApproved } from '../docker/lock';
import { devContainersAvailable } from './devContainers';
import { regenerateDevcontainer } from './devcontainerSync';
import { describeError, openAt, showErrorWithSteps, showInfoWithSteps, type NextStep } from './nextStep';
import { policyFileOf, reviewDevcontainer } from './planReview';
import { refuseUnacceptedBlockers } from './findingsRefusal';
import type { AirlockSession } from './session';

export type ApproveOutcome = 'applied' | 'approved-no-container' | 'apply-failed' | 'stale' | 'refused';

export type ApplyResult = { outcome: 'applied'; container: string } | { outcome: 'no-container' } | { outcome: 'failed'; error: unknown; container?: string };

/** The ways into the locked container: Airlock's own start always, Dev Containers' reopen when installed. */
function enterSteps(): NextStep[] {
	const start: NextStep = { label: 'Start Locked Container', run: () => vscode.commands.executeCommand(COMMAND.startLocked) };
	return devContainersAvailable() ? [{ label: 'Reopen in Locked Container', run: () => vscode.commands.executeCommand(COMMAND.reopenLocked) }, start] : [start];
}

/**
 * Sends the approved policy to the running container. The container validates it with the same
 * grammar and keeps its previous policy on any error, so a failure here never opens anything.
 */
export async function applyToContainer(session: AirlockSession, progress: vscode.Progress<{ message?: string }>): Promise<ApplyResult> {
	const workspace = session.hostPath;
	let approved;
	try {
		approved = workspace ? readApprovedPolicy(workspace) : undefined;
	} catch (error) {
		return { outcome: 'failed', error };
	}
	if (!workspace || !approved) {
		return { outcome: 'failed', error: new Error('nothing is approved for this folder yet') };
	}
	progress.report({ message: 'Looking for the running container…' });
	let found;
	try {
		found = await session.findLock();
	} catch (error) {
		return { outcome: 'failed', error };
	}
	if (!found) {
		return { outcome: 'no-container' };
	}
	const { container, lock } = found;
	const label = devContainerLabel(container);
	progress.report({ message: `Applying to ${label}…` });
	try {
		await enforceApproved(lock, approved);
		session.output.info(`Applied approved plan ${approved.planHash} to container ${label} (${container.name}).`);
		forgetAllowedHosts(session, approved.policy.rules);
		return { outcome: 'applied', container: label };
	} catch (error) {
		return { outcome: 'failed', container: label, error };
	}
}

/** Hosts the container now allows leave the blocked list (they are no longer blocked). */
function forgetAllowedHosts(session: AirlockSession, rules: Parameters<AirlockSession['blocked']['forgetAllowed']>[0]): void {
	const dropped = session.blocked.forgetAllowed(rules);
	if (dropped.length > 0) {
		session.output.info(`Allowed now, so no longer listed as blocked: ${dropped.join(', ')}.`);
		session.notifyBlockedChanged();
	}
}

/**
 * Says what happened after an apply, with the next step on failure. The message is not awaited:
 * the caller (and the review's busy state) must not wait for someone to click it. `configNote`
 * says what happened to devcontainer.json, when this apply followed an approval.
 */
export async function reportApply(session: AirlockSession, result: ApplyResult, hostCount: number, configNote?: string): Promise<ApproveOutcome> {
	const workspace = session.hostPath ?? '';
	session.applyFailurePending = result.outcome === 'failed';
	if (result.outcome === 'applied') {
		void vscode.window.showInformationMessage(`Airlock: the approved plan (${hostCount} hosts) is now enforced in ${result.container}.`);
		return 'applied';
	}
	if (result.outcome === 'no-container') {
		void showInfoWithSteps(
			`Airlock: approved. No locked container is running for this folder yet.${configNote ? ` ${configNote}` : ''} Start the locked container to enforce the plan.`,
			enterSteps(),
			session.output,
		);
		return 'approved-no-container';
	}
	if (result.error instanceof EngineUnreachableError) {
		// Not a rejected policy: nobody could be asked. Say that, not "fix the entry".
		void showErrorWithSteps(
			`Airlock: approved, but the Docker engine does not answer (${result.error.endpoint}), so no running container could be updated. A container that starts later gets the approved plan. Start the engine, then retry.`,
			[
				{ label: 'Retry Apply', run: () => applyApprovedWithProgress(session) },
				{ label: 'Show Log', run: () => session.output.show(true) },
			],
			session.output,
		);
		return 'apply-failed';
	}
	const where = result.container ? `the container ${result.container}` : 'the container';
	const why = result.error instanceof ApplyRejectedError ? result.error.containerMessage : describeError(result.error).message;
	void showErrorWithSteps(
		`Airlock: approved, but ${where} did not take the new policy: ${why}. It keeps enforcing its previous policy; nothing new is open. Fix the entry and approve again, or retry.`,
		[
			{ label: 'Retry Apply', run: () => applyApprovedWithProgress(session) },
			{ label: 'Open Policy File', run: () => openAt(policyFileOf(workspace)) },
			{ label: 'Show Log', run: () => session.output.show(true) },
		],
		session.output,
	);
	return 'apply-failed';
}

/** Re-applies what is approved (never anything else), e.g. after drift in the container. */
export async function applyApprovedWithProgress(session: AirlockSession): Promise<ApproveOutcome> {
	const result = await session.whileApproving(() => vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Airlock' }, (progress) => applyToContainer(session, progress)));
	const approval = session.hostPath ? readApproval(session.hostPath) : undefined;
	return reportApply(session, result, approval?.plan.entries.length ?? 0);
}

/**
 * Approves the plan the person reviewed: records it, regenerates devcontainer.json and applies
 * it to the running container, under one progress notification. Refuses when the plan changed
 * after it was shown (someone edited the policy file meanwhile).
 */
export async function approvePlan(session: AirlockSession, reviewedHash: string, reviewedConfigDigest?: string): Promise<ApproveOutcome> {
	const workspace = session.hostPath;
	if (!workspace) {
		return 'stale';
	}
	if (!fs.existsSync(policyFileOf(workspace))) {
		// Approving the baseline alone would write a configuration no policy file explains.
		void showInfoWithSteps('Airlock: this repository has no policy file yet, so there is nothing to approve. Lock it first.', [
			{ label: 'Lock This Repository…', run: () => vscode.commands.executeCommand(COMMAND.lockRepository) },
		]);
		return 'stale';
	}
	const plan = resolvePlan(workspace);
	if (plan.hash !== reviewedHash) {
		void vscode.window.showWarningMessage('Airlock: the policy file changed while you were reviewing it. Nothing was approved; the review now shows the new plan.');
		return 'stale';
	}
	if (refuseUnacceptedBlockers(session, workspace, plan)) {
		return 'refused';
	}
	const config = reviewDevcontainer(workspace, plan);
	if (reviewedConfigDigest !== undefined && config.ok && config.digest !== reviewedConfigDigest) {
		void vscode.window.showWarningMessage('Airlock: the dev container configuration changed while you were reviewing it. Nothing was approved; the review now shows what Approve would write.');
		return 'stale';
	}
	let configNote: string | undefined;
	const result = await session.whileApproving(() => vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Airlock' }, async (progress) => {
		progress.report({ message: 'Recording the approval…' });
		const record = recordApproval(workspace, plan);
		session.output.info(`Approved plan ${record.planHash} (${plan.entries.length} hosts, mode ${plan.mode}) as ${record.approvedBy}.`);
		session.update({ approved: true, mode: plan.mode, drift: false, policyChanged: false, policy: 'valid' });
		progress.report({ message: 'Updating devcontainer.json…' });
		try {
			const written = regenerateDevcontainer(workspace, plan);
			session.output.info(written.changed ? `Wrote ${written.file} for the approved plan.` : `${written.file} already matches the approved plan.`);
			configNote = written.changed ? 'The dev container configuration was written as the review showed.' : 'The dev container configuration already carried the plan.';
		} catch (err) {
			// The approval stands; the container side can still be applied. Say what to fix.
			const described = describeError(err);
			session.output.error(`Could not update devcontainer.json: ${described.message}`);
			void showErrorWithSteps(`Airlock: approved, but devcontainer.json could not be updated: ${described.message}`, described.openFile ? [{ label: 'Open File at Problem', run: () => openAt(described.openFile!.file, described.openFile!.line, described.openFile!.column) }] : [], undefined);
		}
		const applied = await applyToContainer(session, progress);
		if (applied.outcome === 'no-container') {
			// The next container starts with this plan: what it allows is not blocked any more.
			forgetAllowedHosts(session, plan.policy.rules);
		}
		return applied;
	}));
	return reportApply(session, result, plan.entries.length, configNote);
}
