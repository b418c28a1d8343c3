import * as vscode from 'vscode';
import { readFileIfExists, writeFileAtomic } from '../core/atomicFile';
import { readApproval } from '../core/approvals';
import { diffPlans, resolvePlan } from '../core/plan';
import { revertProjectPolicy } from '../core/policyRevert';
import { diffLines } from '../core/views/planView';
import { openAt, showInfoWithSteps, showWarningWithSteps } from './nextStep';
import { policyFileOf } from './planReview';
import type { AirlockSession } from './session';

/** What the container does after a rejection, only when one runs (no words about a container that does not exist). */
function containerWords(session: AirlockSession): string {
	const state = session.state.containerState;
	return state === 'locked' || state === 'weakened' ? ` ${session.containerLabel} keeps enforcing the approved plan.` : '';
}

/** The unapproved difference as the drift check words it, to keep it from warning again about what was just rejected. */
function currentDiffSignature(workspace: string): string | undefined {
	try {
		const approval = readApproval(workspace);
		return approval ? JSON.stringify(diffLines(diffPlans(approval.plan, resolvePlan(workspace)))) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * "Reject" in the review. Nothing new is enforced either way; what is left is the policy file,
 * which still proposes the changes. A proposal "Allow…" added is taken back out; otherwise the
 * person chooses: put the file back as approved (small edits; the rest of the file stays), or
 * keep editing (then the drift warning does not come back for the same changes).
 */
export async function rejectReview(session: AirlockSession, undoProposal?: () => void | Promise<void>): Promise<void> {
	const workspace = session.hostPath;
	const where = containerWords(session);
	if (undoProposal) {
		await undoProposal();
		session.output.info('Review: rejected; the proposed entry was taken out of the policy file.');
		void vscode.window.showInformationMessage(`Airlock: rejected. The proposed entry was taken out of the policy file; the approved plan is unchanged.${where}`);
		return;
	}
	if (!workspace) {
		return;
	}
	const file = policyFileOf(workspace);
	const openFile = { label: 'Open Policy File', run: () => openAt(file) };
	const approval = readApproval(workspace);
	if (!approval) {
		session.output.info('Review: rejected; nothing is approved for this repository.');
		await showInfoWithSteps('Airlock: not approved. Nothing is approved for this repository, so nothing from its policy file is enforced; the file stays as a proposal until you approve it or change it.', [openFile]);
		return;
	}
	const revert = revertProjectPolicy(workspace, { planHash: approval.planHash, mode: approval.mode, entries: approval.plan.entries });
	const keepEditing = (): void => {
		session.dismissedPolicyDiff = currentDiffSignature(workspace);
	};
	if (revert.ok && revert.text === revert.before) {
		void vscode.window.showInformationMessage(`Airlock: nothing to reject: the policy file resolves to the approved plan.${where}`);
		return;
	}
	if (!revert.ok) {
		keepEditing();
		session.output.info(`Review: rejected; the policy file was left as it is (${revert.why}).`);
		await showWarningWithSteps(`Airlock: rejected; nothing new is enforced.${where} The policy file still proposes the changes: ${revert.why}.`, [openFile]);
		return;
	}
	session.output.info('Review: rejected; nothing new is enforced.');
	const put = 'Put Back Approved Policy';
	const chosen = await vscode.window.showInformationMessage(
		`Airlock: rejected; nothing new is enforced.${where} The policy file still proposes the changes: put it back as approved (only those lines change), or keep editing it?`,
		put,
		'Keep Editing',
	);
	if (chosen !== put) {
		keepEditing();
		return;
	}
	if (readFileIfExists(file) !== revert.before) {
		void showWarningWithSteps('Airlock: the policy file changed meanwhile; it was left as it is. Reject again to put it back.', [openFile]);
		return;
	}
	writeFileAtomic(file, revert.text);
	session.output.info(`Put ${file} back to the approved plan ${approval.planHash}.`);
	void vscode.window.showInformationMessage('Airlock: the policy file is back to the approved plan.');
}
