import * as vscode from 'vscode';
import { readFileIfExists, writeFileAtomic } from '../../core/atomicFile';
import { buildPlan, readLayers } from '../../core/plan';
import { parsePolicyText } from '../../core/policyFile';
import { loadAllPresets } from '../../core/presets';
import { applyProposalToText, isEmptyProposal, proposalDiff, proposeFromLog, removeEntriesFromText } from '../../core/propose';
import { readUsageBook, usageForEntries, DAY_MS } from '../../core/usage';
import { unusedAfterDaysFrom } from '../../core/views/planAnnotations';
import { ingestIntoBooks, readObservedLog } from '../../docker/observed';
import { requireHostFolder } from '../hostOnly';
import { reportError } from '../nextStep';
import { PlanPanel } from '../planPanel';
import { policyFileOf } from '../planReview';
import type { AirlockSession } from '../session';

/** Writes a proposed text and opens the review; rejecting puts the file back as it was. */
function proposeEdit(session: AirlockSession, file: string, before: string, after: string, what: string, focusHost?: string): void {
	writeFileAtomic(file, after);
	session.output.info(`${what} — proposed in ${file} (review and approve to enforce it):\n${proposalDiff(before, after, '.devcontainer/airlock.yaml')}`);
	PlanPanel.show(session, {
		...(focusHost ? { focusHost } : {}),
		onReject: () => {
			if (readFileIfExists(file) === after) {
				writeFileAtomic(file, before);
			} else {
				session.output.warn(`${file} changed after the proposal was written; it was left as it is.`);
			}
		},
	});
}

/**
 * Airlock: Propose Policy from Observed Traffic — what audit mode (or the blocked log) saw,
 * turned into additions to airlock.yaml (presets where they cover it, wildcards only over
 * several names), opened in the plan review. Nothing is enforced before approval.
 */
export async function proposePolicy(session: AirlockSession): Promise<void> {
	const workspace = await requireHostFolder(session);
	if (!workspace) {
		return;
	}
	const file = policyFileOf(workspace);
	const before = readFileIfExists(file);
	if (before === undefined) {
		await vscode.window.showErrorMessage('Airlock: this folder has no .devcontainer/airlock.yaml yet.', 'Lock This Repository…').then((c) => c && vscode.commands.executeCommand('airlock.lockRepository'));
		return;
	}
	try {
		const located = await session.findLock();
		if (!located) {
			await vscode.window.showInformationMessage('Airlock: no locked container is running for this folder, so there is no traffic to learn from. Start it in audit mode, use the project, then propose again (or `airlock propose --log FILE` with a recorded log).');
			return;
		}
		const { entries } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Airlock: reading what the proxy saw…' }, () => readObservedLog(located.lock.docker, located.lock.control.id));
		ingestIntoBooks(workspace, entries);
		const project = parsePolicyText(before, file);
		const layers = readLayers(workspace);
		const plan = buildPlan({ ...layers, project });
		const proposal = proposeFromLog(entries, plan.policy, loadAllPresets(layers.presetsDir), project.presets.map((p) => p.name));
		for (const s of proposal.skipped) {
			session.output.info(`Not proposed: ${s.target}: ${s.why}`);
		}
		if (isEmptyProposal(proposal)) {
			await vscode.window.showInformationMessage(`Airlock: nothing to propose — the plan covers the ${proposal.considered} refused request(s) the proxy logged${proposal.skipped.length ? ` (${proposal.skipped.length} never proposed; see the log)` : ''}.`);
			return;
		}
		const after = applyProposalToText(before, file, proposal);
		const parts = [...proposal.presets.map((p) => `preset ${p.name}`), ...proposal.entries.map((e) => e.host)];
		proposeEdit(session, file, before, after, `Proposed from ${proposal.considered} refused request(s): ${parts.join(', ')}`, proposal.entries[0]?.host);
	} catch (err) {
		await reportError('cannot propose a policy', err, session.output);
	}
}

/** Airlock: Propose Removing Unused Entries — the project's entries no request used lately, as a change to review. */
export async function proposeRemoveUnused(session: AirlockSession): Promise<void> {
	const workspace = await requireHostFolder(session);
	if (!workspace) {
		return;
	}
	const file = policyFileOf(workspace);
	const before = readFileIfExists(file);
	if (before === undefined) {
		return;
	}
	try {
		const days = unusedAfterDaysFrom(vscode.workspace.getConfiguration('airlock').get<unknown>('unusedAfterDays'));
		const plan = buildPlan({ ...readLayers(workspace), project: parsePolicyText(before, file) });
		const usage = usageForEntries(plan.entries, readUsageBook(workspace), days * DAY_MS);
		const unused = plan.entries.filter((e) => usage.get(e.host)?.unused && e.sources.every((s) => s === 'project'));
		const { text: after, removed } = removeEntriesFromText(before, file, new Set(unused.map((e) => e.host)));
		if (removed.length === 0) {
			await vscode.window.showInformationMessage(`Airlock: no entry of this repository's policy has gone unused for ${days} days.`);
			return;
		}
		proposeEdit(session, file, before, after, `Removal of ${removed.length} entr${removed.length === 1 ? 'y' : 'ies'} unused for ${days} days: ${removed.join(', ')}`);
	} catch (err) {
		await reportError('cannot propose removing unused entries', err, session.output);
	}
}
