import * as vscode from 'vscode';
import { setMode } from '../../core/policyEdit';
import { readPolicyFile } from '../../core/policyFile';
import type { Mode } from '../../core/enforcedPolicy';
import { requireHostFolder } from '../hostOnly';
import { reportError } from '../nextStep';
import { PlanPanel } from '../planPanel';
import { policyFileOf } from '../planReview';
import { policyFileReady } from '../policyFileReady';
import type { AirlockSession } from '../session';

interface ModeItem extends vscode.QuickPickItem {
	readonly mode: Mode;
}

/**
 * Airlock: Switch Mode — writes the mode into the policy file and opens the review; the
 * container changes mode only once that is approved.
 */
export async function switchMode(session: AirlockSession): Promise<void> {
	const workspace = await requireHostFolder(session);
	if (!workspace || !(await policyFileReady(session, workspace, 'switch the mode', () => switchMode(session)))) {
		return;
	}
	const items: ModeItem[] = [
		{ mode: 'enforce', label: '$(lock) enforce', detail: 'Block every host that is not approved.' },
		{ mode: 'audit', label: '$(eye) audit', detail: 'Let requests through the proxy and log what enforce would block. Direct egress stays closed.' },
	];
	// The file and the approval can disagree (an edit not approved yet): say which says what.
	const inFile = readPolicyFile(policyFileOf(workspace))?.mode ?? 'enforce';
	const approved = session.state.approved ? session.state.mode : undefined;
	const describe = (mode: Mode): string => [mode === inFile ? 'in the policy file' : '', mode === approved ? 'approved' : ''].filter(Boolean).join(', ');
	const picked = await vscode.window.showQuickPick(
		items.map((i) => ({ ...i, description: describe(i.mode) })),
		{ title: 'Airlock: Switch Mode', placeHolder: 'The new mode is enforced once you approve it' },
	);
	if (!picked) {
		return;
	}
	try {
		const edit = setMode(workspace, picked.mode);
		session.output.info(edit.changed ? `Set mode: ${picked.mode} in ${edit.file}; approve to enforce it.` : `${edit.file} already says mode: ${picked.mode}.`);
		PlanPanel.show(session);
	} catch (err) {
		await reportError('cannot switch mode', err, session.output);
	}
}
