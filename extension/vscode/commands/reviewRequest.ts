import * as vscode from 'vscode';
import { readFileIfExists, writeFileAtomic } from '../../core/atomicFile';
import { buildPlan, readLayers } from '../../core/plan';
import { parsePolicyText } from '../../core/policyFile';
import { allowItemText, appendToTopLevelList } from '../../core/policyTextEdit';
import { policyAllows, readRequestBook, requestReason, requestTarget, type AccessRequest } from '../../core/requests';
import { currentAgentChannel } from '../agentChannel';
import { requireHostFolder } from '../hostOnly';
import { reportError } from '../nextStep';
import { PlanPanel } from '../planPanel';
import { policyFileOf } from '../planReview';
import type { AirlockSession } from '../session';

/** The request a notification, a tree item or a palette pick points at. */
export function requestFromArgument(workspace: string, arg: unknown): AccessRequest | undefined {
	const id = typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null && typeof (arg as { id?: unknown }).id === 'string' ? (arg as { id: string }).id : undefined;
	return id ? readRequestBook(workspace).find(id) : undefined;
}

async function pickRequest(workspace: string): Promise<AccessRequest | undefined> {
	const pending = readRequestBook(workspace).list('pending');
	if (pending.length === 0) {
		await vscode.window.showInformationMessage('Airlock: no access requests from the agent are waiting.');
		return undefined;
	}
	const picked = await vscode.window.showQuickPick(pending.map((r) => ({ label: requestTarget(r), description: `"${r.why}"`, detail: `asked ${r.count === 1 ? 'once' : `${r.count} times`}`, request: r })), { title: 'Airlock: review an access request', ignoreFocusOut: true });
	return picked?.request;
}

/**
 * Airlock: Review Access Request — proposes the requested host in .devcontainer/airlock.yaml
 * (keeping the file's layout; the reason says the agent asked, and why) and opens the plan
 * review, where the row is marked as requested by the agent with its reason and risk notes.
 * Approve applies it live; Reject takes the entry back out and rejects the request.
 */
export async function reviewRequest(session: AirlockSession, arg?: unknown): Promise<void> {
	const workspace = await requireHostFolder(session);
	if (!workspace) {
		return;
	}
	const request = requestFromArgument(workspace, arg) ?? (arg === undefined ? await pickRequest(workspace) : undefined);
	if (!request) {
		if (arg !== undefined) {
			await vscode.window.showWarningMessage('Airlock: that access request is no longer in the list (decided from the CLI?).');
		}
		return;
	}
	const file = policyFileOf(workspace);
	const before = readFileIfExists(file);
	if (before === undefined) {
		await vscode.window.showErrorMessage('Airlock: this folder has no .devcontainer/airlock.yaml yet.', 'Lock This Repository…').then((c) => c && vscode.commands.executeCommand('airlock.lockRepository'));
		return;
	}
	try {
		const layers = readLayers(workspace);
		const listed = buildPlan({ ...layers, project: parsePolicyText(before, file) }).policy;
		const item = allowItemText({ host: request.host, ...(request.port !== undefined ? { ports: [request.port] } : {}), reason: requestReason(request) });
		const after = policyAllows(listed, request.host, request.port) ? before : appendToTopLevelList(before, file, 'allow', [item]);
		if (after !== before) {
			writeFileAtomic(file, after);
			session.output.info(`Proposed ${requestTarget(request)} (asked by the agent) in ${file}; review and approve to enforce it.`);
		}
		PlanPanel.show(session, {
			focusHost: request.host,
			onReject: () => {
				// Our own edit goes back out, unless someone changed the file after us.
				if (after !== before && readFileIfExists(file) === after) {
					writeFileAtomic(file, before);
				}
				currentAgentChannel()?.reject(request.id);
				session.output.info(`Rejected the agent's request for ${requestTarget(request)}; it stays blocked.`);
			},
		});
	} catch (err) {
		await reportError(`cannot propose ${requestTarget(request)}`, err, session.output);
	}
}
