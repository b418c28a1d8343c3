import * as vscode from 'vscode';
import { readFileIfExists, writeFileAtomic } from '../../core/atomicFile';
import { addAllowEntry } from '../../core/policyEdit';
import { proposeAllowEntries, type AllowProposal } from '../../core/views/allowProposals';
import { requireHostFolder } from '../hostOnly';
import { reportError } from '../nextStep';
import { PlanPanel } from '../planPanel';
import { policyFileOf } from '../planReview';
import { policyFileReady } from '../policyFileReady';
import type { AirlockSession } from '../session';

/** What the tree item, the notification or another command passes. */
interface HostArgument {
	readonly host: string;
	readonly ports?: readonly number[];
}

function isHostArgument(value: unknown): value is HostArgument {
	return typeof value === 'object' && value !== null && typeof (value as HostArgument).host === 'string';
}

interface ProposalItem extends vscode.QuickPickItem {
	readonly proposal: AllowProposal;
}

/**
 * Airlock: Allow Host… — proposes the exact host or its wildcard (with the risk spelled out),
 * adds the choice to .devcontainer/airlock.yaml and opens the review. Nothing is enforced
 * until the review is approved; rejecting it takes the entry back out.
 */
export async function allowHost(session: AirlockSession, arg?: unknown): Promise<void> {
	const workspace = await requireHostFolder(session);
	if (!workspace || !(await policyFileReady(session, workspace, 'add a host', () => allowHost(session, arg)))) {
		return;
	}
	let target: HostArgument | undefined = isHostArgument(arg) ? arg : undefined;
	if (!target) {
		const typed = await vscode.window.showInputBox({
			title: 'Airlock: Allow Host',
			prompt: 'A host name (api.example.com) or a whole-label wildcard (*.example.com)',
			placeHolder: 'api.example.com',
			ignoreFocusOut: true,
			validateInput: (value) => {
				const result = proposeAllowEntries(value.trim());
				return value.trim() === '' || result.ok ? undefined : result.message;
			},
		});
		if (!typed) {
			return;
		}
		target = { host: typed.trim() };
	}
	const result = proposeAllowEntries(target.host, target.ports ?? []);
	if (!result.ok) {
		await vscode.window.showErrorMessage(`Airlock: ${result.message}`);
		return;
	}
	const items: ProposalItem[] = result.proposals.map((p) => ({
		label: p.label,
		description: p.ports ? `port ${p.ports.join(', ')}` : '80, 443',
		detail: [p.detail, ...p.risks.map((r) => `⚠ ${r.message}`)].join('  '),
		proposal: p,
	}));
	const picked = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: `Airlock: Allow ${target.host}`, placeHolder: 'Allow only this host, or every name under its domain?', ignoreFocusOut: true, matchOnDetail: true });
	if (!picked) {
		return;
	}
	const reason = await vscode.window.showInputBox({ title: `Airlock: why allow ${picked.proposal.host}?`, prompt: 'Optional: the reason is kept in the policy file and the approval record', ignoreFocusOut: true });
	if (reason === undefined) {
		return;
	}
	const file = policyFileOf(workspace);
	const before = readFileIfExists(file);
	try {
		const edit = addAllowEntry(workspace, { host: picked.proposal.host, ...(picked.proposal.ports ? { ports: picked.proposal.ports } : {}), ...(reason.trim() ? { reason: reason.trim() } : {}) });
		session.output.info(edit.changed ? `Proposed ${picked.proposal.host} in ${edit.file}; review and approve to enforce it.` : `${picked.proposal.host} is already in ${edit.file}.`);
		PlanPanel.show(session, {
			focusHost: picked.proposal.host,
			// Rejecting takes our own edit back out, so the file does not keep proposing it.
			...(edit.changed && before !== undefined ? { onReject: () => undoEdit(session, file, edit.text, before) } : {}),
		});
	} catch (err) {
		await reportError(`cannot add ${picked.proposal.host}`, err, session.output);
	}
}

/** Puts the file back as it was, unless someone edited it after us (then their edit stays). */
function undoEdit(session: AirlockSession, file: string, ours: string, before: string): void {
	if (readFileIfExists(file) === ours) {
		writeFileAtomic(file, before);
	} else {
		session.output.warn(`${file} changed after the proposal was added; it was left as it is.`);
	}
}
