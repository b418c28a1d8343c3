import * as path from 'node:path';
import * as vscode from 'vscode';
import { examineWorkspaceSafely, findingLocation, refusalText, unacceptedBlockers } from '../core/findings';
import { addAcceptance } from '../core/findings/acceptEdit';
import { HOST_CODE_COST, protectHostCode } from '../core/findings/safeDefaults';
import { formatProblem } from '../core/errors';
import type { Plan } from '../core/plan';
import { PROJECT_POLICY_PATH } from '../core/policyFile';
import { openAt, reportError, showErrorWithSteps } from './nextStep';
import type { AirlockSession } from './session';

/**
 * The editor's Approve refuses a plan while the dev container configuration has a blocker the
 * plan does not accept (the same rule as `airlock up` and `airlock check`), and offers both ways
 * out: open the setting to remove it, or accept it in airlock.yaml with a reason (which then shows
 * in the review, to approve like any change). True when it refused. Editor-side channels (VS
 * Code's own forwarding) are warnings and never refuse.
 */
export function refuseUnacceptedBlockers(session: AirlockSession, workspace: string, plan: Pick<Plan, 'terms'>): boolean {
	const outcome = examineWorkspaceSafely(workspace, { accepted: plan.terms });
	if (outcome.problems) {
		const first = outcome.problems[0];
		session.output.error(`Not approved: the dev container configuration does not parse: ${outcome.problems.map(formatProblem).join(' · ')}`);
		void showErrorWithSteps(`Airlock: not approved. The dev container configuration does not parse, so Airlock cannot tell what it lets the agent reach: ${formatProblem(first)}`,
			[{ label: 'Open File at Problem', run: () => openAt(first.file, first.line, first.column) }, { label: 'Show Log', run: () => session.output.show(true) }], session.output);
		return true;
	}
	const blockers = unacceptedBlockers(outcome.examination);
	if (blockers.length === 0) {
		return false;
	}
	const first = blockers[0];
	session.output.error(`Not approved: ${refusalText(blockers, path.join(workspace, PROJECT_POLICY_PATH))}`);
	const more = blockers.length > 1 ? ` (and ${blockers.length - 1} more: ${blockers.slice(1).map((b) => b.id).join(', ')})` : '';
	void showErrorWithSteps(
		`Airlock: not approved. ${first.id} at ${path.relative(workspace, first.file)}:${first.line}:${first.column} defeats the egress lock${more}. Remove the setting, or accept it on purpose in airlock.yaml with a reason, then approve again.`,
		[
			{ label: 'Open Setting', run: () => openAt(first.file, first.line, first.column) },
			{ label: `Accept ${first.id}…`, run: () => acceptWithReason(session, workspace, first.id, findingLocation(first)) },
			{ label: 'Show Log', run: () => session.output.show(true) },
		],
		undefined,
	);
	return true;
}

async function acceptWithReason(session: AirlockSession, workspace: string, id: Parameters<typeof addAcceptance>[1], location: string): Promise<void> {
	const reason = await vscode.window.showInputBox({
		title: `Airlock: accept ${id}`,
		prompt: `Why does this container need it (${location})? The reviewer reads this, and it is kept with the approval.`,
		validateInput: (v) => (v.trim() === '' ? 'A reason is required' : undefined),
		ignoreFocusOut: true,
	});
	if (reason === undefined) {
		return;
	}
	try {
		const written = addAcceptance(workspace, id, reason.trim());
		// The policy file watcher redraws the review, which now shows the acceptance as a change to approve.
		session.output.info(`${written.changed ? 'Added' : 'Already had'} accept: ${id} in ${written.file}; review and approve the plan to accept it.`);
	} catch (err) {
		await reportError(`could not add the acceptance of ${id}`, err, session.output);
	}
}

/** The review's "Keep Them Read-Only" on host-code-writable: writes the read-only binds and says what they cost. */
export async function protectHostCodeFromReview(session: AirlockSession, workspace: string): Promise<void> {
	try {
		const written = protectHostCode(workspace);
		if (written.added.length === 0) {
			void vscode.window.showInformationMessage('Airlock: devcontainer.json already keeps them read-only.');
			return;
		}
		session.output.info(`Added read-only binds of ${written.added.join(', ')} to ${written.file}.`);
		void vscode.window.showInformationMessage(`Airlock: ${written.added.join(', ')} are now mounted read-only in the container (after it is rebuilt): ${HOST_CODE_COST}.`, 'Open devcontainer.json').then((chosen) => (chosen ? openAt(written.file) : undefined));
	} catch (err) {
		await reportError('could not keep them read-only', err, session.output);
	}
}
