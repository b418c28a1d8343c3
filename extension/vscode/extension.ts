import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { BlockedHostSummary } from '../core/views/blockedHosts';
import { changesPlanAnnotations } from '../core/views/planAnnotations';
import { AgentChannel } from './agentChannel';
import { createAgentViews } from './agentViews';
import { BlockedLogWatcher } from './blockedLogWatcher';
import { createBlockedTree } from './blockedTree';
import { devContainersAvailable } from './devContainers';
import { DriftCheck } from './driftCheck';
import { PlanPanel } from './planPanel';
import { PolicyDiagnostics } from './policyDiagnostics';
import { policyFileOf } from './planReview';
import { registerCommands } from './registerCommands';
import { AirlockSession, type SessionState } from './session';
import { createStatusBar, currentStatus } from './statusBar';
import { locateWorkspace } from './workspaceLocation';

/** What the extension returns from activate(); used by the integration tests. */
export interface AirlockApi {
	state(): SessionState & { blocked: BlockedHostSummary[]; readOnly: boolean; hostPath?: string; status: string };
	checkDrift(): Promise<unknown>;
}

/** Edits to these files re-run the drift check and refresh an open review. */
const WATCHED = '{.devcontainer/airlock.yaml,.devcontainer/devcontainer.json,.devcontainer.json}';
const DEBOUNCE_MS = 300;

export function activate(context: vscode.ExtensionContext): AirlockApi {
	const location = locateWorkspace(context.extension);
	const session = new AirlockSession(context, location);
	context.subscriptions.push(session, ...registerCommands(session));

	const setContext = (key: string, value: unknown): Thenable<unknown> => vscode.commands.executeCommand('setContext', key, value);
	const updatePolicyContext = (): void => {
		const folder = session.hostPath ?? (location?.kind === 'inside-container' ? location.localPath : undefined);
		void setContext('airlock.hasPolicy', folder !== undefined && fs.existsSync(policyFileOf(folder)));
	};
	void setContext('airlock.readOnly', session.readOnly);
	void setContext('airlock.devContainersAvailable', devContainersAvailable());
	context.subscriptions.push(vscode.extensions.onDidChange(() => void setContext('airlock.devContainersAvailable', devContainersAvailable())));
	updatePolicyContext();
	// An open plan shows usage against airlock.unusedAfterDays: redraw it when that changes, not on the next open.
	context.subscriptions.push(
		vscode.workspace.onDidChangeConfiguration((e) => {
			if (changesPlanAnnotations((section) => e.affectsConfiguration(section))) {
				PlanPanel.refreshIfOpen();
			}
		}),
	);

	const policyFolder = session.hostPath ?? (location?.kind === 'inside-container' ? location.localPath : undefined);
	if (policyFolder) {
		session.diagnostics = new PolicyDiagnostics(policyFolder);
		context.subscriptions.push(session.diagnostics);
		session.diagnostics.check();
	}

	const tree = createBlockedTree(session);
	context.subscriptions.push(tree.disposable, createStatusBar(session));

	session.output.info(describeLocation(session));
	const drift = new DriftCheck(session);
	if (session.hostPath) {
		// The follower says when a container appears; that is when its live policy can be compared.
		const watcher = new BlockedLogWatcher(session, () => void drift.run({ notify: true }));
		// The agent's requests and the exfiltration suspects, apart from routine blocks.
		const agent = new AgentChannel(session);
		watcher.entryHandlers.push((entry) => agent.onEntry(entry));
		context.subscriptions.push(agent, createAgentViews(agent), watcher);
		watcher.start();
		void drift.run({ notify: true });
		context.subscriptions.push(session.onDidFinishApproval(() => void drift.run({ notify: true })));
	}

	if (location) {
		const files = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(location.folder, WATCHED));
		let timer: NodeJS.Timeout | undefined;
		const changed = (): void => {
			clearTimeout(timer);
			timer = setTimeout(() => {
				updatePolicyContext();
				session.diagnostics?.check();
				PlanPanel.refreshIfOpen();
				void drift.run({ notify: true });
			}, DEBOUNCE_MS);
		};
		context.subscriptions.push(files, files.onDidChange(changed), files.onDidCreate(changed), files.onDidDelete(changed), { dispose: () => clearTimeout(timer) });
	}

	return {
		state: () => ({ ...session.state, blocked: session.blocked.list(), readOnly: session.readOnly, ...(session.hostPath ? { hostPath: session.hostPath } : {}), status: currentStatus(session).label }),
		checkDrift: () => drift.run({ notify: false }),
	};
}

function describeLocation(session: AirlockSession): string {
	const location = session.location;
	if (!location) {
		return 'Airlock: no folder is open; open a repository folder to lock its dev container.';
	}
	switch (location.kind) {
		case 'host':
			return `Airlock: watching ${location.hostPath} (host side: approvals and live apply enabled).`;
		case 'inside-container':
			return `Airlock: running inside the container for ${location.localPath}: read-only; approvals happen on the host.`;
		default:
			return `Airlock: ${location.why}; approvals are disabled in this window.`;
	}
}

export function deactivate(): void {
	// Everything is in context.subscriptions.
}
